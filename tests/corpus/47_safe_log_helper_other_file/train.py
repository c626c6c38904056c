import torch
import torch.nn as nn

from losses import focal_loss

model = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 9))
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    opt.zero_grad()
    focal_loss(model(x), y).backward()
    opt.step()
