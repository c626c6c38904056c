"""`[tool.torchlint]` configuration, suppression comments and exit thresholds, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inprocess import torchlint

from torchlint.config import Config
from test_cli import CLEAN, FINDING_ROW, codes, double_softmax, implicit_dim, write


def pyproject(body: str) -> str:
    return "[tool.torchlint]\n" + body


# Configuration


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('select = ["TL001"]\n', ["TL001"]),
        ('ignore = ["TL002"]\n', ["TL001"]),
        ('select = ["TL001"]\nextend-select = ["TL002"]\n', ["TL001", "TL002"]),
        ('[tool.torchlint.per-file-ignores]\n"b.py" = ["TL002"]\n', ["TL001"]),
        ('[tool.torchlint.per-file-ignores]\n"sub/*.py" = ["TL0"]\n', ["TL001", "TL002"]),
        ('exclude = ["b.py"]\n', ["TL001"]),
        ('extend-exclude = ["a.py"]\n', ["TL002"]),
    ],
)
def test_pyproject_settings(tmp_path: Path, body: str, expected: list[str]) -> None:
    write(tmp_path, {"pyproject.toml": pyproject(body), "a.py": double_softmax(), "b.py": implicit_dim()})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [code for code, _, _ in codes(result)] == expected, result.stderr


def test_nearest_pyproject_is_searched_upward_from_each_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": pyproject('ignore = ["TL001"]\n'),
            "a.py": double_softmax(),
            "sub/pyproject.toml": pyproject('ignore = ["TL002"]\n'),
            "sub/pkg/b.py": double_softmax() + implicit_dim().replace("probabilities", "probs"),
            "other/pyproject.toml": "[project]\nname = 'no-torchlint-table'\n",
            "other/c.py": implicit_dim(),
        },
    )
    result = torchlint("--output-format", "json", cwd=tmp_path)
    # other/pyproject.toml has no [tool.torchlint]: the search goes on upward.
    assert [(code, name) for code, name, _ in codes(result)] == [("TL002", "other/c.py"), ("TL001", "sub/pkg/b.py")]
    # From inside the subproject, too.
    inner = torchlint("--output-format", "json", "pkg", cwd=tmp_path / "sub")
    assert [code for code, _, _ in codes(inner)] == ["TL001"]


def test_config_flag_and_isolated(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": pyproject('select = ["TL002"]\n'),
            "ci.toml": pyproject('select = ["TL001"]\n'),
            "a.py": double_softmax(),
            "b.py": implicit_dim(),
        },
    )
    assert [c for c, _, _ in codes(torchlint("--output-format", "json", cwd=tmp_path))] == ["TL002"]
    assert [c for c, _, _ in codes(torchlint("--config", "ci.toml", "--output-format", "json", cwd=tmp_path))] == ["TL001"]
    isolated = torchlint("--isolated", "--output-format", "json", cwd=tmp_path)
    assert [c for c, _, _ in codes(isolated)] == ["TL001", "TL002"]


def test_cli_flags_override_the_configuration(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": pyproject('select = ["TL002"]\noutput-format = "concise"\n'),
            "a.py": double_softmax(),
            "b.py": implicit_dim(),
        },
    )
    concise = torchlint(cwd=tmp_path)
    assert concise.stdout.splitlines()[0].startswith(f"b.py:{FINDING_ROW}:") and " TL002 " in concise.stdout
    assert " | " not in concise.stdout
    overridden = torchlint("--select", "TL001", "--output-format", "json", cwd=tmp_path)
    assert [c for c, _, _ in codes(overridden)] == ["TL001"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('selectt = ["TL001"]\n', "selectt"),
        ('select = "TL001"\n', "select"),
        ('select = ["TL999"]\n', "select"),
        ('fail-on = "fatal"\n', "fail-on"),
        ('respect-gitignore = "yes"\n', "respect-gitignore"),
        ('output-format = "xml"\n', "output-format"),
        ("per-file-ignores = 3\n", "per-file-ignores"),
    ],
)
def test_bad_configuration_is_exit_2_naming_key_and_file(tmp_path: Path, body: str, key: str) -> None:
    write(tmp_path, {"pyproject.toml": pyproject(body), "a.py": CLEAN})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("torchlint: error: ") and "pyproject.toml" in line and f"'{key}'" in line


def test_invalid_toml_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.torchlint\n", "a.py": CLEAN})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == 2 and "pyproject.toml" in result.stderr


def test_gitignored_files_are_skipped_unless_disabled(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n*_tmp.py\n",
            "generated/a.py": double_softmax(),
            "scratch_tmp.py": double_softmax(),
            "sub/.gitignore": "!keep_tmp.py\n",
            "sub/keep_tmp.py": double_softmax(),
            "train.py": implicit_dim(),
        },
    )
    (tmp_path / ".git").mkdir()
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [(c, name) for c, name, _ in codes(result)] == [("TL001", "sub/keep_tmp.py"), ("TL002", "train.py")]
    everything = torchlint("--no-respect-gitignore", "--output-format", "json", cwd=tmp_path)
    assert len(codes(everything)) == 4
    write(tmp_path, {"pyproject.toml": pyproject("respect-gitignore = false\n")})
    assert len(codes(torchlint("--output-format", "json", cwd=tmp_path))) == 4


def test_force_exclude_applies_to_explicit_files(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": pyproject('extend-exclude = ["migrations"]\n'), "migrations/m.py": double_softmax()})
    assert torchlint("migrations/m.py", cwd=tmp_path).returncode == 1
    assert torchlint("--force-exclude", "migrations/m.py", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("fail_on", "exit_code"), [("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_sets_the_lowest_failing_severity(tmp_path: Path, fail_on: str, exit_code: int) -> None:
    write(tmp_path, {"b.py": implicit_dim()})  # a warning
    assert torchlint("--fail-on", fail_on, cwd=tmp_path).returncode == exit_code
    write(tmp_path, {"pyproject.toml": pyproject(f'fail-on = "{fail_on}"\n')})
    result = torchlint(cwd=tmp_path)
    assert result.returncode == exit_code and "TL002" in result.stdout


# Suppressions


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("  # torchlint: ignore[TL001]", True),
        ("  # torchlint: ignore[TL002, TL001]", True),
        ("  # torchlint: ignore", True),
        ("  # torchlint: ignore[TL002]", False),
    ],
)
def test_torchlint_ignore_comments(tmp_path: Path, comment: str, suppressed: bool) -> None:
    write(tmp_path, {"train.py": double_softmax(comment)})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert codes(result) == ([] if suppressed else [("TL001", "train.py", FINDING_ROW)])


def test_skip_file(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": "# torchlint: skip-file\n" + double_softmax(), "b.py": implicit_dim()})
    result = torchlint("--output-format", "json", cwd=tmp_path)
    assert [(c, name) for c, name, _ in codes(result)] == [("TL002", "b.py")]


def test_noqa_in_a_string_is_not_a_suppression(tmp_path: Path) -> None:
    source = double_softmax().replace("return F.cross_entropy", 'note = "# noqa"\n    return F.cross_entropy')
    write(tmp_path, {"train.py": source})
    assert len(codes(torchlint("--output-format", "json", cwd=tmp_path))) == 1


def test_report_unused_noqa(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "used.py": double_softmax("  # noqa: TL001"),
            "partly.py": double_softmax("  # noqa: TL001, TL003"),
            "stale.py": CLEAN.replace("(x, y)\n", "(x, y)  # torchlint: ignore[TL001]\n"),
            "blanket.py": CLEAN.replace("(x, y)\n", "(x, y)  # noqa\n"),
            "other_tool.py": CLEAN.replace("(x, y)\n", "(x, y)  # noqa: E501\n"),
        },
    )
    assert torchlint(cwd=tmp_path).returncode == 0
    result = torchlint("--report-unused-noqa", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert [(c, name) for c, name, _ in codes(result)] == [
        ("TL100", "blanket.py"),
        ("TL100", "partly.py"),
        ("TL100", "stale.py"),
    ]
    messages = {item["filename"]: item["message"] for item in json.loads(result.stdout)}
    assert messages["partly.py"].startswith("Unused suppression of TL003 in ")


@pytest.mark.parametrize("patterns", [
    [],
    ["generated/", "*_pb2.py", "docs/conf.py", "legacy"],
    ["vendor/**/*.py", "/top.py", "a?c.py", "[ab]*.py"],
    ["build", "!build/keep.py"],  # a negation: pathspec answers, not the combined regex
])
def test_exclude_matcher_agrees_with_pathspec(patterns: list[str]) -> None:
    import pathspec

    config = Config(extend_exclude=patterns)
    spec = pathspec.GitIgnoreSpec.from_lines([*config.exclude, *config.extend_exclude])
    paths = ["a.py", "top.py", "sub/top.py", "abc.py", "bbb.py", "legacy", "legacy/x.py", "x/legacy/y.py",
             "generated/m.py", "src/generated/m.py", "m_pb2.py", "pkg/m_pb2.py", "docs/conf.py",
             "x/docs/conf.py", "vendor/a/b.py", "vendor/b.py", "build/keep.py", "build/x.py", ".venv/x.py",
             ".hidden/", "__pycache__/", "node_modules/a.py", "dist/", "distance.py", "x/build/"]
    for path in paths:
        assert config.excludes(path, is_dir=path.endswith("/")) == spec.match_file(path), path
