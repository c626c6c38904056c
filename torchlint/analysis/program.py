"""Program structure as the interpreter knows it: user functions, methods and classes.

A `FunctionInfo` is made where a `def` or `lambda` is interpreted (its node and
closure known), or decoded from another module's summary (no node: its
`definition` says where to find it when a call needs its body). A `ClassInfo`
likewise. Neither holds the results of interpreting a body with particular
arguments: those live in the call engine (`calls.CallEngine`), keyed by the
arguments' abstract signature.

A function's `status` says where its interpretation with unknown parameters stands
(`Status`); a function's `closure` is the scope its body reads free names from: the
enclosing function's variables, or `MODULE_SCOPE` (the module's variables as they are when
it runs). Neither is ever serialised: a summary's functions are decoded as `Status.DONE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable, Final, Iterator, Union

from .values import UNKNOWN, ClassValue, FunctionValue, InstanceValue, Value

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from . import torch_api as api
    from .flow import ModuleInterpreter
    from .values import Site

# A parameter that reaches a loss input inside a function:
# (parameter index, loss, loss call site, calls in between).
ParamSink = tuple[int, "api.Loss", "Site", tuple["Site", ...]]


class Status(Enum):
    """Where a function's interpretation with unknown parameters stands."""

    NEW = "new"  # not interpreted yet
    RUNNING = "running"  # under way (a call from inside it is recursion)
    DONE = "done"  # its return value, `self` writes and parameter sinks are known


class ModuleScope(Enum):
    """The closure of a module-level function: its free names are read from the module's
    variables as they are when it runs (`interpreter.live_globals`), not from a dict captured
    where it was defined. One member, `MODULE_SCOPE` (an enum, so `is` narrows a `Closure`)."""

    MODULE = "module"

    def __repr__(self) -> str:
        return "MODULE_SCOPE"


MODULE_SCOPE: Final = ModuleScope.MODULE
# The scope a function body reads free names from.
Closure = Union[dict[str, Value], ModuleScope]


@dataclass(eq=False)
class FunctionInfo:
    node: "cst.FunctionDef | cst.Lambda | None" = field(repr=False)
    name: str
    owner: "ClassInfo | None" = field(repr=False)
    # The scope the body reads free names from: a dict of the enclosing function's
    # variables, or `MODULE_SCOPE` for a module-level function (read at call time).
    closure: Closure = field(repr=False)
    is_static: bool = False
    is_classmethod: bool = False
    is_property: bool = False
    transparent: bool = True  # decorators leave the return value alone
    status: Status = Status.NEW  # the interpretation with unknown parameters
    return_value: Value = UNKNOWN
    self_writes: dict[str, Value] = field(default_factory=dict)
    # The `self.<attr>` names its own body assigns (None: it may set any); empty for functions.
    assigned_attributes: frozenset[str] | None = frozenset()
    param_sinks: list[ParamSink] = field(default_factory=list)
    # The interpreter that defined it (None for one decoded from a summary), and for a decoded
    # one, where it is defined: (module path, id in that module's summary).
    interpreter: "ModuleInterpreter | None" = field(default=None, repr=False)
    definition: tuple[str, str] | None = None
    # Names the body chooses by (`table[name]`, `getattr(obj, name)`, `name == ...`), seen while
    # interpreting it: a string constant passed for such a parameter is worth a context
    # (`get_loss("nll")`); for any other (a path, a log message) it is not.
    selectors: set[str] = field(default_factory=set, repr=False)

    @property
    def writes_self(self) -> bool:
        return self.assigned_attributes is None or bool(self.assigned_attributes)


