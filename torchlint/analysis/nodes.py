"""Fast walks over LibCST nodes, for the interpreter and the fixes.

`CSTNode.children` runs a whole visitor per call, and `isinstance` against
LibCST's classes goes through `ABCMeta.__instancecheck__` (every node class is
an ABC): both showed in the profile of a cold run. Nodes a parser built are
never of a subclass, so a node's type answers both questions, once per type.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_EXPRESSION: dict[type, bool] = {}
_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    answer = _IS_NODE.get(kind)
    if answer is None:
        answer = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return answer


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """A node's children, read from its fields in declaration order."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
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
