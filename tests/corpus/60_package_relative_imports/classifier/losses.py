import torch.nn as nn


def make_criterion(cfg):
    return nn.NLLLoss(weight=cfg.get("class_weights"))
