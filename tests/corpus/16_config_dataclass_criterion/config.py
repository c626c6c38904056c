from dataclasses import dataclass

import torch.nn as nn


@dataclass
class TrainConfig:
    criterion: nn.Module
    lr: float = 1e-3
    epochs: int = 10
    batch_size: int = 64
