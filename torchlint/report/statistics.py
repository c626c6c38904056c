"""`--statistics`: how many findings of each rule, most frequent first."""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

from ..findings import Finding


def render(findings: Iterable[Finding], *, json_output: bool = False, hidden: int = 0) -> str:
    """`hidden`: how many findings a baseline left out (said when none are left)."""
    findings = list(findings)
    counts = Counter(finding.code for finding in findings)
    names = {finding.code: finding.name for finding in findings}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if json_output:
        return json.dumps([{"code": code, "name": names[code], "count": count} for code, count in rows], indent=2) + "\n"
    if not rows:
        from .text import all_passed

        return all_passed(hidden)
    width = max(len(str(count)) for _, count in rows)
    return "".join(f"{count:>{width}}  {code}  {names[code]}\n" for code, count in rows)
