import torch.nn as nn

from model import build_model
from trainer import Trainer

trainer = Trainer(build_model())
trainer.set_criterion(nn.NLLLoss())
trainer.fit(digits_loader, epochs=20)
