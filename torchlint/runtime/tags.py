"""Provenance: what produced a tensor, kept in the tensor's own `__dict__`.

A tag is a plain tuple `(kind, dim, dim_size, ndim, site, producer name)` stored under `KEY`, so it dies with
its tensor, pickles with `torch.save`/`deepcopy`, and never keeps anything else alive. When a
tensor has no tag (a new object made by an op the watcher does not propagate through, a
TorchScript module, another thread), `origin()` walks `grad_fn` through view-like nodes to the
producing node; producers also leave their site in `grad_fn.metadata`.
"""

from __future__ import annotations

import torch

from ..catalog import Kind

KEY = "_torchlint_tag"
META = "torchlint"

# The tag's fields. KIND is the text of the catalog's `Kind` (`kind(tag)` gives the member): a
# tag must hold only builtins, or `torch.load` (weights_only, the default) refuses a tensor saved
# with one. NAME says which producer (`F.softmax`, `relu (ReluBackward0)`), which matters among
# the clipping activations (`Kind.ACTIVATED`).
KIND, DIM, DIM_SIZE, NDIM, SITE, NAME = range(6)
_KINDS = {member.value: member for member in Kind}


def make(kind: Kind, dim: int | None, size: int | None, ndim: int | None, site: tuple | None, name: str) -> tuple:
    return (kind.value, dim, size, ndim, site, name)


def kind(tag: tuple) -> Kind:
    return _KINDS[tag[KIND]]

# The producers whose grad_fn carries their site (watch.py marks all but the clipping ones).
MARKED = frozenset({Kind.PROBS, Kind.LOG_PROBS, Kind.SIGMOID})

# grad_fn node -> (kind, the producer it stands for)
_ORIGINS = {
    "SoftmaxBackward0": (Kind.PROBS, "softmax"),
    "LogSoftmaxBackward0": (Kind.LOG_PROBS, "log_softmax"),
    "SigmoidBackward0": (Kind.SIGMOID, "sigmoid"),
    "ReluBackward0": (Kind.ACTIVATED, "relu"),
    "TanhBackward0": (Kind.ACTIVATED, "tanh"),
    "HardtanhBackward0": (Kind.ACTIVATED, "hardtanh"),
    "EluBackward0": (Kind.ACTIVATED, "elu"),
    "AddmmBackward0": (Kind.LOGITS, "linear"),
    "MmBackward0": (Kind.LOGITS, "linear"),
    "ConvolutionBackward0": (Kind.LOGITS, "linear"),
    "MkldnnConvolutionBackward0": (Kind.LOGITS, "linear"),
    "CudnnConvolutionBackward0": (Kind.LOGITS, "linear"),
}

# The grad_fn of a linear or conv layer's output: logits (what most losses get, correctly).
LINEAR_NODES = frozenset(name for name, (kind, _) in _ORIGINS.items() if kind is Kind.LOGITS)

# Nodes that keep values as they are (views, copies, dtype/device moves, clamping).
_TRANSPARENT = frozenset(
    {
        "ViewBackward0",
        "UnsafeViewBackward0",
        "ReshapeAliasBackward0",
        "ToCopyBackward0",
        "SliceBackward0",
        "SelectBackward0",
        "IndexBackward0",
        "SqueezeBackward0",
        "SqueezeBackward1",
        "SqueezeBackward2",
        "UnsqueezeBackward0",
        "CloneBackward0",
        "TBackward0",
        "PermuteBackward0",
        "TransposeBackward0",
        "TransposeBackward1",
        "ExpandBackward0",
        "ClampBackward1",
        "ClampMinBackward0",
        "ClampMaxBackward0",
        "AliasBackward0",
        "NarrowBackward0",
        "GatherBackward0",
        "GatherBackward",
    }
)


def get(tensor: torch.Tensor) -> tuple | None:
    # getattr, not `tensor.__dict__.get`: reading `__dict__` would give every tensor looked at a
    # dict of its own (an allocation on the hot path, and a Python object torch must then keep).
    try:
        return getattr(tensor, KEY, None)
    except Exception:
        return None


def put(tensor: torch.Tensor, tag: tuple) -> None:
    try:
        tensor.__dict__[KEY] = tag
    except (AttributeError, RuntimeError, TypeError):
        pass


def mark_grad_fn(tensor: torch.Tensor, site: tuple) -> None:
    grad_fn = tensor.grad_fn
    if grad_fn is not None:
        try:
            grad_fn.metadata[META] = site
        except (AttributeError, RuntimeError, TypeError):
            pass


def origin(tensor: torch.Tensor, depth: int = 8) -> tuple | None:
    """A tag rebuilt from the autograd graph, or None (no graph, or not a known producer)."""
    grad_fn = tensor.grad_fn
    for _ in range(depth):
        if grad_fn is None:
            return None
        name = type(grad_fn).__name__
        known = _ORIGINS.get(name)
        if known is not None:
            made, producer = known
            site = None
            if made in MARKED:  # reading `metadata` creates it: only where a producer left a site
                try:
                    site = grad_fn.metadata.get(META)
                except (AttributeError, RuntimeError):
                    pass
            dim = getattr(grad_fn, "_saved_dim", None) if made in (Kind.PROBS, Kind.LOG_PROBS) else None
            return make(made, dim, None, None, site, f"{producer} ({name})")
        if name not in _TRANSPARENT:
            return None
        nexts = grad_fn.next_functions
        grad_fn = nexts[0][0] if nexts else None
    return None
