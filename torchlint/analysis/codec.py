"""The summary codec: how each value type is written into a summary, read back and checked.

A module summary (`summaries.py`) holds values as plain data: a dict whose "t" names the
value type (its *tag*), with that type's own keys. Everything one value type needs is one
entry of `CODECS`, a `ValueCodec`:

* `encode(value, writer, depth)`: the data (keys in a fixed order: the JSON and cache forms
  are byte-stable), or None when this value cannot be written here (a class the module does
  not define, a tensor of unknown kind): then it is written as unknown;
* `decode(data, reader, summary)`: the value again, in the reading module's terms; what is
  symbolic (an import, an attribute or a call of one) is resolved by the reader
  (`project.Project`: imports, attributes, calls and the classes and functions a summary
  describes);
* `fields`: the keys it writes besides "t" and what each holds, which is what a summary read
  back from the cache is checked against (`valid`) before any of it is used.

So a new value type is one entry here (and a new `SUMMARY_VERSION` in summaries.py, which
keys the summary cache); `tests/test_values.py` round-trips every entry of the table.

Sites stay `Site` objects in the encoded data in memory (positions cost a LibCST pass);
`ModuleSummary.to_json` writes each as `[path, position, label]`, `to_cache` as its ordinal
among the summary's sites (`{"site": n, "label": ..., "path": ...}`), which `decode_site`
turns into a `CachedSite` found again only when asked (see `SiteLocator`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ..catalog import Kind
from . import torch_api as api
from .values import (
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
    UnknownValue,
    Value,
)

if TYPE_CHECKING:  # pragma: no cover
    from .program import ClassInfo, FunctionInfo
    from .summaries import ModuleSummary

# An encoded value: plain data as `encode` writes it (JSON types, and `Site`s until a summary
# is serialised).
Code = dict[str, Any]

UNKNOWN_CODE: Code = {"t": "unknown"}
# Values nested deeper than this are written as unknown; data nested deeper than `MAX_VALID_DEPTH`
# is not a summary this codec wrote.
MAX_ENCODE_DEPTH = 20
MAX_VALID_DEPTH = 50


class Writer(Protocol):
    """What encoding needs from the module being summarised: the ids of its own classes and
    functions (anything else of those kinds is written as unknown)."""

    def class_id(self, info: "ClassInfo") -> str | None: ...

    def function_id(self, info: "FunctionInfo") -> str | None: ...


class Reader(Protocol):
    """What decoding needs from the project reading a summary (`project.Project`)."""

    def decode_class(self, summary: "ModuleSummary", class_id: str) -> "ClassInfo | None": ...

    def decode_function(self, summary: "ModuleSummary", function_id: str,
                        owner: "ClassInfo | None" = None) -> "FunctionInfo | None": ...

    def resolve_import(self, ref: ImportRef, importer: str) -> Value: ...

    def attribute_of(self, base: Value, name: str) -> Value: ...

    def call_of(self, base: Value, keywords: dict[str, Value] | None) -> Value: ...


# --------------------------------------------------------------------------- sites


def valid_site(data: Any) -> bool:
    """A site in `to_cache`'s form."""
    return (isinstance(data, dict) and isinstance(data.get("site"), int) and isinstance(data.get("label"), str)
            and isinstance(data.get("path"), str))


def decode_site(data: Any, summary: "ModuleSummary | None" = None) -> Site:
    """A site from a summary in memory (the `Site` itself), from `to_cache`'s form (a
    `CachedSite`: only in a summary read from the cache) or from `to_json`'s."""
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

    def __init__(self, fresh_summary: "Callable[[], ModuleSummary | None]") -> None:
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
    a fix); its identity (`key`) needs none of them. The text it is found in is the one the
    cache entry was made from (its hash matched), so the fresh walk meets the same sites in the
    same order."""

    def __init__(self, path: str, label: str, ordinal: int, locator: SiteLocator) -> None:
        self.path = path
        self.label = label
        self.ordinal = ordinal
        self.position = None
        self._locator = locator
        self._found: Site | None = None
        self._looked = False

    def key(self) -> tuple:
        return (self.path, "#", self.ordinal)

    def _site(self) -> Site | None:
        if not self._looked:
            self._found, self._looked = self._locator.site(self.ordinal), True
        return self._found

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


# --------------------------------------------------------------------------- field checks

# What one key of an encoded value holds: a check of the data found there (and the depth,
# for nested values).
Check = Callable[[Any, int], bool]


def _str(item: Any, depth: int) -> bool:
    return isinstance(item, str)


def _optional_str(item: Any, depth: int) -> bool:
    return item is None or isinstance(item, str)


def _int(item: Any, depth: int) -> bool:
    return isinstance(item, int)


def _optional_int(item: Any, depth: int) -> bool:
    return item is None or isinstance(item, int)


def _bool(item: Any, depth: int) -> bool:
    return isinstance(item, bool)


def _kind(item: Any, depth: int) -> bool:
    return isinstance(item, str) and item in Kind.__members__


def _site(item: Any, depth: int) -> bool:
    return valid_site(item)


def _sites(item: Any, depth: int) -> bool:
    return isinstance(item, list) and all(valid_site(site) for site in item)


def _value(item: Any, depth: int) -> bool:
    return valid(item, depth)


def _optional_value(item: Any, depth: int) -> bool:
    return item is None or valid(item, depth)


def _values(item: Any, depth: int) -> bool:
    return isinstance(item, list) and all(valid(value, depth) for value in item)


def _pairs(item: Any, depth: int) -> bool:
    return isinstance(item, list) and all(isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                                          and valid(pair[1], depth) for pair in item)


def _optional_pairs(item: Any, depth: int) -> bool:
    return item is None or _pairs(item, depth)


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class ValueCodec:
    """One value type's part of a summary (see the module doc)."""

    tag: str
    types: tuple[type, ...]
    fields: dict[str, Check]
    encode: Callable[[Any, Writer, int], Code | None]
    decode: Callable[[Code, Reader, "ModuleSummary"], Value]


