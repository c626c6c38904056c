"""`torchlint check --stdin-filename PATH -` (issue #18, item 2): standard input linted as if it
were that file, in real subprocesses of the installed command, as editors and ruff users run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from torchlint.api import lint_buffer
from torchlint.config import ConfigResolver
from torchlint.fix import fix_buffer

from test_cli import TORCHLINT, write

LOG_OF_SOFTMAX = """\
import torch
import torch.nn.functional as F


def log_probabilities(x):
    return torch.log(F.softmax(x, dim=1))
"""
CLEAN = "import torch.nn.functional as F\n\n\ndef probabilities(x):\n    return F.softmax(x, dim=1)\n"
FIXED = "import torch.nn.functional as F\n\n\ndef log_probabilities(x):\n    return F.log_softmax(x, dim=1)\n"


def stdin_run(*args: str, cwd: Path, data: bytes | str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    raw = data.encode() if isinstance(data, str) else data
    return subprocess.run([str(TORCHLINT), *args], cwd=cwd, env=env, input=raw, capture_output=True, timeout=120)


def report(result: subprocess.CompletedProcess[bytes], stream: str = "stdout") -> list[tuple[str, str, int, int]]:
    items = json.loads(getattr(result, stream))
    return [(item["code"], item["filename"], item["location"]["row"], item["location"]["column"]) for item in items]


def test_the_buffer_is_linted_not_the_file_on_disk(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.torchlint]\n", "pkg/ops.py": CLEAN})
    result = stdin_run("check", "--output-format", "json", "--stdin-filename", "pkg/ops.py", "-",
                       cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert result.returncode == 1, result.stderr
    assert report(result) == [("TL006", os.path.join("pkg", "ops.py"), 6, 12)]
    assert result.stderr == b""
    assert (tmp_path / "pkg/ops.py").read_text() == CLEAN
    # The text report shows the buffer's line, not the file's.
    text = stdin_run("--stdin-filename", "pkg/ops.py", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert b"6 |     return torch.log(F.softmax(x, dim=1))" in text.stdout
    # Without --stdin-filename, `-` is standard input as a file named `-`.
    dash = stdin_run("--output-format", "json", "-", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert report(dash) == [("TL006", "-", 6, 12)]
    clean = stdin_run("--stdin-filename", "pkg/ops.py", "-", cwd=tmp_path, data=CLEAN)
    assert clean.returncode == 0 and clean.stdout == b"All checks passed!\n"


def test_per_file_ignores_apply_by_the_stdin_filename(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.torchlint]\nper-file-ignores = {"scripts/*" = ["TL006"]}\n'})
    ignored = stdin_run("--output-format", "json", "--stdin-filename", "scripts/new.py", "-",
                        cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert ignored.returncode == 0 and report(ignored) == []
    reported = stdin_run("--output-format", "json", "--stdin-filename", "src/new.py", "-",
                         cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert reported.returncode == 1 and [code for code, *_ in report(reported)] == ["TL006"]
    # A configuration in a subproject is found from the path too.
    write(tmp_path, {"sub/pyproject.toml": '[tool.torchlint]\nignore = ["TL006"]\n'})
    sub = stdin_run("--output-format", "json", "--stdin-filename", "sub/x.py", "-", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert report(sub) == []


def test_fix_writes_the_fixed_source_to_stdout_and_leaves_the_disk_alone(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.torchlint]\n", "ops.py": LOG_OF_SOFTMAX})
    result = stdin_run("check", "--fix", "--stdin-filename", "ops.py", "-", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == FIXED
    assert result.stderr.decode().splitlines()[-1] == "Fixed 1 finding, 0 remaining."
    assert (tmp_path / "ops.py").read_text() == LOG_OF_SOFTMAX
    # What cannot be fixed is reported on stderr, the source comes back unchanged.
    unfixable = LOG_OF_SOFTMAX + "\n\ndef implicit(x):\n    return F.softmax(x)\n"
    left = stdin_run("--fix", "--output-format", "json", "--stdin-filename", "ops.py", "-", cwd=tmp_path, data=unfixable)
    assert left.returncode == 1
    assert left.stdout.decode() == FIXED + "\n\ndef implicit(x):\n    return F.softmax(x)\n"
    assert report(left, "stderr") == [("TL002", "ops.py", 9, 12)]  # in the fixed source
    # --diff prints the diff of the buffer and writes nothing.
    diff = stdin_run("--diff", "--stdin-filename", "ops.py", "-", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert diff.returncode == 1
    assert diff.stdout.decode().startswith("--- ops.py\n+++ ops.py\n")
    assert "+    return F.log_softmax(x, dim=1)\n" in diff.stdout.decode()
    # --fix-only: the fixed source alone on stdout, exit 0.
    only = stdin_run("--fix-only", "--stdin-filename", "ops.py", "-", cwd=tmp_path, data=unfixable)
    assert only.returncode == 0 and only.stdout.decode().startswith(FIXED)
    assert (tmp_path / "ops.py").read_text() == LOG_OF_SOFTMAX


def test_fix_keeps_the_buffers_encoding_and_line_endings(tmp_path: Path) -> None:
    source = ("# -*- coding: latin-1 -*-\n" + LOG_OF_SOFTMAX + "NAME = 'caf\xe9'\n").replace("\n", "\r\n")
    result = stdin_run("--fix", "--stdin-filename", "ops.py", "-", cwd=tmp_path, data=source.encode("latin-1"))
    assert result.returncode == 0, result.stderr
    expected = ("# -*- coding: latin-1 -*-\n" + FIXED + "NAME = 'caf\xe9'\n").replace("\n", "\r\n")
    assert result.stdout == expected.encode("latin-1")


def test_cross_file_flow_both_ways(tmp_path: Path) -> None:
    """The buffer's imports come from disk, and the files on disk that import it are analysed with it."""
    model = textwrap.dedent("""\
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)
    """)
    train = "import torch.nn as nn\nfrom model import Net\n\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n"
    write(tmp_path, {"pyproject.toml": "[tool.torchlint]\n", "model.py": model.replace("F.softmax(", "(")})
    # The loss is in the buffer, the softmax in model.py on disk: found where the model is.
    write(tmp_path, {"model.py": model})
    forward = stdin_run("--output-format", "json", "--stdin-filename", "train.py", "-", cwd=tmp_path, data=train)
    # The softmax is in model.py, the loss it reaches in the buffer: a finding that touches the
    # buffer's file (a related location in it) is reported, as `torchlint train.py` reports it.
    assert report(forward) == [("TL001", "model.py", 11, 16)]
    related = json.loads(forward.stdout)[0]["related"]
    assert [(item["filename"], item["location"]["row"]) for item in related] == [("train.py", 4)]
    # The softmax is in the buffer (model.py, not yet saved), the loss in train.py on disk.
    write(tmp_path, {"model.py": model.replace("F.softmax(", "("), "train.py": train})
    backward = stdin_run("--output-format", "json", "--stdin-filename", "model.py", "-", cwd=tmp_path, data=model)
    assert report(backward) == [("TL001", "model.py", 11, 16)]
    related = json.loads(backward.stdout)[0]["related"]
    assert [(item["filename"], item["location"]["row"]) for item in related] == [("train.py", 4)]
    # And a softmax fed to a loss in the buffer itself through a helper on disk.
    write(tmp_path, {"helpers.py": "import torch.nn.functional as F\n\n\ndef loss_of(p, y):\n"
                                   "    return F.cross_entropy(p, y)\n"})
    buffer = "import torch.nn.functional as F\nfrom helpers import loss_of\n\nl = loss_of(F.softmax(z, dim=1), t)\n"
    through = stdin_run("--output-format", "json", "--stdin-filename", "step.py", "-", cwd=tmp_path, data=buffer)
    assert report(through) == [("TL001", "step.py", 4, 13)]


