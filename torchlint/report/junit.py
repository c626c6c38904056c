"""JUnit XML: one test suite per file, one failed test case per finding (as ruff writes it)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from typing import Iterable

from ..findings import Finding
from ..lines import printable
from ..sources import SourceCache


def render(findings: Iterable[Finding]) -> str:
    findings = sorted(findings, key=Finding.sort_key)
    root = ET.Element("testsuites", name="torchlint", tests=str(max(1, len(findings))), failures=str(len(findings)), errors="0")
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="torchlint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No findings", classname="torchlint")
    sources = SourceCache()
    for raw_filename, group in itertools.groupby(findings, key=lambda finding: finding.filename):
        group = list(group)
        filename = printable(raw_filename)  # XML 1.0 has no way to write most control characters
        suite = ET.SubElement(
            root, "testsuite", name=filename, tests=str(len(group)), failures=str(len(group)), errors="0"
        )
        for finding in group:
            attributes = {
                "name": f"torchlint.{finding.code}",
                "classname": filename,
                "file": filename,
                # The file's own line (a notebook's .ipynb line); the failure text names the cell.
                "line": str(sources.file_row(finding.filename, finding.location.row, finding.cell)),
                "column": str(finding.location.column),
            }
            case = ET.SubElement(suite, "testcase", attributes)
            where = f"line {finding.location.row}, col {finding.location.column}"
            if finding.cell is not None:
                where = f"cell {finding.cell}, {where}"
            message = printable(finding.message)
            failure = ET.SubElement(case, "failure", message=message, type=finding.code)
            failure.text = f"{where}, {finding.code} {finding.name}: {message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
