import torch
import torch.nn as nn

from models import Discriminator, Generator


def train_gan(G, D, criterion, opt_g, opt_d, loader, nz=100, device="cpu"):
    for real, _ in loader:
        real = real.to(device)
        b = real.size(0)
        ones = torch.ones(b, device=device)
        zeros = torch.zeros(b, device=device)

        D.zero_grad()
        err_real = criterion(D(real), ones)
        noise = torch.randn(b, nz, 1, 1, device=device)
        fake = G(noise)
        err_fake = criterion(D(fake.detach()), zeros)
        (err_real + err_fake).backward()
        opt_d.step()

        G.zero_grad()
        err_g = criterion(D(fake), ones)
        err_g.backward()
        opt_g.step()


if __name__ == "__main__":
    netG, netD = Generator(), Discriminator()
    criterion = nn.BCELoss()
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(25):
        train_gan(netG, netD, criterion, optG, optD, dataloader)
