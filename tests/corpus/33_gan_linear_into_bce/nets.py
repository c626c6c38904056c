import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, latent=32, out=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, out))

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, inp=2):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(inp, 128), nn.ReLU())
        self.score = nn.Linear(128, 1)

    def forward(self, x):
        return self.score(self.hidden(x))
