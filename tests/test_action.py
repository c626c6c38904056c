"""action.yml, the composite GitHub Action (#19 item 6): its `run:` steps, taken from the file,
run here with bash as a runner would run them, in a scratch project with a misuse.

The inputs and `github.action_path` are substituted in the steps' `env:` as GitHub does; the
`uses:` steps (actions/setup-python, the SARIF upload) are GitHub's own and only checked for
their conditions. "The Python on PATH" is a fresh virtualenv that sees this environment's
packages (pip and setuptools too, so the install is offline); the action installs torchlint
into it from a copy of the package, as it installs from its own checkout on a runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
MISUSE = """\
import torch.nn.functional as F


def loss_fn(x, y):
    return F.cross_entropy(F.softmax(x, dim=1), y)
"""


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def defaults() -> dict[str, str]:
    return {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}


def substitute(value: str, inputs: dict[str, str], action_path: Path) -> str:
    """`${{ inputs.x }}` and `${{ github.action_path }}`, as GitHub evaluates them; anything else
    fails the test (a new expression must be taught here)."""

    def one(match: re.Match) -> str:
        expression = match.group(1)
        if expression == "github.action_path":
            return str(action_path)
        if expression.startswith("inputs.") and expression[len("inputs."):] in inputs:
            return inputs[expression[len("inputs."):]]
        raise AssertionError(f"expression the test does not evaluate: {expression}")

    return EXPRESSION.sub(one, value)


def test_the_action_is_composite_and_passes_inputs_only_through_env() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert {"paths", "args", "version", "python-version", "sarif-file", "upload-sarif", "fail"} <= set(spec["inputs"])
    steps = spec["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"{step['name']}: an expression spliced into a script"
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert set(uses) == {"actions/setup-python", "github/codeql-action/upload-sarif"}
    assert uses["actions/setup-python"]["if"] == "inputs.setup-python == 'true'"
    assert uses["github/codeql-action/upload-sarif"]["if"].startswith("inputs.upload-sarif == 'true'")
    assert spec["outputs"]["sarif-file"]["value"] == "${{ steps.sarif.outputs.sarif-file }}"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The action's checkout (the package files) and a `python` that has not got torchlint."""
    base = tmp_path_factory.mktemp("runner")
    action_path = base / "action"
    action_path.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, action_path / name)
    shutil.copytree(ROOT / "torchlint", action_path / "torchlint", ignore=shutil.ignore_patterns("__pycache__"))
    python = base / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(python)], check=True, timeout=300)
    site = subprocess.run([str(python / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # This environment's packages (pip, setuptools, libcst, click, ...) after the new one's own: the
    # install needs no index. Its .pth files are not run, so this checkout's editable torchlint
    # is not importable there: only the copy the action installs is.
    Path(site, "runner-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return {"action_path": action_path, "bin": python / "bin", "base": base}


def run_steps(runner: dict[str, Path], project: Path, **given: str) -> list[subprocess.CompletedProcess[str]]:
    """Each `run:` step in order, as `bash --noprofile --norc -eo pipefail` in the workspace, until
    one fails; returns their results."""
    inputs = {**defaults(), **given}
    output_file = project.parent / f"{project.name}-github-output"
    output_file.write_text("")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("PIP_", "VIRTUAL_ENV"))},
        "PATH": f"{runner['bin']}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output_file), "GITHUB_WORKSPACE": str(project), "RUNNER_TEMP": str(runner["base"]),
        "GITHUB_ACTIONS": "true", "NO_COLOR": "1",
        # Offline: the packages are all there; the build uses the setuptools already installed.
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
    }
    results = []
    for step in action()["runs"]["steps"]:
        if "run" not in step:
            continue
        step_env = {name: substitute(str(value), inputs, runner["action_path"]) for name, value in
                    step.get("env", {}).items()}
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                cwd=project, env={**env, **step_env}, capture_output=True, text=True, timeout=600)
        result.step = step.get("id") or step["name"]  # type: ignore[attr-defined]
        results.append(result)
        if result.returncode != 0:
            break
    return results


def outputs(project: Path) -> dict[str, str]:
    text = (project.parent / f"{project.name}-github-output").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_the_action_installs_torchlint_and_reports_annotations_and_sarif(runner: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    project = tmp_path / "repo"
    (project / "src").mkdir(parents=True)
    (project / "src" / "train.py").write_text(MISUSE)
    (project / "notes.py").write_text("x = 1\n")
    install, sarif, lint = run_steps(runner, project, paths="src", args="--select TL001")
    assert install.returncode == 0, install.stderr
    assert install.stdout.startswith("torchlint ")  # `torchlint --version`, from the copy installed
    installed = subprocess.run([str(runner["bin"] / "python"), "-c", "import torchlint; print(torchlint.__file__)"],
                               cwd=project, capture_output=True, text=True, check=True).stdout
    assert str(runner["base"]) in installed
    assert sarif.returncode == 0, sarif.stderr
    report = json.loads((project / "torchlint.sarif").read_text())
    assert report["version"] == "2.1.0"
    results = report["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results] == [
        ("TL001", "src/train.py")]
    assert outputs(project)["sarif-file"] == "torchlint.sarif"
    # The annotations, in the step's own output, and the step fails on the finding.
    assert lint.returncode == 1
    [annotation] = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith("::error file=src/train.py,line=5,col=28,")
    assert "title=TL001" in annotation


def test_the_action_reports_without_failing_and_skips_sarif_when_asked(runner: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    (project / "train.py").write_text(MISUSE)
    (project / "clean.py").write_text(textwrap.dedent("x = 1\n"))
    results = run_steps(runner, project, fail="false", **{"sarif-file": ""})
    assert [result.returncode for result in results] == [0, 0, 0]
    assert not (project / "torchlint.sarif").exists() and outputs(project)["sarif-file"] == ""
    assert "::error file=train.py,line=5" in results[2].stdout
    # Arguments reach torchlint as words, never as shell code.
    *_, lint = run_steps(runner, project, paths="clean.py", args="--select TL002 $(touch injected)")
    assert lint.returncode == 2 and not (project / "injected").exists()
