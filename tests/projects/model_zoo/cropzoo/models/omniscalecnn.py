import torch
from torch import nn


class OmniScaleCNN(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, hidden=64):
        super().__init__()
        self.modelname = "OmniScaleCNN"
        self.encoder = nn.Linear(input_dim, hidden)
        self.classifier = nn.Linear(hidden, num_classes)
        self.logsoftmax = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        x = torch.relu(self.encoder(x))
        x = self.classifier(x)
        return self.logsoftmax(x)  # expect: TL009
