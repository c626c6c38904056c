import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.criterion = None
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def set_criterion(self, criterion):
        self.criterion = criterion

    def fit(self, loader, epochs=1):
        for _ in range(epochs):
            for x, y in loader:
                self.optimizer.zero_grad()
                loss = self.criterion(self.model(x), y)
                loss.backward()
                self.optimizer.step()

    @torch.no_grad()
    def predict_proba(self, x):
        return self.model(x).exp()
