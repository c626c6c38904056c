"""SARIF 2.1.0 (the format GitHub code scanning uploads), valid against the official schema.

One run; `tool.driver.rules` lists every rule with its help text and URI;
each result has its primary location, the related locations (the loss a
softmax reaches, the helper calls on the way), a fix when there is one, and
a `partialFingerprints` entry that survives unrelated edits.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable
from urllib.parse import quote

from ..version import __version__
from ..findings import DOCS_URL, Finding, Location
from ..fingerprint import fingerprints
from ..rules import ALL_RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> dict[str, str]:
    path = path.replace("\\", "/")
    if os.path.isabs(path):
        return {"uri": "file://" + quote(path if path.startswith("/") else "/" + path)}
    return {"uri": quote(os.path.normpath(path).replace("\\", "/")), "uriBaseId": "%SRCROOT%"}


def _region(location: Location, end: Location | None) -> dict[str, int]:
    region = {"startLine": max(1, location.row), "startColumn": max(1, location.column)}
    if end is not None and (end.row, end.column) >= (location.row, location.column):
        region["endLine"] = max(1, end.row)
        region["endColumn"] = max(1, end.column)
    return region


def _physical(filename: str, location: Location, end: Location | None, cell: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _uri(filename), "region": _region(location, end)}
    if cell is not None:
        physical["region"]["properties"] = {"cell": cell}
    return physical


def _rule(rule_cls) -> dict[str, Any]:
    return {
        "id": rule_cls.code,
        "name": rule_cls.name,
        "shortDescription": {"text": rule_cls.summary},
        "fullDescription": {"text": rule_cls.summary},
        "help": {"text": rule_cls.full_docs(), "markdown": rule_cls.full_docs()},
        "helpUri": DOCS_URL.format(code=rule_cls.code),
        "defaultConfiguration": {"level": LEVELS[rule_cls.severity.value]},
        "properties": {"tags": ["pytorch", "correctness"], "fixable": rule_cls.fixable or "none"},
    }


def _result(finding: Finding, fingerprint: str, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [
            {"physicalLocation": _physical(finding.filename, finding.location, finding.end_location, finding.cell)}
        ],
        "partialFingerprints": {"torchlint/v1": fingerprint},
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": index,
                "physicalLocation": _physical(related.filename, related.location, related.end_location, related.cell),
                "message": {"text": related.message},
            }
            for index, related in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": _uri(finding.filename),
                        "replacements": [
                            {
                                "deletedRegion": _region(edit.location, edit.end_location),
                                "insertedContent": {"text": edit.content},
                            }
                            for edit in finding.fix.edits
                        ],
                    }
                ],
            }
        ]
    if finding.cell is not None:
        result["properties"] = {"cell": finding.cell}
    return result


def render(findings: Iterable[Finding]) -> str:
    rules = [_rule(rule_cls) for rule_cls in ALL_RULES]
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    results = [_result(finding, fingerprint, rule_index) for finding, fingerprint in fingerprints(findings)]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "torchlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/torchlint/torchlint",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _cwd_uri()}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _cwd_uri() -> str:
    cwd = os.getcwd().replace("\\", "/")
    if not cwd.startswith("/"):
        cwd = "/" + cwd
    return "file://" + quote(cwd.rstrip("/") + "/")
