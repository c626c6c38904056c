import torch
import torch.nn.functional as F
from torch import nn


class MSResNet(nn.Module):
    """Three branches of different kernel sizes, pooled and concatenated."""

    def __init__(self, input_dim=13, num_classes=9, hidden=32):
        super().__init__()
        self.modelname = "MSResNet"
        self.branches = nn.ModuleList(nn.Conv1d(input_dim, hidden, k, padding=k // 2) for k in (3, 5, 7))
        self.fc = nn.Linear(3 * hidden, num_classes)

    def forward(self, x):
        x = x.transpose(1, 2)
        pooled = [branch(x).mean(dim=-1) for branch in self.branches]
        out = self.fc(torch.cat(pooled, dim=1))
        return F.log_softmax(out, dim=1)  # expect: TL009
