import torch.nn.functional as F
from torch import nn


class TransformerModel(nn.Module):
    def __init__(self, input_dim=13, num_classes=9, d_model=64, n_head=2, n_layers=3, activation="relu"):
        super().__init__()
        self.modelname = f"TransformerEncoder_layers={n_layers}"
        self.inlinear = nn.Linear(input_dim, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, activation=activation, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.outlinear = nn.Linear(d_model, num_classes)

    def forward(self, x):
        x = self.encoder(self.inlinear(x))
        x = x.max(dim=1)[0]
        logits = self.outlinear(x)
        return F.log_softmax(logits, dim=-1)  # expect: TL009
