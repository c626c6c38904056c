"""Summaries of data modules, from CPython's `ast` (issue #20: cheap facts by cheap means).

Some modules only bind literals: category tables, vocabularies, palettes (detectron2's LVIS
category lists are 219 KB each). Phase 1 on them is a LibCST parse of every token (three
quarters of a second for one such file) to learn what `ast` tells at a tenth of the cost. A
module whose every statement is a docstring, `pass`, or an assignment of a literal to plain
names (`NAME = [...]`, `NAME: T = {...}`, `A = B = (...)`) defines nothing torch-related, and its
summary is made here from `ast`: the same values, by the interpreter's own rules for literals
(`flow.ModuleInterpreter.eval`), encoded by the same `summaries.Encoder`. Anything else (an
import, a call, a `def`, a comprehension, a comparison...) returns None and the module is
summarised from its LibCST tree as before. `tests/test_literals.py` checks that both give the
same summary.

The interpreter's rules, as they apply to literals:

* a string written as one plain token (no prefix, no backslash, no carriage return) is its
  text; any other string (prefixed, escaped, bytes, implicitly concatenated, an f-string), a
  number, `True`, `False`, `...`, a set, an operator's result: unknown; `None` is NONE;
* a tuple or list is a tuple of its items (a starred item: unknown);
* a dict maps the keys known as strings (a one-token string key by its value, escapes
  evaluated; a name holding a string by that string); the values under other keys are joined
  into its `rest`, as are a `**spread`'s unless it is a dict itself, whose items it takes;
* a name is the value bound to it above, None is NONE, any other name unknown.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..lines import QUOTED, line_starts
from .summaries import Encoder, ModuleSummary
from .values import NONE, UNKNOWN, DictValue, StrValue, TupleValue, Value, join_all, spread_into

# A statement keyword at a line's start: the module is not only literals (a cheap test before
# `ast.parse`; a keyword inside a multi-line string only sends the module the usual way).
_NOT_DATA = re.compile(r"^[ \t]*(?:def|class|import|from|if|for|while|with|try|async|match|@)\b", re.M)
# Deeper literals than this go the usual way (LibCST's parser may refuse what CPython takes).
MAX_DEPTH = 40


class _NotLiteral(Exception):
    pass


def literal_summary(path: str, text: str, tree: ast.Module | None = None) -> ModuleSummary | None:
    """The phase-1 summary of a module that only binds literals (`tree`: CPython's tree of
    `text`, if at hand); None for any other module."""
    if _NOT_DATA.search(text):
        return None
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    try:
        bindings = _Literals(text).run(tree)
    except (_NotLiteral, RecursionError):
        return None
    return Encoder(_Bindings(path, bindings)).encode_module()


class _Bindings:
    """What `summaries.Encoder` reads of an interpreter, for a module of literals."""

    def __init__(self, path: str, bindings: dict[str, Value]) -> None:
        self.path = path
        self.globals = bindings
        self.imports: list[Any] = []


class _Literals:
    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self.starts = line_starts(self.data)  # in bytes, as CPython's offsets count
        self.vars: dict[str, Value] = {}

    def run(self, tree: ast.Module) -> dict[str, Value]:
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                value = self.eval(statement.value, 0)
                for target in statement.targets:
                    self.bind(target, value)
            elif isinstance(statement, ast.AnnAssign):
                if not isinstance(statement.target, ast.Name) or not statement.simple:
                    raise _NotLiteral
                if statement.value is not None:
                    self.bind(statement.target, self.eval(statement.value, 0))
            elif isinstance(statement, ast.Expr):
                self.eval(statement.value, 0)
            elif not isinstance(statement, ast.Pass):
                raise _NotLiteral
        return self.vars

    def bind(self, target: ast.expr, value: Value) -> None:
        if not isinstance(target, ast.Name):
            raise _NotLiteral
        self.vars[target.id] = value

    def eval(self, node: ast.expr, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise _NotLiteral
        depth += 1
        kind = type(node)
        if kind is ast.Constant:
            if isinstance(node.value, str):
                token = self.single_token(node)
                text = _plain(token) if token is not None else None
                return StrValue(text) if text is not None else UNKNOWN
            return NONE if node.value is None else UNKNOWN
        if kind is ast.Name:
            if node.id in self.vars:
                return self.vars[node.id]
            return NONE if node.id == "None" else UNKNOWN
        if kind in (ast.Tuple, ast.List):
            items = []
            for element in node.elts:
                if type(element) is ast.Starred:
                    self.eval(element.value, depth)
                    items.append(UNKNOWN)
                else:
                    items.append(self.eval(element, depth))
            return TupleValue(tuple(items))
        if kind is ast.Dict:
            return self.eval_dict(node, depth)
        if kind is ast.Set:
            for element in node.elts:
                self.eval(element.value if type(element) is ast.Starred else element, depth)
            return UNKNOWN
        if kind is ast.UnaryOp:
            self.eval(node.operand, depth)
            return UNKNOWN
        if kind is ast.BinOp:
            self.eval(node.left, depth)
            self.eval(node.right, depth)
            return UNKNOWN
        if kind is ast.JoinedStr:
            for part in node.values:
                if type(part) is ast.FormattedValue:
                    self.eval(part.value, depth)
                    if part.format_spec is not None:
                        self.eval(part.format_spec, depth)
            return UNKNOWN
        raise _NotLiteral

    def eval_dict(self, node: ast.Dict, depth: int) -> Value:
        items: dict[object, Value] = {}
        rest: list[Value] = []
        for key, item in zip(node.keys, node.values):
            value = self.eval(item, depth)
            if key is None:  # `**spread`
                spread_into(items, rest, value)
                continue
            key_value = self.eval(key, depth)
            if type(key) is ast.Constant and isinstance(key.value, (str, bytes)) and self.single_token(key):
                items[key.value] = value  # a one-token string key: its value, escapes evaluated
            elif isinstance(key_value, StrValue):
                items[key_value.text] = value
            else:
                rest.append(value)
        return DictValue(tuple(items.items()), join_all(rest) if rest else None)

    def single_token(self, node: ast.Constant) -> str | None:
        """The source of a string constant written as one token; None when it is several
        (`"a" "b"`: LibCST's ConcatenatedString, which the interpreter does not read)."""
        if node.end_lineno is None or node.end_col_offset is None:
            raise _NotLiteral
        start = self.starts[node.lineno - 1] + node.col_offset
        end = self.starts[node.end_lineno - 1] + node.end_col_offset
        token = _STRING_TOKEN.match(self.data, start)
        if token is None or token.end() != end:
            return None
        return self.data[start:end].decode("utf-8", "surrogatepass")


# One string token: its prefix, then its quoted part.
_STRING_TOKEN = re.compile(("[A-Za-z]*(?:" + QUOTED + ")").encode(), re.S)


def _plain(token: str) -> str | None:
    """`syntax.plain_string` on a token's text: without prefix or escapes, its text, else None."""
    quote = token[-1]
    if token[0] == quote and "\\" not in token and "\r" not in token:
        return token[3:-3] if len(token) >= 6 and token.startswith(quote * 3) else token[1:-1]
    return None
