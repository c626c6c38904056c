import torch
import torch.nn as nn

from builder import build_mlp


def train(model, criterion, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    model = build_mlp([561, 256, 128], n_classes=6)
    train(model, nn.NLLLoss(), torch.optim.Adam(model.parameters()), har_loader)
