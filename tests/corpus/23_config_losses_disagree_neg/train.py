import argparse

import torch

from models import LOSSES, MODELS


def train(model, criterion, loader):
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.zero_grad()
        criterion(model(x), y).backward()
        opt.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--objective", choices=sorted(LOSSES), default="ce")
    args = parser.parse_args()
    model = MODELS[args.objective](128, 10)
    criterion = LOSSES[args.objective]()
    train(model, criterion, loader)
