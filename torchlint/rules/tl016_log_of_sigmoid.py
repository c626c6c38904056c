"""TL016 log-of-sigmoid: `torch.log(torch.sigmoid(x))` instead of `F.logsigmoid(x)`."""

from __future__ import annotations

from ..catalog import Fixability, Kind, Severity
from ..findings import Fix
from ._fixes import SAFE, call_form, callee_attr, cst, first_arg_is, guarded, input_node, make_fix, replace, text_of, \
    usable
from .base import FixExample, FlowRule
from .tl006_log_of_softmax import log_flow


class LogOfSigmoid(FlowRule):
    code = "TL016"
    name = "log-of-sigmoid"
    severity = Severity.WARNING
    fixable = Fixability.SAFE
    summary = "`torch.log` of a sigmoid output (also after `+ eps` or a clamp): use F.logsigmoid"
    docs = """
## What it does
Checks for the natural logarithm (`torch.log(s)`, `s.log()`) of a sigmoid
output (`torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`, `nn.Sigmoid`,
`torch.special.expit`), following the value through variables, attributes,
returns, calls and other files; also after a small constant or a clamp
(`torch.log(torch.sigmoid(z) + 1e-8)`, `torch.sigmoid(z).clamp(min=eps).log()`).

## Why is this bad?
In float32, `sigmoid(z)` rounds to exactly 0 once `z` is below about -88,
and its log is `-inf`: the loss and every gradient after it become NaN. Near
that point the two-step value has already lost its precision. With `+ eps`
the log stops at `log(eps)`, and a confidently wrong score gives no gradient
at all. `F.logsigmoid(z)` computes `-softplus(-z)` directly: exact, finite for
every `z`, and it keeps the gradient.

## Example
```python
log_p = torch.log(torch.sigmoid(score))
log_p = torch.sigmoid(score).log()
```

## Use instead
```python
log_p = F.logsigmoid(score)
log_not_p = F.logsigmoid(-score)  # log(1 - sigmoid(score))
```

## Fix safety
The fix is safe: `torch.log(torch.sigmoid(z))` and `z.sigmoid().log()` become
`F.logsigmoid(z)` (through the name the file already uses for
`torch.nn.functional`), the same value wherever the original is finite. It is
offered only for direct nesting, never after `+ eps` or a clamp.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html
"""
    valid = (
        """
import torch.nn.functional as F

def log_gate(score):
    return F.logsigmoid(score)
""",
        """
import torch

def log_odds(score):
    p = torch.sigmoid(score)
    return torch.log1p(-p)  # log(1 - p): not a log of the sigmoid output itself
""",
    )
    invalid = (
        """
import torch

def log_gate(score):
    gate = torch.sigmoid(score)
    return gate.log()  # expect
""",
        """
import torch
from torch import nn

class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
        self.act = nn.Sigmoid()

    def forward(self, x):
        return self.act(self.fc(x))

def log_likelihood(gate, x):
    return torch.log(gate(x) + 1e-7)  # expect

log_likelihood(Gate(), x)
""",
    )
    fixes = (
        FixExample(
            """
import torch
from torch.nn import functional as fn

def log_gate(score):
    return torch.sigmoid(score).log() + torch.log(score.sigmoid())
""",
            """
from torch.nn import functional as fn

def log_gate(score):
    return fn.logsigmoid(score) + fn.logsigmoid(score)
""",
        ),
        FixExample(
            """
import torch

def log_gate(score):
    return torch.log(torch.sigmoid(score))
""",
            """
import torch

def log_gate(score):
    return torch.nn.functional.logsigmoid(score)
""",
        ),
    )

    flows = (log_flow("TL016", Kind.SIGMOID, "F.logsigmoid"),)

    def fix(self, flow, origins, use):
        return log_of_sigmoid(use.site, origins[0]) if len(origins) == 1 else None


def _functional_name(source) -> str | None:
    """How the file reaches torch.nn.functional: `F`, `functional`, or `torch.nn.functional` via `import torch`."""
    plain_torch = False
    for line in source.module.body:
        for statement in getattr(line, "body", ()) if isinstance(line, cst.SimpleStatementLine) else ():
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    name = _dotted_name(alias.name)
                    if name == "torch.nn.functional" and alias.asname is not None:
                        return alias.asname.name.value
                    plain_torch |= name == "torch" and alias.asname is None
            elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar) \
                    and _dotted_name(statement.module) == "torch.nn" and not statement.relative:
                for alias in statement.names:
                    if _dotted_name(alias.name) == "functional":
                        return alias.asname.name.value if alias.asname is not None else "functional"
    return "torch.nn.functional" if plain_torch else None


def _dotted_name(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted_name(node.value) + "." + node.attr.value
    return ""


@guarded
def log_of_sigmoid(log_site, origin) -> Fix | None:
    """TL016: `torch.log(torch.sigmoid(x))` / `x.sigmoid().log()` -> `F.logsigmoid(x)` (the file's name for F)."""
    if not usable(log_site) or origin.source is not log_site.source:
        return None
    source, log_call, inner = log_site.source, log_site.node, origin.node
    form = call_form(source, inner)
    if callee_attr(inner) != "sigmoid" or form is None:
        return None
    if form == "function" and len(inner.args) != 1:
        return None
    method_log = isinstance(log_call.func, cst.Attribute) and log_call.func.value is inner and not log_call.args
    function_log = len(log_call.args) == 1 and first_arg_is(log_call, inner)
    functional = _functional_name(source)
    value = input_node(inner, form == "method")
    if not (method_log or function_log) or functional is None or value is None:
        return None
    value_text = text_of(source, value)
    if "#" in text_of(source, log_call).replace(value_text, "", 1):
        return None
    return make_fix(SAFE, "Use logsigmoid", [replace(source, log_call, f"{functional}.logsigmoid({value_text})")])
