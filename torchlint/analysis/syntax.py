"""Facts read off the syntax alone: literals, argument nodes, sizes, decorators, statement walks.

No values here: these helpers answer questions about LibCST nodes for the
interpreter (`flow.py`) and the call binding (`calls.py`).
"""

from __future__ import annotations

import re
from typing import Iterator

import libcst as cst

from .events import Mode
from .nodes import code_children, is_expression


def parameters(params: cst.Parameters) -> list[cst.Param]:
    """A signature's parameters in order: positional-only, positional, *args, keyword-only, **kwargs."""
    result = list(params.posonly_params) + list(params.params)
    if isinstance(params.star_arg, cst.Param):
        result.append(params.star_arg)
    result.extend(params.kwonly_params)
    if params.star_kwarg is not None:
        result.append(params.star_kwarg)
    return result


def training_test(test: cst.BaseExpression) -> Mode | None:
    """Mode.TRAIN for `x.training`, Mode.EVAL for `not x.training`, else None."""
    if isinstance(test, cst.Attribute) and test.attr.value == "training":
        return Mode.TRAIN
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = training_test(test.expression)
        if inner is not None:
            return inner.other()
    return None


def int_literal(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        try:
            return int(node.value, 0)
        except ValueError:
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = int_literal(node.expression)
        return -inner if inner is not None else None
    return None


def string_value(node: cst.SimpleString) -> object:
    """The value of a string literal. LibCST's `evaluated_value` runs `ast.literal_eval` (a
    `compile`) each time: ~5 % of a cold run on code with large dict literals. A plain
    quoted string without prefix or escapes is the text between its quotes."""
    text = plain_string(node)
    return text if text is not None else node.evaluated_value


def plain_string(node: cst.SimpleString) -> str | None:
    """The text of a string literal without prefix or escapes (the cheap case), else None."""
    text = node.value
    quote = text[-1]
    # No prefix, no escapes, no carriage return (Python reads "\r" and "\r\n" in a literal as "\n").
    if text[0] == quote and "\\" not in text and "\r" not in text:
        return text[3:-3] if len(text) >= 6 and text.startswith(quote * 3) else text[1:-1]
    return None


def argument_node(node: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The expression passed at `position` (or as `keyword`), if written out."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in node.args if arg.keyword is None]
    if any(arg.star for arg in positional[: position + 1]):
        return None
    return positional[position].value if position < len(positional) else None


def size_rank(node: cst.Call, offset: int = 0) -> int | None:
    """The number of sizes in `(B, C)` / `B, C` arguments, when written out."""
    positional = [arg for arg in node.args if arg.keyword is None][offset:]
    if not positional and offset == 0:
        size = next((a.value for a in node.args if a.keyword is not None and a.keyword.value in ("size", "shape")),
                    None)
        if isinstance(size, (cst.Tuple, cst.List)) and not any(
            isinstance(e, cst.StarredElement) for e in size.elements
        ):
            return len(size.elements)
        return None
    if any(arg.star for arg in positional):
        return None
    if len(positional) == 1:
        only = positional[0].value
        if isinstance(only, (cst.Tuple, cst.List)):
            if any(isinstance(e, cst.StarredElement) for e in only.elements):
                return None
            return len(only.elements)
        # A single size: an int literal is rank 1; a name may hold a whole shape.
        return 1 if int_literal(only) is not None else None
    return len(positional)


def reshaped_rank(name: str, node: cst.Call, offset: int) -> int | None:
    """The rank after view/reshape/flatten, where the call makes it certain."""
    if name in ("view", "reshape"):
        if any(a.keyword is not None for a in node.args):
            return None
        return size_rank(node, offset)
    if name == "flatten":
        start = argument_node(node, offset, "start_dim")
        end = argument_node(node, offset + 1, "end_dim")
        start_value = int_literal(start) if start is not None else 0
        if start_value is None or start_value < 0:
            return None
        if end is not None and int_literal(end) != -1:
            return None
        return start_value + 1
    return None


def decorator_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call):
        node = node.func
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))


def self_assignments(node: cst.FunctionDef | cst.Lambda) -> frozenset[str] | None:
    """The `self.<attr>` names a method assigns in its own body; None when it may set any name
    (`super().__init__(...)`, `setattr(self, name, m)` or `self.add_module(name, m)` with a
    computed name).

    A walk over statements only (attributes cannot be assigned inside an
    expression): far cheaper than a LibCST visitor.
    """
    self_name = _self_name(node)
    if self_name is None:
        return frozenset()
    names: set[str] = set()
    for statement in statements(node.body):
        _add_assigned_attributes(statement, self_name, names)
        set_by_call = _attributes_set_by_call(statement, self_name)
        if set_by_call is None:
            return None
        names.update(set_by_call)
    return frozenset(names)


def self_method_calls(node: cst.FunctionDef | cst.Lambda) -> frozenset[str] | None:
    """The names of the `self.<name>(...)` calls anywhere in a method (what the methods it
    calls set on `self` becomes its own when it is interpreted); None when it calls
    `super().<name>(...)`, whose method may set anything."""
    self_name = _self_name(node)
    if self_name is None:
        return frozenset()
    names: set[str] = set()
    pending: list[cst.CSTNode] = [node.body]
    while pending:
        current = pending.pop()
        # `type() is`: LibCST's classes are ABCs, and this walk visits every node of a body
        if type(current) is cst.Call and type(current.func) is cst.Attribute:
            receiver = current.func.value
            if type(receiver) is cst.Name and receiver.value == self_name:
                names.add(current.func.attr.value)
            elif type(receiver) is cst.Call and type(receiver.func) is cst.Name and receiver.func.value == "super":
                return None
        pending.extend(code_children(current))
    return frozenset(names)


