import torch


def log_sigmoid(x, eps=1e-10):
    return torch.log(x + eps)  # expect: TL016


def bpr_loss(pos_scores, neg_scores):
    return -log_sigmoid(torch.sigmoid(pos_scores - neg_scores)).mean()
