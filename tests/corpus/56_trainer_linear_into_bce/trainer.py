import torch
import torch.nn as nn


class MultiLabelTrainer:
    def __init__(self, model, criterion=None, lr=1e-3):
        self.model = model
        self.criterion = criterion or nn.BCELoss()
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(self, feats, targets):
        self.opt.zero_grad()
        scores = self.model(feats)
        loss = self.criterion(scores, targets.float())  # expect: TL007
        loss.backward()
        self.opt.step()
        return loss.item()
