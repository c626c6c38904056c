import argparse

import torch
import torch.nn as nn

from models import DeepNet, WideNet


def train(model, criterion, loader, epochs):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="wide")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    model = WideNet(64, 10) if args.arch == "wide" else DeepNet(64, 10)
    train(model, nn.CrossEntropyLoss(), loader, args.epochs)
