import torch


class Trainer:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.criterion = None

    def set_criterion(self, criterion):
        self.criterion = criterion
        return self

    def train_step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(x), y)  # expect: TL012
        loss.backward()
        self.optimizer.step()
        return loss
