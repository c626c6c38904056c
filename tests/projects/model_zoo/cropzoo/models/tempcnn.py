from torch import nn


class TempCNN(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, sequencelength=45, kernel_size=5, hidden=64):
        super().__init__()
        self.modelname = f"TempCNN_kernel={kernel_size}"
        self.conv = nn.Sequential(
            nn.Conv1d(input_dim, hidden, kernel_size, padding=kernel_size // 2),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
        )
        self.flatten = nn.Flatten()
        self.dense = nn.Linear(hidden * sequencelength, num_classes)
        self.logsoftmax = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        x = self.conv(x.transpose(1, 2))
        return self.logsoftmax(self.dense(self.flatten(x)))  # expect: TL009
