"""What a module interpreted for its definitions gave another file: its text, but for the bodies
of the functions that were never interpreted there (the result cache's early cutoff).

`Project.definition` interprets a module's text for a call that needs a body (a context). That
interpretation runs the module as an importer sees it: every statement at module level and in
class bodies, every `def` statement (decorators, parameters, defaults) and, of each function's
body, only three facts read off its syntax (`syntax.self_assignments`, `syntax.self_method_calls`,
`syntax.global_names`), until a body is interpreted itself (`Invocation.interpret`, which the
`Project` records: `Project.entered`). So what the analysed file read of the module is its text
with the bodies of the functions it did not enter cut out, and their facts; `digest` writes that
down, less what the interpretation never reads (comments, blank lines, trailing spaces). An edit
inside a body nobody entered (and that leaves its facts alone), or of a comment, keeps the digest.

A function is known by its name in the *outline*: the functions written at module level or in
a class body (classes nested in classes included), `Class.method` (`#2` for a second of the same
name), the same in LibCST's tree (what the interpreter saw) and in CPython's (whose exact positions
cut the text), so a function added above another does not rename it. A function inside a
compound statement (`if TYPE_CHECKING:` ...) or inside another body is not in the outline: its
text is always kept, with the statement or body around it.

A method nobody looked up is left out whole, header and all, where the importer's interpretation
recorded what it read of its class's table (`program.RecordedMethods`, `looked`): a name looked up
(present or not) keeps the methods of that name; the whole table read (`*`) keeps them all; the methods
that set attributes on `self` read (an attribute table, `*w`) keeps those that may; the public
ones read (`*p`: a framework's caller runs them all) keeps those not named `_...`. Only a method
whose header cannot act when its `def` runs (no call in its decorators, defaults or annotations)
and that declares no `global` is left out. So adding a method to a class that a hundred files'
contexts enter re-analyses only those that look it up or read the whole table.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from ..lines import QUOTED, line_starts, python_lines
from .syntax import global_names, self_assignments, self_method_calls

if TYPE_CHECKING:  # pragma: no cover
    from ..parsing import ParsedModule

# Part of every digest: bump it when what a digest covers changes.
BODIES_VERSION = 3
# What the interpretation never reads of the text it keeps: comments, blank lines, trailing
# spaces. A string token is matched first and kept whole, so a `#` inside one is no comment.
_STRING = r"(?P<string>(?:" + QUOTED + r"))"
_COMMENTS = re.compile(
    _STRING + r"|[ \t]*#[^\r\n]*"  # a comment, with the spaces before it
    r"|[ \t]+(?=\r\n|\r|\n|$)",  # trailing spaces
    re.S,
)
_BLANK_LINES = re.compile(
    _STRING + r"|\A(?:[ \t]*(?:\r\n|\r|\n))+"  # blank lines a part starts with
    r"|(?:\r\n|\r|\n)[ \t]*(?=\r\n|\r|\n|$)",  # a line break followed by a blank line or the end
    re.S,
)


def _read_part(text: str) -> str:
    """`text` without what the interpretation never reads: comments, trailing spaces, blank lines
    (the strings kept whole)."""
    def keep_strings(match: re.Match) -> str:
        return match.group("string") or ""

    return _BLANK_LINES.sub(keep_strings, _COMMENTS.sub(keep_strings, text))


def outline(module: cst.Module) -> list[cst.FunctionDef]:
    """The outline functions of a LibCST module, in source order."""
    return [function for function, _ in _outline_in_classes(module)]


def _outline_in_classes(module: cst.Module) -> list[tuple[cst.FunctionDef, str]]:
    """The outline functions, each with the outline name of its class ("" at module level)."""
    found: list[tuple[cst.FunctionDef, str]] = []

    def walk(statements: Iterable[cst.CSTNode], owner: str) -> None:
        for statement in statements:
            if type(statement) is cst.FunctionDef:
                found.append((statement, owner))
            elif type(statement) is cst.ClassDef and type(statement.body) is cst.IndentedBlock:
                walk(statement.body.body, f"{owner}.{statement.name.value}" if owner else statement.name.value)

    walk(module.body, "")
    return found


def _ast_outline(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    return (function for function, _ in _ast_outline_in_classes(tree))


def _ast_outline_in_classes(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    """The outline functions, each with the outline name of its class ("" at module level)."""
    def walk(statements: list[ast.stmt], owner: str) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield statement, owner
            elif isinstance(statement, ast.ClassDef):
                yield from walk(statement.body, f"{owner}.{statement.name}" if owner else statement.name)

    return walk(tree.body, "")


def _names(owned: Iterable[tuple[str, str]]) -> list[str]:
    """Outline names of (class, function name) pairs in source order: `C.f`, `f`, `C.f#2`."""
    seen: dict[str, int] = {}
    names = []
    for owner, name in owned:
        qualified = f"{owner}.{name}" if owner else name
        seen[qualified] = seen.get(qualified, 0) + 1
        names.append(qualified if seen[qualified] == 1 else f"{qualified}#{seen[qualified]}")
    return names


def _outline_names(module: cst.Module) -> list[str]:
    """The outline names of `outline(module)`, in the same order."""
    return _names((owner, function.name.value) for function, owner in _outline_in_classes(module))


def _pure_header(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether running the `def` statement cannot act: no call in its decorators, defaults or
    annotations (a name or an attribute read has no effect the interpreter models)."""
    args = function.args
    parts: list[ast.AST | None] = [*function.decorator_list, *args.defaults, *args.kw_defaults, function.returns]
    parts += [arg.annotation for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
              if arg is not None]
    return not any(isinstance(node, (ast.Call, ast.NamedExpr, ast.Lambda))
                   for part in parts if part is not None for node in ast.walk(part))


