"""Value flow inside one module: an abstract interpreter over the LibCST tree.

Straight-line code updates an environment (`state.State`); branches are
interpreted separately and joined (`values.join`), so a variable that holds
probabilities on one path and logits on another becomes unknown. An
`if self.training:` split is special: for losses only the training path
counts, since that is the path a loss is trained on. Tests the engine can
decide (`x is None` where `x` is known, `__name__ == "__main__"`) prune the
branch that cannot run.

Each function body is interpreted once with its parameters unknown, and its
result is remembered; a call whose arguments say something is interpreted
again with them (a *context*, see `calls.py`), in whichever module defines the
function. Module-level functions read the module's variables as they are when
they run, so a model made under `if __name__ == "__main__":` is the one a
function called from there sees.

While interpreting, the engine records *events* (`events.py`: a loss called
with an input and a target, an activation applied to a value, a softmax
without dim, a `log` or an `argmax` of a value). Tensor values carry a rank and
a last-dim size only where the code makes them certain (`torch.randn(B, C)`,
`x.view(B, -1)`, `nn.Linear(h, 1)`). Rules read the events; they never walk
the tree themselves.
"""

from __future__ import annotations

import functools

import libcst as cst

from ..parsing import ParsedModule
from . import calls, containers
from . import torch_api as api
from .calls import Args, CallEngine, informative
from .events import Mode, ModuleFacts
from .values import (
    DEFERRED,
    NONE,
    UNKNOWN,
    ClassValue,
    DeferredAttr,
    DeferredCall,
    DictValue,
    ForeignRef,
    FunctionValue,
    ImportRef,
    InstanceValue,
    Kind,
    ListOf,
    LossValue,
    NoneValue,
    OneOf,
    Param,
    PartialValue,
    ProjectModule,
    RecordValue,
    SequentialValue,
    Site,
    StrValue,
    Tensor,
    TorchModule,
    TorchRef,
    TupleValue,
    UnknownValue,
    Value,
    join,
    join_all,
    same,
    spread_into,
    text_of,
)
from .invocation import Invocation, callable_options
from .names import import_bindings
from .program import MODULE_SCOPE, ClassInfo, Closure, FunctionInfo, RecordedMethods, SuperValue, class_member
from .state import Frame, LazyImport, State, join_states, resolved, self_attributes
from .torch_semantics import TorchSemantics, module_label, probability
from .syntax import (
    annotated_fields,
    child_expressions,
    decorator_name,
    global_names,
    int_literal,
    main_guard,
    none_test,
    parameters,
    plain_string,
    self_assignments,
    small_constant,
    string_value,
    training_test,
)

# Loops over at most this many known items run once per item (see `unrolls`), at most this deep.
MAX_UNROLLED_ITEMS = 8
MAX_UNROLLED_DEPTH = 2

# Objects that are never None and are truthy (a test on them is decided).
_OBJECTS = (InstanceValue, ClassValue, FunctionValue, PartialValue, LossValue, TorchModule, SequentialValue,
            TorchRef, RecordValue)


class Resolver:
    """How a module sees the rest of the project.

    This default sees nothing: every non-torch import is foreign. Phase 1 of a
    project run keeps imports unresolved (`project.DeferringResolver`); phase 2
    resolves them against the other modules' summaries (`project.Project`),
    and finds the definitions of imported functions and classes when a call
    interprets them with its own values.
    """

    # Whether the analysed module's own imports wait until a name is read (`state.LazyImport`):
    # the project's do (see `ModuleInterpreter.lazy_imports`).
    lazy_imports = False

    def resolve_import(self, ref: ImportRef, importer: str) -> Value:
        module = "." * ref.level + ref.module
        return ForeignRef(f"{module}.{ref.name}" if ref.name else module)

    def module_attribute(self, module: ProjectModule, name: str) -> Value:
        return UNKNOWN

    def definition(self, decoded: FunctionInfo | ClassInfo, engine: CallEngine) -> FunctionInfo | ClassInfo | None:
        """The interpreted definition of a function or class decoded from a summary (its body
        known), in a module interpreted for `engine`; None when it cannot be had."""
        return None

    def entered(self, interpreter: "ModuleInterpreter", info: FunctionInfo) -> None:
        """`interpreter` is about to interpret `info`'s body (what a module interpreted for its
        definitions gave the analysed file depends on the bodies entered: `project.Project`)."""


