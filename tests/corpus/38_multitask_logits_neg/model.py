import torch
import torch.nn as nn
import torch.nn.functional as F


class FaceAttributes(nn.Module):
    def __init__(self, n_ids=1000, n_attrs=40):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.identity_head = nn.Linear(64, n_ids)
        self.attr_head = nn.Linear(64, n_attrs)

    def forward(self, x):
        f = self.backbone(x)
        return {"identity": self.identity_head(f), "attrs": self.attr_head(f)}


def metrics(outputs, targets):
    id_probs = F.softmax(outputs["identity"], dim=1)
    attr_probs = torch.sigmoid(outputs["attrs"])
    return {
        "id_top1": (id_probs.argmax(1) == targets["identity"]).float().mean(),
        "attr_acc": ((attr_probs > 0.5) == targets["attrs"].bool()).float().mean(),
    }
