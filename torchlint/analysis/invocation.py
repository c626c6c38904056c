"""The interpreter's side of calls of user code: interpreting a function once with its
parameters unknown, again in a context with its caller's values (`calls.py` binds and bounds
them), constructors, the methods of objects made with arguments, and attribute tables.

A mixin of `flow.ModuleInterpreter`: it relies on the interpreter's `exec_block`, `eval`,
`site`, `sink`, `via`, `frame`, `engine` and `resolver`.
"""

from __future__ import annotations

import libcst as cst

from .calls import Args, Binding, Outcome, accepts, bind, informative, informative_self, is_context, is_module_class
from .events import LossCall, Mode
from .values import UNKNOWN, ClassValue, DictValue, FunctionValue, InstanceValue, ListOf, NoneValue, OneOf, Param, Site, \
    StrValue, Tensor, TupleValue, Value, join, join_all
from .program import MODULE_SCOPE, ClassInfo, Closure, FunctionInfo, ParamSink, Status
from .state import Frame, State, join_all_states, self_attributes
from .syntax import self_method_calls


class Invocation:
    def finish_objects(self) -> None:
        """Modules made with arguments (`LitClassifier(backbone)`) are often used only by a
        framework (`pl.Trainer().fit(lit_model)`): interpret each of their public methods on
        them, with unknown arguments, as such a caller would. (A plain object's methods are
        called by the code that made it; private methods by the public ones.)"""
        index = 0
        while index < len(self.engine.objects):
            instance, site = self.engine.objects[index]
            index += 1
            if not is_module_class(instance.cls):
                continue
            seen: set[str] = set()
            for cls in instance.cls.mro():
                for name, method in cls.public_methods():
                    if name in seen or method.is_static or method.is_property:
                        continue
                    seen.add(name)
                    outer = self.frame
                    self.frame = Frame(None, MODULE_SCOPE, context=True, via=(site,) if site else ())
                    try:
                        self.invoke(method, Args([], {}, starred=True), None, instance)
                    finally:
                        self.frame = outer

    def scope_of(self, closure: Closure) -> dict[str, Value]:
        return self.live_globals if closure is MODULE_SCOPE else closure

    def default_value(self, info: FunctionInfo):
        def evaluate(param: cst.Param) -> Value:
            return self.eval(param.default, State(dict(self.scope_of(info.closure))), Frame(None, info.closure))
        return evaluate

    def analyse_function(self, info: FunctionInfo) -> Value:
        """Interpret a function with its parameters unknown, once: the result serves every
        caller that knows nothing more."""
        if info.status is Status.DONE or info.node is None:
            return info.return_value
        if info.interpreter is not None and info.interpreter is not self:
            return info.interpreter.analyse_function(info)
        if info.status is Status.RUNNING:
            return UNKNOWN  # recursion
        info.status = Status.RUNNING
        binding = bind(info, None, None, self.default_value(info))
        outcome = self.interpret(info, binding, Frame(info, info.closure, binding.self_name))
        info.return_value = outcome.value
        info.self_writes = outcome.self_writes
        info.param_sinks = outcome.param_sinks
        info.status = Status.DONE
        return info.return_value

    def interpret(self, info: FunctionInfo, binding: Binding, frame: Frame) -> Outcome:
        """Interpret `info`'s body once in `frame`, its parameters bound as `binding` says."""
        self.resolver.entered(self, info)
        outer, self.frame = self.frame, frame
        try:
            state = State(dict(binding.vars))
            if isinstance(info.node, cst.Lambda):
                frame.returns.append((self.eval(info.node.body, state, frame), Mode.ANY))
            else:
                end = self.exec_block(info.node.body.body, state, frame)
                if end.reachable:
                    frame.exit_states.append(end)
        finally:
            self.frame = outer
        trained = [value for value, mode in frame.returns if mode is not Mode.EVAL]
        result = join_all(trained) if trained and not frame.generator and info.transparent else UNKNOWN
        writes: dict[str, Value] = {}
        if frame.self_name is not None and frame.exit_states:
            exits = join_all_states(frame.exit_states)
            writes = self_attributes(exits.vars)
        return Outcome(result, writes, frame.param_sinks)

    def invoke(self, info: FunctionInfo, args: Args, node: cst.Call | None,
               bound_self: Value | None = None) -> tuple[Value, dict[str, Value] | None]:
        """A user function's result at one call site, and the attributes it set on its `self`
        when it was interpreted with this call's values (None when it was not)."""
        target: FunctionInfo | None = info
        passed = args.values()
        self.settle_functions(passed)
        constants = any(isinstance(value, StrValue) for value in passed)
        informed = informative_self(bound_self, info.owner) or any(informative(value) for value in passed)
        if not informed and not (constants and (info.selectors or info.status is Status.NEW)):
            return self.call_free(info, args, node), None  # nothing here for a context to use
        if info.node is None:  # decoded from another module's summary
            found = self.resolver.definition(info, self.engine) if informed or info.selectors else None
            target = found if isinstance(found, FunctionInfo) else None
        if target is None or target.node is None:
            return self.call_free(info, args, node), None
        owner = target.interpreter if target.interpreter is not None else self
        if constants and target.status is Status.NEW:
            owner.analyse_function(target)  # what it chooses by is known once it has been interpreted
        binding = bind(target, args, bound_self, owner.default_value(target))
        if not is_context(binding, target):
            return self.call_free(info, args, node), None
        key = self.engine.key(target, binding)
        outcome = self.engine.memo.get(key)
        call_site = self.site(node, f"{info.name}()") if node is not None else None
        if outcome is None:
            if not self.engine.admits(target):
                return self.call_free(target, args, node), None
            via = self.via() + ((call_site,) if call_site is not None else ())
            self.engine.enter(target)
            try:
                outcome = owner.interpret(target, binding, Frame(target, target.closure, binding.self_name,
                                                                 context=True, via=via))
            finally:
                self.engine.leave()
            self.engine.memo[key] = outcome
        self.apply_sinks(outcome.param_sinks, args, call_site)
        # Parameters the callee stored on its `self` are the caller's arguments.
        writes = {name: self.returned(value, args) for name, value in outcome.self_writes.items()}
        return self.returned(outcome.value, args), writes

    def settle_functions(self, values: list[Value], depth: int = 0) -> None:
        """Interpret (with unknown parameters) the functions passed in, in lists and dicts too:
        whether one says something is known once it has been (`calls.touches_torch`)."""
        for value in values:
            if isinstance(value, FunctionValue):
                if value.info.status is Status.NEW and value.info.node is not None:
                    self.analyse_function(value.info)
            elif depth < 2 and isinstance(value, (TupleValue, ListOf, DictValue)):
                items = value.items if isinstance(value, TupleValue) else (
                    [value.item] if isinstance(value, ListOf) else [item for _, item in value.items])
                self.settle_functions(list(items), depth + 1)

    def call_function(self, info: FunctionInfo, args: Args, node: cst.Call | None,
                      bound_self: Value | None = None) -> Value:
        return self.invoke(info, args, node, bound_self)[0]

    def call_free(self, info: FunctionInfo, args: Args, node: cst.Call | None) -> Value:
        """The result of the interpretation with unknown parameters, at one call site: a returned
        parameter is the caller's argument, and a parameter that reaches a loss inside the
        function makes the caller's argument reach it too."""
        result = self.analyse_function(info)
        if node is not None:
            self.apply_sinks(info.param_sinks, args, self.site(node, f"{info.name}()"))
        return self.returned(result, args)

    def apply_sinks(self, sinks: list[ParamSink], args: Args, call_site: Site | None) -> None:
        if not sinks or call_site is None:
            return
        for index, loss, loss_site, via in sinks:
            if index >= len(args.positional):
                continue
            argument = args.positional[index]
            hops = (call_site,) + via
            if isinstance(argument, Param) and self.frame.function is not None:
                self.frame.param_sinks.append((argument.index, loss, loss_site, hops))
            elif isinstance(argument, Tensor):
                self.sink.loss_calls.append(LossCall(loss, loss_site, argument, UNKNOWN, Mode.ANY, self.via() + hops))

    @staticmethod
    def returned(result: Value, args: Args) -> Value:
        """A returned parameter is the caller's argument (reshaped as the function reshaped it)."""
        if not isinstance(result, Param):
            return result
        argument = args.get(result.index, result.name)
        if argument is None or args.starred:
            return UNKNOWN
        if result.rank is not None and isinstance(argument, Tensor):
            return argument.derived(dim=None, rank=result.rank, last_size=None)
        if result.rank is not None and isinstance(argument, Param):
            return Param(argument.index, argument.name, result.rank)
        return argument

    def construct(self, cls: ClassInfo, args: Args, node: cst.Call | None) -> Value:
        """`Cls(...)`: with arguments that say something, `__init__` is interpreted with them and
        the object keeps the attributes it set (a dataclass keeps its fields)."""
        if not any(informative(value) for value in args.values()):
            return InstanceValue(cls)
        if cls.node is None:
            found = self.resolver.definition(cls, self.engine)
            if isinstance(found, ClassInfo):
                cls = found
        init = cls.find_method("__init__")
        fields = cls.data_fields() if init is None else None
        if init is not None:
            _, writes = self.invoke(init, args, node, InstanceValue(cls, ()))
            if writes is None:
                return InstanceValue(cls)
            instance = InstanceValue(cls, tuple(writes.items()))
        elif fields is not None and not args.starred:
            bound = dict(zip(fields, args.positional))
            bound.update({name: value for name, value in args.keywords.items() if name in fields})
            instance = InstanceValue(cls, tuple(bound.items()))
        else:
            return InstanceValue(cls)
        self.engine.remember_object(instance, self.site(node, f"{cls.name}()") if node is not None else None)
        return instance

    def instance_attrs(self, cls: ClassInfo, wanted: str | None = None) -> dict[str, Value]:
        """Attributes of instances: what `__init__` (and other methods) assign to `self.x`.

        Several methods assigning the same attribute join their values. While a
        writer is still being interpreted the table is incomplete and is not cached.
        A read asks for the attribute it `wanted`: of the methods not interpreted yet, only
        those that may assign it are interpreted now. One interpreted for another's read
        would be settled for good without what the methods still running assign (a step
        counting `self.iteration += 1` and calling `self.loss`, interpreted because a
        checkpoint loader read `self.config`).
        """
        if cls.attrs is not None:
            return cls.attrs
        if cls.interpreter is not None and cls.interpreter is not self:
            return cls.interpreter.instance_attrs(cls, wanted)
        if None in cls.computing or wanted in cls.computing:
            return {}
        cls.computing.add(wanted)
        complete = True
        merged: dict[str, Value] = {}
        for base in reversed(cls.bases):
            if isinstance(base, ClassValue):
                merged.update(self.instance_attrs(base.info, wanted))
                complete = complete and base.info.attrs is not None
        writers = sorted(cls.writer_methods(), key=lambda m: m.name != "__init__")
        own: dict[str, Value] = {}
        for method in writers:
            if method.status is Status.NEW and wanted is not None and not self.may_assign(cls, method, wanted):
                complete = False
                continue
            self.analyse_function(method)
            if method.status is not Status.DONE:
                complete = False
                continue
            for name, value in method.self_writes.items():
                own[name] = join(own[name], value) if name in own else value
        merged.update(own)
        cls.computing.discard(wanted)
        if complete:
            cls.attrs = merged
        return merged

    @staticmethod
    def may_assign(cls: ClassInfo, method: FunctionInfo, name: str) -> bool:
        """Whether interpreting `method` on an instance of `cls` may set `self.<name>`: it
        assigns it (or may assign any name), or calls a method of `cls` that may."""
        pending, seen = [method], set()
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if current.node is None or current.interpreter is None or current.assigned_attributes is None \
                    or name in current.assigned_attributes:
                return True
            calls = current.interpreter.parsed.fact("self_method_calls", current.node, self_method_calls)
            if calls is None:
                return True
            pending.extend(found for called in calls if (found := cls.find_method(called)) is not None)
        return False

    def property_value(self, method: FunctionInfo, instance: Value | None) -> Value:
        if informative_self(instance, method.owner):
            return self.call_function(method, Args([], {}), None, instance)
        return self.analyse_function(method)


def callable_options(value: OneOf, args: Args) -> list[Value]:
    """The alternatives a call can be made on: not None, and (when any fits) those whose
    signature takes these arguments (`model(x)` vs `model(x, hidden)` on two model classes)."""
    options = [option for option in value.options if not isinstance(option, NoneValue)]

    def fits(option: Value) -> bool:
        if isinstance(option, InstanceValue):
            method = option.cls.call_method()
            return method is None or accepts(method, args, bound=True)
        if isinstance(option, FunctionValue):
            return accepts(option.info, args, bound=option.bound_self is not None)
        return True

    fitting = [option for option in options if fits(option)]
    return fitting or options
