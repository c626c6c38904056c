import torch
import torch.nn as nn

from model import ChurnModel
from trainer import Trainer

model = ChurnModel(n_features=20)
trainer = Trainer(
    model,
    nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0)),
    torch.optim.Adam(model.parameters(), lr=1e-3),
)
trainer.fit(train_loader, epochs=20)
