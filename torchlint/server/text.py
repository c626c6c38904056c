"""Text positions as LSP counts them, and edits on text. No pygls here.

Findings carry 1-based rows and 1-based columns in code points; LSP positions are 0-based
lines and, within a line, code units of the negotiated encoding (UTF-16 unless the client
offers UTF-8 or UTF-32). Lines break where Python (and LSP) break them: `\\n`, `\\r\\n`, `\\r`
only (`lines.python_lines`; never `str.splitlines`, which also breaks at form feeds and
U+2028).
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"\r\n|\r|\n")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks; a text ending in a break has a last empty
    line (LSP can address it: an edit that appends there)."""
    return _BREAK.split(text)


def line_starts(text: str) -> list[int]:
    """The string index where each line starts."""
    return [0] + [match.end() for match in _BREAK.finditer(text)]


def units(prefix: str, encoding: str) -> int:
    """How many code units of `encoding` `prefix` takes."""
    if encoding == UTF32:
        return len(prefix)
    if encoding == UTF8:
        return len(prefix.encode("utf-8", "surrogatepass"))
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2


def to_units(line: str, column: int, encoding: str) -> int:
    """0-based code-point `column` in `line` -> code units (a column past the end: the end)."""
    return units(line[:max(0, column)], encoding)


def from_units(line: str, character: int, encoding: str) -> int:
    """Code units from the start of `line` -> 0-based code-point column (inside a character:
    that character; past the end: the end)."""
    if encoding == UTF32:
        return min(max(0, character), len(line))
    counted = 0
    for index, char in enumerate(line):
        if counted >= character:
            return index
        counted += units(char, encoding)
    return len(line)


def offset(text: str, line: int, character: int, encoding: str, starts: list[int] | None = None) -> int:
    """An LSP position (0-based line, code units) -> string index into `text`; a position past
    the end of a line is its end, past the last line the end of the text."""
    starts = starts if starts is not None else line_starts(text)
    if line >= len(starts):
        return len(text)
    if line < 0:
        return 0
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    row = _BREAK.sub("", text[start:end])
    return start + from_units(row, character, encoding)


def apply_change(text: str, start: tuple[int, int], end: tuple[int, int], new: str, encoding: str) -> str:
    """`text` with the LSP range `start`-`end` ((line, character) pairs) replaced by `new`."""
    starts = line_starts(text)
    first = offset(text, *start, encoding, starts)
    last = max(first, offset(text, *end, encoding, starts))
    return text[:first] + new + text[last:]
