import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, channels=3, width=64):
        super().__init__()
        self.relu = nn.LeakyReLU(0.2, inplace=True)
        self.conv1 = nn.Conv2d(channels, width, kernel_size=4, stride=2, padding=1, bias=False)
        self.conv2 = nn.Conv2d(width, 1, kernel_size=4, stride=1, padding=0, bias=False)
        self.out = nn.Sigmoid()

    def forward(self, x):
        out = self.relu(self.conv1(x))
        out = self.conv2(out)
        out = self.out(out)  # expect: TL014
        return out.view(-1, 1).squeeze(1)
