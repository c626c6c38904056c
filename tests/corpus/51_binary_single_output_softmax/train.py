import torch
import torch.nn as nn

from model import SpamClassifier


class Trainer:
    def __init__(self, model, criterion):
        self.model = model
        self.criterion = criterion
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_epoch(self, loader):
        for tokens, offsets, is_spam in loader:
            self.opt.zero_grad()
            p = self.model(tokens, offsets)
            loss = self.criterion(p, is_spam.float())
            loss.backward()
            self.opt.step()


Trainer(SpamClassifier(25000), nn.BCELoss()).train_epoch(sms_loader)
