import torch
import torch.nn as nn


class MultiTaskNet(nn.Module):
    def __init__(self, in_dim=512, n_scene=8, n_weather=4):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(in_dim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU())
        self.heads = nn.ModuleDict({
            "scene": nn.Linear(256, n_scene),
            "weather": nn.Sequential(nn.Linear(256, n_weather), nn.Softmax(dim=1)),  # expect: TL001
            "depth": nn.Linear(256, 1),
        })

    def forward(self, x):
        feat = self.trunk(x)
        outputs = {}
        for task, head in self.heads.items():
            outputs[task] = head(feat)
        return outputs
