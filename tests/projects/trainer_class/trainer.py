import torch
from torch import nn

from nets.cnn import SmallCNN


class Trainer:
    def __init__(self, lr=0.01):
        self.model = SmallCNN()
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)

    def step(self, images, labels):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(images), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()
