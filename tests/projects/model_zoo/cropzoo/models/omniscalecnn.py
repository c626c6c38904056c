from torch import nn


class OmniScaleCNN(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, sequencelength=45, hidden=64):
        super().__init__()
        self.modelname = "OmniScaleCNN"
        layers = []
        for kernel_size in (1, 3, 5):
            layers += [nn.Conv1d(input_dim if not layers else hidden, hidden, kernel_size, padding="same"), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.AdaptiveMaxPool1d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(hidden, num_classes), nn.LogSoftmax(dim=1))  # expect: TL009

    def forward(self, x):
        return self.head(self.net(x.transpose(1, 2)))
