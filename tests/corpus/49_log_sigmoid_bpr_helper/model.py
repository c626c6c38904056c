import torch.nn as nn


class MatrixFactorization(nn.Module):
    def __init__(self, n_users, n_items, d=64):
        super().__init__()
        self.users = nn.Embedding(n_users, d)
        self.items = nn.Embedding(n_items, d)

    def forward(self, u, i):
        return (self.users(u) * self.items(i)).sum(dim=-1)
