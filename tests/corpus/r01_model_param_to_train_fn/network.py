# Shape from jindongwang/Deep-learning-activity-recognition@6ec30f2 (pytorch/network.py:42):
# softmax in forward of a model defined in its own module.
import torch.nn as nn
import torch.nn.functional as F


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(32, 6))

    def forward(self, x):
        out = self.body(x)
        out = self.head(out)
        out = F.softmax(out, dim=1)  # expect: TL001
        return out
