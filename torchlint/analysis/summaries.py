"""Module summaries: what one module exports to the others (phase 1).

A summary is computed from a module's own text alone: imports of other
project modules stay symbolic (`ImportRef`, `DeferredAttr`, `DeferredCall`)
and are resolved by whoever reads the summary (`project.Project`). That makes
summaries cacheable and computable in parallel.

Encoded values are plain data (dicts, lists, strings, numbers) except sites,
which stay `Site` objects in memory so that positions are computed only when a
finding needs them; `ModuleSummary.to_json()` turns them into positions.

The summary cache keeps `to_cache()`'s form instead: each site becomes its
ordinal among the summary's distinct sites, which costs nothing to compute (a
position costs a LibCST metadata pass over the whole module). A summary read
back from the cache gives `CachedSite`s; the rare one that a finding must place
is found again by summarising the module's text afresh (`SiteLocator`): the
text is the one the cache entry was made from (its hash matched), so the walk
meets the same sites in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import torch_api as api
from .values import (
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
    RecordValue,
    SequentialValue,
    Site,
    StrValue,
    Tensor,
    TorchModule,
    TorchRef,
    TupleValue,
    Value,
)

UNKNOWN_CODE: dict[str, Any] = {"t": "unknown"}
SUMMARY_VERSION = 3


@dataclass
class ModuleSummary:
    path: str
    exports: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    # What the module imports from outside torch ([module, level, name]): the
    # modules whose summaries its own findings may depend on.
    imports: list[list[Any]] = field(default_factory=list)
    # For a summary read from the cache: finds its sites' nodes again (see `CachedSite`).
    locator: "SiteLocator | None" = field(default=None, repr=False, compare=False)

    def _body(self) -> dict[str, Any]:
        return {"exports": self.exports, "classes": self.classes, "functions": self.functions}

    def to_cache(self) -> dict[str, Any]:
        """Plain data for the summary cache: each site as its ordinal (see the module doc)."""
        ordinals: dict[tuple, int] = {}

        def visit(site: Site) -> dict[str, Any]:
            ordinal = ordinals.setdefault(site.key(), len(ordinals))
            return {"site": ordinal, "label": site.label, "path": site.path}

        return {"version": SUMMARY_VERSION, "path": self.path, "imports": self.imports,
                **_map_sites(self._body(), visit)}

    def sites(self) -> list[Site]:
        """The summary's distinct sites, in the order `to_cache` numbers them."""
        found: dict[tuple, Site] = {}
        _map_sites(self._body(), lambda site: found.setdefault(site.key(), site))
        return list(found.values())

    @classmethod
    def from_cache(cls, data: dict[str, Any], locator: "SiteLocator") -> "ModuleSummary":
        if data.get("version") != SUMMARY_VERSION:
            raise ValueError("summary written by another version")
        summary = cls(data["path"], data["exports"], data["classes"], data["functions"], data["imports"])
        if not _valid_summary(summary):
            raise ValueError("not a summary")
        summary.locator = locator
        return summary

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


# The keys each encoded value has (see `Encoder.encode`), and which of them hold values, lists
# of values, sites or lists of sites: what a cached summary is checked against before use.
_SHAPES: dict[str, tuple[tuple[str, ...], str]] = {
    "unknown": ((), ""), "param": (("i", "n"), ""), "torch": (("q",), ""), "foreign": (("q",), ""),
    "ref": (("m", "l", "n"), ""), "class": (("id",), ""), "instance": (("cls",), "attrs:optionalpairs"),
    "tensor": (("kind", "origins"), "origins:sites clipped:optionalsites"),
    "torchmodule": (("q", "site"), "site:site"),
    "loss": (("q", "site"), "site:site"), "seq": (("layers", "site"), "layers:values site:site"),
    "tuple": (("items",), "items:values"), "dict": (("items",), "items:pairs rest:optional"),
    "list": (("item",), "item:value"), "record": (("fields",), "fields:pairs"),
    "oneof": (("options",), "options:values"), "none": ((), ""), "str": (("v",), ""),
    "function": (("id",), "self:optional"), "attr": (("base", "n"), "base:value"), "call": (("base",), "base:value kw:optionalpairs"),
}


def _valid_site(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("site"), int) and isinstance(data.get("label"), str)
            and isinstance(data.get("path"), str))


