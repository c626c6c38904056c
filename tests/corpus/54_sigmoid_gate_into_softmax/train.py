import torch
import torch.nn as nn

from model import MixtureOfExperts

model = MixtureOfExperts()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    opt.zero_grad()
    criterion(model(x), y).backward()
    opt.step()
