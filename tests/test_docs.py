"""The generated rule pages are up to date, and every finding links to one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from torchlint import docs, lint_sources
from torchlint.findings import DOCS_URL
from torchlint.rules import ALL_RULES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = os.path.join(REPO, "docs", "rules")


def test_generated_pages_are_fresh():
    problems = docs.stale(PAGES)
    assert problems == [], "docs/rules is stale; run `python -m torchlint.docs`: " + "; ".join(problems)


def test_check_mode_detects_a_stale_page(tmp_path):
    docs.write(str(tmp_path))
    assert docs.stale(str(tmp_path)) == []
    (tmp_path / "TL001.md").write_text("outdated\n")
    (tmp_path / "TL999.md").write_text("no such rule\n")
    result = subprocess.run([sys.executable, "-m", "torchlint.docs", "--check", "--dir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "TL001.md: differs" in result.stderr and "TL999.md" in result.stderr


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_page_with_its_docs(rule):
    path = os.path.join(PAGES, docs.page_name(rule.code))
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert rule.docs.strip() in text
    assert f"Severity: {rule.severity.value}" in text


def test_finding_url_points_at_the_rule_page():
    findings = lint_sources({"a.py": "import torch.nn.functional as F\n\n"
                                     "def f(x, y):\n    return F.nll_loss(F.softmax(x, dim=1), y)\n"})
    assert [f.code for f in findings] == ["TL004"]
    url = findings[0].url
    assert url == DOCS_URL.format(code="TL004")
    relative = url.split("/blob/main/", 1)[1]
    assert os.path.isfile(os.path.join(REPO, relative))


def test_readme_rule_table_lists_every_rule():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    table = readme.split("## Rules", 1)[1].split("\n\n`torchlint rule", 1)[0]
    for rule in ALL_RULES:
        assert f"| {rule.code} | `{rule.name}`" in table, rule.code
        row = next(line for line in table.splitlines() if line.startswith(f"| {rule.code} "))
        assert f"| {rule.severity.value}" in row, rule.code


def test_readme_and_the_rule_page_give_the_measured_gradient_figure():
    """README's TL001 paragraph and `torchlint rule TL001` state one figure, and it is what torch
    measures: five classes, the right class 5 logits behind, the gradient on softmax outputs is
    about 80x smaller than on the logits."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    logits = torch.zeros(1, 5)
    logits[0, 0] = 5.0
    target = torch.tensor([1])
    direct = logits.clone().requires_grad_()
    F.cross_entropy(direct, target).backward()
    doubled = logits.clone().requires_grad_()
    F.cross_entropy(F.softmax(doubled, dim=1), target).backward()
    ratio = direct.grad.abs().mean() / doubled.grad.abs().mean()
    assert 75 <= ratio <= 85
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = " ".join(handle.read().split())
    page = subprocess.run([sys.executable, "-m", "torchlint", "rule", "TL001"], capture_output=True, text=True).stdout
    page = " ".join(page.split())
    for text in (readme, page):
        assert "5 logits behind" in text and "about 80x smaller" in text
        assert "100x" not in text and "90x" not in text
    assert "0.905" in readme and "0.905" in page
