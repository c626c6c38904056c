import torch

from losses import LabelSmoothingCrossEntropy
from model import BirdClassifier


def train(model, criterion, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


model = BirdClassifier()
train(model, LabelSmoothingCrossEntropy(0.1), cub_loader, torch.optim.SGD(model.parameters(), lr=0.01))
