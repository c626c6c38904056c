from model import Net
from trainer import Trainer

trainer = Trainer(Net())
for epoch in range(1, 11):
    trainer.train(train_loader, epoch)
