"""TL015 softmax-single-output: softmax over a dimension of size 1."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Tensor
from ..catalog import Kind, Severity, render
from .base import Example, Report, Rule, labels, origins_of


class SoftmaxSingleOutput(Rule):
    code = "TL015"
    name = "softmax-single-output"
    severity = Severity.ERROR
    summary = "Softmax or log_softmax over a dimension of size 1 (constant output, zero gradient)"
    docs = """
## What it does
Checks for a softmax or log_softmax (every form, including `nn.Softmax` in
`nn.Sequential` and modules stored on `self`) applied along the last
dimension of a value whose last dimension is known to have size 1: the output
of `nn.Linear(h, 1)` (or `out_features=1`, `nn.LazyLinear(1)`), directly or
through variables, attributes, returns and other files. `dim=-1` always
counts; another `dim` counts only when the value's rank is known and `dim` is
its last dimension (so a softmax over the time steps of `(B, T, 1)` attention
scores is not reported).

## Why is this bad?
A softmax over a single element is always exactly 1, and a log_softmax always
exactly 0, whatever the input: the prediction is constant and no gradient
flows back into the layer, so the model cannot learn. This is the classic
binary classifier written with one output unit and a softmax.

## Known problems
Statically, only a dimension of size 1 that the code makes certain (a
literal `nn.Linear(h, 1)`) is seen; the watcher sees every real shape.

## Example
```python
head = nn.Sequential(nn.Linear(128, 1), nn.Softmax(dim=-1))
```

## Use instead
```python
head = nn.Linear(128, 1)  # one logit; train with nn.BCEWithLogitsLoss
# or two outputs and a softmax: nn.Sequential(nn.Linear(128, 2), nn.Softmax(dim=-1))
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
import torch.nn.functional as F
from torch import nn

class AttentionPool(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.score = nn.Linear(h, 1)

    def forward(self, x):  # x: (B, T, h)
        weights = F.softmax(self.score(x), dim=1)  # over the time steps
        return (weights * x).sum(1)
""",
        """
from torch import nn

head = nn.Sequential(nn.Linear(128, 2), nn.Softmax(dim=-1))
binary = nn.Sequential(nn.Linear(128, 1), nn.Sigmoid())
""",
    )
    invalid = (
        """
import torch
from torch import nn

head = nn.Sequential(nn.Linear(128, 1), nn.Softmax(dim=-1))  # expect

def predict(x):
    return head(x)
""",
        """
import torch
import torch.nn.functional as F
from torch import nn

class Binary(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, out_features=1)

    def forward(self, x):
        x = torch.flatten(x, 1)
        out = self.fc(x)
        return F.log_softmax(out, dim=1)  # expect
""",
        Example(files={
            "model.py": """
from torch import nn

class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        return self.fc(x)
""",
            "predict.py": """
import torch
from model import Scorer

def confidence(x):
    return torch.softmax(Scorer()(x), dim=-1)  # expect
""",
        }),
    )

    # `{input}`: what the dimension of size 1 belongs to; `{constant}`: the output, 1 or 0.
    message = ("{producer} over a dimension of size 1 ({input}): the result is constant ({constant}) and no "
               "gradient flows. Use one logit with a sigmoid / BCEWithLogitsLoss, or two outputs.")

    def check(self, facts) -> Iterable[Report]:
        for call in facts.activation_calls:
            if call.producer.kind not in (Kind.PROBS, Kind.LOG_PROBS) or call.dim is None:
                continue
            value = call.input
            if not isinstance(value, Tensor) or value.last_size != 1:
                continue
            last = call.dim == -1 or (value.rank is not None and call.dim == value.rank - 1)
            if not last:
                continue
            origins = origins_of(value, value.kind)
            made_by = labels(origins) or "a 1-unit layer"
            yield Report(
                call.site,
                render(self.message, producer=call.producer.label, input=f"the output of {made_by}",
                       constant="0" if call.producer.kind == Kind.LOG_PROBS else "1"),
                tuple((origin, f"{origin.label} has a single output here") for origin in origins),
            )
