"""Provenance: what produced a tensor, kept in the tensor's own `__dict__`.

A tag is a plain tuple `(kind, dim, dim_size, ndim, site, producer name)` stored under `KEY`, so it dies with
its tensor, pickles with `torch.save`/`deepcopy`, and never keeps anything else alive. When a
tensor has no tag (a new object made by an op the watcher does not propagate through, a
TorchScript module, another thread), `origin()` walks `grad_fn` through view-like nodes to the
producing node; producers also leave their site in `grad_fn.metadata`.
"""

from __future__ import annotations

import torch

KEY = "_torchlint_tag"
META = "torchlint"

KIND, DIM, DIM_SIZE, NDIM, SITE, NAME = range(6)

PROBABILITIES = frozenset({"softmax"})
LOG_PROBABILITIES = frozenset({"log_softmax"})
SQUASHED = frozenset({"sigmoid"})
CLIPPING = frozenset({"relu", "relu6", "hardtanh", "elu", "tanh", "leaky_relu", "gelu", "selu", "celu"})
LINEAR = "linear"
# The producers whose grad_fn carries their site (watch.py marks all but the clipping ones).
MARKED = frozenset({"softmax", "log_softmax", "sigmoid"})

_ORIGINS = {
    "SoftmaxBackward0": "softmax",
    "LogSoftmaxBackward0": "log_softmax",
    "SigmoidBackward0": "sigmoid",
    "ReluBackward0": "relu",
    "TanhBackward0": "tanh",
    "HardtanhBackward0": "hardtanh",
    "EluBackward0": "elu",
    "AddmmBackward0": LINEAR,
    "MmBackward0": LINEAR,
    "ConvolutionBackward0": LINEAR,
    "MkldnnConvolutionBackward0": LINEAR,
    "CudnnConvolutionBackward0": LINEAR,
}

# The grad_fn of a linear or conv layer's output: logits (what most losses get, correctly).
LINEAR_NODES = frozenset(name for name, kind in _ORIGINS.items() if kind == LINEAR)

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
        kind = _ORIGINS.get(name)
        if kind is not None:
            site = None
            if kind in MARKED:  # reading `metadata` creates it: only where a producer left a site
                try:
                    site = grad_fn.metadata.get(META)
                except (AttributeError, RuntimeError):
                    pass
            dim = getattr(grad_fn, "_saved_dim", None) if kind in ("softmax", "log_softmax") else None
            return (kind, dim, None, None, site, f"{kind} ({name})")
        if name not in _TRANSPARENT:
            return None
        nexts = grad_fn.next_functions
        grad_fn = nexts[0][0] if nexts else None
    return None
