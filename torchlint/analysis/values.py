"""Abstract values: what the engine knows about an expression.

A tensor value has a *kind* (probabilities, log-probabilities, sigmoid output,
raw logits, unknown) and the *origins* that produced it, so that a finding can
point at the activation. Other values model the objects a training script
handles: torch functions and modules, loss objects, user classes and their
instances, functions, tuples and dicts.

Values are immutable; `join` merges the values of two control-flow paths and
loses information rather than inventing it, and `same` says whether two values
say the same thing (structurally: never by comparing nodes).

The order
---------
`join(a, b)` is at or above both `a` and `b` in this order (higher says less):

* `UNKNOWN`, the one `UnknownValue`, is the top and the engine's only "don't
  know": anything at all, a tensor or not. `join(UNKNOWN, x)` is `UNKNOWN`, and
  so is the join of any two values this list does not join otherwise.
* Tensors of one kind join to a tensor of that kind: origins and clipping
  activations united, `dim`, `rank`, `last_size` and `producer` kept where both
  agree (else None: not known), `shifted` if either is. `Kind.UNKNOWN` is a kind
  like the others here: `Tensor(Kind.UNKNOWN)` is a tensor of no known meaning,
  which exists to carry shape facts (`torch.randn(B, C)` has rank 2). Tensors of
  two different kinds (`Kind.UNKNOWN` included) join to `UNKNOWN`, not to
  `Tensor(Kind.UNKNOWN)`: the meaning is what the rules read, and a rank known
  on a path of another meaning is not kept either.
* Containers join member by member: tuples of one length item by item; tuples
  and `ListOf`s otherwise to `ListOf(join of every item)`; dicts and records key
  by key (a key on one path only keeps its value: the other path never set it);
  instances of one class that both know their own attributes, attribute by
  attribute; one `nn.Sequential` (one site) filled differently on two paths to
  `SequentialValue((UNKNOWN,), site)`.
* Values that are `same` join to the first (two `nn.CrossEntropyLoss()`s are
  one loss, the first's site kept).
* Objects that a call or an attribute read can be taken on one by one
  (instances, classes, functions, `functools.partial`, torch modules,
  `Sequential`, None) join to `OneOf` their options, at most
  `MAX_ALTERNATIVES` (more: `UNKNOWN`). `OneOf(options)` is above each option.
  Two different losses, torch references, foreign references, strings or
  project modules are not alternatives: they join to `UNKNOWN`.

*Not yet known* is not "don't know". `Param` (a parameter, the caller's
argument: `invocation.returned` maps it back), `ImportRef`, `DeferredAttr` and
`DeferredCall` (phase 1's imports and what is read or called on them:
`project.Project` resolves them when it decodes a summary) and
`state.LazyImport` (resolved when first read, before any join) stand for values
that a later step supplies. They are not in the order below the top: joined
with anything but themselves they give `UNKNOWN`. A `Param` joins with a
`Param` of the same index (its rank kept where both agree); an import value is
itself only (one binding read on both paths): two made apart, even from the
same name, join to `UNKNOWN`, as what each will resolve to is not compared.

`join` is commutative up to the order of what it keeps (origins, keys,
options, which of two `same` values), and `join(x, x)` is `x`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from ..catalog import Kind

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from ..parsing import ParsedModule
    from .program import ClassInfo, FunctionInfo
    from .torch_api import Loss, Producer


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
    source: "ParsedModule | None" = None
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
        notebook = self.source.notebook if self.source is not None else None
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
    dim: int | None = None  # the literal `dim` of the producer, or None when unknown / not applicable
    # Shape facts, only where the code makes them certain (None: unknown):
    # the number of dimensions, and the size of the last dimension.
    rank: int | None = None
    last_size: int | None = None
    # Probabilities moved by a small constant or clamped (`p + eps`, `p.clamp(min=eps)`): still
    # probabilities for every rule, but no longer the activation's exact output (no fix rewrites
    # them; TL006 says why `+ eps` does not help).
    shifted: bool = False
    # The clipping activations (ReLU, ...) a softmax-family producer was applied to: a
    # `log_softmax(relu(z))` reaching `nll_loss` clips the logits as surely as CE does (TL010).
    clipped: tuple[Site, ...] = ()

    def with_origins(self, origins: tuple[Site, ...]) -> "Tensor":
        return replace(self, origins=origins)

    def shaped(self, rank: int | None, last_size: int | None) -> "Tensor":
        return replace(self, rank=rank, last_size=last_size)

    def derived(self, **changes: Any) -> "Tensor":  # dim, rank, last_size, shifted
        """The same meaning with other facts (a reshape drops the dim, a shift sets `shifted`)."""
        return replace(self, **changes)


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
    dim: int | None = None  # the literal `dim`, or None when unknown / not given
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
    # What was stored under keys not known statically (`outputs[task] = head(x)`), joined;
    # None: nothing was.
    rest: Value | None = None

    def get(self, key: str) -> Value:
        for name, value in self.items:
            if name == key:
                return value
        return self.rest if self.rest is not None else UNKNOWN

    def any_value(self) -> Value:
        """What a read under a key not known statically gives: the join of every value."""
        values = [value for _, value in self.items] + ([self.rest] if self.rest is not None else [])
        return join_all(values)

    def with_item(self, key: str, value: Value) -> "DictValue":
        items = tuple((name, old) for name, old in self.items if name != key) + ((key, value),)
        return DictValue(items, self.rest)

    def with_rest(self, value: Value) -> "DictValue":
        return DictValue(self.items, value if self.rest is None else join(self.rest, value))


@dataclass(frozen=True, eq=False)
class ListOf(Value):
    """A list (or tuple) of unknown length whose items are all `item`: `outs.append(...)` in a loop."""

    item: Value


@dataclass(frozen=True, eq=False)
class NoneValue(Value):
    """The literal None (a parameter's default, `self.criterion = None`)."""

    def describe(self) -> str:
        return "None"


NONE = NoneValue()


@dataclass(frozen=True, eq=False)
class StrValue(Value):
    """A string constant: a registry key (`LOSSES["nll"]`), `getattr(nn, name)`, `if loss == "ce"`."""

    text: str

    def describe(self) -> str:
        return repr(self.text)


def text_of(value: Value) -> str | None:
    """The text of a string constant, else None."""
    return value.text if isinstance(value, StrValue) else None


@dataclass(frozen=True, eq=False)
class RecordValue(Value):
    """An object made by a foreign class from keywords (`SimpleNamespace(criterion=...)`,
    `SequenceClassifierOutput(logits=...)`): `out.logits` and `out["logits"]` read the field."""

    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value:
        for key, value in self.fields:
            if key == name:
                return value
        return UNKNOWN


@dataclass(frozen=True, eq=False)
class OneOf(Value):
    """One of a few objects, where paths disagree on which (`A() if big else B()`): a call or an
    attribute is taken on each and the results joined, so what they agree on is kept."""

    options: tuple[Value, ...]


@dataclass(eq=False)
class FunctionValue(Value):
    """A user-defined function, method or lambda."""

    info: "FunctionInfo"
    bound_self: Value | None = None


@dataclass(eq=False)
class ClassValue(Value):
    info: "ClassInfo"


@dataclass(frozen=True, eq=False)
class InstanceValue(Value):
    cls: "ClassInfo"
    # This object's own attributes, where the code that made or changed it is known
    # (`Trainer(model, loss)` interpreted with its arguments, `trainer.criterion = ...`);
    # an attribute not listed comes from the class's table. None: only the class's table.
    attrs: tuple[tuple[str, Value], ...] | None = None

    def own(self, name: str) -> Value | None:
        if self.attrs is not None:
            for key, value in self.attrs:
                if key == name:
                    return value
        return None

    def with_attrs(self, updates: dict[str, Value]) -> "InstanceValue":
        if not updates:
            return self
        kept = tuple((key, value) for key, value in (self.attrs or ()) if key not in updates)
        return InstanceValue(self.cls, kept + tuple(updates.items()))


@dataclass(frozen=True, eq=False)
class PartialValue(Value):
    func: Value
    args: tuple[Value, ...]
    keywords: tuple[tuple[str, Value], ...] = field(default=())



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
    """The result of calling an unresolved value. Positional arguments do not matter; keywords
    that say something are kept, for a foreign class that turns out to make a record
    (`SequenceClassifierOutput(logits=...)`)."""

    base: Value
    keywords: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, eq=False)
