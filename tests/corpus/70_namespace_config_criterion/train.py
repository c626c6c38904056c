from types import SimpleNamespace

import torch
import torch.nn as nn


class EmotionNet(nn.Module):
    def __init__(self, n_classes=7):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(64, n_classes)
        self.out_act = nn.Tanh()

    def forward(self, x):
        return self.out_act(self.fc(self.conv(x)))  # expect: TL010


class Runner:
    def __init__(self, model, opts):
        self.model = model
        self.opts = opts
        self.optimizer = torch.optim.Adam(model.parameters(), lr=opts.lr)

    def train_epoch(self, loader):
        for faces, emotion in loader:
            self.optimizer.zero_grad()
            loss = self.opts.criterion(self.model(faces), emotion)
            loss.backward()
            self.optimizer.step()


opts = SimpleNamespace(lr=1e-3, epochs=30, criterion=nn.CrossEntropyLoss())
runner = Runner(EmotionNet(), opts)
for _ in range(opts.epochs):
    runner.train_epoch(fer_loader)
