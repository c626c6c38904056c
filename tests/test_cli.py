"""The `torchlint` command as a user runs it: the installed entry point, in real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TORCHLINT = Path(sys.executable).parent / "torchlint"

SOFTMAX_INTO_CROSS_ENTROPY = """\
import torch.nn.functional as F


def loss_fn(x, y):
    return F.cross_entropy(F.softmax(x, dim=1), y){comment}
"""
SOFTMAX_WITHOUT_DIM = """\
import torch.nn.functional as F


def probabilities(x):
    return F.softmax(x){comment}
"""
CLEAN = """\
import torch.nn.functional as F


def loss_fn(x, y):
    return F.cross_entropy(x, y)
"""
SYNTAX_ERROR = "def broken(:\n    pass\n"

# The row of the finding in the two snippets above.
FINDING_ROW = 5

JSON_KEYS = {"code", "name", "message", "severity", "filename", "location", "end_location", "url", "fix", "related"}


def torchlint(*args: str, cwd: Path, module: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed `torchlint` (or `python -m torchlint`) as a user would."""
    assert TORCHLINT.exists(), f"{TORCHLINT} missing: install the project with `pip install -e .`"
    command = [sys.executable, "-m", "torchlint"] if module else [str(TORCHLINT)]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    """(code, filename, row) of each finding in a JSON report."""
    return [(item["code"], item["filename"], item["location"]["row"]) for item in json.loads(result.stdout)]


def double_softmax(comment: str = "") -> str:
    return SOFTMAX_INTO_CROSS_ENTROPY.format(comment=comment)


def implicit_dim(comment: str = "") -> str:
    return SOFTMAX_WITHOUT_DIM.format(comment=comment)


# Exit codes


def test_clean_code_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"clean.py": CLEAN})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "All checks passed!\n"
    assert result.stderr == ""


