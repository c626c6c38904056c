import torch
import torch.nn as nn

from model import TransformerClassifier


def train(model, criterion, loader):
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for tokens, y in loader:
        opt.zero_grad()
        loss = criterion(model(tokens), y)
        loss.backward()
        opt.step()


train(TransformerClassifier(vocab=30000), nn.CrossEntropyLoss(label_smoothing=0.1), loader)
