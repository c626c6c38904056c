"""TL016 log-of-sigmoid: `torch.log(torch.sigmoid(x))` instead of `F.logsigmoid(x)`."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Kind
from ..findings import Severity
from ._fixes import log_of_sigmoid
from .base import FixExample, Report, Rule
from .tl006_log_of_softmax import log_reports


class LogOfSigmoid(Rule):
    code = "TL016"
    name = "log-of-sigmoid"
    severity = Severity.WARNING
    fixable = "safe"
    summary = "`torch.log` of a sigmoid output (also after `+ eps` or a clamp): use F.logsigmoid"
    docs = """
## What it does
Checks for the natural logarithm (`torch.log(s)`, `s.log()`) of a sigmoid
output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`, `nn.Sigmoid`,
`torch.special.expit`), following the value through variables, attributes,
returns, calls and other files; also after a small constant or a clamp
(`torch.log(torch.sigmoid(z) + 1e-8)`, `torch.sigmoid(z).clamp(min=eps).log()`).

## Why is this bad?
In float32, `sigmoid(z)` rounds to exactly 0 once `z` is below about -88,
and its log is `-inf`: the loss and every gradient after it become NaN. Near
that point the two-step value has already lost its precision. With `+ eps`
the log stops at `log(eps)`, and a confidently wrong score gives no gradient
at all. `F.logsigmoid(z)` computes `-softplus(-z)` directly: exact, finite for
every `z`, and it keeps the gradient.

## Example
```python
log_p = torch.log(torch.sigmoid(score))
log_p = torch.sigmoid(score).log()
```

## Use instead
```python
log_p = F.logsigmoid(score)
log_not_p = F.logsigmoid(-score)  # log(1 - sigmoid(score))
```

## Fix safety
The fix is safe: `torch.log(torch.sigmoid(z))` and `z.sigmoid().log()` become
`F.logsigmoid(z)` (through the name the file already uses for
`torch.nn.functional`), the same value wherever the original is finite. It is
offered only for direct nesting, never after `+ eps` or a clamp.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html
"""
    valid = (
        """
import torch.nn.functional as F

def log_gate(score):
    return F.logsigmoid(score)
""",
        """
import torch

def log_odds(score):
    p = torch.sigmoid(score)
    return torch.log1p(-p)  # log(1 - p): not a log of the sigmoid output itself
""",
    )
    invalid = (
        """
import torch

def log_gate(score):
    gate = torch.sigmoid(score)
    return gate.log()  # expect
""",
        """
import torch
from torch import nn

class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
        self.act = nn.Sigmoid()

    def forward(self, x):
        return self.act(self.fc(x))

def log_likelihood(gate, x):
    return torch.log(gate(x) + 1e-7)  # expect

log_likelihood(Gate(), x)
""",
    )
    fixes = (
        FixExample(
            """
import torch
from torch.nn import functional as fn

def log_gate(score):
    return torch.sigmoid(score).log() + torch.log(score.sigmoid())
""",
            """
from torch.nn import functional as fn

def log_gate(score):
    return fn.logsigmoid(score) + fn.logsigmoid(score)
""",
        ),
        FixExample(
            """
import torch

def log_gate(score):
    return torch.log(torch.sigmoid(score))
""",
            """
import torch

def log_gate(score):
    return torch.nn.functional.logsigmoid(score)
""",
        ),
    )

    def check(self, facts) -> Iterable[Report]:
        for call in facts.log_calls:
            yield from log_reports(call, Kind.SIGMOID, "F.logsigmoid", log_of_sigmoid)
