import torch.nn as nn

from base import Trainer


class LogProbTrainer(Trainer):
    """For models whose forward already ends in log_softmax."""

    def __init__(self, model, lr=1e-3):
        super().__init__(model, lr=lr)
        self.criterion = nn.NLLLoss()
