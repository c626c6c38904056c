"""Import binding: what a name introduced by an import statement refers to.

Resolution is the engine's own: a small table per scope instead of LibCST's
QualifiedNameProvider, which costs several times the parse itself.
"""

from __future__ import annotations

import libcst as cst

from .values import ImportRef, TorchRef, Value
from .torch_api import LOSSES, PRODUCERS


def is_torch_module(qualname: str) -> bool:
    return qualname == "torch" or qualname.startswith("torch.")


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` as a string, or None when the expression is not a plain dotted name."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def reference(module: str, name: str | None = None) -> Value:
    """Torch names resolve at once; anything else may be project code (resolved later)."""
    qualname = f"{module}.{name}" if name else module
    if is_torch_module(qualname):
        return TorchRef(qualname)
    return ImportRef(module, 0, name)


def import_bindings(node: cst.Import | cst.ImportFrom, package: str | None = None) -> list[tuple[str, Value]]:
    """The (local name, value) pairs an import statement binds."""
    bindings: list[tuple[str, Value]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bindings.append((alias.asname.name.value, reference(full)))
            else:
                # `import torch.nn.functional` binds `torch`.
                top = full.split(".")[0]
                bindings.append((top, reference(top)))
        return bindings

    module = dotted_name(node.module) if node.module is not None else ""
    relative = len(node.relative) if node.relative else 0
    if module is None:
        return bindings
    if isinstance(node.names, cst.ImportStar):
        if not relative and is_torch_module(module):
            # Bind the names torchlint knows that the star import brings in.
            prefix = module + "."
            for qualname in list(PRODUCERS) + list(LOSSES):
                if qualname.startswith(prefix) and "." not in qualname[len(prefix):]:
                    bindings.append((qualname[len(prefix):], TorchRef(qualname)))
        return bindings
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        name = alias.name.value
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        if relative:
            # Relative imports are project code: never torch.
            bindings.append((local, ImportRef(module, relative, name)))
        else:
            bindings.append((local, reference(module, name)))
    return bindings
