"""TL009 log-softmax-before-cross-entropy: a redundant log_softmax before CrossEntropyLoss."""

from __future__ import annotations

from ..catalog import Consumer, Flow, Kind, Reported, Severity
from .base import Example, FlowRule


class LogSoftmaxBeforeCrossEntropy(FlowRule):
    code = "TL009"
    name = "log-softmax-before-cross-entropy"
    severity = Severity.INFO
    summary = "log_softmax output is passed to CrossEntropyLoss, which applies log_softmax itself (redundant)"
    docs = """
## What it does
Checks for a `log_softmax` output (`F.log_softmax`, `torch.log_softmax`,
`Tensor.log_softmax`, `nn.LogSoftmax`) that reaches the input of
`nn.CrossEntropyLoss` or `F.cross_entropy`, through variables, attributes,
`nn.Sequential`, a model's `forward`, helpers and other files.

## Why is this bad?
It is not a numerical bug: `log_softmax` is idempotent, so
`cross_entropy(log_softmax(x))` equals `cross_entropy(x)` exactly. It is
wasted work (an extra normalisation over the classes, forward and backward),
and it usually means the author meant `NLLLoss`, which is what reviewers will
wonder about. Reported as information only.

## Example
```python
log_probs = F.log_softmax(model(x), dim=1)
loss = F.cross_entropy(log_probs, y)
```

## Use instead
```python
loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
# or simply
loss = F.cross_entropy(model(x), y)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
"""
    valid = (
        """
import torch.nn.functional as F

def step(model, x, y):
    return F.nll_loss(F.log_softmax(model(x), dim=1), y)
""",
        """
import torch.nn.functional as F
from torch import nn

criterion = nn.CrossEntropyLoss()

def step(logits, teacher_logits, y):
    teacher = F.log_softmax(teacher_logits, dim=1).exp()
    return criterion(logits, teacher)
""",
    )
    invalid = (
        """
import torch.nn.functional as F

def step(model, x, y):
    return F.cross_entropy(F.log_softmax(model(x), dim=1), y)  # expect
""",
        """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))  # expect

    def forward(self, x):
        return self.layers(x)

def loss_fn(out, y):
    return nn.CrossEntropyLoss()(out, y)

def train(x, y):
    return loss_fn(Net()(x), y)
""",
        Example(files={
            "model.py": """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)  # expect
""",
            "train.py": """
from torch import nn
from model import Net

net = Net()
criterion = nn.CrossEntropyLoss()

def step(x, y):
    return criterion(net(x), y)
""",
        }),
    )

    flows = (
        Flow("TL009", Kind.LOG_PROBS, frozenset({Consumer.CROSS_ENTROPY}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which applies log_softmax itself: this one is "
             "redundant (the loss is the same). Use NLLLoss, or drop it."),
    )
