"""Some files of a project, judged in the whole project's context (README: "Given files and
their project"): the files that import a given one are analysed with it, and a finding is
reported when its primary location or a related location is in a given file. Through the
library, the CLI, `--diff-against`, standard input, `--fix`, real flake8 and real pre-commit
commits in a scratch git repository; and the Python API's README example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from inprocess import torchlint
from test_cli import write
from test_tool_integrations import git, hook_repo, pre_commit_home, tool  # noqa: F401  (fixtures)

import torchlint as api
from torchlint.importers import scope

REPO = Path(__file__).resolve().parents[1]

MODEL = """\
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
"""
MODEL_ROW, MODEL_COLUMN = 11, 16

TRAIN = """\
import torch
import torch.nn as nn

from model import Net


def main():
    model = Net()
    criterion = nn.CrossEntropyLoss()
    x = torch.randn(4, 10)
    y = torch.tensor([0, 1, 2, 0])
    loss = criterion(model(x), y)
    loss.backward()
"""
LOSS_ROW, LOSS_COLUMN = 12, 12

# A file that imports the model (so it is analysed when model.py is given) and holds a
# finding of its own that touches no other file.
EXPERIMENT = """\
import torch.nn.functional as F

from model import Net


def score(z, y):
    return F.cross_entropy(F.softmax(z, dim=1), y)
"""
EXPERIMENT_ROW = 7

UTILS = """\
def seed(n):
    return n
"""


def places(findings) -> list[tuple[str, str, int]]:
    return [(finding.code, finding.filename, finding.location.row) for finding in findings]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"model.py": MODEL, "train.py": TRAIN, "experiment.py": EXPERIMENT, "utils.py": UTILS})
    git("init", "-q", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the rule, through the library


def test_a_model_given_alone_is_judged_against_the_code_that_trains_it(project: Path) -> None:
    found = api.lint_paths(["model.py"]).findings
    assert places(found) == [("TL001", "model.py", MODEL_ROW)]
    assert [(item.filename, item.location.row) for item in found[0].related] == [("train.py", LOSS_ROW)]
    # experiment.py was analysed too (it imports the model), but its own finding is in it alone.
    assert "experiment.py" in scope(["model.py"], api.ConfigResolver()).linted
    # The whole project: both.
    assert places(api.lint_paths(["."]).findings) == [
        ("TL001", "experiment.py", EXPERIMENT_ROW), ("TL001", "model.py", MODEL_ROW)]


def test_a_training_script_given_alone_reports_the_finding_whose_loss_it_holds(project: Path) -> None:
    found = api.lint_paths(["train.py"]).findings
    assert places(found) == [("TL001", "model.py", MODEL_ROW)]
    assert [item.filename for item in found[0].related] == ["train.py"]
    # A file that touches neither: nothing of the others.
    assert api.lint_paths(["utils.py"]).findings == []


def test_only_the_given_files_and_their_importers_are_analysed(project: Path, monkeypatch) -> None:
    from torchlint.session import Session

    write(project, {f"pkg/mod{index}.py": "import torch.nn.functional as F\n\n\ndef f{0}(x):\n"
                    "    return F.cross_entropy(F.softmax(x, dim=1), x)\n".format(index) for index in range(40)})
    analysed: list[str] = []
    lint_file = Session.lint_file

    def spy(self, path, config, rules):
        analysed.append(path)
        return lint_file(self, path, config, rules)

    monkeypatch.setattr(Session, "lint_file", spy)
    assert places(api.lint_paths(["model.py"]).findings) == [("TL001", "model.py", MODEL_ROW)]
    assert sorted(analysed) == ["experiment.py", "model.py", "train.py"]
    analysed.clear()
    assert api.lint_paths(["utils.py"]).findings == [] and analysed == ["utils.py"]


def test_importers_are_found_through_other_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package re-exports the model; the training script imports the package."""
    write(tmp_path, {"pyproject.toml": "", "zoo/__init__.py": "from .model import Net\n", "zoo/model.py": MODEL,
                     "scripts/fit.py": TRAIN.replace("from model import Net", "from zoo import Net")})
    monkeypatch.chdir(tmp_path)
    run = scope([os.path.join("zoo", "model.py")], api.ConfigResolver())
    assert run.importers == [os.path.join("scripts", "fit.py"), os.path.join("zoo", "__init__.py")]
    found = api.lint_paths([os.path.join("zoo", "model.py")]).findings
    assert places(found) == [("TL001", os.path.join("zoo", "model.py"), MODEL_ROW)]
    assert found[0].related[0].filename == os.path.join("scripts", "fit.py")
    # From a subdirectory, with the project root above: the same finding, spelled from here.
    monkeypatch.chdir(tmp_path / "zoo")
    assert places(api.lint_paths(["model.py"]).findings) == [("TL001", "model.py", MODEL_ROW)]
    # Absolute paths in, absolute paths out.
    absolute = str(tmp_path / "zoo" / "model.py")
    assert places(api.lint_paths([absolute]).findings) == [("TL001", absolute, MODEL_ROW)]


