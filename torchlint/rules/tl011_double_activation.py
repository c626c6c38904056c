"""TL011 double-activation: softmax of a softmax, sigmoid of a sigmoid, and their log variants."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ..findings import Fix
from ._fixes import call_form, guarded, input_node, make_fix, SAFE, text_of, unwrap, usable
from .base import Example, FixExample, FlowRule


class DoubleActivation(FlowRule):
    code = "TL011"
    name = "double-activation"
    severity = Severity.ERROR
    fixable = Fixability.SAFE
    summary = "Softmax of a softmax, sigmoid of a sigmoid, log_softmax of a softmax, softmax of a log_softmax"
    docs = """
## What it does
Checks for a softmax-family or sigmoid activation applied to a value that
already went through one: `softmax(softmax(x))`, `sigmoid(sigmoid(x))`,
`log_softmax(softmax(x))` and `softmax(log_softmax(x))`, in every form
(functional, `torch.*`, `Tensor` methods, `nn` modules, `nn.Sequential`),
following the value through variables, attributes, returns and other files.
The outer call is reported.

## Why is this bad?
The second activation sees values that are already squashed into a narrow
range. A softmax over probabilities (all in [0, 1]) is close to uniform: with
ten classes, even a certain prediction comes out at about 0.23. A sigmoid of
a sigmoid output lies in (0.5, 0.73) whatever the input. `log_softmax` of
probabilities is not the log of anything meaningful. The model either trains
much worse (when this feeds a loss) or reports distorted confidences (at
inference). A `softmax` of `log_softmax` outputs just reproduces the
probabilities, so the first call was wasted or a `log` was intended.

## Example
```python
probs = F.softmax(model(x), dim=1)  # model already ends in nn.Softmax
scores = torch.sigmoid(torch.sigmoid(z))
```

## Use instead
```python
probs = model(x)  # or drop the nn.Softmax from the model
scores = torch.sigmoid(z)
```

## Fix safety
The fix removes the inner activation, and only when both are written in the
same form with the same arguments (`torch.sigmoid(torch.sigmoid(z))`,
`x.softmax(-1).softmax(-1)`): the result is the one activation the code
meant, so the fix is safe. Other shapes (a softmax over a log_softmax, two
different dims) get no fix.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
- https://pytorch.org/docs/stable/generated/torch.sigmoid.html
"""
    valid = (
        """
import torch
import torch.nn.functional as F

def heads(logits):
    probs = F.softmax(logits, dim=-1)
    log_probs = F.log_softmax(logits, dim=-1)
    gate = torch.sigmoid(logits)
    return probs, log_probs, torch.sigmoid(gate * logits)
""",
        """
import torch.nn.functional as F
from torch import nn

attention = nn.Sequential(nn.Softmax(dim=-1), nn.Linear(8, 8))

def pooled(x):
    return F.softmax(attention(x), dim=-1)
""",
    )
    invalid = (
        """
import torch.nn.functional as F

def predict(logits):
    probs = F.softmax(logits, dim=1)
    return F.softmax(probs, dim=1)  # expect
""",
        """
import torch
import torch.nn.functional as F
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))

    def forward(self, x):
        return self.head(x)

def log_probs(x):
    return F.log_softmax(Net()(x), dim=1)  # expect

def gate(z):
    return torch.sigmoid(z).sigmoid()  # expect
""",
        Example(files={
            "model.py": """
import torch.nn.functional as F

def scores(logits):
    return F.log_softmax(logits, dim=-1)
""",
            "predict.py": """
import torch
from model import scores

def probabilities(logits):
    return torch.softmax(scores(logits), dim=-1)  # expect
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch

def gate(z):
    return torch.sigmoid(torch.sigmoid(z))
""",
            """
import torch

def gate(z):
    return torch.sigmoid(z)
""",
        ),
        FixExample(
            """
import torch.nn.functional as F

def probs(logits):
    return F.softmax(F.softmax(logits, dim=-1), dim=-1)
""",
            """
import torch.nn.functional as F

def probs(logits):
    return F.softmax(logits, dim=-1)
""",
        ),
    )

    flows = tuple(
        Flow("TL011", inner, frozenset({outer}), Reported.AT_CONSUMER,
             "{consumer} is applied to the output of {producer}: " + effect + ". Apply one activation to the logits.",
             evidence="{producer} is applied first, here", through_calls=False)
        for inner, outer, effect in (
            (Kind.PROBS, Consumer.SOFTMAX, "a softmax of probabilities flattens the distribution towards uniform"),
            (Kind.SIGMOID, Consumer.SIGMOID,
             "a sigmoid of values in (0, 1) lies in (0.5, 0.73) and carries almost no signal"),
            (Kind.PROBS, Consumer.LOG_SOFTMAX, "log_softmax of probabilities is not log-probabilities of the logits"),
            (Kind.LOG_PROBS, Consumer.SOFTMAX,
             "softmax of log-probabilities gives back the probabilities (log_softmax was wasted)"),
        )
    )

    def fix(self, flow, origins, use):
        return drop_inner(use.site, origins[0]) if len(origins) == 1 else None


@guarded
def drop_inner(outer_site, origin) -> Fix | None:
    """TL011: `torch.sigmoid(torch.sigmoid(z))` -> `torch.sigmoid(z)`."""
    if not usable(outer_site) or origin.source is not outer_site.source:
        return None
    source, outer, inner = outer_site.source, outer_site.node, origin.node
    form = call_form(source, outer)
    if form is None or call_form(source, inner) != form or input_node(outer, form == "method") is not inner:
        return None
    if form == "function":
        same = text_of(source, outer.func) == text_of(source, inner.func)
    else:
        same = outer.func.attr.value == inner.func.attr.value
    skip = 1 if form == "function" else 0

    def rest(call):
        return [(arg.keyword.value if arg.keyword else None, text_of(source, arg.value)) for arg in call.args[skip:]]

    if not same or rest(outer) != rest(inner):
        return None
    edit = unwrap(source, inner)
    return make_fix(SAFE, f"Remove the inner {origin.label}", [edit])
