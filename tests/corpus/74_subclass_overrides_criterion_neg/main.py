import torch.nn as nn

from nll_trainer import LogProbTrainer

model = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 8), nn.LogSoftmax(dim=-1))
trainer = LogProbTrainer(model)
for x, y in loader:
    trainer.step(x, y)
