"""Jupyter notebooks as one Python program.

The code cells are joined into one virtual source, in order, so values flow
from cell to cell as they do when the notebook runs top to bottom. IPython
syntax that is not Python (`%magic`, `%%cell_magic`, `!shell`, `x = !cmd`,
`obj?`) becomes `pass` at the same indentation, so every virtual line maps
back to one (cell, line). Cells are numbered from 1 over all the cells of the
notebook, as a notebook editor shows them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .lines import python_lines

MAGIC = re.compile(r"^(?P<indent>\s*)(?:[%!]|\?|[\w.]+\?{1,2}\s*$|[\w.,\s]+=\s*[%!])")
CELL_MAGIC = re.compile(r"^\s*%%")


class NotebookError(ValueError):
    """A file that is not a readable notebook."""


@dataclass
class Notebook:
    text: str
    # rows[i] = (cell, line in that cell) of virtual row i + 1
    rows: list[tuple[int, int]]

    def to_cell(self, row: int) -> tuple[int | None, int]:
        """(cell, line) of a virtual row; (None, row) when out of range."""
        if 0 < row <= len(self.rows):
            return self.rows[row - 1]
        return None, row

    def to_row(self, cell: int, line: int) -> int | None:
        try:
            return self.rows.index((cell, line)) + 1
        except ValueError:
            return None


def load(data: bytes | str) -> Notebook:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise NotebookError(f"malformed notebook: invalid JSON: {error}") from error
    except RecursionError as error:  # CPython's decoder recurses once per nesting level
        raise NotebookError("malformed notebook: JSON nested too deeply") from error
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("malformed notebook: no 'cells' list (not nbformat 4)")
    metadata = document.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise NotebookError("malformed notebook: 'metadata' is not an object")
    language = (metadata or {}).get("language_info", {}) or {}
    if isinstance(language, dict) and language.get("name") not in (None, "python"):
        return Notebook("", [])  # an R or Julia notebook: nothing to lint
    lines: list[str] = []
    rows: list[tuple[int, int]] = []
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"malformed notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"malformed notebook: cell {number} has no source text")
        cell_lines = python_lines(source) or [""]
        cell_magic = bool(cell_lines) and bool(CELL_MAGIC.match(cell_lines[0]))
        in_magic = False  # a `!cmd \` line continues on the next ones
        for index, line in enumerate(cell_lines, start=1):
            if cell_magic or in_magic:
                lines.append("")
            else:
                python = _python_line(line)
                lines.append(python)
                in_magic = python != line and line.rstrip().endswith("\\")
                rows.append((number, index))
                continue
            in_magic = in_magic and line.rstrip().endswith("\\")
            rows.append((number, index))
    return Notebook("\n".join(lines) + "\n" if lines else "", rows)


def _python_line(line: str) -> str:
    match = MAGIC.match(line)
    if match is None:
        return line
    return match.group("indent") + "pass"
