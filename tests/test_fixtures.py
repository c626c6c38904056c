"""`torchlint fixtures/` must report exactly the `# expect:` markers in fixtures/.

Each fixture line where a finding must start ends with `# expect: TL001`
(several codes: `# expect: TL001, TL002`). Findings that need whole-project
flow live under `cross_file/`.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

import torchlint

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

CODES = r"TL\d{3}(?:\s*,\s*TL\d{3})*"
EXPECT = re.compile(r"#\s*expect:\s*(" + CODES + r")")


def _codes(text: str) -> set[str]:
    return {code.strip() for code in text.split(",")}


def markers(path: Path, pattern: re.Pattern[str] = EXPECT) -> set[tuple[int, str]]:
    found = set()
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in pattern.finditer(line):
            found.update((row, code) for code in _codes(match.group(1)))
    return found


FIXTURE_FILES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.py"))


def _rel(filename: str) -> str:
    return Path(os.path.abspath(filename)).relative_to(FIXTURES).as_posix()


@pytest.fixture(scope="module")
def result() -> torchlint.LintResult:
    return torchlint.lint_paths([str(FIXTURES)])


@pytest.fixture(scope="module")
def by_file(result) -> dict[str, list[torchlint.Finding]]:
    grouped: dict[str, list[torchlint.Finding]] = defaultdict(list)
    for finding in result.findings:
        grouped[_rel(finding.filename)].append(finding)
    return grouped


def test_fixture_tree_is_complete():
    # Guards against an empty parametrization silently passing.
    assert len(FIXTURE_FILES) >= 15
    assert any(f.startswith("project/") for f in FIXTURE_FILES)
    assert any(f.startswith("cross_file/") for f in FIXTURE_FILES)
    for prefix in ("tl001_", "tl002_", "tl003_", "clean_"):
        assert any(f.startswith("examples/" + prefix) for f in FIXTURE_FILES), prefix


def test_every_fixture_is_linted(result):
    assert sorted(_rel(f) for f in result.files) == FIXTURE_FILES


def test_markers_only_in_expected_places():
    for name in FIXTURE_FILES:
        path = FIXTURES / name
        if name.startswith("examples/clean_"):
            assert not markers(path), f"{name}: clean examples carry no markers"
        if name.startswith("examples/tl00"):
            code = "TL" + name.split("/")[1][2:5]
            assert code in {c for _, c in markers(path)}, f"{name} shows no {code}"


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_findings_match_markers(name, by_file):
    path = FIXTURES / name
    expected = markers(path)
    actual = {(f.location.row, f.code) for f in by_file.get(name, [])}
    lines = path.read_text(encoding="utf-8").splitlines()

    def show(items):
        return "\n".join(f"  {name}:{row} {code}  | {lines[row - 1].strip()}" for row, code in sorted(items))

    missing, unexpected = expected - actual, actual - expected
    assert not missing and not unexpected, (
        f"\nmissing (marked, not reported):\n{show(missing)}\nunexpected (reported, not marked):\n{show(unexpected)}"
        + "".join(f"\n  message {f.location.row}: {f.message}" for f in by_file.get(name, []))
    )


def test_flow_findings_have_related_loss(result):
    """TL001/TL003 point at the activation and name the loss it reaches as related."""
    linted = {os.path.abspath(f) for f in result.files}
    for finding in result.findings:
        if finding.code not in ("TL001", "TL003"):
            continue
        where = f"{_rel(finding.filename)}:{finding.location.row}"
        assert finding.related, f"{where}: no related location"
        for related in finding.related:
            assert os.path.abspath(related.filename) in linted, f"{where}: related file {related.filename}"
            n_lines = len(Path(related.filename).read_text(encoding="utf-8").splitlines())
            assert 1 <= related.location.row <= n_lines, f"{where}: related row {related.location.row}"
            assert related.message, f"{where}: related location without a message"
        # "... reaches nn.CrossEntropyLoss at train.py:42": the message names the loss's row.
        assert any(f":{r.location.row}" in finding.message for r in finding.related), (
            f"{where}: message does not name the loss location: {finding.message!r}"
        )


def test_severities(result):
    expected = {"TL000": "error", "TL001": "error", "TL002": "warning", "TL003": "error"}
    for finding in result.findings:
        assert finding.severity.value == expected[finding.code], (finding.code, finding.severity)


def test_deterministic():
    first = torchlint.lint_paths([str(FIXTURES)]).findings
    second = torchlint.lint_paths([str(FIXTURES)]).findings
    key = [(f.filename, f.location, f.code, f.message) for f in first]
    assert key == [(f.filename, f.location, f.code, f.message) for f in second]
