import torch
import torch.nn as nn

from models import Net
from train import test, train

if __name__ == "__main__":
    model = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    for epoch in range(14):
        train(model, criterion, optimizer, train_loader)
        print("acc", test(model, test_loader))
