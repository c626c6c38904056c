import torch.nn as nn


class MultiLabelNet(nn.Module):
    def __init__(self, n_in=2048, n_labels=80):
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(n_in, n_labels)

    def forward(self, feats):
        return self.fc(self.dropout(feats))
