"""Building fixes: exact source spans of LibCST nodes, turned into `Edit`s.

A fix replaces only the text of the nodes it changes, so everything else in
the file (comments, quotes, line endings, the BOM) stays byte-identical.
Every builder returns None when it is not sure: no fix is better than a
wrong one. All edits of one fix lie in the file of the finding's primary site.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    import libcst as cst
else:
    class _LibCST:
        """LibCST, imported on first use: rules import this module, and a run
        answered from the cache must not pay ~0.3 s to import LibCST."""

        def __getattr__(self, name: str):
            import libcst

            globals()["cst"] = libcst
            return getattr(libcst, name)

    cst = _LibCST()

from ..findings import Edit, Fix, Location

SAFE = "safe"
UNSAFE = "unsafe"

# Activation attribute -> its log form (functional, torch.* and Tensor methods, modules).
LOG_FORMS = {"softmax": "log_softmax", "Softmax": "LogSoftmax"}
UNWRAPPABLE = frozenset({"softmax", "sigmoid"})

# Expressions that bind at least as tightly as a call: they can stand where the call stood.
@functools.lru_cache(maxsize=None)
def _atoms() -> tuple[type, ...]:
    return (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.Imaginary,
            cst.SimpleString, cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_starts(source) -> list[int]:
    starts = getattr(source, "_fix_line_starts", None)
    if starts is None:
        starts = [0] + [match.end() for match in _LINE_BREAK.finditer(source.text)]
        source._fix_line_starts = starts
    return starts


def offset(source, row: int, column: int) -> int:
    """1-based (row, column) in `source.text` -> string index."""
    return _line_starts(source)[row - 1] + column - 1


def span(source, node: cst.CSTNode) -> tuple[Location, Location]:
    row, col, end_row, end_col = source.position_of(node)
    return Location(row, col), Location(end_row, end_col)


def text_of(source, node: cst.CSTNode) -> str:
    start, end = span(source, node)
    return source.text[offset(source, start.row, start.column):offset(source, end.row, end.column)]


def between(source, start: Location, end: Location) -> str:
    return source.text[offset(source, start.row, start.column):offset(source, end.row, end.column)]


def replace(source, node: cst.CSTNode, content: str) -> Edit:
    start, end = span(source, node)
    return Edit(start, end, content)


def make_fix(applicability: str, message: str, edits: Iterable[Edit | None]) -> Fix | None:
    edits = tuple(edits)
    if not edits or any(edit is None for edit in edits):
        return None
    return Fix(applicability, message, tuple(sorted(edits, key=lambda e: (e.location, e.end_location))))


def _kids(node: cst.CSTNode):
    """A node's children (`CSTNode.children` runs a whole visitor: 10x slower)."""
    from ..analysis.nodes import child_nodes

    return child_nodes(node)


def _top_statement(source, node: cst.CSTNode) -> cst.CSTNode | None:
    """The module-level statement that contains `node` (by position, with a bisection)."""
    tops = getattr(source, "_fix_tops", None)
    if tops is None:
        tops = [(span(source, stmt), stmt) for stmt in source.module.body]
        source._fix_tops = tops
        source._fix_top_starts = [item[0][0] for item in tops]
    start, end = span(source, node)
    index = bisect.bisect_right(source._fix_top_starts, start) - 1
    if index >= 0 and tops[index][0][0] <= start and end <= tops[index][0][1]:
        return tops[index][1]
    return None


def parents(source, node: cst.CSTNode) -> dict[int, cst.CSTNode]:
    """Child id -> parent, for the module-level statement around `node` (built once per statement)."""
    top = _top_statement(source, node)
    if top is None:
        return {}
    tables = getattr(source, "_fix_parents", None)
    if tables is None:
        tables = source._fix_parents = {}
    table = tables.get(id(top))
    if table is None:
        table = tables[id(top)] = {id(top): source.module}
        stack: list[cst.CSTNode] = [top]
        while stack:
            current = stack.pop()
            for child in _kids(current):
                table[id(child)] = current
                stack.append(child)
    return table


def enclosing_function(source, node: cst.CSTNode) -> cst.FunctionDef | None:
    table = parents(source, node)
    current = table.get(id(node))
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Lambda)):
        current = table.get(id(current))
    return current if isinstance(current, cst.FunctionDef) else None


# --------------------------------------------------------------------------- call shapes


def callee_attr(call: cst.CSTNode) -> str | None:
    """`softmax` for `F.softmax(...)`, `torch.softmax(...)`, `x.softmax(...)`, `nn.Softmax(...)`."""
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def _imported_names(source) -> set[str]:
    names = getattr(source, "_fix_imports", None)
    if names is None:
        names = set()
        for node in _statements(source.module):
            if isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        names.add(alias.asname.name.value)
                    else:
                        root = alias.name
                        while isinstance(root, cst.Attribute):
                            root = root.value
                        names.add(root.value)
        source._fix_imports = names
    return names


