import torch
import torch.nn as nn

from models import VGGish


def train(model, criterion, optimizer, loader):
    for images, targets in loader:
        images, targets = images.cuda(), targets.cuda()
        optimizer.zero_grad()
        loss = criterion(model.module(images), targets)
        loss.backward()
        optimizer.step()


def main():
    model = VGGish(num_classes=100)
    if torch.cuda.device_count() > 1:
        model = nn.DataParallel(model)
    model = model.cuda()
    criterion = nn.CrossEntropyLoss().cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for epoch in range(200):
        train(model, criterion, optimizer, train_loader)


if __name__ == "__main__":
    main()
