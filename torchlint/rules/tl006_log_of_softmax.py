"""TL006 log-of-softmax: `torch.log(softmax(x))` instead of `log_softmax(x)`."""

from __future__ import annotations

from typing import Iterable

from ..analysis.kinds import Kind
from ..findings import Severity
from ._evidence import origins_of
from ._fixes import log_of_sigmoid, log_of_softmax
from .base import Example, FixExample, Report, Rule


class LogOfSoftmax(Rule):
    code = "TL006"
    name = "log-of-softmax"
    severity = Severity.WARNING
    fixable = "safe"
    summary = "`torch.log` of a softmax (or sigmoid) output: use log_softmax (or F.logsigmoid)"
    docs = """
## What it does
Checks for the natural logarithm (`torch.log(p)`, `p.log()`) of a softmax
output (`F.softmax`, `torch.softmax`, `Tensor.softmax`, `nn.Softmax`) or of a
sigmoid output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`,
`nn.Sigmoid`), following the value through variables, attributes, returns and
other files.

A logarithm of something else (`torch.log(p + eps)`, `p.clamp(min=eps).log()`)
is not reported: the arithmetic in between is the usual guard.

## Why is this bad?
Computed in two steps, the softmax first rounds small probabilities to
exactly 0 in floating point, and the log turns them into `-inf`: with logits
`[0, 200]`, `log(softmax(x))` is `[-inf, 0]` where `log_softmax(x)` gives
`[-200, 0]`. One `-inf` makes the loss and the gradients NaN, and training
diverges. `log_softmax` (and `F.logsigmoid` for `log(sigmoid(x))`) compute
the same quantity with the log-sum-exp trick, stably and faster.

## Example
```python
log_probs = torch.log(F.softmax(logits, dim=-1))
log_p = torch.sigmoid(score).log()
```

## Use instead
```python
log_probs = F.log_softmax(logits, dim=-1)
log_p = F.logsigmoid(score)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html
- https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html
"""
    valid = (
        """
import torch
import torch.nn.functional as F

def entropy(logits):
    log_probs = F.log_softmax(logits, dim=-1)
    return -(log_probs.exp() * log_probs).sum(-1)
""",
        """
import torch
import torch.nn.functional as F

def safe_log_probs(logits, eps=1e-8):
    probs = F.softmax(logits, dim=-1)
    return torch.log(probs + eps)
""",
    )
    invalid = (
        """
import torch
import torch.nn.functional as F

def log_probs(logits):
    return torch.log(F.softmax(logits, dim=-1))  # expect
""",
        """
import torch

def log_gate(score):
    gate = torch.sigmoid(score)
    return gate.log()  # expect
""",
        """
import torch
from torch import nn

class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        return self.softmax(self.fc(x))

policy = Policy()

def log_prob(state, action):
    probs = policy(state)
    return torch.log(probs)[action]  # expect
""",
        Example(files={
            "heads.py": """
import torch

def probabilities(logits):
    return torch.softmax(logits, dim=1)
""",
            "loss.py": """
import torch
from heads import probabilities

def nll(logits, y):
    return -torch.log(probabilities(logits)).gather(1, y[:, None]).mean()  # expect
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch
import torch.nn.functional as F

def log_probs(logits):
    return torch.log(F.softmax(logits, dim=-1))
""",
            """
import torch.nn.functional as F

def log_probs(logits):
    return F.log_softmax(logits, dim=-1)
""",
        ),
        FixExample(
            """
import torch

def log_probs(logits):
    return torch.softmax(logits, 1).log()
""",
            """
import torch

def log_probs(logits):
    return torch.log_softmax(logits, 1)
""",
        ),
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
            for kind, fix in ((Kind.PROBS, "log_softmax"), (Kind.SIGMOID, "F.logsigmoid")):
                origins = tuple(origins_of(call.input, kind))
                if not origins:
                    continue
                labels = ", ".join(dict.fromkeys(origin.label for origin in origins))
                yield Report(
                    call.site,
                    f"log of the {labels} output: probabilities that round to 0 give -inf here, and NaN losses and "
                    f"gradients after it. Use {fix}, which computes the same value stably.",
                    tuple((origin, f"{origin.label} produces the value here") for origin in origins),
                    _fix(call.site, origins, kind),
                )


def _fix(site, origins, kind):
    if len(origins) != 1:
        return None
    return (log_of_softmax if kind == Kind.PROBS else log_of_sigmoid)(site, origins[0])
