import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        logits = self.fc(self.features(x))
        if not self.training:
            return torch.softmax(logits, dim=1)
        return logits.softmax(dim=1)  # expect: TL001
