"""Changed-files mode: which lines differ from a git revision (`--diff-against REF`).

The whole project is still linted, so values flow through unchanged files;
only findings that touch a changed line (their primary line, or a related
location such as the loss a softmax reaches) are reported. New and untracked
files count as changed throughout, and so does any changed notebook.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Iterable

from .findings import Finding

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")

# path (absolute) -> changed rows, or None when the whole file counts as changed
Changes = dict[str, "set[int] | None"]


class DiffError(Exception):
    pass


def _git(args: list[str], cwd: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise DiffError(f"cannot run git: {error}") from error
    if result.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


def changed_lines(ref: str, cwd: str = ".") -> Changes:
    """Lines of the work tree that differ from the merge base of `ref` and HEAD."""
    root = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    try:
        base = _git(["merge-base", ref, "HEAD"], cwd).strip()
    except DiffError:
        base = _git(["rev-parse", "--verify", ref + "^{commit}"], cwd).strip()
    changes: Changes = {}
    current: str | None = None
    output = _git(["diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", base, "--"], root)
    for line in output.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            current = None if target == "/dev/null" else os.path.join(root, target[2:] if target.startswith("b/") else target)
            if current is not None and current.endswith(".ipynb"):
                changes[current] = None
            elif current is not None:
                changes.setdefault(current, set())
            continue
        match = HUNK.match(line)
        if match and current is not None and changes.get(current) is not None:
            start = int(match.group("start"))
            count = int(match.group("count")) if match.group("count") is not None else 1
            rows = changes[current]
            assert rows is not None
            # A pure deletion touches the lines around it.
            rows.update(range(start, start + count) if count else (start, start + 1))
    for path in _git(["ls-files", "--others", "--exclude-standard"], root).splitlines():
        changes[os.path.join(root, path)] = None
    return changes


def _touches(changes: Changes, filename: str, row: int) -> bool:
    path = os.path.realpath(os.path.abspath(filename))
    if path not in changes:
        return False
    rows = changes[path]
    return rows is None or row in rows


def filter_changed(findings: Iterable[Finding], changes: Changes) -> list[Finding]:
    changes = {os.path.realpath(path): rows for path, rows in changes.items()}
    kept = []
    for finding in findings:
        places = [(finding.filename, finding.location.row)]
        places += [(related.filename, related.location.row) for related in finding.related]
        if any(_touches(changes, filename, row) for filename, row in places):
            kept.append(finding)
    return kept
