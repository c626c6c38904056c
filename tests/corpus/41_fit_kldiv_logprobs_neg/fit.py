import torch
import torch.nn as nn

from model import LabelDistributionNet


def fit(model, criterion, loader, epochs=10):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for images, target_dist in loader:
            log_pred = model(images)
            loss = criterion(log_pred, target_dist)
            opt.zero_grad()
            loss.backward()
            opt.step()


@torch.no_grad()
def expected_age(model, images):
    probs = model(images).exp()
    ages = torch.arange(probs.size(1), dtype=probs.dtype)
    return (probs * ages).sum(dim=1)


if __name__ == "__main__":
    net = LabelDistributionNet()
    fit(net, nn.KLDivLoss(reduction="batchmean"), age_loader)
