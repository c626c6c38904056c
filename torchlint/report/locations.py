"""Where a finding is, as the reporters write it.

A module of its own rather than the package's `__init__`: that one dispatches to every
format (SARIF's reads the rule registry), and the text reporters, which the runtime
watcher uses too, need only this.
"""

from __future__ import annotations

from ..findings import Location
from ..lines import printable


def where(filename: str, location: Location, cell: int | None = None) -> str:
    """`train.py:12:5`, or `analysis.ipynb:cell 3:2:5` in a notebook (as ruff writes it)."""
    prefix = f"{printable(filename)}:cell {cell}" if cell is not None else printable(filename)
    return f"{prefix}:{location.row}:{location.column}"
