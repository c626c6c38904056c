import torch.nn as nn
import torch.nn.functional as F


class AudioNet(nn.Module):
    def __init__(self, n_output=35):
        super().__init__()
        self.conv = nn.Conv1d(1, 32, kernel_size=80, stride=16)
        self.fc = nn.Linear(32, n_output)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = F.adaptive_avg_pool1d(x, 1).squeeze(-1)
        return self.fc(x)

    def predict_proba(self, x):
        return F.softmax(self.forward(x), dim=-1)
