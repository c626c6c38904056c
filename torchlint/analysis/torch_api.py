"""What torchlint knows about the torch API, as data.

These tables drive the whole value-flow engine:

* producers: calls (functions, tensor methods, nn modules) whose output has a known kind
  (softmax, sigmoid, other activations, linear layers);
* losses: calls that consume a prediction (`input`) and a `target`;
* preserving methods: tensor methods whose result means the same as their receiver;
* consumers the rules watch besides losses: `log`, `argmax`;
* shape sources: creation functions whose arguments give the rank.

A new rule about a new torch function needs a row here, not a new code path. What the
values are and what consumes them is the catalog's vocabulary (`torchlint/catalog.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Consumer, Kind


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
    # For linear layers: where the constructor takes `out_features` (counting
    # from the first argument), so that a literal gives the output's last size.
    out_position: int | None = None


@dataclass(frozen=True)
class Loss:
    qualname: str
    consumer: Consumer  # which loss it is, in the catalog's words
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
for _layer, _out in (("Linear", 1), ("Bilinear", 2), ("LazyLinear", 0)):
    _add(Producer(f"torch.nn.{_layer}", Kind.LOGITS, f"nn.{_layer}", is_module=True, out_position=_out))
for _layer in ("Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d",
               "LazyConv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
    _add(Producer(f"torch.nn.{_layer}", Kind.LOGITS, f"nn.{_layer}", is_module=True))
_add(Producer("torch.nn.functional.linear", Kind.LOGITS, "F.linear"))

# Other elementwise nonlinearities: their output is no longer raw scores (ReLU
# zeroes the negative ones, Tanh squeezes them into (-1, 1), ...). A layer
# applied after them makes logits again.
ACTIVATIONS: dict[str, tuple[str, ...]] = {
    # functional name: (nn module names), torch.* / Tensor method forms follow below
    "relu": ("ReLU",), "relu6": ("ReLU6",), "tanh": ("Tanh",), "hardtanh": ("Hardtanh",),
    "elu": ("ELU",), "selu": ("SELU",), "celu": ("CELU",), "gelu": ("GELU",),
    "leaky_relu": ("LeakyReLU",), "softplus": ("Softplus",), "silu": ("SiLU",), "mish": ("Mish",),
    "hardswish": ("Hardswish",), "hardsigmoid": ("Hardsigmoid",), "softsign": ("Softsign",),
    "logsigmoid": ("LogSigmoid",), "prelu": ("PReLU",), "rrelu": ("RReLU",),
}
for _name, _modules in ACTIVATIONS.items():
    _add(*_functional(_name, Kind.ACTIVATED))
    for _module in _modules:
        _add(Producer(f"torch.nn.{_module}", Kind.ACTIVATED, f"nn.{_module}", is_module=True))
for _name in ("relu", "tanh", "selu", "celu", "prelu", "rrelu"):
    _add(Producer(f"torch.{_name}", Kind.ACTIVATED, f"torch.{_name}"))

# Tensor methods, matched by name on a receiver that may be a tensor.
TENSOR_METHOD_PRODUCERS: dict[str, Producer] = {
    "softmax": Producer("torch.Tensor.softmax", Kind.PROBS, "Tensor.softmax", 0),
    "log_softmax": Producer("torch.Tensor.log_softmax", Kind.LOG_PROBS, "Tensor.log_softmax", 0),
    "sigmoid": Producer("torch.Tensor.sigmoid", Kind.SIGMOID, "Tensor.sigmoid"),
    "relu": Producer("torch.Tensor.relu", Kind.ACTIVATED, "Tensor.relu"),
    "tanh": Producer("torch.Tensor.tanh", Kind.ACTIVATED, "Tensor.tanh"),
}

# The natural logarithm: `torch.log(p)` and `p.log()` (log of a softmax is TL006).
LOG_FUNCTIONS: frozenset[str] = frozenset({"torch.log"})
LOG_METHODS: frozenset[str] = frozenset({"log"})
# The exponential undoes a log_softmax: `torch.exp(log_softmax(x))` is a softmax output.
EXP_FUNCTIONS: frozenset[str] = frozenset({"torch.exp"})
EXP_METHODS: frozenset[str] = frozenset({"exp"})
# Consumers that pick the winning class: a softmax before them must run over classes.
ARGMAX_FUNCTIONS: frozenset[str] = frozenset({"torch.argmax"})
ARGMAX_METHODS: frozenset[str] = frozenset({"argmax"})
# Creation functions whose positional sizes give the rank: torch.randn(B, C).
CREATION_FUNCTIONS: frozenset[str] = frozenset(
    {"torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty"}
)

# Tensor methods (and torch functions taking the tensor first) whose result has
# the same meaning as the input: layout, dtype, device, indexing.
PRESERVING_METHODS: frozenset[str] = frozenset(
    {
        "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "flatten", "resize", "resize_as",
        "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "contiguous", "clone",
        "detach", "requires_grad_", "type", "type_as",
        # Layout changes: still the same values, along a different dim.
        "permute", "transpose", "swapaxes", "movedim", "t",
        # Selections: some of the same values (`pi.gather(1, actions)` before a log).
        "gather", "index_select", "take_along_dim",
    }
)
# The subset that keeps every element where it was (so a softmax dim stays valid).
ELEMENTWISE_METHODS: frozenset[str] = frozenset(
    {"float", "double", "half", "bfloat16", "to", "cpu", "cuda", "contiguous", "clone", "detach",
     "requires_grad_", "type", "type_as"}
)
PRESERVING_FUNCTIONS: frozenset[str] = frozenset(
    {"torch.squeeze", "torch.unsqueeze", "torch.reshape", "torch.flatten", "torch.clone", "torch.gather",
     "torch.index_select", "torch.take_along_dim"}
)

LOSSES: dict[str, Loss] = {}
for _name, _consumer in (
    ("cross_entropy", Consumer.CROSS_ENTROPY),
    ("nll_loss", Consumer.NLL),
    ("binary_cross_entropy", Consumer.BCE),
    ("binary_cross_entropy_with_logits", Consumer.BCE_WITH_LOGITS),
    ("kl_div", Consumer.KL_DIV),
):
    LOSSES[f"torch.nn.functional.{_name}"] = Loss(f"torch.nn.functional.{_name}", _consumer, f"F.{_name}")
for _name, _consumer in (
    ("CrossEntropyLoss", Consumer.CROSS_ENTROPY),
    ("NLLLoss", Consumer.NLL),
    ("BCELoss", Consumer.BCE),
    ("BCEWithLogitsLoss", Consumer.BCE_WITH_LOGITS),
    ("KLDivLoss", Consumer.KL_DIV),
):
    LOSSES[f"torch.nn.{_name}"] = Loss(f"torch.nn.{_name}", _consumer, f"nn.{_name}", is_module=True)

# Functions that call their first argument on the rest: `data_parallel(module, input)`
# is `module(input)`, `checkpoint(block, x)` is `block(x)`.
APPLY_FUNCTIONS: frozenset[str] = frozenset(
    {"torch.nn.parallel.data_parallel", "torch.utils.checkpoint.checkpoint"}
)

# Calls that return the model they are given, to be called the same way: a wrapper
# (`nn.DataParallel(model)`, DDP, FSDP; `wrapper.module` is the model again) or a compiler.
MODEL_WRAPPERS: frozenset[str] = frozenset(
    {"torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
     "torch.nn.parallel.distributed.DistributedDataParallel",
     "torch.distributed.fsdp.FullyShardedDataParallel", "torch.compile", "torch.jit.script", "torch.jit.trace",
     "torch.nn.SyncBatchNorm.convert_sync_batchnorm"}
)
# Functions that combine a list of tensors into one of the same meaning: torch.stack adds a dim.
COMBINING_FUNCTIONS: dict[str, int] = {"torch.stack": 1, "torch.cat": 0, "torch.concat": 0,
                                       "torch.concatenate": 0, "torch.vstack": 0, "torch.hstack": 0}
# A clamp keeps probabilities probabilities (`p.clamp(min=eps)` before a log): their position
# of the lower bound, counting the input for the functions.
CLAMP_METHODS: frozenset[str] = frozenset({"clamp", "clamp_", "clamp_min", "clamp_min_", "clip", "clip_"})
CLAMP_FUNCTIONS: frozenset[str] = frozenset({"torch.clamp", "torch.clip", "torch.clamp_min"})

# Modules that hand their input on unchanged in meaning (inside nn.Sequential).
PASS_THROUGH_MODULES: frozenset[str] = frozenset(
    {
        "torch.nn.Identity", "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d",
        "torch.nn.Dropout3d", "torch.nn.AlphaDropout", "torch.nn.Flatten", "torch.nn.Unflatten",
    }
)
# Decorators that leave a function's return value alone.
TRANSPARENT_DECORATORS: frozenset[str] = frozenset(
    {"staticmethod", "classmethod", "torch.no_grad", "torch.inference_mode", "torch.compile", "torch.jit.ignore",
     "torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast", "torch.compiler.disable",
     "torch.enable_grad", "torch.jit.export", "torch.jit.unused", "functools.wraps", "property", "abstractmethod",
     "abc.abstractmethod", "override", "typing.override"}
)
# Class decorators (and bases) whose classes get a constructor taking their annotated fields.
DATACLASS_DECORATORS: frozenset[str] = frozenset(
    {"dataclass", "dataclasses.dataclass", "attr.s", "attr.attrs", "attrs.define", "attr.define", "define",
     "attrs.frozen", "frozen"}
)
FIELD_CLASS_BASES: frozenset[str] = frozenset({"typing.NamedTuple", "NamedTuple"})

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
