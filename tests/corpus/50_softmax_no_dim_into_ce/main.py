import torch
import torch.nn as nn

from model import SimpleCNN


def train(net, loader, criterion, optimizer, epochs=10):
    for epoch in range(epochs):
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()


net = SimpleCNN()
train(net, trainloader, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.01))
