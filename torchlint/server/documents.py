"""The documents the client has open: their unsaved text, as the client's edits leave it.

Kept here rather than in pygls' workspace, whose incremental edits split lines with
`str.splitlines` (a form feed or U+2028 inside a line would move every later edit); edits
are applied with `text.apply_change`, which breaks lines where LSP does. A notebook is its
cells in order (each cell a text document of its own) and is linted as the `.ipynb` file it
is, its code cells joined as `torchlint check` joins them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from ..discovery import LINTED_SUFFIXES
from .text import apply_change

PYTHON_LANGUAGES = ("python",)


@dataclass
class TextDocument:
    uri: str
    language: str
    version: int
    text: str
    notebook: str | None = None  # the notebook's URI, for a cell


@dataclass
class Cell:
    uri: str
    code: bool  # a code cell (markup cells are not linted)


@dataclass
class Notebook:
    uri: str
    version: int
    cells: list[Cell] = field(default_factory=list)


def uri_to_path(uri: str, root: str | None = None) -> str | None:
    """The absolute file path of a `file:` URI; for an unsaved document (`untitled:`), a path
    of its own that no file has (in the workspace, so its configuration applies); None for a
    URI that is neither."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = unquote(parsed.path)
        if os.name == "nt" and len(path) > 2 and path[0] == "/" and path[2] == ":":  # pragma: no cover
            path = path[1:]
        if parsed.netloc and os.name == "nt":  # pragma: no cover (UNC)
            path = f"//{parsed.netloc}{path}"
        return os.path.normpath(path)
    if parsed.scheme == "untitled":
        digest = hashlib.blake2b(uri.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        suffix = ".ipynb" if uri.endswith(".ipynb") else ".py"
        # Not a hidden directory: `exclude`'s default `.*/` would leave the buffer unlinted.
        return os.path.join(root or os.getcwd(), "__torchlint_untitled__", digest + suffix)
    return None


def path_to_uri(path: str) -> str:
    from pathlib import Path

    return Path(os.path.abspath(path)).as_uri()


class Documents:
    """Open text documents, notebooks and their cells, by URI."""

    def __init__(self) -> None:
        self.texts: dict[str, TextDocument] = {}
        self.notebooks: dict[str, Notebook] = {}
        self.root: str | None = None

    # -- text documents

    def open(self, uri: str, language: str, version: int, text: str, notebook: str | None = None) -> None:
        self.texts[uri] = TextDocument(uri, language, version, text, notebook)

    def change(self, uri: str, version: int | None, changes: list[Any], encoding: str) -> None:
        document = self.texts.get(uri)
        if document is None:
            return
        for change in changes:
            change_range = getattr(change, "range", None)
            if change_range is None:
                document.text = change.text
            else:
                document.text = apply_change(document.text, (change_range.start.line, change_range.start.character),
                                             (change_range.end.line, change_range.end.character),
                                             change.text, encoding)
        if version is not None:
            document.version = version

    def close(self, uri: str) -> TextDocument | None:
        return self.texts.pop(uri, None)

    def linted(self, document: TextDocument) -> bool:
        """Whether a (non-cell) text document is Python torchlint lints."""
        if document.notebook is not None:
            return False
        path = uri_to_path(document.uri, self.root)
        if path is None:
            return False
        return path.endswith(LINTED_SUFFIXES[:2]) or (document.language in PYTHON_LANGUAGES
                                                      and not path.endswith(".ipynb"))

    # -- notebooks

    def open_notebook(self, uri: str, version: int, cells: list[Any], documents: list[Any]) -> None:
        notebook = Notebook(uri, version)
        self.notebooks[uri] = notebook
        for item in documents:
            self.open(item.uri, item.language_id, item.version, item.text, notebook=uri)
        notebook.cells = [self._cell(cell) for cell in cells]

    def _cell(self, cell: Any) -> Cell:
        from lsprotocol.types import NotebookCellKind

        document = self.texts.get(cell.document)
        language = document.language if document is not None else "python"
        return Cell(cell.document, cell.kind == NotebookCellKind.Code and language in PYTHON_LANGUAGES)

    def change_notebook(self, uri: str, version: int, change: Any, encoding: str) -> None:
        notebook = self.notebooks.get(uri)
        if notebook is None:
            return
        notebook.version = version
        cells = change.cells
        if cells is None:
            return
        structure = cells.structure
        if structure is not None:
            for item in structure.did_open or ():
                self.open(item.uri, item.language_id, item.version, item.text, notebook=uri)
            for item in structure.did_close or ():
                self.close(item.uri)
            array = structure.array
            notebook.cells[array.start:array.start + array.delete_count] = [
                self._cell(cell) for cell in array.cells or ()]
        for content in cells.text_content or ():
            self.change(content.document.uri, content.document.version, list(content.changes), encoding)
        if cells.data:
            changed = {cell.document: self._cell(cell) for cell in cells.data}
            notebook.cells = [changed.get(cell.uri, cell) for cell in notebook.cells]

    def close_notebook(self, uri: str) -> Notebook | None:
        notebook = self.notebooks.pop(uri, None)
        if notebook is not None:
            for cell in notebook.cells:
                self.texts.pop(cell.uri, None)
        return notebook

    def notebook_json(self, notebook: Notebook) -> str:
        """The notebook as the `.ipynb` text `torchlint check` reads (nbformat 4): its cells in
        order, numbered as an editor numbers them, code cells in another language as raw."""
        cells = []
        for cell in notebook.cells:
            document = self.texts.get(cell.uri)
            source = document.text if document is not None else ""
            cells.append({"cell_type": "code" if cell.code else "raw", "metadata": {}, "source": source,
                          **({"outputs": [], "execution_count": None} if cell.code else {})})
        return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}},
                           "nbformat": 4, "nbformat_minor": 5})

    # -- a round's snapshot

    def buffers(self) -> dict[str, str]:
        """Absolute path -> unsaved text of every open Python document and notebook."""
        return {path: text for path, (_, text) in self.open_files().items()}

    def open_files(self) -> dict[str, tuple[str, str]]:
        """Absolute path -> (uri, unsaved text) of every open Python document and notebook."""
        found: dict[str, tuple[str, str]] = {}
        for document in self.texts.values():
            if self.linted(document):
                path = uri_to_path(document.uri, self.root)
                if path is not None:
                    found[path] = (document.uri, document.text)
        for notebook in self.notebooks.values():
            path = uri_to_path(notebook.uri, self.root)
            if path is not None:
                found[path] = (notebook.uri, self.notebook_json(notebook))
        return found