def test_untracked_files_count_and_ignored_files_do_not(project: Path) -> None:
    # Nothing is committed: train.py is untracked, on disk, and judges the model.
    assert places(api.lint_paths(["model.py"]).findings) == [("TL001", "model.py", MODEL_ROW)]
    # Ignored by git, the training script is not part of the project: no importer shows the bug.
    write(project, {".gitignore": "train.py\n"})
    assert api.lint_paths(["model.py"]).findings == []
    # Excluded by the configuration, the same.
    write(project, {".gitignore": "", "pyproject.toml": "[tool.torchlint]\nextend-exclude = ['train.py']\n"})
    assert api.lint_paths(["model.py"]).findings == []
    # Given explicitly, an ignored file is linted, and reads the model it imports, as always.
    write(project, {".gitignore": "train.py\n", "pyproject.toml": ""})
    assert places(api.lint_paths(["train.py"]).findings) == [("TL001", "model.py", MODEL_ROW)]


def test_the_import_graph_is_kept_in_the_cache(project: Path) -> None:
    past = time.time() - 60  # older than the racy window: stats are kept
    for path in project.glob("*.py"):
        os.utime(path, (past, past))
    assert places(api.lint_paths(["model.py"], cache_dir="c").findings) == [("TL001", "model.py", MODEL_ROW)]
    kept = list((project / "c").glob("imports-*.json"))
    assert len(kept) == 1
    files = json.loads(kept[0].read_text())["files"]
    assert files[os.path.abspath("train.py")][3] == [os.path.abspath("model.py")]
    assert (project / "c" / ".gitignore").exists()
    # A warm run answers from the caches: neither LibCST nor the engine is imported.
    code = ("import sys, torchlint\n"
            "found = torchlint.lint_paths(['model.py'], cache_dir='c').findings\n"
            "print(len(found), 'libcst' in sys.modules)\n")
    warm = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120)
    assert warm.stdout.split() == ["1", "False"], warm.stderr
    # A new importer (a file added to the project) is found at once.
    write(project, {"evaluate.py": TRAIN.replace("main", "evaluate")})
    found = api.lint_paths(["model.py"], cache_dir="c").findings
    assert sorted(item.filename for item in found[0].related) in (["evaluate.py"], ["train.py"])
    assert "evaluate.py" in scope(["model.py"], api.ConfigResolver(), "c").importers
    # An edit that removes the import is seen too.
    write(project, {"train.py": TRAIN.replace("from model import Net", "Net = None"), "evaluate.py": ""})
    assert api.lint_paths(["model.py"], cache_dir="c").findings == []


# -- the CLI: files, --diff-against, standard input, --fix


def concise(result) -> list[str]:
    return [line.split(": ", 1)[0] for line in result.stdout.splitlines()[:-1]]


