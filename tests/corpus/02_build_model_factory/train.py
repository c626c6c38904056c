import yaml
import torch
import torch.nn as nn

from models import build_model


def train_one_epoch(model, criterion, optimizer, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    with open("config.yaml") as fh:
        cfg = yaml.safe_load(fh)
    model = build_model(cfg)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    for epoch in range(cfg["epochs"]):
        train_one_epoch(model, criterion, optimizer, train_loader)