def names(parsed: "ParsedModule", nodes: Iterable[object]) -> list[str]:
    """The outline names of `nodes` (function nodes of `parsed`'s tree); a node not in the
    outline (a nested function, a lambda) lies in text that is always kept, and is left out."""
    index = parsed.fact("outline_index", parsed.module, lambda module: {
        id(node): name for node, name in zip(parsed.fact("outline", module, outline),
                                             parsed.fact("outline_names", module, _outline_names))})
    return sorted({index[id(node)] for node in nodes if id(node) in index})


@dataclass(frozen=True)
class _Span:
    """An outline function in the text: its body's offsets (first statement to end), its whole
    lines' (its first decorator's line to the line break after its end), its class and name,
    whether its header is pure (`_pure_header`)."""

    body: tuple[int, int]
    lines: tuple[int, int]
    owner: str
    name: str
    pure: bool


def _cuts(parsed: "ParsedModule") -> "list[_Span] | None":
    """Where each outline function lies in `parsed.text`, by CPython's positions; None when the
    file does not parse as it is or the two parsers disagree on its outline. Made once per tree."""
    if parsed.recovery is not None or parsed.notebook is not None:
        return None
    text = parsed.text
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    spans = list(_ast_outline_in_classes(tree))
    if _names((owner, span.name) for span, owner in spans) != parsed.fact("outline_names", parsed.module,
                                                                         _outline_names):
        return None
    lines = python_lines(text)
    starts = line_starts(text)

    def offset(row: int, column: int) -> int:  # CPython's column counts UTF-8 bytes
        line = lines[row - 1]
        return starts[row - 1] + len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "surrogatepass"))

    cuts = []
    position = 0
    for span, owner in spans:
        body = span.body[0]
        start = offset(body.lineno, body.col_offset)
        end = offset(span.end_lineno or body.lineno, span.end_col_offset or 0)
        first = min([span.lineno, *(decorator.lineno for decorator in span.decorator_list)])
        last = span.end_lineno or body.lineno
        whole = (starts[first - 1], starts[last] if last < len(starts) else len(text))
        if start < position or end < start or whole[0] < position:
            return None
        cuts.append(_Span((start, end), whole, owner, span.name, _pure_header(span)))
        position = end
    return cuts


def digest(parsed: "ParsedModule", entered: Iterable[str], looked: "dict[str, list[str]] | None" = None) \
        -> str | None:
    """A digest of `parsed`'s text with the bodies of the outline functions not in `entered` cut
    out, and of those functions' facts; with `looked` (what was read of each class's methods,
    `program.RecordedMethods`), the methods nobody looked up left out whole (the module doc).
    None when it cannot be made (the file does not parse as it is, the two parsers disagree on
    its outline, or a function entered is not in it)."""
    # Made once per tree and reading: the importers of a module often entered the same bodies.
    made = parsed.fact("digests", parsed.module, lambda module: {})
    key = (tuple(sorted(set(entered))), None if looked is None else json.dumps(looked, sort_keys=True))
    if key not in made:
        made[key] = _digest(parsed, key[0], looked)
    return made[key]


def _left_out(span: _Span, function: cst.FunctionDef, parsed: "ParsedModule",
              looked: "dict[str, list[str]] | None") -> bool:
    """Whether a method not entered is left out of the digest whole: nothing read could see it."""
    if looked is None or not span.owner or not span.pure:
        return False
    read = looked.get(span.owner, [])
    if "*" in read or span.name in read:
        return False
    if "*p" in read and not span.name.startswith("_"):
        return False  # a framework's caller runs every public method (`Invocation.finish_objects`)
    if "*w" in read and parsed.fact("self_assignments", function, self_assignments) != frozenset():
        return False
    return not parsed.fact("global_names", function, global_names)


def _digest(parsed: "ParsedModule", entered: tuple[str, ...], looked: "dict[str, list[str]] | None") \
        -> str | None:
    cuts = parsed.fact("outline_cuts", parsed.module, lambda module: _cuts(parsed))
    if cuts is None:
        return None
    outline_names = parsed.fact("outline_names", parsed.module, _outline_names)
    kept = set(entered)
    if not kept.issubset(outline_names):
        return None
    functions = parsed.fact("outline", parsed.module, outline) if len(kept) < len(cuts) else []
    text = parsed.text
    pieces: list[str] = []
    facts = []
    position = 0
    left_out = ""  # the text kept since the last cut, around the methods left out whole
    for name, span, function in zip(outline_names, cuts, functions):
        if name in kept:
            continue
        if _left_out(span, function, parsed, looked):
            left_out += text[position:span.lines[0]]
            position = span.lines[1]
            continue
        start, end = span.body
        pieces.append(_read_part(left_out + text[position:start]))
        left_out = ""
        pieces.append(f"\0{name}\0")
        position = end
        assigned = parsed.fact("self_assignments", function, self_assignments)
        calls = parsed.fact("self_method_calls", function, self_method_calls)
        declared = parsed.fact("global_names", function, global_names)
        facts.append([name, sorted(assigned) if assigned is not None else None,
                      sorted(calls) if calls is not None else None, sorted(declared)])
    pieces.append(_read_part(left_out + text[position:]))
    payload = json.dumps([BODIES_VERSION, sorted(kept), facts], separators=(",", ":")) + "\0" + "".join(pieces)
    return hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
