"""TL011 double-activation: softmax of a softmax, sigmoid of a sigmoid, and their log variants."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Kind
from ..findings import Severity
from ._evidence import origins_of
from ._fixes import drop_inner
from .base import Example, FixExample, Report, Rule

# (outer kind, inner kind) pairs that normalise or squash twice.
DOUBLE = {
    (Kind.PROBS, Kind.PROBS): "a softmax of probabilities flattens the distribution towards uniform",
    (Kind.SIGMOID, Kind.SIGMOID): "a sigmoid of values in (0, 1) lies in (0.5, 0.73) and carries almost no signal",
    (Kind.LOG_PROBS, Kind.PROBS): "log_softmax of probabilities is not log-probabilities of the logits",
    (Kind.PROBS, Kind.LOG_PROBS): "softmax of log-probabilities gives back the probabilities (log_softmax was wasted)",
}


class DoubleActivation(Rule):
    code = "TL011"
    name = "double-activation"
    severity = Severity.ERROR
    fixable = "safe"
    summary = "Softmax of a softmax, sigmoid of a sigmoid, log_softmax of a softmax, softmax of a log_softmax"
    docs = """
## What it does
Checks for a softmax-family or sigmoid activation applied to a value that
already went through one: `softmax(softmax(x))`, `sigmoid(sigmoid(x))`,
`log_softmax(softmax(x))` and `softmax(log_softmax(x))`, in every form
(functional, `torch.*`, `Tensor` methods, `nn` modules, `nn.Sequential`),
following the value through variables, attributes, returns and other files.
The outer call is reported.

## Why is this bad?
The second activation sees values that are already squashed into a narrow
range. A softmax over probabilities (all in [0, 1]) is close to uniform: with
ten classes, even a certain prediction comes out at about 0.23. A sigmoid of
a sigmoid output lies in (0.5, 0.73) whatever the input. `log_softmax` of
probabilities is not the log of anything meaningful. The model either trains
much worse (when this feeds a loss) or reports distorted confidences (at
inference). A `softmax` of `log_softmax` outputs just reproduces the
probabilities, so the first call was wasted or a `log` was intended.

## Example
```python
probs = F.softmax(model(x), dim=1)  # model already ends in nn.Softmax
scores = torch.sigmoid(torch.sigmoid(z))
```

## Use instead
```python
probs = model(x)  # or drop the nn.Softmax from the model
scores = torch.sigmoid(z)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
- https://pytorch.org/docs/stable/generated/torch.sigmoid.html
"""
    valid = (
        """
import torch
import torch.nn.functional as F

def heads(logits):
    probs = F.softmax(logits, dim=-1)
    log_probs = F.log_softmax(logits, dim=-1)
    gate = torch.sigmoid(logits)
    return probs, log_probs, torch.sigmoid(gate * logits)
""",
        """
import torch.nn.functional as F
from torch import nn

attention = nn.Sequential(nn.Softmax(dim=-1), nn.Linear(8, 8))

def pooled(x):
    return F.softmax(attention(x), dim=-1)
""",
    )
    invalid = (
        """
import torch.nn.functional as F

def predict(logits):
    probs = F.softmax(logits, dim=1)
    return F.softmax(probs, dim=1)  # expect
""",
        """
import torch
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))

    def forward(self, x):
        return self.head(x)

def log_probs(x):
    return F.log_softmax(Net()(x), dim=1)  # expect

def gate(z):
    return torch.sigmoid(z).sigmoid()  # expect
""",
        Example(files={
            "model.py": """
import torch.nn.functional as F

def scores(logits):
    return F.log_softmax(logits, dim=-1)
""",
            "predict.py": """
import torch
from model import scores

def probabilities(logits):
    return torch.softmax(scores(logits), dim=-1)  # expect
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch

def gate(z):
    return torch.sigmoid(torch.sigmoid(z))
""",
            """
import torch

def gate(z):
    return torch.sigmoid(z)
""",
        ),
        FixExample(
            """
import torch.nn.functional as F

def probs(logits):
    return F.softmax(F.softmax(logits, dim=-1), dim=-1)
""",
            """
import torch.nn.functional as F

def probs(logits):
    return F.softmax(logits, dim=-1)
""",
        ),
    )

    def check(self, facts) -> Iterable[Report]:
        for call in facts.activation_calls:
            for (outer, inner), effect in DOUBLE.items():
                if call.producer.kind != outer:
                    continue
                origins = tuple(origins_of(call.input, inner))
                if not origins:
                    continue
                labels = ", ".join(dict.fromkeys(origin.label for origin in origins))
                yield Report(
                    call.site,
                    f"{call.producer.label} is applied to the output of {labels}: {effect}. Apply one activation "
                    "to the logits.",
                    tuple((origin, f"{origin.label} is applied first, here") for origin in origins),
                    drop_inner(call.site, origins[0]) if len(origins) == 1 else None,
                )
