"""TL014 sigmoid-then-bce: sigmoid followed by BCELoss instead of BCEWithLogitsLoss."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import to_bce_with_logits
from .base import Example, FixExample, FlowRule


class SigmoidThenBce(FlowRule):
    code = "TL014"
    name = "sigmoid-then-bce"
    severity = Severity.INFO
    fixable = Fixability.SOMETIMES
    summary = "Sigmoid output is passed to BCELoss: use BCEWithLogitsLoss on the logits"
    docs = """
## What it does
Checks for a sigmoid output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`,
`nn.Sigmoid`) that reaches the input of `nn.BCELoss` or
`F.binary_cross_entropy`, through variables, attributes, `nn.Sequential`, a
model's `forward`, helpers and other files. This is the correct pairing
(binary and multi-label alike), done the fragile way, so it is information,
not an error.

## Why is this bad?
`BCELoss` takes the log of the probabilities. When the sigmoid saturates, a
probability rounds to exactly 0 or 1 and `BCELoss` has to clamp its log at
-100: the loss and its gradient stop reflecting how wrong the prediction is.
`BCEWithLogitsLoss` fuses the two steps with the log-sum-exp trick and stays
exact. `BCELoss` is also refused inside `torch.autocast` regions (it raises),
so the pairing blocks mixed-precision training.

## Example
```python
probs = torch.sigmoid(model(x))
loss = nn.BCELoss()(probs, y)
```

## Use instead
```python
logits = model(x)
loss = nn.BCEWithLogitsLoss()(logits, y)
probs = torch.sigmoid(logits)  # where the probabilities are needed
```

## Fix safety
BCELoss on a sigmoid becomes BCEWithLogitsLoss on the logits: the sigmoid is
removed and the loss renamed. It is safe when a functional loss and the
sigmoid are in the same function and the sigmoid feeds only the loss;
renaming a loss object, or removing a sigmoid that other code reads, is
unsafe.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
- https://pytorch.org/docs/stable/amp.html#prefer-binary-cross-entropy-with-logits-over-binary-cross-entropy
"""
    valid = (
        """
import torch
from torch import nn

criterion = nn.BCEWithLogitsLoss()

def step(model, x, y):
    logits = model(x)
    return criterion(logits, y), torch.sigmoid(logits)
""",
        """
import torch
import torch.nn.functional as F
from torch import nn

class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(8, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.sigmoid(self.gate(x)) * x)

def step(x, y):
    return F.binary_cross_entropy_with_logits(Gated()(x), y)
""",
    )
    invalid = (
        """
import torch
from torch import nn

def multilabel_step(model, x, multi_hot):
    probs = torch.sigmoid(model(x))  # expect
    return nn.BCELoss()(probs, multi_hot)
""",
        """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())  # expect

    def forward(self, x):
        return self.net(x)

def bce(p, y):
    return F.binary_cross_entropy(p, y)

def step(x, y):
    return bce(Net()(x), y)
""",
        Example(files={
            "model.py": """
from torch import nn

class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 1)
        self.act = nn.Sigmoid()

    def forward(self, x):
        return self.act(self.fc(x))  # expect
""",
            "gan.py": """
from torch import nn
from model import Disc

netD = Disc()
criterion = nn.BCELoss()

def d_loss(real, label):
    return criterion(netD(real), label)
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch
import torch.nn.functional as F

def step(z, y, w):
    return F.binary_cross_entropy(torch.sigmoid(z), y, weight=w)
""",
            """
import torch.nn.functional as F

def step(z, y, w):
    return F.binary_cross_entropy_with_logits(z, y, weight=w)
""",
        ),
        FixExample(
            """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))

model = Net()
criterion = nn.BCELoss(reduction="sum")

def step(x, y):
    return criterion(model(x), y)
""",
            """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)

model = Net()
criterion = nn.BCEWithLogitsLoss(reduction="sum")

def step(x, y):
    return criterion(model(x), y)
""",
            unsafe=True,
        ),
    )

    flows = (
        Flow("TL014", Kind.SIGMOID, frozenset({Consumer.BCE}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}: saturated probabilities hit BCELoss's log "
             "clamp, and BCELoss is refused under autocast. Use BCEWithLogitsLoss on the logits."),
    )

    def fix(self, flow, origins, use):
        return to_bce_with_logits(use.event, origins[0])
