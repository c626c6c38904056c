import torch
from torch.nn import CrossEntropyLoss

from modeling import DocClassifier


def train(model, loader, optimizer):
    loss_fct = CrossEntropyLoss()
    for pooled, labels in loader:
        outputs = model(pooled)
        loss = loss_fct(outputs.logits, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


model = DocClassifier()
train(model, loader, torch.optim.AdamW(model.parameters(), lr=2e-5))
