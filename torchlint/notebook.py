"""Jupyter notebooks as one Python program.

The code cells are joined into one virtual source, in order, so values flow
from cell to cell as they do when the notebook runs top to bottom. IPython
syntax that is not Python (`%magic`, `%%cell_magic`, `!shell`, `x = !cmd`,
`obj?`) becomes `pass` at the same indentation, so every virtual line maps
back to one (cell, line). Cells are numbered from 1 over all the cells of the
notebook, as a notebook editor shows them.
"""

from __future__ import annotations

import bisect
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
        python_state = _Continuation()
        for index, line in enumerate(cell_lines, start=1):
            if cell_magic or in_magic:
                lines.append("")
            else:
                # IPython escapes only begin a statement: a `%(...)` line inside an open
                # bracket or after a `\` is Python's `%` operator continuing the line before.
                python = line if python_state.continues() else _python_line(line)
                lines.append(python)
                if python == line:
                    python_state.scan(line)
                else:
                    in_magic = line.rstrip().endswith("\\")
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


class _Continuation:
    """Whether the next line continues a Python statement: open brackets, a string left open
    (triple-quoted, or single-quoted ending in `\\`), or a `\\` at the end of the line. A
    lexer's rough cut, enough to tell a statement's start; the parser judges the rest."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""  # the delimiter of the string still open, if any
        self.backslash = False

    def continues(self) -> bool:
        return self.depth > 0 or bool(self.quote) or self.backslash

    def scan(self, line: str) -> None:
        self.backslash = False
        index, length = 0, len(line)
        while index < length:
            char = line[index]
            if self.quote:
                if char == "\\":
                    index += 2
                    continue
                if line.startswith(self.quote, index):
                    index += len(self.quote)
                    self.quote = ""
                    continue
            elif char == "#":
                return
            elif char in "'\"":
                self.quote = char * 3 if line.startswith(char * 3, index) else char
                index += len(self.quote)
                continue
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        ends_in_backslash = (len(line) - len(line.rstrip("\\"))) % 2 == 1
        if len(self.quote) == 1 and not ends_in_backslash:
            self.quote = ""  # an unterminated string: a syntax error the parser reports
        self.backslash = ends_in_backslash and not self.quote


def file_lines(data: bytes | str) -> dict[tuple[int, int], int]:
    """(cell, line in the cell) -> the line of the `.ipynb` file where that source line is written,
    for the reports whose viewers show the file itself (GitLab Code Quality, JUnit). A source
    written as one JSON string (not a list of lines) maps all its lines to that string's line."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    breaks = [index for index, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()

    def line_of(offset: int) -> int:
        return bisect.bisect_right(breaks, offset - 1) + 1

    found: dict[tuple[int, int], int] = {}
    try:
        cells = _member(text, _space(text, 0), "cells", decoder)
        if cells is None or text[cells] != "[":
            return found
        for number, cell_start in enumerate(_elements(text, cells, decoder), start=1):
            if text[cell_start] != "{":
                continue
            source = _member(text, cell_start, "source", decoder)
            if source is None:
                continue
            if text[source] == '"':
                value = decoder.raw_decode(text, source)[0]
                for index in range(1, len(python_lines(value) or [""]) + 1):
                    found[(number, index)] = line_of(source)
                continue
            if text[source] != "[":
                continue
            row, at_start = 1, True
            for part_start in _elements(text, source, decoder):
                part = decoder.raw_decode(text, part_start)[0]
                if not isinstance(part, str):
                    break
                if at_start and part:
                    found[(number, row)] = line_of(part_start)
                    at_start = False
                for match in _BREAKS.finditer(part):
                    row += 1
                    if match.end() < len(part):
                        found[(number, row)] = line_of(part_start)
                    else:
                        at_start = True
    except (ValueError, IndexError):  # not the JSON `load` accepted: no file lines, cell lines stay
        return found
    return found


_BREAKS = re.compile(r"\r\n|\r|\n")


def _space(text: str, index: int) -> int:
    while text[index] in " \t\r\n":
        index += 1
    return index


def _member(text: str, start: int, key: str, decoder: json.JSONDecoder) -> int | None:
    """Where the value of `key` begins in the JSON object at `start`; None without that key."""
    index = _space(text, start + 1)
    if text[index] == "}":
        return None
    while True:
        name, index = decoder.raw_decode(text, index)
        index = _space(text, _space(text, index) + 1)  # past the ':'
        if name == key:
            return index
        index = _space(text, decoder.raw_decode(text, index)[1])
        if text[index] == "}":
            return None
        index = _space(text, index + 1)  # past the ','


def _elements(text: str, start: int, decoder: json.JSONDecoder):
    """Where each element of the JSON array at `start` begins."""
    index = _space(text, start + 1)
    if text[index] == "]":
        return
    while True:
        yield index
        index = _space(text, decoder.raw_decode(text, index)[1])
        if text[index] == "]":
            return
        index = _space(text, index + 1)
