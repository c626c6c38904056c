"""GitLab CI Code Quality report: a JSON array of Code Climate issues.

`fingerprint` is stable across unrelated edits (see `torchlint.fingerprint`),
so GitLab can tell new findings in a merge request from old ones.
"""

from __future__ import annotations

import json
from typing import Iterable

from ..findings import Finding
from ..fingerprint import fingerprints
from ..sources import SourceCache

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(findings: Iterable[Finding]) -> str:
    issues = []
    sources = SourceCache()
    for finding, fingerprint in fingerprints(findings):
        # GitLab shows the file itself: in a notebook, the .ipynb line the cell's line is on.
        begin = sources.file_row(finding.filename, finding.location.row, finding.cell)
        end = sources.file_row(finding.filename, max(finding.location.row, finding.end_location.row), finding.cell)
        description = f"{finding.code} {finding.message}"
        if finding.cell is not None:
            description = f"{finding.code} (cell {finding.cell}, line {finding.location.row}) {finding.message}"
        issues.append(
            {
                "type": "issue",
                "check_name": f"{finding.code} {finding.name}",
                "description": description,
                "categories": ["Bug Risk"],
                "severity": SEVERITIES[finding.severity.value],
                "fingerprint": fingerprint,
                "location": {
                    "path": finding.filename.replace("\\", "/"),
                    "lines": {"begin": begin, "end": max(begin, end)},
                },
            }
        )
    return json.dumps(issues, indent=2) + "\n"
