import torch
import torch.nn as nn

from heads import GenreHead, TagHead


class Encoder(nn.Module):
    def __init__(self, n_mels=128, d=256):
        super().__init__()
        self.gru = nn.GRU(n_mels, d, batch_first=True)

    def forward(self, mel):
        _, h = self.gru(mel)
        return h[-1]


def train(encoder, heads, criteria, loader, optimizer):
    for mel, labels in loader:
        h = encoder(mel)
        total = 0
        for name, head in heads.items():
            total = total + criteria[name](head(h), labels[name])
        optimizer.zero_grad()
        total.backward()
        optimizer.step()


encoder = Encoder()
heads = {"tags": TagHead(256, 50), "genre": GenreHead(256, 10)}
criteria = {"tags": nn.BCEWithLogitsLoss(), "genre": nn.CrossEntropyLoss()}
params = list(encoder.parameters()) + [p for h in heads.values() for p in h.parameters()]
train(encoder, heads, criteria, loader, torch.optim.Adam(params))
