import torch.nn.functional as F
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, hidden=128, num_layers=2):
        super().__init__()
        self.modelname = f"LSTM_hidden={hidden}"
        self.lstm = nn.LSTM(input_dim, hidden, num_layers=num_layers, batch_first=True)
        self.linear = nn.Linear(hidden, num_classes)

    def logits(self, x):
        outputs, _ = self.lstm(x)
        return self.linear(outputs[:, -1])

    def forward(self, x):
        logprobabilities = F.log_softmax(self.logits(x), dim=-1)  # expect: TL009
        return logprobabilities
