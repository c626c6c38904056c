"""The catalog's vocabulary: what values are, what consumes them, and how a rule is described.

One module, imported by the static analysis, the rules, the runtime watcher and the
reporters alike, and importing neither torch nor LibCST. A rule's meaning is written once:

* `Kind`: what a tensor holds (probabilities, log-probabilities, sigmoid outputs, raw
  scores, the output of a clipping activation, unknown);
* `Consumer`: what reads it and cares (each loss, `log`, `argmax`, a second activation);
* `Severity`, `Fixability`, `Reported`: a rule's metadata, as enums;
* `Flow` and `FlowTable`: the "kind K reaches consumer C" rules, as declarations. A flow
  rule in `rules/` declares its flows; `rules.CATALOG` is the table of all of them, which the
  static check loop and the watcher both look up, rendering one message template.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    UNKNOWN = "unknown"
    PROBS = "probabilities"
    LOG_PROBS = "log-probabilities"
    SIGMOID = "sigmoid output"
    LOGITS = "raw scores"
    # The output of an elementwise nonlinearity other than softmax/sigmoid
    # (ReLU, Tanh, ELU, GELU, ...); the producer names which one.
    ACTIVATED = "activation output"
    # `log(sigmoid(x))`, as the watcher tags it: no rule takes it as an input.
    LOG_SIGMOID = "log-sigmoid output"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Fixability(str, enum.Enum):
    """Whether a rule's findings carry a fix: never, always safe, always unsafe, or case by case."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"
    SOMETIMES = "sometimes"
