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

    # Equal to its text ("safe"), so it hashes as its text; false only for NONE ("is it fixable?").
    def __hash__(self) -> int:
        return hash(self.value)

    def __bool__(self) -> bool:
        return self is not Fixability.NONE


class Consumer(enum.Enum):
    """What reads a value and cares what it holds: a loss's input, a log, a second activation."""

    CROSS_ENTROPY = "cross-entropy"
    NLL = "nll"
    BCE = "bce"
    BCE_WITH_LOGITS = "bce-with-logits"
    KL_DIV = "kl-div"
    LOG = "log"
    ARGMAX = "argmax"
    # A second activation applied to the value (`softmax(softmax(x))`, `softmax(sigmoid(x))`).
    SOFTMAX = "softmax"
    LOG_SOFTMAX = "log-softmax"
    SIGMOID = "sigmoid"


LOSS_CONSUMERS = frozenset(
    {Consumer.CROSS_ENTROPY, Consumer.NLL, Consumer.BCE, Consumer.BCE_WITH_LOGITS, Consumer.KL_DIV}
)
# An activation of this kind, applied to a value, is this consumer of it.
ACTIVATION_CONSUMERS: dict[Kind, Consumer] = {
    Kind.PROBS: Consumer.SOFTMAX,
    Kind.LOG_PROBS: Consumer.LOG_SOFTMAX,
    Kind.SIGMOID: Consumer.SIGMOID,
}


class Reported(enum.Enum):
    """Where a flow rule's finding is: the activation (the line the user edits) or the consumer."""

    AT_PRODUCER = "producer"
    AT_CONSUMER = "consumer"


class _Fields(dict):
    """Template fields; a field the template names and the caller did not give is an error."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"message field {{{key}}} not given")


def render(template: str, **fields: object) -> str:
    """A message from its template; the static rules and the watcher both call this."""
    return template.format_map(_Fields(fields))


@dataclass(frozen=True)
class Flow:
    """A value of `kind` reaching one of `consumers` is a finding of rule `code`.

    `message` is the finding's text, a template over `{producer}` (the activation: its label,
    or the labels of several joined by commas), `{consumer}` (the loss, log or activation that
    receives it), `{at}` (where the consumer is) and `{route}` (" (through fit at train.py:9)"
    when the value went through calls; empty at runtime). `evidence` is the note on the other
    end's related location (at the consumer when the finding is at the producer, and the other
    way round). `shifted_message`, if any, replaces `message` when the value was moved off 0
    (`p + eps`, `p.clamp(min=eps)`), and then no fix is offered. `through_calls=False`: the
    message and the related locations do not name the calls on the way. `by_values`, if any, is
    the watcher's message when it recognises the kind from the values alone, with no producer
    seen (`{consumer}`, and `{seen}`: what the values were).
    """

    code: str
    kind: Kind
    consumers: frozenset[Consumer]
    reported: Reported
    message: str
    evidence: str = ""
    shifted_message: str | None = None
    through_calls: bool = True
    by_values: str | None = None

    def __post_init__(self) -> None:
        if not self.evidence:
            default = ("{consumer} receives the " + self.kind.value + " here" if self.reported is Reported.AT_PRODUCER
                       else "{producer} produces the " + self.kind.value + " here")
            object.__setattr__(self, "evidence", default)


@dataclass(frozen=True)
class RuleInfo:
    """What every rule is, static or runtime: code, name, severity, whether it fixes, and its flows."""

    code: str
    name: str
    severity: Severity
    fixability: Fixability
    summary: str
    flows: tuple[Flow, ...] = ()
    # The message template of a rule with its own check (flow rules have one per flow).
    message: str = ""
    # Whether the watcher reports it (not TL000 and TL100, which the static run makes).
    runtime: bool = True


class Catalog:
    """Every rule by code, and the flow table: (kind, consumer) -> the flows that report it."""

    def __init__(self, rules: "tuple[RuleInfo, ...]") -> None:
        self.rules = rules
        self.by_code = {rule.code: rule for rule in rules}
        self.codes = tuple(rule.code for rule in rules)
        self.runtime_codes = tuple(rule.code for rule in rules if rule.runtime)
        table: dict[tuple[Kind, Consumer], list[Flow]] = {}
        for rule in rules:
            for flow in rule.flows:
                for consumer in flow.consumers:
                    table.setdefault((flow.kind, consumer), []).append(flow)
        self._table = {key: tuple(flows) for key, flows in table.items()}

    def flows(self, kind: Kind, consumer: Consumer) -> tuple[Flow, ...]:
        """The flows a value of `kind` reaching `consumer` triggers (most often none or one)."""
        return self._table.get((kind, consumer), ())

    def rule(self, code: str) -> RuleInfo:
        return self.by_code[code]
