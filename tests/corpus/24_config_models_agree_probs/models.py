import torch
import torch.nn as nn
import torch.nn.functional as F


class WideNet(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc1 = nn.Linear(d, 1024)
        self.fc2 = nn.Linear(1024, k)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)  # expect: TL001


class DeepNet(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(d, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, k),
        )

    def forward(self, x):
        return torch.softmax(self.layers(x), dim=-1)  # expect: TL001
