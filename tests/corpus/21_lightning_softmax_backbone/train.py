import pytorch_lightning as pl

from backbone import mlp_backbone
from lit_module import LitClassifier

if __name__ == "__main__":
    model = LitClassifier(mlp_backbone())
    trainer = pl.Trainer(max_epochs=5, accelerator="auto")
    trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