def _valid_value(data: Any, depth: int = 0) -> bool:
    if not isinstance(data, dict) or depth > 50 or data.get("t") not in _SHAPES:
        return False
    required, parts = _SHAPES[data["t"]]
    if any(key not in data for key in required):
        return False
    for part in parts.split():
        key, what = part.split(":")
        item = data.get(key)
        if what == "site" and not _valid_site(item):
            return False
        if what == "sites" and not (isinstance(item, list) and all(_valid_site(site) for site in item)):
            return False
        if what == "value" and not _valid_value(item, depth + 1):
            return False
        if what == "optional" and item is not None and not _valid_value(item, depth + 1):
            return False
        if what == "values" and not (isinstance(item, list) and all(_valid_value(v, depth + 1) for v in item)):
            return False
        if what.startswith("optional") and item is None:
            continue
        if what in ("pairs", "optionalpairs") and not (isinstance(item, list) and all(
                isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                and _valid_value(pair[1], depth + 1) for pair in item)):
            return False
        if what == "optionalsites" and not (isinstance(item, list) and all(_valid_site(site) for site in item)):
            return False
    return True


def _valid_summary(summary: "ModuleSummary") -> bool:
    """Whether cached data has the shape `Encoder` writes (a damaged entry is not used)."""
    def values(mapping: Any) -> bool:
        return isinstance(mapping, dict) and all(_valid_value(value) for value in mapping.values())

    if not (values(summary.exports) and isinstance(summary.classes, dict) and isinstance(summary.functions, dict)
            and isinstance(summary.imports, list)):
        return False
    for data in summary.classes.values():
        if not (isinstance(data, dict) and isinstance(data.get("name"), str) and isinstance(data.get("methods"), dict)
                and isinstance(data.get("bases"), list) and all(_valid_value(b) for b in data["bases"])
                and values(data.get("attrs")) and values(data.get("class_vars"))
                and (data.get("fields") is None or (isinstance(data["fields"], list)
                                                    and all(isinstance(f, str) for f in data["fields"])))):
            return False
    for data in summary.functions.values():
        if not (isinstance(data, dict) and isinstance(data.get("name"), str) and _valid_value(data.get("returns"))
                and isinstance(data.get("sinks"), list) and isinstance(data.get("selects", []), list)
                and all(isinstance(name, str) for name in data.get("selects", []))):
            return False
        for sink in data["sinks"]:
            if not (isinstance(sink, list) and len(sink) == 4 and _valid_site(sink[2]) and isinstance(sink[3], list)
                    and all(_valid_site(via) for via in sink[3])):
                return False
    return True


def _map_sites(data: Any, visit: Callable[[Site], Any]) -> Any:
    """`data` with each site replaced by `visit(site)`, walked in a fixed order."""
    if isinstance(data, Site):
        return visit(data)
    if isinstance(data, dict):
        return {key: _map_sites(value, visit) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_map_sites(value, visit) for value in data]
    return data


def site_from(data: Any, summary: ModuleSummary | None = None) -> Site:
    if isinstance(data, Site):
        return data
    if isinstance(data, dict):  # to_cache's form
        if summary is None or summary.locator is None:
            raise ValueError("a cached site outside a cached summary")
        return CachedSite(str(data["path"]), str(data["label"]), int(data["site"]), summary.locator)
    path, position, label = data
    return Site(path, None, label, position=tuple(position))


class SiteLocator:
    """Finds the sites of one cached summary again, by summarising the module afresh, once."""

    def __init__(self, fresh_summary: Callable[[], ModuleSummary | None]) -> None:
        self._fresh_summary = fresh_summary
        self._sites: list[Site] | None = None

    def site(self, ordinal: int) -> Site | None:
        if self._sites is None:
            fresh = self._fresh_summary()
            self._sites = fresh.sites() if fresh is not None else []
        return self._sites[ordinal] if 0 <= ordinal < len(self._sites) else None


