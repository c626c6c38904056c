from torch import nn


def make_classifier(in_dim, num_classes):
    return nn.Sequential(
        nn.Linear(in_dim, 256),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(256, num_classes),
        nn.Softmax(dim=-1),  # expect: TL001
    )
