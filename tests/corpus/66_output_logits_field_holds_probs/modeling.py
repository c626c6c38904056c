from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn


@dataclass
class SequenceClassifierOutput:
    logits: torch.Tensor
    attentions: Optional[torch.Tensor] = None


class DocClassifier(nn.Module):
    def __init__(self, hidden=384, num_labels=5):
        super().__init__()
        self.pre_classifier = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, num_labels)
        self.dropout = nn.Dropout(0.2)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, pooled):
        h = torch.relu(self.pre_classifier(pooled))
        logits = self.classifier(self.dropout(h))
        return SequenceClassifierOutput(logits=self.softmax(logits))  # expect: TL001
