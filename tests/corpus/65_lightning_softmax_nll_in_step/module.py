import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from encoder import Encoder


class SpeakerID(pl.LightningModule):
    def __init__(self, encoder, lr=1e-3):
        super().__init__()
        self.encoder = encoder
        self.lr = lr

    def forward(self, x):
        return self.encoder(x)

    def training_step(self, batch, batch_idx):
        feats, speaker = batch
        probs = F.softmax(self(feats), dim=1)  # expect: TL004
        loss = F.nll_loss(probs, speaker)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


if __name__ == "__main__":
    pl.Trainer(max_epochs=20).fit(SpeakerID(Encoder()), voxceleb_loader)
