"""The interpreter's flow state: variables along one path, and the frame of one function call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .events import Mode
from .values import UNKNOWN, Site, Value, join
from .program import Closure, FunctionInfo, ParamSink


class LazyImport(Value):
    """A name imported by a module interpreted only for its definitions (`Project.definition`):
    resolved when first read, since most of what such a module imports, the function a context
    needs never reads (decoding each name from its module's summary was most of the cost)."""

    __slots__ = ("_resolve", "_value")

    def __init__(self, resolve: Callable[[], Value]) -> None:
        self._resolve: Callable[[], Value] | None = resolve
        self._value: Value | None = None

    def get(self) -> Value:
        if self._value is None:
            assert self._resolve is not None
            self._value, self._resolve = self._resolve(), None
        return self._value


def resolved(value: Value) -> Value:
    return value.get() if type(value) is LazyImport else value


@dataclass
class State:
    """Variables along one path (`self.x` attributes as "self.x"), its training mode, and
    whether it can run at all."""

    vars: dict[str, Value]
    mode: Mode = Mode.ANY
    reachable: bool = True

    def copy(self) -> "State":
        return State(dict(self.vars), self.mode, self.reachable)


@dataclass
class Frame:
    """One interpretation of a function body (or of the module's, with `function` None)."""

    function: FunctionInfo | None
    closure: Closure  # a dict of the enclosing function's variables, or MODULE_SCOPE
    self_name: str | None = None
    # What each `return` gave, with the training mode of its path.
    returns: list[tuple[Value, Mode]] = field(default_factory=list)
    exit_states: list[State] = field(default_factory=list)
    generator: bool = False
    # A context: the function interpreted with its caller's values. `via` holds the calls
    # that led here (outermost first); its events go to the analysed module's facts.
    context: bool = False
    via: tuple[Site, ...] = ()
    # Parameters that reach a loss in this interpretation.
    param_sinks: list[ParamSink] = field(default_factory=list)
    # A class body's, in a module interpreted for a context: the class's outline name
    # (`bodies.py`), under which `RecordedMethods` notes what is read of its methods.
    outline_class: str | None = None


def self_attributes(variables: dict[str, Value]) -> dict[str, Value]:
    """The `self.x` attributes among a state's variables, by attribute name."""
    return {key[5:]: value for key, value in variables.items() if key.startswith("self.")}


def join_states(a: State, b: State) -> State:
    if not a.reachable:
        return b
    if not b.reachable:
        return a
    if a.mode is not b.mode and a.mode is not Mode.ANY and b.mode is not Mode.ANY:
        # An `if self.training:` split: what follows is trained on the training path.
        train = a if a.mode is Mode.TRAIN else b
        return State(dict(train.vars), Mode.ANY, True)
    merged: dict[str, Value] = {}
    # In a's order, then b's names a lacks: the order never depends on string hashing, so a
    # module's summary is the same data in every process (the cache's cutoff compares them).
    for name in a.vars | b.vars:
        if name in a.vars and name in b.vars:
            left, right = a.vars[name], b.vars[name]
            merged[name] = left if left is right else join(resolved(left), resolved(right))
        else:
            # Defined on one path only: the other path would fail with NameError.
            merged[name] = a.vars.get(name, b.vars.get(name, UNKNOWN))
    return State(merged, a.mode if a.mode is b.mode else Mode.ANY, True)


def join_all_states(states: list[State]) -> State:
    result = states[0]
    for other in states[1:]:
        result = join_states(result, other)
    return result
