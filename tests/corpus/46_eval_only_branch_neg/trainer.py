import torch
import torch.nn as nn

from model import KeywordSpotter


class Trainer:
    def __init__(self, model, criterion=None):
        self.model = model
        self.criterion = criterion if criterion is not None else nn.CrossEntropyLoss()
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_epoch(self, loader):
        self.model.train()
        for mfcc, label in loader:
            self.opt.zero_grad()
            loss = self.criterion(self.model(mfcc), label)
            loss.backward()
            self.opt.step()


Trainer(KeywordSpotter()).train_epoch(loader)
