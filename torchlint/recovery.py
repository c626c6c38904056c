"""Set aside the statements CPython cannot parse, so that the rest of a file can be analysed.

A Python 2 script (`print x`, `except E, e:`, `exec "..."`, backticks, `ur""`), a stray
indentation error or a statement half typed at the end of an editor's buffer make CPython
refuse the whole file. `recover` returns a text with the same lines, in which every line
outside the repaired regions is the original line unchanged (so every position outside them
is exact), and which CPython parses:

* a statement that does not parse becomes `pass` at its indentation, its other lines empty;
* a compound statement's header that does not parse becomes one that does, so that its body
  stays attached (`except E, e:` -> `except E as e:`, else `except Exception:`; `def f((a, b)):`
  -> `def f(*args, **kwargs):`; otherwise `if True:`); a decorator becomes an empty line;
* a stray indented block (unexpected indent, an unindent that matches no outer level, tabs
  mixed with spaces) becomes empty lines;
* a header without a body (`def f():` at the end of a buffer) gets ` pass` after its colon;
* a statement left open (a bracket or a triple-quoted string never closed) is set aside up to
  the next line indented no deeper than its start.

First, every logical line that looks like Python 2 and does not parse on its own is repaired
at once (a Python 2 script has hundreds of `print` statements); then CPython's parser is asked
again and again, each error repairing the statement it points at, within a budget of parses
(`MAX_PARSED_CHARS`). Text only, no LibCST: `parsing` parses the result.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MAX_REPAIRS = 200
# The parses one recovery may cost, in characters: a 100 kB file gets 200 tries, a 1 MB one 20.
MAX_PARSED_CHARS = 20_000_000

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


@dataclass(frozen=True)
class Recovery:
    """A text CPython parses, made from one it refused (see the module's doc)."""

    text: str
    # (first row, last row), 1-based: the lines set aside or rewritten, in order.
    regions: tuple[tuple[int, int], ...]
    # CPython's first error in the original text, which TL000 reports.
    message: str
    row: int
    column: int

    @property
    def lines_set_aside(self) -> int:
        return sum(end - start + 1 for start, end in self.regions)


@dataclass
class _Logical:
    start: int  # 0-based rows, inclusive
    end: int
    closed: bool  # ended by a line break outside brackets and strings, not by the end of the text
    colon: tuple[int, int] | None  # (row, column) of its last significant character when that is ':'


def _scan(lines: list[str]) -> tuple[list[_Logical], list[int | None]]:
    """The logical lines (brackets, strings, backslashes, comments) and the one holding each row."""
    logical: list[_Logical] = []
    of_row: list[int | None] = [None] * len(lines)
    start: int | None = None
    depth = 0
    quote = ""  # the delimiter of the string open across lines
    last: tuple[int, int, str] | None = None
    for row, line in enumerate(lines):
        i, n = 0, len(line)
        continued = escaped_end = False
        while i < n:
            char = line[i]
            if quote:
                if char == "\\":
                    escaped_end = i == n - 1
                    i += 2
                elif line.startswith(quote, i):
                    i += len(quote)
                    quote = ""
                    last = (row, i - 1, char)
                else:
                    i += 1
                continue
            if char == "#":
                break
            if char in " \t\f":
                i += 1
                continue
            if start is None:
                start = row
            if char in "'\"":
                quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else char
                i += len(quote)
                continue
            if char == "\\" and i == n - 1:
                continued = True
                break
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(0, depth - 1)
            last = (row, i, char)
            i += 1
        if len(quote) == 1 and not escaped_end:
            quote = ""  # an unterminated string ends with its line
        if start is not None:
            of_row[row] = len(logical)
            if depth == 0 and not quote and not continued:
                colon = (last[0], last[1]) if last is not None and last[2] == ":" else None
                logical.append(_Logical(start, row, True, colon))
                start, last = None, None
    if start is not None:
        colon = (last[0], last[1]) if last is not None and last[2] == ":" else None
        logical.append(_Logical(start, len(lines) - 1, False, colon))
    return logical, of_row


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t\f"))]


def _width(line: str) -> int:
    return len(_indent(line).expandtabs(8))


def _blank(line: str) -> bool:
    stripped = line.strip(" \t\f")
    return not stripped or stripped.startswith("#")


_COMPOUND = re.compile(r"(?:async\s+)?(if|elif|else|for|while|try|except|finally|with|def|class)\b")
_PY2 = re.compile(r"""
    ^(?:print|exec)\b(?!\s*(?:$|[(=.,)\]:;}#]|[-+*/%&|^<>!]=))   # print x, exec "code" (not print(...))
  | `                                                           # `x`: repr
  | \b[uU][rR]['"]                                              # ur"..."
  | <>
  | ^except\b[^#]*,                                             # except E, e:
  | ^raise\b[^#]*,                                              # raise E, "message"
  | (?<![\w.])0\d+\b | \b\d+[lL]\b                               # 0777, 10L
""", re.VERBOSE)


class _Repairer:
    def __init__(self, text: str) -> None:
        pieces = _LINE.findall(text)
        if pieces and pieces[-1] == ("", ""):
            pieces.pop()
        self.original = [content for content, _ in pieces]
        self.endings = [ending for _, ending in pieces]
        self.current = list(self.original)
        self.logical, self.of_row = _scan(self.original)
        self.regions: dict[int, tuple[int, list[str]]] = {}  # start row -> (end row, candidates left)
        self.padded: set[int] = set()  # rows that only gained ` pass` after their colon

    def changed(self) -> list[int]:
        """The rows (0-based) set aside or rewritten: not as they were, and not merely padded."""
        return [row for row, (now, then) in enumerate(zip(self.current, self.original))
                if now != then and row not in self.padded]

    def text(self) -> str:
        return "".join(line + ending for line, ending in zip(self.current, self.endings))

    # -- what a region may become

    def _candidates(self, item: _Logical) -> list[str]:
        first = self.original[item.start]
        indent, stripped = _indent(first), first.lstrip(" \t\f")
        if stripped.startswith("@"):
            return [""]
        keyword = _COMPOUND.match(stripped)
        header = item.colon is not None and item.colon[0] == item.end
        if not header and keyword is not None and item.closed:
            following = [other for other in self.logical if other.start > item.end][:1]
            header = bool(following) and _width(self.original[following[0].start]) > _width(first)
        candidates = []
        if header:
            word = keyword.group(1) if keyword else ""
            if word == "except":
                joined = " ".join(line.strip().rstrip("\\") for line in self.original[item.start:item.end + 1])
                old = re.match(r"except\s+(.+?)\s*,\s*([A-Za-z_]\w*)\s*:", joined)
                if old:
                    candidates.append(f"except {old[1]} as {old[2]}:")
                candidates.append("except Exception:")
            elif word in ("else", "finally", "try"):
                candidates.append(word + ":")
            elif word == "elif":
                candidates.append("elif True:")
            elif word in ("def", "class"):
                name = re.match(r"((?:async\s+)?)(?:def|class)\s+([A-Za-z_]\w*)", stripped)
                if name:
                    candidates.append(f"{name[1]}def {name[2]}(*args, **kwargs):" if word == "def"
                                      else f"class {name[2]}:")
            candidates.append("if True:")
        candidates = [indent + candidate for candidate in candidates]
        return [*candidates, indent + "pass", ""]

    def _apply(self, start: int, end: int, first: str) -> None:
        self.padded.difference_update(range(start, end + 1))
        self.current[start] = first
        for row in range(start + 1, end + 1):
            self.current[row] = ""

    def _repair(self, start: int, end: int, candidates: list[str]) -> bool:
        """Give rows start..end the next of their candidates (one not tried, not what is there)."""
        while candidates:
            first = candidates.pop(0)
            if first != self.current[start] or any(self.current[row] for row in range(start + 1, end + 1)):
                self.regions[start] = (end, candidates)
                self._apply(start, end, first)
                return True
        return False

    # -- Python 2, all at once

    def python2(self) -> None:
        for item in self.logical:
            if not item.closed:  # open to the end of the text: not one statement
                continue
            first = self.original[item.start].lstrip(" \t\f")
            rest = self.original[item.start + 1:item.end + 1]
            alone = "\n".join([first, *rest])
            if not _PY2.search(alone):
                continue
            before, after = _context(first, item)
            if _parses(before + alone + after):
                continue
            candidates = self._candidates(item)
            while candidates:
                candidate = candidates.pop(0)
                if not candidate or _parses(before + candidate.lstrip(" \t\f") + after):
                    self.regions[item.start] = (item.end, candidates)
                    self._apply(item.start, item.end, candidate)
                    break

    # -- one error at a time

    def fix(self, error: SyntaxError) -> bool:
        """Repair what `error` points at; False when nothing is left to try."""
        if not self.current:
            return False
        message = str(error.msg or "")
        row = min(max((error.lineno or 1) - 1, 0), len(self.current) - 1)
        header = re.search(r"expected an indented block after .* on line (\d+)", message)
        if header is not None and self._pad(int(header.group(1)) - 1):
            return True
        if isinstance(error, IndentationError) and "unexpected indent" in message:
            # Often the `pass` put before it, at an indentation that ends its block: empty it instead.
            above = row - 1
            while above >= 0 and _blank(self.current[above]):
                above -= 1
            region = self._region_at(above) if above >= 0 else None
            if region is not None and region[2] and self._repair(*region):
                return True
        while row >= 0:
            region = self._region_at(row)
            if region is not None:
                start, end, candidates = region
                if self._repair(start, end, candidates):
                    return True
                row = start - 1  # tried all it could be: the statement before it
                continue
            index = self.of_row[row]
            if index is None:  # an error on a blank line: the statement before it
                row -= 1
                continue
            item = self.logical[index]
            if isinstance(error, IndentationError) and header is None:  # incl. TabError
                repaired = self._set_aside_block(item)
            elif not item.closed:
                repaired = self._cut(item)
            else:
                repaired = self._repair(item.start, item.end, self._candidates(item))
            if repaired:
                return True
            row = item.start - 1
        return False

    def _region_at(self, row: int) -> tuple[int, int, list[str]] | None:
        for start, (end, candidates) in self.regions.items():
            if start <= row <= end:
                return start, end, candidates
        return None

    def _pad(self, row: int) -> bool:
        """`def f():` with no body: ` pass` after the colon, the text before it kept."""
        if not 0 <= row < len(self.current):
            return False
        if row in self.regions:
            line = self.current[row]
            if line.endswith(":"):
                self.current[row] = line + " pass"
                return True
            return False
        index = self.of_row[row]
        if index is None:
            return False
        item = self.logical[index]
        if item.start != row or item.colon is None or self.current[item.colon[0]] != self.original[item.colon[0]]:
            return False
        colon_row, column = item.colon
        line = self.current[colon_row]
        if line[column + 1:column + 6] == " pass":
            return False
        self.current[colon_row] = line[:column + 1] + " pass" + line[column + 1:]
        self.padded.add(colon_row)
        return True

    def _set_aside_block(self, item: _Logical) -> bool:
        """A stray indented statement and the lines indented at least as deep after it: empty."""
        width = _width(self.original[item.start])
        end = item.end
        for other in self.logical:
            if other.start <= item.end:
                continue
            if _width(self.original[other.start]) < width:
                break
            end = other.end
        return self._repair(item.start, end, [""])

    def _cut(self, item: _Logical) -> bool:
        """A statement still open at the end of the text: set aside up to the next line indented no
        deeper than its start or the statement before it (closing brackets excepted), then read the
        rest afresh."""
        width = _width(self.original[item.start])
        before = [other for other in self.logical if other.end < item.start][-1:]
        if before:
            width = max(width, _width(self.original[before[0].start]))
        end = item.end
        for row in range(item.start + 1, item.end + 1):
            line = self.original[row]
            if not _blank(line) and _width(line) <= width and line.lstrip()[:1] not in (")", "]", "}"):
                end = row - 1
                break
        if not self._repair(item.start, end, self._candidates(_Logical(item.start, end, True, None))):
            return False
        # The rows after the cut are statements of their own now: read the text again.
        self.logical, self.of_row = _scan(self.current)
        return True


def _context(first: str, item: _Logical) -> tuple[str, str]:
    """What a logical line needs around it to be parsed on its own."""
    before = ""
    word = _COMPOUND.match(first)
    if word is not None and word.group(1) in ("elif", "else"):
        before = "if 1:\n pass\n"
    elif word is not None and word.group(1) in ("except", "finally"):
        before = "try:\n pass\n"
    after = ""
    if item.colon is not None and item.colon[0] == item.end:
        after = "\n pass"
    elif first.startswith("@"):
        after = "\ndef _(): pass"
    return before, after + "\n"


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def recover(text: str, error: SyntaxError) -> Recovery | None:
    """A text of the same lines that CPython parses, every line outside the repaired regions
    unchanged; None when the budget runs out first. `error`: CPython's error on `text`."""
    repairer = _Repairer(text)
    repairer.python2()
    budget = max(3, min(MAX_REPAIRS, MAX_PARSED_CHARS // max(len(text), 1)))
    for _ in range(budget + 1):
        current = repairer.text()
        try:
            ast.parse(current)
        except SyntaxError as next_error:
            if "too many nested" in str(next_error.msg) or not repairer.fix(next_error):
                return None
            continue
        except (ValueError, RecursionError, MemoryError):
            return None
        regions: list[list[int]] = []
        for row in repairer.changed():
            if regions and regions[-1][1] == row:
                regions[-1][1] = row + 1
            else:
                regions.append([row + 1, row + 1])
        return Recovery(current, tuple((start, end) for start, end in regions), str(error.msg or "invalid syntax"),
                        error.lineno or 1, error.offset or 1)
    return None
