"""The progress bar of long runs, on stderr: click's own `progressbar` (click is the CLI's
library already, so nothing is added to the install).

    Linting  [##########--------------------]  1210/3517  0:48 elapsed, 25 files/s, ~1:32 left

It appears only when stderr is a terminal, and only once the run has lasted `DELAY` seconds,
so a fast run shows nothing (no flash); it is erased when the run ends, before the report is
printed. Between two files it is redrawn by a SIGALRM timer rather than a thread: worker
processes are forked while it runs (`--jobs`), and a fork must not copy a thread holding the
stream's lock. The timer is not inherited by the workers.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any, TextIO

import click

DELAY = 1.0  # seconds before the bar appears
TICK = 0.25  # seconds between redraws while no file completes
# Back to the start of the line and clear it; show the cursor (click's bar hides it).
_ERASE = "\r\033[2K"
_SHOW_CURSOR = "\033[?25h"


class Progress:
    """`api.lint_paths`' `progress` callback, drawing the bar: `progress(done, total)`.

    Use it as a context manager: leaving erases the bar and stops the timer, whatever happened.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, label: str = "Linting",
                 delay: float | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled and _is_terminal(self.stream)
        self.label = label
        self.delay = _delay() if delay is None else delay
        self.start = time.monotonic()
        self.done = 0
        self.total = 0
        self.bar: Any = None
        self._ticking = False
        self._drawing = False
        self._previous: Any = None

    def __enter__(self) -> "Progress":
        self.start = time.monotonic()
        if self.enabled:
            self._start_timer()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self._draw()

    def close(self) -> None:
        self._stop_timer()
        if self.bar is not None:
            try:
                self.stream.write(_ERASE + _SHOW_CURSOR)
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self.bar = None

    @property
    def shown(self) -> bool:
        return self.bar is not None

    def _draw(self) -> None:
        if not self.enabled or self.total <= 0 or self._drawing:
            return
        self._drawing = True  # the timer's redraw may come in the middle of the callback's
        try:
            if self.bar is None:
                if time.monotonic() - self.start < self.delay:
                    return
                self.bar = click.progressbar(length=self.total, label=self.label, file=self.stream, show_pos=True,
                                             show_eta=False, item_show_func=self._info)
                self.bar.entered = True
            if self.bar.length != self.total:  # the count of files can only be known late (a shard)
                self.bar.length = self.total
            step = self.done - self.bar.pos
            if step > 0:
                self.bar.update(step)
            else:
                self.bar.render_progress()
        except (OSError, ValueError):  # the terminal went away: no bar, the run goes on
            self.enabled = False
        except RuntimeError:  # a redraw from the timer while a write to the stream was under way
            pass
        finally:
            self._drawing = False

    def _info(self, _item: object) -> str:
        """`0:48 elapsed, 25 files/s, ~1:32 left` (what is left once a file is done)."""
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        info = f"{_clock(elapsed)} elapsed, {rate:.1f} files/s" if rate < 10 else \
            f"{_clock(elapsed)} elapsed, {rate:.0f} files/s"
        if self.done and self.done < self.total:
            info += f", ~{_clock((self.total - self.done) / rate)} left"
        return info

    def _start_timer(self) -> None:
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            return  # redrawn as files complete only
        try:
            self._previous = signal.signal(signal.SIGALRM, self._tick)
        except (ValueError, OSError):
            return
        signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
        self._ticking = True

    def _stop_timer(self) -> None:
        if not self._ticking:
            return
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self._previous if self._previous is not None else signal.SIG_DFL)
        self._ticking = False

    def _tick(self, _signum: int, _frame: object) -> None:
        self._draw()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def _delay() -> float:
    """`DELAY`, or TORCHLINT_PROGRESS_DELAY seconds (the tests show the bar on a short run)."""
    try:
        return float(os.environ.get("TORCHLINT_PROGRESS_DELAY", DELAY))
    except ValueError:
        return DELAY
