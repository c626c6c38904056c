"""Merge runtime findings (a `watch(report=...)` / `torchlint run --report` JSON file) into static ones.

A static finding seen again at runtime (same code, same file, and the same line at either end of
its evidence) is marked `confirmed`; runtime findings that match nothing are added, not confirmed
(nothing static saw them). No torch here.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Iterable

from ..findings import Finding, Location, Related, Severity


def load(path: str) -> list[Finding]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of findings")
    return [from_json(item) for item in data]


def from_json(item: dict[str, Any]) -> Finding:
    known = {"code", "name", "message", "severity", "filename", "location", "end_location", "url", "fix",
             "related", "source", "confirmed"}
    location = _location(item["location"])
    return Finding(
        code=item["code"],
        name=item.get("name", ""),
        message=item.get("message", ""),
        severity=Severity(item.get("severity", "error")),
        filename=item["filename"],
        location=location,
        end_location=_location(item.get("end_location") or item["location"]),
        related=tuple(
            Related(rel["filename"], _location(rel["location"]), rel.get("message", ""))
            for rel in item.get("related") or ()
        ),
        source=item.get("source", "runtime"),
        confirmed=bool(item.get("confirmed", False)),
        extra={key: value for key, value in item.items() if key not in known},
    )


def merge(static: Iterable[Finding], runtime: Iterable[Finding]) -> list[Finding]:
    merged = list(static)
    for seen in runtime:
        candidates = [index for index, finding in enumerate(merged)
                      if finding.source != "runtime" and _same(finding, seen)]
        if not candidates:
            merged.append(dataclasses.replace(seen, source="runtime", confirmed=False))
            continue
        # Two activations reaching one loss line share that end: the static finding at the runtime
        # one's own place first, then one not confirmed yet.
        index = min(candidates, key=lambda i: (not _same_place(merged[i], seen), merged[i].confirmed))
        finding = merged[index]
        extra = dict(finding.extra)
        if "runtime" in seen.extra:
            extra["runtime"] = seen.extra["runtime"]
        merged[index] = dataclasses.replace(finding, confirmed=True, extra=extra)
    return sorted(merged, key=Finding.sort_key)


def _same_place(static: Finding, seen: Finding) -> bool:
    return _same_file(static.filename, seen.filename) and static.location == seen.location


def _same(static: Finding, seen: Finding) -> bool:
    if static.code != seen.code:
        return False
    static_ends = {(static.filename, static.location.row)} | {(r.filename, r.location.row) for r in static.related}
    seen_ends = {(seen.filename, seen.location.row)} | {(r.filename, r.location.row) for r in seen.related}
    return any(_same_file(a, b) and row_a == row_b for a, row_a in static_ends for b, row_b in seen_ends)


def _same_file(a: str, b: str) -> bool:
    if a == b:
        return True
    real_a, real_b = os.path.realpath(a), os.path.realpath(b)
    if real_a == real_b:
        return True
    # Reports written from another working directory: match on the path's tail.
    parts_a, parts_b = real_a.split(os.sep), real_b.split(os.sep)
    tail = min(len(parts_a), len(parts_b), 3)
    return parts_a[-tail:] == parts_b[-tail:] and not a.startswith("<")


def _location(data: dict[str, int]) -> Location:
    return Location(int(data["row"]), int(data["column"]))
