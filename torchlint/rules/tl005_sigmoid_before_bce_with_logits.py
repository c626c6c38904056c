"""TL005 sigmoid-before-bce-with-logits: a sigmoid output fed to a loss that applies sigmoid itself."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import remove_activation
from .base import Example, FixExample, FlowRule


class SigmoidBeforeBceWithLogits(FlowRule):
    code = "TL005"
    name = "sigmoid-before-bce-with-logits"
    severity = Severity.ERROR
    fixable = Fixability.SOMETIMES
    summary = "Sigmoid output is passed as the input of BCEWithLogitsLoss (double sigmoid)"
    docs = """
## What it does
Checks for a sigmoid output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`,
`nn.Sigmoid`) that reaches the *input* of `nn.BCEWithLogitsLoss` or
`F.binary_cross_entropy_with_logits`, following the value through variables,
attributes, `nn.Sequential`, a model's `forward`, helpers and other files.

## Why is this bad?
`BCEWithLogitsLoss` is a sigmoid followed by binary cross-entropy, fused for
numerical stability. Given values that already went through a sigmoid, it
squashes them a second time: every prediction then lies in (0.5, 0.73), so for
a positive target the loss cannot go below log(1 + e^-1) ~ 0.313 however
sure the model is, and the gradients are damped. The model still trains, so
nothing points at the bug.

## Example
```python
out = torch.sigmoid(model(x))
loss = nn.BCEWithLogitsLoss()(out, y)
```

## Use instead
```python
logits = model(x)
loss = nn.BCEWithLogitsLoss()(logits, y)
probs = torch.sigmoid(logits)  # for metrics or thresholds only
```

## Fix safety
The fix removes the sigmoid. It is safe when the sigmoid feeds only this loss
in the same function (the loss's argument, or a variable read nowhere else);
anywhere else (a model's `forward`, an `nn.Sequential` layer) it is unsafe:
code that wanted probabilities gets logits, so apply the sigmoid at inference.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
import torch
import torch.nn.functional as F

def step(model, x, y):
    logits = model(x)
    loss = F.binary_cross_entropy_with_logits(logits, y)
    return loss, torch.sigmoid(logits) > 0.5
""",
        """
import torch
from torch import nn

class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Sigmoid()
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(self.gate(x))

criterion = nn.BCEWithLogitsLoss()

def loss_of(x, y):
    return criterion(Gated()(x), y)
""",
    )
    invalid = (
        """
import torch
from torch import nn

criterion = nn.BCEWithLogitsLoss()

def step(model, x, y):
    return criterion(torch.sigmoid(model(x)), y)  # expect
""",
        """
import torch.nn.functional as F
from torch import nn

class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(32, 1), nn.Sigmoid())  # expect

    def forward(self, x):
        return self.head(x)

def bce(pred, target):
    return F.binary_cross_entropy_with_logits(pred, target)

def train_step(x, y):
    return bce(Detector()(x), y)
""",
        Example(files={
            "net.py": """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 1)

    def forward(self, x):
        return self.fc(x).sigmoid()  # expect
""",
            "train.py": """
from torch import nn
from net import Net

model = Net()
criterion = nn.BCEWithLogitsLoss()

def step(x, y):
    return criterion(model(x), y)
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch
import torch.nn.functional as F

def step(model, x, y):
    return F.binary_cross_entropy_with_logits(torch.sigmoid(model(x)), y)
""",
            """
import torch.nn.functional as F

def step(model, x, y):
    return F.binary_cross_entropy_with_logits(model(x), y)
""",
        ),
    )

    flows = (
        Flow("TL005", Kind.SIGMOID, frozenset({Consumer.BCE_WITH_LOGITS}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which applies a sigmoid itself: the loss sees "
             "sigmoid(sigmoid(x)). Pass the logits instead."),
    )

    def fix(self, flow, origins, use):
        return remove_activation(origins[0], use.event)
