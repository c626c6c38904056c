import math

import torch
from torch import nn


class PETransformerModel(nn.Module):
    """The encoder above with sinusoidal positions added to its inputs."""

    def __init__(self, input_dim=13, num_classes=9, d_model=64, n_head=2, n_layers=3, activation="relu",
                 max_len=366):
        super().__init__()
        self.modelname = "PETransformerModel"
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)
        self.inlinear = nn.Linear(input_dim, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, activation=activation, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.outlinear = nn.Linear(d_model, num_classes)
        self.logsoftmax = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        x = self.inlinear(x) + self.pe[: x.shape[1]]
        x = self.encoder(x).mean(dim=1)
        return self.logsoftmax(self.outlinear(x))  # expect: TL009
