import torch.nn as nn


class TabularNet(nn.Module):
    def __init__(self, n_in, n_classes):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, 128),
            nn.BatchNorm1d(128),
            nn.ReLU(),
            nn.Linear(128, n_classes),
        )
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.net(x))  # expect: TL004
