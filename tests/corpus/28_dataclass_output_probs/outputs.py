from dataclasses import dataclass
from typing import Optional

import torch


@dataclass
class ClassifierOutput:
    logits: torch.Tensor
    probs: torch.Tensor
    hidden_states: Optional[torch.Tensor] = None
