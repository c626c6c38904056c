"""Human-readable report, in the shape of ruff's full output format, file by file.

In a notebook the position reads `analysis.ipynb:cell 3:2:5`.

    train.py:12:28: TL001 F.softmax output is fed to F.cross_entropy, ...
       |
    12 |     loss = F.cross_entropy(F.softmax(logits, dim=1), y)
       |                            ^^^^^^^^^^^^^^^^^^^^^^^^ TL001
       |
       = note: train.py:12:12: F.cross_entropy applies log_softmax itself

    Found 1 finding (1 error).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Callable, Iterable

import click

from ..findings import Finding, Severity
from ..sources import SourceCache
from ..lines import printable
from .locations import where

SEVERITY_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
TAB_WIDTH = 4

# click.style's signature: (text, fg=..., bold=...) -> text, styled or not.
Painter = Callable[..., str]


def render(findings: Iterable[Finding], *, color: bool = False, hidden: int = 0, quiet: bool = False) -> str:
    """The whole report: each finding with its excerpt, then a summary line.

    `hidden`: how many findings a baseline left out (the summary says so); `quiet`: the
    findings only, no summary (`--quiet`: nothing at all when there are none).
    """
    paint = _painter(color)
    findings = sorted(findings, key=Finding.sort_key)
    if not findings:
        return "" if quiet else all_passed(hidden, color)
    sources = SourceCache()
    blocks = [_render_finding(finding, sources, paint) for finding in findings]
    return "\n".join(blocks) + ("" if quiet else "\n" + summary(findings, hidden) + "\n")


def all_passed(hidden: int = 0, color: bool = False) -> str:
    """`All checks passed!`, and how many findings the baseline hid, if any."""
    paint = _painter(color)
    hid = f" ({_plural(hidden, 'finding')} hidden by the baseline)" if hidden else ""
    return paint("All checks passed!", fg="green", bold=True) + hid + "\n"


def _render_finding(finding: Finding, sources: SourceCache, paint: Painter) -> str:
    row, column = finding.location.row, finding.location.column
    severity_color = SEVERITY_COLORS[finding.severity]
    cell = f":cell {finding.cell}" if finding.cell is not None else ""
    header = (
        paint(printable(finding.filename), bold=True)
        + f"{cell}:{row}:{column}: "
        + paint(finding.code, fg=severity_color, bold=True)
        + f" {printable(finding.message)}"
    )
    lines = [header]
    gutter = " " * len(str(row))
    source_line = sources.line(finding.filename, row, finding.cell)
    if source_line is not None:
        caret_start = _display_width(printable(source_line[: column - 1]))
        carets = "^" * _caret_length(finding, source_line)
        lines += [
            paint(f"{gutter} |", fg="blue"),
            paint(f"{row} |", fg="blue") + " " + printable(source_line).expandtabs(TAB_WIDTH).rstrip(),
            paint(f"{gutter} |", fg="blue") + " " * (caret_start + 1) + paint(f"{carets} {finding.code}", fg=severity_color),
            paint(f"{gutter} |", fg="blue"),
        ]
    for related in finding.related:
        at = where(related.filename, related.location, related.cell)
        lines.append(f"{gutter} = " + paint("note", bold=True) + f": {at}: {printable(related.message)}")
    return "\n".join(lines) + "\n"


def _caret_length(finding: Finding, source_line: str) -> int:
    """Underline the finding's span on its first line, at least one character."""
    start = finding.location.column - 1
    if finding.end_location.row == finding.location.row:
        end = finding.end_location.column - 1
    else:
        end = len(source_line.rstrip())
    return max(1, _display_width(printable(source_line[start:end])))


def summary(findings: list[Finding], hidden: int = 0) -> str:
    """The closing line: `Found 3 findings (2 errors, 1 warning).` (the concise format's too);
    `...; 4 more hidden by the baseline.` when a baseline left some out."""
    counts = Counter(finding.severity for finding in findings)
    by_severity = ", ".join(
        _plural(counts[severity], severity.value)
        for severity in sorted(counts, key=lambda severity: -severity.rank)
    )
    more = f"; {hidden} more hidden by the baseline" if hidden else ""
    return f"Found {_plural(len(findings), 'finding')} ({by_severity}){more}."


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 or noun == "info" else f"{count} {noun}s"


def _display_width(text: str) -> int:
    """Columns `text` takes in a terminal: tabs expand, wide characters take two."""
    width = 0
    for char in text:
        if char == "\t":
            width += TAB_WIDTH - width % TAB_WIDTH
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 2
        elif not unicodedata.combining(char):
            width += 1
    return width


def _painter(color: bool) -> Painter:
    if color:
        return click.style
    return lambda text, **_style: text
