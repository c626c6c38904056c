import torch.nn as nn

LOSSES = {
    "ce": nn.CrossEntropyLoss,
    "nll": nn.NLLLoss,
    "bce": nn.BCEWithLogitsLoss,
}


def get_loss(name, **kwargs):
    return LOSSES[name](**kwargs)