def _statements(node: cst.CSTNode):
    """Every statement-level node, without descending into expressions."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child for child in _kids(current) if not isinstance(child, cst.BaseExpression))


def call_form(source, call: cst.CSTNode) -> str | None:
    """"function" for `F.softmax(x, 1)`, "method" for `x.softmax(1)`, None when unsure (`self.softmax(x)`)."""
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
        return None
    root = call.func.value
    while isinstance(root, cst.Attribute):
        root = root.value
    if isinstance(root, cst.Name) and root.value in _imported_names(source):
        return "function"
    if isinstance(root, cst.Name) and root.value in ("self", "cls"):
        return None  # an attribute holding a module, or a user method
    return "method"


def rename_callee(source, call: cst.CSTNode, names: dict[str, str]) -> Edit | None:
    """`F.softmax(x, 1)` -> `F.log_softmax(x, 1)`: only the attribute's name changes."""
    attr = callee_attr(call)
    if attr not in names or call_form(source, call) is None:
        return None
    return replace(source, call.func.attr, names[attr])


def input_node(call: cst.CSTNode, method: bool) -> cst.CSTNode | None:
    """The tensor an activation call applies to: `x` in `F.softmax(x, 1)` or `x.softmax(1)`."""
    if not isinstance(call, cst.Call):
        return None
    if method:
        return call.func.value if isinstance(call.func, cst.Attribute) else None
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


def unwrap(source, call: cst.CSTNode, module: bool = False) -> Edit | None:
    """Replace an activation call by its input, unless a comment would be lost.

    `module`: the call is of an activation module instance (`self.softmax(h)` with
    `self.softmax = nn.Softmax(dim=1)`), as the analysis established.
    """
    if module:
        if not (isinstance(call, cst.Call) and len(call.args) == 1):
            return None
        inner = input_node(call, False)
    else:
        form = call_form(source, call)
        if callee_attr(call) not in UNWRAPPABLE or form is None:
            return None
        inner = input_node(call, form == "method")
    if inner is None:
        return None
    text = text_of(source, call)
    if "#" in text.replace(text_of(source, inner), "", 1):
        return None
    content = text_of(source, inner)
    # Positions exclude a node's own parentheses: `x * (a - b).sigmoid()` -> `x * (a - b)`.
    standalone = isinstance(parents(source, call).get(id(call)), (cst.Arg, cst.Assign, cst.Return, cst.Element))
    if not isinstance(inner, _atoms()) and not standalone:
        content = f"({content})"
    return replace(source, call, content)


def strip_wrapper(source, outer: cst.CSTNode, inner: cst.CSTNode) -> list[Edit] | None:
    """Delete the text of `outer` around `inner` (`torch.log(` ... `)`), unless it holds a comment."""
    outer_start, outer_end = span(source, outer)
    inner_start, inner_end = span(source, inner)
    before = between(source, outer_start, inner_start)
    after = between(source, inner_end, outer_end)
    if "#" in before or "#" in after:
        return None
    return [Edit(outer_start, inner_start, ""), Edit(inner_end, outer_end, "")]


def first_arg_is(call: cst.CSTNode, node: cst.CSTNode) -> bool:
    return (
        isinstance(call, cst.Call)
        and bool(call.args)
        and call.args[0].keyword is None
        and not call.args[0].star
        and call.args[0].value is node
    )


def single_use_variable(source, activation: cst.CSTNode, loss: cst.CSTNode) -> bool:
    """`p = act(...)` then `loss(p, y)` in one function, `p` read nowhere else."""
    if not (isinstance(loss, cst.Call) and loss.args and loss.args[0].keyword is None):
        return False
    name = loss.args[0].value
    if not isinstance(name, cst.Name):
        return False
    assign = parents(source, activation).get(id(activation))
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
            and assign.targets[0].target.value == name.value):
        return False
    function = enclosing_function(source, activation)
    if function is None or enclosing_function(source, loss) is not function:
        return False
    uses = 0
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            return False
        if isinstance(node, cst.Name) and node.value == name.value:
            uses += 1
        stack.extend(_kids(node))
    # The assignment's target and the loss's argument, nothing else.
    return uses == 2 and _before(source, activation, loss)


def _before(source, first: cst.CSTNode, second: cst.CSTNode) -> bool:
    return span(source, first)[1] <= span(source, second)[0]


def add_dim(source, call: cst.CSTNode) -> Edit | None:
    """`F.softmax(x)` -> `F.softmax(x, dim=-1)`; `nn.Softmax()` -> `nn.Softmax(dim=-1)`."""
    if not isinstance(call, cst.Call) or any(arg.star for arg in call.args):
        return None
    if call.args:
        end = span(source, call.args[-1].value)[1]
        return Edit(end, end, ", dim=-1")
    end = span(source, call)[1]
    if between(source, Location(end.row, end.column - 1), end) != ")":
        return None
    at = Location(end.row, end.column - 1)
    return Edit(at, at, "dim=-1")


