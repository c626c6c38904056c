import torch

from losses import get_loss
from model import Tagger


def train(model, criterion, loader):
    opt = torch.optim.Adam(model.parameters())
    for tokens, tags in loader:
        opt.zero_grad()
        loss = criterion(model(tokens), tags)
        loss.backward()
        opt.step()


CONFIG = {"loss": "nll", "vocab": 5000, "n_tags": 12}

if __name__ == "__main__":
    model = Tagger(CONFIG["vocab"], CONFIG["n_tags"])
    criterion = get_loss("nll")
    train(model, criterion, loader)
