import torch
import torch.nn as nn
import torch.nn.functional as F


class LogitsMLP(nn.Module):
    def __init__(self, d=32, k=4):
        super().__init__()
        self.fc1 = nn.Linear(d, 64)
        self.fc2 = nn.Linear(64, k)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class ProbMLP(nn.Module):
    def __init__(self, d=32, k=4):
        super().__init__()
        self.fc1 = nn.Linear(d, 64)
        self.fc2 = nn.Linear(64, k)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)  # expect: TL001
