import torch
import torch.nn as nn


class G(nn.Module):
    def __init__(self, latent=64, out=784):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, out), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class D(nn.Module):
    def __init__(self, inp=784):
        super().__init__()
        self.fc1 = nn.Linear(inp, 256)
        self.fc2 = nn.Linear(256, 1)
        self.act = nn.LeakyReLU(0.2)
        self.out = nn.Sigmoid()

    def forward(self, x):
        return self.out(self.fc2(self.act(self.fc1(x))))  # expect: TL005
