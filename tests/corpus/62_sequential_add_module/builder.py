import torch.nn as nn


def build_mlp(sizes, n_classes):
    model = nn.Sequential()
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        model.add_module(f"fc{i}", nn.Linear(a, b))
        model.add_module(f"act{i}", nn.ReLU())
    model.add_module("classifier", nn.Linear(sizes[-1], n_classes))
    model.add_module("softmax", nn.Softmax(dim=1))  # expect: TL004
    return model
