import torch
from torch import nn

import zoo

multi_label = nn.BCEWithLogitsLoss()
criterion = nn.CrossEntropyLoss()
head = zoo.Head()
plain = zoo.LinearHead()
h = torch.randn(4, 64)
loss = criterion(head(h), torch.tensor([0, 1, 2, 3]))
loss2 = multi_label(plain(h), torch.ones(4, 6))
