import torch


class BaseTrainer:
    def __init__(self, model, criterion, optimizer=None, epochs=10):
        self.model = model
        self.criterion = criterion
        self.optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=0.1)
        self.epochs = epochs

    def compute_loss(self, batch):
        raise NotImplementedError

    def train(self, loader):
        for epoch in range(self.epochs):
            for batch in loader:
                self.optimizer.zero_grad()
                loss = self.compute_loss(batch)
                loss.backward()
                self.optimizer.step()