def test_cli_diff_against_and_stdin_follow_the_rule(project: Path) -> None:
    assert concise(torchlint("--output-format", "concise", "--no-cache", "model.py", cwd=project)) == [
        f"model.py:{MODEL_ROW}:{MODEL_COLUMN}"]
    assert concise(torchlint("--output-format", "concise", "--no-cache", "train.py", cwd=project)) == [
        f"model.py:{MODEL_ROW}:{MODEL_COLUMN}"]
    # --diff-against: the model is committed, the training script changed since: the finding has
    # a related location on a changed line, whichever file is given.
    git("add", "model.py", "train.py", cwd=project)
    git("commit", "-qm", "base", cwd=project)
    write(project, {"train.py": TRAIN.replace("criterion(model(x), y)", "criterion(model(x), y)  # edited")})
    for paths in (["model.py"], ["train.py"], ["."]):
        changed = torchlint("--output-format", "concise", "--no-cache", "--diff-against", "HEAD", *paths, cwd=project)
        assert f"model.py:{MODEL_ROW}:{MODEL_COLUMN}" in concise(changed), (paths, changed.stdout)
    # Standard input as train.py: the finding it shows, located in model.py.
    stdin = subprocess.run([str(Path(sys.executable).parent / "torchlint"), "--output-format", "json",
                            "--stdin-filename", "train.py", "-"], cwd=project, input=TRAIN,
                           capture_output=True, text=True, timeout=120)
    assert [(item["filename"], item["location"]["row"]) for item in json.loads(stdin.stdout)] == [
        ("model.py", MODEL_ROW)]


