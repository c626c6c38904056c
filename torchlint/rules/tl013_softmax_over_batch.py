"""TL013 softmax-over-batch: softmax along dim 0 of a batched value used for a loss or argmax."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Tensor
from ..catalog import Kind, Severity, render
from .base import Example, Report, Rule


NORMALISED = (Kind.PROBS, Kind.LOG_PROBS)


class SoftmaxOverBatch(Rule):
    code = "TL013"
    name = "softmax-over-batch"
    severity = Severity.WARNING
    summary = "Softmax along dim 0 of a batched value that reaches a loss or an argmax"
    docs = """
## What it does
Checks for a softmax or log_softmax along `dim=0` of a value whose rank is
known to be at least 2 (the code makes it certain: `torch.randn(B, C)`,
`x.view(B, -1)`, `torch.flatten(x, 1)`, a linear layer applied to such a
value, ...), when the result goes on to a loss or to an `argmax`. Where the
rank is not known from the code nothing is reported; the runtime watcher
checks the real shapes.

## Why is this bad?
With `(batch, classes)` scores, dim 0 is the batch. A softmax along it
normalises each class *across the samples*: a sample's row no longer sums to
1, its "probabilities" depend on which other samples share the batch, and
the prediction for the same input changes with the batch it is in. Losses
and accuracy computed on it are wrong without any error.

## Known problems
Only values whose rank the code makes certain are checked
(`torch.randn(B, C)`, `.view(B, -1)`, a linear layer's output); a softmax over
dim 0 of a tensor of unknown rank is not reported, here (the watcher sees the
real shape).

## Example
```python
x = torch.flatten(features, 1)
probs = F.softmax(classifier(x), dim=0)
pred = probs.argmax(dim=1)
```

## Use instead
```python
probs = F.softmax(classifier(x), dim=1)  # or dim=-1: over the classes
pred = probs.argmax(dim=1)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
"""
    valid = (
        """
import torch
import torch.nn.functional as F

def attention_pool(scores):
    weights = F.softmax(scores, dim=0)  # rank unknown: maybe a 1-D sequence
    return weights.argmax()
""",
        """
import torch
import torch.nn.functional as F

def predict(classifier, features):
    x = torch.flatten(features, 1)
    probs = F.softmax(classifier(x), dim=1)
    return probs.argmax(dim=1)
""",
        """
import torch

def mixture():
    weights = torch.softmax(torch.randn(8, 4), dim=0)  # not used for a loss or argmax
    return weights
""",
    )
    invalid = (
        """
import torch
from torch import nn

fc = nn.Linear(64, 10)

def predict(features):
    x = torch.flatten(features, 1)
    probs = torch.softmax(fc(x), dim=0)  # expect
    return probs.argmax(dim=1)
""",
        """
import torch
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc(x), dim=0)  # expect

def step(x, y):
    return F.nll_loss(Net()(x), y)
""",
        Example(files={
            "heads.py": """
import torch

def class_probs(logits):
    return torch.reshape(logits, (4, -1)).softmax(dim=0)  # expect
""",
            "eval.py": """
import torch
from heads import class_probs

def accuracy(logits, y):
    return (torch.argmax(class_probs(logits), dim=1) == y).float().mean()
""",
        }),
    )

    # `{value}`: what was normalised; `{reaching}`: where it goes, when known.
    message = ("{producer} along dim {dim} of a {value}{reaching}: dim {dim} is the batch, so each sample is "
               "normalised against the others. Use the class dim (dim=1 or dim=-1).")

    def check(self, facts) -> Iterable[Report]:
        # Positions cost a pass over the module: ask for one only when reporting.
        consumers = [(call.input, call.loss.label, call.site) for call in facts.loss_calls]
        consumers += [(call.input, call.site.label, call.site) for call in facts.argmax_calls]
        for value, label, site in consumers:
            if not (isinstance(value, Tensor) and value.kind in NORMALISED and value.dim == 0):
                continue
            if value.rank is None or value.rank < 2:
                continue
            for origin in value.origins:
                yield Report(
                    origin,
                    render(self.message, producer=origin.label, dim=0, value=f"{value.rank}-D value",
                           reaching=f" that reaches {label} at {site.ref()}"),
                    ((site, "the normalised value is used here"),),
                )
