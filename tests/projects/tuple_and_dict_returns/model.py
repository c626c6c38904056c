import torch.nn.functional as F
from torch import nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        logits = self.fc(x)
        return logits, F.softmax(logits, dim=1)  # expect: TL001


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        logits = self.fc(x)
        return {"logits": logits, "probs": F.log_softmax(logits, dim=1)}
