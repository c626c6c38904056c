"""Calls of user functions: binding arguments to parameters, and contexts.

Every function is interpreted once with its parameters unknown (`Param`): that
result serves callers that know nothing about their arguments either. A call
whose arguments say something (a model class or instance, a loss object, a
torch module, a `Sequential`, a tensor of a known kind, a function, a tuple or
dict of these, or `self` carrying attributes of its own) is interpreted again
with those values bound to the parameters: a *context*. Its result (return
value, attributes written on `self`, parameters that reach a loss) is memoised
per abstract signature of the bound values (`fingerprint`), so the same
arguments from many places cost one interpretation.

The `CallEngine` holds the contexts of one analysed module, and bounds them:
the depth of nested contexts, the contexts per function, and the total per
module. Past a bound, and for recursion, the call falls back to the
interpretation with unknown parameters, which is always sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Hashable

import libcst as cst

from . import torch_api as api
from .values import (
    DEFERRED,
    UNKNOWN,
    ClassValue,
    DeferredAttr,
    ImportRef,
    DictValue,
    ForeignRef,
    FunctionValue,
    InstanceValue,
    Kind,
    ListOf,
    LossValue,
    NoneValue,
    OneOf,
    Param,
    PartialValue,
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
)
from .program import ClassInfo, FunctionInfo, ParamSink, Status
from .syntax import parameters

if TYPE_CHECKING:  # pragma: no cover
    from .events import ModuleFacts
    from .flow import ModuleInterpreter

# Bounds on contexts (see the module doc). Real training code needs a few levels
# (script -> fit -> train_epoch -> step -> model.forward) and a few contexts per function.
MAX_DEPTH = 10
MAX_CONTEXTS_PER_FUNCTION = 8
MAX_CONTEXTS_PER_MODULE = 1500
# A summary (phase 1) serves every importer and holds no events: its contexts go one call deep,
# enough for module-level values made by calls (`criterion = make_loss("ce")`).
SUMMARY_DEPTH = 1
# Objects made with arguments whose methods are also interpreted on them (`finish_objects`).
MAX_OBJECTS = 64


@dataclass
class Args:
    positional: list[Value]
    keywords: dict[str, Value]
    starred: bool = False  # *args or **kwargs of unknown contents: arity unknown

    def get(self, position: int, keyword: str) -> Value | None:
        if keyword in self.keywords:
            return self.keywords[keyword]
        if position < len(self.positional):
            return self.positional[position]
        return None

    def values(self) -> list[Value]:
        """Every argument given, positional then keywords."""
        return [*self.positional, *self.keywords.values()]

    def has(self, position: int | None, keyword: str) -> bool:
        if self.starred or keyword in self.keywords:
            return True
        return position is not None and position < len(self.positional)


# --------------------------------------------------------------------------- what a value says


def informative(value: Value, depth: int = 0) -> bool:
    """Does this argument say something a function's body could use (worth a context)?"""
    if isinstance(value, Tensor):
        return value.kind is not Kind.UNKNOWN
    if isinstance(value, (LossValue, TorchModule, SequentialValue, OneOf)):
        return True
    if isinstance(value, InstanceValue):
        return carries(value, depth)
    if isinstance(value, ClassValue):  # a model class passed to a factory, a config class holding a loss
        return is_module_class(value.info) or _table_carries(value.info, depth)
    if isinstance(value, FunctionValue):
        return touches_torch(value, depth)
    if isinstance(value, PartialValue):
        return (informative(value.func, depth + 1) or any(informative(a, depth + 1) for a in value.args)
                or any(informative(v, depth + 1) for _, v in value.keywords))
    if isinstance(value, TorchRef):
        return value.qualname in api.PRODUCERS or value.qualname in api.LOSSES
    if depth > 2:
        return False
    if isinstance(value, TupleValue):
        return any(informative(item, depth + 1) for item in value.items)
    if isinstance(value, ListOf):
        return informative(value.item, depth + 1)
    if isinstance(value, DictValue):
        return any(informative(item, depth + 1) for _, item in value.items) or (
            value.rest is not None and informative(value.rest, depth + 1))
    if isinstance(value, RecordValue):
        return any(informative(item, depth + 1) for _, item in value.fields)
    return False


