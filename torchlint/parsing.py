"""Read and parse one file, once. Parse failures are data, not exceptions."""

from __future__ import annotations

import ast
import contextlib
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .encoding import DecodeError, decode
from .lines import python_lines
from .recovery import Recovery, recover

if TYPE_CHECKING:  # LibCST is imported when first needed: a cached run never is
    import libcst as cst


MAX_SOURCE_CHARS = 5_000_000


@dataclass
class ParsedModule:
    path: str
    module: cst.Module = field(repr=False)
    text: str = field(repr=False)
    _positions: Any = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    # For a Jupyter notebook: its cells joined into `text`, and the row map back.
    notebook: Any = field(default=None, repr=False)
    # Facts about this tree's nodes that cost a walk (`id(node)` -> value, per kind): a module is
    # interpreted again for each file whose contexts need its definitions, its tree once.
    node_facts: dict[str, dict[int, Any]] = field(default_factory=dict, repr=False)
    # A file CPython refused, parsed with its unparsable statements set aside (`recovery.py`):
    # `text` is the repaired text (every other line as in the file). Its findings carry no fix,
    # and its TL000 is `syntax_error`.
    recovery: Recovery | None = field(default=None, repr=False)

    @property
    def syntax_error(self) -> ParseFailure | None:
        """CPython's error on the file as it is, for a recovered module (else None)."""
        recovery = self.recovery
        if recovery is None:
            return None
        count = recovery.lines_set_aside
        aside = f", {count} line{'s' if count != 1 else ''} set aside" if count else ""
        return ParseFailure(self.path, f"syntax error: {recovery.message} (the rest analysed{aside})",
                            recovery.row, recovery.column)

    def fact(self, kind: str, node: Any, compute: Callable[[Any], Any]) -> Any:
        facts = self.node_facts.setdefault(kind, {})
        key = id(node)
        if key not in facts:
            facts[key] = compute(node)
        return facts[key]

    def position_of(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(row, column, end_row, end_column), 1-based rows and columns.

        PositionProvider costs more than the parse itself, so it runs only for
        modules that turn out to have something to report.
        """
        if self._positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        code_range = self._positions[node]
        return (code_range.start.line, code_range.start.column + 1, code_range.end.line, code_range.end.column + 1)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = python_lines(self.text)
        return self._lines


@dataclass
class ParseFailure:
    path: str
    message: str
    row: int = 1
    column: int = 1
    cell: int | None = None


def parse_source(path: str, data: bytes | str) -> ParsedModule | ParseFailure:
    checked = check_source(path, data)
    if isinstance(checked, ParseFailure):
        return checked
    return parse_checked(checked)


def parses(path: str, data: bytes | str) -> bool:
    """Whether `data` parses as it is (not only once its unparsable statements are set aside)."""
    parsed = parse_source(path, data)
    return isinstance(parsed, ParsedModule) and parsed.recovery is None


@dataclass
class CheckedSource:
    """A decoded file that CPython's parser has seen (`tree`, or `cpython_error`
    when it refused code that may only be newer syntax than this Python's)."""

    path: str
    text: str = field(repr=False)
    tree: ast.Module | None = field(default=None, repr=False)
    cpython_error: SyntaxError | None = None


def check_source(path: str, data: bytes | str) -> CheckedSource | ParseFailure:
    """Decode and run CPython's parser: the cheap half of `parse_source`."""
    try:
        text = data if isinstance(data, str) else decode(data)
    except DecodeError as error:
        return ParseFailure(path, str(error))
    if len(text) > MAX_SOURCE_CHARS:
        # LibCST needs ~500 bytes of memory per source byte: a 20 MB generated
        # file would take ~10 GB. Report it rather than exhaust the machine.
        return ParseFailure(path, f"file too large to analyse ({len(text) / 1e6:.1f} MB; the limit is "
                                  f"{MAX_SOURCE_CHARS / 1e6:.0f} MB)")
    if "\x00" in text:
        return ParseFailure(path, "file contains NUL bytes (not Python source)")
    # CPython's parser first: it is ~7x cheaper than LibCST's, its messages are
    # the ones users know, and it refuses nesting deep enough to crash LibCST's
    # native parser (which would take the whole run down, not just this file).
    try:
        with _default_recursion_limit():
            tree = ast.parse(text, filename=path)
    except (RecursionError, MemoryError):
        return ParseFailure(path, "too deeply nested to parse")
    except SyntaxError as error:
        if "too many nested" in str(error.msg):
            return ParseFailure(path, "too deeply nested to parse", error.lineno or 1, error.offset or 1)
        # maybe only newer syntax than this Python's: let LibCST decide
        return CheckedSource(path, text, None, error)
    except ValueError as error:
        return ParseFailure(path, f"cannot parse: {error}")
    return CheckedSource(path, text, tree)


def parse_checked(checked: CheckedSource) -> ParsedModule | ParseFailure:
    """The LibCST parse of a file `check_source` accepted.

    A file CPython refused is parsed as it is when LibCST accepts it (newer syntax than this
    Python's), else with the statements CPython cannot parse set aside (`recovery.recover`);
    only when that fails too is it a failure, at CPython's error.
    """
    import libcst as cst

    path, text, cpython_error = checked.path, checked.text, checked.cpython_error
    try:
        module = _libcst_parse(text, cpython_error is None)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None:
            recovered = _recovered(path, text, cpython_error)
            if recovered is not None:
                return recovered
            return ParseFailure(path, f"syntax error: {cpython_error.msg}", cpython_error.lineno or 1,
                                cpython_error.offset or 1)
        message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
        return ParseFailure(path, f"syntax error: {message}", error.raw_line, error.raw_column + 1)
    except RecursionError:
        return ParseFailure(path, "too deeply nested to parse")
    except Exception as error:  # the native parser raises a few other types
        return ParseFailure(path, f"cannot parse: {type(error).__name__}: {str(error)[:200]}")
    return ParsedModule(path, module, text)


def _recovered(path: str, text: str, error: SyntaxError) -> ParsedModule | None:
    """The module of `text` with what CPython cannot parse set aside, or None."""
    import libcst as cst

    try:
        with _default_recursion_limit():
            recovery = recover(text, error)
        if recovery is None:
            return None
        module = _libcst_parse(recovery.text, True)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return None
    except Exception:  # the native parser raises a few other types
        return None
    return ParsedModule(path, module, recovery.text, recovery=recovery)


def _libcst_parse(text: str, valid_for_cpython: bool) -> cst.Module:
    import libcst as cst

    try:
        with _parser_output_trusted():
            return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        # LibCST's tokenizer refuses a file that ends in blank lines continued
        # with a backslash, which CPython accepts. A statement after them
        # parses the same module (nothing before it moves) plus one `pass`.
        if valid_for_cpython and "after a line continuation" in str(error.message):
            with _parser_output_trusted():
                return cst.parse_module(text + "pass\n")
        raise


_TRUST_LOCK = threading.Lock()
_trusting = 0  # parses under way (threads may parse at once)
_validating_post_init: Any = None  # LibCST's own __post_init__, while it is replaced


@contextlib.contextmanager
def _parser_output_trusted() -> Iterator[None]:
    """Skip LibCST's per-node validation while its parser builds a tree, and set each node's
    fields the short way.

    Every LibCST node validates itself on construction (`__post_init__`), which is about a
    fifth of a parse. Validation guards trees built by hand; the parser's own output is valid by
    construction (the tests compare both trees). And a node's dataclass `__init__` (frozen, with
    slots) sets each field through `object.__setattr__`, another fifth: during the parse each
    node class gets an `__init__` that calls its slots' setters directly (`_direct_inits`), the
    same fields with the same defaults, and no `__post_init__`. Only parses run this way; nodes
    built later are made and checked as LibCST makes them. The switch is process-wide: the
    first parse to start turns it on and the last to end turns it off, so concurrent parses in
    threads cannot leave it on (nodes another thread builds by hand meanwhile go unchecked).
    """
    global _trusting, _validating_post_init
    from libcst import CSTNode

    with _TRUST_LOCK:
        if _trusting == 0:
            # None: a LibCST whose nodes no longer validate this way; nothing to switch.
            _validating_post_init = CSTNode.__dict__.get("__post_init__")
            if _validating_post_init is not None:
                CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
            for cls, (_, direct) in _direct_inits().items():
                cls.__init__ = direct  # type: ignore[misc]
        _trusting += 1
    try:
        yield
    finally:
        with _TRUST_LOCK:
            _trusting -= 1
            if _trusting == 0:
                if _validating_post_init is not None:
                    CSTNode.__post_init__ = _validating_post_init  # type: ignore[method-assign]
                for cls, (original, _) in _direct_inits().items():
                    cls.__init__ = original  # type: ignore[misc]


_DIRECT_INITS: "dict[type, tuple[Callable[..., None], Callable[..., None]]] | None" = None


def _direct_inits() -> "dict[type, tuple[Callable[..., None], Callable[..., None]]]":
    """For each LibCST node class whose `__init__` is the dataclass's own: (that `__init__`, one
    that sets the same fields through their slot descriptors). Made once per process; a class
    whose fields are not all plain slotted init fields keeps its own."""
    global _DIRECT_INITS
    if _DIRECT_INITS is None:
        from libcst import CSTNode

        found: dict[type, tuple[Callable[..., None], Callable[..., None]]] = {}
        pending = list(CSTNode.__subclasses__())
        while pending:
            cls = pending.pop()
            pending.extend(cls.__subclasses__())
            original = cls.__dict__.get("__init__")
            if original is not None and getattr(original, "__code__", None) is not None \
                    and original.__code__.co_filename == "<string>":  # made by @dataclass
                direct = _direct_init(cls)
                if direct is not None:
                    found[cls] = (original, direct)
        _DIRECT_INITS = found
    return _DIRECT_INITS


def _direct_init(cls: type) -> "Callable[..., None] | None":
    import dataclasses
    import types

    if not dataclasses.is_dataclass(cls):
        return None
    params, body = [], []
    names: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    for index, item in enumerate(dataclasses.fields(cls)):
        if not item.init or item.kw_only or not item.name.isidentifier():
            return None
        setter = next((type_.__dict__[item.name].__set__ for type_ in cls.__mro__
                       if isinstance(type_.__dict__.get(item.name), types.MemberDescriptorType)), None)
        if setter is None:
            return None
        names[f"_set{index}"] = setter
        if item.default is not dataclasses.MISSING:
            names[f"_default{index}"] = item.default
            params.append(f"{item.name}=_default{index}")
            body.append(f"    _set{index}(self, {item.name})")
        elif item.default_factory is not dataclasses.MISSING:
            names[f"_factory{index}"] = item.default_factory
            params.append(f"{item.name}=_MISSING")
            body.append(f"    _set{index}(self, _factory{index}() if {item.name} is _MISSING else {item.name})")
        else:
            if any("=" in param for param in params):
                return None  # a required field after a defaulted one: not a dataclass's order
            params.append(item.name)
            body.append(f"    _set{index}(self, {item.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    scope: dict[str, Any] = {}
    exec(compile(source, f"<torchlint direct init of {cls.__name__}>", "exec"), names, scope)
    return scope["__init__"]


def _no_validation(self: Any) -> None:
    return None


@contextlib.contextmanager
def _default_recursion_limit() -> Iterator[None]:
    """CPython's parser scales its C-stack guard with the recursion limit; the
    analysis raises that limit for deep but valid code, which would let the
    parser overflow the C stack on pathological input."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(min(previous, 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def parse_file(path: str) -> ParsedModule | ParseFailure:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return ParseFailure(path, f"cannot read file: {error.strerror or error}")
    if path.endswith(".ipynb"):
        return parse_notebook(path, data)
    return parse_source(path, data)


def parse_notebook(path: str, data: bytes | str) -> ParsedModule | ParseFailure:
    """A notebook's code cells as one module; a malformed notebook is a failure."""
    parsed, notebook = read_notebook(path, data, parse_source)
    if notebook is not None:
        parsed.notebook = notebook
    return parsed


def read_notebook(path: str, data: bytes | str, read: Callable[[str, str], Any]) -> tuple[Any, Any]:
    """`read(path, text)` (a parse or a check) on a notebook's code cells joined into one
    source: (its result, the notebook's cell map), or (a failure placed in its cell, None).
    A malformed notebook is a failure."""
    from .notebook import NotebookError, load

    try:
        notebook = load(data)
    except NotebookError as error:
        return ParseFailure(path, str(error)), None
    result = read(path, notebook.text)
    if isinstance(result, ParseFailure):
        result.cell, result.row = notebook.to_cell(result.row)
        return result, None
    return result, notebook
