"""Abstract values: what the engine knows about an expression.

A tensor value has a *kind* (probabilities, log-probabilities, sigmoid output,
raw logits, unknown) and the *origins* that produced it, so that a finding can
point at the activation. Other values model the objects a training script
handles: torch functions and modules, loss objects, user classes and their
instances, functions, tuples and dicts.

Values are immutable; `join` merges the values of two control-flow paths and
loses information rather than inventing it: two different kinds join to
unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from .torch_api import Loss, Producer


class Kind(enum.Enum):
    UNKNOWN = "unknown"
    PROBS = "probabilities"
    LOG_PROBS = "log-probabilities"
    SIGMOID = "sigmoid output"
    LOGITS = "raw scores"
    # The output of an elementwise nonlinearity other than softmax/sigmoid
    # (ReLU, Tanh, ELU, GELU, ...); the producer names which one.
    ACTIVATED = "activation output"


@dataclass(eq=False)
class Site:
    """A place in the source: a node of a parsed module, located lazily.

    Positions cost a full extra pass in LibCST, so they are computed only for
    modules that end up with findings (see `ModuleSource.position_of`).
    """

    path: str
    node: "cst.CSTNode | None"
    label: str
    # The parsed module the node belongs to (flow engine), or None when the
    # position is already known (summaries from another file or the cache).
    source: Any = None
    position: tuple[int, int, int, int] | None = None

    def key(self) -> tuple:
        return (self.path, id(self.node) if self.node is not None else self.position)

    def __repr__(self) -> str:  # never the node: a CST prints as pages of text
        return f"Site({self.path!r}, {self.label!r}, position={self.position})"

    def locate(self) -> tuple[int, int, int, int]:
        """(row, column, end_row, end_column), 1-based."""
        if self.position is None:
            if self.source is not None and self.node is not None:
                self.position = self.source.position_of(self.node)
            else:
                self.position = (1, 1, 1, 1)
        return self.position

    def ref(self) -> str:
        """`path:row` (`path:cell N:row` in a notebook), the way messages name a place."""
        row = self.locate()[0]
        notebook = getattr(self.source, "notebook", None)
        if notebook is not None:
            cell, line = notebook.to_cell(row)
            if cell is not None:
                return f"{self.path}:cell {cell}:{line}"
        return f"{self.path}:{row}"


class Value:
    """Base of all abstract values."""

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, eq=False)
class UnknownValue(Value):
    """Anything at all; may be a tensor."""

    def describe(self) -> str:
        return "unknown"


UNKNOWN = UnknownValue()


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    kind: Kind
    origins: tuple[Site, ...] = ()
    producer: "Producer | None" = None
    dim: Any = None  # int, or None when unknown / not applicable
    # Shape facts, only where the code makes them certain (None: unknown):
    # the number of dimensions, and the size of the last dimension.
    rank: int | None = None
    last_size: int | None = None

    def with_origins(self, origins: tuple[Site, ...]) -> "Tensor":
        return Tensor(self.kind, origins, self.producer, self.dim, self.rank, self.last_size)

    def shaped(self, rank: int | None, last_size: int | None) -> "Tensor":
        return Tensor(self.kind, self.origins, self.producer, self.dim, rank, last_size)


@dataclass(frozen=True, eq=False)
class Param(Value):
    """An unmodified function parameter (a tensor the caller supplies)."""

    index: int
    name: str
    # The rank after a reshape in the function (`x.view(x.size(0), -1)`), when certain.
    rank: int | None = None


@dataclass(frozen=True, eq=False)
class TorchRef(Value):
    """A torch module, function or class named by its qualified name."""

    qualname: str


@dataclass(frozen=True, eq=False)
class ForeignRef(Value):
    """Something imported from outside torch: never torch, whatever its name."""

    qualname: str


@dataclass(frozen=True, eq=False)
class TorchModule(Value):
    """An instance of a torch nn module, e.g. `nn.Softmax(dim=1)` or `nn.CrossEntropyLoss()`."""

    qualname: str
    site: Site
    dim: Any = None
    dim_given: bool = False
    # out_features of a linear layer given as a literal (size of the output's last dim).
    features: int | None = None


@dataclass(frozen=True, eq=False)
class SequentialValue(Value):
    layers: tuple[Value, ...]
    site: Site


@dataclass(frozen=True, eq=False)
class LossValue(Value):
    """A loss object: `nn.CrossEntropyLoss()` and friends."""

    loss: "Loss"
    site: Site


@dataclass(frozen=True, eq=False)
class TupleValue(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class DictValue(Value):
    items: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value:
        for name, value in self.items:
            if name == key:
                return value
        return UNKNOWN


@dataclass(eq=False)
class FunctionValue(Value):
    """A user-defined function, method or lambda."""

    info: Any  # flow.FunctionInfo
    bound_self: Value | None = None


@dataclass(eq=False)
class ClassValue(Value):
    info: Any  # flow.ClassInfo


@dataclass(frozen=True, eq=False)
class InstanceValue(Value):
    cls: Any  # flow.ClassInfo


@dataclass(frozen=True, eq=False)
class PartialValue(Value):
    func: Value
    args: tuple[Value, ...]
    keywords: tuple[tuple[str, Any], ...] = field(default=())


def same(a: Value, b: Value) -> bool:
    """Structural equality that is safe for values holding nodes."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Tensor):
        return (a.kind == b.kind and a.dim == b.dim and a.rank == b.rank  # type: ignore[union-attr]
                and a.last_size == b.last_size)  # type: ignore[union-attr]
    if isinstance(a, (TorchRef, ForeignRef)):
        return a.qualname == b.qualname  # type: ignore[union-attr]
    if isinstance(a, TorchModule):
        return (a.qualname == b.qualname and a.dim == b.dim  # type: ignore[union-attr]
                and a.features == b.features)  # type: ignore[union-attr]
    if isinstance(a, LossValue):
        return a.loss == b.loss  # type: ignore[union-attr]
    if isinstance(a, Param):
        return a.index == b.index and a.rank == b.rank  # type: ignore[union-attr]
    if isinstance(a, (ClassValue, InstanceValue)):
        return (a.info if isinstance(a, ClassValue) else a.cls) is (  # type: ignore[union-attr]
            b.info if isinstance(b, ClassValue) else b.cls  # type: ignore[union-attr]
        )
    if isinstance(a, FunctionValue):
        return a.info is b.info  # type: ignore[union-attr]
    if isinstance(a, ProjectModule):
        return a.path == b.path  # type: ignore[union-attr]
    if isinstance(a, TupleValue):
        return len(a.items) == len(b.items) and all(  # type: ignore[union-attr]
            same(x, y) for x, y in zip(a.items, b.items)  # type: ignore[union-attr]
        )
    if isinstance(a, DictValue):
        return [k for k, _ in a.items] == [k for k, _ in b.items] and all(  # type: ignore[union-attr]
            same(x, y) for (_, x), (_, y) in zip(a.items, b.items)  # type: ignore[union-attr]
        )
    return False


