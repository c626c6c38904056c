import torch
import torch.nn.functional as F


def to_probs(logits):
    return torch.sigmoid(logits)  # expect: TL014


def multilabel_loss(logits, targets, pos_weight=None):
    probs = to_probs(logits)
    return F.binary_cross_entropy(probs, targets, weight=pos_weight)
