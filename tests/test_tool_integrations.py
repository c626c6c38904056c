"""torchlint inside other tools, run for real: pre-commit (`try-repo` against this
checkout) and flake8 (the installed `flake8.extension` entry point)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_adoption import NOTEBOOK
from test_cli import CLEAN, FINDING_ROW, double_softmax, implicit_dim, write

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return path


# flake8


def test_flake8_select_tl_reports_the_same_findings(tmp_path: Path) -> None:
    flake8 = tool("flake8")
    write(tmp_path, {"a.py": double_softmax(), "b.py": implicit_dim(), "c.py": CLEAN, "d.py": double_softmax("  # noqa: TL001")})
    result = subprocess.run(
        [str(flake8), "--select", "TL", "a.py", "b.py", "c.py", "d.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"a.py:{FINDING_ROW}:28", f"b.py:{FINDING_ROW}:12"]
    assert lines[0].split(": ", 1)[1].startswith(f"TL001 F.softmax output reaches F.cross_entropy at a.py:{FINDING_ROW},")
    assert lines[1].split(": ", 1)[1].startswith("TL002 ")

    version = subprocess.run([str(flake8), "--version"], capture_output=True, text=True, timeout=60)
    assert "torchlint" in version.stdout


@pytest.mark.parametrize("paths", [["models.py", "train.py"], ["."], ["models.py"]], ids=["files", "dir", "one"])
def test_flake8_follows_imports_across_files_as_torchlint_does(tmp_path: Path, paths: list[str]) -> None:
    from inprocess import torchlint
    from test_output_formats import MULTI_FILE

    flake8 = tool("flake8")
    write(tmp_path, MULTI_FILE)
    command = [str(flake8), "--select", "TL", *paths]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    reported = [line.split(": ", 1)[0].removeprefix("./") for line in result.stdout.splitlines()]
    expected = torchlint("--output-format", "concise", *paths, cwd=tmp_path).stdout.splitlines()[:-1]
    assert reported == [line.split(": ", 1)[0] for line in expected], result.stdout + result.stderr
    if paths != ["models.py"]:
        # The finding is in models.py; the loss that proves it is in train.py.
        assert reported and reported[0].startswith("models.py:")


# pre-commit


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True, timeout=60,
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the module's try-repo runs (the first one installs it)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as pre-commit will clone it: its files (committed or not,
    never ignored ones) committed in a fresh repository, so that every
    try-repo run sees the same revision and reuses one hook environment."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    if listing.returncode != 0:
        pytest.skip("not a git checkout: " + listing.stderr.strip())
    listed = listing.stdout.split("\0")
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git("init", "-q", cwd=copy)
    git("add", "-A", cwd=copy)
    git("commit", "-qm", "torchlint under test", cwd=copy)
    return copy


@pytest.mark.pre_commit
@pytest.mark.parametrize(("source", "passes"), [(double_softmax(), False), (CLEAN, True)], ids=["buggy", "clean"])
def test_pre_commit_try_repo(tmp_path: Path, pre_commit_home: Path, hook_repo: Path, source: str, passes: bool) -> None:
    pre_commit = tool("pre-commit")
    project = tmp_path / "project"
    files = {"train.py": source, "notes.txt": "not linted\n"}
    if not passes:  # notebooks are staged files of the hook too
        files["analysis.ipynb"] = NOTEBOOK
    write(project, files)
    git("init", "-q", cwd=project)
    git("add", *files, cwd=project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    result = subprocess.run(
        [str(pre_commit), "try-repo", str(hook_repo), "torchlint"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    if passes:
        assert result.returncode == 0, output
        assert "Passed" in output
    else:
        assert result.returncode == 1, output
        assert "Failed" in output and f"train.py:{FINDING_ROW}:28: TL001" in output
        assert "analysis.ipynb:cell 4:3:9: TL001" in output
