"""TL008 probabilities-into-kl-div: a softmax output as the input of KLDivLoss."""

from __future__ import annotations

from ..catalog import Consumer, Fixability, Flow, Kind, Reported, Severity
from ._fixes import to_log_softmax
from .base import Example, FixExample, FlowRule


class ProbabilitiesIntoKlDiv(FlowRule):
    code = "TL008"
    name = "probabilities-into-kl-div"
    severity = Severity.ERROR
    fixable = Fixability.SOMETIMES
    summary = "Softmax output is passed as the input of KLDivLoss (it expects log-probabilities)"
    docs = """
## What it does
Checks for a softmax (or sigmoid) output that reaches the *input* (first argument) of
`nn.KLDivLoss` or `F.kl_div`, through variables, attributes, `nn.Sequential`,
a model's `forward`, helpers and other files. The *target* (second argument)
is probabilities by design and is never reported.

## Why is this bad?
Unlike most losses, `kl_div(input, target)` takes its input as
log-probabilities and computes `target * (log(target) - input)`. Given
probabilities, the result is not a divergence at all: it can be negative
(about -1.6 for a distribution compared with itself, where the true KL is 0),
and minimising it pushes the wrong quantity. Knowledge-distillation code is
the usual victim; nothing raises.

## Known problems
Only the input is checked: a target given as log-probabilities without
`log_target=True` is not reported.

## Example
```python
loss = F.kl_div(F.softmax(student, dim=1), F.softmax(teacher, dim=1), reduction="batchmean")
```

## Use instead
```python
loss = F.kl_div(F.log_softmax(student, dim=1), F.softmax(teacher, dim=1), reduction="batchmean")
```

## Fix safety
The fix turns the softmax into `log_softmax` (`nn.Softmax` into
`nn.LogSoftmax`), same `dim`. It is safe when the softmax feeds only this loss
in the same function; otherwise unsafe, because other readers of the value
then get log-probabilities. A sigmoid output gets no fix.

## References
- https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html
- https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html
"""
    valid = (
        """
import torch.nn.functional as F

def distill(student_logits, teacher_logits, T=2.0):
    soft_targets = F.softmax(teacher_logits / T, dim=1)
    return F.kl_div(F.log_softmax(student_logits / T, dim=1), soft_targets, reduction="batchmean")
""",
        """
import torch.nn.functional as F
from torch import nn

criterion = nn.KLDivLoss(reduction="batchmean", log_target=True)

def loss_of(student, teacher):
    return criterion(F.log_softmax(student, dim=-1), F.log_softmax(teacher, dim=-1))
""",
    )
    invalid = (
        """
import torch
import torch.nn.functional as F

def match(scores, target_probs):
    return F.kl_div(torch.sigmoid(scores), target_probs, reduction="batchmean")  # expect
""",
        """
import torch.nn.functional as F

def distill(student_logits, teacher_logits):
    p_student = F.softmax(student_logits, dim=1)  # expect
    p_teacher = F.softmax(teacher_logits, dim=1)
    return F.kl_div(p_student, p_teacher, reduction="batchmean")
""",
        """
import torch
from torch import nn

class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)  # expect

kl = nn.KLDivLoss(reduction="batchmean")

def kd_loss(pred, target):
    return kl(pred, target)

def step(x, teacher_probs):
    return kd_loss(Student()(x), teacher_probs)
""",
        Example(files={
            "student.py": """
import torch.nn.functional as F

def predict(model, x):
    return F.softmax(model(x), dim=1)  # expect
""",
            "train.py": """
import torch.nn.functional as F
from student import predict

def step(model, x, target):
    return F.kl_div(predict(model, x), target, reduction="batchmean")
""",
        }),
    )


    fixes = (
        FixExample(
            """
import torch.nn.functional as F

def distill(student_logits, teacher_probs):
    return F.kl_div(F.softmax(student_logits, dim=-1), teacher_probs, reduction="batchmean")
""",
            """
import torch.nn.functional as F

def distill(student_logits, teacher_probs):
    return F.kl_div(F.log_softmax(student_logits, dim=-1), teacher_probs, reduction="batchmean")
""",
        ),
    )

    flows = tuple(
        Flow("TL008", kind, frozenset({Consumer.KL_DIV}), Reported.AT_PRODUCER,
             "{producer} output is the input of {consumer} at {at}{route}, which expects log-probabilities (only "
             "the target is probabilities): the result is not a divergence and can be negative. Use log_softmax "
             "for the input.",
             by_values="the input of {consumer} looks like probabilities ({seen}); it expects log-probabilities. "
             "Use F.log_softmax.")
        for kind in (Kind.PROBS, Kind.SIGMOID)
    )

    def fix(self, flow, origins, use):
        return to_log_softmax(origins[0], use.event)
