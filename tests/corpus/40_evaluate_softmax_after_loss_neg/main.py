import torch
import torch.nn as nn

from engine import evaluate, train_one_epoch
from model import Classifier

model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(30):
    train_one_epoch(model, criterion, optimizer, train_loader)
    val_loss, val_acc, _ = evaluate(model, criterion, val_loader)
    print(f"epoch {epoch}: val loss {val_loss:.3f} acc {val_acc:.3f}")
