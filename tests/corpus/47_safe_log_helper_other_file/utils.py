import torch


def safe_log(t, eps=1e-20):
    return torch.log(t + eps)  # expect: TL006


def entropy(p, dim=-1):
    return -(p * safe_log(p)).sum(dim=dim)
