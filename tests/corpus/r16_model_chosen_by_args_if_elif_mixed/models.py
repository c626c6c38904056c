# Shape from AshwinRJ/Federated-Learning-PyTorch@26eaec4 (src/models.py:9-24 MLP ends in Softmax,
# :46-66 CNNFashion_Mnist returns raw logits; src/baseline_main.py:28-43 model chosen by CLI args,
# :62 NLLLoss, :72-73 loss). Issue #29 (NaN / wrong loss with NLLLoss).
from torch import nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.layer_input = nn.Linear(dim_in, 64)
        self.layer_hidden = nn.Linear(64, dim_out)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = F.relu(self.layer_input(x))
        x = self.layer_hidden(x)
        return self.softmax(x)  # the MLP path feeds probabilities: silent, the three models disagree


class CNNMnist(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return F.log_softmax(self.fc(x.view(x.shape[0], -1)), dim=1)  # correct


class CNNFashion_Mnist(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(14 * 14 * 16, 10)

    def forward(self, x):
        out = self.layer1(x)
        out = out.view(out.size(0), -1)
        out = self.fc(out)  # raw scores (TL012 is reported at the loss call)
        return out
