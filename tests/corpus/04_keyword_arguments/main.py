import argparse

import torch
import torch.nn as nn

from models import MLP


def train(*, model, criterion, optimizer, loader, epochs=1):
    for _ in range(epochs):
        for features, target in loader:
            optimizer.zero_grad()
            scores = model(features)
            loss = criterion(input=scores, target=target)
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    net = MLP(in_features=54, hidden=128, num_classes=7)
    train(
        loader=train_loader,
        criterion=nn.CrossEntropyLoss(),
        optimizer=torch.optim.Adam(net.parameters()),
        model=net,
        epochs=args.epochs,
    )
