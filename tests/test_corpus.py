"""Training code shaped the way public PyTorch code is organised (issue #14).

Each directory under `tests/corpus/` is one program or multi-file project: a
`train(model, criterion, optimizer, loader)` script, a trainer class, a
Lightning-style module, a config-chosen criterion, HF-style outputs, a GAN
loop, distillation, multi-task heads... Every line where a finding must start
ends with `# expect: TL001` (several codes: `# expect: TL001, TL002`); every
other line must stay silent, so a directory without markers is a near-miss
negative. Each directory is linted as a user would lint it, from inside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_project_flow import expected_findings
from torchlint import lint_paths

CORPUS = Path(__file__).parent / "corpus"
# Rules whose finding names the loss (or consumer) the value reaches, and where.
FLOW_RULES = {"TL001", "TL003", "TL004", "TL005", "TL008", "TL009", "TL010"}


def programs() -> list[str]:
    return sorted(path.name for path in CORPUS.iterdir() if path.is_dir()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("program", programs())
def test_program_findings_match_markers(program: str, monkeypatch) -> None:
    root = CORPUS / program
    monkeypatch.chdir(root)
    findings = lint_paths(["."]).findings
    found = {(Path(f.filename).as_posix(), f.location.row, f.code) for f in findings}
    details = "\n".join(f"  {f.filename}:{f.location.row} {f.code} {f.message}" for f in findings)
    assert found == expected_findings(root), details
    for finding in findings:
        if finding.code in FLOW_RULES:
            loss = finding.related[0]
            assert f"{loss.filename}:{loss.location.row}" in finding.message, finding.message


def test_corpus_is_large_enough() -> None:
    names = programs()
    assert len(names) >= 40
    negatives = [name for name in names if not expected_findings(CORPUS / name)]
    assert len(negatives) >= 10, "near-miss negatives keep the reach honest"
