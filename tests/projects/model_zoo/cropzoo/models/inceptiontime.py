from torch import nn


class InceptionTime(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, hidden=32, device="cpu"):
        super().__init__()
        self.modelname = "InceptionTime"
        self.bottleneck = nn.Conv1d(input_dim, hidden, 1)
        self.inception = nn.Conv1d(hidden, hidden, 39, padding=19)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.outlinear = nn.Linear(hidden, num_classes)
        self.to(device)

    def forward(self, x):
        x = self.inception(self.bottleneck(x.transpose(1, 2)))
        x = self.pool(x).squeeze(-1)
        return self.outlinear(x).log_softmax(dim=-1)  # expect: TL009
