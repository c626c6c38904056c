"""The rule registry: one module per rule."""

from __future__ import annotations

from .base import Rule
from .tl000_parse_error import ParseError
from .tl001_softmax_before_cross_entropy import SoftmaxBeforeCrossEntropy
from .tl002_softmax_implicit_dim import SoftmaxImplicitDim
from .tl003_sigmoid_multiclass import SigmoidMulticlass
from .tl004_softmax_before_nll_loss import SoftmaxBeforeNllLoss
from .tl005_sigmoid_before_bce_with_logits import SigmoidBeforeBceWithLogits
from .tl006_log_of_softmax import LogOfSoftmax
from .tl007_logits_into_bce import LogitsIntoBce
from .tl008_probabilities_into_kl_div import ProbabilitiesIntoKlDiv
from .tl009_log_softmax_before_cross_entropy import LogSoftmaxBeforeCrossEntropy
from .tl010_activation_on_logits import ActivationOnLogits
from .tl011_double_activation import DoubleActivation
from .tl012_logits_into_nll_loss import LogitsIntoNllLoss
from .tl013_softmax_over_batch import SoftmaxOverBatch
from .tl014_sigmoid_then_bce import SigmoidThenBce
from .tl015_softmax_single_output import SoftmaxSingleOutput
from .tl016_log_of_sigmoid import LogOfSigmoid
from .tl100_unused_noqa import UnusedNoqa

PARSE_ERROR = ParseError
UNUSED_NOQA = UnusedNoqa

ALL_RULES: tuple[type[Rule], ...] = (
    ParseError,
    SoftmaxBeforeCrossEntropy,
    SoftmaxImplicitDim,
    SigmoidMulticlass,
    SoftmaxBeforeNllLoss,
    SigmoidBeforeBceWithLogits,
    LogOfSoftmax,
    LogitsIntoBce,
    ProbabilitiesIntoKlDiv,
    LogSoftmaxBeforeCrossEntropy,
    ActivationOnLogits,
    DoubleActivation,
    LogitsIntoNllLoss,
    SoftmaxOverBatch,
    SigmoidThenBce,
    SoftmaxSingleOutput,
    LogOfSigmoid,
    UnusedNoqa,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}


def get_rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code.upper())
