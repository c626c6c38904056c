"""TL004 softmax-before-nll-loss: probabilities fed to a loss that expects log-probabilities."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import to_log_softmax
from .base import Example, FixExample, FlowRule


class SoftmaxBeforeNllLoss(FlowRule):
    code = "TL004"
    name = "softmax-before-nll-loss"
    severity = Severity.ERROR
    summary = "Softmax output is passed as the input of NLLLoss (it expects log-probabilities)"
    fixable = Fixability.SOMETIMES
    docs = """
## What it does
Checks for a softmax output (`F.softmax`, `torch.softmax`, `Tensor.softmax`,
`nn.Softmax`, also `softmin`) that reaches the *input* of `nn.NLLLoss` or
`F.nll_loss`, directly or through variables, attributes, `nn.Sequential`, a
model's `forward`, helper functions and other files.

## Why is this bad?
`NLLLoss` does no normalisation of its own: it returns minus the input value
at the target class, averaged over the batch, and assumes those values are
log-probabilities. Fed probabilities, the "loss" becomes `-mean(p[target])`,
a number between -1 and 0. Nothing raises and the loss even goes down, but
the objective is linear in the probability instead of logarithmic: a
confidently wrong prediction costs almost nothing, so the model barely learns
from its worst mistakes. The `F.softmax` documentation warns that it "doesn't
work directly with NLLLoss".

## Example
```python
probs = F.softmax(model(x), dim=1)
loss = F.nll_loss(probs, y)
```

## Use instead
```python
log_probs = F.log_softmax(model(x), dim=1)
loss = F.nll_loss(log_probs, y)
# or, on the logits: F.cross_entropy(model(x), y)
```

## Fix safety
The fix turns the softmax into its log form (`F.softmax` -> `F.log_softmax`,
`nn.Softmax` -> `nn.LogSoftmax`, same `dim`). It is safe when the softmax feeds
only this loss in the same function; otherwise unsafe, because other readers
of the value then get log-probabilities.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
"""
    valid = (
        """
import torch.nn.functional as F

def step(model, x, y):
    log_probs = F.log_softmax(model(x), dim=1)
    return F.nll_loss(log_probs, y)
""",
        """
import torch
import torch.nn.functional as F

def step(model, x, y):
    probs = F.softmax(model(x), dim=1)
    loss = F.nll_loss(torch.log(probs.clamp(min=1e-8)), y)
    return loss, probs.argmax(dim=1)
""",
    )
    invalid = (
        Example(
            """
import torch.nn.functional as F

def step(model, x, y):
    probs = F.softmax(model(x), dim=1)  # expect
    return F.nll_loss(probs, y)
""",
            expected_fix="""
import torch.nn.functional as F

def step(model, x, y):
    probs = F.log_softmax(model(x), dim=1)  # expect
    return F.nll_loss(probs, y)
""",
        ),
        """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))  # expect

    def forward(self, x):
        return self.body(x)

criterion = nn.NLLLoss()

def compute_loss(pred, y):
    return criterion(pred, y)

def train(loader):
    model = Net()
    for x, y in loader:
        compute_loss(model(x), y).backward()
""",
        Example(files={
            "models.py": """
import torch
from torch import nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)  # expect
""",
            "train.py": """
import torch.nn.functional as F
from models import Head

head = Head()

def loss_of(x, y):
    return F.nll_loss(head(x), y)
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F

def step(model, x, y):
    return F.nll_loss(F.softmax(model(x), dim=1), y)
""",
            """
import torch.nn.functional as F

def step(model, x, y):
    return F.nll_loss(F.log_softmax(model(x), dim=1), y)
""",
        ),
        FixExample(
            """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)

model = Net()
loss = nn.NLLLoss()(model(torch.randn(2, 8)), torch.tensor([0, 1]))
""",
            """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 3), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.net(x)

model = Net()
loss = nn.NLLLoss()(model(torch.randn(2, 8)), torch.tensor([0, 1]))
""",
            unsafe=True,
        ),
    )

    flows = (
        Flow("TL004", Kind.PROBS, frozenset({Consumer.NLL}), Reported.AT_PRODUCER,
             "{producer} output reaches {consumer} at {at}{route}, which expects log-probabilities: the loss "
             "becomes -p[target], between -1 and 0. Use log_softmax (or cross_entropy on the logits).",
             by_values="the input of {consumer} is probabilities (all in [0, 1], rows sum to 1: {seen}), not "
             "log-probabilities. Use F.log_softmax."),
    )

    def fix(self, flow, origins, use):
        return to_log_softmax(origins[0], use.event)
