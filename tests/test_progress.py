"""The progress bar of long runs (#19 item 2), seen as a user sees it: the installed
`torchlint` with its stderr on a real pseudo-terminal (or a pipe), its stdout a pipe.

TORCHLINT_PROGRESS_DELAY=0 shows the bar at once, so a small project is enough to see it;
one test keeps the default delay on a run that takes longer than it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from test_cli import TORCHLINT, double_softmax

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

ERASED = b"\r\x1b[2K\x1b[?25h"  # the line cleared and the cursor shown again, as the run ends
MODEL = """\
import torch.nn as nn
import torch.nn.functional as F


class Net{i}(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        return F.softmax(self.layers(x), dim=1)


def train{i}(x, y):
    return F.cross_entropy(Net{i}()(x), y)
"""


def project(root: Path, files: int) -> Path:
    for i in range(files):
        (root / f"m{i:03}.py").write_text(MODEL.format(i=i) * 3)
    return root


def run(root: Path, *args: str, terminal: bool = True, delay: str | None = "0") -> tuple[int, str, bytes, float]:
    """(exit code, stdout, what reached stderr, seconds): stderr a pseudo-terminal or a pipe."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TORCHLINT_PROGRESS_DELAY", None)
    if delay is not None:
        env["TORCHLINT_PROGRESS_DELAY"] = delay
    command = [str(TORCHLINT), "--no-cache", "--output-format", "concise", *args]
    start = time.monotonic()
    if not terminal:
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                                timeout=300)
        return result.returncode, result.stdout.decode(), result.stderr, time.monotonic() - start
    master, slave = os.openpty()
    try:
        process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=slave)
    finally:
        os.close(slave)
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal's last end
                return
            if not data:
                return
            seen.extend(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        out, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=10)
        os.close(master)
    return process.returncode, out.decode(), bytes(seen), time.monotonic() - start


def test_the_bar_shows_files_elapsed_and_rate_on_a_terminal_then_goes(tmp_path: Path) -> None:
    project(tmp_path, 12)
    code, out, terminal, _ = run(tmp_path, "-j", "1")
    assert code == 1 and out.count(": TL001 ") == 12
    text = terminal.decode()
    assert "Linting  [" in text and "12/12" in text and " elapsed, " in text and " files/s" in text
    assert "0/12" in text or "1/12" in text  # drawn as it goes, not only at the end
    assert terminal.endswith(ERASED)  # and erased before the report, which goes to stdout
    # With worker processes too (the bar advances as their chunks come back).
    code, _, terminal, _ = run(tmp_path, "-j", "2")
    assert code == 1 and b"12/12" in terminal and terminal.endswith(ERASED)


def test_nothing_when_stderr_is_a_pipe_or_when_asked_not_to(tmp_path: Path) -> None:
    project(tmp_path, 3)
    code, out, stderr, _ = run(tmp_path, terminal=False)
    assert (code, stderr) == (1, b"") and out.count(": TL001 ") == 3
    for flags in (["--no-progress"], ["-q"], ["--quiet"]):
        code, out, terminal, _ = run(tmp_path, *flags)
        assert code == 1 and terminal == b"", flags
    code, out, terminal, _ = run(tmp_path, "-q")
    assert out.count(": TL001 ") == 3 and "Found" not in out


def test_a_run_shorter_than_the_delay_shows_nothing(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(double_softmax())
    code, out, terminal, _ = run(tmp_path, delay="30")
    assert code == 1 and ": TL001 " in out and terminal == b""  # no flash of a bar


def test_the_default_delay_on_a_run_that_outlasts_it(tmp_path: Path) -> None:
    project(tmp_path, 25)
    code, _, terminal, seconds = run(tmp_path, "-j", "1", delay=None)
    assert code == 1
    if seconds > 3:  # the run outlasted the delay (and the interpreter's start) by far
        assert b"Linting  [" in terminal and b"25/25" in terminal and terminal.endswith(ERASED)
    elif seconds < 1:
        assert terminal == b""
