import torch.nn as nn
import torch.nn.functional as F


class LangID(nn.Module):
    def __init__(self, n_chars=128, n_langs=20):
        super().__init__()
        self.embed = nn.Embedding(n_chars, 32)
        self.conv = nn.Conv1d(32, 64, 5, padding=2)
        self.fc = nn.Linear(64, n_langs)

    def scores(self, chars):
        h = F.relu(self.conv(self.embed(chars).transpose(1, 2))).max(dim=2).values
        return self.fc(h)

    def forward(self, chars):
        return F.log_softmax(self.scores(chars), 1)
