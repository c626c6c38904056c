"""TL001 softmax-before-cross-entropy: probabilities fed to a loss that expects logits."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import remove_activation
from .base import Example, FixExample, FlowRule


class SoftmaxBeforeCrossEntropy(FlowRule):
    code = "TL001"
    name = "softmax-before-cross-entropy"
    severity = Severity.ERROR
    fixable = Fixability.SOMETIMES
    summary = "Softmax output is passed as the input of CrossEntropyLoss (double softmax)"
    docs = """
## What it does
Checks for a softmax output (`F.softmax`, `torch.softmax`, `Tensor.softmax`,
`nn.Softmax`, also `softmin`) that reaches the *input* of
`nn.CrossEntropyLoss` or `F.cross_entropy`, directly or through variables,
attributes, `nn.Sequential` and a model's `forward`.

## Why is this bad?
`CrossEntropyLoss` expects unnormalised logits and applies `log_softmax`
itself. Given probabilities, it normalises them a second time: every input
lies in [0, 1], so the loss has a floor it can never go below (0.905 with five
classes, even for a perfect prediction) and the gradients shrink: with five
classes and the right class 5 logits behind, the gradient is about 80x smaller
than with logits. Nothing raises; the model just trains worse.

Passing probabilities as the *target* (soft labels, distillation) is correct
and is not reported.

## Known problems
A model that returns probabilities on one path and logits on another is not
reported (the kinds disagree, and precision comes first), and neither is a
softmax applied only in eval mode (`if not self.training:`).

## Example
```python
logits = model(x)
probs = F.softmax(logits, dim=1)
loss = F.cross_entropy(probs, y)
```

## Use instead
```python
logits = model(x)
loss = F.cross_entropy(logits, y)
probs = F.softmax(logits, dim=1)  # for metrics or inference only
```

## Fix safety
The fix removes the softmax. It is safe (`--fix`) when the softmax feeds only
this loss, in the same function: written as the loss's argument, or a variable
read nowhere else. Anywhere else (a model's `forward`, a layer of an
`nn.Sequential`, a value also used for metrics) it is unsafe
(`--unsafe-fixes`): the code that wanted probabilities now gets logits, so
apply the softmax where they are needed (inference, metrics).

## References
- https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
"""
    valid = (
        """
import torch.nn.functional as F

def step(model, x, y):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    probs = F.softmax(logits, dim=1)  # metrics after the loss
    return loss, probs.argmax(1)
""",
        """
import torch.nn.functional as F

def distill(student_logits, teacher_logits, T=4.0):
    soft_targets = F.softmax(teacher_logits / T, dim=1)
    return F.cross_entropy(student_logits / T, soft_targets)
""",
        """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = self.fc(x)
        if not self.training:
            return torch.softmax(x, dim=-1)
        return x

criterion = nn.CrossEntropyLoss()
model = Net()
loss = criterion(model(torch.randn(2, 16)), torch.tensor([0, 1]))
""",
    )
    invalid = (
        Example(
            """
import torch.nn.functional as F

def step(model, x, y):
    probs = F.softmax(model(x), dim=1)  # expect
    return F.cross_entropy(probs, y)
""",
            expected_fix="""
import torch.nn.functional as F

def step(model, x, y):
    probs = model(x)  # expect
    return F.cross_entropy(probs, y)
""",
        ),
        """
from torch import nn

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))  # expect

    def forward(self, x):
        return self.net(x)

model = Classifier()
criterion = nn.CrossEntropyLoss()

def train(loader):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.fc(x).softmax(dim=-1)  # expect

    def training_step(self, batch):
        x, y = batch
        return self.criterion(self(x), y)
""",
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F
from torch import nn

criterion = nn.CrossEntropyLoss()

def step(model, x, y):
    loss = criterion(F.softmax(model(x), 1), y)  # probabilities by mistake
    return loss
""",
            """
from torch import nn

criterion = nn.CrossEntropyLoss()

def step(model, x, y):
    loss = criterion(model(x), y)  # probabilities by mistake
    return loss
""",
        ),
        FixExample(
            """
import torch.nn.functional as F

def step(model, x, y):
    probs = F.softmax(model(x), dim=1)
    return F.cross_entropy(probs, y)
""",
            """
import torch.nn.functional as F

def step(model, x, y):
    probs = model(x)
    return F.cross_entropy(probs, y)
""",
        ),
        FixExample(
            """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)

    def training_step(self, batch):
        x, y = batch
        return self.criterion(self(x), y)
""",
            """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.fc(x)

    def training_step(self, batch):
        x, y = batch
        return self.criterion(self(x), y)
""",
            unsafe=True,
        ),
    )

    flows = (
        Flow("TL001", Kind.PROBS, frozenset({Consumer.CROSS_ENTROPY}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which applies log_softmax itself: the loss is "
             "computed on softmax(softmax(x)). Pass the logits instead.",
             by_values="the input of {consumer} is already probabilities (all in [0, 1], rows sum to 1: {seen}); it "
             "applies log_softmax itself. Pass the logits."),
    )

    def fix(self, flow, origins, use):
        return remove_activation(origins[0], use.event)