class ProjectModule(Value):
    """A module of the project (phase 2): its attributes are its exports."""

    path: str
    is_package_dir: bool = False

DEFERRED = (ImportRef, DeferredAttr, DeferredCall)


# --------------------------------------------------------------------------- same


def _same_pairs(a: tuple[tuple[str, Value], ...] | None, b: tuple[tuple[str, Value], ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    return [k for k, _ in a] == [k for k, _ in b] and all(same(x, y) for (_, x), (_, y) in zip(a, b))


def _same_optional(a: Value | None, b: Value | None) -> bool:
    return a is b or (a is not None and b is not None and same(a, b))


def _same_items(a: tuple[Value, ...], b: tuple[Value, ...]) -> bool:
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


# What `same` compares, per type (both values of that type). A type not listed is `same` only
# as the same object: UnknownValue and NoneValue (singletons), PartialValue, the symbolic
# import values (see the module doc), and the values of program.py and state.py.
_SAME: dict[type, Callable[[Any, Any], bool]] = {
    Tensor: lambda a, b: (a.kind == b.kind and a.dim == b.dim and a.rank == b.rank
                          and a.last_size == b.last_size and a.shifted == b.shifted),
    TorchRef: lambda a, b: a.qualname == b.qualname,
    ForeignRef: lambda a, b: a.qualname == b.qualname,
    TorchModule: lambda a, b: a.qualname == b.qualname and a.dim == b.dim and a.features == b.features,
    LossValue: lambda a, b: a.loss == b.loss,
    Param: lambda a, b: a.index == b.index and a.rank == b.rank,
    ClassValue: lambda a, b: a.info is b.info,
    InstanceValue: lambda a, b: a.cls is b.cls and _same_pairs(a.attrs, b.attrs),
    FunctionValue: lambda a, b: a.info is b.info and _same_optional(a.bound_self, b.bound_self),
    ProjectModule: lambda a, b: a.path == b.path,
    TupleValue: lambda a, b: _same_items(a.items, b.items),
    OneOf: lambda a, b: _same_items(a.options, b.options),
    DictValue: lambda a, b: _same_pairs(a.items, b.items) and _same_optional(a.rest, b.rest),
    RecordValue: lambda a, b: _same_pairs(a.fields, b.fields),
    ListOf: lambda a, b: same(a.item, b.item),
    StrValue: lambda a, b: a.text == b.text,
}


def same(a: Value, b: Value) -> bool:
    """Whether `a` and `b` say the same thing (structural equality that never compares nodes:
    origins and sites are not compared, see `_SAME`)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    test = _SAME.get(type(a))
    return test is not None and test(a, b)


# --------------------------------------------------------------------------- join


# Objects a join may keep as alternatives (`OneOf`): calling or reading one of them is
# meaningful on each. Losses are not among them: two different losses disagree on what a
# prediction must be, and precision comes first.
ALTERNATIVES = (InstanceValue, ClassValue, FunctionValue, PartialValue, TorchModule, SequentialValue, NoneValue)
# A model zoo's factory (`get_model(name)`: an `if/elif` per architecture) chooses among
# eight or more classes in real code; a call on the join is kept only where every option's
# result agrees, so a wider bound finds more without guessing. Measured: no slower (issue #20).
MAX_ALTERNATIVES = 16


def _options(value: Value) -> tuple[Value, ...]:
    return value.options if isinstance(value, OneOf) else (value,)


def _join_pairs(a: tuple[tuple[str, Value], ...], b: tuple[tuple[str, Value], ...]) -> tuple[tuple[str, Value], ...]:
    """Keys of both: joined; a key on one side only keeps its value (the other path never set it,
    and a read of it there would fail)."""
    right = dict(b)
    merged = [(key, join(value, right[key]) if key in right else value) for key, value in a]
    known = {key for key, _ in a}
    merged += [(key, value) for key, value in b if key not in known]
    return tuple(merged)


def _join_sites(a: tuple[Site, ...], b: tuple[Site, ...]) -> tuple[Site, ...]:
    return tuple({site.key(): site for site in a + b}.values())


def join(a: Value, b: Value) -> Value:
    """The value of a variable that holds `a` on one path and `b` on another: at or above both in
    the order of the module doc."""
    if a is b:
        return a
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN  # the top
    # Tensors of one kind.
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.kind == b.kind:
        return Tensor(a.kind, _join_sites(a.origins, b.origins), a.producer if a.producer == b.producer else None,
                      a.dim if a.dim == b.dim else None, a.rank if a.rank == b.rank else None,
                      a.last_size if a.last_size == b.last_size else None, a.shifted or b.shifted,
                      _join_sites(a.clipped, b.clipped))
    # Not yet known: a parameter joins with itself only.
    if isinstance(a, Param) and isinstance(b, Param) and a.index == b.index:
        return a if a.rank == b.rank else Param(a.index, a.name)
    # Containers, member by member.
    if isinstance(a, TupleValue) and isinstance(b, TupleValue) and len(a.items) == len(b.items):
        return TupleValue(tuple(join(x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, (TupleValue, ListOf)) and isinstance(b, (TupleValue, ListOf)):
        # Lists of different lengths (one more `append` on one path): what every item agrees on.
        items = [v for side in (a, b) for v in (side.items if isinstance(side, TupleValue) else (side.item,))]
        return ListOf(join_all(items)) if items else ListOf(UNKNOWN)
    if isinstance(a, DictValue) and isinstance(b, DictValue):
        rest = a.rest if b.rest is None else (b.rest if a.rest is None else join(a.rest, b.rest))
        return DictValue(_join_pairs(a.items, b.items), rest)
    if isinstance(a, RecordValue) and isinstance(b, RecordValue):
        return RecordValue(_join_pairs(a.fields, b.fields))
    if isinstance(a, SequentialValue) and isinstance(b, SequentialValue) and a.site.key() == b.site.key() \
            and not same(a, b):
        # One nn.Sequential filled differently on two paths (`add_module` in a loop): its first
        # layers are unknown; what is appended after is known again.
        return SequentialValue((UNKNOWN,), a.site)
    if isinstance(a, InstanceValue) and isinstance(b, InstanceValue) and a.cls is b.cls \
            and a.attrs is not None and b.attrs is not None:
        return InstanceValue(a.cls, _join_pairs(a.attrs, b.attrs))
    # The same thing twice.
    if same(a, b):
        return a
    # Alternatives.
    if all(isinstance(option, ALTERNATIVES) for option in _options(a) + _options(b)):
        options: list[Value] = []
        for option in _options(a) + _options(b):
            if not any(same(option, kept) for kept in options):
                options.append(option)
        if len(options) <= MAX_ALTERNATIVES:
            return OneOf(tuple(options)) if len(options) > 1 else options[0]
    return UNKNOWN


def spread_into(items: dict, rest: list[Value], spread: Value) -> None:
    """`{**spread}` in a dict display: a dict's items and its `rest` join the display's; any
    other value may hold anything under any key (the interpreter's rule, and `literals.py`'s)."""
    if isinstance(spread, DictValue):
        items.update(spread.items)
        if spread.rest is not None:
            rest.append(spread.rest)
    else:
        rest.append(UNKNOWN)


def join_all(values: list[Value]) -> Value:
    """The join of every value (UNKNOWN for none)."""
    if not values:
        return UNKNOWN
    result = values[0]
    for value in values[1:]:
        result = join(result, value)
    return result


def is_maybe_tensor(value: Value) -> bool:
    """Could this value be a torch.Tensor (so that `.softmax()` is Tensor.softmax)?"""
    return isinstance(value, (UnknownValue, Tensor, Param, DeferredCall, DeferredAttr))
