"""Every `--output-format`, `--statistics` and `--output-file`, through the real CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from inprocess import torchlint
from test_cli import CLEAN, FINDING_ROW, double_softmax, implicit_dim, write

REPO = Path(__file__).resolve().parents[1]
VENDORED_SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
# CI keeps the project's shared files beside the clone.
SHARED_SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

MULTI_FILE = {
    "models.py": """\
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.act = nn.Softmax(dim=1)

            def forward(self, x):
                return self.act(self.fc(x))
        """,
    "train.py": """\
        import torch.nn as nn
        from models import Net

        model = Net()
        criterion = nn.CrossEntropyLoss()


        def step(x, y):
            return criterion(model(x), y)
        """,
}


def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"a.py": double_softmax(), "b.py": implicit_dim(), **MULTI_FILE})


def test_concise(tmp_path: Path) -> None:
    result = torchlint("--output-format", "concise", cwd=project(tmp_path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"a.py:{FINDING_ROW}:") and ": TL001 " in lines[0]
    assert lines[-1].startswith("Found 3 findings")
    assert len(lines) == 4


def test_github_workflow_commands(tmp_path: Path) -> None:
    result = torchlint("--output-format", "github", cwd=project(tmp_path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file=a.py,line={FINDING_ROW},col=")
    assert "title=TL001 softmax-before-cross-entropy::TL001 " in lines[0]
    assert any(line.startswith("::warning file=b.py,") for line in lines)
    assert all("\n" not in line and line.count("::") == 2 for line in lines)


def test_gitlab_code_quality(tmp_path: Path) -> None:
    result = torchlint("--output-format", "gitlab", cwd=project(tmp_path))
    issues = json.loads(result.stdout)
    assert len(issues) == 3
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == 3
    # Stable: the same on a second run, and after lines are inserted above.
    again = json.loads(torchlint("--output-format", "gitlab", cwd=tmp_path).stdout)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]
    (tmp_path / "a.py").write_text("# a new comment\n\n" + (tmp_path / "a.py").read_text())
    shifted = json.loads(torchlint("--output-format", "gitlab", cwd=tmp_path).stdout)
    assert [i["fingerprint"] for i in shifted] == [i["fingerprint"] for i in issues]
    assert shifted[0]["location"]["lines"]["begin"] == issues[0]["location"]["lines"]["begin"] + 2


def test_junit(tmp_path: Path) -> None:
    result = torchlint("--output-format", "junit", cwd=project(tmp_path))
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites" and root.get("failures") == "3"
    suites = {suite.get("name"): suite for suite in root}
    assert set(suites) == {"a.py", "b.py", "models.py"}
    [case] = suites["a.py"]
    assert case.get("name") == "torchlint.TL001" and case.find("failure") is not None
    clean = ET.fromstring(torchlint("--output-format", "junit", cwd=write(tmp_path / "clean", {"c.py": CLEAN})).stdout)
    assert clean.get("failures") == "0"


def _sarif_schemas() -> list:
    return [
        pytest.param(VENDORED_SARIF_SCHEMA, id="vendored"),
        pytest.param(
            SHARED_SARIF_SCHEMA,
            id="shared",
            marks=pytest.mark.skipif(not SHARED_SARIF_SCHEMA.exists(), reason="../shared/schemas is not beside the clone"),
        ),
    ]


@pytest.mark.parametrize("schema_path", _sarif_schemas())
def test_sarif_is_valid_against_the_official_schema(tmp_path: Path, schema_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = torchlint("--output-format", "sarif", cwd=project(tmp_path))
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(json.loads(schema_path.read_text())).validate(log)

    [run] = log["runs"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert {"TL001", "TL002", "TL003"} <= set(rules)
    assert rules["TL001"]["helpUri"].endswith("TL001.md") and "Why is this bad?" in rules["TL001"]["help"]["markdown"]
    by_file = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    cross_file = by_file["models.py"]
    assert cross_file["ruleId"] == "TL001" and cross_file["level"] == "error"
    [related] = cross_file["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    assert by_file["b.py"]["level"] == "warning"
    assert all("torchlint/v1" in r["partialFingerprints"] for r in run["results"])


def test_sarif_fixes_are_valid(tmp_path: Path) -> None:
    """No rule has a fix yet; the reporter's fix objects must still be valid SARIF."""
    jsonschema = pytest.importorskip("jsonschema")
    from torchlint.findings import Edit, Finding, Fix, Location, Severity
    from torchlint.report import sarif

    finding = Finding(
        "TL002", "softmax-implicit-dim", "m", Severity.WARNING, "b.py", Location(5, 12), Location(5, 24),
        fix=Fix("safe", "Pass dim=-1", (Edit(Location(5, 23), Location(5, 23), ", dim=-1"),)),
    )
    log = json.loads(sarif.render([finding]))
    jsonschema.Draft7Validator(json.loads(VENDORED_SARIF_SCHEMA.read_text())).validate(log)
    [fix] = log["runs"][0]["results"][0]["fixes"]
    assert fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == ", dim=-1"


def test_statistics(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": double_softmax(), "a2.py": double_softmax(), "b.py": implicit_dim()})
    result = torchlint("--statistics", cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["2", "TL001", "softmax-before-cross-entropy"],
        ["1", "TL002", "softmax-implicit-dim"],
    ]
    as_json = json.loads(torchlint("--statistics", "--output-format", "json", cwd=tmp_path).stdout)
    assert as_json[0] == {"code": "TL001", "name": "softmax-before-cross-entropy", "count": 2}


def test_output_file(tmp_path: Path) -> None:
    project(tmp_path)
    result = torchlint("--output-format", "sarif", "--output-file", "reports/torchlint.sarif", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((tmp_path / "reports" / "torchlint.sarif").read_text())["version"] == "2.1.0"


def test_color_only_on_a_tty_and_never_with_no_color(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    write(tmp_path, {"a.py": double_softmax()})
    piped = torchlint(cwd=tmp_path)
    assert "\x1b[" not in piped.stdout

    def on_tty(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        command = [sys.executable, "-m", "torchlint", "a.py"]
        subprocess.run(command, cwd=tmp_path, env=env, stdout=follower, stderr=subprocess.DEVNULL, timeout=120)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return b"".join(chunks).decode()

    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    assert "\x1b[" in on_tty(env)
    assert "\x1b[" not in on_tty({**env, "NO_COLOR": "1"})
    assert "\x1b[" not in on_tty({**env, "NO_COLOR": "1", "FORCE_COLOR": "1"})
