import torch.nn as nn
import torch.nn.functional as F


class BagOfWords(nn.Module):
    def __init__(self, vocab, n_classes):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, 100, mode="mean")
        self.fc = nn.Linear(100, n_classes)

    def forward(self, tokens, offsets):
        return F.softmax(self.fc(self.embed(tokens, offsets)), dim=1)  # expect: TL004


def build_model(cfg):
    return BagOfWords(cfg["vocab"], cfg["n_classes"])
