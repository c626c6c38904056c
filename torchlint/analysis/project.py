"""Whole-project flow: resolve imports between the project's modules.

Phase 1 summarises a module from its own text (`summaries.Encoder`, imports
left symbolic). Phase 2 interprets each linted module with a `Project` as its
resolver: an import of another project module becomes the values that
module's summary exports (classes whose `forward` returns probabilities, loss
objects, helper functions whose parameter reaches a loss, ...).

Import resolution follows Python's: relative imports from the importing
file's package; absolute imports from the importing file's directory (a
script's `sys.path[0]`), then from each project root and its `src/`.
Packages may lack `__init__.py`. What cannot be found is foreign code, never
an error.
"""

from __future__ import annotations

import os
import posixpath
import sys
import threading
from typing import Any, Callable, Protocol, TypeVar

from ..parsing import ParsedModule, ParseFailure, parse_file
from ..roots import is_project_root
from . import codec
from . import torch_api as api
from .calls import Args, CallEngine
from .codec import Code, SiteLocator, decode_site
from .flow import ModuleInterpreter, Resolver, foreign_result
from .program import ClassInfo, DecodedAttrs, DecodedMethods, FunctionInfo, Status, class_member
from .state import resolved
from . import bodies
from .summaries import Encoder, ModuleSummary, parts_digest
from .values import (
    UNKNOWN,
    ClassValue,
    ForeignRef,
    FunctionValue,
    ImportRef,
    InstanceValue,
    Kind,
    Param,
    ProjectModule,
    RecordValue,
    SequentialValue,
    Tensor,
    TorchModule,
    TorchRef,
    Value,
)

T = TypeVar("T")


class SummaryStore(Protocol):
    """Summaries kept between runs (`cache.SummaryCache`)."""

    def lookup(self, name: str) -> dict[str, Any] | None:
        """The cached `to_cache()` data of the module at `name`, while its text is unchanged."""

    def record(self, name: str, summary: ModuleSummary) -> None:
        """Keep a summary made in this run."""


# Work that recurses on its own (a LibCST parse, a phase-1 interpretation) runs on a fresh stack
# when it is asked for from deep inside another module's resolution: an import chain through a
# hundred modules must not turn a valid file into "too deeply nested", depending on where the
# chain started (issue #15).
DEEP_STACK = 400
FRESH_STACK_BYTES = 256 * 1024 * 1024
# Nested decodes of other modules' exports (an import chain) followed at most this far; past it
# the value is unknown (each step is a dozen Python frames; a deep chain moves to fresh stacks).
MAX_DECODE_DEPTH = 1000


def _stack_deeper_than(frames: int) -> bool:
    try:
        sys._getframe(frames + 1)  # walks the frames in C
    except ValueError:
        return False
    return True


