import torch
import torch.nn as nn


class TagHead(nn.Module):
    def __init__(self, d, n_tags):
        super().__init__()
        self.fc = nn.Linear(d, n_tags)

    def forward(self, h):
        return torch.sigmoid(self.fc(h))  # expect: TL005


class GenreHead(nn.Module):
    def __init__(self, d, n_genres):
        super().__init__()
        self.fc = nn.Linear(d, n_genres)

    def forward(self, h):
        return self.fc(h)
