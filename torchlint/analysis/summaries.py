"""Module summaries: what one module exports to the others (phase 1).

A summary is computed from a module's own text alone: imports of other
project modules stay symbolic (`ImportRef`, `DeferredAttr`, `DeferredCall`)
and are resolved by whoever reads the summary (`project.Project`). That makes
summaries cacheable and computable in parallel.

A summary holds the module's exports, its classes (bases, methods, attribute
table, class variables, dataclass fields) and functions (return value,
parameter sinks, the names they choose by), its values encoded by
`codec.py` (one entry per value type: its encoding, decoding and check). The
encoded data is plain data (dicts, lists, strings, numbers) except sites,
which stay `Site` objects in memory so that positions are computed only when a
finding needs them; `ModuleSummary.to_json()` turns them into positions.

The summary cache keeps `to_cache()`'s form instead: each site becomes its
ordinal among the summary's distinct sites, which costs nothing to compute (a
position costs a LibCST metadata pass over the whole module). A summary read
back from the cache gives `CachedSite`s; the rare one that a finding must place
is found again by summarising the module's text afresh (`SiteLocator`): the
text is the one the cache entry was made from (its hash matched), so the walk
meets the same sites in the same order.

`SUMMARY_VERSION` keys the summary cache (and the results cache, see
`cache._versioned_key`): a change of what a summary holds or how a value is
written must change it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import codec
from .codec import CachedSite, Code, SiteLocator, valid_site
from .values import ClassValue, FunctionValue, Site, Value

if TYPE_CHECKING:  # pragma: no cover
    from .flow import ModuleInterpreter
    from .program import ClassInfo, FunctionInfo

__all__ = ["SUMMARY_VERSION", "CachedSite", "Encoder", "ModuleSummary", "SiteLocator", "parts_digest"]

SUMMARY_VERSION = 3


@dataclass
class ModuleSummary:
    path: str
    exports: dict[str, Code] = field(default_factory=dict)
    # class id -> {"name", "bases", "methods" (name -> function id), "attrs", "class_vars", "fields"}
    classes: dict[str, Any] = field(default_factory=dict)
    # function id ("f", "Class.method") -> {"name", "returns", "property", "static", "sinks", "selects"}
    functions: dict[str, Any] = field(default_factory=dict)
    # What the module imports from outside torch ([module, level, name]): the
    # modules whose summaries its own findings may depend on.
    imports: list[list[Any]] = field(default_factory=list)
    # For a summary read from the cache: finds its sites' nodes again (see `CachedSite`).
    locator: "SiteLocator | None" = field(default=None, repr=False, compare=False)
    # `to_cache()`'s data, kept for `parts_digest` (the summary does not change once encoded):
    # the data itself for a summary read from the cache, made on first use for a fresh one.
    _cache_data: "dict[str, Any] | None" = field(default=None, repr=False, compare=False)

    def _body(self) -> dict[str, Any]:
        return {"exports": self.exports, "classes": self.classes, "functions": self.functions}

    def to_cache(self) -> dict[str, Any]:
        """Plain data for the summary cache: each site as its ordinal (see the module doc)."""
        if self._cache_data is not None:
            return self._cache_data
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
        summary._cache_data = data
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


# -- what an importer read of a summary (the result cache's early cutoff)
#
# An importer's findings depend on the parts of a summary it decoded, not on the module's text:
# `project.Project` records them (`read_parts`) as `e:<export name>`, `c:<class id>` (the class
# but its methods and attributes), `m:<class id>.<name>` (which function a method name is, or
# that there is none), `P:<class id>` (its public methods), `M:<class id>` (all its methods:
# `program.DecodedMethods`), `a:<class id>.<name>` (one entry of its attribute table, or its
# absence), `A:<class id>` (the whole table: `program.DecodedAttrs`) and `f:<function id>`, and
# the result cache keys that dependency on `parts_digest` of them, so an edit that leaves those
# parts as they were (most edits inside function bodies, a method or an attribute no importer
# looks up) keeps the importer's cached findings. Digested in `to_cache()`'s
# form, which a summary read back from the cache has as it is and a fresh one makes once: the
# same text gives the same digest.

_PART_TABLES = {"e": "exports", "f": "functions"}


def _part(data: dict[str, Any], part: str) -> Any:
    """What `part` names in `data` (`to_cache()`'s form); None for what is not there."""
    kind, _, name = part.partition(":")
    if kind in _PART_TABLES:
        table = data.get(_PART_TABLES[kind])
        return table.get(name) if isinstance(table, dict) else None
    class_id, _, member = name.partition(".") if kind in ("m", "a") else (name, "", "")
    classes = data.get("classes")
    cls = classes.get(class_id) if isinstance(classes, dict) else None
    if not isinstance(cls, dict):
        return None
    methods = cls.get("methods") if isinstance(cls.get("methods"), dict) else {}
    attrs = cls.get("attrs") if isinstance(cls.get("attrs"), dict) else {}
    if kind == "c":
        return {key: value for key, value in cls.items() if key not in ("methods", "attrs")}
    if kind == "a":
        return attrs.get(member)
    if kind == "A":
        return attrs
    if kind == "m":
        return methods.get(member)
    if kind == "P":
        return {method: ident for method, ident in methods.items() if not method.startswith("_")}
    return methods if kind == "M" else None


def parts_digest(summary: "ModuleSummary | None", parts: Iterable[str]) -> str:
    """A digest of the parts `parts` of `summary` (None: a module with no summary)."""
    if summary is None:
        items: Any = None
    else:
        if summary._cache_data is None:  # kept only where digests are made (a run with a cache)
            summary._cache_data = summary.to_cache()
        data = summary._cache_data
        items = []
        for part in sorted(parts):
            items.append([part, _part(data, part)])
    text = json.dumps([SUMMARY_VERSION, items], separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _sites_to_json(data: Any) -> Any:
    if isinstance(data, Site):
        return [data.path, list(data.locate()), data.label]
    if isinstance(data, dict):
        return {key: _sites_to_json(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_sites_to_json(value) for value in data]
    return data


def _valid_summary(summary: "ModuleSummary") -> bool:
    """Whether cached data has the shape `Encoder` writes (a damaged entry is not used)."""
    def values(mapping: Any) -> bool:
        return isinstance(mapping, dict) and all(codec.valid(value) for value in mapping.values())

    if not (values(summary.exports) and isinstance(summary.classes, dict) and isinstance(summary.functions, dict)
            and isinstance(summary.imports, list)):
        return False
    for data in summary.classes.values():
        if not (isinstance(data, dict) and isinstance(data.get("name"), str) and isinstance(data.get("methods"), dict)
                and isinstance(data.get("bases"), list) and all(codec.valid(b) for b in data["bases"])
                and values(data.get("attrs")) and values(data.get("class_vars"))
                and (data.get("fields") is None or (isinstance(data["fields"], list)
                                                    and all(isinstance(f, str) for f in data["fields"])))):
            return False
    for data in summary.functions.values():
        if not (isinstance(data, dict) and isinstance(data.get("name"), str) and codec.valid(data.get("returns"))
                and isinstance(data.get("sinks"), list) and isinstance(data.get("selects", []), list)
                and all(isinstance(name, str) for name in data.get("selects", []))):
            return False
        for sink in data["sinks"]:
            if not (isinstance(sink, list) and len(sink) == 4 and valid_site(sink[2]) and isinstance(sink[3], list)
                    and all(valid_site(via) for via in sink[3])):
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


class Encoder:
    """Turns the values left by a phase-1 interpretation into summary data."""

    def __init__(self, interpreter: "ModuleInterpreter") -> None:
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

    def encode_class(self, cls: "ClassInfo") -> dict[str, Any]:
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

    def encode_function(self, info: "FunctionInfo") -> dict[str, Any]:
        self.interpreter.analyse_function(info)
        return {
            "name": info.name,
            "returns": self.encode(info.return_value),
            "property": info.is_property,
            "static": info.is_static,
            "sinks": [[index, loss.qualname, site, list(via)] for index, loss, site, via in info.param_sinks],
            "selects": sorted(info.selectors),
        }

    def encode(self, value: Value, depth: int = 0) -> Code:
        return codec.encode(value, self, depth)

    # -- codec.Writer

    def class_id(self, info: "ClassInfo") -> str | None:
        return self.class_ids.get(id(info))

    def function_id(self, info: "FunctionInfo") -> str | None:
        return self.function_ids.get(id(info))
