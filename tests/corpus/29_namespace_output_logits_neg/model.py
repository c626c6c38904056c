from types import SimpleNamespace

import torch
import torch.nn as nn


class IntentModel(nn.Module):
    def __init__(self, vocab, n_intents):
        super().__init__()
        self.embed = nn.Embedding(vocab, 128)
        self.gru = nn.GRU(128, 128, batch_first=True)
        self.fc = nn.Linear(128, n_intents)

    def forward(self, tokens):
        _, h = self.gru(self.embed(tokens))
        logits = self.fc(h[-1])
        return SimpleNamespace(logits=logits, probs=torch.softmax(logits, dim=-1))
