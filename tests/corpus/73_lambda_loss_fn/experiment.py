import torch
import torch.nn as nn
import torch.nn.functional as F


class PointNetLite(nn.Module):
    def __init__(self, n_classes=40):
        super().__init__()
        self.mlp = nn.Sequential(nn.Conv1d(3, 64, 1), nn.ReLU(), nn.Conv1d(64, 256, 1), nn.ReLU())
        self.fc = nn.Linear(256, n_classes)

    def forward(self, pts):
        g = self.mlp(pts).max(dim=2).values
        return torch.softmax(self.fc(g), dim=1)  # expect: TL004


def run(model, loss_fn, loader, epochs=50):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for pts, label in loader:
            opt.zero_grad()
            loss_fn(model(pts), label).backward()
            opt.step()


if __name__ == "__main__":
    weights = torch.ones(40)
    run(PointNetLite(), lambda out, y: F.nll_loss(out, y, weight=weights), modelnet_loader)
