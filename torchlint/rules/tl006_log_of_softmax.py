"""TL006 log-of-softmax: `torch.log(softmax(x))` instead of `log_softmax(x)`."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Kind, Tensor
from ..findings import Severity
from ._evidence import origins_of, route
from ._fixes import log_of_softmax
from .base import Example, FixExample, Report, Rule


class LogOfSoftmax(Rule):
    code = "TL006"
    name = "log-of-softmax"
    severity = Severity.WARNING
    fixable = "safe"
    summary = "`torch.log` of a softmax output (also after `+ eps` or a clamp): use log_softmax"
    docs = """
## What it does
Checks for the natural logarithm (`torch.log(p)`, `p.log()`) of a softmax
output (`F.softmax`, `torch.softmax`, `Tensor.softmax`, `nn.Softmax`),
following the value through variables, attributes, returns, calls and other
files. The usual guards are included: `torch.log(p + eps)`,
`torch.log(p.clamp(min=eps))`, `torch.log(torch.clamp(p, eps, 1))`,
`(p + eps).log()`, and a helper of your own that wraps them
(`def log(t, eps=1e-20): return torch.log(t + eps)`).

The log of a sigmoid output is TL016 (`log-of-sigmoid`).

## Why is this bad?
Computed in two steps, the softmax first rounds small probabilities to
exactly 0 in floating point, and the log turns them into `-inf`: with logits
`[0, 200]`, `log(softmax(x))` is `[-inf, 0]` where `log_softmax(x)` gives
`[-200, 0]`. One `-inf` makes the loss and the gradients NaN, and training
diverges. Adding `eps` (or clamping) hides the `-inf` but not the problem:
every log-probability below `log(eps)` (about -18 for `1e-8`) becomes
`log(eps)`, so a confidently wrong prediction stops contributing a gradient
and the model is never pushed to fix it. `log_softmax` computes the exact
value with the log-sum-exp trick, stably and faster.

## Example
```python
log_probs = torch.log(F.softmax(logits, dim=-1))
log_probs = torch.log(F.softmax(logits, dim=-1) + 1e-8)
```

## Use instead
```python
log_probs = F.log_softmax(logits, dim=-1)
```

## Fix safety
The fix is safe: `torch.log(F.softmax(x, d))` and `F.softmax(x, d).log()`
become `F.log_softmax(x, d)`, which is the same value where the original is
finite. It is offered only for direct nesting; after `+ eps` or a clamp the
values differ (that is the point), so no fix is offered.

## Known problems
A constant is recognised as "small" by its form (a number, or a name such as
`eps`, `epsilon`, `tiny`): `torch.log(p + bias)` is not reported.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html
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

def smoothed(logits):
    probs = F.softmax(logits, dim=-1)
    return torch.log1p(probs)  # log(1 + p): never -inf
""",
        """
import torch

def log_gate(score):
    return torch.sigmoid(score).log()  # TL016, not this rule
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
import torch.nn.functional as F

def log_probs(logits, eps=1e-8):
    probs = F.softmax(logits, dim=-1)
    return torch.log(probs + eps)  # expect
""",
        """
import torch
import torch.nn.functional as F

def nll(logits, y):
    return F.nll_loss(logits.softmax(dim=1).clamp_min(1e-6).log(), y)  # expect
""",
        Example(files={
            "utils.py": """
import torch

def log(t, eps=1e-20):
    return torch.log(t + eps)  # expect
""",
            "loss.py": """
import torch.nn.functional as F
from utils import log

def nll(logits, y):
    return F.nll_loss(log(F.softmax(logits, dim=1)), y)
""",
        }),
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
    )

    def check(self, facts) -> Iterable[Report]:
        for call in facts.log_calls:
            yield from log_reports(call, Kind.PROBS, "log_softmax", log_of_softmax)


def log_reports(call, kind: Kind, better: str, fix_builder) -> Iterable[Report]:
    """A log of a `kind` value (TL006, TL016): the report at the log, naming the producers."""
    origins = tuple(origins_of(call.input, kind))
    if not origins:
        return
    labels = ", ".join(dict.fromkeys(origin.label for origin in origins))
    if isinstance(call.input, Tensor) and call.input.shifted:
        why = (f"log of the {labels} output{route(call)}, moved off 0 by a small constant or a clamp: every "
               f"log-probability below log(eps) becomes log(eps), so confidently wrong predictions stop giving a "
               f"gradient. Use {better}, which computes the exact value stably.")
        fix = None
    else:
        why = (f"log of the {labels} output{route(call)}: probabilities that round to 0 give -inf here, and NaN "
               f"losses and gradients after it. Use {better}, which computes the same value stably.")
        fix = fix_builder(call.site, origins[0]) if len(origins) == 1 else None
    yield Report(
        call.site,
        why,
        tuple((origin, f"{origin.label} produces the value here") for origin in origins)
        + tuple((site, f"passed on through {site.label} here") for site in call.via),
        fix,
    )
