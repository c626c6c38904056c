import torch.nn as nn
import torch.nn.functional as F


class LogitHead(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return self.fc(x)


class LogProbHead(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=-1)


MODELS = {"ce": LogitHead, "nll": LogProbHead}
LOSSES = {"ce": nn.CrossEntropyLoss, "nll": nn.NLLLoss}
