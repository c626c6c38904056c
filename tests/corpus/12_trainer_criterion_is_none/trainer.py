import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, criterion=None, lr=1e-3):
        if criterion is None:
            criterion = nn.NLLLoss()
        self.model = model
        self.criterion = criterion
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        for x, y in loader:
            self.optimizer.zero_grad()
            out = self.model(x)
            loss = self.criterion(out, y)
            loss.backward()
            self.optimizer.step()
