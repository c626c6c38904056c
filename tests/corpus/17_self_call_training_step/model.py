import torch
import torch.nn as nn
import torch.nn.functional as F


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(28 * 28, 512)
        self.l2 = nn.Linear(512, 10)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        x = F.relu(self.l1(x.view(x.size(0), -1)))
        return F.softmax(self.l2(x), dim=1)  # expect: TL001

    def training_step(self, batch):
        x, y = batch
        out = self.__call__(x)
        return self.criterion(out, y)


def fit(model, loader, epochs=5):
    opt = torch.optim.Adam(model.parameters())
    for _ in range(epochs):
        for batch in loader:
            opt.zero_grad()
            model.training_step(batch).backward()
            opt.step()


if __name__ == "__main__":
    fit(DigitClassifier(), loader)