def remove_from_sequential(source, activation: cst.CSTNode) -> Edit | None:
    """Drop `nn.Softmax(dim=1)` from the end of an `nn.Sequential(...)`."""
    table = parents(source, activation)
    arg = table.get(id(activation))
    sequential = table.get(id(arg)) if arg is not None else None
    if not (isinstance(arg, cst.Arg) and isinstance(sequential, cst.Call) and arg.keyword is None
            and (callee_attr(sequential) or getattr(sequential.func, "value", "")) == "Sequential"):
        return None
    args = list(sequential.args)
    index = next((i for i, item in enumerate(args) if item is arg), None)
    if index is None or index == 0 or index != len(args) - 1:
        return None
    start = span(source, args[index - 1].value)[1]
    end = span(source, activation)[1]
    removed = between(source, start, end)
    if "#" in removed:
        return None
    # Keep a trailing comma after the activation, if any, as the new last element's.
    return Edit(start, end, "")


# --------------------------------------------------------------------------- builders several rules share
# (a builder that serves one rule lives in that rule's module)


def guarded(builder: Callable[..., Fix | None]) -> Callable[..., Fix | None]:
    """A bug in a fix builder costs the fix, never the finding."""

    @functools.wraps(builder)
    def build(*args, **kwargs):
        try:
            return builder(*args, **kwargs)
        except Exception:
            return None

    return build


def usable(site) -> bool:
    return site.source is not None and site.node is not None and hasattr(site.source, "text")


def _direct(origin, call) -> bool:
    """The activation is written as the loss's input argument, in the same file."""
    return call.site.source is origin.source and not call.via and first_arg_is(call.site.node, origin.node)


@guarded
def remove_activation(origin, call) -> Fix | None:
    """TL001/TL005: the loss wants logits, so drop the activation that feeds it."""
    if not usable(origin) or not usable(call.site):
        return None
    source, node = origin.source, origin.node
    local = call.site.source is source and not call.via and (
        first_arg_is(call.site.node, node) or single_use_variable(source, node, call.site.node))
    module_call = origin.label.startswith("nn.") and isinstance(node, cst.Call) and callee_attr(node) not in (
        "Softmax", "Sigmoid")  # a call of the module, not its construction
    if local:
        return make_fix(SAFE, f"Remove {origin.label}: pass the logits to the loss",
                        [unwrap(source, node, module=module_call)])
    edit = unwrap(source, node, module=module_call) or remove_from_sequential(source, node)
    return make_fix(
        UNSAFE,
        f"Remove {origin.label} so the loss receives logits; apply {origin.label} at inference where "
        "probabilities are needed",
        [edit],
    )


@guarded
def to_log_softmax(origin, call) -> Fix | None:
    """TL004/TL008: the loss wants log-probabilities: softmax -> log_softmax."""
    if not usable(origin):
        return None
    edit = rename_callee(origin.source, origin.node, LOG_FORMS)
    if edit is None:
        return None
    safe = usable(call.site) and (_direct(origin, call) or (
        call.site.source is origin.source and not call.via
        and single_use_variable(origin.source, origin.node, call.site.node)))
    new = "LogSoftmax" if callee_attr(origin.node) == "Softmax" else "log_softmax"
    return make_fix(SAFE if safe else UNSAFE, f"Use {new} instead of {origin.label}", [edit])


def constructor_rename(call, source, names: dict[str, str]) -> Edit | None:
    """Rename the class of the loss object `call` used (`nn.NLLLoss(...)`), if it was built in `source`."""
    ctor = call.constructor
    if ctor is None or not usable(ctor) or ctor.source is not source:
        return None
    return rename_callee(source, ctor.node, names)


@guarded
def to_bce_with_logits(call, sigmoid=None, safe: bool = True) -> Fix | None:
    """TL014/TL007: `F.binary_cross_entropy(torch.sigmoid(z), y)` -> `F.binary_cross_entropy_with_logits(z, y)`.

    The first six parameters of both functions (four of both classes) share positions. A loss object
    (`nn.BCELoss()`) may serve other calls, so renaming its class is unsafe.
    """
    site = call.site
    if not usable(site) or (sigmoid is not None and not usable(sigmoid)):
        return None
    source = sigmoid.source if sigmoid is not None else site.source
    functional = callee_attr(site.node) == "binary_cross_entropy" and call_form(site.source, site.node) == "function"
    if functional and site.source is source:
        edits = [rename_callee(source, site.node, {"binary_cross_entropy": "binary_cross_entropy_with_logits"})]
        safe = safe and not call.via
        message = "Use binary_cross_entropy_with_logits on the logits"
    else:
        edits = [constructor_rename(call, source, {"BCELoss": "BCEWithLogitsLoss"})]
        safe = False
        message = "Use BCEWithLogitsLoss on the logits"
    if sigmoid is not None:
        local = safe and site.source is source and (
            first_arg_is(site.node, sigmoid.node) or single_use_variable(source, sigmoid.node, site.node))
        edits.append(unwrap(source, sigmoid.node) or remove_from_sequential(source, sigmoid.node))
        safe = local
        if not local:
            message += f"; {sigmoid.label} is removed, apply it at inference where probabilities are needed"
    return make_fix(SAFE if safe else UNSAFE, message, edits)
