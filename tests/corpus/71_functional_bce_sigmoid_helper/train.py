import torch
import torch.nn as nn

from metrics import multilabel_loss

model = nn.Sequential(nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 14))
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
for x, y in chest_xray_loader:
    opt.zero_grad()
    loss = multilabel_loss(model(x), y.float())
    loss.backward()
    opt.step()
