import torch
import torch.nn as nn

from model import ImageClassifier


def train(model, criterion, loader, optimizer):
    for pixel_values, labels in loader:
        outputs = model(pixel_values)
        loss = criterion(outputs.probs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


model = ImageClassifier()
train(model, nn.CrossEntropyLoss(), loader, torch.optim.SGD(model.parameters(), lr=0.01))