def test_unused_suppressions_are_reported_in_the_given_files_only(project: Path) -> None:
    write(project, {"experiment.py": EXPERIMENT + "\nSTEP = 1  # noqa: TL002\n",
                    "model.py": MODEL + "\nWIDTH = 3  # noqa: TL003\n"})
    result = torchlint("--output-format", "concise", "--no-cache", "--report-unused-noqa", "model.py", cwd=project)
    assert [line.split(": ")[1].split()[0] + " " + line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == [
        "TL001 model.py", "TL100 model.py"]


def test_fix_of_a_given_file_uses_its_importers(project: Path) -> None:
    fixed = torchlint("--fix", "--unsafe-fixes", "--no-cache", "model.py", cwd=project)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "F.softmax" not in (project / "model.py").read_text()
    assert (project / "experiment.py").read_text() == EXPERIMENT  # not given: not fixed


# -- flake8


def test_flake8_on_one_file_of_a_project(project: Path) -> None:
    flake8 = tool("flake8")

    def run(*paths: str) -> list[str]:
        result = subprocess.run([str(flake8), "--select", "TL", *paths], cwd=project, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode in (0, 1), result.stderr
        return result.stdout.splitlines()

    model = run("model.py")
    assert [line.split(": ", 1)[0] for line in model] == [f"model.py:{MODEL_ROW}:{MODEL_COLUMN}"]
    assert model[0].split(": ", 1)[1].startswith("TL001 F.softmax output reaches nn.CrossEntropyLoss at train.py:12")
    # flake8 checks train.py only: the finding is reported at its loss, naming where it is.
    train = run("train.py")
    assert [line.split(": ", 1)[0] for line in train] == [f"train.py:{LOSS_ROW}:{LOSS_COLUMN}"]
    assert train[0].endswith(f"(located at model.py:{MODEL_ROW}:{MODEL_COLUMN})")
    assert run("utils.py") == []
    # Both files: once, in model.py.
    assert [line.split(": ", 1)[0] for line in run("model.py", "train.py")] == [f"model.py:{MODEL_ROW}:{MODEL_COLUMN}"]


# -- pre-commit: real commits in a scratch repository


@pytest.mark.pre_commit
def test_pre_commit_commits_each_file_alone(tmp_path: Path, pre_commit_home: Path, hook_repo: Path) -> None:
    pre_commit = tool("pre-commit")
    work = tmp_path / "work"
    write(work, {"model.py": MODEL, "train.py": TRAIN, "experiment.py": EXPERIMENT, "utils.py": UTILS})
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True,
                         check=True).stdout.strip()
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: torchlint\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("VIRTUAL_ENV", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=600)

    def commit(*files: str) -> subprocess.CompletedProcess[str]:
        assert run("git", "add", *files).returncode == 0
        result = run("git", "-c", "commit.gpgsign=false", "commit", "-m", "commit " + " ".join(files))
        if result.returncode != 0:
            run("git", "reset", "-q")  # unstage, as a user would before trying again
        return result

    assert run("git", "init", "-q").returncode == 0
    assert run(str(pre_commit), "install").returncode == 0
    setup = commit(".pre-commit-config.yaml")
    assert setup.returncode == 0, setup.stdout + setup.stderr

    # model.py alone: train.py (untracked, on disk) shows the softmax reaching its loss.
    alone = commit("model.py")
    output = alone.stdout + alone.stderr
    assert alone.returncode == 1, output
    assert f"model.py:{MODEL_ROW}:{MODEL_COLUMN}: TL001" in output
    assert f"note: train.py:{LOSS_ROW}:{LOSS_COLUMN}: nn.CrossEntropyLoss receives the probabilities here" in output
    assert "experiment.py" not in output  # its own finding touches no committed file

    # train.py alone: the same finding, located in the untracked model.py, whose loss is here.
    alone = commit("train.py")
    output = alone.stdout + alone.stderr
    assert alone.returncode == 1, output
    assert f"model.py:{MODEL_ROW}:{MODEL_COLUMN}: TL001" in output and "train.py:12" in output
    assert "experiment.py" not in output

    # A file no finding touches commits, though untracked files around it hold findings.
    clean = commit("utils.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout + clean.stderr

    # The model fixed: each file commits alone.
    write(work, {"model.py": MODEL.replace("F.softmax(self.fc(x), dim=1)", "self.fc(x)")})
    for name in ("model.py", "train.py"):
        done = commit(name)
        assert done.returncode == 0, done.stdout + done.stderr


# -- the Python API's README example


def readme_python_api_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_python_api_example_runs_and_agrees_with_the_cli(tmp_path: Path) -> None:
    # A project whose pyproject.toml ignores a rule: the library reads it as the CLI does.
    write(tmp_path, {
        "pyproject.toml": "[tool.torchlint]\nignore = ['TL002']\n",
        "model.py": MODEL,
        "train.py": TRAIN,
        "ops.py": "import torch\nimport torch.nn.functional as F\n\n\ndef p(x):\n    return F.softmax(x)\n\n\n"
                  "def q(x):\n    return torch.log(F.softmax(x, dim=1))\n",
    })
    example = subprocess.run([sys.executable, "-c", readme_python_api_example()], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert example.returncode == 0, example.stderr
    printed = [line for line in example.stdout.splitlines() if not line.startswith(" ")]
    cli = torchlint("--output-format", "concise", "--no-cache", ".", cwd=tmp_path)
    assert printed == cli.stdout.splitlines()[:-1] and printed, (example.stdout, cli.stdout)
    assert not any("TL002" in line for line in printed)
    # Isolated, the library ignores the file: TL002 is back.
    codes = [finding.code for finding in api.lint_paths([str(tmp_path)], isolated=True).findings]
    assert "TL002" in codes
    assert [finding.code for finding in api.lint_paths([str(tmp_path)]).findings] == [
        line.split(": ")[1].split()[0] for line in printed]
    # A pyproject.toml named, and a Config, as --config and a fixed configuration.
    named = api.lint_paths([str(tmp_path)], str(tmp_path / "pyproject.toml")).findings
    assert [finding.code for finding in named] == [line.split(": ")[1].split()[0] for line in printed]
    assert {finding.code for finding in api.lint_paths([str(tmp_path)], api.Config(select=["TL002"])).findings} == {
        "TL002"}


def test_the_api_is_exported_from_the_package_root() -> None:
    code = ("import sys, torchlint\n"
            "names = ['lint_paths', 'lint_source', 'lint_sources', 'lint_buffer', 'LintResult', 'Finding',\n"
            "         'Location', 'Related', 'Fix', 'Edit', 'Severity', 'Config', 'ConfigResolver', 'ConfigError']\n"
            "assert 'libcst' not in sys.modules and 'torchlint.api' not in sys.modules\n"
            "assert all(name in torchlint.__all__ for name in names)\n"
            "[getattr(torchlint, name) for name in names]\n"
            "print('libcst' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False"], result.stderr
    assert textwrap.dedent(api.lint_paths.__doc__ or "").strip()
