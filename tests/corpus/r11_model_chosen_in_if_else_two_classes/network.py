# Shape from clvrai/ACGAN-PyTorch@4bd0405 (network.py:118,142 and :252,276 Softmax heads;
# main.py:117-120 if/else choice of discriminator class; :127-128 BCELoss/NLLLoss; :183-187).
import torch.nn as nn


class _netD(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 32), nn.LeakyReLU(0.2))
        self.fc_dis = nn.Linear(32, 1)
        self.fc_aux = nn.Linear(32, num_classes)
        self.softmax = nn.Softmax(dim=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, input):
        flat = self.body(input)
        classes = self.softmax(self.fc_aux(flat))  # expect: TL004
        realfake = self.sigmoid(self.fc_dis(flat)).view(-1, 1).squeeze(1)  # expect: TL014
        return realfake, classes


class _netD_CIFAR10(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 16), nn.LeakyReLU(0.2))
        self.fc_dis = nn.Linear(16, 1)
        self.fc_aux = nn.Linear(16, num_classes)
        self.softmax = nn.Softmax(dim=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, input):
        flat = self.body(input)
        classes = self.softmax(self.fc_aux(flat))  # expect: TL004
        realfake = self.sigmoid(self.fc_dis(flat)).view(-1, 1).squeeze(1)  # expect: TL014
        return realfake, classes
