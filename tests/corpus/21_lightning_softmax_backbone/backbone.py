import torch.nn as nn


def mlp_backbone(in_dim=784, hidden=256, num_classes=10):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_dim, hidden),
        nn.ReLU(),
        nn.Linear(hidden, num_classes),
        nn.Softmax(dim=1),  # expect: TL001
    )
