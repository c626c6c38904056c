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

A function is known by its ordinal among the *outline* functions: those written at module
level or in a class body (classes nested in classes included), in source order; the same count
in LibCST's tree (what the interpreter saw) and in CPython's (whose exact positions cut the
text). A function inside a compound statement (`if TYPE_CHECKING:` ...) or inside another body
is not in the outline: its text is always kept, with the statement or body around it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from ..lines import QUOTED, line_starts, python_lines
from .syntax import global_names, self_assignments, self_method_calls

if TYPE_CHECKING:  # pragma: no cover
    from ..parsing import ParsedModule

# Part of every digest: bump it when what a digest covers changes.
BODIES_VERSION = 2
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
    found: list[cst.FunctionDef] = []

    def walk(statements: Iterable[cst.CSTNode]) -> None:
        for statement in statements:
            if type(statement) is cst.FunctionDef:
                found.append(statement)
            elif type(statement) is cst.ClassDef and type(statement.body) is cst.IndentedBlock:
                walk(statement.body.body)

    walk(module.body)
    return found


def _ast_outline(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    def walk(statements: list[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield statement
            elif isinstance(statement, ast.ClassDef):
                yield from walk(statement.body)

    return walk(tree.body)


def ordinals(parsed: "ParsedModule", nodes: Iterable[object]) -> list[int]:
    """The outline ordinals of `nodes` (function nodes of `parsed`'s tree); a node not in the
    outline (a nested function, a lambda) lies in text that is always kept, and is left out."""
    index = parsed.fact("outline_ordinals", parsed.module, lambda module: {
        id(node): n for n, node in enumerate(parsed.fact("outline", module, outline))})
    return sorted({index[id(node)] for node in nodes if id(node) in index})


def _cuts(parsed: "ParsedModule") -> "list[tuple[int, int]] | None":
    """Where each outline function's body lies in `parsed.text` (offsets: from its first
    statement to its end), by CPython's positions; None when the file does not parse as it is
    or the two parsers disagree on its outline. Made once per tree."""
    if parsed.recovery is not None or parsed.notebook is not None:
        return None
    text = parsed.text
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    spans = list(_ast_outline(tree))
    if len(spans) != len(parsed.fact("outline", parsed.module, outline)):
        return None
    lines = python_lines(text)
    starts = line_starts(text)

    def offset(row: int, column: int) -> int:  # CPython's column counts UTF-8 bytes
        line = lines[row - 1]
        return starts[row - 1] + len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "surrogatepass"))

    cuts = []
    position = 0
    for span in spans:
        body = span.body[0]
        start = offset(body.lineno, body.col_offset)
        end = offset(span.end_lineno or body.lineno, span.end_col_offset or 0)
        if start < position or end < start:
            return None
        cuts.append((start, end))
        position = end
    return cuts


def digest(parsed: "ParsedModule", entered: Iterable[int]) -> str | None:
    """A digest of `parsed`'s text with the bodies of the outline functions not in `entered` cut
    out, and of those functions' facts; None when it cannot be made (the file does not parse as
    it is, or the two parsers disagree on its outline)."""
    # Made once per tree and set of bodies: the importers of a module often entered the same ones.
    made = parsed.fact("digests", parsed.module, lambda module: {})
    key = tuple(sorted(set(entered)))
    if key not in made:
        made[key] = _digest(parsed, key)
    return made[key]


def _digest(parsed: "ParsedModule", entered: tuple[int, ...]) -> str | None:
    cuts = parsed.fact("outline_cuts", parsed.module, lambda module: _cuts(parsed))
    kept = set(entered)
    if cuts is None or any(n < 0 or n >= len(cuts) for n in kept):
        return None
    functions = parsed.fact("outline", parsed.module, outline) if len(kept) < len(cuts) else []
    text = parsed.text
    pieces: list[str] = []
    facts = []
    position = 0
    for number, function in enumerate(functions):
        if number in kept:
            continue
        start, end = cuts[number]
        pieces.append(_read_part(text[position:start]))
        pieces.append(f"\0{number}\0")
        position = end
        assigned = parsed.fact("self_assignments", function, self_assignments)
        calls = parsed.fact("self_method_calls", function, self_method_calls)
        declared = parsed.fact("global_names", function, global_names)
        facts.append([number, sorted(assigned) if assigned is not None else None,
                      sorted(calls) if calls is not None else None, sorted(declared)])
    pieces.append(_read_part(text[position:]))
    payload = json.dumps([BODIES_VERSION, sorted(kept), facts], separators=(",", ":")) + "\0" + "".join(pieces)
    return hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
