"""TL003 sigmoid-multiclass: sigmoid outputs fed to a multi-class loss or a softmax."""

from __future__ import annotations

from ..catalog import Consumer, Flow, Kind, Reported, Severity
from .base import FlowRule


class SigmoidMulticlass(FlowRule):
    code = "TL003"
    name = "sigmoid-multiclass"
    severity = Severity.ERROR
    summary = "Sigmoid output is passed to a multi-class loss or to a softmax"
    docs = """
## What it does
Checks for a sigmoid output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`,
`nn.Sigmoid`) that reaches the input of `nn.CrossEntropyLoss`,
`nn.NLLLoss`, `F.cross_entropy`, `F.nll_loss`, or a softmax.

## Why is this bad?
Sigmoid squashes each class score into (0, 1) independently; it is the
activation for binary and multi-label problems. A multi-class loss expects
logits (`CrossEntropyLoss`) or log-probabilities (`NLLLoss`): fed sigmoid
outputs, cross-entropy has a floor it cannot go below and small gradients, and
`NLLLoss` optimises a meaningless quantity. A softmax over sigmoid outputs
sees scores squeezed into (0, 1) and can barely tell classes apart.

## Known problems
A multi-label model (one sigmoid per class) that reaches `CrossEntropyLoss`
by mistake is reported too; the message names both ways out, because which
model was meant is not in the code.

## Example
```python
out = torch.sigmoid(self.fc(x))
loss = nn.CrossEntropyLoss()(out, labels)
```

## Use instead
```python
logits = self.fc(x)
loss = nn.CrossEntropyLoss()(logits, labels)
# multi-label targets instead? use nn.BCEWithLogitsLoss()(logits, multi_hot)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
import torch
from torch import nn

def multilabel_loss(logits, targets):
    probs = torch.sigmoid(logits)  # reported to the user, not to the loss
    loss = nn.BCEWithLogitsLoss()(logits, targets)
    return loss, probs > 0.5
""",
        """
import torch
import torch.nn.functional as F

def gated(x, gate_logits, w, y):
    gate = torch.sigmoid(gate_logits)
    logits = (x * gate) @ w
    return F.cross_entropy(logits, y)
""",
    )
    invalid = (
        """
import torch
import torch.nn.functional as F

def step(model, x, y):
    out = torch.sigmoid(model(x))  # expect
    return F.nll_loss(out, y)
""",
        """
from torch import nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 5)
        self.act = nn.Sigmoid()

    def forward(self, x):
        return self.act(self.fc(x))  # expect

criterion = nn.CrossEntropyLoss()
head = Head()

def loss_of(x, y):
    return criterion(head(x), y)
""",
        """
import torch

def scores(x):
    return torch.softmax(x.sigmoid(), dim=-1)  # expect
""",
    )

    flows = (
        Flow("TL003", Kind.SIGMOID, frozenset({Consumer.CROSS_ENTROPY, Consumer.NLL}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, a multi-class loss that expects logits or "
             "log-probabilities. Pass the logits (or use BCEWithLogitsLoss for multi-label targets)."),
        Flow("TL003", Kind.SIGMOID, frozenset({Consumer.SOFTMAX, Consumer.LOG_SOFTMAX}), Reported.AT_PRODUCER,
             "{producer} output is passed to {consumer} at {at}: a softmax over values squeezed into (0, 1) can "
             "barely separate the classes. Apply the softmax to the logits.",
             through_calls=False),
    )
