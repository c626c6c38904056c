import torch
import torch.nn as nn

from nets import D, G


def d_step(D, G, adv_loss, real, z):
    valid = torch.ones(real.size(0), 1)
    fake = torch.zeros(real.size(0), 1)
    real_loss = adv_loss(D(real), valid)
    fake_loss = adv_loss(D(G(z).detach()), fake)
    return (real_loss + fake_loss) / 2


def g_step(D, G, adv_loss, z):
    gen = G(z)
    return adv_loss(D(gen), torch.ones(gen.size(0), 1))


def train_gan(G, D, adv_loss, loader, epochs=50, latent=64):
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
    for _ in range(epochs):
        for imgs, _ in loader:
            real = imgs.view(imgs.size(0), -1)
            z = torch.randn(real.size(0), latent)
            opt_d.zero_grad()
            d_step(D, G, adv_loss, real, z).backward()
            opt_d.step()
            opt_g.zero_grad()
            g_step(D, G, adv_loss, z).backward()
            opt_g.step()


train_gan(G(), D(), nn.BCEWithLogitsLoss(), mnist_loader)
