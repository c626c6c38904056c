import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab, n_tags):
        super().__init__()
        self.embed = nn.Embedding(vocab, 100)
        self.lstm = nn.LSTM(100, 128, batch_first=True, bidirectional=True)
        self.out = nn.Linear(256, n_tags)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.softmax(self.out(h[:, -1]))  # expect: TL004
