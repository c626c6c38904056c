"""The rule registry: one module per rule."""

from __future__ import annotations

from .base import Rule
from .tl000_parse_error import ParseError
from .tl001_softmax_before_cross_entropy import SoftmaxBeforeCrossEntropy
from .tl002_softmax_implicit_dim import SoftmaxImplicitDim
from .tl003_sigmoid_multiclass import SigmoidMulticlass
from .tl100_unused_noqa import UnusedNoqa

PARSE_ERROR = ParseError
UNUSED_NOQA = UnusedNoqa

ALL_RULES: tuple[type[Rule], ...] = (
    ParseError,
    SoftmaxBeforeCrossEntropy,
    SoftmaxImplicitDim,
    SigmoidMulticlass,
    UnusedNoqa,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}


def get_rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code.upper())
