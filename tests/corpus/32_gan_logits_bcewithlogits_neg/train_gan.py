import torch
import torch.nn as nn

from nets import Critic, Generator


def train_gan(G, D, criterion, loader, latent=64):
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for real, _ in loader:
        real = real.flatten(1)
        z = torch.randn(real.size(0), latent)
        fake = G(z)

        d_real = D(real)
        d_fake = D(fake.detach())
        loss_d = criterion(d_real, torch.ones_like(d_real)) + criterion(d_fake, torch.zeros_like(d_fake))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()

        d_gen = D(fake)
        loss_g = criterion(d_gen, torch.ones_like(d_gen))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()

        with torch.no_grad():
            d_acc = (torch.sigmoid(d_real) > 0.5).float().mean()
        print(f"D(x) acc {d_acc:.2f}")


if __name__ == "__main__":
    train_gan(Generator(), Critic(), nn.BCEWithLogitsLoss(), loader)
