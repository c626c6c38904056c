"""What the interpreter records for the rules: losses called, activations applied, logs taken.

Rules read these events (`ModuleFacts`); they never walk the tree. An event
recorded inside a call interpreted with the caller's values carries the chain
of calls that led there (`via`, outermost first), so a finding can say how the
value reached its consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from .values import Site, Value

if TYPE_CHECKING:  # pragma: no cover
    from ..parsing import ParsedModule
    from . import torch_api as api


class Mode(Enum):
    """The training mode of a path (`if self.training:` splits it): an event records the mode
    of the path it was recorded on, and a function's returns made only in eval mode do not
    count for its result. Never serialised (events and flow states live in one run)."""

    ANY = "any"  # not split, or joined again
    TRAIN = "train"
    EVAL = "eval"

    def other(self) -> "Mode":
        """The other side of a split (ANY has none: itself)."""
        return Mode.EVAL if self is Mode.TRAIN else Mode.TRAIN if self is Mode.EVAL else self


@dataclass
class LossCall:
    """A loss called with an input and a target."""

    loss: "api.Loss"
    site: Site
    input: Value
    target: Value
    mode: Mode = Mode.ANY
    # Calls of user functions on the way to the loss: a helper the value was passed to
    # (`compute_loss(probs, y)`), or the calls that brought the model or the loss here
    # (`fit(model, criterion)`).
    via: tuple[Site, ...] = ()
    # Where a loss object was constructed (`nn.NLLLoss()`), for fixes.
    constructor: Site | None = None


@dataclass
class ActivationCall:
    """An activation (softmax, sigmoid, ...) applied to a value."""

    producer: "api.Producer"
    site: Site
    input: Value
    mode: Mode = Mode.ANY
    dim: int | None = None  # the literal `dim`, when given
    via: tuple[Site, ...] = ()


@dataclass
class LogCall:
    """`torch.log(x)` or `x.log()`: the natural logarithm of a value."""

    site: Site
    input: Value
    mode: Mode = Mode.ANY
    via: tuple[Site, ...] = ()


@dataclass
class ArgmaxCall:
    """`torch.argmax(x, ...)` or `x.argmax(...)`: a value used to pick a class."""

    site: Site
    input: Value
    mode: Mode = Mode.ANY
    via: tuple[Site, ...] = ()


@dataclass
class ImplicitDim:
    """A softmax-family call or module constructed without `dim`."""

    producer: "api.Producer"
    site: Site


@dataclass
class ModuleFacts:
    """Everything the rules may ask about one module."""

    module: "ParsedModule"
    loss_calls: list[LossCall] = field(default_factory=list)
    activation_calls: list[ActivationCall] = field(default_factory=list)
    implicit_dims: list[ImplicitDim] = field(default_factory=list)
    log_calls: list[LogCall] = field(default_factory=list)
    argmax_calls: list[ArgmaxCall] = field(default_factory=list)
