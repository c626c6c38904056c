import torch
from torch import nn


class GRUModel(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, hidden=96, dropout=0.2):
        super().__init__()
        self.modelname = "GRU"
        self.gru = nn.GRU(input_dim, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden, num_classes)

    def forward(self, x):
        outputs, _ = self.gru(x)
        pooled = self.dropout(outputs.mean(dim=1))
        return torch.log_softmax(self.classifier(pooled), dim=-1)  # expect: TL009
