"""TL006 log-of-softmax: `torch.log(softmax(x))` instead of `log_softmax(x)`."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ..findings import Fix
from ._fixes import LOG_FORMS, SAFE, call_form, callee_attr, cst, first_arg_is, guarded, make_fix, rename_callee, \
    strip_wrapper, usable
from .base import Example, FixExample, FlowRule


def log_flow(code: str, kind: Kind, better: str) -> Flow:
    """A log of a `kind` output (TL006, TL016), reported at the log, naming the stable function."""
    return Flow(
        code, kind, frozenset({Consumer.LOG}), Reported.AT_CONSUMER,
        "log of the {producer} output{route}: probabilities that round to 0 give -inf here, and NaN losses and "
        f"gradients after it. Use {better}, which computes the same value stably.",
        evidence="{producer} produces the value here",
        shifted_message="log of the {producer} output{route}, moved off 0 by a small constant or a clamp: every "
        "log-probability below log(eps) becomes log(eps), so confidently wrong predictions stop giving a "
        f"gradient. Use {better}, which computes the exact value stably.",
    )


class LogOfSoftmax(FlowRule):
    code = "TL006"
    name = "log-of-softmax"
    severity = Severity.WARNING
    fixable = Fixability.SAFE
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
        Example(
            """
import torch
import torch.nn.functional as F

def log_probs(logits):
    return torch.log(F.softmax(logits, dim=-1))  # expect
""",
            expected_fix="""
import torch.nn.functional as F

def log_probs(logits):
    return F.log_softmax(logits, dim=-1)  # expect
""",
        ),
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

    flows = (log_flow("TL006", Kind.PROBS, "log_softmax"),)

    def fix(self, flow, origins, use):
        return log_of_softmax(use.site, origins[0]) if len(origins) == 1 else None


@guarded
def log_of_softmax(log_site, origin) -> Fix | None:
    """TL006: `torch.log(F.softmax(x, d))` / `F.softmax(x, d).log()` -> `F.log_softmax(x, d)`."""
    if not usable(log_site) or origin.source is not log_site.source:
        return None
    source, log_call, inner = log_site.source, log_site.node, origin.node
    if callee_attr(inner) != "softmax" or call_form(source, inner) is None:
        return None
    method_log = isinstance(log_call.func, cst.Attribute) and log_call.func.value is inner and not log_call.args
    function_log = len(log_call.args) == 1 and first_arg_is(log_call, inner)
    if not (method_log or function_log):
        return None
    around = strip_wrapper(source, log_call, inner)
    if around is None:
        return None
    return make_fix(SAFE, "Use log_softmax", [*around, rename_callee(source, inner, LOG_FORMS)])
