import torch
from torch import nn


class Deployable(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = self.fc(x)
        if not self.training:
            x = torch.softmax(x, dim=-1)
        return x
