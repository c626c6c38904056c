"""Value flow inside one module: an abstract interpreter over the LibCST tree.

Each function body is interpreted once, with its parameters as unknown
tensors, and its return value is remembered: callers (`model(x)`, `self(x)`,
`helper(x)`) reuse it. Straight-line code updates an environment; branches are
interpreted separately and joined (`kinds.join`), so a variable that holds
probabilities on one path and logits on another becomes unknown. An
`if self.training:` split is special: for losses only the training path
counts, since that is the path a loss is trained on.

While interpreting, the engine records *events* (a loss called with an input
and a target, an activation applied to a value, a softmax without dim, a
`log` or an `argmax` of a value). Tensor values carry a rank and a last-dim
size only where the code makes them certain (`torch.randn(B, C)`,
`x.view(B, -1)`, `nn.Linear(h, 1)`). Rules
read the events; they never walk the tree themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import libcst as cst

from ..parsing import ParsedModule
from . import torch_api as api
from .kinds import (
    DEFERRED,
    UNKNOWN,
    DeferredAttr,
    DeferredCall,
    ImportRef,
    ProjectModule,
    ClassValue,
    DictValue,
    ForeignRef,
    FunctionValue,
    InstanceValue,
    Kind,
    LossValue,
    Param,
    PartialValue,
    SequentialValue,
    Site,
    Tensor,
    TorchModule,
    TorchRef,
    TupleValue,
    UnknownValue,
    Value,
    is_maybe_tensor,
    join,
    join_all,
)
from .names import import_bindings
from .nodes import child_nodes, is_expression

ANY, TRAIN, EVAL = "any", "train", "eval"

# Modules that hand their input on unchanged in meaning (inside nn.Sequential).
PASS_THROUGH_MODULES = frozenset(
    {
        "torch.nn.Identity", "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d",
        "torch.nn.Dropout3d", "torch.nn.AlphaDropout", "torch.nn.Flatten", "torch.nn.Unflatten",
    }
)
# List and dict methods that change the container in place.
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem",
                      "sort", "reverse", "__setitem__", "__delitem__"})
PASS_THROUGH_DECORATORS = frozenset({"staticmethod", "classmethod", "torch.no_grad", "torch.inference_mode",
                                     "torch.compile", "torch.jit.ignore", "torch.autocast", "torch.amp.autocast",
                                     "torch.cuda.amp.autocast", "torch.compiler.disable",
                                     "torch.enable_grad", "torch.jit.export", "torch.jit.unused",
                                     "functools.wraps", "property", "abstractmethod", "abc.abstractmethod",
                                     "override", "typing.override"})


# --------------------------------------------------------------------------- events


@dataclass
class LossCall:
    """A loss called with an input and a target."""

    loss: api.Loss
    site: Site
    input: Value
    target: Value
    mode: str = ANY
    # Calls of user functions the value went through to reach the loss
    # (`compute_loss(probs, y)` whose body calls F.cross_entropy).
    via: tuple[Site, ...] = ()
    # Where a loss object was constructed (`nn.NLLLoss()`), for fixes.
    constructor: Site | None = None


@dataclass
class ActivationCall:
    """An activation (softmax, sigmoid, ...) applied to a value."""

    producer: api.Producer
    site: Site
    input: Value
    mode: str = ANY
    dim: int | None = None  # the literal `dim`, when given


@dataclass
class LogCall:
    """`torch.log(x)` or `x.log()`: the natural logarithm of a value."""

    site: Site
    input: Value
    mode: str = ANY


@dataclass
class ArgmaxCall:
    """`torch.argmax(x, ...)` or `x.argmax(...)`: a value used to pick a class."""

    site: Site
    input: Value
    mode: str = ANY


@dataclass
class ImplicitDim:
    """A softmax-family call or module constructed without `dim`."""

    producer: api.Producer
    site: Site


@dataclass
class ModuleFacts:
    """Everything the rules may ask about one module."""

    module: ParsedModule
    loss_calls: list[LossCall] = field(default_factory=list)
    activation_calls: list[ActivationCall] = field(default_factory=list)
    implicit_dims: list[ImplicitDim] = field(default_factory=list)
    log_calls: list[LogCall] = field(default_factory=list)
    argmax_calls: list[ArgmaxCall] = field(default_factory=list)


# --------------------------------------------------------------------------- program structure


@dataclass(eq=False)
class FunctionInfo:
    node: cst.FunctionDef | cst.Lambda
    name: str
    owner: "ClassInfo | None"
    closure: dict[str, Value]
    is_static: bool = False
    is_classmethod: bool = False
    is_property: bool = False
    transparent: bool = True  # decorators leave the return value alone
    status: str = "new"  # new | running | done
    return_value: Value = UNKNOWN
    self_writes: dict[str, Value] = field(default_factory=dict)
    writes_self: bool = False
    # Parameters that reach a loss input inside the function:
    # (parameter index, loss, loss call site, calls in between).
    param_sinks: list[tuple[int, api.Loss, Site, tuple[Site, ...]]] = field(default_factory=list)


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    bases: list[Value]
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    class_vars: dict[str, Value] = field(default_factory=dict)
    attrs: dict[str, Value] | None = None
    computing: bool = False

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


@dataclass(eq=False)
class SuperValue(Value):
    cls: ClassInfo
    instance: Value


@dataclass
class State:
    vars: dict[str, Value]
    mode: str = ANY
    reachable: bool = True

    def copy(self) -> "State":
        return State(dict(self.vars), self.mode, self.reachable)


@dataclass
class Frame:
    """Per-function interpretation context."""

    function: FunctionInfo | None
    closure: dict[str, Value]
    self_name: str | None = None
    returns: list[tuple[Value, str]] = field(default_factory=list)
    exit_states: list[State] = field(default_factory=list)
    generator: bool = False


@dataclass
class Args:
    positional: list[Value]
    keywords: dict[str, Value]
    starred: bool = False  # *args or **kwargs present: arity unknown

    def get(self, position: int, keyword: str) -> Value | None:
        if keyword in self.keywords:
            return self.keywords[keyword]
        if position < len(self.positional):
            return self.positional[position]
        return None

    def has(self, position: int | None, keyword: str) -> bool:
        if self.starred or keyword in self.keywords:
            return True
        return position is not None and position < len(self.positional)


def join_states(a: State, b: State) -> State:
    if not a.reachable:
        return b
    if not b.reachable:
        return a
    if {a.mode, b.mode} == {TRAIN, EVAL}:
        # An `if self.training:` split: what follows is trained on the training path.
        train = a if a.mode == TRAIN else b
        return State(dict(train.vars), ANY, True)
    merged: dict[str, Value] = {}
    for name in a.vars.keys() | b.vars.keys():
        if name in a.vars and name in b.vars:
            merged[name] = join(a.vars[name], b.vars[name])
        else:
            # Defined on one path only: the other path would fail with NameError.
            merged[name] = a.vars.get(name, b.vars.get(name, UNKNOWN))
    return State(merged, a.mode if a.mode == b.mode else ANY, True)


def training_test(test: cst.BaseExpression) -> str | None:
    """TRAIN for `x.training`, EVAL for `not x.training`, else None."""
    if isinstance(test, cst.Attribute) and test.attr.value == "training":
        return TRAIN
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = training_test(test.expression)
        if inner is not None:
            return EVAL if inner == TRAIN else TRAIN
    return None


def _int_literal(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        try:
            return int(node.value, 0)
        except ValueError:
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _int_literal(node.expression)
        return -inner if inner is not None else None
    return None


def _string_value(node: cst.SimpleString) -> object:
    """The value of a string literal. LibCST's `evaluated_value` runs `ast.literal_eval` (a
    `compile`) each time: ~5 % of a cold run on code with large dict literals. A plain
    quoted string without prefix or escapes is the text between its quotes."""
    text = node.value
    quote = text[-1]
    # No prefix, no escapes, no carriage return (Python reads "\r" and "\r\n" in a literal as "\n").
    if text[0] == quote and "\\" not in text and "\r" not in text:
        return text[3:-3] if len(text) >= 6 and text.startswith(quote * 3) else text[1:-1]
    return node.evaluated_value


# --------------------------------------------------------------------------- the interpreter


class Resolver:
    """How a module sees the rest of the project.

    This default sees nothing: every non-torch import is foreign. Phase 1 of a
    project run keeps imports unresolved (`project.DeferringResolver`); phase 2
    resolves them against the other modules' summaries (`project.Project`).
    """

    def resolve_import(self, ref: ImportRef, importer: str) -> Value:
        module = "." * ref.level + ref.module
        return ForeignRef(f"{module}.{ref.name}" if ref.name else module)

    def module_attribute(self, module: ProjectModule, name: str) -> Value:
        return UNKNOWN


class ModuleInterpreter:
    def __init__(self, parsed: ParsedModule, resolver: Resolver | None = None) -> None:
        self.parsed = parsed
        self.path = parsed.path
        self.resolver = resolver or Resolver()
        self.facts = ModuleFacts(parsed)
        self.globals: dict[str, Value] = {}
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        self.frame: Frame | None = None  # the function being interpreted
        self.imports: list[ImportRef] = []  # non-torch imports, anywhere in the module

    # -- entry

    def run(self) -> ModuleFacts:
        frame = Frame(None, {})
        self.frame = frame
        state = State(self.globals)
        self.exec_block(self.parsed.module.body, state, frame)
        # Functions nobody called are interpreted too, with unknown arguments.
        index = 0
        while index < len(self.functions):
            self.analyse_function(self.functions[index])
            index += 1
        for cls in self.classes:
            self.instance_attrs(cls)
        return self.facts

    def site(self, node: cst.CSTNode, label: str) -> Site:
        return Site(self.path, node, label, self.parsed)

    # -- statements

    def exec_block(self, body, state: State, frame: Frame) -> State:
        for statement in body:
            if not state.reachable:
                break
            state = self.exec_statement(statement, state, frame)
        return state

    def exec_statement(self, node: cst.CSTNode, state: State, frame: Frame) -> State:
        if type(node) is cst.SimpleStatementLine:
            for small in node.body:
                state = self.exec_small(small, state, frame)
                if not state.reachable:
                    break
            return state
        if type(node) is cst.FunctionDef:
            self.define_function(node, state, frame)
            return state
        if type(node) is cst.ClassDef:
            self.define_class(node, state, frame)
            return state
        if type(node) is cst.If:
            return self.exec_if(node, state, frame)
        if type(node) in (cst.For, cst.While):
            return self.exec_loop(node, state, frame)
        if type(node) is cst.With:
            for item in node.items:
                value = self.eval(item.item, state, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, UNKNOWN if not isinstance(value, Tensor) else value, state, frame)
            return self.exec_block(node.body.body, state, frame)
        if type(node) is cst.Try or type(node).__name__ == "TryStar":
            return self.exec_try(node, state, frame)
        if type(node) is cst.Match:
            self.eval(node.subject, state, frame)
            result = State({}, state.mode, False)
            for case in node.cases:
                result = join_states(result, self.exec_block(case.body.body, state.copy(), frame))
            return join_states(result, state)
        # Anything else (e.g. a bare indented block): interpret what it contains.
        body = getattr(node, "body", None)
        if isinstance(body, cst.BaseSuite):
            return self.exec_block(getattr(body, "body", ()), state, frame)
        return state

    def exec_if(self, node: cst.If, state: State, frame: Frame) -> State:
        # elif chains are walked iteratively: generated code can have hundreds.
        outcomes: list[State] = []
        current = state
        while True:
            self.eval(node.test, current, frame)
            split = training_test(node.test)
            then_state, else_state = current.copy(), current.copy()
            if split is not None:
                if current.mode == ANY:
                    then_state.mode = split
                    else_state.mode = EVAL if split == TRAIN else TRAIN
                elif current.mode != split:
                    then_state.reachable = False  # already on the other path: never runs
                else:
                    else_state.reachable = False
            outcomes.append(self.exec_block(node.body.body, then_state, frame))
            if isinstance(node.orelse, cst.If):
                node, current = node.orelse, else_state
                continue
            if isinstance(node.orelse, cst.Else):
                else_state = self.exec_block(node.orelse.body.body, else_state, frame)
            outcomes.append(else_state)
            break
        # Join innermost first, as the nesting of `if ... else: if ...` would.
        # When one side of a training split returned, the result keeps the other
        # side's mode for the rest of the block.
        result = outcomes[-1]
        for outcome in reversed(outcomes[:-1]):
            result = join_states(outcome, result)
        return result

    def exec_loop(self, node: cst.For | cst.While, state: State, frame: Frame) -> State:
        runs_at_least_once = False
        if isinstance(node, cst.For):
            iterated = self.eval(node.iter, state, frame)
            # Iterating an nn.ModuleList: each member, known only where all agree.
            member = join_all(list(iterated.items)) if isinstance(iterated, TupleValue) else UNKNOWN
            runs_at_least_once = isinstance(iterated, TupleValue) and bool(iterated.items)
            self.assign(node.target, member, state, frame)
        else:
            self.eval(node.test, state, frame)
        body_state = self.exec_block(node.body.body, state.copy(), frame)
        if not body_state.reachable:
            body_state = State(dict(state.vars), state.mode, True)
        # A loop over a known non-empty container leaves its body's values behind.
        after = body_state if runs_at_least_once else join_states(state, body_state)
        if node.orelse is not None:
            after = self.exec_block(node.orelse.body.body, after, frame)
        return after

    def exec_try(self, node, state: State, frame: Frame) -> State:
        body_state = self.exec_block(node.body.body, state.copy(), frame)
        result = body_state
        for handler in node.handlers:
            handler_start = join_states(state.copy(), body_state) if body_state.reachable else state.copy()
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, handler_start, frame)
            result = join_states(result, self.exec_block(handler.body.body, handler_start, frame))
        if node.orelse is not None and body_state.reachable:
            result = join_states(result, self.exec_block(node.orelse.body.body, body_state.copy(), frame))
        if node.finalbody is not None:
            final_start = result if result.reachable else state.copy()
            final = self.exec_block(node.finalbody.body.body, final_start, frame)
            return final if result.reachable else State(final.vars, final.mode, False)
        return result

    def exec_small(self, node: cst.BaseSmallStatement, state: State, frame: Frame) -> State:
        if type(node) is cst.Assign:
            value = self.eval(node.value, state, frame)
            for target in node.targets:
                self.assign(target.target, value, state, frame)
        elif type(node) is cst.AnnAssign:
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, state, frame), state, frame)
        elif type(node) is cst.AugAssign:
            self.eval(node.value, state, frame)
            self.eval(node.target, state, frame)
            self.assign(node.target, UNKNOWN, state, frame)
        elif type(node) is cst.Expr:
            self.eval(node.value, state, frame)
        elif type(node) is cst.Return:
            value = self.eval(node.value, state, frame) if node.value is not None else UNKNOWN
            frame.returns.append((value, state.mode))
            frame.exit_states.append(state.copy())
            state.reachable = False
        elif type(node) is cst.Raise:
            if node.exc is not None:
                self.eval(node.exc, state, frame)
            state.reachable = False
        elif type(node) in (cst.Import, cst.ImportFrom):
            for name, value in import_bindings(node):
                if isinstance(value, ImportRef):
                    self.imports.append(value)
                    value = self.resolver.resolve_import(value, self.path)
                state.vars[name] = value
        elif type(node) is cst.Del:
            pass
        elif type(node) is cst.Assert:
            self.eval(node.test, state, frame)
        return state

    # -- assignment

    def assign(self, target: cst.BaseExpression, value: Value, state: State, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            state.vars[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = value.items if isinstance(value, TupleValue) else None
            starred = any(isinstance(element, cst.StarredElement) for element in elements)
            for index, element in enumerate(elements):
                if isinstance(element, cst.StarredElement):
                    self.assign(element.value, UNKNOWN, state, frame)
                    continue
                item = items[index] if items is not None and not starred and len(items) == len(elements) else UNKNOWN
                self.assign(element.value, item, state, frame)
        elif isinstance(target, cst.Attribute):
            key = self.self_key(target, frame)
            if key is not None:
                state.vars[key] = value
            else:
                self.eval(target.value, state, frame)
        elif isinstance(target, cst.Subscript):
            self.eval(target.value, state, frame)
            self.forget_mutated(target.value, state, frame)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, state, frame)

    @staticmethod
    def self_key(node: cst.Attribute, frame: Frame) -> str | None:
        """`self.x` -> "self.x" (an instance attribute tracked like a variable)."""
        if frame.self_name and isinstance(node.value, cst.Name) and node.value.value == frame.self_name:
            return "self." + node.attr.value
        return None

    # -- definitions

    def define_function(self, node: cst.FunctionDef, state: State, frame: Frame, owner: ClassInfo | None = None,
                        closure: dict[str, Value] | None = None) -> FunctionInfo:
        info = FunctionInfo(node, node.name.value, owner, state.vars if closure is None else closure)
        info.writes_self = owner is not None and _writes_self(node)
        for decorator in node.decorators:
            name = _decorator_name(decorator.decorator)
            if name in ("staticmethod",):
                info.is_static = True
            if name in ("classmethod",):
                info.is_classmethod = True
            if name in ("property", "functools.cached_property", "cached_property"):
                info.is_property = True
            if name not in PASS_THROUGH_DECORATORS and name not in ("functools.cached_property", "cached_property"):
                info.transparent = False
            self.eval(decorator.decorator, state, frame)
        for param in _all_params(node.params):
            if param.default is not None:
                self.eval(param.default, state, frame)
        self.functions.append(info)
        if owner is None:
            state.vars[info.name] = FunctionValue(info)
        return info

    def define_class(self, node: cst.ClassDef, state: State, frame: Frame) -> None:
        bases = [self.eval(arg.value, state, frame) for arg in node.bases]
        cls = ClassInfo(node, node.name.value, bases)
        self.classes.append(cls)
        # The class body is its own namespace; methods see the enclosing scope, not it.
        class_state = State({})
        class_frame = Frame(None, state.vars)
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                method = self.define_function(statement, class_state, class_frame, owner=cls, closure=state.vars)
                cls.methods[statement.name.value] = method
            else:
                class_state = self.exec_statement(statement, class_state, class_frame)
                class_state.reachable = True
        cls.class_vars.update(class_state.vars)
        state.vars[cls.name] = ClassValue(cls)

    # -- functions

    def analyse_function(self, info: FunctionInfo) -> Value:
        """Interpret a function once; its return value serves every caller."""
        if info.status == "done":
            return info.return_value
        if info.status == "running":
            return UNKNOWN  # recursion
        info.status = "running"
        frame = Frame(info, info.closure)
        outer_frame, self.frame = self.frame, frame
        try:
            return self._interpret_function(info, frame)
        finally:
            self.frame = outer_frame

    def _interpret_function(self, info: FunctionInfo, frame: Frame) -> Value:
        state = State({})
        params = _all_params(info.node.params)
        position = 0
        for index, param in enumerate(params):
            name = param.name.value
            if index == 0 and info.owner is not None and not info.is_static and isinstance(info.node, cst.FunctionDef):
                if info.is_classmethod:
                    state.vars[name] = ClassValue(info.owner)
                else:
                    frame.self_name = name
                    state.vars[name] = InstanceValue(info.owner)
                continue
            value: Value = Param(position, name)
            if param.default is not None:
                default = self.eval(param.default, State(dict(info.closure)), Frame(None, {}))
                # A loss object given as a default is what the function uses in practice.
                if isinstance(default, (LossValue, TorchModule)):
                    value = default
            state.vars[name] = value
            position += 1
        if isinstance(info.node, cst.Lambda):
            value = self.eval(info.node.body, state, frame)
            frame.returns.append((value, ANY))
        else:
            end = self.exec_block(info.node.body.body, state, frame)
            if end.reachable:
                frame.exit_states.append(end)
        trained = [value for value, mode in frame.returns if mode != EVAL]
        result: Value = UNKNOWN
        if trained and not frame.generator:
            result = trained[0]
            for value in trained[1:]:
                result = join(result, value)
        info.return_value = result if info.transparent else UNKNOWN
        # Instance attributes this method leaves behind (`self.x = ...`).
        if frame.self_name is not None and frame.exit_states:
            exits = frame.exit_states[0]
            for other in frame.exit_states[1:]:
                exits = join_states(exits, other)
            info.self_writes = {k[5:]: v for k, v in exits.vars.items() if k.startswith("self.")}
        info.status = "done"
        return info.return_value

    def instance_attrs(self, cls: ClassInfo) -> dict[str, Value]:
        """Attributes of instances: what `__init__` (and other methods) assign to `self.x`.

        Several methods assigning the same attribute join their values. While a
        writer is still being interpreted (an attribute read inside `__init__`)
        the table is incomplete and is not cached.
        """
        if cls.attrs is not None:
            return cls.attrs
        if cls.computing:
            return {}
        cls.computing = True
        complete = True
        merged: dict[str, Value] = {}
        for base in reversed(cls.bases):
            if isinstance(base, ClassValue):
                merged.update(self.instance_attrs(base.info))
                complete = complete and base.info.attrs is not None
        writers = sorted(cls.methods.values(), key=lambda m: m.name != "__init__")
        own: dict[str, Value] = {}
        for method in writers:
            if not method.writes_self:
                continue
            self.analyse_function(method)
            if method.status != "done":
                complete = False
                continue
            for name, value in method.self_writes.items():
                own[name] = join(own[name], value) if name in own else value
        merged.update(own)
        cls.computing = False
        if complete:
            cls.attrs = merged
        return merged

    # -- expressions

    def eval(self, node: cst.BaseExpression | None, state: State, frame: Frame) -> Value:
        # `type(node) is` rather than isinstance here and in exec_*: see analysis/nodes.py.
        if node is None:
            return UNKNOWN
        if type(node) is cst.Name:
            return self.lookup(node.value, state, frame)
        if type(node) is cst.Attribute:
            key = self.self_key(node, frame)
            if key is not None and key in state.vars:
                return state.vars[key]
            return self.attribute(self.eval(node.value, state, frame), node.attr.value)
        if type(node) is cst.Call:
            return self.eval_call(node, state, frame)
        if type(node) is cst.Subscript:
            base = self.eval(node.value, state, frame)
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self.eval(element.slice.value, state, frame)
            return self.subscript(base, node)
        if type(node) in (cst.Tuple, cst.List):
            items = []
            for element in node.elements:
                value = self.eval(element.value, state, frame)
                items.append(UNKNOWN if isinstance(element, cst.StarredElement) else value)
            return TupleValue(tuple(items))
        if type(node) is cst.Dict:
            entries = []
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    value = self.eval(element.value, state, frame)
                    key = element.key
                    self.eval(key, state, frame)
                    if isinstance(key, cst.SimpleString):
                        entries.append((_string_value(key), value))
                else:
                    self.eval(element.value, state, frame)
            return DictValue(tuple(entries))
        if type(node) is cst.IfExp:
            self.eval(node.test, state, frame)
            return join(self.eval(node.body, state, frame), self.eval(node.orelse, state, frame))
        if type(node) is cst.Lambda:
            info = FunctionInfo(node, "<lambda>", None, state.vars)
            self.functions.append(info)
            return FunctionValue(info)
        if type(node) is cst.NamedExpr:
            value = self.eval(node.value, state, frame)
            self.assign(node.target, value, state, frame)
            return value
        if type(node) in (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString):
            return UNKNOWN
        if type(node) is cst.Yield:
            frame.generator = True
        # Arithmetic, comparisons, comprehensions, f-strings...: the result is
        # unknown, but calls inside still happen.
        for child in _child_expressions(node):
            self.eval(child, state, frame)
        return UNKNOWN

    def lookup(self, name: str, state: State, frame: Frame) -> Value:
        if name in state.vars:
            return state.vars[name]
        if name in frame.closure:
            return frame.closure[name]
        if name in self.globals:
            return self.globals[name]
        return UNKNOWN

    def attribute(self, base: Value, name: str) -> Value:
        if isinstance(base, DEFERRED):
            return DeferredAttr(base, name)
        if isinstance(base, ProjectModule):
            return self.resolver.module_attribute(base, name)
        if isinstance(base, TorchRef):
            return TorchRef(f"{base.qualname}.{name}")
        if isinstance(base, ForeignRef):
            return ForeignRef(f"{base.qualname}.{name}")
        if isinstance(base, InstanceValue):
            return class_member(base.cls, name, base, self.instance_attrs(base.cls), self.analyse_function)
        if isinstance(base, ClassValue):
            return class_member(base.info, name, None, {}, self.analyse_function)
        if isinstance(base, SuperValue):
            for cls in list(base.cls.mro())[1:]:
                if name in cls.methods:
                    return FunctionValue(cls.methods[name], bound_self=base.instance)
            for cls in base.cls.mro():
                for parent in cls.bases:
                    if isinstance(parent, DEFERRED):
                        # A base class from another module: its method, on an instance of it.
                        return DeferredAttr(DeferredCall(parent), name)
            return UNKNOWN
        if isinstance(base, DictValue):
            return UNKNOWN
        return UNKNOWN

    def subscript(self, base: Value, node: cst.Subscript) -> Value:
        if isinstance(base, Tensor):
            return Tensor(base.kind, base.origins, base.producer, None)
        if isinstance(base, TupleValue) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                position = _int_literal(index.value)
                if position is not None and -len(base.items) <= position < len(base.items):
                    return base.items[position]
        if isinstance(base, DictValue) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                return base.get(_string_value(index.value))
        return UNKNOWN

    # -- calls

    def eval_args(self, node: cst.Call, state: State, frame: Frame) -> Args:
        args = Args([], {})
        for arg in node.args:
            value = self.eval(arg.value, state, frame)
            if arg.star:
                args.starred = True
            elif arg.keyword is not None:
                args.keywords[arg.keyword.value] = value
            else:
                args.positional.append(value)
        return args

    def eval_call(self, node: cst.Call, state: State, frame: Frame) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
            self.forget_mutated(func.value, state, frame)
        if isinstance(func, cst.Attribute):
            receiver_key = self.self_key(func, frame)
            own_attribute = receiver_key is not None and receiver_key in state.vars
            if own_attribute:
                callee = state.vars[receiver_key]
                receiver: Value = UNKNOWN
            else:
                receiver = self.eval(func.value, state, frame)
                if isinstance(receiver, DEFERRED):
                    name = func.attr.value
                    if name in api.PRESERVING_METHODS or name in api.MODULE_SELF_METHODS:
                        self.eval_args(node, state, frame)
                        return receiver
                    if name in api.TENSOR_METHOD_PRODUCERS:
                        args = self.eval_args(node, state, frame)
                        result = self.method_call(receiver, name, args, node, state)
                        if result is not None:
                            return result
                callee = self.attribute(receiver, func.attr.value)
            args = self.eval_args(node, state, frame)
            if isinstance(callee, UnknownValue) and not own_attribute:
                method = self.method_call(receiver, func.attr.value, args, node, state)
                if method is not None:
                    return method
            return self.call(callee, args, node, state)
        if isinstance(func, cst.Name) and func.value == "super" and frame.function is not None:
            owner = frame.function.owner
            if owner is not None and frame.self_name:
                return SuperValue(owner, state.vars.get(frame.self_name, UNKNOWN))
        callee = self.eval(func, state, frame)
        args = self.eval_args(node, state, frame)
        return self.call(callee, args, node, state)

    def forget_mutated(self, target: cst.BaseExpression, state: State, frame: Frame) -> None:
        """`layers.append(...)`: a list or dict literal bound to a name no longer holds what it did."""
        key = None
        if isinstance(target, cst.Name):
            key = target.value
        elif isinstance(target, cst.Attribute):
            key = self.self_key(target, frame)
        if key is None:
            return
        current = state.vars.get(key)
        if current is None and isinstance(target, cst.Name):
            current = frame.closure.get(key, self.globals.get(key))
        if isinstance(current, (TupleValue, DictValue)):
            state.vars[key] = UNKNOWN

    def method_call(self, receiver: Value, name: str, args: Args, node: cst.Call, state: State) -> Value | None:
        """Methods on tensors and nn modules, where the receiver is not user code."""
        if isinstance(receiver, (TorchModule, LossValue, SequentialValue)) and name in api.MODULE_SELF_METHODS:
            return receiver
        if isinstance(receiver, InstanceValue) and name in api.MODULE_SELF_METHODS:
            return receiver
        if not is_maybe_tensor(receiver):
            return None
        producer = api.TENSOR_METHOD_PRODUCERS.get(name)
        if producer is not None:
            first = args.get(0, "dim")
            if isinstance(first, (Tensor, Param)) and "dim" not in args.keywords:
                return None  # `obj.softmax(x)`: a user object, not Tensor.softmax(dim)
            return self.produce(producer, receiver, args, node, state, dim_position=0)
        if name in api.LOG_METHODS and not args.positional and not args.keywords:
            self.facts.log_calls.append(LogCall(self.site(node, "Tensor.log"), receiver, state.mode))
            return UNKNOWN
        if name in api.ARGMAX_METHODS:
            self.facts.argmax_calls.append(ArgmaxCall(self.site(node, "Tensor.argmax"), receiver, state.mode))
            return UNKNOWN
        if name in api.PRESERVING_METHODS:
            reshaped = name in ("view", "reshape", "flatten", "squeeze", "unsqueeze")
            rank = _reshaped_rank(name, node, args, offset=0) if reshaped else None
            if isinstance(receiver, Tensor):
                if name in api.ELEMENTWISE_METHODS:
                    return receiver
                if not reshaped:  # permute, transpose, ...: the same values along other dims
                    return Tensor(receiver.kind, receiver.origins, receiver.producer, None, receiver.rank, None)
                return Tensor(receiver.kind, receiver.origins, receiver.producer, None, rank, None)
            if isinstance(receiver, Param):
                return Param(receiver.index, receiver.name, rank) if reshaped else receiver
            if rank is not None:
                return Tensor(Kind.UNKNOWN, rank=rank)
            return UNKNOWN
        return None

    def call(self, callee: Value, args: Args, node: cst.Call, state: State) -> Value:
        if isinstance(callee, DEFERRED):
            return DeferredCall(callee)
        if isinstance(callee, TorchRef):
            return self.call_torch(callee.qualname, args, node, state)
        if isinstance(callee, ForeignRef):
            if callee.qualname in ("functools.partial",) and args.positional:
                return PartialValue(args.positional[0], tuple(args.positional[1:]), tuple(args.keywords.items()))
            if callee.qualname in ("collections.OrderedDict",) and len(args.positional) == 1:
                return _ordered_dict(args.positional[0])
            return UNKNOWN
        if isinstance(callee, (TorchModule, LossValue, SequentialValue)):
            return self.call_module(callee, args, node, state, self.site(node, _module_label(callee)))
        if isinstance(callee, ClassValue):
            return InstanceValue(callee.info)
        if isinstance(callee, InstanceValue):
            method = callee.cls.find_method("__call__") or callee.cls.find_method("forward")
            if method is None:
                return UNKNOWN
            return self.call_function(method, args, node)
        if isinstance(callee, FunctionValue):
            return self.call_function(callee.info, args, node)
        if isinstance(callee, PartialValue):
            merged = Args(list(callee.args) + args.positional, dict(callee.keywords), args.starred)
            merged.keywords.update(args.keywords)
            return self.call(callee.func, merged, node, state)
        return UNKNOWN

    def call_function(self, info: FunctionInfo, args: Args, node: cst.Call | None) -> Value:
        """A user function's (memoised) result at one call site.

        The result is context-insensitive, except that a returned parameter is
        the caller's argument, and a parameter that reaches a loss inside the
        function makes the caller's argument reach it too.
        """
        result = self.analyse_function(info)
        if info.param_sinks and node is not None:
            call_site = self.site(node, info.name)
            for index, loss, loss_site, via in info.param_sinks:
                if index >= len(args.positional):
                    continue
                argument = args.positional[index]
                if isinstance(argument, Param) and self.frame is not None and self.frame.function is not None:
                    self.frame.function.param_sinks.append((argument.index, loss, loss_site, (call_site,) + via))
                elif isinstance(argument, Tensor):
                    self.facts.loss_calls.append(
                        LossCall(loss, loss_site, argument, UNKNOWN, ANY, (call_site,) + via)
                    )
        if isinstance(result, Param):
            argument = args.get(result.index, result.name)
            if argument is None or args.starred:
                return UNKNOWN
            if result.rank is not None and isinstance(argument, Tensor):
                return Tensor(argument.kind, argument.origins, argument.producer, None, result.rank)
            if result.rank is not None and isinstance(argument, Param):
                return Param(argument.index, argument.name, result.rank)
            return argument
        return result

    def call_torch(self, qualname: str, args: Args, node: cst.Call, state: State) -> Value:
        qualname = api.canonical(qualname)
        producer = api.PRODUCERS.get(qualname)
        if producer is not None:
            if producer.is_module:
                dim_value = None
                if producer.dim_position is not None:
                    dim_node = _argument_node(node, producer.dim_position, "dim")
                    dim_value = _int_literal(dim_node) if dim_node is not None else None
                features = None
                if producer.out_position is not None:
                    out_node = _argument_node(node, producer.out_position, "out_features")
                    features = _int_literal(out_node) if out_node is not None else None
                dim_given = args.has(0, "dim")
                site = self.site(node, producer.label)
                if producer.implicit_dim and not dim_given:
                    self.facts.implicit_dims.append(ImplicitDim(producer, site))
                return TorchModule(qualname, site, dim_value, dim_given, features)
            tensor_input = args.get(0, "input")
            return self.produce(producer, tensor_input if tensor_input is not None else UNKNOWN, args, node, state,
                                dim_position=1)
        loss = api.LOSSES.get(qualname)
        if loss is not None:
            site = self.site(node, loss.label)
            if loss.is_module:
                return LossValue(loss, site)
            self.record_loss(loss, site, args, state, offset=0)
            return UNKNOWN
        if qualname == api.SEQUENTIAL:
            # `nn.Sequential(*blocks)` or an empty one filled later: layers unknown.
            layers = tuple(args.positional) if args.positional and not args.starred else (UNKNOWN,)
            if len(layers) == 1 and isinstance(layers[0], DictValue):  # nn.Sequential(OrderedDict(...))
                layers = tuple(value for _, value in layers[0].items) or (UNKNOWN,)
            sequential = SequentialValue(layers, self.site(node, "nn.Sequential"))
            self.check_layer_chain(layers, state)
            return sequential
        if qualname in ("torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.ParameterList"):
            members = args.get(0, "modules")
            return members if isinstance(members, (TupleValue, DictValue)) else UNKNOWN
        if qualname in PASS_THROUGH_MODULES or qualname.startswith("torch.nn.") and qualname[9:10].isupper():
            return TorchModule(qualname, self.site(node, "nn." + qualname.rsplit(".", 1)[-1]))
        if qualname in api.PRESERVING_FUNCTIONS:
            value = args.get(0, "input")
            name = qualname.rsplit(".", 1)[-1]
            rank = _reshaped_rank(name, node, args, offset=1)
            if isinstance(value, Tensor):
                return value if name == "clone" else Tensor(value.kind, value.origins, value.producer, None, rank)
            if isinstance(value, Param):
                return value if name == "clone" else Param(value.index, value.name, rank)
            return Tensor(Kind.UNKNOWN, rank=rank) if rank is not None else UNKNOWN
        if qualname in api.APPLY_FUNCTIONS and len(args.positional) >= 2 and not args.starred:
            function, rest = args.positional[0], args.positional[1:]
            if qualname.endswith("data_parallel"):
                rest = list(rest[0].items) if isinstance(rest[0], TupleValue) else rest[:1]
            if isinstance(function, (TorchModule, SequentialValue)):
                return self.call_module(function, Args(list(rest), {}), None, state, function.site)
            if isinstance(function, (InstanceValue, FunctionValue)):
                return self.call(function, Args(list(rest), {}), node, state)
            return UNKNOWN
        if qualname in api.LOG_FUNCTIONS:
            value = args.get(0, "input")
            self.facts.log_calls.append(LogCall(self.site(node, qualname), value or UNKNOWN, state.mode))
            return UNKNOWN
        if qualname in api.ARGMAX_FUNCTIONS:
            value = args.get(0, "input")
            self.facts.argmax_calls.append(ArgmaxCall(self.site(node, qualname), value or UNKNOWN, state.mode))
            return UNKNOWN
        if qualname in api.CREATION_FUNCTIONS and not args.starred:
            rank = _size_rank(node)
            return Tensor(Kind.UNKNOWN, rank=rank) if rank is not None else UNKNOWN
        return UNKNOWN

    def produce(self, producer: api.Producer, tensor_input: Value, args: Args, node: cst.Call, state: State,
                dim_position: int) -> Tensor:
        site = self.site(node, producer.label)
        if producer.implicit_dim and not args.has(dim_position if producer.dim_position is not None else None, "dim"):
            self.facts.implicit_dims.append(ImplicitDim(producer, site))
        dim_node = _argument_node(node, dim_position, "dim") if producer.dim_position is not None else None
        dim = _int_literal(dim_node) if dim_node is not None else None
        if producer.kind != Kind.LOGITS:
            self.facts.activation_calls.append(ActivationCall(producer, site, tensor_input, state.mode, dim))
        rank, last_size = _shape_of(tensor_input)
        if producer.kind == Kind.LOGITS:  # F.linear: same rank, new last size
            last_size = None
        return Tensor(producer.kind, (site,), producer, dim, rank, last_size)

    def call_module(self, module: Value, args: Args, node: cst.Call | None, state: State, site: Site) -> Value:
        tensor_input = args.get(0, "input")
        if tensor_input is None:
            tensor_input = UNKNOWN
        if isinstance(module, LossValue):
            self.record_loss(module.loss, site, args, state, offset=0)
            self.facts.loss_calls[-1].constructor = module.site
            return UNKNOWN
        if isinstance(module, SequentialValue):
            value = tensor_input
            for layer in module.layers:
                layer_site = layer.site if isinstance(layer, (TorchModule, SequentialValue)) else site
                value = self.call_module(layer, Args([value], {}), None, state, layer_site)
            return value
        if isinstance(module, TorchModule):
            if module.qualname in PASS_THROUGH_MODULES:
                if module.qualname in ("torch.nn.Flatten", "torch.nn.Unflatten") and isinstance(tensor_input, Tensor):
                    return tensor_input.shaped(None, None)
                return tensor_input
            producer = api.PRODUCERS.get(module.qualname)
            if producer is None:
                return UNKNOWN
            if producer.kind != Kind.LOGITS:
                self.facts.activation_calls.append(
                    ActivationCall(producer, site, tensor_input, state.mode, module.dim)
                )
            rank, last_size = _shape_of(tensor_input)
            if producer.kind == Kind.LOGITS:
                last_size = module.features
                if producer.out_position is None:  # convolutions: the channels are not the last dim
                    last_size = None
            return Tensor(producer.kind, (site,), producer, module.dim, rank, last_size)
        if isinstance(module, InstanceValue):
            method = module.cls.find_method("__call__") or module.cls.find_method("forward")
            return self.call_function(method, args, node) if method is not None else UNKNOWN
        if isinstance(module, FunctionValue):
            return self.call_function(module.info, args, node)
        if isinstance(module, DEFERRED):
            return DeferredCall(module)
        return UNKNOWN

    def check_layer_chain(self, layers: tuple[Value, ...], state: State) -> None:
        """Apply a Sequential's torch layers to an unknown input once, where it is built.

        What one layer hands the next (`nn.Linear(h, 1)` then `nn.Softmax(dim=-1)`,
        two softmaxes in a row) is known without any call of the container; the
        events of a later call land on the same layer sites.
        """
        value: Value = UNKNOWN
        for layer in layers:
            if not isinstance(layer, (TorchModule, SequentialValue)):
                value = UNKNOWN
                continue
            if isinstance(layer, SequentialValue):
                value = UNKNOWN  # checked when it was built
                continue
            value = self.call_module(layer, Args([value], {}), None, state, layer.site)

    def record_loss(self, loss: api.Loss, site: Site, args: Args, state: State, offset: int) -> None:
        tensor_input = args.get(offset, "input")
        target = args.get(offset + 1, "target")
        function = self.frame.function if self.frame is not None else None
        if isinstance(tensor_input, Param) and function is not None:
            function.param_sinks.append((tensor_input.index, loss, site, ()))
        self.facts.loss_calls.append(
            LossCall(loss, site, tensor_input if tensor_input is not None else UNKNOWN,
                     target if target is not None else UNKNOWN, state.mode)
        )


# --------------------------------------------------------------------------- helpers


def _ordered_dict(pairs: Value) -> Value:
    """`OrderedDict([("fc", nn.Linear(...)), ("act", nn.Softmax(1))])` as a dict value."""
    if not isinstance(pairs, TupleValue):
        return UNKNOWN
    items = []
    for pair in pairs.items:
        if not isinstance(pair, TupleValue) or len(pair.items) != 2:
            return UNKNOWN
        items.append((f"#{len(items)}", pair.items[1]))
    return DictValue(tuple(items))


def class_member(cls: ClassInfo, name: str, instance: Value | None, attrs: dict[str, Value],
                 property_value: Callable[[FunctionInfo], Value]) -> Value:
    """`instance.name` (or `Class.name` when `instance` is None): an instance attribute,
    a method (a property's value), or a class variable, looked up along the MRO."""
    if name in attrs:
        return attrs[name]
    method = cls.find_method(name)
    if method is not None:
        if method.is_property and instance is not None:
            return property_value(method)
        bound = instance if instance is not None and not method.is_static else None
        return FunctionValue(method, bound_self=bound)
    for ancestor in cls.mro():
        if name in ancestor.class_vars:
            return ancestor.class_vars[name]
    return UNKNOWN


def _argument_node(node: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The expression passed at `position` (or as `keyword`), if written out."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in node.args if arg.keyword is None]
    if any(arg.star for arg in positional[: position + 1]):
        return None
    return positional[position].value if position < len(positional) else None


def _shape_of(value: Value) -> tuple[int | None, int | None]:
    if isinstance(value, Tensor):
        return value.rank, value.last_size
    if isinstance(value, Param):
        return value.rank, None
    return None, None


def _size_rank(node: cst.Call, offset: int = 0) -> int | None:
    """The number of sizes in `(B, C)` / `B, C` arguments, when written out."""
    positional = [arg for arg in node.args if arg.keyword is None][offset:]
    if not positional and offset == 0:
        size = next((a.value for a in node.args if a.keyword is not None and a.keyword.value in ("size", "shape")),
                    None)
        if isinstance(size, (cst.Tuple, cst.List)) and not any(
            isinstance(e, cst.StarredElement) for e in size.elements
        ):
            return len(size.elements)
        return None
    if any(arg.star for arg in positional):
        return None
    if len(positional) == 1:
        only = positional[0].value
        if isinstance(only, (cst.Tuple, cst.List)):
            if any(isinstance(e, cst.StarredElement) for e in only.elements):
                return None
            return len(only.elements)
        # A single size: an int literal is rank 1; a name may hold a whole shape.
        return 1 if _int_literal(only) is not None else None
    return len(positional)


def _reshaped_rank(name: str, node: cst.Call, args: Args, offset: int) -> int | None:
    """The rank after view/reshape/flatten, where the call makes it certain."""
    if name in ("view", "reshape"):
        if any(a.keyword is not None for a in node.args):
            return None
        return _size_rank(node, offset)
    if name == "flatten":
        start = _argument_node(node, offset, "start_dim")
        end = _argument_node(node, offset + 1, "end_dim")
        start_value = _int_literal(start) if start is not None else 0
        if start_value is None or start_value < 0:
            return None
        if end is not None and _int_literal(end) != -1:
            return None
        return start_value + 1
    return None


def _module_label(module: Value) -> str:
    if isinstance(module, LossValue):
        return module.loss.label
    if isinstance(module, TorchModule):
        return "nn." + module.qualname.rsplit(".", 1)[-1]
    return "nn.Sequential"


def _decorator_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call):
        node = node.func
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    result = list(params.posonly_params) + list(params.params)
    if isinstance(params.star_arg, cst.Param):
        result.append(params.star_arg)
    result.extend(params.kwonly_params)
    if params.star_kwarg is not None:
        result.append(params.star_kwarg)
    return result


def _writes_self(node: cst.FunctionDef | cst.Lambda) -> bool:
    """Does the method assign `self.<attr> = ...` anywhere in its own body?

    A walk over statements only (attributes cannot be assigned inside an
    expression): far cheaper than a LibCST visitor.
    """
    if isinstance(node, cst.Lambda):
        return False
    params = _all_params(node.params)
    if not params:
        return False
    self_name = params[0].name.value
    return any(_assigns_attribute_of(statement, self_name) for statement in _statements(node.body))


def _statements(suite: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    if isinstance(suite, cst.SimpleStatementSuite):
        yield from suite.body
        return
    for statement in suite.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):  # their assignments are their own
            yield statement
            yield from _compound_children(statement)


def _compound_children(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in ("body", "orelse", "finalbody"):
        child = getattr(statement, name, None)
        if isinstance(child, cst.BaseSuite):
            yield from _statements(child)
        elif isinstance(child, cst.If):  # elif
            yield from _statements(child.body)
            yield from _compound_children(child)
        elif child is not None and isinstance(getattr(child, "body", None), cst.BaseSuite):
            yield from _statements(child.body)  # else / finally clauses
    for clause in list(getattr(statement, "handlers", ())) + list(getattr(statement, "cases", ())):
        yield from _statements(clause.body)


def _assigns_attribute_of(statement: cst.CSTNode, name: str) -> bool:
    targets: list[cst.BaseExpression] = []
    if isinstance(statement, cst.Assign):
        targets = [target.target for target in statement.targets]
    elif isinstance(statement, (cst.AnnAssign, cst.AugAssign)):
        targets = [statement.target]
    elif isinstance(statement, (cst.For, cst.With)):
        targets = [statement.target] if isinstance(statement, cst.For) else [
            item.asname.name for item in statement.items if item.asname is not None
        ]
    while targets:
        target = targets.pop()
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == name:
            return True
        if isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(element.value for element in target.elements)
    return False


def _child_expressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The sub-expressions of an expression the interpreter does not model,
    in field order (Python's evaluation order: `b if a else c` is a, b, c)."""
    for child in child_nodes(node):
        if is_expression(child):
            yield child
        else:  # comprehension clauses, arguments, f-string parts, ...
            yield from _child_expressions(child)


def analyze_module(parsed: ParsedModule, resolver: Resolver | None = None) -> ModuleFacts:
    """Phase 2 for one module: interpret it, with other modules seen through `resolver`."""
    return ModuleInterpreter(parsed, resolver).run()
