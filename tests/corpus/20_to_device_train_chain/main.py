import torch
import torch.nn as nn

from model import Recognizer

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


def train_epoch(model, loss_fn, optimizer, loader):
    model = model.to(device).train()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    net = Recognizer()
    train_epoch(net, nn.CrossEntropyLoss(), torch.optim.Adam(net.parameters()), letters_loader)
