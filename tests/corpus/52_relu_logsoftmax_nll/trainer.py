import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, loss_fn=F.nll_loss, lr=0.01):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.5)

    def train(self, loader, epoch):
        self.model.train()
        for batch_idx, (data, target) in enumerate(loader):
            self.optimizer.zero_grad()
            output = self.model(data)
            loss = self.loss_fn(output, target)
            loss.backward()
            self.optimizer.step()
