import torch.nn.functional as F


def classification_loss(logits, targets, smoothing=0.0):
    return F.cross_entropy(logits, targets, label_smoothing=smoothing)


def total_loss(logits, targets, aux):
    return classification_loss(logits, targets) + 0.1 * aux
