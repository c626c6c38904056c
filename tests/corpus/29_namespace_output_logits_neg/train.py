import torch
import torch.nn as nn

from model import IntentModel


def train(model, criterion, loader):
    opt = torch.optim.Adam(model.parameters())
    for tokens, intent in loader:
        out = model(tokens)
        loss = criterion(out.logits, intent)
        opt.zero_grad()
        loss.backward()
        opt.step()
        top_p = out.probs.max(dim=-1).values.mean()
        print(f"loss {loss.item():.3f} mean top prob {top_p:.3f}")


train(IntentModel(8000, 21), nn.CrossEntropyLoss(), loader)