def test_findings_exit_1(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": double_softmax()})
    result = torchlint("check", ".", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert codes(result) == [("TL001", "train.py", FINDING_ROW)]


def test_exit_zero_keeps_the_report(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": double_softmax()})
    result = torchlint("--exit-zero", cwd=tmp_path)
    assert result.returncode == 0
    assert "TL001" in result.stdout


@pytest.mark.parametrize("module", [False, True], ids=["entry-point", "python-m"])
def test_nonexistent_path_is_a_one_line_usage_error(tmp_path: Path, module: bool) -> None:
    result = torchlint("does_not_exist.py", cwd=tmp_path, module=module)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["torchlint: error: does_not_exist.py: no such file or directory"]


def test_unknown_option_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = torchlint("--no-such-option", cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("torchlint: error: ") and "--no-such-option" in line


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_in_select_or_ignore_is_exit_2(tmp_path: Path, option: str) -> None:
    write(tmp_path, {"clean.py": CLEAN})
    result = torchlint(option, "TL001,TL999", cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("torchlint: error: ") and "TL999" in line and option in line


# Default command and subcommands


def test_bare_torchlint_checks_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/train.py": double_softmax()})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == 1
    assert f"pkg/train.py:{FINDING_ROW}:" in result.stdout


def test_python_m_torchlint_matches_the_entry_point(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": double_softmax(), "broken.py": SYNTAX_ERROR})
    assert torchlint(".", cwd=tmp_path, module=True).stdout == torchlint(".", cwd=tmp_path).stdout


def test_help_and_version_describe_the_tool(tmp_path: Path) -> None:
    help_text = torchlint("--help", cwd=tmp_path)
    assert help_text.returncode == 0
    assert all(command in help_text.stdout for command in ("check", "rule", "rules"))
    version = torchlint("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("torchlint ")


def test_rule_prints_its_documentation(tmp_path: Path) -> None:
    result = torchlint("rule", "tl001", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# softmax-before-cross-entropy (TL001)")
    assert "## Why is this bad?" in result.stdout


def test_rule_prints_the_docs_of_a_new_rule(tmp_path: Path) -> None:
    result = torchlint("rule", "TL015", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# softmax-single-output (TL015)")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert section in result.stdout


def test_unknown_rule_is_exit_2(tmp_path: Path) -> None:
    result = torchlint("rule", "TL999", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["torchlint: error: unknown rule code 'TL999' (run 'torchlint rules' to list them)"]


def test_rules_lists_every_rule(tmp_path: Path) -> None:
    table = torchlint("rules", cwd=tmp_path)
    assert table.returncode == 0
    rows = [line.split()[:4] for line in table.stdout.splitlines()]
    assert rows[0] == ["Code", "Name", "Severity", "Fixable"]
    assert ["TL000", "parse-error", "error", "none"] in rows
    assert ["TL001", "softmax-before-cross-entropy", "error"] == rows[2][:3]

    listing = json.loads(torchlint("rules", "--output-format", "json", cwd=tmp_path).stdout)
    by_code = {rule["code"]: rule for rule in listing}
    assert {"TL000", "TL001", "TL002", "TL003"} <= set(by_code)
    assert by_code["TL002"]["name"] == "softmax-implicit-dim"
    assert by_code["TL002"]["severity"] == "warning"
    assert {f"TL{n:03d}" for n in range(16)} <= set(by_code)
    assert by_code["TL009"]["severity"] == "info" and by_code["TL013"]["severity"] == "warning"
    assert by_code["TL006"]["fixable"] == "safe" and by_code["TL002"]["fixable"] == "unsafe"
    assert by_code["TL001"]["fixable"] == "sometimes" and by_code["TL003"]["fixable"] is None
    assert by_code["TL003"]["name"] == "sigmoid-multiclass"


# Output formats


def test_json_report_is_ruff_shaped(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": double_softmax()})
    result = torchlint("--output-format", "json", "train.py", cwd=tmp_path)
    [finding] = json.loads(result.stdout)
    assert JSON_KEYS <= set(finding)
    assert finding["code"] == "TL001"
    assert finding["name"] == "softmax-before-cross-entropy"
    assert finding["severity"] == "error"
    assert finding["filename"] == "train.py"
    assert set(finding["location"]) == {"row", "column"}
    assert set(finding["end_location"]) == {"row", "column"}
    assert finding["url"].endswith("docs/rules/TL001.md")
    fix = finding["fix"]  # ruff's shape: applicability, message, edits with ranges and content
    assert fix["applicability"] in ("safe", "unsafe") and fix["message"]
    for edit in fix["edits"]:
        assert set(edit) == {"location", "end_location", "content"}
        assert set(edit["location"]) == {"row", "column"} == set(edit["end_location"])
    for related in finding["related"]:
        assert {"filename", "location", "message"} <= set(related)
    assert "traceback" not in finding
    assert result.stdout.startswith("[\n  {\n    ")  # indent=2


def test_json_report_without_findings_is_an_empty_array(tmp_path: Path) -> None:
    write(tmp_path, {"clean.py": CLEAN})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_json_report_is_sorted_by_file_and_position(tmp_path: Path) -> None:
    write(tmp_path, {"b.py": double_softmax(), "a.py": SYNTAX_ERROR, "c/z.py": implicit_dim()})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    found = codes(result)
    assert found == sorted(found, key=lambda item: (item[1], item[2]))
    assert [code for code, _, _ in found] == ["TL000", "TL001", "TL002"]


def test_text_report_names_each_finding_and_shows_the_line(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": double_softmax(), "probs.py": implicit_dim()})
    result = torchlint(cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"train.py:{FINDING_ROW}:") and ": TL001 " in line for line in lines)
    assert any(line.startswith(f"probs.py:{FINDING_ROW}:") and ": TL002 " in line for line in lines)
    # The source excerpt: the offending line, and a caret line under it.
    assert f"{FINDING_ROW} |     return F.cross_entropy(F.softmax(x, dim=1), y)" in lines
    assert any(line.lstrip(" |").startswith("^") and line.endswith(" TL001") for line in lines)
    # ruff's order: the summary, then what --fix (and --unsafe-fixes) would do.
    assert lines[-3:] == [
        "Found 2 findings (1 error, 1 warning).",
        "[*] 1 fixable with --fix.",
        f"1 with unsafe fixes available via --unsafe-fixes: TL002 at probs.py:{FINDING_ROW}.",
    ]


def test_text_report_of_a_parse_error(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": SYNTAX_ERROR})
    result = torchlint("broken.py", cwd=tmp_path)
    assert result.returncode == 1
    header = result.stdout.splitlines()[0]
    path, row, column, rest = header.split(":", 3)
    assert (path, rest.split()[0]) == ("broken.py", "TL000")
    assert row.isdigit() and column.isdigit()
    assert result.stdout.splitlines()[-1] == "Found 1 finding (1 error)."


# Internal errors

# The CLI with an analysis engine that crashes: what a torchlint bug looks like to a user.
CRASHING_ENGINE = """\
import sys
import torchlint.check
from torchlint.cli import main

def crash(*args, **kwargs):
    raise ValueError("engine bug")

torchlint.check.analyze_module = crash
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_internal_error_is_exit_2_with_a_traceback_only_when_verbose(tmp_path: Path, output_format: str) -> None:
    # A clean file the pre-check cannot skip (it mentions a softmax), so the engine runs on it.
    analysed = CLEAN + "\n\ndef probs(x):\n    return F.softmax(x, dim=-1)\n"
    write(tmp_path, {"train.py": analysed, "crash.py": CRASHING_ENGINE})

    def run(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "crash.py", "train.py", "--output-format", output_format, *options]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    quiet = run()
    assert quiet.returncode == 2
    assert "engine bug" in quiet.stdout
    assert "Traceback" not in quiet.stdout + quiet.stderr
    assert quiet.stderr.splitlines() == [
        "torchlint: error: internal error while checking 1 file; rerun with --verbose for the traceback"
    ]

    verbose = run("--verbose")
    assert verbose.returncode == 2
    assert "Traceback" in verbose.stderr and "engine bug" in verbose.stderr
    if output_format == "json":
        assert "Traceback" in json.loads(verbose.stdout)[0]["traceback"]


# Rule selection


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), ["TL001", "TL002"]),
        (("--select", "TL001"), ["TL001"]),
        (("--select", "TL002", "--select", "TL001"), ["TL001", "TL002"]),
        (("--select", "tl001,TL002"), ["TL001", "TL002"]),
        (("--select", "TL00"), ["TL001", "TL002"]),
        (("--ignore", "TL001"), ["TL002"]),
        (("--ignore", "TL00"), []),
        (("--select", "TL", "--ignore", "TL0"), []),
        (("--select", "TL001", "--ignore", "TL0"), ["TL001"]),  # the longer prefix wins
    ],
)
def test_select_and_ignore_take_codes_and_prefixes(tmp_path: Path, options: tuple[str, ...], expected: list[str]) -> None:
    write(tmp_path, {"a.py": double_softmax(), "b.py": implicit_dim()})
    result = torchlint(*options, "--output-format", "json", cwd=tmp_path)
    assert result.returncode == (1 if expected else 0), result.stderr
    assert [code for code, _, _ in codes(result)] == expected


# Suppression


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("  # noqa", True),
        ("  # noqa: TL001", True),
        ("  # NOQA:TL002,TL001", True),
        ("  # noqa: TL002 TL001", True),
        ("  # noqa: TL002", False),
        ("  # noqa: E501", False),
    ],
)
def test_noqa_comments(tmp_path: Path, comment: str, suppressed: bool) -> None:
    write(tmp_path, {"train.py": double_softmax(comment)})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert codes(result) == ([] if suppressed else [("TL001", "train.py", FINDING_ROW)])


def test_noqa_for_one_rule_leaves_the_others(tmp_path: Path) -> None:
    write(tmp_path, {"probs.py": implicit_dim("  # noqa: TL001")})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [code for code, _, _ in codes(result)] == ["TL002"]


# Discovery


def test_directory_walk_skips_environments_builds_and_hidden_dirs(tmp_path: Path) -> None:
    broken = {
        name: SYNTAX_ERROR
        for name in (
            ".venv/lib/mod.py",
            "venv/lib/mod.py",
            "my-env/lib/mod.py",  # a virtualenv by its pyvenv.cfg, not its name
            "build/lib/mod.py",
            "dist/mod.py",
            "node_modules/pkg/mod.py",
            "src/__pycache__/mod.py",
            ".hidden/mod.py",
            ".git/hooks/mod.py",
        )
    }
    write(tmp_path, {**broken, "my-env/pyvenv.cfg": "home = /usr/bin\n", "src/pkg/model.py": SYNTAX_ERROR})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [(code, name) for code, name, _ in codes(result)] == [("TL000", "src/pkg/model.py")]


def test_explicit_files_are_linted_even_in_skipped_dirs(tmp_path: Path) -> None:
    write(tmp_path, {"build/generated.py": SYNTAX_ERROR, "scripts/train": double_softmax()})
    result = torchlint("--output-format", "json", "build/generated.py", "scripts/train", cwd=tmp_path)
    assert [(code, name) for code, name, _ in codes(result)] == [("TL000", "build/generated.py"), ("TL001", "scripts/train")]


def test_parse_error_does_not_stop_the_run(tmp_path: Path) -> None:
    write(tmp_path, {"a_broken.py": SYNTAX_ERROR, "b_train.py": double_softmax(), "c_binary.py": ""})
    (tmp_path / "c_binary.py").write_bytes(b"\x00\x01\x02")
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert [(code, name) for code, name, _ in codes(result)] == [
        ("TL000", "a_broken.py"),
        ("TL001", "b_train.py"),
        ("TL000", "c_binary.py"),
    ]


def test_directory_without_python_files_passes_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"notes.txt": "nothing to lint\n"})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "All checks passed!\n"
    assert result.stderr.startswith("torchlint: warning: no Python files found")


# Packaging


def test_import_torchlint_does_not_import_torch(tmp_path: Path) -> None:
    code = "import sys, torchlint, torchlint.cli; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path).returncode == 0


def test_pre_commit_hook_manifest_is_valid() -> None:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    manifest = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"
    result = subprocess.run([str(pre_commit), "validate-manifest", str(manifest)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
