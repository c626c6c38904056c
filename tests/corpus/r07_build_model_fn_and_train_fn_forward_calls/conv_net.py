# Real combined shape of vinhkhuc/PyTorch-Mini-Tutorials@4ee3ccb (5_convolutional_net.py:26-30 and
# 2/3/4_*.py): Sequential filled by add_module inside a module __init__, ending in
# ReLU + Softmax() without dim; loss built in main(); model and loss passed to
# train(model, loss, optimizer, x, y) which calls model.forward / loss.forward.
import torch
from torch import optim


class ConvNet(torch.nn.Module):
    def __init__(self, output_dim):
        super().__init__()
        self.conv = torch.nn.Sequential()
        self.conv.add_module("conv_1", torch.nn.Conv2d(1, 10, kernel_size=5))
        self.conv.add_module("relu_1", torch.nn.ReLU())
        self.fc = torch.nn.Sequential()
        self.fc.add_module("fc1", torch.nn.Linear(10 * 24 * 24, 50))
        self.fc.add_module("relu_3", torch.nn.ReLU())
        self.fc.add_module("fc2", torch.nn.Linear(50, output_dim))
        self.fc.add_module("relu_4", torch.nn.ReLU())
        self.fc.add_module("softmax", torch.nn.Softmax())  # expect: TL001, TL002

    def forward(self, x):
        x = self.conv.forward(x)
        x = x.view(-1, 10 * 24 * 24)
        return self.fc.forward(x)


def train(model, loss, optimizer, x, y):
    optimizer.zero_grad()
    fx = model.forward(x)
    output = loss.forward(fx, y)
    output.backward()
    optimizer.step()
    return output.item()


def main():
    model = ConvNet(output_dim=10)
    loss = torch.nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for i in range(3):
        train(model, loss, optimizer, torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))


if __name__ == "__main__":
    main()
