import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=40, n_classes=10):
        super().__init__()
        self.lstm = nn.LSTM(n_in, 128, batch_first=True)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])
