"""The command line's ruff conventions (#19 item 4, and the baseline's count of item 5):
unknown subcommands, `rule NAME`, `--quiet`, `--show-files`, `--show-settings`, `--add-noqa`,
and "All checks passed!" saying what a baseline hid. In-process (tests/inprocess.py) where a
real process adds nothing; the installed script where the exit path matters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inprocess import torchlint
from test_cli import double_softmax, implicit_dim, torchlint as torchlint_process, write

TWO_FINDINGS = """\
import torch.nn.functional as F


def loss_fn(x, y):
    return F.cross_entropy(F.softmax(x, dim=1), y)


def probabilities(x):
    return F.softmax(x)
"""
NEW_FINDING = """

def more(x):
    return F.log_softmax(x)
"""


# The baseline's hidden findings


def test_all_checks_passed_says_how_many_findings_the_baseline_hid(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TWO_FINDINGS})
    assert torchlint("--write-baseline", "baseline.json", cwd=tmp_path).returncode == 0
    for output_format in ("text", "concise"):
        result = torchlint("--baseline", "baseline.json", "--output-format", output_format, cwd=tmp_path)
        assert result.returncode == 0
        assert result.stdout == "All checks passed! (2 findings hidden by the baseline)\n"
    statistics = torchlint("--baseline", "baseline.json", "--statistics", cwd=tmp_path)
    assert statistics.stdout == "All checks passed! (2 findings hidden by the baseline)\n"
    # Without a baseline, or with one that hides nothing, the line is the usual one.
    (tmp_path / "train.py").write_text("x = 1\n")
    assert torchlint("--baseline", "baseline.json", cwd=tmp_path).stdout == "All checks passed!\n"


def test_the_summary_counts_the_hidden_findings_next_to_the_new_ones(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TWO_FINDINGS})
    torchlint("--write-baseline", "baseline.json", cwd=tmp_path)
    with (tmp_path / "train.py").open("a") as handle:
        handle.write(NEW_FINDING)
    for output_format in ("text", "concise"):
        result = torchlint("--baseline", "baseline.json", "--output-format", output_format, cwd=tmp_path)
        assert result.returncode == 1
        assert "Found 1 finding (1 warning); 2 more hidden by the baseline." in result.stdout.splitlines()
    as_json = torchlint("--baseline", "baseline.json", "--output-format", "json", cwd=tmp_path)
    assert [item["location"]["row"] for item in json.loads(as_json.stdout)] == [13]


# --quiet


def test_quiet_prints_the_findings_and_nothing_else(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TWO_FINDINGS})
    loud = torchlint("--output-format", "concise", cwd=tmp_path)
    quiet = torchlint("--output-format", "concise", "-q", cwd=tmp_path)
    assert quiet.returncode == loud.returncode == 1
    assert quiet.stdout.splitlines() == [line for line in loud.stdout.splitlines() if ": TL0" in line]
    text = torchlint("--quiet", cwd=tmp_path)
    assert "Found" not in text.stdout and "fixable" not in text.stdout and "TL001" in text.stdout
    # Nothing at all when nothing is found; a note it would print is dropped too.
    (tmp_path / "train.py").write_text("x = 1\n")
    clean = torchlint("-q", cwd=tmp_path)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    written = torchlint("-q", "--write-baseline", "b.json", cwd=tmp_path)
    assert (written.returncode, written.stderr) == (0, "")


# Subcommands


@pytest.mark.parametrize(("typed", "suggested"), [("rulez", "'rule' or 'rules'"), ("chek", "'check'"),
                                                  ("sever", "'server'")])
def test_an_unknown_subcommand_names_the_commands(tmp_path: Path, typed: str, suggested: str) -> None:
    result = torchlint_process(typed, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"torchlint: error: unknown command '{typed}'; did you mean {suggested}? ")
    assert "(commands: check, clean, rule, rules, run, server;" in line


def test_an_unknown_word_without_a_close_command_is_still_an_error(tmp_path: Path) -> None:
    result = torchlint("frobnicate", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown command 'frobnicate' (commands: check, clean, rule, rules, run, server;" in result.stderr


def test_an_existing_path_that_reads_like_a_command_is_linted(tmp_path: Path) -> None:
    # A directory called `rulez` and an extension-less script called `chek` are paths.
    write(tmp_path, {"rulez/train.py": double_softmax(), "chek": implicit_dim()})
    directory = torchlint("rulez", "--output-format", "json", cwd=tmp_path)
    assert directory.returncode == 1 and json.loads(directory.stdout)[0]["code"] == "TL001"
    script = torchlint("chek", "--output-format", "json", cwd=tmp_path)
    assert script.returncode == 1 and json.loads(script.stdout)[0]["code"] == "TL002"


@pytest.mark.parametrize("path", ["missing.py", "src/missing", "./missing"])
def test_a_missing_path_is_still_a_missing_path(tmp_path: Path, path: str) -> None:
    result = torchlint(path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"torchlint: error: {path}: no such file or directory\n"


@pytest.mark.parametrize("name", ["softmax-before-cross-entropy", "SOFTMAX_BEFORE_CROSS_ENTROPY", "TL001", "tl001"])
def test_rule_by_name_or_code(tmp_path: Path, name: str) -> None:
    result = torchlint("rule", name, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# softmax-before-cross-entropy (TL001)\n")


def test_unknown_rule_name_suggests_the_closest(tmp_path: Path) -> None:
    result = torchlint("rule", "softmax-before-crossentropy", cwd=tmp_path)
    assert result.returncode == 2
    assert "did you mean 'softmax-before-cross-entropy'?" in result.stderr


# --show-files, --show-settings


def test_show_files_lists_what_would_be_linted(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.torchlint]\nextend-exclude = ["legacy/"]\n',
        "src/train.py": double_softmax(), "src/stub.pyi": "x: int\n", "nb.ipynb": "{}",
        "legacy/old.py": double_softmax(), "venv/lib.py": "", "notes.txt": "",
    })
    result = torchlint("--show-files", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == ["nb.ipynb", "src/stub.pyi", "src/train.py"]
    named = torchlint("--show-files", "src/train.py", "legacy/old.py", cwd=tmp_path)
    assert named.stdout.splitlines() == ["legacy/old.py", "src/train.py"]
    forced = torchlint("--show-files", "--force-exclude", "src/train.py", "legacy/old.py", cwd=tmp_path)
    assert forced.stdout.splitlines() == ["src/train.py"]


def test_show_settings_names_the_file_and_the_resolved_keys(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.torchlint]\nignore = ["TL002"]\nfail-on = "warning"\n'
                          '[tool.torchlint.per-file-ignores]\n"tests/*" = ["TL001"]\n',
        "tests/test_a.py": double_softmax(),
        "sub/pyproject.toml": '[tool.torchlint]\nselect = ["TL001"]\n', "sub/b.py": "",
    })
    result = torchlint("--show-settings", "--extend-select", "TL100", "tests/test_a.py", "sub/b.py", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    first, second, run = result.stdout.split("\n\n")
    lines = first.splitlines()
    assert lines[0] == "# Settings for tests/test_a.py: pyproject.toml [tool.torchlint], with --extend-select"
    assert 'ignore = ["TL002"]' in lines and 'fail-on = "warning"' in lines and 'extend-select = ["TL100"]' in lines
    assert 'per-file-ignores = {"tests/*": ["TL001"]}' in lines
    assert "TL002" not in lines[-2] and lines[-2].startswith("# rules enabled: TL000, TL001, TL003")
    assert lines[-1] == "# not reported in this file (per-file-ignores): TL001"
    assert second.splitlines()[0] == "# Settings for sub/b.py: sub/pyproject.toml [tool.torchlint], with --extend-select"
    assert 'select = ["TL001"]' in second.splitlines()
    assert run.strip() == '# For the whole run: output-format = "text", fail-on = "warning"'
    isolated = torchlint("--show-settings", "--isolated", cwd=tmp_path)
    assert isolated.stdout.startswith("# Settings for .: no configuration file (--isolated)\nselect = [\"TL\"]\n")
    # TL100 only runs when asked for.
    assert "TL017\n" in isolated.stdout and "TL100" not in isolated.stdout


def test_show_settings_reports_a_bad_configuration(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.torchlint]\nselectt = ["TL001"]\n'})
    result = torchlint("--show-settings", cwd=tmp_path)
    assert result.returncode == 2 and "unknown key 'selectt'" in result.stderr


# --add-noqa

ADOPTED = '''\
import torch.nn.functional as F


def loss_fn(x, y):
    return F.cross_entropy(F.softmax(x, dim=1), y)  # noqa: E501 (long line)


def probabilities(x):
    return F.softmax(x)   # why: legacy


def both(x):
    p = F.softmax(x); q = F.log_softmax(x)
    return p, q


def in_a_string(x):
    return F.softmax(x), """
    text"""


def continued(x):
    return F.softmax(x) + \\
        1
'''


def test_add_noqa_suppresses_every_finding_where_the_next_run_reads_it(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": ADOPTED})
    result = torchlint("--add-noqa", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    lines = (tmp_path / "train.py").read_text().splitlines()
    assert lines[4].endswith("y)  # noqa: E501, TL001 (long line)")  # merged into the codes there
    assert lines[8].endswith("F.softmax(x)   # why: legacy  # noqa: TL002")  # after another comment
    assert lines[12].endswith("q = F.log_softmax(x)  # noqa: TL002")  # one comment for two findings
    # A line ending inside a string or in a backslash continuation takes no comment: said, not done.
    assert lines[17] == "    return F.softmax(x), \"\"\"" and lines[22].endswith("+ \\")
    assert result.stderr.splitlines() == [
        "torchlint: warning: train.py:18: TL002 not suppressed: the line ends inside a multi-line string, "
        "where no comment can go (baseline it instead)",
        "torchlint: warning: train.py:23: TL002 not suppressed: the line ends in a `\\` continuation, "
        "where no comment can go",
        "torchlint: added `# noqa` to 3 lines in 1 file",
    ]
    after = torchlint("--output-format", "json", cwd=tmp_path)
    assert [item["location"]["row"] for item in json.loads(after.stdout)] == [18, 23]
    # Idempotent: a second run adds nothing and changes no byte.
    before = (tmp_path / "train.py").read_bytes()
    again = torchlint("--add-noqa", cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.splitlines()[-1] == "torchlint: no `# noqa` to add"
    assert (tmp_path / "train.py").read_bytes() == before


def test_add_noqa_keeps_encoding_line_endings_and_leaves_broken_files_and_notebooks_alone(tmp_path: Path) -> None:
    crlf = implicit_dim().replace("\n", "\r\n").encode()
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + implicit_dim()).encode("latin-1")
    broken = b"print 'x'\n" + implicit_dim().encode()
    notebook = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                      "source": implicit_dim()}], "metadata": {}, "nbformat": 4,
                           "nbformat_minor": 5})
    (tmp_path / "crlf.py").write_bytes(crlf)
    (tmp_path / "latin.py").write_bytes(latin)
    (tmp_path / "broken.py").write_bytes(broken)
    (tmp_path / "nb.ipynb").write_text(notebook)
    result = torchlint("--add-noqa", cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "crlf.py").read_bytes() == crlf.replace(b"F.softmax(x)\r\n", b"F.softmax(x)  # noqa: TL002\r\n")
    assert (tmp_path / "latin.py").read_bytes() == latin.replace(b"F.softmax(x)\n", b"F.softmax(x)  # noqa: TL002\n")
    assert (tmp_path / "broken.py").read_bytes() == broken
    assert (tmp_path / "nb.ipynb").read_text() == notebook
    assert "torchlint: warning: broken.py: no noqa comment added: it does not parse (fix its syntax error first)" \
        in result.stderr.splitlines()
    assert "torchlint: warning: nb.ipynb: no noqa comment added: a notebook (add the comments in its cells)" \
        in result.stderr.splitlines()


def test_add_noqa_goes_on_the_finding_line_in_another_file(tmp_path: Path) -> None:
    # The softmax is in model.py, the loss in train.py: the finding (and its comment) is model.py's.
    write(tmp_path, {
        "model.py": "import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Net(nn.Module):\n"
                    "    def forward(self, x):\n        return F.softmax(x, dim=1)\n",
        "train.py": "import torch.nn as nn\nfrom model import Net\n\n\ndef step(x, y):\n"
                    "    return nn.CrossEntropyLoss()(Net()(x), y)\n",
    })
    assert torchlint("--add-noqa", cwd=tmp_path).returncode == 0
    assert (tmp_path / "model.py").read_text().splitlines()[6] == "        return F.softmax(x, dim=1)  # noqa: TL001"
    assert "noqa" not in (tmp_path / "train.py").read_text()
    assert torchlint(cwd=tmp_path).returncode == 0


def test_add_noqa_respects_the_baseline_and_refuses_fixing_flags(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TWO_FINDINGS})
    torchlint("--write-baseline", "baseline.json", "--select", "TL001", cwd=tmp_path)
    assert torchlint("--add-noqa", "--baseline", "baseline.json", cwd=tmp_path).returncode == 0
    text = (tmp_path / "train.py").read_text()
    assert "# noqa: TL002" in text and "TL001" not in text  # only what the run reports
    for flag in ("--fix", "--diff", "--fix-only"):
        result = torchlint("--add-noqa", flag, cwd=tmp_path)
        assert result.returncode == 2 and f"--add-noqa cannot be combined with {flag}" in result.stderr


@pytest.mark.parametrize(("line", "expected"), [
    ("x = f(y)", "x = f(y)  # noqa: TL001, TL002"),
    ("x = f(y)   \t", "x = f(y)  # noqa: TL001, TL002"),
    ("x = f(y)  #noqa:TL002", "x = f(y)  #noqa:TL002, TL001"),
    ("x = f(y)  # NOQA: e501 tl001", "x = f(y)  # NOQA: e501 tl001, TL002"),
    ("x = f(y)  # noqa: because", "x = f(y)  # noqa: TL001, TL002 because"),
    ("x = f(y)  # torchlint: ignore[TL003]", "x = f(y)  # torchlint: ignore[TL003]  # noqa: TL001, TL002"),
    ("x = f(y)  # type: ignore", "x = f(y)  # type: ignore  # noqa: TL001, TL002"),
    ("x = f('# noqa: TL009')", "x = f('# noqa: TL009')  # noqa: TL001, TL002"),
])
def test_noqa_codes_merge_into_the_line(line: str, expected: str) -> None:
    from torchlint.noqa import _with_noqa
    from torchlint.suppress import Suppressions

    text, added, refused = _with_noqa(f"import f\n{line}\n", {2: {"TL002", "TL001"}})
    assert (text, added, refused) == (f"import f\n{expected}\n", 1, {})
    assert Suppressions(text.splitlines()).suppress(2, "TL001") and Suppressions(text.splitlines()).suppress(2, "TL002")
