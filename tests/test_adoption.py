"""Adopting torchlint in an existing codebase: baselines, changed-files mode, notebooks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from inprocess import torchlint
from test_cli import codes, double_softmax, implicit_dim, write

# Baseline


def test_baseline_reports_only_new_findings_and_survives_line_shifts(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": double_softmax(), "b.py": implicit_dim()})
    written = torchlint("--write-baseline", "torchlint-baseline.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "2 findings" in written.stderr
    assert torchlint("--baseline", "torchlint-baseline.json", cwd=tmp_path).returncode == 0

    # Unrelated edits: lines inserted above both baselined findings.
    for name in ("a.py", "b.py"):
        path = tmp_path / name
        path.write_text('"""A docstring."""\n\nimport os\n\n' + path.read_text())
    shifted = torchlint("--baseline", "torchlint-baseline.json", "--output-format", "json", cwd=tmp_path)
    assert shifted.returncode == 0 and json.loads(shifted.stdout) == []

    # A new finding, in a baselined file and in a new one, is reported.
    (tmp_path / "a.py").write_text((tmp_path / "a.py").read_text() + "\n\ndef g(z):\n    return F.softmax(z)\n")
    write(tmp_path, {"c.py": double_softmax()})
    new = torchlint("--baseline", "torchlint-baseline.json", "--output-format", "json", cwd=tmp_path)
    assert new.returncode == 1
    assert [(code, name) for code, name, _ in codes(new)] == [("TL002", "a.py"), ("TL001", "c.py")]


def test_missing_baseline_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": double_softmax()})
    result = torchlint("--baseline", "nope.json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("torchlint: error: nope.json: cannot read baseline")


# Changed-files mode


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True,
    )


MODEL = """\
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = nn.Softmax(dim=1)

        def forward(self, x):
            return self.act(self.fc(x))
    """
TRAIN = """\
    import torch.nn as nn
    from models import Net

    model = Net()


    def step(x, y):
        return model(x).sum()
    """


def test_diff_against_reports_only_findings_on_changed_lines(tmp_path: Path) -> None:
    write(tmp_path, {"old.py": implicit_dim(), "models.py": MODEL, "train.py": TRAIN})
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("add", ".", cwd=tmp_path)
    git("commit", "-qm", "base", cwd=tmp_path)
    git("checkout", "-qb", "feature", cwd=tmp_path)
    assert torchlint("--diff-against", "main", cwd=tmp_path).returncode == 0

    # Change train.py only: the finding sits in models.py (unchanged) but its
    # evidence is on the changed line, so it is reported; old.py's is not.
    train = (tmp_path / "train.py").read_text().replace("return model(x).sum()", "return nn.CrossEntropyLoss()(model(x), y)")
    (tmp_path / "train.py").write_text(train)
    write(tmp_path, {"new.py": double_softmax()})  # untracked: all of it is new
    result = torchlint("--diff-against", "main", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert sorted((code, name) for code, name, _ in codes(result)) == [("TL001", "models.py"), ("TL001", "new.py")]
    everything = torchlint("--output-format", "json", cwd=tmp_path)
    assert ("TL002", "old.py") in [(code, name) for code, name, _ in codes(everything)]


def test_diff_against_an_unknown_ref_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": implicit_dim()})
    git("init", "-q", cwd=tmp_path)
    result = torchlint("--diff-against", "no-such-ref", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("torchlint: error: ")


# Notebooks


def notebook(*cells: str | tuple[str, str]) -> str:
    def cell(item: str | tuple[str, str]) -> dict:
        kind, text = item if isinstance(item, tuple) else ("code", item)
        lines = text.splitlines(keepends=True)
        data = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            data.update(outputs=[], execution_count=None)
        return data

    document = {
        "cells": [cell(item) for item in cells],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1)


NOTEBOOK = notebook(
    "%matplotlib inline\n!pip install torch\nimport torch\nimport torch.nn.functional as F",
    ("markdown", "# Training\nSome *prose*."),
    "%%time\nthis is not python at all",
    "files = !ls\nlogits = torch.randn(8, 3)\nprobs = F.softmax(logits, dim=1)\nF.softmax?",
    "targets = torch.zeros(8, dtype=torch.long)\nif True:\n    %time x = 1\nloss = F.cross_entropy(probs, targets)",
)


def test_notebook_is_linted_across_cells(tmp_path: Path) -> None:
    write(tmp_path, {"analysis.ipynb": NOTEBOOK})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = json.loads(result.stdout)
    assert (finding["code"], finding["filename"], finding["cell"]) == ("TL001", "analysis.ipynb", 4)
    assert finding["location"] == {"row": 3, "column": 9}
    assert "at analysis.ipynb:cell 5:4," in finding["message"]
    [related] = finding["related"]
    assert related["cell"] == 5 and related["location"]["row"] == 4

    text = torchlint(cwd=tmp_path).stdout
    assert text.startswith("analysis.ipynb:cell 4:3:9: TL001 ")
    assert "3 | probs = F.softmax(logits, dim=1)" in text
    assert "note: analysis.ipynb:cell 5:4:" in text
    concise = torchlint("--output-format", "concise", cwd=tmp_path).stdout
    assert concise.startswith("analysis.ipynb:cell 4:3:9: TL001 ")


def test_notebook_findings_in_gitlab_and_junit_carry_the_ipynb_files_line(tmp_path: Path) -> None:
    """GitLab's Code Quality widget and JUnit viewers show the file itself: the line is the one in
    the .ipynb JSON where the cell's source line is written; the text still names the cell."""
    import xml.etree.ElementTree as ET

    write(tmp_path, {"analysis.ipynb": NOTEBOOK})
    ipynb_lines = NOTEBOOK.splitlines()
    expected = 1 + next(i for i, line in enumerate(ipynb_lines) if "probs = F.softmax(logits, dim=1)" in line)
    gitlab = json.loads(torchlint("--output-format", "gitlab", cwd=tmp_path).stdout)
    assert gitlab[0]["location"]["lines"] == {"begin": expected, "end": expected}
    assert "(cell 4, line 3)" in gitlab[0]["description"]
    junit = ET.fromstring(torchlint("--output-format", "junit", cwd=tmp_path).stdout)
    case = junit.find(".//testcase")
    assert case.get("line") == str(expected)
    assert case.find("failure").text.startswith("cell 4, line 3, col 9")


