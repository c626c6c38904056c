import torch
import torch.nn as nn

from nets import Discriminator, Generator


def train_gan(G, D, criterion, sampler, steps=10000, latent=32):
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
    for step in range(steps):
        real = sampler(256)
        fake = G(torch.randn(256, latent))
        ones, zeros = torch.ones(256, 1), torch.zeros(256, 1)

        opt_d.zero_grad()
        loss_d = criterion(D(real), ones) + criterion(D(fake.detach()), zeros)  # expect: TL007
        loss_d.backward()
        opt_d.step()

        opt_g.zero_grad()
        loss_g = criterion(D(fake), ones)  # expect: TL007
        loss_g.backward()
        opt_g.step()


train_gan(Generator(), Discriminator(), nn.BCELoss(), sample_ring_of_gaussians)