class CachedSite(Site):
    """A site of a summary read from the cache, known by its ordinal in that summary. Its node,
    source and position are found only when something asks for them (a finding that names it,
    a fix); its identity (`key`) needs none of them."""

    def __init__(self, path: str, label: str, ordinal: int, locator: SiteLocator) -> None:
        self.path = path
        self.label = label
        self.ordinal = ordinal
        self.position = None
        self._locator = locator
        self._found: Site | None | bool = None

    def key(self) -> tuple:
        return (self.path, "#", self.ordinal)

    def _site(self) -> Site | None:
        if self._found is None:
            self._found = self._locator.site(self.ordinal) or False
        return self._found or None

    @property
    def node(self):  # type: ignore[override]
        found = self._site()
        return found.node if found is not None else None

    @property
    def source(self):  # type: ignore[override]
        found = self._site()
        return found.source if found is not None else None

    def locate(self) -> tuple[int, int, int, int]:
        if self.position is None:
            found = self._site()
            self.position = found.locate() if found is not None else (1, 1, 1, 1)
        return self.position


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
            "fields": cls.fields,
        }

    def encode_function(self, info) -> dict[str, Any]:
        self.interpreter.analyse_function(info)
        return {
            "name": info.name,
            "returns": self.encode(info.return_value),
            "property": info.is_property,
            "static": info.is_static,
            "sinks": [[index, loss.qualname, site, list(via)] for index, loss, site, via in info.param_sinks],
            "selects": sorted(info.selectors),
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
                "rank": value.rank,
                "last": value.last_size,
                "shifted": value.shifted,
                "clipped": list(value.clipped),
            }
        if isinstance(value, Param):
            return {"t": "param", "i": value.index, "n": value.name, "r": value.rank}
        if isinstance(value, TorchRef):
            return {"t": "torch", "q": value.qualname}
        if isinstance(value, ForeignRef):
            return {"t": "foreign", "q": value.qualname}
        if isinstance(value, TorchModule):
            return {"t": "torchmodule", "q": value.qualname, "site": value.site,
                    "dim": value.dim if isinstance(value.dim, int) else None, "dim_given": value.dim_given,
                    "features": value.features}
        if isinstance(value, LossValue):
            return {"t": "loss", "q": value.loss.qualname, "site": value.site}
        if isinstance(value, SequentialValue):
            return {"t": "seq", "layers": [self.encode(layer, depth) for layer in value.layers], "site": value.site}
        if isinstance(value, TupleValue):
            return {"t": "tuple", "items": [self.encode(item, depth) for item in value.items]}
        if isinstance(value, DictValue):
            return {"t": "dict", "items": [[str(key), self.encode(item, depth)] for key, item in value.items],
                    "rest": self.encode(value.rest, depth) if value.rest is not None else None}
        if isinstance(value, ListOf):
            return {"t": "list", "item": self.encode(value.item, depth)}
        if isinstance(value, RecordValue):
            return {"t": "record", "fields": [[key, self.encode(item, depth)] for key, item in value.fields]}
        if isinstance(value, OneOf):
            options = [self.encode(option, depth) for option in value.options]
            return {"t": "oneof", "options": options} if UNKNOWN_CODE not in options else UNKNOWN_CODE
        if isinstance(value, NoneValue):
            return {"t": "none"}
        if isinstance(value, StrValue):
            return {"t": "str", "v": value.text}
        if isinstance(value, ClassValue) and id(value.info) in self.class_ids:
            return {"t": "class", "id": self.class_ids[id(value.info)]}
        if isinstance(value, InstanceValue) and id(value.cls) in self.class_ids:
            attrs = None if value.attrs is None else [[key, self.encode(item, depth)] for key, item in value.attrs]
            return {"t": "instance", "cls": self.class_ids[id(value.cls)], "attrs": attrs}
        if isinstance(value, FunctionValue) and id(value.info) in self.function_ids:
            bound = self.encode(value.bound_self, depth) if value.bound_self is not None else None
            return {"t": "function", "id": self.function_ids[id(value.info)], "self": bound}
        if isinstance(value, ImportRef):
            return {"t": "ref", "m": value.module, "l": value.level, "n": value.name}
        if isinstance(value, DeferredAttr):
            return {"t": "attr", "base": self.encode(value.base, depth), "n": value.name}
        if isinstance(value, DeferredCall):
            keywords = [[key, self.encode(item, depth)] for key, item in value.keywords]
            return {"t": "call", "base": self.encode(value.base, depth), "kw": keywords or None}
        return UNKNOWN_CODE


def loss_by_name(qualname: str) -> "api.Loss | None":
    return api.LOSSES.get(qualname)