def test_notebook_file_lines_follow_the_json_whatever_its_layout() -> None:
    from torchlint.notebook import file_lines

    document = {
        "cells": [
            {"cell_type": "code", "metadata": {"source": "not this"}, "outputs": [{"text": ['"source": [']}],
             "source": ["a = 1\r\n", "b = 2\nc = 3\n", "\n", "d"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": "x = 1\ny = 2"},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    text = json.dumps(document, indent=1)
    lines = text.splitlines()
    row = lambda fragment: 1 + next(i for i, line in enumerate(lines) if fragment in line)
    assert file_lines(text) == {
        (1, 1): row('"a = 1'), (1, 2): row('"b = 2'), (1, 3): row('"b = 2'), (1, 4): row('"\\n"'),
        (1, 5): row('"d"'), (2, 1): row('"x = 1'), (2, 2): row('"x = 1'),
    }
    assert file_lines(json.dumps(document)) == {key: 1 for key in file_lines(text)}  # all on one line
    assert file_lines("{") == {}


def test_notebook_noqa_and_python_files_alongside(tmp_path: Path) -> None:
    suppressed = NOTEBOOK.replace("dim=1)", "dim=1)  # noqa: TL001")
    write(tmp_path, {"a.ipynb": suppressed, "b.py": implicit_dim()})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [(code, name) for code, name, _ in codes(result)] == [("TL002", "b.py")]


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"nbformat": 4}), json.dumps({"cells": [{"cell_type": "code", "source": 3}]})],
    ids=["invalid-json", "no-cells", "bad-source"],
)
def test_malformed_notebook_is_tl000(tmp_path: Path, content: str) -> None:
    write(tmp_path, {"bad.ipynb": content, "b.py": implicit_dim()})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [(code, name) for code, name, _ in codes(result)] == [("TL002", "b.py"), ("TL000", "bad.ipynb")]
    assert "malformed notebook" in json.loads(result.stdout)[1]["message"]


def test_syntax_error_in_a_cell_points_at_the_cell(tmp_path: Path) -> None:
    write(tmp_path, {"nb.ipynb": notebook("x = 1", "def broken(:\n    pass")})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "TL000" and finding["cell"] == 2 and finding["location"]["row"] == 1
