import torch.nn as nn
import torch.nn.functional as F


class KeywordSpotter(nn.Module):
    def __init__(self, n_mfcc=40, n_keywords=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
        )
        self.fc = nn.Linear(64, n_keywords)

    def forward(self, mfcc):
        h = self.conv(mfcc).mean(dim=-1)
        logits = self.fc(h)
        if not self.training:
            return F.softmax(logits, dim=-1)
        return logits
