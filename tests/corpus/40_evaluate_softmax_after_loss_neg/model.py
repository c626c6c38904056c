import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, n_in=100, n_classes=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, n_classes))

    def forward(self, x):
        return self.net(x)
