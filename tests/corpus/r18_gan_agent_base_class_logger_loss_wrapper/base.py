# Shape from moemen95/Pytorch-Project-Template@HEAD (agents/base.py, agents/dcgan.py,
# graphs/models/dcgan_discriminator.py:34,55, graphs/losses/bce.py): an agent class whose base
# sets the logger, a checkpoint loader and a step that both assign to self.
import logging


class BaseAgent:
    def __init__(self, config):
        self.config = config
        self.logger = logging.getLogger("Agent")
