"""The source lines reporters show and fingerprint: each file read once, notebooks by cell."""

from __future__ import annotations

from .lines import python_lines
from .encoding import decode


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
                with open(path, "rb") as handle:
                    self._file_lines[path] = file_lines(handle.read())
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
            with open(path, "rb") as handle:
                data = handle.read()
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
