import torch.nn as nn
import torch.nn.functional as F


class LabelDistributionNet(nn.Module):
    """Predicts an age distribution (label distribution learning)."""

    def __init__(self, n_bins=101):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(32, n_bins)

    def forward(self, x):
        return F.log_softmax(self.fc(self.features(x)), dim=1)