def join(a: Value, b: Value) -> Value:
    """The value of a variable that holds `a` on one path and `b` on another."""
    if a is b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.kind == b.kind:
        origins = tuple({site.key(): site for site in a.origins + b.origins}.values())
        dim = a.dim if a.dim == b.dim else None
        rank = a.rank if a.rank == b.rank else None
        last_size = a.last_size if a.last_size == b.last_size else None
        return Tensor(a.kind, origins, a.producer if a.producer == b.producer else None, dim, rank, last_size)
    if isinstance(a, Param) and isinstance(b, Param) and a.index == b.index:
        return a if a.rank == b.rank else Param(a.index, a.name)
    if isinstance(a, TupleValue) and isinstance(b, TupleValue) and len(a.items) == len(b.items):
        return TupleValue(tuple(join(x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, DictValue) and isinstance(b, DictValue) and [k for k, _ in a.items] == [k for k, _ in b.items]:
        return DictValue(tuple((k, join(x, y)) for (k, x), (_, y) in zip(a.items, b.items)))
    if same(a, b):
        return a
    return UNKNOWN


def join_all(values: list[Value]) -> Value:
    if not values:
        return UNKNOWN
    result = values[0]
    for value in values[1:]:
        result = join(result, value)
    return result


def is_maybe_tensor(value: Value) -> bool:
    """Could this value be a torch.Tensor (so that `.softmax()` is Tensor.softmax)?"""
    return isinstance(value, (UnknownValue, Tensor, Param, DeferredCall, DeferredAttr))


# --- values that stand for other modules of the project ---------------------


@dataclass(frozen=True, eq=False)
class ImportRef(Value):
    """A name imported from outside torch, not yet resolved (phase 1).

    `from .models import Net` is ImportRef("models", 1, "Net"); `import pkg.io`
    binds ImportRef("pkg", 0, None). Phase 2 resolves it against the project's
    files; what cannot be found is foreign code.
    """

    module: str
    level: int
    name: str | None


@dataclass(frozen=True, eq=False)
class DeferredAttr(Value):
    """`base.name` where base is not resolved yet."""

    base: Value
    name: str


@dataclass(frozen=True, eq=False)
class DeferredCall(Value):
    """The result of calling an unresolved value (arguments do not matter)."""

    base: Value


@dataclass(frozen=True, eq=False)
class ProjectModule(Value):
    """A module of the project (phase 2): its attributes are its exports."""

    path: str
    is_package_dir: bool = False


DEFERRED = (ImportRef, DeferredAttr, DeferredCall)