def carries(instance: InstanceValue, depth: int = 0) -> bool:
    """An object says something when it is a model (an nn.Module of the project: calling it runs
    its forward), or holds something that does (`Trainer(model, criterion)`, a class whose
    `__init__` builds a loss). A plain object (a logger, a hook, a counter) does not: a context
    would interpret the callee again for nothing."""
    if depth > 2:
        return False
    if instance.attrs is not None and any(informative(value, depth + 1) for _, value in instance.attrs):
        return True
    return is_module_class(instance.cls) or _table_carries(instance.cls, depth)


def touches_torch(function: FunctionValue, depth: int = 0) -> bool:
    """A function passed as an argument (a loss callback, a model factory) says something when
    interpreting it showed a parameter reaching a loss, or something informative returned; a
    bound method, when its object does. Before it has been interpreted, it may."""
    info = function.info
    if function.bound_self is not None and isinstance(function.bound_self, InstanceValue) \
            and carries(function.bound_self, depth + 1):
        return True
    if info.status is not Status.DONE:
        return True
    return bool(info.param_sinks) or (depth <= 2 and informative(info.return_value, depth + 1))


def is_module_class(cls: ClassInfo) -> bool:
    """A subclass of a torch nn class (nn.Module, nn.Sequential, ...), or of a class from another
    module the engine cannot see (which may be one)."""
    for ancestor in cls.mro():
        for base in ancestor.bases:
            if isinstance(base, TorchRef) and base.qualname.startswith("torch.nn."):
                return True
            if isinstance(base, ForeignRef) and _model_like(base.qualname):
                return True
            if isinstance(base, (UnknownValue, DeferredAttr, ImportRef)):
                return True
    return False


# Packages whose base classes are models (a LightningModule, a PreTrainedModel).
MODEL_PACKAGES = frozenset({"pytorch_lightning", "lightning", "transformers", "timm", "torchvision", "fairseq",
                            "detectron2", "mmcv", "mmengine", "accelerate", "composer"})


def _model_like(qualname: str) -> bool:
    """A foreign base class that may be an nn.Module (not `abc.ABC`, `gym.Env`, `enum.Enum`)."""
    last = qualname.rsplit(".", 1)[-1]
    return qualname.split(".", 1)[0] in MODEL_PACKAGES or last.endswith(("Module", "Model", "Net", "Network"))


def _table_carries(cls: ClassInfo, depth: int) -> bool:
    """The class's attribute table holds something informative (unknown while not yet computed:
    then it may). Remembered once every table along the MRO is complete."""
    if cls.carries is not None:
        return cls.carries
    complete = True
    for ancestor in cls.mro():
        if ancestor.attrs is None:
            complete = False
            continue
        if any(informative(value, depth + 1) for value in ancestor.attrs.values()):
            if complete:
                cls.carries = True
            return True
    if complete:
        cls.carries = False
    return not complete


def informative_self(value: Value | None, owner: ClassInfo | None) -> bool:
    """A bound `self` says more than the method's own interpretation assumes (an instance of its
    class with no attributes of its own) when it holds something informative, or is of a subclass."""
    if value is None or owner is None:
        return False
    if isinstance(value, InstanceValue):
        if value.cls is not owner:  # a subclass may override what the method calls on `self`
            return carries(value)
        return value.attrs is not None and any(informative(item, 1) for _, item in value.attrs)
    return isinstance(value, OneOf)


