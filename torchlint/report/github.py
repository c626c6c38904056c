"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

    ::error file=train.py,line=12,col=28,endLine=12,endColumn=52,title=TL001 softmax-before-cross-entropy::message
"""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Iterable[Finding]) -> str:
    lines = []
    for finding in sorted(findings, key=Finding.sort_key):
        properties = [f"file={_property(finding.filename)}"]
        message = finding.message
        if finding.cell is None:
            properties += [f"line={finding.location.row}", f"col={finding.location.column}"]
            properties += [f"endLine={finding.end_location.row}", f"endColumn={finding.end_location.column}"]
        else:  # annotations have no notion of cells
            message = f"cell {finding.cell}, line {finding.location.row}: {message}"
        properties.append(f"title={_property(f'{finding.code} {finding.name}')}")
        level = LEVELS[finding.severity.value]
        lines.append(f"::{level} {','.join(properties)}::{_data(f'{finding.code} {message}')}")
    return "".join(line + "\n" for line in lines)
