"""Fingerprints of findings that survive unrelated edits: no line numbers in them.

A finding's fingerprint hashes its code, its file, the text of its primary
line (whitespace-trimmed) and how many findings before it in the same file
share all of that. Inserting or deleting lines elsewhere keeps it; editing
the flagged line itself makes it a new finding. The baseline (`--baseline`)
and the GitLab Code Quality report use it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Iterable

from .findings import Finding
from .sources import SourceCache

BASELINE_VERSION = 1


def fingerprints(findings: Iterable[Finding], sources: SourceCache | None = None) -> list[tuple[Finding, str]]:
    """Each finding with its fingerprint, in the report's order."""
    sources = sources or SourceCache()
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings, key=Finding.sort_key):
        line = sources.line(finding.filename, finding.location.row, finding.cell) or ""
        key = (finding.code, finding.filename.replace("\\", "/"), " ".join(line.split()))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256(json.dumps([*key, occurrence]).encode()).hexdigest()
        result.append((finding, digest[:32]))
    return result


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    entries = [
        {"fingerprint": fingerprint, "code": finding.code, "filename": finding.filename, "message": finding.message}
        for finding, fingerprint in fingerprints(findings)
    ]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"version": BASELINE_VERSION, "tool": "torchlint", "findings": entries}, handle, indent=2)
        handle.write("\n")
    return len(entries)


def read_baseline(path: str) -> set[str]:
    """The fingerprints in a baseline file; ValueError when it is not one."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except RecursionError as error:
            raise ValueError("not a torchlint baseline (JSON nested too deeply)") from error
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ValueError("not a torchlint baseline (no 'findings' list)")
    known = set()
    for number, entry in enumerate(data["findings"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ValueError(f"not a torchlint baseline (finding {number} has no 'fingerprint' string)")
        known.add(entry["fingerprint"])
    return known


def filter_baseline(findings: list[Finding], known: set[str]) -> list[Finding]:
    """The findings whose fingerprint is not in the baseline."""
    return [finding for finding, fingerprint in fingerprints(findings) if fingerprint not in known]
