"""README's install lines (#19 item 6) hold: the git-URL requirements parse and name extras
that exist, the commit they pin (and pre-commit's `rev:` and the Action's ref) exists with the
hooks and the action in it, pip installs torchlint from a git URL, and `pre-commit autoupdate`
moves the `rev:` to the newest commit as README says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
URL = "https://github.com/torchlint/torchlint"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def pinned_commit() -> str:
    """The one commit README pins (pip, pre-commit, the Action), present in this clone."""
    shas = set(re.findall(r"\b[0-9a-f]{40}\b", README))
    assert len(shas) == 1, f"README pins different commits: {shas}"
    [sha] = shas
    if git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout")
    if git("cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
        if git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            pytest.skip("a shallow clone: the pinned commit may be older than its history")
        raise AssertionError(f"README pins {sha}, which is not a commit of this repository")
    return sha


def test_the_git_url_requirements_parse_and_their_extras_exist() -> None:
    from packaging.requirements import Requirement

    lines = re.findall(r'^pip install "([^"]+)"', README, re.MULTILINE)
    assert len(lines) >= 5
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    seen: set[str] = set()
    for line in lines:
        requirement = Requirement(line)
        if requirement.name != "torchlint" or requirement.url is None:
            continue  # `pip install "torchlint[server]"`: the Install section says how it reads
        assert requirement.url and requirement.url.split("@")[0] == f"git+{URL}", line
        assert requirement.extras <= extras, line
        seen |= requirement.extras
    assert {"watch", "server", "runtime"} <= seen
    assert 'Elsewhere in this README, `pip install "torchlint[server]"`' in README


def test_the_cpu_torch_line_uses_pytorchs_cpu_index_and_the_pinned_version() -> None:
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in README
    assert 'pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install -e ".[test]"' \
        in README
    # The quick start's command and .ci/run's, which install the same torch, are as they were.
    assert 'pip install -e ".[test]" torch==2.13.0 && python -m pytest -q' in README
    assert 'pip install -e ".[test]" torch==2.13.0\n' in (ROOT / ".ci" / "run").read_text()


def test_the_pinned_commit_has_the_hooks_and_the_action_readme_uses() -> None:
    sha = pinned_commit()
    hooks = git("show", f"{sha}:.pre-commit-hooks.yaml").stdout
    for hook in re.findall(r"^\s+- id: (torchlint[\w-]*)", README, re.MULTILINE):
        assert f"- id: {hook}\n" in hooks, hook
    assert f"rev: {sha}" in README and f"uses: torchlint/torchlint@{sha}" in README
    action = git("show", f"{sha}:action.yml").stdout
    for name in re.findall(r"^ {10}#? ?([a-z-]+): ", README.split(f"uses: torchlint/torchlint@{sha}")[1].split("```")[0],
                           re.MULTILINE):
        assert f"\n  {name}:\n" in action, f"the Action has no input {name!r}"


def test_pip_installs_torchlint_with_extras_from_a_git_url(tmp_path: Path) -> None:
    if git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout")
    head = git("rev-parse", "HEAD").stdout.strip()
    target = tmp_path / "site"
    # --no-deps: this environment has them; --no-build-isolation: its setuptools builds, offline.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--target", str(target), f"torchlint[watch,server] @ git+file://localhost{ROOT}@{head}"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (target / "torchlint" / "cli.py").is_file() and (target / "torchlint" / "noqa.py").is_file()
    [metadata] = target.glob("torchlint-*.dist-info/METADATA")
    text = metadata.read_text()
    assert "Provides-Extra: watch" in text and "Requires-Dist: watchfiles>=0.21; extra == \"watch\"" in text


def test_pre_commit_autoupdate_moves_the_rev_to_the_newest_commit(tmp_path: Path) -> None:
    sha = pinned_commit()
    pytest.importorskip("pre_commit")
    head = git("rev-parse", "HEAD").stdout.strip()
    config = tmp_path / ".pre-commit-config.yaml"
    # README's configuration, with this clone for the GitHub repository.
    block = README.split("# .pre-commit-config.yaml\n")[1].split("```")[0]
    config.write_text(block.replace(URL, str(ROOT)))
    assert f"rev: {sha}" in config.read_text()
    git("init", "-q", cwd=tmp_path)
    result = subprocess.run([sys.executable, "-m", "pre_commit", "autoupdate"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"^\s+rev: {head}\b", config.read_text(), re.MULTILINE), config.read_text()
