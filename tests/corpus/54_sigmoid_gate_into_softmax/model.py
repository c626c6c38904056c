import torch
import torch.nn as nn
import torch.nn.functional as F


class MixtureOfExperts(nn.Module):
    def __init__(self, d=128, n_experts=4, n_classes=10):
        super().__init__()
        self.experts = nn.ModuleList([nn.Linear(d, n_classes) for _ in range(n_experts)])
        self.gate = nn.Linear(d, n_experts)

    def forward(self, x):
        gate_scores = torch.sigmoid(self.gate(x))  # expect: TL003
        weights = F.softmax(gate_scores, dim=-1)
        expert_out = torch.stack([e(x) for e in self.experts], dim=1)
        return (weights.unsqueeze(-1) * expert_out).sum(dim=1)
