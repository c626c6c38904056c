import torch

from base import BaseAgent
from discriminator import Discriminator
from losses import BinaryCrossEntropy


class DCGANAgent(BaseAgent):
    def __init__(self, config):
        super().__init__(config)
        self.netD = Discriminator()
        self.loss = BinaryCrossEntropy()
        self.current_iteration = 0
        # A read inside __init__ of what the base class set.
        self.logger.info("DCGAN agent on %s", config.device)
        self.load_checkpoint(config.checkpoint)

    def load_checkpoint(self, file_name):
        try:
            checkpoint = torch.load(self.config.checkpoint_dir + file_name)
            self.current_iteration = checkpoint["iteration"]
            self.netD.load_state_dict(checkpoint["D_state_dict"])
        except OSError:
            self.logger.info("No checkpoint: first time to train")

    def train_one_epoch(self, loader):
        for x in loader:
            y = torch.ones(x.size(0))
            self.netD.zero_grad()
            d_real_out = self.netD(x)
            loss_d_real = self.loss(d_real_out, y)
            loss_d_real.backward()
            self.current_iteration += 1
