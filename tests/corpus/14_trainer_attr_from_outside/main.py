import torch.nn as nn

from model import Classifier
from trainer import Trainer

trainer = Trainer(Classifier(16, 3))
trainer.criterion = nn.CrossEntropyLoss()
trainer.run(loader)
