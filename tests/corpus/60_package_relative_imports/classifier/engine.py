import torch

from .losses import make_criterion


def _step(model, criterion, optimizer, batch):
    tokens, offsets, labels = batch
    optimizer.zero_grad()
    loss = criterion(model(tokens, offsets), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def fit(model, loader, cfg):
    criterion = make_criterion(cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        losses = [_step(model, criterion, optimizer, b) for b in loader]
        print(epoch, sum(losses) / len(losses))
