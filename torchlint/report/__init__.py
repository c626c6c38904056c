"""Reporters: pure functions from a list of findings to the text a user reads.

`render(format, findings, ...)` dispatches on `--output-format`.
"""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding
from .locations import where  # noqa: F401  (re-exported)

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")


def render(output_format: str, findings: Iterable[Finding], *, color: bool = False, verbose: bool = False,
           hidden: int = 0, quiet: bool = False) -> str:
    """`hidden` (findings a baseline left out) and `quiet` (no summary) shape `text` and
    `concise` only; the other formats are for machines."""
    findings = list(findings)
    if output_format == "json":
        from . import json

        return json.render(findings, verbose=verbose)
    if output_format == "concise":
        from . import concise

        return concise.render(findings, color=color, hidden=hidden, quiet=quiet)
    if output_format == "sarif":
        from . import sarif

        return sarif.render(findings)
    if output_format == "github":
        from . import github

        return github.render(findings)
    if output_format == "gitlab":
        from . import gitlab

        return gitlab.render(findings)
    if output_format == "junit":
        from . import junit

        return junit.render(findings)
    from . import text

    return text.render(findings, color=color, hidden=hidden, quiet=quiet)
