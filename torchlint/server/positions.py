"""Positions of nodes, one top-level statement at a time, remembered by the statement's code.

`ParsedModule.position_of` runs LibCST's `PositionProvider` over the whole module the first
time a position is asked for: a code generation that tracks every node, about 0.1 s for a
500-line file, and in the server the edited file asks for it on every round (its finding, the
spans its fix is built from, the module-level statements the fix builders bisect). A node's
position depends only on the text before it, so here:

* each top-level statement's first line is counted from the code of the statements before it
  (generated without position tracking, a fifth of the cost);
* a statement's positions, relative to its first line, are those of the statement put in a
  module of its own (same indentation and newline) and depend on its code alone, so they are
  kept by that code (`_RELATIVE`, in node walk order): after an edit only the statements whose
  code changed are tracked again, the others' positions are moved down or up by the lines
  the edit added or removed;
* a node inside a statement is found by walking statements until it is met (the last one
  asked about first, then those whose code contains the node's), and each statement walked
  has all its nodes placed at once.

The same numbers as the whole-module provider (`tests/test_server.py` compares them on every
Python file of the repository); a node outside every top-level statement (the module itself)
is given by the whole-module provider.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import fields
from typing import Any

from ..parsing import ParsedModule

# Where LibCST's position tracking counts a new line (its NEWLINE_RE).
_NEWLINE = re.compile(r"\r\n?|\n")

Position = tuple[int, int, int, int]

# (indent, newline, a statement's code) -> (its nodes' types, their positions relative to the
# statement's first line, both in walk order). Least recently used first; bounded by nodes.
_RELATIVE: "OrderedDict[tuple[str, str, str], tuple[tuple[type, ...], list[Position]]]" = OrderedDict()
_RELATIVE_NODES = [0]
MAX_REMEMBERED_NODES = 2_000_000
_LOCK = threading.Lock()


def _walk(statement: Any) -> list[Any]:
    """The nodes of `statement`, in a fixed (pre-)order."""
    from ..analysis.nodes import child_nodes

    order = []
    stack = [statement]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(reversed(list(child_nodes(current))))
    return order


class StatementPositions:
    """Positions of the nodes of one LibCST module, computed per top-level statement."""

    def __init__(self, module: Any, codes: list[str | None] | None = None) -> None:
        self.module = module
        # Each statement's code, when known already (`trees.splice`: the statements an edit
        # left as they were); the others are generated when first needed.
        self._seed = codes
        self._codes: list[str] | None = None
        self._header = ""
        self._starts: list[int] = []  # the first line of each statement's code (its leading lines too)
        self._index = {id(statement): index for index, statement in enumerate(module.body)}
        self._done = [False] * len(module.body)  # whether a statement's nodes are all in _found
        self._found: dict[int, Position] = {}  # id(node) -> position
        self._whole: Any = None
        self._last = 0  # the statement the last position was in: the next one is likely there too

    def of(self, node: Any) -> Position:
        """(row, column, end_row, end_column) of `node`, 1-based, as `ParsedModule.position_of`."""
        known = self._found.get(id(node))
        if known is not None:
            return known
        self._prepare()
        index = self._index.get(id(node))
        if index is not None:  # a module-level statement: its own span, from its code alone
            return self._shift(self._relative(index, None)[1][0], index)
        if not self._locate(node):
            return self._of_whole(node)
        return self._found[id(node)]

    def codes(self) -> tuple[str, list[str]]:
        """The code of the module's header and of each top-level statement (their
        concatenation, with the footer, is the module's text)."""
        self._prepare()
        assert self._codes is not None
        return self._header, self._codes

    def _prepare(self) -> None:
        if self._codes is not None:
            return
        module = self.module
        self._header = "".join(module.code_for_node(empty) for empty in module.header)
        line = 1 + len(_NEWLINE.findall(self._header))
        seed = self._seed if self._seed is not None and len(self._seed) == len(module.body) else None
        codes = []
        for index, statement in enumerate(module.body):
            code = seed[index] if seed is not None and seed[index] is not None else None
            if code is None:
                code = module.code_for_node(statement)
            codes.append(code)
            self._starts.append(line)
            line += len(_NEWLINE.findall(code))
        self._codes = codes
        self._seed = None

    def _shift(self, position: Position, index: int) -> Position:
        shift = self._starts[index] - 1
        return (position[0] + shift, position[1], position[2] + shift, position[3])

    def _relative(self, index: int, nodes: list[Any] | None) -> tuple[tuple[type, ...], list[Position]]:
        """The statement's remembered relative positions; computed when its code is new (or,
        `nodes` given, when the remembered ones were of other node types)."""
        assert self._codes is not None
        key = (self.module.default_indent, self.module.default_newline, self._codes[index])
        with _LOCK:
            remembered = _RELATIVE.get(key)
            if remembered is not None:
                _RELATIVE.move_to_end(key)
        if remembered is not None and (nodes is None or remembered[0] == tuple(type(node) for node in nodes)):
            return remembered
        if nodes is None:
            nodes = _walk(self.module.body[index])
        computed = (tuple(type(node) for node in nodes), self._track(index, nodes))
        with _LOCK:
            if key not in _RELATIVE:
                _RELATIVE_NODES[0] += len(nodes)
            _RELATIVE[key] = computed
            while _RELATIVE_NODES[0] > MAX_REMEMBERED_NODES and len(_RELATIVE) > 1:
                _RELATIVE_NODES[0] -= len(_RELATIVE.popitem(last=False)[1][0])
        return computed

    def _track(self, index: int, nodes: list[Any]) -> list[Position]:
        from libcst.metadata import MetadataWrapper, PositionProvider

        alone = self.module.with_changes(header=[], body=[self.module.body[index]], footer=[])
        positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        out = []
        for node in nodes:
            code_range = positions[node]
            out.append((code_range.start.line, code_range.start.column + 1, code_range.end.line,
                        code_range.end.column + 1))
        return out

    def _locate(self, node: Any) -> bool:
        """Place the statements until `node` is met: the last one asked about first, then those
        whose code contains the node's code (a node's code is a piece of its statement's, but
        for the indentation of a nested statement's later lines), then the rest."""
        assert self._codes is not None
        body = self.module.body
        if not body:
            return False
        try:
            piece = self.module.code_for_node(node)
        except Exception:  # not a node LibCST can write alone
            piece = ""
        likely = [index for index, code in enumerate(self._codes) if piece and piece in code]
        for index in dict.fromkeys([self._last, *likely, *range(len(body))]):
            if self._done[index]:
                continue
            nodes = _walk(body[index])
            for member, position in zip(nodes, self._relative(index, nodes)[1]):
                self._found[id(member)] = self._shift(position, index)
            self._done[index] = True
            if id(node) in self._found:
                self._last = index
                return True
        return False

    def _of_whole(self, node: Any) -> Position:
        from libcst.metadata import MetadataWrapper, PositionProvider

        if self._whole is None:
            self._whole = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code_range = self._whole[node]
        return (code_range.start.line, code_range.start.column + 1, code_range.end.line, code_range.end.column + 1)


class ServerModule(ParsedModule):
    """A parsed module whose positions come from `StatementPositions`."""

    @property
    def statement_positions(self) -> StatementPositions:
        positions = self.__dict__.get("statement_positions")
        if positions is None:
            positions = self.__dict__["statement_positions"] = StatementPositions(self.module)
        return positions

    def position_of(self, node: Any) -> Position:
        return self.statement_positions.of(node)


def server_module(parsed: ParsedModule, codes: list[str | None] | None = None) -> ServerModule:
    """`parsed` (just made, no position asked for yet) as a `ServerModule`, sharing its tree;
    `codes`: the statements' code where known already."""
    module = ServerModule(**{item.name: getattr(parsed, item.name) for item in fields(parsed) if item.init})
    if codes is not None:
        module.__dict__["statement_positions"] = StatementPositions(parsed.module, codes)
    return module
