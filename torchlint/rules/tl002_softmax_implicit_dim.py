"""TL002 softmax-implicit-dim: softmax without `dim` lets PyTorch guess the axis."""

from __future__ import annotations

from typing import Iterable

from ..catalog import Fixability, Severity, render
from ..findings import Fix
from ._fixes import UNSAFE, add_dim, guarded, make_fix, usable
from .base import Example, FixExample, Report, Rule


class SoftmaxImplicitDim(Rule):
    code = "TL002"
    name = "softmax-implicit-dim"
    severity = Severity.WARNING
    fixable = Fixability.UNSAFE
    summary = "Softmax, log_softmax or softmin called without `dim`"
    docs = """
## What it does
Checks for `F.softmax`, `F.log_softmax`, `F.softmin`, `nn.Softmax()`,
`nn.LogSoftmax()` and `nn.Softmin()` without a `dim` argument (positional or
keyword).

## Why is this bad?
Without `dim`, PyTorch picks the dimension from the input's rank: dim 0 for
0-D, 1-D and 3-D inputs, dim 1 otherwise. For `(batch, time, classes)` logits
that normalises over the *batch*: each sample's "probabilities" then depend on
the other samples, and nothing raises. PyTorch only emits a deprecation
warning, which is easy to miss in training logs.

`torch.softmax(x)` and `x.softmax()` require `dim` and fail loudly, so they
are not reported.

## Known problems
A call kept for an old PyTorch behind a version check is reported like any
other.

## Example
```python
probs = F.softmax(logits)
head = nn.Sequential(nn.Linear(128, 10), nn.LogSoftmax())
```

## Use instead
```python
probs = F.softmax(logits, dim=-1)
head = nn.Sequential(nn.Linear(128, 10), nn.LogSoftmax(dim=1))
```

## Fix safety
The fix passes `dim=-1`, the class dimension of (B, C) and (B, T, C) logits.
It is always unsafe: for a tensor laid out otherwise ((C, H, W) maps,
attention scores) the last dimension may be the wrong one, and wherever
PyTorch picked another dimension the result changes.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
"""
    valid = (
        """
import torch.nn.functional as F
from torch import nn

def heads(x, d):
    a = F.softmax(x, 1)
    b = F.log_softmax(x, dim=-1)
    c = F.softmin(x, d)
    return a, b, c, nn.Softmax(1), nn.LogSoftmax(dim=1), nn.Softmin(-1)
""",
        """
from scipy.special import softmax

def normalise(x):
    return softmax(x)
""",
    )
    invalid = (
        Example(
            """
import torch.nn.functional as F

def predict(logits):
    return F.softmax(logits)  # expect
""",
            expected_fix="""
import torch.nn.functional as F

def predict(logits):
    return F.softmax(logits, dim=-1)  # expect
""",
            unsafe_fix=True,
        ),
        """
from torch import nn

head = nn.Sequential(
    nn.Linear(128, 10),
    nn.LogSoftmax(),  # expect
)
""",
        """
from torch.nn.functional import softmin as smin

def weights(costs):
    return smin(costs, _stacklevel=5)  # expect
""",
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F

def predict(logits):
    return F.softmax(logits)
""",
            """
import torch.nn.functional as F

def predict(logits):
    return F.softmax(logits, dim=-1)
""",
            unsafe=True,
        ),
        FixExample(
            """
from torch import nn

head = nn.Sequential(nn.Linear(8, 3), nn.Softmax())
""",
            """
from torch import nn

head = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=-1))
""",
            unsafe=True,
        ),
    )

    # `{on}`: the tensor, when known (the watcher); `{chose}`: what PyTorch does with no dim.
    message = "{producer} without `dim`{on}: PyTorch {chose}. Pass `dim` explicitly."
    guess = ("guesses the dimension from the input's rank (dim 0 for 1-D and 3-D inputs, i.e. across the batch of "
             "(B, T, C) logits)")

    def check(self, facts) -> Iterable[Report]:
        for event in facts.implicit_dims:
            yield Report(
                event.site,
                render(self.message, producer=event.producer.label, on="", chose=self.guess),
                fix=add_implicit_dim(event.site),
            )


@guarded
def add_implicit_dim(site) -> Fix | None:
    """TL002: pass `dim=-1`, the class dimension of (B, C) and (B, T, C) logits."""
    if not usable(site):
        return None
    edit = add_dim(site.source, site.node)
    return make_fix(UNSAFE, "Pass dim=-1 (check that the last dimension holds the classes)", [edit])
