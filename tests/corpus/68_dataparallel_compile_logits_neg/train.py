import torch
import torch.nn as nn

from models import WideResNetLite


class Trainer:
    def __init__(self, model, criterion, optimizer):
        self.model = model
        self.criterion = criterion
        self.optimizer = optimizer

    def train_step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def accuracy(self, x, y):
        probs = self.model.module.predict(x) if hasattr(self.model, "module") else self.model.predict(x)
        return (probs.argmax(dim=1) == y).float().mean().item()


def main():
    net = WideResNetLite()
    net = nn.DataParallel(net).cuda()
    compiled = torch.compile(net)
    trainer = Trainer(compiled, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1))
    for x, y in loader:
        trainer.train_step(x.cuda(), y.cuda())


if __name__ == "__main__":
    main()
