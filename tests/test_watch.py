"""`torchlint check --watch` (#19 item 4): the installed command in a real process lints, then
lints again when a file changes, until Ctrl-C (exit 130)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_cli import TORCHLINT, double_softmax, torchlint

pytest.importorskip("watchfiles")

TIMEOUT = 60


class Lines:
    """A stream's lines as they come, read by a thread."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.read = 0  # lines already matched by a wait_for
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put(line)

    def wait_for(self, text: str, deadline: float) -> None:
        """Until a line after the one the last wait found contains `text`."""
        while True:
            for index in range(self.read, len(self.seen)):
                if text in self.seen[index]:
                    self.read = index + 1
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {text!r} in {self.seen[self.read:]}")
            try:
                self.seen.append(self.queue.get(timeout=remaining))
            except queue.Empty:
                continue


def test_watch_lints_again_when_a_file_changes(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("x = 1\n")
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen([str(TORCHLINT), "check", "--watch", "--output-format", "concise"], cwd=tmp_path,
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        out, err = Lines(process.stdout), Lines(process.stderr)
        deadline = time.monotonic() + TIMEOUT
        out.wait_for("All checks passed!", deadline)
        err.wait_for("watching . for changes (Ctrl-C to stop)", deadline)
        (tmp_path / "train.py").write_text(double_softmax())
        out.wait_for("train.py:5:28: TL001", deadline)
        err.wait_for("1 file changed: linting again", deadline)
        out.wait_for("Found 1 finding (1 error).", deadline)
        # The cache it writes (and a file of another kind) set off nothing; a fix of the file does.
        (tmp_path / "notes.txt").write_text("hello\n")
        (tmp_path / "train.py").write_text(double_softmax().replace("F.softmax(x, dim=1)", "x"))
        out.wait_for("All checks passed!", deadline)
        err.wait_for("1 file changed: linting again", deadline)
        err.wait_for("watching . for changes", deadline)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 130
        changes = [line for line in err.seen + list(err.queue.queue) if "changed: linting again" in line]
        assert len(changes) == 2, changes  # notes.txt and the cache set off no run
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_watch_refuses_what_would_write_files(tmp_path: Path) -> None:
    for flag in ("--fix", "--add-noqa", "--diff"):
        result = torchlint("--watch", flag, cwd=tmp_path)
        assert result.returncode == 2 and f"--watch cannot be combined with {flag}" in result.stderr


def test_watch_without_watchfiles_says_what_to_install(tmp_path: Path) -> None:
    # watchfiles hidden from the process: a module of that name that fails to import.
    (tmp_path / "hide").mkdir()
    (tmp_path / "hide" / "watchfiles.py").write_text("raise ImportError('hidden')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "hide")}
    result = subprocess.run([sys.executable, "-m", "torchlint", "--watch"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2
    assert result.stderr == 'torchlint: error: --watch needs the watchfiles package: pip install "torchlint[watch]"\n'