def _self_name(node: cst.FunctionDef | cst.Lambda) -> str | None:
    if isinstance(node, cst.Lambda):
        return None
    params = parameters(node.params)
    return params[0].name.value if params else None


def _attributes_set_by_call(statement: cst.CSTNode, name: str) -> frozenset[str] | None:
    """What `super().__init__(...)` (None: anything), `self.add_module("fc", m)` and
    `setattr(self, "fc", m)` as a statement set on `self`."""
    if not (isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)):
        return frozenset()
    func = statement.value.func
    args = statement.value.args
    if isinstance(func, cst.Attribute):
        receiver = func.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            return None
        if isinstance(receiver, cst.Name) and receiver.value == name and func.attr.value == "add_module":
            return _named_by(args[0].value if args else None)
        return frozenset()
    if (isinstance(func, cst.Name) and func.value == "setattr" and len(args) > 1
            and isinstance(args[0].value, cst.Name) and args[0].value.value == name):
        return _named_by(args[1].value)
    return frozenset()


def _named_by(node: cst.BaseExpression | None) -> frozenset[str] | None:
    """The attribute a literal name argument sets; None (any) for a computed name."""
    text = plain_string(node) if isinstance(node, cst.SimpleString) else None
    return frozenset((text,)) if text is not None else None


def statements(suite: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    if isinstance(suite, cst.SimpleStatementSuite):
        yield from suite.body
        return
    for statement in suite.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):  # their assignments are their own
            yield statement
            yield from _compound_children(statement)


def _compound_children(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in ("body", "orelse", "finalbody"):
        child = getattr(statement, name, None)
        if isinstance(child, cst.BaseSuite):
            yield from statements(child)
        elif isinstance(child, cst.If):  # elif
            yield from statements(child.body)
            yield from _compound_children(child)
        elif child is not None and isinstance(getattr(child, "body", None), cst.BaseSuite):
            yield from statements(child.body)  # else / finally clauses
    for clause in list(getattr(statement, "handlers", ())) + list(getattr(statement, "cases", ())):
        yield from statements(clause.body)


def _add_assigned_attributes(statement: cst.CSTNode, name: str, names: set[str]) -> None:
    targets: list[cst.BaseExpression] = []
    if isinstance(statement, cst.Assign):
        targets = [target.target for target in statement.targets]
    elif isinstance(statement, (cst.AnnAssign, cst.AugAssign)):
        targets = [statement.target]
    elif isinstance(statement, (cst.For, cst.With)):
        targets = [statement.target] if isinstance(statement, cst.For) else [
            item.asname.name for item in statement.items if item.asname is not None
        ]
    while targets:
        target = targets.pop()
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == name:
            names.add(target.attr.value)
        if isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(element.value for element in target.elements)


def child_expressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The sub-expressions of an expression the interpreter does not model,
    in field order (Python's evaluation order: `b if a else c` is a, b, c)."""
    for child in code_children(node):
        if is_expression(child):
            yield child
        else:  # comprehension clauses, arguments, f-string parts, ...
            yield from child_expressions(child)


def main_guard(test: cst.BaseExpression) -> bool | None:
    """True for `__name__ == "__main__"`, False for `!=`, None for any other test."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    target = test.comparisons[0]
    sides = (test.left, target.comparator)
    names = [side for side in sides if isinstance(side, cst.Name) and side.value == "__name__"]
    strings = [side for side in sides if isinstance(side, cst.SimpleString) and string_value(side) == "__main__"]
    if not (names and strings):
        return None
    if isinstance(target.operator, cst.Equal):
        return True
    if isinstance(target.operator, cst.NotEqual):
        return False
    return None


def none_test(test: cst.BaseExpression) -> tuple[cst.BaseExpression, bool] | None:
    """`x is None` -> (x, True); `x is not None` -> (x, False); else None."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
        return None
    positive = isinstance(target.operator, (cst.Is, cst.Equal))
    if isinstance(target.comparator, cst.Name) and target.comparator.value == "None":
        return test.left, positive
    if isinstance(test.left, cst.Name) and test.left.value == "None":
        return target.comparator, positive
    return None


# How a small constant added to probabilities is usually named (`p + eps`, `p + self.epsilon`).
_SMALL_NAME = re.compile(r"(?i)(eps|epsilon|tiny|smooth|small|delta|stab)")


def small_constant(node: cst.BaseExpression) -> bool:
    """A numeric literal, or a name of the kind that holds one (`eps`, `self.epsilon`,
    `torch.finfo(p.dtype).eps`): what `p + c` or a clamp shifts probabilities by."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return small_constant(node.expression)
    if isinstance(node, cst.Name):
        return bool(_SMALL_NAME.search(node.value))
    if isinstance(node, cst.Attribute):
        return bool(_SMALL_NAME.search(node.attr.value))
    return False


def global_names(node: cst.FunctionDef) -> set[str]:
    """Names a function declares `global` (it may rebind them: readers elsewhere cannot trust them)."""
    found: set[str] = set()
    for statement in statements(node.body):
        if isinstance(statement, cst.Global):
            found.update(item.name.value for item in statement.names)
    return found


def annotated_fields(node: cst.ClassDef) -> list[str]:
    """The names a class body annotates (`logits: Tensor`, `criterion: nn.Module = None`), in order:
    a dataclass's or NamedTuple's fields. `ClassVar` annotations are not fields."""
    fields = []
    for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                annotation = small.annotation.annotation
                head = annotation.value if isinstance(annotation, cst.Subscript) else annotation
                if decorator_name(head).rsplit(".", 1)[-1] == "ClassVar":
                    continue
                fields.append(small.target.value)
    return fields

