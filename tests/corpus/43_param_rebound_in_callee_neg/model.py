import torch.nn as nn


class PosTagger(nn.Module):
    def __init__(self, vocab, n_tags, d=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.lstm = nn.LSTM(d, d, batch_first=True)
        self.proj = nn.Linear(d, n_tags)
        self.log_softmax = nn.LogSoftmax(dim=-1)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.log_softmax(self.proj(h))
