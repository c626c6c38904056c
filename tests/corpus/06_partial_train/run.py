import functools

import torch
import torch.nn.functional as F
from torch import nn

from model import make_classifier


def train(model, loader, optimizer, criterion, log_every=50):
    model.train()
    for i, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        if i % log_every == 0:
            print(i, loss.item())


if __name__ == "__main__":
    clf = make_classifier(300, 20)
    optimizer = torch.optim.AdamW(clf.parameters(), lr=3e-4)
    train_fn = functools.partial(train, criterion=nn.CrossEntropyLoss(), log_every=10)
    for epoch in range(3):
        train_fn(clf, loader, optimizer)