def encode(value: Value, writer: Writer, depth: int = 0) -> Code:
    """`value` as summary data; unknown when no entry writes it."""
    if depth > MAX_ENCODE_DEPTH:
        return UNKNOWN_CODE
    entry = BY_TYPE.get(type(value))
    if entry is None:
        return UNKNOWN_CODE
    code = entry.encode(value, writer, depth + 1)
    return UNKNOWN_CODE if code is None else code


def decode(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    """The value `data` describes, read by `reader` for a module that imports `summary`'s."""
    entry = BY_TAG.get(data.get("t"))  # type: ignore[arg-type]
    return entry.decode(data, reader, summary) if entry is not None else UNKNOWN


def valid(data: Any, depth: int = 0) -> bool:
    """Whether `data` has the shape `encode` writes (sites in `to_cache`'s form)."""
    if not isinstance(data, dict) or depth > MAX_VALID_DEPTH:
        return False
    entry = BY_TAG.get(data.get("t"))  # type: ignore[arg-type]
    if entry is None:
        return False
    depth += 1
    for key, check in entry.fields.items():
        if key not in data or not check(data[key], depth):
            return False
    return True


def _pairs_of(pairs: tuple[tuple[str, Value], ...], writer: Writer, depth: int) -> list[list[Any]]:
    return [[key, encode(item, writer, depth)] for key, item in pairs]


def _decoded_pairs(data: list[list[Any]], reader: Reader, summary: "ModuleSummary") -> tuple[tuple[str, Value], ...]:
    return tuple((key, decode(item, reader, summary)) for key, item in data)


# unknown: anything at all (written for whatever no other entry writes, see `encode`)


def _encode_unknown(value: UnknownValue, writer: Writer, depth: int) -> Code:
    return UNKNOWN_CODE


def _decode_unknown(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return UNKNOWN


# tensor: a tensor of a known kind (one of unknown kind is written as unknown)


def _encode_tensor(value: Tensor, writer: Writer, depth: int) -> Code | None:
    if value.kind == Kind.UNKNOWN:
        return None
    return {"t": "tensor", "kind": value.kind.name, "origins": list(value.origins),
            "producer": value.producer.qualname if value.producer else None,
            "dim": value.dim if isinstance(value.dim, int) else None, "rank": value.rank, "last": value.last_size,
            "shifted": value.shifted, "clipped": list(value.clipped)}


def _decode_tensor(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    qualname = data.get("producer") or ""
    producer = api.PRODUCERS.get(qualname) or api.TENSOR_METHOD_PRODUCERS.get(qualname.rsplit(".", 1)[-1])
    origins = tuple(decode_site(origin, summary) for origin in data["origins"])
    clipped = tuple(decode_site(origin, summary) for origin in data.get("clipped") or ())
    return Tensor(Kind[data["kind"]], origins, producer, data.get("dim"), data.get("rank"), data.get("last"),
                  bool(data.get("shifted")), clipped)


# param, torch, foreign, none, str: plain values


def _encode_param(value: Param, writer: Writer, depth: int) -> Code:
    return {"t": "param", "i": value.index, "n": value.name, "r": value.rank}


def _decode_param(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return Param(data["i"], data["n"], data.get("r"))


def _encode_torch(value: TorchRef, writer: Writer, depth: int) -> Code:
    return {"t": "torch", "q": value.qualname}


def _decode_torch(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return TorchRef(data["q"])


def _encode_foreign(value: ForeignRef, writer: Writer, depth: int) -> Code:
    return {"t": "foreign", "q": value.qualname}


def _decode_foreign(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return ForeignRef(data["q"])


def _encode_none(value: NoneValue, writer: Writer, depth: int) -> Code:
    return {"t": "none"}


def _decode_none(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return NONE


def _encode_str(value: StrValue, writer: Writer, depth: int) -> Code:
    return {"t": "str", "v": value.text}


def _decode_str(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return StrValue(str(data["v"]))


# torchmodule, loss, seq: torch objects made in the module


def _encode_torchmodule(value: TorchModule, writer: Writer, depth: int) -> Code:
    return {"t": "torchmodule", "q": value.qualname, "site": value.site,
            "dim": value.dim if isinstance(value.dim, int) else None, "dim_given": value.dim_given,
            "features": value.features}


def _decode_torchmodule(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return TorchModule(data["q"], decode_site(data["site"], summary), data.get("dim"), data.get("dim_given", False),
                       data.get("features"))


def _encode_loss(value: LossValue, writer: Writer, depth: int) -> Code:
    return {"t": "loss", "q": value.loss.qualname, "site": value.site}


def _decode_loss(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    loss = api.LOSSES.get(data["q"])
    return LossValue(loss, decode_site(data["site"], summary)) if loss is not None else UNKNOWN


def _encode_seq(value: SequentialValue, writer: Writer, depth: int) -> Code:
    return {"t": "seq", "layers": [encode(layer, writer, depth) for layer in value.layers], "site": value.site}


def _decode_seq(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    layers = tuple(decode(layer, reader, summary) for layer in data["layers"])
    return SequentialValue(layers, decode_site(data["site"], summary))


# tuple, dict, list, record, oneof: containers and alternatives


def _encode_tuple(value: TupleValue, writer: Writer, depth: int) -> Code:
    return {"t": "tuple", "items": [encode(item, writer, depth) for item in value.items]}


def _decode_tuple(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return TupleValue(tuple(decode(item, reader, summary) for item in data["items"]))


def _encode_dict(value: DictValue, writer: Writer, depth: int) -> Code:
    return {"t": "dict", "items": [[str(key), encode(item, writer, depth)] for key, item in value.items],
            "rest": encode(value.rest, writer, depth) if value.rest is not None else None}


def _decode_dict(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    rest = decode(data["rest"], reader, summary) if data.get("rest") else None
    return DictValue(_decoded_pairs(data["items"], reader, summary), rest)


def _encode_list(value: ListOf, writer: Writer, depth: int) -> Code:
    return {"t": "list", "item": encode(value.item, writer, depth)}


def _decode_list(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return ListOf(decode(data["item"], reader, summary))


def _encode_record(value: RecordValue, writer: Writer, depth: int) -> Code:
    return {"t": "record", "fields": _pairs_of(value.fields, writer, depth)}


def _decode_record(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return RecordValue(_decoded_pairs(data["fields"], reader, summary))


def _encode_oneof(value: OneOf, writer: Writer, depth: int) -> Code | None:
    options = [encode(option, writer, depth) for option in value.options]
    return {"t": "oneof", "options": options} if UNKNOWN_CODE not in options else None


def _decode_oneof(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return OneOf(tuple(decode(option, reader, summary) for option in data["options"]))


# class, instance, function: the module's own classes and functions, by id in its summary


def _encode_class(value: ClassValue, writer: Writer, depth: int) -> Code | None:
    class_id = writer.class_id(value.info)
    return {"t": "class", "id": class_id} if class_id is not None else None


def _decode_class(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    cls = reader.decode_class(summary, data["id"])
    return ClassValue(cls) if cls is not None else UNKNOWN


def _encode_instance(value: InstanceValue, writer: Writer, depth: int) -> Code | None:
    class_id = writer.class_id(value.cls)
    if class_id is None:
        return None
    attrs = None if value.attrs is None else _pairs_of(value.attrs, writer, depth)
    return {"t": "instance", "cls": class_id, "attrs": attrs}


def _decode_instance(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    cls = reader.decode_class(summary, data["cls"])
    if cls is None:
        return UNKNOWN
    attrs = data.get("attrs")
    if attrs is None:
        return InstanceValue(cls)
    return InstanceValue(cls, _decoded_pairs(attrs, reader, summary))


def _encode_function(value: FunctionValue, writer: Writer, depth: int) -> Code | None:
    function_id = writer.function_id(value.info)
    if function_id is None:
        return None
    bound = encode(value.bound_self, writer, depth) if value.bound_self is not None else None
    return {"t": "function", "id": function_id, "self": bound}


def _decode_function(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    info = reader.decode_function(summary, data["id"])
    if info is None:
        return UNKNOWN
    bound = decode(data["self"], reader, summary) if data.get("self") else None
    return FunctionValue(info, bound_self=bound)


# ref, attr, call: symbolic imports (phase 1), resolved by the reader


def _encode_ref(value: ImportRef, writer: Writer, depth: int) -> Code:
    return {"t": "ref", "m": value.module, "l": value.level, "n": value.name}


def _decode_ref(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return reader.resolve_import(ImportRef(data["m"], data["l"], data["n"]), summary.path)


def _encode_attr(value: DeferredAttr, writer: Writer, depth: int) -> Code:
    return {"t": "attr", "base": encode(value.base, writer, depth), "n": value.name}


def _decode_attr(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    return reader.attribute_of(decode(data["base"], reader, summary), data["n"])


def _encode_call(value: DeferredCall, writer: Writer, depth: int) -> Code:
    keywords = _pairs_of(value.keywords, writer, depth)
    return {"t": "call", "base": encode(value.base, writer, depth), "kw": keywords or None}


def _decode_call(data: Code, reader: Reader, summary: "ModuleSummary") -> Value:
    base = decode(data["base"], reader, summary)
    keywords = {key: decode(item, reader, summary) for key, item in data["kw"]} if data.get("kw") else None
    return reader.call_of(base, keywords)


CODECS: tuple[ValueCodec, ...] = (
    ValueCodec("unknown", (UnknownValue,), {}, _encode_unknown, _decode_unknown),
    ValueCodec("tensor", (Tensor,), {"kind": _kind, "origins": _sites, "producer": _optional_str,
                                     "dim": _optional_int, "rank": _optional_int, "last": _optional_int,
                                     "shifted": _bool, "clipped": _sites}, _encode_tensor, _decode_tensor),
    ValueCodec("param", (Param,), {"i": _int, "n": _str, "r": _optional_int}, _encode_param, _decode_param),
    ValueCodec("torch", (TorchRef,), {"q": _str}, _encode_torch, _decode_torch),
    ValueCodec("foreign", (ForeignRef,), {"q": _str}, _encode_foreign, _decode_foreign),
    ValueCodec("torchmodule", (TorchModule,), {"q": _str, "site": _site, "dim": _optional_int, "dim_given": _bool,
                                               "features": _optional_int}, _encode_torchmodule, _decode_torchmodule),
    ValueCodec("loss", (LossValue,), {"q": _str, "site": _site}, _encode_loss, _decode_loss),
    ValueCodec("seq", (SequentialValue,), {"layers": _values, "site": _site}, _encode_seq, _decode_seq),
    ValueCodec("tuple", (TupleValue,), {"items": _values}, _encode_tuple, _decode_tuple),
    ValueCodec("dict", (DictValue,), {"items": _pairs, "rest": _optional_value}, _encode_dict, _decode_dict),
    ValueCodec("list", (ListOf,), {"item": _value}, _encode_list, _decode_list),
    ValueCodec("record", (RecordValue,), {"fields": _pairs}, _encode_record, _decode_record),
    ValueCodec("oneof", (OneOf,), {"options": _values}, _encode_oneof, _decode_oneof),
    ValueCodec("none", (NoneValue,), {}, _encode_none, _decode_none),
    ValueCodec("str", (StrValue,), {"v": _str}, _encode_str, _decode_str),
    ValueCodec("class", (ClassValue,), {"id": _str}, _encode_class, _decode_class),
    ValueCodec("instance", (InstanceValue,), {"cls": _str, "attrs": _optional_pairs}, _encode_instance,
               _decode_instance),
    ValueCodec("function", (FunctionValue,), {"id": _str, "self": _optional_value}, _encode_function,
               _decode_function),
    ValueCodec("ref", (ImportRef,), {"m": _str, "l": _int, "n": _optional_str}, _encode_ref, _decode_ref),
    ValueCodec("attr", (DeferredAttr,), {"base": _value, "n": _str}, _encode_attr, _decode_attr),
    ValueCodec("call", (DeferredCall,), {"base": _value, "kw": _optional_pairs}, _encode_call, _decode_call),
)

BY_TAG: dict[str, ValueCodec] = {entry.tag: entry for entry in CODECS}
# Encoding dispatches on the exact type (no value type is subclassed); a type no entry lists
# (a `functools.partial`, a project module, `super()`) is written as unknown.
BY_TYPE: dict[type, ValueCodec] = {kind: entry for entry in CODECS for kind in entry.types}
assert len(BY_TAG) == len(CODECS) and len(BY_TYPE) == sum(len(entry.types) for entry in CODECS)
