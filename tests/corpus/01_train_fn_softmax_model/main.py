import torch
import torch.nn as nn
import torch.optim as optim

from models import Net
from train import train


def main():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Net().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(10):
        train(model, criterion, optimizer, train_loader, device)


if __name__ == "__main__":
    main()
