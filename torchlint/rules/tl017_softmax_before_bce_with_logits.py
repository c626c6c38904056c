"""TL017 softmax-before-bce-with-logits: probabilities fed to a loss that applies a sigmoid itself."""

from __future__ import annotations

from ..catalog import Consumer, Flow, Kind, Reported, Severity
from .base import Example, FlowRule


class SoftmaxBeforeBceWithLogits(FlowRule):
    code = "TL017"
    name = "softmax-before-bce-with-logits"
    severity = Severity.ERROR
    summary = "Softmax output is passed as the input of BCEWithLogitsLoss, which applies a sigmoid to it"
    docs = """
## What it does
Checks for a softmax output (`F.softmax`, `torch.softmax`, `Tensor.softmax`,
`nn.Softmax`, also `softmin`) that reaches the *input* of
`nn.BCEWithLogitsLoss` or `F.binary_cross_entropy_with_logits`, directly or
through variables, attributes, `nn.Sequential`, a model's `forward` and the
calls between them.

## Why is this bad?
`BCEWithLogitsLoss` expects logits and applies a sigmoid itself. A sigmoid
of probabilities lies between 0.5 and 0.73: every class is predicted at
least 50 % likely, the loss of a negative label cannot fall below
log 2 = 0.69, and the gradient reaching the model is squeezed through both
activations. Nothing raises; the model just trains worse.

Passing probabilities as the *target* (soft labels, distillation) is correct
and is not reported.

## Known problems
Whether the model should make one choice among classes (a softmax, trained
with `CrossEntropyLoss`) or an independent yes/no per class (multi-label:
a sigmoid per class, trained with `BCEWithLogitsLoss` on the logits) is a
modelling decision torchlint cannot make; the finding says which two
things disagree, not which one to keep.

## Example
```python
logits = model(x)
loss = F.binary_cross_entropy_with_logits(F.softmax(logits, dim=1), y)
```

## Use instead
```python
logits = model(x)
loss = F.binary_cross_entropy_with_logits(logits, y)  # multi-label: one sigmoid per class
# or, one class per sample: F.cross_entropy(logits, y.argmax(1))
```

## Fix safety
No fix is offered: removing the softmax changes what the model predicts
(independent sigmoids instead of one distribution), and replacing the loss
changes what it is trained for.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
import torch.nn.functional as F

def positive_class_loss(scores, is_positive):
    p_positive = F.softmax(scores, dim=1)[:, 1]  # a probability, into a loss that wants one
    return F.binary_cross_entropy(p_positive, is_positive.float())
""",
        """
import torch.nn.functional as F

def step(model, x, y):
    logits = model(x)
    loss = F.binary_cross_entropy_with_logits(logits, y)
    probs = F.softmax(logits, dim=1)  # metrics after the loss
    return loss, probs
""",
        """
import torch.nn.functional as F

def distill(student_logits, teacher_logits):
    soft_targets = F.softmax(teacher_logits, dim=1)
    return F.binary_cross_entropy_with_logits(student_logits, soft_targets)
""",
    )
    invalid = (
        """
import torch.nn.functional as F

def positive_class_loss(scores, is_positive):
    p_positive = F.softmax(scores, dim=1)[:, 1]  # expect
    return F.binary_cross_entropy_with_logits(p_positive, is_positive.float())
""",
        """
import torch.nn.functional as F

def step(model, x, y):
    probs = F.softmax(model(x), dim=1)  # expect
    return F.binary_cross_entropy_with_logits(probs, y)
""",
        Example(files={
            "model.py": """
from torch import nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(16, 5), nn.Softmax(dim=-1))  # expect

    def forward(self, x):
        return self.head(x)
""",
            "train.py": """
from torch import nn
from model import Tagger

def fit(model, loss_fn, loader):
    for x, y in loader:
        loss_fn(model(x), y).backward()

fit(Tagger(), nn.BCEWithLogitsLoss(), [])
""",
        }),
    )

    flows = (
        Flow("TL017", Kind.PROBS, frozenset({Consumer.BCE_WITH_LOGITS}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which applies a sigmoid itself: a sigmoid of "
             "probabilities lies in (0.5, 0.73), so every class is predicted at least 50 % likely. Pass the "
             "logits (one sigmoid per class), or use CrossEntropyLoss for one class per sample."),
    )
