import torch
import torch.nn as nn


class PatchClassifier(nn.Module):
    def __init__(self, dim=192, n_classes=37):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, kernel_size=16, stride=16)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, img):
        tokens = self.patch(img).flatten(2).transpose(1, 2)
        pooled = self.norm(tokens.mean(dim=1))
        return self.head(pooled).sigmoid()  # expect: TL003
