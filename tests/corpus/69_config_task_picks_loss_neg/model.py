import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self, d, n_out, multilabel):
        super().__init__()
        self.fc = nn.Linear(d, n_out)
        self.multilabel = multilabel

    def forward(self, h):
        z = self.fc(h)
        if self.multilabel:
            return z
        return F.log_softmax(z, dim=-1)
