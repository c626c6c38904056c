import os

import torch
from torch import nn

from evalonly import Deployable

if os.environ.get("VARIANT") == "a":
    from a import Net
else:
    from b import Net

criterion = nn.CrossEntropyLoss()
x, y = torch.randn(3, 4), torch.tensor([0, 1, 0])
loss = criterion(Net()(x), y) + criterion(Deployable()(x), y)
