import lightning as L

from backbone import ConvBackbone
from lit_module import LitClassifier

lit = LitClassifier(ConvBackbone())
L.Trainer(max_epochs=3).fit(lit, train_loader, val_loader)