def _on_a_fresh_stack(work: Callable[[], T]) -> T:
    """`work()`, in a thread of its own when this stack is already deep (a new thread counts its
    Python frames from zero); its result or exception as if called here."""
    if not _stack_deeper_than(DEEP_STACK):
        return work()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:  # handed back to the caller below
            outcome.append((False, error))

    previous = threading.stack_size()
    try:
        threading.stack_size(FRESH_STACK_BYTES)
        thread = threading.Thread(target=run, name="torchlint-fresh-stack", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


class DeferringResolver(Resolver):
    """Phase 1: leave project imports symbolic, so a summary depends on one file only."""

    def resolve_import(self, ref: ImportRef, importer: str) -> Value:
        return ref


class Project(Resolver):
    """The modules of one run, and the summaries they export to each other."""

    lazy_imports = True  # the analysed module decodes an import when it reads the name

    def __init__(self, modules: dict[str, ParsedModule | ParseFailure], roots: list[str], on_disk: bool,
                 loader: Callable[[str], ParsedModule | ParseFailure] | None = None,
                 known: "set[str] | None" = None, summary_cache: SummaryStore | None = None,
                 quick_summary: Callable[[str], ModuleSummary | None] | None = None) -> None:
        self.modules = dict(modules)
        # A summary made without LibCST where the module's text allows (`literals.py`: a module
        # that only binds literals); None: every summary is made from the LibCST tree.
        self.quick_summary = quick_summary
        # Summaries kept between runs (`session.SummaryCache`): `lookup(path)` gives the cached
        # data of a module whose text is unchanged, `record(path, summary)` keeps a new one.
        self.summary_cache = summary_cache
        self.roots = roots
        self.on_disk = on_disk
        # Files of the project not parsed yet (parsed by `loader` when needed).
        self.known: set[str] = set(known or ())
        self.loader = loader or parse_file
        self.summaries: dict[str, ModuleSummary | None] = {}
        # The modules whose summaries (or text) the current linted file used:
        # what its findings depend on besides its own text (see `begin_file`).
        self.reads: set[str] = set()
        # Of those, what was read of each summary (`summaries.parts_digest`: an export, a class,
        # a function of it; the cache's early cutoff keys a dependency on these parts alone); the
        # modules interpreted for their definitions, with the function bodies entered there
        # (`bodies.py`: id(node) -> node); and the modules whose text was read as it is (their
        # lines): those depend on their whole text.
        self.read_parts: dict[str, set[str]] = {}
        self.read_bodies: dict[str, dict[int, Any]] = {}
        self.read_texts: set[str] = set()
        # Of the modules interpreted for their definitions, what was read of each class's
        # methods (`flow.ModuleInterpreter.looked_methods`).
        self.looked_methods: dict[str, dict[str, set[str]]] = {}
        self._defining: dict[int, str] = {}  # id(a definitions interpreter) -> its module
        self.decoded: dict[tuple[str, str], Value] = {}
        self.decoded_classes: dict[tuple[str, str], ClassInfo] = {}
        self.decoded_functions: dict[tuple[str, str], FunctionInfo] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._roots_of: dict[str, str | None] = {}
        self._found: dict[tuple[str, int, str], ProjectModule | None] = {}
        self._looked_up: dict[tuple[str, str], ProjectModule | None] = {}

    # -- files

    def _is_file(self, path: str) -> bool:
        if path in self.modules or path in self.known:
            return True
        return self.on_disk and os.path.isfile(path)

    def _is_dir(self, path: str) -> bool:
        if self.on_disk:
            return os.path.isdir(path or ".")
        prefix = path + "/" if path else ""
        return any(name.startswith(prefix) for name in [*self.modules, *self.known])

    def parsed(self, path: str) -> ParsedModule | None:
        if path not in self.modules:
            if not self.on_disk and path not in self.known:
                return None
            self.modules[path] = _on_a_fresh_stack(lambda: self.loader(path))  # parsed when first needed
        module = self.modules[path]
        return module if isinstance(module, ParsedModule) else None

    def begin_file(self) -> None:
        """Start phase 2 of another linted file: forget decoded values, so that
        each file's findings depend only on its own text and the summaries it
        reads (`reads`), whatever was linted before it in this process."""
        self.reads = set()
        self.read_parts = {}
        self.read_bodies = {}
        self.read_texts = set()
        self.looked_methods = {}
        self._defining = {}
        self.decoded.clear()
        self.decoded_classes.clear()
        self.decoded_functions.clear()
        self._in_progress.clear()

    def lines(self, path: str) -> list[str]:
        self.reads.add(path)
        self.read_texts.add(path)
        module = self.parsed(path)
        return module.lines if module is not None else []

    # -- module resolution

    def find_module(self, dotted: str, level: int, importer: str) -> ProjectModule | None:
        """The project module `import dotted` (with `level` dots) names from `importer`, or None.
        Remembered per importing directory: the files of a run do not move during it."""
        key = (dotted, level, os.path.dirname(importer))
        if key not in self._found:
            self._found[key] = self._find_module(dotted, level, importer)
        return self._found[key]

    def _find_module(self, dotted: str, level: int, importer: str) -> ProjectModule | None:
        if level:
            base = posixpath.dirname(importer) if not self.on_disk else os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self.lookup(base, dotted)
        bases = [os.path.dirname(importer)]
        # The importer's own project first (a monorepo linted from above its
        # projects), then the roots of the paths the user gave.
        own = self.project_root_of(os.path.dirname(importer)) if self.on_disk else None
        for root in ([own] if own is not None else []) + list(self.roots):
            bases += [root, os.path.join(root, "src") if root else "src"]
        for base in dict.fromkeys(bases):
            found = self.lookup(base, dotted)
            if found is not None:
                return found
        return None

    def project_root_of(self, directory: str) -> str | None:
        """The nearest directory at or above `directory` that holds a project
        marker (pyproject.toml, setup.cfg, setup.py, .git), up to the current
        directory; None when there is none."""
        if directory in self._roots_of:
            return self._roots_of[directory]
        if is_project_root(directory):
            found: str | None = directory
        else:
            parent = os.path.dirname(directory)
            found = None if not directory or parent == directory else self.project_root_of(parent)
        self._roots_of[directory] = found
        return found

    def lookup(self, base: str, dotted: str) -> ProjectModule | None:
        key = (base, dotted)
        if key not in self._looked_up:
            self._looked_up[key] = self._look_up(base, dotted)
        return self._looked_up[key]

    def _look_up(self, base: str, dotted: str) -> ProjectModule | None:
        parts = dotted.split(".") if dotted else []
        stem = os.path.normpath(os.path.join(base, *parts)) if (base or parts) else ""
        if stem == ".":
            stem = ""
        if parts and self._is_file(stem + ".py"):
            return ProjectModule(stem + ".py")
        init = os.path.join(stem, "__init__.py") if stem else "__init__.py"
        if self._is_file(init):
            return ProjectModule(init)
        if parts and self._is_dir(stem):
            return ProjectModule(stem, is_package_dir=True)  # namespace package
        return None

    # -- the Resolver interface (phase 2)

    def resolve_import(self, ref: ImportRef, importer: str) -> Value:
        module = self.find_module(ref.module, ref.level, importer)
        if module is None:
            dotted = "." * ref.level + ref.module
            return ForeignRef(f"{dotted}.{ref.name}" if ref.name else dotted)
        if ref.name is None:
            return module
        return self.module_attribute(module, ref.name)

    def module_attribute(self, module: ProjectModule, name: str) -> Value:
        if not module.is_package_dir:
            value = self.export(module.path, name)
            if value is not UNKNOWN:
                return value
        package_dir = module.path if module.is_package_dir else (
            os.path.dirname(module.path) if module.path.endswith("__init__.py") else None
        )
        if package_dir is not None:
            submodule = self.lookup(package_dir, name)
            if submodule is not None:
                return submodule
        return UNKNOWN

    def definition(self, decoded: FunctionInfo | ClassInfo, engine: CallEngine) -> FunctionInfo | ClassInfo | None:
        """The function or class a summary described, interpreted from its module's text: a call
        that has something to say about its arguments needs the body. The module is interpreted
        once per analysed file (as an imported module: its `__main__` block does not run), and
        what it records there is not the analysed file's; what runs in a context is."""
        if decoded.definition is None:
            return None
        path, ident = decoded.definition
        # The analysed file now depends on the module's text as this interpretation reads it,
        # not only on its summary (`bodies.py`; recorded whether or not this engine interpreted
        # the module already).
        self.reads.add(path)
        self.read_bodies.setdefault(path, {})
        if path not in engine.interpreters:
            engine.interpreters[path] = None  # a cycle back here finds nothing
            parsed = self.parsed(path)
            if parsed is not None:
                defining = ModuleInterpreter(parsed, self, engine, as_main=False)
                defining.looked_methods = self.looked_methods[path] = {}
                engine.interpreters[path] = defining
                self._defining[id(defining)] = path
                defining.run_module()
        interpreter = engine.interpreters[path]
        if interpreter is None:
            return None
        if self._defining.get(id(interpreter)) != path:
            self.read_texts.add(path)  # not one this file made: what was entered is not known
        name, _, member = ident.partition(".")
        value = resolved(interpreter.globals.get(name, UNKNOWN))
        if isinstance(value, ClassValue):
            return value.info.methods.get(member) if member else value.info
        if isinstance(value, FunctionValue) and not member:
            return value.info
        return None

    def entered(self, interpreter: ModuleInterpreter, info: FunctionInfo) -> None:
        path = self._defining.get(id(interpreter))
        if path is not None and info.node is not None:
            self.read_bodies[path][id(info.node)] = info.node

    # -- what the analysed file read of another module, for the cache's early cutoff

    def cutoff(self, path: str) -> list | None:
        """What the current file read of module `path`, as `session.FileResult.cutoffs` keeps it:
        ["s", digest, parts] (parts of its summary) or ["d", digest, parts, entered] (and its text
        as its definitions were interpreted, `bodies.py`); None when the file read its text as it
        is (its lines) or the digest cannot be made."""
        if path in self.read_texts:
            return None
        parts = sorted(self.read_parts.get(path, ()))
        if path not in self.read_bodies:
            return ["s", parts_digest(self.summaries.get(path), parts), parts]
        parsed = self.modules.get(path)
        if not isinstance(parsed, ParsedModule):
            return None
        entered = bodies.names(parsed, self.read_bodies[path].values())
        looked = {owner: sorted(read) for owner, read in sorted(self.looked_methods.get(path, {}).items())}
        digest = self._definition_digest(self.summaries.get(path), parts, parsed, entered, looked)
        return ["d", digest, parts, entered, looked] if digest is not None else None

    def cutoff_digest(self, path: str, cutoff: list) -> str | None:
        """The digest `cutoff` (as `cutoff` makes it) has for module `path` as it is now; None
        when it cannot be made."""
        if cutoff[0] == "s" and len(cutoff) == 3 and isinstance(cutoff[2], list):
            return parts_digest(self.summary(path), [str(part) for part in cutoff[2]])
        if cutoff[0] == "d" and len(cutoff) == 5 and isinstance(cutoff[2], list) and isinstance(cutoff[3], list) \
                and all(type(name) is str for name in cutoff[3]) and _is_looked(cutoff[4]):
            parts = [str(part) for part in cutoff[2]]
            summary = self.summary(path) if parts else None
            parsed = self.parsed(path)
            if parsed is None:
                return None
            return self._definition_digest(summary, parts, parsed, cutoff[3], cutoff[4])
        return None

    @staticmethod
    def _definition_digest(summary: ModuleSummary | None, parts: list[str], parsed: ParsedModule,
                           entered: list[str], looked: dict[str, list[str]]) -> str | None:
        text = bodies.digest(parsed, entered, looked)
        if text is None:
            return None
        return f"{parts_digest(summary, parts) if parts else ''}.{text}"

    # -- summaries

    def summary(self, path: str) -> ModuleSummary | None:
        self.reads.add(path)
        if path not in self.summaries:
            self.summaries[path] = None  # a cycle sees nothing
            summary = self._cached_summary(path)
            if summary is None:
                summary = _on_a_fresh_stack(lambda: self._fresh_summary(path))
                if summary is not None and self.summary_cache is not None:
                    self.summary_cache.record(path, summary)
            self.summaries[path] = summary
        return self.summaries[path]

    def _cached_summary(self, path: str) -> ModuleSummary | None:
        data = self.summary_cache.lookup(path) if self.summary_cache is not None else None
        if data is None:
            return None
        try:
            return ModuleSummary.from_cache(data, SiteLocator(lambda: self._fresh_summary(path)))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a corrupt or foreign entry: summarise the text instead

    def _fresh_summary(self, path: str) -> ModuleSummary | None:
        """Phase 1 on the module's own text (LibCST parse and interpretation; a module of
        literals from CPython's `ast`, see `quick_summary`)."""
        if self.quick_summary is not None and path not in self.modules:
            summary = self.quick_summary(path)
            if summary is not None:
                return summary
        parsed = self.parsed(path)
        if parsed is None:
            return None
        try:
            interpreter = ModuleInterpreter(parsed, DeferringResolver(), as_main=False)
            interpreter.run()
            return Encoder(interpreter).encode_module()
        except RecursionError:
            return None

    def _read_part(self, path: str, part: str) -> None:
        parts = self.read_parts.get(path)
        if parts is None:
            parts = self.read_parts[path] = set()
        parts.add(part)

    def export(self, path: str, name: str) -> Value:
        key = (path, name)
        self._read_part(path, f"e:{name}")  # read even when absent: its absence is what was seen
        if key in self.decoded:
            return self.decoded[key]
        summary = self.summary(path)
        if summary is None or name not in summary.exports or key in self._in_progress:
            return UNKNOWN
        if len(self._in_progress) >= MAX_DECODE_DEPTH:
            return UNKNOWN  # not remembered: a shorter chain to the same export may still find it
        self._in_progress.add(key)
        try:
            value = _on_a_fresh_stack(lambda: self.decode(summary.exports[name], summary))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            if summary.locator is None:
                raise  # the encoder's own data, made in this run: a bug to report, not to hide
            value = UNKNOWN  # a damaged cache entry that passed `from_cache`'s shape check
        finally:
            self._in_progress.discard(key)
        self.decoded[key] = value
        return value

    # -- decoding summary data into values (codec.Reader: `codec.py` reads each value type)

    def decode(self, data: Code, summary: ModuleSummary) -> Value:
        return codec.decode(data, self, summary)

    def call_of(self, base: Value, keywords: dict[str, Value] | None) -> Value:
        """What a call that phase 1 left symbolic (`DeferredCall`) gives, its callee resolved:
        with keywords, a record a foreign class makes, or the fields of a dataclass of the
        project; else what `result_of_call` knows of the callee."""
        if keywords:
            if isinstance(base, ForeignRef):
                return foreign_result(base.qualname, Args([], keywords))
            fields = base.info.data_fields() if isinstance(base, ClassValue) else None
            if isinstance(base, ClassValue) and fields is not None:  # a dataclass of the project: its fields
                return InstanceValue(base.info, tuple((k, v) for k, v in keywords.items() if k in fields))
        return self.result_of_call(base)

    def decode_class(self, summary: ModuleSummary, class_id: str) -> ClassInfo | None:
        key = (summary.path, class_id)
        self._read_part(summary.path, f"c:{class_id}")
        if key in self.decoded_classes:
            return self.decoded_classes[key]
        data = summary.classes.get(class_id)
        if data is None:
            return None
        cls = ClassInfo(None, data["name"], [], definition=(summary.path, class_id))  # registered before
        self.decoded_classes[key] = cls  # its parts: methods may name it
        cls.fields = data.get("fields")
        cls.bases = [self.decode(base, summary) for base in data["bases"]]
        # Methods are decoded as they are looked up, which records what was read of them.
        cls.methods = DecodedMethods(
            class_id, {name: ident for name, ident in data["methods"].items() if isinstance(ident, str)},
            lambda method_id: self.decode_function(summary, method_id, owner=cls),
            lambda part: self._read_part(summary.path, part))
        cls.class_vars = {name: self.decode(value, summary) for name, value in data["class_vars"].items()}
        # Attributes too, as they are looked up (a base's table under the class's own).
        cls.attrs = DecodedAttrs(
            class_id, data["attrs"],
            [base.info.attrs for base in cls.bases if isinstance(base, ClassValue) and base.info.attrs is not None],
            lambda value: self.decode(value, summary), lambda part: self._read_part(summary.path, part))
        return cls

    def decode_function(self, summary: ModuleSummary, function_id: str, owner: ClassInfo | None = None) -> FunctionInfo | None:
        key = (summary.path, function_id)
        self._read_part(summary.path, f"f:{function_id}")
        if key in self.decoded_functions:
            return self.decoded_functions[key]
        data = summary.functions.get(function_id)
        if data is None:
            return None
        info = FunctionInfo(None, data["name"], owner, {}, is_static=data["static"], is_property=data["property"],
                            definition=(summary.path, function_id))
        info.selectors = set(data.get("selects", ()))
        info.status = Status.DONE
        self.decoded_functions[key] = info
        info.return_value = self.decode(data["returns"], summary)
        for index, loss_name, site, via in data["sinks"]:
            loss = api.LOSSES.get(loss_name)
            if loss is not None:
                info.param_sinks.append((index, loss, decode_site(site, summary),
                                         tuple(decode_site(v, summary) for v in via)))
        return info

    # -- operations on resolved values, for deferred summary data

    def attribute_of(self, base: Value, name: str) -> Value:
        if isinstance(base, ProjectModule):
            return self.module_attribute(base, name)
        if isinstance(base, TorchRef):
            return TorchRef(f"{base.qualname}.{name}")
        if isinstance(base, ForeignRef):
            return ForeignRef(f"{base.qualname}.{name}")
        # Decoded classes are complete: their attributes and returns are already known.
        if isinstance(base, InstanceValue):
            return class_member(base.cls, name, base, base.cls.attrs or {}, self._property)
        if isinstance(base, ClassValue):
            return class_member(base.info, name, None, {}, self._property)
        if isinstance(base, RecordValue):
            return base.get(name)
        return UNKNOWN

    def result_of_call(self, callee: Value) -> Value:
        if isinstance(callee, ClassValue):
            return InstanceValue(callee.info)
        if isinstance(callee, InstanceValue):
            method = callee.cls.call_method()
            return self._returned(method)
        if isinstance(callee, FunctionValue):
            return self._returned(callee.info)
        if isinstance(callee, TorchModule):
            producer = api.PRODUCERS.get(callee.qualname)
            if producer is not None:
                last_size = callee.features if producer.kind == Kind.LOGITS else None
                return Tensor(producer.kind, (callee.site,), producer, callee.dim, None, last_size)
        if isinstance(callee, SequentialValue) and callee.layers:
            last = callee.layers[-1]
            return self.result_of_call(last)
        return UNKNOWN

    def _property(self, info: FunctionInfo, instance: Value | None) -> Value:
        return self._returned(info)

    @staticmethod
    def _returned(info: FunctionInfo | None) -> Value:
        if info is None or info.status is not Status.DONE or isinstance(info.return_value, Param):
            return UNKNOWN
        return info.return_value


def _is_looked(data: object) -> bool:
    """Whether `data` is what `Project.cutoff` writes of the methods read: class -> what was read."""
    return isinstance(data, dict) and all(
        isinstance(owner, str) and isinstance(read, list) and all(type(n) is str for n in read)
        for owner, read in data.items())