class ModuleInterpreter(Invocation, TorchSemantics):
    """The interpreter of one module: statements, assignments, definitions and expressions here;
    calls of user code in `invocation.Invocation`, of torch in `torch_semantics.TorchSemantics`."""

    def __init__(self, parsed: ParsedModule, resolver: Resolver | None = None, engine: CallEngine | None = None,
                 as_main: bool = True) -> None:
        self.parsed = parsed
        self.path = parsed.path
        self.resolver = resolver or Resolver()
        self.facts = ModuleFacts(parsed)
        # A module interpreted for the definitions a context of another module needs (it shares
        # that module's engine) resolves its imports lazily; so does the analysed module when
        # its resolver says so (phase 2: what it imports and never reads is never decoded, nor
        # summarised, nor one of its cache dependencies: a package's `__init__` re-exporting a
        # whole library read every module of it).
        self.lazy_imports = (engine is not None and not as_main) or (as_main and self.resolver.lazy_imports)
        if engine is None:
            engine = CallEngine(self.facts, calls.MAX_DEPTH if as_main else calls.SUMMARY_DEPTH)
            engine.interpreters[self.path] = self
        self.engine = engine
        # Interpreted as the program that runs (the analysed module), or as a module imported
        # by it (a summary, or the definitions a context needs): `__main__` blocks run only in
        # the first.
        self.as_main = as_main
        self.globals: dict[str, Value] = {}
        # The module-level variables as they stand while the module body runs (a branch's own
        # copy inside an `if`); after the run, the module's final variables.
        self.live_globals: dict[str, Value] = self.globals
        # Names some function declares `global`: it may rebind them when it runs.
        self.rebound_globals: set[str] = set()
        self.has_global_statements = "global" in parsed.text
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        # Interpreted for a context (`Project.definition`): what is read of each outline class's
        # methods, by its outline name (`RecordedMethods`); None otherwise.
        self.looked_methods: dict[str, set[str]] | None = None
        self.unrolled_depth = 0
        self.module_frame = Frame(None, MODULE_SCOPE)
        self.frame: Frame = self.module_frame  # the interpretation under way
        self.imports: list[ImportRef] = []  # non-torch imports, anywhere in the module

    # -- entry

    def run(self) -> ModuleFacts:
        self.run_module()
        # Functions nobody called are interpreted too, with unknown arguments.
        index = 0
        while index < len(self.functions):
            self.analyse_function(self.functions[index])
            index += 1
        for cls in self.classes:
            self.instance_attrs(cls)
        if self.as_main and self.engine.facts is self.facts:
            self.finish_objects()
        return self.facts

    def run_module(self) -> None:
        """Interpret the module's own statements (definitions, module-level code)."""
        state = State(self.globals)
        end = self.exec_block(self.parsed.module.body, state, self.module_frame)
        self.globals = self.live_globals = end.vars

    def site(self, node: cst.CSTNode, label: str) -> Site:
        return Site(self.path, node, label, self.parsed)

    @property
    def sink(self) -> ModuleFacts:
        """Where an event goes: the analysed module's facts inside a context, else this module's."""
        return self.engine.facts if self.frame.context else self.facts

    def via(self) -> tuple[Site, ...]:
        return self.frame.via

    # -- statements

    def exec_block(self, body, state: State, frame: Frame) -> State:
        at_module_level = frame is self.module_frame
        for statement in body:
            if not state.reachable:
                break
            if at_module_level:
                self.live_globals = state.vars
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
            truth = self.truth_of(node.test, current, frame)
            split = training_test(node.test)
            then_state, else_state = current.copy(), current.copy()
            if split is not None:
                if current.mode is Mode.ANY:
                    then_state.mode = split
                    else_state.mode = split.other()
                elif current.mode is not split:
                    then_state.reachable = False  # already on the other path: never runs
                else:
                    else_state.reachable = False
            if truth is True:
                else_state.reachable = False
            elif truth is False:
                then_state.reachable = False
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
            if self.unrolls(iterated):
                return self.exec_unrolled(node, iterated, state, frame)
            # Iterating an nn.ModuleList: each member, known only where all agree.
            item, runs_at_least_once = containers.member(iterated)
            self.assign(node.target, item, state, frame)
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

    def unrolls(self, iterated: Value) -> bool:
        """A loop over a few known, different items (heads of a ModuleDict, a ModuleList's
        layers, `zip(models, criteria)`) runs once per item, in order: what each item does is
        kept apart. Nested unrolled loops are bounded."""
        return (isinstance(iterated, TupleValue) and 1 < len(iterated.items) <= MAX_UNROLLED_ITEMS
                and self.unrolled_depth < MAX_UNROLLED_DEPTH
                and any(informative(item) for item in iterated.items)
                and not all(same(item, iterated.items[0]) for item in iterated.items[1:]))

    def exec_unrolled(self, node: cst.For, iterated: TupleValue, state: State, frame: Frame) -> State:
        self.unrolled_depth += 1
        try:
            current = state
            for item in iterated.items:
                if not current.reachable:
                    break
                self.assign(node.target, item, current, frame)
                current = self.exec_block(node.body.body, current, frame)
        finally:
            self.unrolled_depth -= 1
        if node.orelse is not None and current.reachable:
            current = self.exec_block(node.orelse.body.body, current, frame)
        return current

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
                    if self.lazy_imports:
                        value = LazyImport(functools.partial(self.resolver.resolve_import, value, self.path))
                    else:
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
                if isinstance(value, ListOf):
                    item = value.item
                else:
                    item = (items[index] if items is not None and not starred and len(items) == len(elements)
                            else UNKNOWN)
                self.assign(element.value, item, state, frame)
        elif isinstance(target, cst.Attribute):
            key = self.self_key(target, frame)
            if key is not None:
                state.vars[key] = value
            else:
                # `trainer.criterion = nn.CrossEntropyLoss()`: the object held there changes.
                holder = self.eval(target.value, state, frame)
                if isinstance(holder, InstanceValue):
                    self.rebind(target.value, holder.with_attrs({target.attr.value: value}), state, frame)
                elif isinstance(holder, RecordValue):
                    fields = tuple((k, v) for k, v in holder.fields if k != target.attr.value)
                    self.rebind(target.value, RecordValue(fields + ((target.attr.value, value),)), state, frame)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, state, frame)
            key: Value = UNKNOWN
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, state, frame)
            updated = containers.stored(container, key, value)
            if updated is None or not self.rebind(target.value, updated, state, frame):
                self.forget_mutated(target.value, state, frame)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, state, frame)

    def rebind(self, target: cst.BaseExpression, value: Value, state: State, frame: Frame) -> bool:
        """Bind the new value of an object changed in place to the name (or `self` attribute)
        that holds it; False when the holder is not one the engine tracks."""
        if isinstance(target, cst.Name):
            if target.value == frame.self_name:
                return False
            state.vars[target.value] = value
            return True
        if isinstance(target, cst.Attribute):
            key = self.self_key(target, frame)
            if key is not None:
                state.vars[key] = value
                return True
        return False

    @staticmethod
    def self_key(node: cst.Attribute, frame: Frame) -> str | None:
        """`self.x` -> "self.x" (an instance attribute tracked like a variable)."""
        if frame.self_name and isinstance(node.value, cst.Name) and node.value.value == frame.self_name:
            return "self." + node.attr.value
        return None

    def current_self(self, state: State, frame: Frame) -> Value:
        """The method's `self` with the attributes this interpretation has set on it so far."""
        base = state.vars.get(frame.self_name or "", UNKNOWN)
        if not isinstance(base, InstanceValue):
            return base
        return base.with_attrs(self_attributes(state.vars))

    def write_back(self, receiver: cst.BaseExpression, holder: Value, writes: dict[str, Value], state: State,
                   frame: Frame) -> None:
        """A method interpreted on an object set attributes on it: so they are on the caller's object."""
        if not writes:
            return
        is_self = (isinstance(receiver, cst.Name) and receiver.value == frame.self_name) or (
            isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super")
        if is_self and frame.self_name:
            for name, value in writes.items():
                state.vars["self." + name] = value
        elif isinstance(holder, InstanceValue):
            self.rebind(receiver, holder.with_attrs(writes), state, frame)

    # -- definitions

    def define_function(self, node: cst.FunctionDef, state: State, frame: Frame, owner: ClassInfo | None = None,
                        closure: Closure | None = None) -> FunctionInfo:
        if closure is None:
            closure = MODULE_SCOPE if frame is self.module_frame else state.vars
        info = FunctionInfo(node, node.name.value, owner, closure, interpreter=self)
        if owner is not None:
            info.assigned_attributes = self.parsed.fact("self_assignments", node, self_assignments)
        for decorator in node.decorators:
            name = decorator_name(decorator.decorator)
            if name in ("staticmethod",):
                info.is_static = True
            if name in ("classmethod",):
                info.is_classmethod = True
            if name in ("property", "functools.cached_property", "cached_property"):
                info.is_property = True
            if name not in api.TRANSPARENT_DECORATORS and name not in ("functools.cached_property", "cached_property"):
                info.transparent = False
            self.eval(decorator.decorator, state, frame)
        for param in parameters(node.params):
            if param.default is not None:
                self.eval(param.default, state, frame)
        if self.has_global_statements:
            self.rebound_globals.update(self.parsed.fact("global_names", node, global_names))
        self.functions.append(info)
        if owner is None:
            state.vars[info.name] = FunctionValue(info)
        return info

    def define_class(self, node: cst.ClassDef, state: State, frame: Frame) -> None:
        bases = [self.eval(arg.value, state, frame) for arg in node.bases]
        cls = ClassInfo(node, node.name.value, bases, interpreter=self)
        self.classes.append(cls)
        # The class body is its own namespace; methods see the enclosing scope, not it.
        enclosing: Closure = MODULE_SCOPE if frame is self.module_frame else state.vars
        class_state = State({})
        outer = "" if frame is self.module_frame else frame.outline_class
        # A class of the outline (bodies.py), or one at module level in an `if`.
        key = (f"{outer}.{cls.name}" if outer else cls.name) if outer is not None else None
        class_frame = Frame(None, enclosing, outline_class=key)
        if self.looked_methods is not None and key is not None:
            cls.methods = RecordedMethods(key, self.looked_methods)
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                method = self.define_function(statement, class_state, class_frame, owner=cls, closure=enclosing)
                cls.methods[statement.name.value] = method
            else:
                class_state = self.exec_statement(statement, class_state, class_frame)
                class_state.reachable = True
        cls.class_vars.update(class_state.vars)
        decorated = any(decorator_name(d.decorator) in api.DATACLASS_DECORATORS for d in node.decorators)
        field_base = any(isinstance(base, (TorchRef, ForeignRef)) and base.qualname in api.FIELD_CLASS_BASES
                         for base in bases)
        if (decorated or field_base) and "__init__" not in cls.methods:
            cls.fields = annotated_fields(node)
        state.vars[cls.name] = ClassValue(cls)

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
            key: Value = UNKNOWN
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    key = self.eval(element.slice.value, state, frame)
                    if informative(base):  # `LOSSES[name]`: choosing among things that matter
                        self.note_selector(element.slice.value, frame)
            return self.subscript(base, node, key)
        if type(node) in (cst.Tuple, cst.List):
            items = []
            for element in node.elements:
                value = self.eval(element.value, state, frame)
                items.append(UNKNOWN if isinstance(element, cst.StarredElement) else value)
            return TupleValue(tuple(items))
        if type(node) is cst.Dict:
            return self.eval_dict(node, state, frame)
        if type(node) is cst.IfExp:
            truth = self.truth_of(node.test, state, frame)
            if truth is True:
                return self.eval(node.body, state, frame)
            if truth is False:
                return self.eval(node.orelse, state, frame)
            return join(self.eval(node.body, state, frame), self.eval(node.orelse, state, frame))
        if type(node) is cst.BooleanOperation:
            return self.eval_boolean(node, state, frame)
        if type(node) is cst.BinaryOperation:
            return self.eval_binary(node, state, frame)
        if type(node) in (cst.ListComp, cst.GeneratorExp, cst.SetComp):
            return self.eval_comprehension(node, state, frame)
        if type(node) is cst.Lambda:
            closure = MODULE_SCOPE if frame is self.module_frame else state.vars
            info = FunctionInfo(node, "<lambda>", None, closure, interpreter=self)
            self.functions.append(info)
            return FunctionValue(info)
        if type(node) is cst.NamedExpr:
            value = self.eval(node.value, state, frame)
            self.assign(node.target, value, state, frame)
            return value
        if type(node) is cst.SimpleString:
            text = plain_string(node)
            return StrValue(text) if text is not None else UNKNOWN
        if type(node) in (cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString):
            return UNKNOWN
        if type(node) is cst.Yield:
            frame.generator = True
        # Comparisons, f-strings, other operators...: the result is unknown, but
        # calls inside still happen.
        for child in child_expressions(node):
            self.eval(child, state, frame)
        return UNKNOWN

    def eval_dict(self, node: cst.Dict, state: State, frame: Frame) -> Value:
        items: dict[object, Value] = {}
        rest: list[Value] = []  # values under keys not known statically: a read under any key may give one
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                value = self.eval(element.value, state, frame)
                key = element.key
                key_value = self.eval(key, state, frame)
                if isinstance(key, cst.SimpleString):
                    items[string_value(key)] = value
                elif isinstance(key_value, StrValue):
                    items[key_value.text] = value
                else:
                    rest.append(value)
            else:
                spread_into(items, rest, self.eval(element.value, state, frame))
        return DictValue(tuple(items.items()), join_all(rest) if rest else None)

    def eval_boolean(self, node: cst.BooleanOperation, state: State, frame: Frame) -> Value:
        """`loss_fn or nn.CrossEntropyLoss()`: the left value when its truth is known to decide."""
        left = self.eval(node.left, state, frame)
        truth = _truth(left)
        is_or = isinstance(node.operator, cst.Or)
        if truth is not None and truth == is_or:
            return left  # short-circuit: the right side never runs
        right = self.eval(node.right, state, frame)
        if truth is not None:
            return right
        return join(left, right)

    def eval_binary(self, node: cst.BinaryOperation, state: State, frame: Frame) -> Value:
        """`p + eps`: probabilities moved by a small constant are still probabilities (`shifted`)."""
        left = self.eval(node.left, state, frame)
        right = self.eval(node.right, state, frame)
        if isinstance(node.operator, (cst.Add, cst.Subtract)):
            if probability(left) and small_constant(node.right) and not isinstance(right, Tensor):
                return left.derived(shifted=True)
            if isinstance(node.operator, cst.Add) and probability(right) and small_constant(node.left) \
                    and not isinstance(left, Tensor):
                return right.derived(shifted=True)
        return UNKNOWN

    def eval_comprehension(self, node, state: State, frame: Frame) -> Value:
        """`[head(x) for head in self.heads]`: a list of what one iteration gives."""
        inner = state.copy()
        clause = node.for_in
        item, _ = containers.member(self.eval(clause.iter, inner, frame))
        self.assign(clause.target, item, inner, frame)
        for condition in clause.ifs:
            self.eval(condition.test, inner, frame)
        nested = clause.inner_for_in
        while nested is not None:  # further `for` clauses: their items are not followed
            self.eval(nested.iter, inner, frame)
            self.assign(nested.target, UNKNOWN, inner, frame)
            for condition in nested.ifs:
                self.eval(condition.test, inner, frame)
            nested = nested.inner_for_in
        return ListOf(self.eval(node.elt, inner, frame))

    def truth_of(self, test: cst.BaseExpression, state: State, frame: Frame) -> bool | None:
        """Evaluate a test (what it calls is recorded) and say whether it is certainly true or
        false: `x is None` where `x` is known, `__name__ == "__main__"`, `not ...`, `and`/`or`."""
        guard = main_guard(test)
        if guard is not None:
            return guard if self.as_main else not guard
        if type(test) is cst.Comparison and len(test.comparisons) == 1 and \
                isinstance(test.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            left_node, right_node = test.left, test.comparisons[0].comparator
            left = text_of(self.eval(left_node, state, frame))
            right = text_of(self.eval(right_node, state, frame))
            # `if name == "ce":` chooses by the name (see `FunctionInfo.selectors`).
            if right is not None and type(right_node) is cst.SimpleString:
                self.note_selector(left_node, frame)
            if left is not None and type(left_node) is cst.SimpleString:
                self.note_selector(right_node, frame)
            if left is None or right is None:
                return None
            return (left == right) == isinstance(test.comparisons[0].operator, cst.Equal)
        compared = none_test(test)
        if compared is not None:
            subject, positive = compared
            is_none = _is_none(self.eval(subject, state, frame))
            return None if is_none is None else is_none == positive
        if type(test) is cst.UnaryOperation and isinstance(test.operator, cst.Not):
            inner = self.truth_of(test.expression, state, frame)
            return None if inner is None else not inner
        if type(test) is cst.BooleanOperation:
            left = self.truth_of(test.left, state, frame)
            is_or = isinstance(test.operator, cst.Or)
            if left is not None and left == is_or:
                return left
            right = self.truth_of(test.right, state, frame)
            if left is not None:
                return right
            return right if right is not None and right == is_or else None
        return _truth(self.eval(test, state, frame))

    @staticmethod
    def note_selector(node: cst.BaseExpression, frame: Frame) -> None:
        """A name the body chooses by (see `FunctionInfo.selectors`)."""
        if type(node) is cst.Name and frame.function is not None:
            frame.function.selectors.add(node.value)

    def lookup(self, name: str, state: State, frame: Frame) -> Value:
        if name in state.vars:
            return resolved(state.vars[name])
        if frame.closure is not MODULE_SCOPE and name in frame.closure:
            return resolved(frame.closure[name])
        if name in self.live_globals:
            if frame.function is not None and name in self.rebound_globals:
                return UNKNOWN  # some function rebinds it: which value this one sees is not known
            return resolved(self.live_globals[name])
        if name == "None":
            return NONE
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
            member = class_member(base.cls, name, base, self.instance_attrs(base.cls, name), self.property_value)
            if member is UNKNOWN and (name == "__call__" or name == "module" and _plain_module(base.cls)):
                # `self.__call__(x)` is `self(x)`; `model.module` is the model a DataParallel wraps.
                return base
            return member
        if isinstance(base, ClassValue):
            return class_member(base.info, name, None, {}, self.property_value)
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
        if isinstance(base, RecordValue):
            return base.get(name)
        if isinstance(base, OneOf):
            return join_all([self.attribute(option, name) for option in base.options
                             if not isinstance(option, NoneValue)])
        return UNKNOWN

    def subscript(self, base: Value, node: cst.Subscript, key: Value) -> Value:
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(base, Tensor):
            return base.derived(dim=None, rank=None, last_size=None)
        if isinstance(base, TupleValue) and isinstance(index, cst.Index):
            position = int_literal(index.value)
            if position is not None:
                return base.items[position] if -len(base.items) <= position < len(base.items) else UNKNOWN
            return join_all(list(base.items))  # `self.heads[i]`: what every member agrees on
        if isinstance(base, ListOf) and isinstance(index, cst.Index):
            return base.item
        if isinstance(base, (DictValue, RecordValue)) and isinstance(index, cst.Index):
            if isinstance(index.value, cst.SimpleString):
                return base.get(string_value(index.value))
            if isinstance(key, StrValue):  # a constant passed in (`LOSSES[name]` with name="nll")
                return base.get(key.text)
            return base.any_value() if isinstance(base, DictValue) else UNKNOWN
        return UNKNOWN

    # -- calls

    def eval_args(self, node: cst.Call, state: State, frame: Frame) -> Args:
        args = Args([], {})
        for arg in node.args:
            value = self.eval(arg.value, state, frame)
            if arg.star == "*":
                if isinstance(value, TupleValue) and not args.keywords:
                    args.positional.extend(value.items)  # `f(*args)` with the tuple known
                else:
                    args.starred = True
            elif arg.star == "**":
                if isinstance(value, DictValue) and value.rest is None:
                    args.keywords.update(value.items)
                else:
                    args.starred = True
            elif arg.keyword is not None:
                args.keywords[arg.keyword.value] = value
            else:
                args.positional.append(value)
        return args

    def eval_call(self, node: cst.Call, state: State, frame: Frame) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            return self.eval_method_call(node, func, state, frame)
        if isinstance(func, cst.Name) and func.value == "super" and frame.function is not None:
            owner = frame.function.owner
            if owner is not None and frame.self_name:
                return SuperValue(owner, self.current_self(state, frame))
        callee = self.eval(func, state, frame)
        args = self.eval_args(node, state, frame)
        if isinstance(func, cst.Name) and isinstance(callee, UnknownValue) and func.value in containers.BUILTINS:
            result = self.builtin(func.value, args, node, state, frame)
            return result if result is not None else UNKNOWN
        result = self.call(callee, args, node, state)
        self.forget_arguments(node, callee, state, frame)
        return result

    def eval_method_call(self, node: cst.Call, func: cst.Attribute, state: State, frame: Frame) -> Value:
        name = func.attr.value
        receiver_key = self.self_key(func, frame)
        own_attribute = receiver_key is not None and receiver_key in state.vars
        receiver: Value = UNKNOWN
        if own_attribute:
            callee = state.vars[receiver_key]
        else:
            if isinstance(func.value, cst.Name) and func.value.value == frame.self_name:
                receiver = self.current_self(state, frame)
            else:
                receiver = self.eval(func.value, state, frame)
            if isinstance(receiver, DEFERRED):
                if name in api.PRESERVING_METHODS or name in api.MODULE_SELF_METHODS:
                    self.eval_args(node, state, frame)
                    return receiver
                if name in api.TENSOR_METHOD_PRODUCERS:
                    args = self.eval_args(node, state, frame)
                    result = self.method_call(receiver, name, args, node, state)
                    if result is not None:
                        return result
            callee = self.attribute(receiver, name)
        args = self.eval_args(node, state, frame)
        if name in containers.MUTATORS and not own_attribute:
            if self.mutate(func.value, receiver, name, args, node, state, frame):
                return UNKNOWN
        if isinstance(callee, UnknownValue) and not own_attribute:
            if isinstance(receiver, DictValue):
                result = containers.dict_method(receiver, name, args)
                if result is not None:
                    return result
            method = self.method_call(receiver, name, args, node, state)
            if method is not None:
                return method
        if isinstance(callee, FunctionValue) and callee.bound_self is not None:
            result, writes = self.invoke(callee.info, args, node, callee.bound_self)
            if writes:
                self.write_back(func.value, receiver, writes, state, frame)
        else:
            result = self.call(callee, args, node, state)
        self.forget_arguments(node, callee, state, frame)
        return result

    def mutate(self, target: cst.BaseExpression, receiver: Value, name: str, args: Args, node: cst.Call,
               state: State, frame: Frame) -> bool:
        """`layers.append(m)`, `outputs.update(...)`, `seq.add_module("fc", m)`: the container's
        new value is bound again; True when the call was such a mutation."""
        if name == "add_module" and isinstance(receiver, InstanceValue) and isinstance(target, cst.Name) \
                and target.value == frame.self_name:
            key = text_of(args.get(0, "name") or UNKNOWN)
            module = args.get(1, "module")
            if key is not None and module is not None:
                state.vars[f"self.{key}"] = module
                return True
            return False
        if not isinstance(receiver, (TupleValue, ListOf, DictValue, SequentialValue)):
            self.forget_mutated(target, state, frame)
            return False
        updated = containers.mutated(receiver, name, args)
        if updated is None or not self.rebind(target, updated, state, frame):
            self.forget_mutated(target, state, frame)
        elif isinstance(updated, SequentialValue):
            self.check_layer_chain(updated.layers[-2:], state)
        return True

    def builtin(self, name: str, args: Args, node: cst.Call, state: State, frame: Frame) -> Value | None:
        """The few builtins that move values: `enumerate`, `zip`, `list`, `dict`, `getattr`, `setattr`."""
        if name in ("getattr", "setattr") and len(args.positional) >= 2:
            if len(node.args) >= 2 and isinstance(args.positional[0], (TorchRef, ProjectModule, InstanceValue)):
                self.note_selector(node.args[1].value, frame)  # `getattr(nn, name)`
            attr = text_of(args.positional[1])
            if attr is None:
                return None
            if name == "getattr":  # `getattr(nn, cfg_loss_name)()` with the name known
                return self.attribute(args.positional[0], attr)
            holder = node.args[0].value
            if len(args.positional) == 3:
                if isinstance(holder, cst.Name) and holder.value == frame.self_name:
                    state.vars[f"self.{attr}"] = args.positional[2]
                elif isinstance(args.positional[0], InstanceValue):
                    self.rebind(holder, args.positional[0].with_attrs({attr: args.positional[2]}), state, frame)
            return UNKNOWN
        return containers.builtin_call(name, args)

    def forget_arguments(self, node: cst.Call, callee: Value, state: State, frame: Frame) -> None:
        """A list or dict passed by name to code that may change it (a user function, foreign
        code) is not known any more afterwards. torch never changes one."""
        if isinstance(callee, (TorchRef, TorchModule, LossValue, SequentialValue, Tensor, Param)):
            return  # torch (a tensor's method included) never changes a list or dict it is given
        for arg in node.args:
            if isinstance(arg.value, cst.Name) and isinstance(state.vars.get(arg.value.value),
                                                              (TupleValue, ListOf, DictValue)):
                state.vars[arg.value.value] = UNKNOWN

    def forget_mutated(self, target: cst.BaseExpression, state: State, frame: Frame) -> None:
        """`layers.insert(...)`: a list or dict bound to a name no longer holds what it did."""
        key = None
        if isinstance(target, cst.Name):
            key = target.value
        elif isinstance(target, cst.Attribute):
            key = self.self_key(target, frame)
        if key is None:
            return
        current = state.vars.get(key)
        if current is None and isinstance(target, cst.Name):
            closure = self.scope_of(frame.closure)
            current = closure.get(key, self.live_globals.get(key))
        if isinstance(current, (TupleValue, DictValue, ListOf)):
            state.vars[key] = UNKNOWN

    def call(self, callee: Value, args: Args, node: cst.Call | None, state: State) -> Value:
        if isinstance(callee, DEFERRED):
            return DeferredCall(callee, record_fields(args) or ())
        if isinstance(callee, TorchRef):
            return self.call_torch(callee.qualname, args, node, state)
        if isinstance(callee, ForeignRef):
            return foreign_result(callee.qualname, args)
        if isinstance(callee, (TorchModule, LossValue, SequentialValue)):
            site = self.site(node, module_label(callee)) if node is not None else callee.site
            return self.call_module(callee, args, node, state, site)
        if isinstance(callee, ClassValue):
            return self.construct(callee.info, args, node)
        if isinstance(callee, InstanceValue):
            method = callee.cls.call_method()
            if method is None:
                return UNKNOWN
            return self.call_function(method, args, node, callee)
        if isinstance(callee, FunctionValue):
            return self.call_function(callee.info, args, node, callee.bound_self)
        if isinstance(callee, PartialValue):
            merged = Args(list(callee.args) + args.positional, dict(callee.keywords), args.starred)
            merged.keywords.update(args.keywords)
            return self.call(callee.func, merged, node, state)
        if isinstance(callee, OneOf):
            return join_all([self.call(option, args, node, state) for option in callable_options(callee, args)])
        return UNKNOWN

def _truth(value: Value) -> bool | None:
    """Whether a value is certainly truthy (an object) or falsy (None), else None."""
    if isinstance(value, NoneValue):
        return False
    if isinstance(value, (ClassValue, FunctionValue, PartialValue, LossValue, TorchModule, TorchRef)):
        return True
    return None


def _is_none(value: Value) -> bool | None:
    if isinstance(value, NoneValue):
        return True
    if isinstance(value, _OBJECTS) or (isinstance(value, Tensor) and value.kind is not Kind.UNKNOWN):
        return False
    if isinstance(value, OneOf) and not any(isinstance(option, NoneValue) for option in value.options):
        return False
    return None


def _plain_module(cls: ClassInfo) -> bool:
    """A user class whose bases are all user classes or torch: nothing of it defines `.module`."""
    for ancestor in cls.mro():
        for base in ancestor.bases:
            if not isinstance(base, (ClassValue, TorchRef)):
                return False
    return True


def record_fields(args: Args) -> tuple[tuple[str, Value], ...] | None:
    """The fields of a record a foreign class would make from these arguments: keywords only,
    one of them saying something."""
    if args.keywords and not args.positional and not args.starred \
            and any(informative(value) for value in args.keywords.values()):
        return tuple(args.keywords.items())
    return None


def foreign_result(qualname: str, args: Args) -> Value:
    """What calling foreign code gives: `functools.partial`, `OrderedDict`, or a record from a
    class called with keywords (`SimpleNamespace(criterion=...)`, `SequenceClassifierOutput(logits=...)`)."""
    if qualname in ("functools.partial",) and args.positional:
        return PartialValue(args.positional[0], tuple(args.positional[1:]), tuple(args.keywords.items()))
    if qualname in ("collections.OrderedDict",) and len(args.positional) == 1:
        return _ordered_dict(args.positional[0])
    last = qualname.rsplit(".", 1)[-1]
    fields = record_fields(args)
    if fields is not None and (last[:1].isupper() or last == "edict"):
        return RecordValue(fields)
    return UNKNOWN


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


def analyze_module(parsed: ParsedModule, resolver: Resolver | None = None) -> ModuleFacts:
    """Phase 2 for one module: interpret it, with other modules seen through `resolver`."""
    return ModuleInterpreter(parsed, resolver).run()

