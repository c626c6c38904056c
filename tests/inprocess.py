"""Run the CLI inside the test process: the same `main` as the entry point, without
paying a Python start-up and the LibCST import (about a second) per call.
Tests that need a real process (a TTY, the installed script) use test_cli.torchlint."""

from __future__ import annotations

import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from torchlint.cli import main


def torchlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    saved = {name: os.environ.pop(name, None) for name in ("FORCE_COLOR", "NO_COLOR")}
    os.environ["NO_COLOR"] = "1"
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(previous)
        os.environ.pop("NO_COLOR", None)
        os.environ.update({name: value for name, value in saved.items() if value is not None})
    return subprocess.CompletedProcess(["torchlint", *args], code, out.getvalue(), err.getvalue())
