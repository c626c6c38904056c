"""The interpreter's side of the torch API: what calling torch functions, modules and tensor
methods gives, and the events they record (`torch_api.py` holds the tables, this the meaning).

A mixin of `flow.ModuleInterpreter`: it relies on the interpreter's `site`, `sink`, `via`,
`frame` and `call_function`.
"""

from __future__ import annotations

import libcst as cst

from . import containers
from . import torch_api as api
from .calls import Args
from .invocation import callable_options
from .events import ActivationCall, ArgmaxCall, ImplicitDim, LogCall, LossCall
from .values import (
    DEFERRED,
    UNKNOWN,
    DictValue,
    FunctionValue,
    InstanceValue,
    Kind,
    ListOf,
    LossValue,
    OneOf,
    Param,
    SequentialValue,
    Site,
    Tensor,
    TorchModule,
    TupleValue,
    Value,
    is_maybe_tensor,
    join_all,
)
from .state import State
from .syntax import argument_node, int_literal, reshaped_rank, size_rank


class TorchSemantics:
    def method_call(self, receiver: Value, name: str, args: Args, node: cst.Call, state: State) -> Value | None:
        """Methods on tensors and nn modules, where the receiver is not user code."""
        if isinstance(receiver, (TorchModule, LossValue, SequentialValue, InstanceValue, OneOf)) \
                and name in api.MODULE_SELF_METHODS:
            return receiver
        if isinstance(receiver, (TorchModule, LossValue, SequentialValue)) and name == "forward":
            return self.call_module(receiver, args, node, state, self.site(node, module_label(receiver)))
        if not is_maybe_tensor(receiver):
            return None
        producer = api.TENSOR_METHOD_PRODUCERS.get(name)
        if producer is not None:
            first = args.get(0, "dim")
            if isinstance(first, (Tensor, Param)) and "dim" not in args.keywords:
                return None  # `obj.softmax(x)`: a user object, not Tensor.softmax(dim)
            return self.produce(producer, receiver, args, node, state, dim_position=0)
        if name in api.LOG_METHODS and not args.positional and not args.keywords:
            self.sink.log_calls.append(LogCall(self.site(node, "Tensor.log"), receiver, state.mode, self.via()))
            return UNKNOWN
        if name in api.ARGMAX_METHODS:
            self.sink.argmax_calls.append(ArgmaxCall(self.site(node, "Tensor.argmax"), receiver, state.mode,
                                                     self.via()))
            return UNKNOWN
        if name in api.EXP_METHODS and not args.positional and not args.keywords:
            return self.exponential(receiver, node)
        if name in api.CLAMP_METHODS:
            if probability(receiver) and (args.positional or "min" in args.keywords):
                return receiver.derived(shifted=True)
            return UNKNOWN
        if name in api.PRESERVING_METHODS:
            reshaped = name in ("view", "reshape", "flatten", "squeeze", "unsqueeze", "resize")
            rank = reshaped_rank(name, node, offset=0) if reshaped else None
            if isinstance(receiver, Tensor):
                if name in api.ELEMENTWISE_METHODS:
                    return receiver
                if not reshaped:  # permute, transpose, ...: the same values along other dims
                    return receiver.derived(dim=None, last_size=None)
                return receiver.derived(dim=None, rank=rank, last_size=None)
            if isinstance(receiver, Param):
                return Param(receiver.index, receiver.name, rank) if reshaped else receiver
            if rank is not None:
                return Tensor(Kind.UNKNOWN, rank=rank)
            return UNKNOWN
        return None

    def call_torch(self, qualname: str, args: Args, node: cst.Call | None, state: State) -> Value:
        qualname = api.canonical(qualname)
        producer = api.PRODUCERS.get(qualname)
        if producer is not None and node is not None:
            if producer.is_module:
                dim_value = None
                if producer.dim_position is not None:
                    dim_node = argument_node(node, producer.dim_position, "dim")
                    dim_value = int_literal(dim_node) if dim_node is not None else None
                features = None
                if producer.out_position is not None:
                    out_node = argument_node(node, producer.out_position, "out_features")
                    features = int_literal(out_node) if out_node is not None else None
                dim_given = args.has(0, "dim")
                site = self.site(node, producer.label)
                if producer.implicit_dim and not dim_given:
                    self.sink.implicit_dims.append(ImplicitDim(producer, site))
                return TorchModule(qualname, site, dim_value, dim_given, features)
            tensor_input = args.get(0, "input")
            return self.produce(producer, tensor_input if tensor_input is not None else UNKNOWN, args, node, state,
                                dim_position=1)
        loss = api.LOSSES.get(qualname)
        if loss is not None and node is not None:
            site = self.site(node, loss.label)
            if loss.is_module:
                return LossValue(loss, site)
            self.record_loss(loss, site, args, state, offset=0)
            return UNKNOWN
        if qualname in api.MODEL_WRAPPERS:
            wrapped = args.get(0, "module")
            if wrapped is None:
                wrapped = args.get(0, "model")
            return wrapped if wrapped is not None and not args.starred else UNKNOWN
        if qualname == api.SEQUENTIAL and node is not None:
            # `nn.Sequential(*blocks)` with the blocks unknown: layers unknown. One made empty is
            # filled later (`add_module`, `append`).
            layers = tuple(args.positional) if not args.starred else (UNKNOWN,)
            if len(layers) == 1 and isinstance(layers[0], DictValue):  # nn.Sequential(OrderedDict(...))
                layers = tuple(value for _, value in layers[0].items) or (UNKNOWN,)
            sequential = SequentialValue(layers, self.site(node, "nn.Sequential"))
            self.check_layer_chain(layers, state)
            return sequential
        if qualname in ("torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.ParameterList"):
            members = args.get(0, "modules")
            if members is None and not args.starred:
                return DictValue(()) if qualname.endswith("Dict") else TupleValue(())
            return members if isinstance(members, (TupleValue, DictValue, ListOf)) else UNKNOWN
        if node is not None and (qualname in api.PASS_THROUGH_MODULES
                                 or qualname.startswith("torch.nn.") and qualname[9:10].isupper()):
            return TorchModule(qualname, self.site(node, "nn." + qualname.rsplit(".", 1)[-1]))
        if qualname in api.PRESERVING_FUNCTIONS and node is not None:
            value = args.get(0, "input")
            name = qualname.rsplit(".", 1)[-1]
            rank = reshaped_rank(name, node, offset=1)
            if isinstance(value, Tensor):
                return value if name == "clone" else value.derived(dim=None, rank=rank, last_size=None)
            if isinstance(value, Param):
                return value if name == "clone" else Param(value.index, value.name, rank)
            return Tensor(Kind.UNKNOWN, rank=rank) if rank is not None else UNKNOWN
        if qualname in api.COMBINING_FUNCTIONS:
            items = containers.items_of(args.get(0, "tensors") or UNKNOWN)
            combined = join_all(list(items)) if items else UNKNOWN
            if isinstance(combined, Tensor) and combined.kind is not Kind.UNKNOWN:
                added = api.COMBINING_FUNCTIONS[qualname]
                rank = combined.rank + added if combined.rank is not None else None
                return combined.derived(dim=None, rank=rank, last_size=None)
            return UNKNOWN
        if qualname in api.EXP_FUNCTIONS and node is not None:
            return self.exponential(args.get(0, "input") or UNKNOWN, node)
        if qualname in api.CLAMP_FUNCTIONS:
            value = args.get(0, "input")
            if value is not None and probability(value) and (len(args.positional) > 1 or "min" in args.keywords):
                return value.derived(shifted=True)
            return UNKNOWN
        if qualname in api.APPLY_FUNCTIONS and len(args.positional) >= 2 and not args.starred:
            function, rest = args.positional[0], args.positional[1:]
            if qualname.endswith("data_parallel"):
                rest = list(rest[0].items) if isinstance(rest[0], TupleValue) else rest[:1]
            if isinstance(function, (TorchModule, SequentialValue)):
                return self.call_module(function, Args(list(rest), {}), None, state, function.site)
            if isinstance(function, (InstanceValue, FunctionValue)):
                return self.call(function, Args(list(rest), {}), node, state)
            return UNKNOWN
        if qualname in api.LOG_FUNCTIONS and node is not None:
            value = args.get(0, "input")
            self.sink.log_calls.append(LogCall(self.site(node, qualname), value or UNKNOWN, state.mode, self.via()))
            return UNKNOWN
        if qualname in api.ARGMAX_FUNCTIONS and node is not None:
            value = args.get(0, "input")
            self.sink.argmax_calls.append(ArgmaxCall(self.site(node, qualname), value or UNKNOWN, state.mode,
                                                     self.via()))
            return UNKNOWN
        if qualname in api.CREATION_FUNCTIONS and not args.starred and node is not None:
            rank = size_rank(node)
            return Tensor(Kind.UNKNOWN, rank=rank) if rank is not None else UNKNOWN
        return UNKNOWN

    def produce(self, producer: api.Producer, tensor_input: Value, args: Args, node: cst.Call, state: State,
                dim_position: int) -> Tensor:
        site = self.site(node, producer.label)
        if producer.implicit_dim and not args.has(dim_position if producer.dim_position is not None else None, "dim"):
            self.sink.implicit_dims.append(ImplicitDim(producer, site))
        dim_node = argument_node(node, dim_position, "dim") if producer.dim_position is not None else None
        dim = int_literal(dim_node) if dim_node is not None else None
        if producer.kind != Kind.LOGITS:
            self.sink.activation_calls.append(ActivationCall(producer, site, tensor_input, state.mode, dim,
                                                             self.via()))
        return self.produced(producer, site, tensor_input, dim, None)

    @staticmethod
    def produced(producer: api.Producer, site: Site, tensor_input: Value, dim: int | None,
                 features: int | None) -> Tensor:
        rank, last_size = shape_of(tensor_input)
        if producer.kind == Kind.LOGITS:  # a linear layer: same rank, new last size (convolutions: unknown)
            last_size = features if producer.out_position is not None else None
        clipped: tuple[Site, ...] = ()
        if producer.kind in (Kind.PROBS, Kind.LOG_PROBS) and isinstance(tensor_input, Tensor) \
                and tensor_input.kind == Kind.ACTIVATED:
            clipped = tensor_input.origins
        return Tensor(producer.kind, (site,), producer, dim, rank, last_size, clipped=clipped)

    def exponential(self, value: Value, node: cst.Call) -> Value:
        """`torch.exp(log_softmax(x))` is softmax(x): a softmax output made here."""
        if isinstance(value, Tensor) and value.kind == Kind.LOG_PROBS and not value.shifted:
            return value.derived(kind=Kind.PROBS, origins=(self.site(node, "torch.exp(log_softmax)"),), producer=None)
        return UNKNOWN

    def call_module(self, module: Value, args: Args, node: cst.Call | None, state: State, site: Site) -> Value:
        tensor_input = args.get(0, "input")
        if tensor_input is None:
            tensor_input = UNKNOWN
        if isinstance(module, LossValue):
            self.record_loss(module.loss, site, args, state, offset=0)
            self.sink.loss_calls[-1].constructor = module.site
            return UNKNOWN
        if isinstance(module, SequentialValue):
            if not module.layers:
                return UNKNOWN  # made empty, filled where the engine does not see
            value = tensor_input
            for layer in module.layers:
                layer_site = layer.site if isinstance(layer, (TorchModule, SequentialValue)) else site
                value = self.call_module(layer, Args([value], {}), None, state, layer_site)
            return value
        if isinstance(module, TorchModule):
            if module.qualname in api.PASS_THROUGH_MODULES:
                if module.qualname in ("torch.nn.Flatten", "torch.nn.Unflatten") and isinstance(tensor_input, Tensor):
                    return tensor_input.shaped(None, None)
                return tensor_input
            producer = api.PRODUCERS.get(module.qualname)
            if producer is None:
                return UNKNOWN
            if producer.kind != Kind.LOGITS:
                self.sink.activation_calls.append(
                    ActivationCall(producer, site, tensor_input, state.mode, module.dim, self.via())
                )
            return self.produced(producer, site, tensor_input, module.dim, module.features)
        if isinstance(module, OneOf):  # each alternative called as a layer, at this site
            return join_all([self.call_module(option, args, node, state, site)
                             for option in callable_options(module, args)])
        if isinstance(module, (InstanceValue, FunctionValue) + DEFERRED):  # user code: a call like any other
            return self.call(module, args, node, state)
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
        if isinstance(tensor_input, Param) and self.frame.function is not None:
            self.frame.param_sinks.append((tensor_input.index, loss, site, ()))
        self.sink.loss_calls.append(
            LossCall(loss, site, tensor_input if tensor_input is not None else UNKNOWN,
                     target if target is not None else UNKNOWN, state.mode, self.via())
        )


# --------------------------------------------------------------------------- helpers


def probability(value: Value) -> bool:
    return isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID)


def shape_of(value: Value) -> tuple[int | None, int | None]:
    if isinstance(value, Tensor):
        return value.rank, value.last_size
    if isinstance(value, Param):
        return value.rank, None
    return None, None


def module_label(module: Value) -> str:
    if isinstance(module, LossValue):
        return module.loss.label
    if isinstance(module, TorchModule):
        return "nn." + module.qualname.rsplit(".", 1)[-1]
    return "nn.Sequential"
