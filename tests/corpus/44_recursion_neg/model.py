import torch
import torch.nn as nn


class TreeNet(nn.Module):
    def __init__(self, d=32, k=5):
        super().__init__()
        self.compose = nn.Linear(2 * d, d)
        self.out = nn.Linear(d, k)

    def encode(self, node):
        if node.is_leaf:
            return node.embedding
        left = self.encode(node.left)
        right = self.encode(node.right)
        return self.compose(torch.cat([left, right], dim=-1)).tanh()

    def forward(self, tree):
        return self.out(self.encode(tree))

