"""TL007 logits-into-bce: raw scores fed to BCELoss, which expects probabilities."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import first_arg_is, to_bce_with_logits
from .base import Example, FixExample, FlowRule


class LogitsIntoBce(FlowRule):
    code = "TL007"
    name = "logits-into-bce"
    severity = Severity.ERROR
    fixable = Fixability.SOMETIMES
    summary = "BCELoss is fed raw scores (a Linear/conv output with no sigmoid after it)"
    docs = """
## What it does
Checks for `nn.BCELoss` / `F.binary_cross_entropy` whose *input* is known to
be unbounded: the output of `nn.Linear`, `F.linear` or a convolution with no
squashing activation after it, directly or through variables, attributes,
`nn.Sequential` (whose last layer is linear), a model's `forward`, helpers and
other files. Values the analysis cannot see (arithmetic, unknown modules) are
never reported.

## Why is this bad?
Binary cross-entropy takes probabilities in [0, 1]. On CPU, a raw score
outside that range raises `all elements of input should be between 0 and 1`
(on CUDA, a device-side assert far from the cause). Worse, when the scores
happen to stay inside [0, 1], for example early in training, nothing fails and
the model optimises a meaningless objective.

## Example
```python
head = nn.Linear(128, 1)
loss = nn.BCELoss()(head(x), y)
```

## Use instead
```python
head = nn.Linear(128, 1)
loss = nn.BCEWithLogitsLoss()(head(x), y)  # applies the sigmoid, stably
```

## Fix safety
`F.binary_cross_entropy` becomes `F.binary_cross_entropy_with_logits` (their
first six parameters match). That is safe when the scores are written as the
loss's argument in the same function. Renaming a loss object
(`nn.BCELoss()` -> `nn.BCEWithLogitsLoss()`) is unsafe, because the object
may serve other calls that do pass probabilities.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
import torch
from torch import nn

head = nn.Linear(128, 1)

def step(x, y):
    return nn.BCELoss()(torch.sigmoid(head(x)), y)
""",
        """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)

def step(x, y):
    return F.binary_cross_entropy(Net()(x), y)
""",
    )
    invalid = (
        """
import torch.nn.functional as F
from torch import nn

head = nn.Linear(128, 1)

def step(x, y):
    return F.binary_cross_entropy(head(x), y)  # expect
""",
        """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)
        self.criterion = nn.BCELoss()

    def forward(self, x):
        return self.fc(x)

    def training_step(self, batch):
        x, y = batch
        return self.criterion(self(x), y)  # expect
""",
        Example(files={
            "model.py": """
from torch import nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
""",
            "train.py": """
from torch import nn
from model import model

criterion = nn.BCELoss()

def loss_of(x, y):
    scores = model(x)
    return criterion(scores, y)  # expect
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F
from torch import nn

head = nn.Linear(16, 1)

def step(x, y):
    return F.binary_cross_entropy(head(x), y)
""",
            """
import torch.nn.functional as F
from torch import nn

head = nn.Linear(16, 1)

def step(x, y):
    return F.binary_cross_entropy_with_logits(head(x), y)
""",
        ),
        FixExample(
            """
from torch import nn

head = nn.Linear(16, 1)
criterion = nn.BCELoss()

def step(x, y):
    return criterion(head(x), y)
""",
            """
from torch import nn

head = nn.Linear(16, 1)
criterion = nn.BCEWithLogitsLoss()

def step(x, y):
    return criterion(head(x), y)
""",
            unsafe=True,
        ),
    )

    flows = (
        Flow("TL007", Kind.LOGITS, frozenset({Consumer.BCE}), Reported.AT_CONSUMER,
             "{consumer} receives raw scores from {producer}{route}, but expects probabilities in [0, 1]. Use "
             "BCEWithLogitsLoss on the scores (or apply a sigmoid first).",
             by_values="the input of {consumer} is outside [0, 1] ({seen}): it expects probabilities. Use "
             "BCEWithLogitsLoss on the logits."),
    )

    def fix(self, flow, origins, use):
        return to_bce_with_logits(use.event, safe=any(first_arg_is(use.site.node, o.node) for o in origins))
