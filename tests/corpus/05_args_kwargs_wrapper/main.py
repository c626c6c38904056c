import torch
import torch.nn as nn

from models import LeNet
from utils import with_logging


def train(model, loader, criterion, optimizer):
    for inputs, labels in loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()


net = LeNet()
opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
with_logging(train, net, trainloader, criterion=nn.CrossEntropyLoss(), optimizer=opt)
