import torch
import torch.nn.functional as F
from torch import nn


class StarRNN(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, hidden=128, bidirectional=False, device="cpu"):
        super().__init__()
        self.modelname = "StarRNN"
        self.cell = nn.GRUCell(input_dim, hidden)
        self.hidden = hidden
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x):
        state = torch.zeros(x.shape[0], self.hidden)
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
        return F.log_softmax(self.classifier(state), dim=-1)  # expect: TL009
