"""What torchlint knows about the torch API, as data.

Three tables drive the whole value-flow engine:

* producers: calls (functions, tensor methods, nn modules) whose output has a known kind;
* losses: calls that consume a prediction (`input`) and a `target`;
* preserving methods: tensor methods whose result means the same as their receiver.

A new rule about a new torch function needs a row here, not a new code path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .kinds import Kind


@dataclass(frozen=True)
class Producer:
    """A torch callable whose output has a known abstract kind."""

    qualname: str
    kind: Kind
    label: str  # how messages name it, e.g. "F.softmax"
    # Position of the `dim` argument for functional forms (counting the input),
    # or for module constructors (counting from the first argument). None: no dim.
    dim_position: int | None = None
    # True for the functions that silently pick a dim when none is given.
    implicit_dim: bool = False
    is_module: bool = False


@dataclass(frozen=True)
class Loss:
    qualname: str
    family: str  # cross_entropy, nll, bce, bce_with_logits, kl_div, ...
    label: str
    is_module: bool = False


def _functional(name: str, kind: Kind, *, dim: int | None = None, implicit: bool = False) -> list[Producer]:
    return [
        Producer(f"torch.nn.functional.{name}", kind, f"F.{name}", dim, implicit),
    ]


PRODUCERS: dict[str, Producer] = {}


def _add(*producers: Producer) -> None:
    for producer in producers:
        PRODUCERS[producer.qualname] = producer


# Functional forms. F.softmax/log_softmax/softmin accept a missing dim (with a
# deprecation warning and a shape-dependent guess); torch.softmax does not.
_add(*_functional("softmax", Kind.PROBS, dim=1, implicit=True))
_add(*_functional("softmin", Kind.PROBS, dim=1, implicit=True))
_add(*_functional("log_softmax", Kind.LOG_PROBS, dim=1, implicit=True))
_add(*_functional("sigmoid", Kind.SIGMOID))
_add(
    Producer("torch.softmax", Kind.PROBS, "torch.softmax", 1),
    Producer("torch.log_softmax", Kind.LOG_PROBS, "torch.log_softmax", 1),
    Producer("torch.special.softmax", Kind.PROBS, "torch.special.softmax", 1),
    Producer("torch.special.log_softmax", Kind.LOG_PROBS, "torch.special.log_softmax", 1),
    Producer("torch.sigmoid", Kind.SIGMOID, "torch.sigmoid"),
    Producer("torch.special.expit", Kind.SIGMOID, "torch.special.expit"),
)
# Module forms: the constructor's first argument is the dim.
_add(
    Producer("torch.nn.Softmax", Kind.PROBS, "nn.Softmax", 0, implicit_dim=True, is_module=True),
    Producer("torch.nn.Softmin", Kind.PROBS, "nn.Softmin", 0, implicit_dim=True, is_module=True),
    Producer("torch.nn.LogSoftmax", Kind.LOG_PROBS, "nn.LogSoftmax", 0, implicit_dim=True, is_module=True),
    Producer("torch.nn.Softmax2d", Kind.PROBS, "nn.Softmax2d", None, is_module=True),
    Producer("torch.nn.Sigmoid", Kind.SIGMOID, "nn.Sigmoid", is_module=True),
)

# Layers whose output is unbounded: raw scores ("logits") when nothing follows.
for _layer in ("Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d",
               "LazyConv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
    _add(Producer(f"torch.nn.{_layer}", Kind.LOGITS, f"nn.{_layer}", is_module=True))
_add(Producer("torch.nn.functional.linear", Kind.LOGITS, "F.linear"))

# Tensor methods, matched by name on a receiver that may be a tensor.
TENSOR_METHOD_PRODUCERS: dict[str, Producer] = {
    "softmax": Producer("torch.Tensor.softmax", Kind.PROBS, "Tensor.softmax", 0),
    "log_softmax": Producer("torch.Tensor.log_softmax", Kind.LOG_PROBS, "Tensor.log_softmax", 0),
    "sigmoid": Producer("torch.Tensor.sigmoid", Kind.SIGMOID, "Tensor.sigmoid"),
}

# Tensor methods (and torch functions taking the tensor first) whose result has
# the same meaning as the input: layout, dtype, device, indexing.
PRESERVING_METHODS: frozenset[str] = frozenset(
    {
        "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "flatten",
        "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "contiguous", "clone",
        "detach", "requires_grad_", "type", "type_as",
        # Layout changes: still the same values, along a different dim.
        "permute", "transpose", "swapaxes", "movedim", "t",
    }
)
# The subset that keeps every element where it was (so a softmax dim stays valid).
ELEMENTWISE_METHODS: frozenset[str] = frozenset(
    {"float", "double", "half", "bfloat16", "to", "cpu", "cuda", "contiguous", "clone", "detach",
     "requires_grad_", "type", "type_as"}
)
PRESERVING_FUNCTIONS: frozenset[str] = frozenset(
    {"torch.squeeze", "torch.unsqueeze", "torch.reshape", "torch.flatten", "torch.clone"}
)

LOSSES: dict[str, Loss] = {}
for _name, _family in (
    ("cross_entropy", "cross_entropy"),
    ("nll_loss", "nll"),
    ("binary_cross_entropy", "bce"),
    ("binary_cross_entropy_with_logits", "bce_with_logits"),
    ("kl_div", "kl_div"),
):
    LOSSES[f"torch.nn.functional.{_name}"] = Loss(f"torch.nn.functional.{_name}", _family, f"F.{_name}")
for _name, _family in (
    ("CrossEntropyLoss", "cross_entropy"),
    ("NLLLoss", "nll"),
    ("BCELoss", "bce"),
    ("BCEWithLogitsLoss", "bce_with_logits"),
    ("KLDivLoss", "kl_div"),
):
    LOSSES[f"torch.nn.{_name}"] = Loss(f"torch.nn.{_name}", _family, f"nn.{_name}", is_module=True)

# Container modules whose call applies their members in order.
SEQUENTIAL = "torch.nn.Sequential"
# nn.Module methods that return the module itself.
MODULE_SELF_METHODS: frozenset[str] = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_", "to_empty"}
)
NN_MODULE = "torch.nn.Module"


def canonical(qualname: str) -> str:
    """Map the places torch defines a name to the name users import.

    `torch.nn.modules.loss.CrossEntropyLoss` is `torch.nn.CrossEntropyLoss`.
    """
    if qualname.startswith("torch.nn.modules."):
        parts = qualname.split(".")
        if len(parts) >= 5:
            return "torch.nn." + ".".join(parts[4:])
    if qualname.startswith("torch.nn.functional.") or qualname.startswith("torch.nn."):
        return qualname
    return qualname
