import torch
import torch.nn as nn

from model import FaceAttributes, metrics


class MultiTaskTrainer:
    def __init__(self, model):
        self.model = model
        self.losses = {"identity": nn.CrossEntropyLoss(), "attrs": nn.BCEWithLogitsLoss()}
        self.opt = torch.optim.Adam(model.parameters())

    def step(self, x, targets):
        outputs = self.model(x)
        loss = sum(fn(outputs[k], targets[k]) for k, fn in self.losses.items())
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return metrics(outputs, targets)


trainer = MultiTaskTrainer(FaceAttributes())
for x, targets in celeba_loader:
    print(trainer.step(x, targets))
