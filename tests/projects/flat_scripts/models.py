import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))

    def forward(self, x):
        return torch.sigmoid(self.body(x))  # expect: TL003


class LogitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(20, 5)

    def forward(self, x):
        return self.body(x)