def fingerprint(value: Value | None, depth: int = 0) -> Hashable:
    """An abstract signature: equal for values the interpreter cannot tell apart."""
    if value is None:
        return None
    if depth > 4:
        return ("deep", id(value))  # never equal to another value: no false sharing
    depth += 1
    if isinstance(value, Tensor):
        return ("T", value.kind, tuple(site.key() for site in value.origins), value.dim, value.rank,
                value.last_size, value.shifted, tuple(site.key() for site in value.clipped),
                value.producer.qualname if value.producer else None)
    if isinstance(value, Param):
        return ("P", value.index, value.rank)
    if isinstance(value, InstanceValue):
        attrs = None if value.attrs is None else tuple((k, fingerprint(v, depth)) for k, v in value.attrs)
        return ("I", id(value.cls), attrs)
    if isinstance(value, ClassValue):
        return ("C", id(value.info))
    if isinstance(value, FunctionValue):
        return ("F", id(value.info), fingerprint(value.bound_self, depth))
    if isinstance(value, LossValue):
        return ("L", value.loss.qualname, value.site.key())
    if isinstance(value, TorchModule):
        return ("M", value.qualname, value.site.key(), value.dim, value.features)
    if isinstance(value, SequentialValue):
        return ("S", value.site.key(), tuple(fingerprint(layer, depth) for layer in value.layers))
    if isinstance(value, (TorchRef, ForeignRef)):
        return (type(value).__name__, value.qualname)
    if isinstance(value, TupleValue):
        return ("tuple", tuple(fingerprint(item, depth) for item in value.items))
    if isinstance(value, ListOf):
        return ("list", fingerprint(value.item, depth))
    if isinstance(value, DictValue):
        return ("dict", tuple((k, fingerprint(v, depth)) for k, v in value.items), fingerprint(value.rest, depth))
    if isinstance(value, RecordValue):
        return ("record", tuple((k, fingerprint(v, depth)) for k, v in value.fields))
    if isinstance(value, OneOf):
        return ("oneof", tuple(fingerprint(option, depth) for option in value.options))
    if isinstance(value, PartialValue):
        return ("partial", fingerprint(value.func, depth), tuple(fingerprint(a, depth) for a in value.args),
                tuple((k, fingerprint(v, depth)) for k, v in value.keywords))
    if isinstance(value, NoneValue):
        return ("None",)
    if isinstance(value, StrValue):
        return ("str", value.text)
    if isinstance(value, UnknownValue):
        return ("?",)
    return (type(value).__name__, id(value))


# --------------------------------------------------------------------------- binding


@dataclass
class Binding:
    """A function's parameters bound for one call."""

    vars: dict[str, Value]
    self_name: str | None = None
    # Bound values in parameter order (the signature the memo keys on).
    values: list[Value] = field(default_factory=list)


def bind(info: FunctionInfo, args: Args | None, bound_self: Value | None,
         default_of: Callable[[cst.Param], Value]) -> Binding:
    """Bind `args` (None: unknown, the context-free interpretation) to `info`'s parameters.

    Unknown parameters are `Param(position, name)`, so that a returned or loss-bound parameter
    is mapped back to the caller's argument. With `args`, an informative argument (or None) is
    bound as itself; extra positional arguments go to `*args` as a tuple and extra keywords to
    `**kwargs` as a dict; a missing argument takes its default's value.
    """
    assert info.node is not None
    binding = Binding({})
    params = parameters(info.node.params)
    owner = info.owner
    is_method = owner is not None and not info.is_static and isinstance(info.node, cst.FunctionDef)
    if is_method and params and owner is not None:
        first = params[0].name.value
        if info.is_classmethod:
            binding.vars[first] = bound_self if isinstance(bound_self, ClassValue) else ClassValue(owner)
        else:
            binding.self_name = first
            binding.vars[first] = bound_self if bound_self is not None else InstanceValue(owner)
        binding.values.append(binding.vars[first])
        params = params[1:]
    node_params = info.node.params
    star = node_params.star_arg if isinstance(node_params.star_arg, cst.Param) else None
    star_kwarg = node_params.star_kwarg
    positional = len(node_params.posonly_params) + len(node_params.params) - (1 if is_method and (
        node_params.posonly_params or node_params.params) else 0)
    posonly = {p.name.value for p in node_params.posonly_params}
    used_keywords: set[str] = set()
    for position, param in enumerate(params):
        name = param.name.value
        value: Value | None = None
        if args is not None:
            if param is star:
                extra = args.positional[positional:]
                value = TupleValue(tuple(UNKNOWN if isinstance(v, Param) else v for v in extra)) if not args.starred else None
            elif param is star_kwarg:
                extra_keywords = {k: v for k, v in args.keywords.items() if k not in used_keywords}
                value = DictValue(tuple(extra_keywords.items())) if not args.starred else None
            else:
                given = args.keywords.get(name) if name not in posonly else None
                if given is not None:
                    used_keywords.add(name)
                elif position < positional and position < len(args.positional):
                    given = args.positional[position]
                if given is not None:
                    value = _as_bound(given, position, name)
                elif param.default is not None and not args.starred:
                    value = default_of(param)
        elif param.default is not None:
            default = default_of(param)
            # A loss object, torch module or model given as a default is what the function uses in practice.
            if informative(default):
                value = default
        binding.vars[name] = value if value is not None else Param(position, name)
        binding.values.append(binding.vars[name])
    return binding


