"""Module summaries: what one module exports to the others (phase 1).

A summary is computed from a module's own text alone: imports of other
project modules stay symbolic (`ImportRef`, `DeferredAttr`, `DeferredCall`)
and are resolved by whoever reads the summary (`project.Project`). That makes
summaries cacheable and computable in parallel.

Encoded values are plain data (dicts, lists, strings, numbers) except sites,
which stay `Site` objects in memory so that positions are computed only when a
finding needs them; `ModuleSummary.to_json()` turns them into positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import torch_api as api
from .kinds import (
    ClassValue,
    DeferredAttr,
    DeferredCall,
    DictValue,
    ForeignRef,
    FunctionValue,
    ImportRef,
    InstanceValue,
    Kind,
    LossValue,
    Param,
    SequentialValue,
    Site,
    Tensor,
    TorchModule,
    TorchRef,
    TupleValue,
    Value,
)

UNKNOWN_CODE: dict[str, Any] = {"t": "unknown"}
SUMMARY_VERSION = 1


@dataclass
class ModuleSummary:
    path: str
    exports: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    # What the module imports from outside torch ([module, level, name]): the
    # modules whose summaries its own findings may depend on.
    imports: list[list[Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SUMMARY_VERSION,
            "path": self.path,
            "imports": self.imports,
            "exports": _sites_to_json(self.exports),
            "classes": _sites_to_json(self.classes),
            "functions": _sites_to_json(self.functions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModuleSummary":
        return cls(data["path"], data["exports"], data["classes"], data["functions"], data.get("imports", []))


def _sites_to_json(data: Any) -> Any:
    if isinstance(data, Site):
        return [data.path, list(data.locate()), data.label]
    if isinstance(data, dict):
        return {key: _sites_to_json(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_sites_to_json(value) for value in data]
    return data


def site_from(data: Any) -> Site:
    if isinstance(data, Site):
        return data
    path, position, label = data
    return Site(path, None, label, position=tuple(position))


class Encoder:
    """Turns the values left by a phase-1 interpretation into summary data."""

    def __init__(self, interpreter) -> None:
        self.interpreter = interpreter
        self.summary = ModuleSummary(interpreter.path)
        self.class_ids: dict[int, str] = {}
        self.function_ids: dict[int, str] = {}
        for name, value in interpreter.globals.items():
            if isinstance(value, ClassValue) and value.info.node is not None and value.info.name == name:
                self.class_ids[id(value.info)] = name
                for method_name, method in value.info.methods.items():
                    self.function_ids[id(method)] = f"{name}.{method_name}"
            elif isinstance(value, FunctionValue) and value.info.name == name and value.info.owner is None:
                self.function_ids[id(value.info)] = name

    def encode_module(self) -> ModuleSummary:
        seen = {(ref.module, ref.level, ref.name): None for ref in self.interpreter.imports}
        self.summary.imports = [list(key) for key in seen]
        for cls_id in self.class_ids.values():
            self.summary.classes[cls_id] = None  # placeholder against cycles
        for name, value in self.interpreter.globals.items():
            self.summary.exports[name] = self.encode(value)
        for name, value in self.interpreter.globals.items():
            if isinstance(value, ClassValue) and id(value.info) in self.class_ids:
                self.summary.classes[self.class_ids[id(value.info)]] = self.encode_class(value.info)
            elif isinstance(value, FunctionValue) and id(value.info) in self.function_ids:
                self.summary.functions[self.function_ids[id(value.info)]] = self.encode_function(value.info)
        return self.summary

    def encode_class(self, cls) -> dict[str, Any]:
        attrs = self.interpreter.instance_attrs(cls)
        methods = {}
        for name, method in cls.methods.items():
            method_id = self.function_ids[id(method)]
            self.summary.functions[method_id] = self.encode_function(method)
            methods[name] = method_id
        return {
            "name": cls.name,
            "bases": [self.encode(base) for base in cls.bases],
            "methods": methods,
            "attrs": {name: self.encode(value) for name, value in attrs.items()},
            "class_vars": {name: self.encode(value) for name, value in cls.class_vars.items()
                           if not isinstance(value, FunctionValue)},
        }

    def encode_function(self, info) -> dict[str, Any]:
        self.interpreter.analyse_function(info)
        return {
            "name": info.name,
            "returns": self.encode(info.return_value),
            "property": info.is_property,
            "static": info.is_static,
            "sinks": [[index, loss.qualname, site, list(via)] for index, loss, site, via in info.param_sinks],
        }

    def encode(self, value: Value, depth: int = 0) -> Any:
        if depth > 20:
            return UNKNOWN_CODE
        depth += 1
        if isinstance(value, Tensor):
            if value.kind == Kind.UNKNOWN:
                return UNKNOWN_CODE
            return {
                "t": "tensor",
                "kind": value.kind.name,
                "origins": list(value.origins),
                "producer": value.producer.qualname if value.producer else None,
                "dim": value.dim if isinstance(value.dim, int) else None,
            }
        if isinstance(value, Param):
            return {"t": "param", "i": value.index, "n": value.name}
        if isinstance(value, TorchRef):
            return {"t": "torch", "q": value.qualname}
        if isinstance(value, ForeignRef):
            return {"t": "foreign", "q": value.qualname}
        if isinstance(value, TorchModule):
            return {"t": "torchmodule", "q": value.qualname, "site": value.site,
                    "dim": value.dim if isinstance(value.dim, int) else None, "dim_given": value.dim_given}
        if isinstance(value, LossValue):
            return {"t": "loss", "q": value.loss.qualname, "site": value.site}
        if isinstance(value, SequentialValue):
            return {"t": "seq", "layers": [self.encode(layer, depth) for layer in value.layers], "site": value.site}
        if isinstance(value, TupleValue):
            return {"t": "tuple", "items": [self.encode(item, depth) for item in value.items]}
        if isinstance(value, DictValue):
            return {"t": "dict", "items": [[key, self.encode(item, depth)] for key, item in value.items]}
        if isinstance(value, ClassValue) and id(value.info) in self.class_ids:
            return {"t": "class", "id": self.class_ids[id(value.info)]}
        if isinstance(value, InstanceValue) and id(value.cls) in self.class_ids:
            return {"t": "instance", "cls": self.class_ids[id(value.cls)]}
        if isinstance(value, FunctionValue) and id(value.info) in self.function_ids:
            bound = self.encode(value.bound_self, depth) if value.bound_self is not None else None
            return {"t": "function", "id": self.function_ids[id(value.info)], "self": bound}
        if isinstance(value, ImportRef):
            return {"t": "ref", "m": value.module, "l": value.level, "n": value.name}
        if isinstance(value, DeferredAttr):
            return {"t": "attr", "base": self.encode(value.base, depth), "n": value.name}
        if isinstance(value, DeferredCall):
            return {"t": "call", "base": self.encode(value.base, depth)}
        return UNKNOWN_CODE


def loss_by_name(qualname: str) -> "api.Loss | None":
    return api.LOSSES.get(qualname)
