import torch
from torch import nn

from leaf import Leaf

model = Leaf()
loss = nn.CrossEntropyLoss()(model(torch.randn(2, 10)), torch.tensor([0, 2]))
