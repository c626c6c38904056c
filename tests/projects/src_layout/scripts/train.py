import torch
from torch import nn

from mylib.nets import Tagger

model = Tagger().to("cpu")
loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
tokens = torch.randint(0, 1000, (8, 32))
tags = torch.randint(0, 12, (8, 32))
scores = model(tokens)
loss = loss_fn(scores.view(-1, 12), tags.view(-1))
