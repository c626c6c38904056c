from torch import nn


class SigmoidHead(nn.Module):
    def __init__(self, hidden=64, classes=6):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(hidden, classes), nn.Sigmoid())  # expect: TL003

    def forward(self, h):
        return self.layers(h)


class LinearHead(nn.Module):
    def __init__(self, hidden=64, classes=6):
        super().__init__()
        self.fc = nn.Linear(hidden, classes)

    def forward(self, h):
        return self.fc(h)
