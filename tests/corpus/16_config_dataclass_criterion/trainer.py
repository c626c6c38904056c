import torch


class Trainer:
    def __init__(self, model, config):
        self.model = model
        self.config = config
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)

    def train(self, loader):
        for epoch in range(self.config.epochs):
            for pooled, labels in loader:
                self.optimizer.zero_grad()
                logits = self.model(pooled)
                loss = self.config.criterion(logits, labels)
                loss.backward()
                self.optimizer.step()