@dataclass(eq=False)
class ClassInfo:
    node: "cst.ClassDef | None" = field(repr=False)
    name: str
    bases: list[Value] = field(repr=False)
    # A dict for a class interpreted here; `DecodedMethods` for one decoded from a summary.
    methods: "dict[str, FunctionInfo] | DecodedMethods" = field(default_factory=dict, repr=False)
    class_vars: dict[str, Value] = field(default_factory=dict)
    attrs: "dict[str, Value] | DecodedAttrs | None" = None
    # The tables being computed (an attribute's name, or None for the whole table): asked
    # again for one of them, from inside a method interpreted for it, the answer is {}.
    computing: set[str | None] = field(default_factory=set, repr=False)
    # A @dataclass (or NamedTuple) without its own __init__: the fields its generated
    # constructor takes, in order; None for other classes.
    fields: list[str] | None = None
    # The interpreter that defined it (None for one decoded from a summary).
    interpreter: "ModuleInterpreter | None" = field(default=None, repr=False)
    definition: tuple[str, str] | None = None
    # Whether its instances carry something a context can use (`calls.carries`), once known.
    carries: bool | None = field(default=None, repr=False)

    def mro(self) -> Iterator["ClassInfo"]:
        seen: set[int] = set()
        stack = [self]
        while stack:
            cls = stack.pop(0)
            if id(cls) in seen:
                continue
            seen.add(id(cls))
            yield cls
            stack.extend(base.info for base in cls.bases if isinstance(base, ClassValue))

    def find_method(self, name: str) -> FunctionInfo | None:
        for cls in self.mro():
            if name in cls.methods:
                return cls.methods[name]
        return None

    def writer_methods(self) -> list[FunctionInfo]:
        """Its own methods that may set attributes on `self`, in definition order."""
        if isinstance(self.methods, RecordedMethods):
            return self.methods.writers()
        return [method for method in self.methods.values() if method.writes_self]

    def public_methods(self) -> list[tuple[str, FunctionInfo]]:
        """Its own methods whose names do not start with `_`, in definition order."""
        if isinstance(self.methods, (DecodedMethods, RecordedMethods)):
            return self.methods.public()
        return [(name, method) for name, method in self.methods.items() if not name.startswith("_")]

    def call_method(self) -> FunctionInfo | None:
        """What calling an instance runs: its `__call__`, or an nn.Module's `forward`."""
        return self.find_method("__call__") or self.find_method("forward")

    def data_fields(self) -> list[str] | None:
        """The generated constructor's fields (inherited ones first), or None if not a dataclass."""
        if self.fields is None:
            return None
        inherited: list[str] = []
        for base in self.bases:
            if isinstance(base, ClassValue) and base.info.data_fields():
                inherited += [name for name in base.info.data_fields() or () if name not in inherited]
        return inherited + [name for name in self.fields if name not in inherited]


