from model import TabularNet
from trainer import Trainer

model = TabularNet(n_in=30, n_classes=5)
trainer = Trainer(model, lr=3e-4)
for _ in range(10):
    trainer.train_epoch(loader)
