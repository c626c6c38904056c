"""Every rule's own valid and invalid examples, run through the real engine (as Fixit does)."""

from __future__ import annotations

import textwrap

import pytest

from torchlint import lint_sources
from torchlint.rules import ALL_RULES
from torchlint.rules.base import EXPECT_MARKER, Example

# Reported by the engine itself, not by a check over the analysis.
ENGINE_RULES = {"TL000", "TL100"}
CHECKED_RULES = [rule for rule in ALL_RULES if rule.code not in ENGINE_RULES]


def _files(example: str | Example) -> dict[str, str]:
    if isinstance(example, Example) and example.files:
        return {path: textwrap.dedent(text) for path, text in example.files.items()}
    code = example.code if isinstance(example, Example) else example
    return {"example.py": textwrap.dedent(code)}


def _expected_lines(files: dict[str, str]) -> set[tuple[str, int]]:
    return {
        (path, number)
        for path, text in files.items()
        for number, line in enumerate(text.splitlines(), start=1)
        if line.rstrip().endswith(EXPECT_MARKER) or f"{EXPECT_MARKER}:" in line
    }


def _cases(kind: str):
    for rule in CHECKED_RULES:
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}")


@pytest.mark.parametrize("rule", CHECKED_RULES, ids=lambda r: r.code)
def test_rule_has_docs_and_examples(rule):
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert section in rule.docs, f"{rule.code} docs lack {section!r}"
    assert "https://pytorch.org/docs/" in rule.docs, f"{rule.code} docs cite no PyTorch documentation"
    assert rule.valid, f"{rule.code} has no valid examples"
    assert rule.invalid, f"{rule.code} has no invalid examples"
    assert rule.name.replace("-", "").isalnum() and rule.name == rule.name.lower()


@pytest.mark.parametrize("rule, example", list(_cases("valid")))
def test_valid_example_has_no_finding(rule, example):
    findings = [f for f in lint_sources(_files(example)) if f.code in (rule.code, "TL000")]
    assert findings == [], [f"{f.filename}:{f.location.row} {f.code} {f.message}" for f in findings]


@pytest.mark.parametrize("rule, example", list(_cases("invalid")))
def test_invalid_example_reports_marked_lines(rule, example):
    files = _files(example)
    expected = _expected_lines(files)
    assert expected, "invalid example marks no line with '# expect'"
    found = {(f.filename, f.location.row) for f in lint_sources(files) if f.code == rule.code}
    assert found == expected
