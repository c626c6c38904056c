import torch
import torch.nn as nn

from model import PosTagger


def train(model, crit, loader):
    # The tagger emits log-probabilities, so whatever the caller passed,
    # this loop always uses NLLLoss over the flattened tokens.
    crit = nn.NLLLoss(ignore_index=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for tokens, tags in loader:
        opt.zero_grad()
        log_probs = model(tokens)
        loss = crit(log_probs.view(-1, log_probs.size(-1)), tags.view(-1))
        loss.backward()
        opt.step()


train(PosTagger(10000, 17), nn.CrossEntropyLoss(), loader)