class RecordedMethods(dict):
    """The methods of a class a module interpreted for a context defines (`Project.definition`):
    a plain table that notes what was read of it in `looked`, under the class's outline name: a
    name looked up (present or not), the public methods (`*p`), those that may set attributes
    on `self` (`*w`), or the whole table (`*`). A method nobody looked up is then left out of
    what the importer depends on (`bodies.digest`)."""

    __slots__ = ("_read",)

    def __init__(self, key: str, looked: dict[str, set[str]]) -> None:
        super().__init__()
        self._read = looked.setdefault(key, set())

    def __getitem__(self, name: str) -> FunctionInfo:
        self._read.add(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._read.add(name)
        return super().__contains__(name)

    def get(self, name, default=None):
        if isinstance(name, str):
            self._read.add(name)
        return super().get(name, default)

    def __iter__(self):
        self._read.add("*")
        return super().__iter__()

    def __len__(self) -> int:
        self._read.add("*")
        return super().__len__()

    def keys(self):
        self._read.add("*")
        return super().keys()

    def values(self):
        self._read.add("*")
        return super().values()

    def items(self):
        self._read.add("*")
        return super().items()

    def public(self) -> list[tuple[str, FunctionInfo]]:
        """The methods whose names do not start with `_` (a framework's calls), noted as `*p`."""
        self._read.add("*p")
        return [(name, method) for name, method in super().items() if not name.startswith("_")]

    def writers(self) -> list[FunctionInfo]:
        """The methods that may set attributes on `self` (an attribute table's), noted as `*w`."""
        self._read.add("*w")
        return [method for method in super().values() if method.writes_self]


class DecodedMethods(Mapping[str, FunctionInfo]):
    """The methods of a class decoded from a summary (`Project.decode_class`), each decoded
    when first looked up, and each look-up reported to `read` as the summary part it read:
    `m:<class id>.<name>` for one name (present or not), `P:<class id>` for the public names,
    `M:<class id>` for all of them (`summaries.parts_digest`). The result cache keys an
    importer on those parts, so a method added to a class that a hundred files import
    re-analyses only the files that look it up, or that go through all the class's methods."""

    __slots__ = ("_class_id", "_ids", "_decode", "_read", "_decoded")

    def __init__(self, class_id: str, ids: dict[str, str], decode: Callable[[str], FunctionInfo | None],
                 read: Callable[[str], None]) -> None:
        self._class_id = class_id
        self._ids = ids  # method name -> function id in the summary
        self._decode = decode
        self._read = read
        self._decoded: dict[str, FunctionInfo | None] = {}

    def _method(self, name: str) -> FunctionInfo | None:
        if name not in self._decoded:
            method_id = self._ids.get(name)
            self._decoded[name] = None if method_id is None else self._decode(method_id)
        return self._decoded[name]

    def __getitem__(self, name: str) -> FunctionInfo:
        self._read(f"m:{self._class_id}.{name}")
        method = self._method(name) if isinstance(name, str) else None
        if method is None:
            raise KeyError(name)
        return method

    def __iter__(self) -> Iterator[str]:
        self._read(f"M:{self._class_id}")
        return iter([name for name in self._ids if self._method(name) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def public(self) -> list[tuple[str, FunctionInfo]]:
        self._read(f"P:{self._class_id}")
        return [(name, method) for name in self._ids
                if not name.startswith("_") and (method := self._method(name)) is not None]


class DecodedAttrs(Mapping[str, Value]):
    """The attribute table of a class decoded from a summary (what its methods assign to
    `self.<name>`, its bases' tables under its own), each value decoded when first looked up,
    and each look-up reported to `read`: `a:<class id>.<name>` for one name (present or not),
    `A:<class id>` for the whole table (`summaries.parts_digest`). A base's table is asked only
    for the names the class's own does not have, as the merged table would answer."""

    __slots__ = ("_class_id", "_own", "_bases", "_decode", "_read", "_decoded")

    def __init__(self, class_id: str, own: dict[str, object], bases: list[Mapping[str, Value]],
                 decode: Callable[[object], Value], read: Callable[[str], None]) -> None:
        self._class_id = class_id
        self._own = own  # name -> encoded value
        self._bases = bases  # the bases' tables, the first base's first
        self._decode = decode
        self._read = read
        self._decoded: dict[str, Value] = {}

    def __getitem__(self, name: str) -> Value:
        self._read(f"a:{self._class_id}.{name}")
        return self._value(name)

    def _value(self, name: str) -> Value:
        """The value of `name`, its look-up already reported."""
        if name in self._own:
            if name not in self._decoded:
                self._decoded[name] = self._decode(self._own[name])
            return self._decoded[name]
        for table in self._bases:
            if name in table:
                return table[name]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        # Whether it has the name is a look-up of it, but its value is not decoded for that
        # (Mapping's own `in` would).
        self._read(f"a:{self._class_id}.{name}")
        return name in self._own or any(name in table for table in self._bases)

    # The whole table read at once: `A:` of it (and of its bases, whose names it iterates)
    # covers every name, so the names are not reported one by one.
    def items(self) -> list[tuple[str, Value]]:  # type: ignore[override]
        return [(name, self._value(name)) for name in self]

    def values(self) -> list[Value]:  # type: ignore[override]
        return [self._value(name) for name in self]

    def __iter__(self) -> Iterator[str]:
        self._read(f"A:{self._class_id}")
        names: dict[str, None] = {}  # in the order of the merged table: the last base's first
        for table in reversed(self._bases):
            names.update(dict.fromkeys(table))
        names.update(dict.fromkeys(self._own))
        return iter(list(names))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(eq=False)
class SuperValue(Value):
    cls: ClassInfo
    instance: Value


def class_member(cls: ClassInfo, name: str, instance: Value | None, attrs: dict[str, Value],
                 property_value: Callable[[FunctionInfo, Value | None], Value]) -> Value:
    """`instance.name` (or `Class.name` when `instance` is None): the instance's own attribute,
    an attribute of the class's table, a method (a property's value), or a class variable,
    looked up along the MRO."""
    if isinstance(instance, InstanceValue):
        own = instance.own(name)
        if own is not None:
            return own
    if name in attrs:
        return attrs[name]
    method = cls.find_method(name)
    if method is not None:
        if method.is_property and instance is not None:
            return property_value(method, instance)
        bound = instance if instance is not None and not method.is_static else None
        return FunctionValue(method, bound_self=bound)
    for ancestor in cls.mro():
        if name in ancestor.class_vars:
            return ancestor.class_vars[name]
    return UNKNOWN
