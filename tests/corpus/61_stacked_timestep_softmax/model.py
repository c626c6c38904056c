import torch
import torch.nn as nn
import torch.nn.functional as F


class Seq2SeqDecoder(nn.Module):
    def __init__(self, vocab, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.cell = nn.GRUCell(hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, h, targets):
        outputs = []
        inp = targets[:, 0]
        for t in range(1, targets.size(1)):
            h = self.cell(self.embed(inp), h)
            step_probs = F.softmax(self.out(h), dim=-1)  # expect: TL001
            outputs.append(step_probs)
            inp = targets[:, t]
        return torch.stack(outputs, dim=1)
