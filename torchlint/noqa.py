"""`--add-noqa`: a `# noqa: TLxxx` comment on the line of each finding, to adopt torchlint on
an existing codebase (ruff's `--add-noqa`).

The comment goes where `suppress.py` reads it: on the finding's primary row, as a comment
token of that physical line. Codes are merged into a `# noqa: ...` already there (`# noqa:
E501` -> `# noqa: E501, TL001`); any other comment is kept and the directive follows it. A
row that cannot end in a comment (it ends inside a multi-line string, or in a `\\`
continuation) is left alone and reported. Every edit is checked before the file is written:
the new text must parse and each added code must be suppressed there, as the next run will
read it. So a second run adds nothing.

Never touched: a file that does not parse (its findings come from a recovered text), a
notebook (findings are in cell coordinates), a file that changed on disk meanwhile, and what
`fix.py` refuses to write (links outside the linted paths, hard links, read-only files);
writes are `fix.py`'s atomic ones, in the file's own encoding and line endings.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .findings import Finding
from .fix import read_source, write_fixed
from .lines import python_lines
from .parsing import parses
from .suppress import NOQA, Suppressions

_BREAK = re.compile(r"(\r\n|\r|\n)")
# Findings that a `# noqa` should not be added for: a file that cannot be read or parsed
# (TL000) is never edited, and an unused suppression (TL100) is not silenced by another.
_NOT_SUPPRESSED = ("TL000", "TL100")


@dataclass
class NoqaResult:
    """What `add_noqa` did: the lines given a code per file, files left alone (with why), and
    the findings whose line cannot take a comment (with why)."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unplaceable: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.added.values())


def add_noqa(findings: Iterable[Finding], paths: Sequence[str]) -> NoqaResult:
    """Add `# noqa: CODE` for every finding, file by file. `paths`: the paths the user named
    (a symbolic link is written through only to a file under them, as `--fix` does)."""
    result = NoqaResult()
    by_file: dict[str, dict[int, set[str]]] = {}
    broken: set[str] = set()
    anchors: dict[tuple[str, int], list[Finding]] = {}
    for finding in findings:
        if finding.code == "TL000":
            broken.add(finding.filename)
        if finding.source != "static" or finding.code in _NOT_SUPPRESSED:
            continue
        by_file.setdefault(finding.filename, {}).setdefault(finding.location.row, set()).add(finding.code)
        anchors.setdefault((finding.filename, finding.location.row), []).append(finding)
    allowed = [os.path.realpath(path) for path in paths]
    written: set[str] = set()
    for path in sorted(by_file):
        if path in broken:
            result.skipped[path] = "it does not parse (fix its syntax error first)"
            continue
        if not path.endswith((".py", ".pyi")):
            result.skipped[path] = "a notebook (add the comments in its cells)"
            continue
        source = read_source(path)
        if source is None:
            result.skipped[path] = "it cannot be read or decoded"
            continue
        if not parses(path, source.text):
            result.skipped[path] = "it does not parse"
            continue
        text, added, refused = _with_noqa(source.text, by_file[path])
        for row, why in refused.items():
            result.unplaceable += [(finding, why) for finding in anchors[(path, row)]]
        if not added:
            continue
        if not parses(path, text):  # never expected: then nothing is written
            result.skipped[path] = "the comments would break it"
            continue
        problem = write_fixed(path, source, text, allowed, written)
        if problem is not None:
            result.skipped[path] = problem
            continue
        result.added[path] = added
    return result


def _with_noqa(text: str, rows: dict[int, set[str]]) -> tuple[str, int, dict[int, str]]:
    """`text` with each row's codes in a `# noqa` comment: the new text, how many lines were
    given a code, and the rows left alone with why."""
    pieces = _BREAK.split(text)  # line, break, line, break, ..., the text after the last break
    lines = list(zip(pieces[0::2], [*pieces[1::2], ""]))
    if lines and lines[-1] == ("", ""):
        lines.pop()
    comments, open_rows = _comment_map(text)
    refused: dict[int, str] = {}
    edited: dict[int, tuple[str, list[str]]] = {}
    for row, codes in sorted(rows.items()):
        if not 1 <= row <= len(lines):
            refused[row] = "the line is not in the file any more"
            continue
        line = lines[row - 1][0]
        if row in open_rows:
            refused[row] = "the line ends inside a multi-line string, where no comment can go (baseline it instead)"
            continue
        comment = comments.get(row)
        if comment is None and line.endswith("\\"):
            refused[row] = "the line ends in a `\\` continuation, where no comment can go"
            continue
        new_line, new_codes = _merge(line, comment, sorted(codes))
        if new_codes:
            edited[row] = (new_line, new_codes)
    # Each added code must be read as suppressing its finding, as the next run will read it.
    candidate = [(edited[row][0] if row in edited else line, ending) for row, (line, ending) in
                 enumerate(lines, start=1)]
    suppressions = Suppressions(python_lines("".join(line + ending for line, ending in candidate)))
    added = 0
    for row, (new_line, new_codes) in edited.items():
        if all(suppressions.suppress(row, code) for code in new_codes):
            added += 1
        else:
            candidate[row - 1] = lines[row - 1]
            refused[row] = "a comment there would not be read as a suppression"
    return "".join(line + ending for line, ending in candidate), added, refused


def _merge(line: str, comment: tuple[int, str] | None, codes: list[str]) -> tuple[str, list[str]]:
    """`line` with `codes` suppressed, and the codes that had to be added."""
    if comment is None:
        return _append(line, codes), codes
    column, text = comment
    match = NOQA.search(text)
    if match is None:  # another comment: the directive goes after it
        return _append(line, codes), codes
    if match.group("colon") is None:
        return line, []  # a blanket `# noqa` suppresses everything already
    listed = match.group("codes")
    present = {code.upper() for code in re.split(r"[\s,]+", listed or "") if code}
    missing = [code for code in codes if code not in present]
    if not missing:
        return line, []
    start = column + match.start()
    if listed:
        at = column + match.start("codes") + len(listed)
        return line[:at] + ", " + ", ".join(missing) + line[at:], missing
    # `# noqa:` with no code (which suppresses nothing): give it the codes.
    end = column + match.end()
    rest = line[end:]
    return line[:start] + f"# noqa: {', '.join(missing)}" + (" " if rest[:1] not in ("", " ", "\t") else "") + rest, \
        missing


def _append(line: str, codes: list[str]) -> str:
    return line.rstrip(" \t") + "  # noqa: " + ", ".join(codes)


def _comment_map(text: str) -> tuple[dict[int, tuple[int, str]], set[int]]:
    """The comment of each row (its 0-based column and text), and the rows whose end lies inside
    a token that goes on to the next row (a multi-line string, an f-string's text)."""
    comments: dict[int, tuple[int, str]] = {}
    open_rows: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = (token.start[1], token.string)
        elif token.start[0] < token.end[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
            open_rows.update(range(token.start[0], token.end[0]))
    return comments, open_rows