def test_bad_input(tmp_path: Path) -> None:
    not_utf8 = stdin_run("--output-format", "json", "--stdin-filename", "x.py", "-", cwd=tmp_path, data=b"x = '\xff'\n")
    assert not_utf8.returncode == 1 and not_utf8.stderr == b""
    assert [code for code, *_ in report(not_utf8)] == ["TL000"]
    broken = "import torch.nn.functional as F\nprint 'x'\nloss = F.cross_entropy(F.softmax(z, dim=1), y)\n"
    recovered = stdin_run("--output-format", "json", "--stdin-filename", "x.py", "-", cwd=tmp_path, data=broken)
    assert report(recovered) == [("TL000", "x.py", 2, 1), ("TL001", "x.py", 3, 24)]
    # --fix leaves a buffer that does not parse as it came.
    fixed = stdin_run("--fix", "--stdin-filename", "x.py", "-", cwd=tmp_path, data=broken)
    assert fixed.returncode == 1 and fixed.stdout == broken.encode()
    empty = stdin_run("--stdin-filename", "x.py", "-", cwd=tmp_path, data=b"")
    assert empty.returncode == 0 and empty.stdout == b"All checks passed!\n"
    both = stdin_run("--stdin-filename", "x.py", "other.py", cwd=tmp_path, data=b"")
    assert both.returncode == 2 and b"standard input cannot be linted together with other paths" in both.stderr


def test_force_exclude_excludes_the_stdin_filename(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.torchlint]\nextend-exclude = ["generated"]\n',
                     "generated/ops.py": CLEAN})
    kept = stdin_run("--output-format", "json", "--stdin-filename", "generated/ops.py", "-",
                     cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert [code for code, *_ in report(kept)] == ["TL006"]  # named explicitly: linted, as ruff does
    excluded = stdin_run("--force-exclude", "--output-format", "json", "--fix", "--stdin-filename",
                         "generated/ops.py", "-", cwd=tmp_path, data=LOG_OF_SOFTMAX)
    assert excluded.returncode == 0 and excluded.stdout.decode() == LOG_OF_SOFTMAX  # echoed unchanged
    assert report(excluded, "stderr") == []


def test_the_library_entry_points(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.torchlint]\n", "ops.py": CLEAN})
    monkeypatch.chdir(tmp_path)
    resolver = ConfigResolver()
    result = lint_buffer(LOG_OF_SOFTMAX, "ops.py", resolver)
    assert [(f.code, f.filename) for f in result.findings] == [("TL006", "ops.py")] and result.files == ["ops.py"]
    fixed = fix_buffer(LOG_OF_SOFTMAX.encode(), "./ops.py", resolver)
    assert (fixed.data.decode(), fixed.fixed, fixed.remaining) == (FIXED, 1, [])
    assert (tmp_path / "ops.py").read_text() == CLEAN


def test_flake8_lints_stdin_as_the_file_it_names(tmp_path: Path) -> None:
    flake8 = Path(sys.executable).parent / "flake8"
    write(tmp_path, {"pyproject.toml": '[tool.torchlint]\nper-file-ignores = {"scripts/*" = ["TL006"]}\n'})
    for name, expected in (("scripts/x.py", b""), ("src/x.py", b"src/x.py:6:12: TL006 ")):
        result = subprocess.run([str(flake8), "--select", "TL", "--stdin-display-name", name, "-"], cwd=tmp_path,
                                input=LOG_OF_SOFTMAX.encode(), capture_output=True, timeout=120)
        assert result.stdout.startswith(expected) and (expected or result.stdout == b""), result
