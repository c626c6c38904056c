"""One line per finding: `train.py:12:28: TL001 message` (flake8's and ruff's concise shape)."""

from __future__ import annotations

from typing import Iterable

import click

from ..findings import Finding
from ..lines import printable
from .locations import where
from .text import SEVERITY_COLORS, all_passed, summary


def render(findings: Iterable[Finding], *, color: bool = False, hidden: int = 0, quiet: bool = False) -> str:
    """`hidden` and `quiet` as in `text.render`."""
    findings = sorted(findings, key=Finding.sort_key)
    if not findings:
        return "" if quiet else all_passed(hidden, color)
    lines = []
    for finding in findings:
        code = finding.code
        at = where(finding.filename, finding.location, finding.cell)
        if color:
            at = click.style(at, bold=True)
            code = click.style(code, fg=SEVERITY_COLORS[finding.severity], bold=True)
        lines.append(f"{at}: {code} {printable(finding.message)}")
    return "\n".join(lines) + "\n" + ("" if quiet else summary(findings, hidden) + "\n")
