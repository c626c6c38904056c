import torch


class Trainer:
    def __init__(self, model, criterion, optimizer, device="cpu"):
        self.model = model.to(device)
        self.criterion = criterion
        self.optimizer = optimizer
        self.device = device
        self.history = []

    def train_step(self, batch):
        x, y = (t.to(self.device) for t in batch)
        self.optimizer.zero_grad()
        pred = self.model(x)
        loss = self.criterion(pred, y.float())
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            losses = [self.train_step(batch) for batch in loader]
            self.history.append(sum(losses) / len(losses))
