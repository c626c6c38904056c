"""Fast walks over LibCST nodes, for the interpreter and the fixes.

`CSTNode.children` runs a whole visitor per call, and `isinstance` against
LibCST's classes goes through `ABCMeta.__instancecheck__` (every node class is
an ABC): both showed in the profile of a cold run. Nodes a parser built are
never of a subclass, so a node's type answers both questions, once per type.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Callable, Iterator

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_EXPRESSION: dict[type, bool] = {}
_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    answer = _IS_NODE.get(kind)
    if answer is None:
        answer = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return answer


def _all_fields(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """A node's children, read from its fields in declaration order."""
    return _children(node, _FIELDS, _all_fields)


def _children(node: cst.CSTNode, table: dict[type, tuple[str, ...]],
              fields_of: "Callable[[type], tuple[str, ...]]") -> Iterator[cst.CSTNode]:
    """The nodes in the fields `fields_of` names for the node's type (remembered in `table`)."""
    names = table.get(type(node))
    if names is None:
        names = table[type(node)] = fields_of(type(node))
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                if _is_node(type(item)):
                    yield item
        elif _is_node(kind):
            yield value


def is_expression(node: object) -> bool:
    """isinstance(node, cst.BaseExpression), decided once per type."""
    kind = type(node)
    answer = _IS_EXPRESSION.get(kind)
    if answer is None:
        answer = _IS_EXPRESSION[kind] = isinstance(node, cst.BaseExpression)
    return answer


# What a field declared as one of these (or a sequence or union of them, or of strings and
# sentinels) holds is layout: whitespace, comments, punctuation, operators. No code is in it.
_LAYOUT_TYPES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment, cst.Newline,
    cst.Comma, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Colon, cst.Dot, cst.Semicolon, cst.AssignEqual,
    cst.Asynchronous, cst.ImportStar, cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseUnaryOp,
    cst.BaseCompOp, cst.BaseAugOp,
)
_CODE_FIELDS: dict[type, tuple[str, ...]] = {}


def _only_layout(declared: object) -> bool:
    origin = typing.get_origin(declared)
    if origin is typing.Literal:
        return True
    if origin is not None:  # a union, a sequence: each of what it may hold
        return all(_only_layout(item) for item in typing.get_args(declared) if item is not Ellipsis)
    if declared in (cst.MaybeSentinel, type(None), str, bool):
        return True
    return isinstance(declared, type) and issubclass(declared, _LAYOUT_TYPES)


def _code_fields(kind: type) -> tuple[str, ...]:
    names = _all_fields(kind)
    try:
        declared = typing.get_type_hints(kind)
    except Exception:  # noqa: BLE001  (a type whose hints do not resolve: walk every field)
        return names
    return tuple(name for name in names if name not in declared or not _only_layout(declared[name]))


def code_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """A node's children that may hold code, in declaration order: `child_nodes` less the fields
    declared to hold only layout (whitespace, comments, punctuation, operators), about half of
    a tree's nodes, which a walk looking for expressions or statements never needs."""
    return _children(node, _CODE_FIELDS, _code_fields)
