"""TL012 logits-into-nll-loss: raw scores fed to NLLLoss, which expects log-probabilities."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ..findings import Fix
from ._fixes import UNSAFE, call_form, callee_attr, constructor_rename, guarded, make_fix, rename_callee, usable
from .base import Example, FixExample, FlowRule


class LogitsIntoNllLoss(FlowRule):
    code = "TL012"
    name = "logits-into-nll-loss"
    severity = Severity.ERROR
    fixable = Fixability.UNSAFE
    summary = "NLLLoss is fed raw scores (a Linear/conv output with no log_softmax after it)"
    docs = """
## What it does
Checks for `nn.NLLLoss` / `F.nll_loss` whose *input* is known to be raw
scores: the output of `nn.Linear`, `F.linear` or a convolution with nothing
after it, directly or through variables, attributes, `nn.Sequential` whose
last layer is linear, a model whose `forward` returns such a layer's output,
helpers and other files. Values the analysis cannot see are never reported.

## Why is this bad?
`NLLLoss` returns minus the input at the target class and relies on the
input being log-probabilities (so at most 0). On raw scores nothing bounds
it: the optimiser can lower the loss forever by growing the target score,
the loss goes negative and keeps falling, and the other classes are never
pushed down because they do not enter the loss at all. Nothing raises.

## Example
```python
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
loss = nn.NLLLoss()(model(x), y)
```

## Use instead
```python
loss = nn.CrossEntropyLoss()(model(x), y)
# or add the log_softmax: nn.NLLLoss()(F.log_softmax(model(x), dim=1), y)
```

## Fix safety
`F.nll_loss` becomes `F.cross_entropy` (`nn.NLLLoss` becomes
`nn.CrossEntropyLoss`); both take the same arguments in the same order. It is
unsafe: if the scores were normalised by hand in a way torchlint does not
see, the loss changes.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
"""
    valid = (
        """
import torch.nn.functional as F
from torch import nn

model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.LogSoftmax(dim=1))

def step(x, y):
    return F.nll_loss(model(x), y)
""",
        """
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)

def step(x, y):
    return F.nll_loss(Net()(x), y)
""",
    )
    invalid = (
        Example(
            """
import torch.nn.functional as F
from torch import nn

fc = nn.Linear(16, 4)

def step(x, y):
    return F.nll_loss(fc(x), y)  # expect
""",
            expected_fix="""
import torch.nn.functional as F
from torch import nn

fc = nn.Linear(16, 4)

def step(x, y):
    return F.cross_entropy(fc(x), y)  # expect
""",
            unsafe_fix=True,
        ),
        """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())

criterion = nn.NLLLoss()

def compute_loss(out, y):
    return criterion(out, y)  # expect

def train(x, y):
    return compute_loss(Net()(x), y)
""",
        Example(files={
            "model.py": """
from torch import nn

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
""",
            "train.py": """
import torch.nn.functional as F
from model import model

def step(x, y):
    return F.nll_loss(model(x), y)  # expect
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F
from torch import nn

head = nn.Linear(16, 4)

def step(x, y):
    return F.nll_loss(head(x), y, ignore_index=-1)
""",
            """
import torch.nn.functional as F
from torch import nn

head = nn.Linear(16, 4)

def step(x, y):
    return F.cross_entropy(head(x), y, ignore_index=-1)
""",
            unsafe=True,
        ),
        FixExample(
            """
from torch import nn

head = nn.Linear(16, 4)
criterion = nn.NLLLoss(weight=None, ignore_index=-1, reduction="sum")

def step(x, y):
    return criterion(head(x), y)
""",
            """
from torch import nn

head = nn.Linear(16, 4)
criterion = nn.CrossEntropyLoss(weight=None, ignore_index=-1, reduction="sum")

def step(x, y):
    return criterion(head(x), y)
""",
            unsafe=True,
        ),
    )

    flows = (
        Flow("TL012", Kind.LOGITS, frozenset({Consumer.NLL}), Reported.AT_CONSUMER,
             "{consumer} receives raw scores from {producer}{route}, but expects log-probabilities: the loss is "
             "unbounded below. Use cross_entropy on the scores, or apply log_softmax first.",
             by_values="the input of {consumer} is not log-probabilities ({seen}): raw logits make the loss unbounded "
             "below. Apply F.log_softmax first, or use F.cross_entropy."),
    )

    def fix(self, flow, origins, use):
        return nll_to_cross_entropy(use.event)


@guarded
def nll_to_cross_entropy(call) -> Fix | None:
    """TL012: `F.nll_loss(logits, y, ...)` -> `F.cross_entropy(...)`, `nn.NLLLoss(...)` -> `nn.CrossEntropyLoss(...)`.

    Both take (input, target, weight, size_average, ignore_index, reduce, reduction) in this order.
    """
    site = call.site
    if not usable(site):
        return None
    if callee_attr(site.node) == "nll_loss" and call_form(site.source, site.node) == "function":
        edit = rename_callee(site.source, site.node, {"nll_loss": "cross_entropy"})
        return make_fix(UNSAFE, "Use cross_entropy, which applies log_softmax to the scores", [edit])
    edit = constructor_rename(call, site.source, {"NLLLoss": "CrossEntropyLoss"})
    return make_fix(UNSAFE, "Use CrossEntropyLoss, which applies log_softmax to the scores", [edit])
