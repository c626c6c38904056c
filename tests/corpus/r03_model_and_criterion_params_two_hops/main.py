# Model and criterion are built in main(), then pass through train_network()
# (same file) into train() (run.py): two hops of parameter passing.
import torch

from model import MobileNet2
from run import train


def main():
    device = torch.device("cpu")
    model = MobileNet2()
    criterion = torch.nn.CrossEntropyLoss()
    if torch.cuda.device_count() > 1:
        model = torch.nn.DataParallel(model)
    model.to(device=device)
    criterion.to(device=device)
    optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)
    train_network(0, 3, model, [], optimizer, criterion, device)


def train_network(start_epoch, epochs, model, train_loader, optimizer, criterion, device):
    for epoch in range(start_epoch, epochs + 1):
        train(model, train_loader, epoch, optimizer, criterion, device)


if __name__ == "__main__":
    main()
