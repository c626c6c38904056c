"""Machine-readable report: a JSON array in ruff's `--output-format json` shape.

Each element is `Finding.to_json()`: code, name, message, severity, filename,
location {row, column}, end_location, url, fix (null when none), related
[{filename, location, message}], source, confirmed and cell (the notebook
cell of a finding in a .ipynb file, whose positions are then within the
cell; null elsewhere).
"""

from __future__ import annotations

import json
from typing import Iterable

from ..findings import Finding

# Debugging detail for internal errors; only `--verbose` puts it in the output.
VERBOSE_ONLY_KEYS = frozenset({"traceback"})


def render(findings: Iterable[Finding], *, verbose: bool = False) -> str:
    """The findings as a JSON array, in a stable order, ending with a newline."""
    items = []
    for finding in sorted(findings, key=Finding.sort_key):
        item = finding.to_json()
        if not verbose:
            item = {key: value for key, value in item.items() if key not in VERBOSE_ONLY_KEYS}
        items.append(item)
    return json.dumps(items, indent=2) + "\n"
