# The model is built under the __main__ guard (via a module alias and .to(DEVICE))
# and passed as a positional argument to train(); the criterion is a local
# nn.CrossEntropyLoss inside train().
import torch
import torch.nn as nn
import torch.optim as optim

import network as net

DEVICE = torch.device("cpu")


def train(model, optimizer, train_loader):
    criterion = nn.CrossEntropyLoss()
    for epoch in range(2):
        model.train()
        for sample, target in train_loader:
            sample, target = sample.to(DEVICE).float(), target.to(DEVICE).long()
            output = model(sample)
            loss = criterion(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    model = net.Network().to(DEVICE)
    optimizer = optim.SGD(params=model.parameters(), lr=0.01, momentum=0.9)
    loader = [(torch.randn(4, 16), torch.randint(0, 6, (4,)))]
    train(model, optimizer, loader)
