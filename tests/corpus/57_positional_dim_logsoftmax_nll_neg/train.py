import torch
import torch.nn as nn
import torch.nn.functional as F

from model import LangID

CLASS_DIM = 1


def train(model, criterion, loader):
    opt = torch.optim.Adam(model.parameters())
    for chars, lang in loader:
        opt.zero_grad()
        loss = criterion(model(chars), lang)
        loss.backward()
        opt.step()


@torch.no_grad()
def confidence(model, chars):
    probs = F.softmax(model.scores(chars), CLASS_DIM)
    return probs.max(CLASS_DIM).values


train(LangID(), nn.NLLLoss(), loader)
