"""The source lines reporters show and fingerprint: each file read once, notebooks by cell."""

from __future__ import annotations

import contextlib
from typing import Iterator

from .lines import python_lines
from .encoding import decode

# Texts that stand for files while `buffers` holds them: standard input linted as a file
# (`torchlint check --stdin-filename F -`), whose lines the reports show and fingerprint.
_BUFFERS: dict[str, bytes | str] = {}


@contextlib.contextmanager
def buffers(texts: dict[str, bytes | str]) -> Iterator[None]:
    """Read `texts` (path -> content) instead of those files, until the block ends."""
    previous = dict(_BUFFERS)
    _BUFFERS.update(texts)
    try:
        yield
    finally:
        _BUFFERS.clear()
        _BUFFERS.update(previous)


def _content(path: str) -> bytes:
    buffer = _BUFFERS.get(path)
    if buffer is not None:
        return buffer.encode("utf-8", "surrogatepass") if isinstance(buffer, str) else buffer
    with open(path, "rb") as handle:
        return handle.read()


class SourceCache:
    """Each file's lines, read once; None for a file that cannot be shown."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}
        self._notebooks: dict[str, object] = {}
        self._file_lines: dict[str, dict[tuple[int, int], int]] = {}

    def file_row(self, path: str, row: int, cell: int | None) -> int:
        """The line of the file itself: a notebook cell's line as the `.ipynb` file's line (what
        GitLab and a JUnit viewer show), `row` elsewhere or when it cannot be read."""
        if cell is None:
            return row
        if path not in self._file_lines:
            from .notebook import file_lines

            try:
                self._file_lines[path] = file_lines(_content(path))
            except (OSError, UnicodeDecodeError):
                self._file_lines[path] = {}
        return self._file_lines[path].get((cell, row), row)

    def line(self, path: str, row: int, cell: int | None = None) -> str | None:
        if path not in self._lines:
            self._lines[path] = self._read(path)
        lines = self._lines[path]
        if lines is None:
            return None
        if cell is not None:
            notebook = self._notebooks.get(path)
            virtual = notebook.to_row(cell, row) if notebook is not None else None  # type: ignore[attr-defined]
            if virtual is None:
                return None
            row = virtual
        if not 0 < row <= len(lines):
            return None
        return lines[row - 1]

    def _read(self, path: str) -> list[str] | None:
        try:
            data = _content(path)
            if path.endswith(".ipynb"):
                from .notebook import load

                notebook = load(data)
                self._notebooks[path] = notebook
                # The cells' own text, not the `pass` put in place of magics.
                return _cell_lines(data, notebook)
            text = decode(data)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, ValueError):
            return None
        if "\x00" in text:  # binary: nothing worth showing
            return None
        return python_lines(text)


def _cell_lines(data: bytes, notebook) -> list[str]:
    import json

    cells = json.loads(data)["cells"]
    lines = []
    for cell, line in notebook.rows:
        source = cells[cell - 1].get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cell_lines = python_lines(source) or [""]
        lines.append(cell_lines[line - 1] if line <= len(cell_lines) else "")
    return lines
