import torch.nn as nn


def build_classifier(n_in=20, n_classes=3):
    return nn.Sequential(
        nn.Linear(n_in, 64),
        nn.ReLU(),
        nn.Linear(64, n_classes),
        nn.Softmax(dim=1),
    )
