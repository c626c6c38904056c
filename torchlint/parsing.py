"""Read and parse one file, once. Parse failures are data, not exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


@dataclass
class ParsedModule:
    path: str
    module: cst.Module
    text: str
    _positions: Any = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    def position_of(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(row, column, end_row, end_column), 1-based rows and columns.

        PositionProvider costs more than the parse itself, so it runs only for
        modules that turn out to have something to report.
        """
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        code_range = self._positions[node]
        return (code_range.start.line, code_range.start.column + 1, code_range.end.line, code_range.end.column + 1)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines


@dataclass
class ParseFailure:
    path: str
    message: str
    row: int = 1
    column: int = 1


def decode(data: bytes) -> str:
    """Decode source bytes as Python does: BOM, then PEP 263 cookie, then UTF-8."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_source(path: str, data: bytes | str) -> ParsedModule | ParseFailure:
    try:
        text = data if isinstance(data, str) else decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return ParseFailure(path, f"cannot decode file: {error}")
    if "\x00" in text:
        return ParseFailure(path, "file contains NUL bytes (not Python source)")
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
        return ParseFailure(path, f"syntax error: {message}", error.raw_line, error.raw_column + 1)
    except RecursionError:
        return ParseFailure(path, "too deeply nested to parse")
    except Exception as error:  # the native parser raises a few other types
        return ParseFailure(path, f"cannot parse: {type(error).__name__}: {error}")
    return ParsedModule(path, module, text)


def parse_file(path: str) -> ParsedModule | ParseFailure:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return ParseFailure(path, f"cannot read file: {error.strerror or error}")
    return parse_source(path, data)
