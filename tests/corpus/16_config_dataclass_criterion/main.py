import torch.nn as nn

from config import TrainConfig
from model import SentimentHead
from trainer import Trainer

cfg = TrainConfig(criterion=nn.CrossEntropyLoss(), lr=2e-5, epochs=3)
Trainer(SentimentHead(), cfg).train(train_loader)
