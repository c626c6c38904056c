import torch
import torch.nn.functional as F
from torch import nn

from losses import classification_loss, total_loss

model = nn.Linear(32, 3)


def step(x, y):
    logits = model(x)
    probs = F.softmax(logits, dim=1)  # expect: TL001
    loss = total_loss(probs, y, aux=torch.zeros(()))
    ok = classification_loss(logits, y)
    return loss + ok, probs.argmax(1)
