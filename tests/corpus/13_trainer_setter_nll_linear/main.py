import torch.nn as nn

from model import build_mlp
from trainer import Trainer

trainer = Trainer(build_mlp(784, 256, 10))
trainer.set_criterion(nn.NLLLoss())
for x, y in train_loader:
    trainer.train_step(x.view(x.size(0), -1), y)
