import torch
import torch.nn as nn

from models import LogitsMLP, ProbMLP


def train(model, criterion, loader, epochs=5):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
    return model


baseline = train(LogitsMLP(), nn.CrossEntropyLoss(), loader)
ablation = train(ProbMLP(), nn.CrossEntropyLoss(), loader)
