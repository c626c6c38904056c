import torch
import torch.nn.functional as F

from models import LogitsNet, Net

model = Net()
good = LogitsNet()
for x, y in torch.utils.data.DataLoader([]):
    loss = F.nll_loss(model(x), y)
    loss = loss + F.cross_entropy(good(x), y)
