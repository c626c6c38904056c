import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, optimizer=None, loss_fn=None, clip=1.0):
        self.model = model
        self.optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=1e-3)
        self.loss_fn = loss_fn or nn.CrossEntropyLoss()
        self.clip = clip

    def step(self, tokens, labels):
        self.optimizer.zero_grad()
        output = self.model(tokens)
        loss = self.loss_fn(output, labels)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        return loss.item()

    def train(self, loader):
        self.model.train()
        return sum(self.step(t, l) for t, l in loader) / len(loader)