def accepts(info: FunctionInfo, args: Args, bound: bool) -> bool:
    """Could Python bind `args` to `info`'s parameters (no TypeError)? `bound`: `self` is given.
    Unknown signatures and unknown arity accept anything."""
    if info.node is None or args.starred or isinstance(info.node, cst.Lambda):
        return True
    params = info.node.params
    positional = list(params.posonly_params) + list(params.params)
    if bound and positional and not info.is_static:
        positional = positional[1:]
    if len(args.positional) > len(positional) and not isinstance(params.star_arg, cst.Param):
        return False
    by_name = {p.name.value for p in list(params.params) + list(params.kwonly_params)}
    if params.star_kwarg is None and any(name not in by_name for name in args.keywords):
        return False
    missing = [p for index, p in enumerate(positional)
               if p.default is None and index >= len(args.positional) and p.name.value not in args.keywords]
    missing += [p for p in params.kwonly_params if p.default is None and p.name.value not in args.keywords]
    return not missing


def _as_bound(value: Value, position: int, name: str) -> Value:
    """What a parameter holds inside a context: the argument itself, unless nothing is known of
    it; then a `Param` standing for it (mapped back to the caller's argument where it is
    returned or reaches a loss). Whether a call is worth a context is `informative`'s question;
    once it is one, every known argument is bound (`timed(fn, *args)` calls the `fn` given)."""
    if isinstance(value, (UnknownValue, Param)) or (isinstance(value, Tensor) and value.kind is Kind.UNKNOWN
                                                      and not value.shifted):
        return Param(position, name)
    if isinstance(value, DEFERRED):
        return Param(position, name)
    return value


def is_context(binding: Binding, info: FunctionInfo) -> bool:
    """Whether a binding says more than the interpretation with unknown parameters. A string
    constant counts for a parameter the body chooses by (`get_loss("nll")`: `LOSSES[name]`)."""
    for name, value in binding.vars.items():
        if name == binding.self_name:
            if informative_self(value, info.owner):
                return True
        elif informative(value):
            return True
        elif isinstance(value, StrValue) and name in info.selectors:
            return True
    return False


# --------------------------------------------------------------------------- the engine


@dataclass
class Outcome:
    """What one interpretation of a function gives its callers."""

    value: Value
    self_writes: dict[str, Value] = field(default_factory=dict)
    param_sinks: list[ParamSink] = field(default_factory=list)


class CallEngine:
    """The contexts of one analysed module, shared by every interpreter that takes part in it
    (the module's own, and those of the modules whose functions it calls with its values)."""

    def __init__(self, facts: "ModuleFacts", max_depth: int = MAX_DEPTH) -> None:
        # Where events recorded inside contexts go: the analysed module's facts.
        self.facts = facts
        self.max_depth = max_depth
        self.memo: dict[Hashable, Outcome] = {}
        self.per_function: dict[int, int] = {}
        self.active: list[FunctionInfo] = []
        self.total = 0
        # Modules interpreted on demand for the bodies of their functions (path -> interpreter).
        self.interpreters: dict[str, "ModuleInterpreter | None"] = {}
        # Objects made with arguments (their own attributes known), with where each was made:
        # their methods are interpreted on them once the module has run, as a framework would.
        self.objects: list[tuple[InstanceValue, Site | None]] = []
        self.object_keys: set[Hashable] = set()

    @staticmethod
    def key(info: FunctionInfo, binding: Binding) -> Hashable:
        return (id(info), tuple(fingerprint(value) for value in binding.values))

    def admits(self, info: FunctionInfo) -> bool:
        """A new context for `info`: not recursive, and within the bounds."""
        return (len(self.active) < self.max_depth and self.total < MAX_CONTEXTS_PER_MODULE
                and self.per_function.get(id(info), 0) < MAX_CONTEXTS_PER_FUNCTION
                and all(active is not info for active in self.active))

    def enter(self, info: FunctionInfo) -> None:
        self.active.append(info)
        self.total += 1
        self.per_function[id(info)] = self.per_function.get(id(info), 0) + 1

    def leave(self) -> None:
        self.active.pop()

    def remember_object(self, instance: InstanceValue, site: Site | None) -> None:
        key = fingerprint(instance)
        if key not in self.object_keys and len(self.objects) < MAX_OBJECTS:
            self.object_keys.add(key)
            self.objects.append((instance, site))
