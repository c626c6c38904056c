import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden=256, n_classes=18):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.rnn = nn.GRU(64, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, tokens):
        out, h = self.rnn(self.embed(tokens))
        logits = self.head(h[-1])
        probs = F.softmax(logits, dim=-1)  # expect: TL001
        return probs
