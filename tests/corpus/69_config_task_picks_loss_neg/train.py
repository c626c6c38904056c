import sys

import torch

from config import load_config
from model import Head


def train(model, criterion, loader):
    opt = torch.optim.Adam(model.parameters())
    for h, y in loader:
        opt.zero_grad()
        criterion(model(h), y).backward()
        opt.step()


if __name__ == "__main__":
    cfg = load_config(sys.argv[1])
    model = Head(512, cfg.n_out, multilabel=cfg.sigmoid_output)
    train(model, cfg.criterion, loader)
