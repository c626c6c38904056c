"""Module attributes imported on first access (PEP 562 `__getattr__`).

`import torchlint` must not import torch (the runtime watcher), and a run
answered from the cache must not import LibCST (the engine): modules name such
attributes in a table and get them when first asked.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_attributes(module_name: str, table: dict[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A module `__getattr__` serving `table` (name -> (module to import, its attribute)); each
    value is stored in the module once loaded, so later accesses are plain lookups."""

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        source, attribute = table[name]
        value = getattr(importlib.import_module(source), attribute)
        setattr(sys.modules[module_name], name, value)
        return value

    return __getattr__
