"""TL010 activation-on-logits: ReLU/Tanh/... applied to the scores a logits loss receives."""

from __future__ import annotations

from typing import Iterable

from ..analysis.values import Tensor
from ..catalog import Consumer, Flow, Kind, Reported, Severity, render
from .base import Example, FlowRule, Report, labels, passed_on, route


class ActivationOnLogits(FlowRule):
    code = "TL010"
    name = "activation-on-logits"
    severity = Severity.WARNING
    summary = "ReLU/Tanh/ELU/... output is passed to CrossEntropyLoss or BCEWithLogitsLoss (clipped logits)"
    docs = """
## What it does
Checks for the output of an elementwise activation other than softmax and
sigmoid (`relu`, `relu6`, `leaky_relu`, `elu`, `selu`, `celu`, `gelu`,
`silu`, `mish`, `tanh`, `hardtanh`, `softplus`, `softsign`, `hardswish`,
`hardsigmoid`, `logsigmoid`, `prelu`, `rrelu`: functional, `torch.*`,
`Tensor` methods and `nn` modules) that reaches the input of
`nn.CrossEntropyLoss`, `F.cross_entropy`, `nn.BCEWithLogitsLoss` or
`F.binary_cross_entropy_with_logits`, or that goes through `log_softmax`
into `nn.NLLLoss` / `F.nll_loss` (the same loss, written in two steps). A
layer applied after the activation (`nn.Linear`, a convolution) makes raw
scores again and is not reported.

## Why is this bad?
These losses expect logits: unbounded scores, negative for unlikely classes.
An activation on the last layer clips or compresses them. After a ReLU no
score can go below 0, so the model cannot push a wrong class down, only the
right one up, and every class whose score is clipped to 0 gets no gradient at
all; after a Tanh the scores live in (-1, 1), which caps how confident any
prediction can be and so puts a floor under the loss. Training runs, slower
and to a worse model.

## Known problems
The watcher confirms a clipping activation that reaches CrossEntropyLoss or
BCEWithLogitsLoss; the path through `log_softmax` into `NLLLoss` is found
statically only.

## Example
```python
head = nn.Sequential(nn.Linear(128, 10), nn.ReLU())
loss = nn.CrossEntropyLoss()(head(x), y)
```

## Use instead
```python
head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
loss = nn.CrossEntropyLoss()(head(x), y)
```

## References
- https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
"""
    valid = (
        """
from torch import nn

head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))
criterion = nn.CrossEntropyLoss()

def step(x, y):
    return criterion(head(x), y)
""",
        """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)

def step(x, y):
    return F.cross_entropy(Net()(x), y)
""",
    )
    invalid = (
        """
import torch.nn.functional as F

def step(model, x, y):
    return F.cross_entropy(F.relu(model(x)), y)  # expect
""",
        """
import torch
from torch import nn

class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))  # expect

bce = nn.BCEWithLogitsLoss()

def loss_of(score, y):
    return bce(score, y)

def step(x, y):
    return loss_of(Scorer()(x), y)
""",
        """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = F.relu(self.fc(x))  # expect
        return F.log_softmax(x, dim=1)

def train(model, x, y):
    return F.nll_loss(model(x), y)

train(Net(), x, y)
""",
        Example(files={
            "model.py": """
from torch import nn

classifier = nn.Sequential(
    nn.Linear(32, 10),
    nn.ReLU(),  # expect
)
""",
            "train.py": """
import torch.nn.functional as F
from model import classifier

def step(x, y):
    logits = classifier(x)
    return F.cross_entropy(logits, y)
""",
        }),
    )

    flows = (
        Flow("TL010", Kind.ACTIVATED, frozenset({Consumer.CROSS_ENTROPY, Consumer.BCE_WITH_LOGITS}),
             Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which expects unbounded logits: the activation "
             "clips them (the model cannot push wrong classes down). Feed the loss the output of the last linear "
             "layer.",
             evidence="{consumer} receives the {producer} output here"),
    )
    # Its own check's message: a clipping activation under a log_softmax that reaches NLLLoss (the
    # pair is a cross-entropy).
    message = (
        "{producer} output goes through {through} to {consumer} at {at}{route}: together they are a cross-entropy, "
        "which expects unbounded logits, and the activation clips them (the model cannot push wrong classes down). "
        "Apply log_softmax to the output of the last linear layer."
    )

    def check(self, facts) -> Iterable[Report]:
        yield from super().check(facts)
        for call in facts.loss_calls:
            value = call.input
            if call.loss.consumer is not Consumer.NLL or not isinstance(value, Tensor) or value.kind != Kind.LOG_PROBS:
                continue
            through = labels(value.origins)
            for origin in value.clipped:
                yield Report(
                    origin,
                    render(self.message, producer=origin.label, through=through,
                           consumer=call.loss.label, at=call.site.ref(), route=route(call.via)),
                    ((call.site, f"{call.loss.label} receives the log-probabilities here"),)
                    + tuple((site, f"{site.label} normalises the clipped scores here") for site in value.origins)
                    + passed_on(call.via),
                )
