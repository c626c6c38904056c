import torch
import torch.nn as nn

from attention import SelfAttention


class AttentionPooling(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.score = nn.Linear(d, 1)

    def forward(self, h):
        w = torch.softmax(self.score(h), dim=1)
        return (w * h).sum(dim=1)


class TransformerClassifier(nn.Module):
    def __init__(self, vocab, d_model=128, n_heads=4, n_classes=6):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.attn = SelfAttention(d_model, n_heads)
        self.norm = nn.LayerNorm(d_model)
        self.pool = AttentionPooling(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, tokens):
        h = self.embed(tokens)
        h = self.norm(h + self.attn(h))
        return self.head(self.pool(h))
