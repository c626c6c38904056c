"""Suppression comments, as in flake8 and ruff, plus torchlint's own spelling.

On a finding's primary line:

* `# noqa` silences every rule; `# noqa: TL001` or `# noqa: TL001, TL002`
  (commas and/or spaces) silences only the codes listed;
* `# torchlint: ignore[TL001, TL002]` the same (bare `# torchlint: ignore`
  silences every rule).

Anywhere in a file, `# torchlint: skip-file` silences every finding in it.

`Suppressions` records which comments silenced something, so that
`--report-unused-noqa` can point at the ones that did not (TL100).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

NOQA = re.compile(
    r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)?)?",
    re.IGNORECASE,
)
IGNORE = re.compile(r"#\s*torchlint\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
SKIP_FILE = re.compile(r"#\s*torchlint\s*:\s*skip-file\b", re.IGNORECASE)
CODE_SEPARATOR = re.compile(r"[\s,]+")
# Every directive above contains one of these words.
_MAY_SUPPRESS = re.compile(r"noqa|torchlint", re.IGNORECASE)


def is_suppressed(line: str, code: str) -> bool:
    """Whether a suppression comment on `line` silences the rule `code`."""
    return any(directive.covers(code) for directive in _directives(line, 1))


@dataclass
class Directive:
    """One suppression comment: `codes` is None for a blanket one."""

    row: int
    column: int
    text: str
    codes: tuple[str, ...] | None
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> bool:
        return self.codes is None or code.upper() in self.codes

    def unused_codes(self) -> list[str] | None:
        """Codes that silenced nothing ([] when all were used); None: a blanket one, unused."""
        if self.codes is None:
            return [] if self.used else None
        return [code for code in self.codes if code.startswith("TL") and code not in self.used]


def _directives(text: str, row: int, column_offset: int = 0) -> list[Directive]:
    found = []
    for match in NOQA.finditer(text):
        if match.group("colon") is None:
            codes = None
        elif match.group("codes"):
            codes = tuple(code.upper() for code in CODE_SEPARATOR.split(match.group("codes")) if code)
        else:
            # `# noqa: <not a code>` is a typo, not a blanket suppression.
            codes = ()
        found.append(Directive(row, column_offset + match.start() + 1, match.group(0), codes))
    for match in IGNORE.finditer(text):
        listed = match.group("codes")
        codes = None if listed is None else tuple(c.upper() for c in CODE_SEPARATOR.split(listed) if c)
        found.append(Directive(row, column_offset + match.start() + 1, match.group(0), codes))
    return found


class Suppressions:
    """Every suppression comment of one file, by row."""

    def __init__(self, lines: list[str]) -> None:
        self.skip_file = False
        self.by_row: dict[int, list[Directive]] = {}
        source = "\n".join(lines) + "\n"
        if not _MAY_SUPPRESS.search(source):
            return  # no directive anywhere: skip tokenizing (most files)
        for row, column, comment in _comments(lines, source):
            if SKIP_FILE.search(comment):
                self.skip_file = True
            directives = _directives(comment, row, column)
            if directives:
                self.by_row.setdefault(row, []).extend(directives)

    def suppress(self, row: int, code: str) -> bool:
        """Whether `code` is silenced on `row`; marks the comments that did it as used."""
        if self.skip_file:
            return True
        hit = False
        for directive in self.by_row.get(row, ()):
            if directive.covers(code):
                directive.used.add(code.upper())
                hit = True
        return hit

    def directives(self) -> list[Directive]:
        return [directive for row in sorted(self.by_row) for directive in self.by_row[row]]


def _comments(lines: list[str], source: str) -> list[tuple[int, int, str]]:
    """(row, 0-based column, text) of each comment in `source` (`lines` joined);
    a line scan when tokenizing fails."""
    try:
        return [
            (token.start[0], token.start[1], token.string)
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        comments = []
        for row, line in enumerate(lines, start=1):
            index = line.find("#")
            if index >= 0:
                comments.append((row, index, line[index:]))
        return comments
