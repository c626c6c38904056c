"""`pytest --torchlint`: watch the project's own tests for activation and loss misuse.

Registered through the `pytest11` entry point, so every pytest run of anyone who installs
torchlint imports this module: it imports only the standard library and pytest at module level,
and does nothing unless asked (`--torchlint`, `--torchlint-report FILE`, or `torchlint = true`
in the pytest ini). `-p no:torchlint` removes it.

When asked, each test runs under its own `torchlint.watch()` (no model: every torch call of the
test's thread is seen), from its setup to its teardown, so each finding names the test (and the
phase, when a fixture's setup or teardown made it) that triggered it. Findings seen in several
tests are reported once, with the first test and how many others. torch is imported only when a
test has imported it already: a suite without torch pays nothing but this module's import.
The watcher's `TorchlintWarning`s are not issued into the tests (the summary lists each finding
once, and a test's own warning filters, `-W error` for one, would turn them into failures);
`pytest.warns(torchlint.TorchlintWarning)` inside a test still sees them.

At the end: a "torchlint" section in pytest's summary, `path:line:col: CODE message (test:
nodeid)`; `--torchlint-report FILE` writes the findings as `torchlint run --report` does, the
JSON `torchlint check --runtime-report FILE` merges; `--torchlint-fail-on` (default `error`)
makes the session's exit status 1 when a finding at or above that severity was seen, even if
every test passed.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding
    from .watch import Watch

FAIL_ON = ("error", "warning", "info", "never")
DEFAULT_FAIL_ON = "error"
_RANK = {"error": 2, "warning": 1, "info": 0}  # catalog.Severity.rank, without importing it here
PLUGIN_NAME = "torchlint-watcher"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torchlint", "torchlint: activation and loss misuse seen while the tests run")
    group.addoption(
        "--torchlint", action="store_true", default=False,
        help="Watch every test's torch calls with torchlint.watch and report the misuse seen, with "
             "the test that triggered it.",
    )
    group.addoption(
        "--torchlint-fail-on", choices=FAIL_ON, default=None,
        help="Exit status 1 when a finding at or above this severity was seen, even if every test "
             f"passed ('never': findings never fail the session). [default: {DEFAULT_FAIL_ON}, or the "
             "torchlint_fail_on ini value]",
    )
    group.addoption(
        "--torchlint-report", metavar="FILE", default=None,
        help="Also write the findings as JSON to FILE (the format `torchlint check --runtime-report "
             "FILE` merges). Implies --torchlint.",
    )
    parser.addini("torchlint", type="bool", default=False,
                  help="Run the torchlint watcher as if --torchlint were given.")
    parser.addini("torchlint_fail_on", default=DEFAULT_FAIL_ON,
                  help=f"Default of --torchlint-fail-on: one of {', '.join(FAIL_ON)}.")


def pytest_configure(config: pytest.Config) -> None:
    report = config.getoption("torchlint_report")
    if not (config.getoption("torchlint") or report or config.getini("torchlint")):
        return
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: see TorchlintPlugin.xdist_note
        return
    fail_on = config.getoption("torchlint_fail_on") or str(config.getini("torchlint_fail_on")).strip().lower()
    if fail_on not in FAIL_ON:
        raise pytest.UsageError(f"torchlint_fail_on = {fail_on!r}: expected one of {', '.join(FAIL_ON)}")
    invocation = str(config.invocation_params.dir)
    if report:
        report = os.path.join(invocation, report)
        directory = os.path.dirname(report)
        if not os.path.isdir(directory):
            raise pytest.UsageError(f"--torchlint-report {report}: no such directory {directory}")
    config.pluginmanager.register(TorchlintPlugin(config, fail_on, report, invocation), PLUGIN_NAME)


class _Seen:
    """One finding of the session: the first test's copy, and every test that made it again."""

    __slots__ = ("finding", "test", "phase", "tests", "count")

    def __init__(self, finding: "Finding", test: str, phase: str | None) -> None:
        self.finding = finding
        self.test = test
        self.phase = phase  # "setup" or "teardown" when a fixture made it, else None
        self.tests: dict[str, None] = {}  # an ordered set
        self.count = 0


class TorchlintPlugin:
    """The watcher's side of a `--torchlint` session (registered as `torchlint-watcher`)."""

    def __init__(self, config: pytest.Config, fail_on: str, report: str | None, invocation: str) -> None:
        from .errors import TorchlintWarning  # no torch

        self.config = config
        self.fail_on = fail_on
        self.report = report
        self.invocation = invocation
        self.seen: dict[tuple, _Seen] = {}
        self.notes: list[str] = []
        self.watched = 0  # tests watched (from some phase on)
        self.failing: list["Finding"] | None = None  # set at the session's end
        self.findings: list["Finding"] = []
        self.report_error: str | None = None
        self._warning = TorchlintWarning
        self._watch: "Watch | None" = None
        self._phases: dict[int, tuple[str, str]] = {}  # id(finding) -> (phase, cwd when it ended)
        self._taken = 0
        self._torch_before = False
        self._late_import_noted = False

    # ------------------------------------------------------------------ each test

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        # Inside pytest's own warnings capture (which is tryfirst): this filter goes in front of
        # the -W / filterwarnings ones it applies.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=self._warning)
            try:
                yield
            finally:
                self._finish(item)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        self._begin()
        yield
        self._end(item, "setup")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        self._begin()
        yield
        self._end(item, "call")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None):
        self._begin()
        yield
        self._end(item, "teardown")

    def _begin(self) -> None:
        """Start the test's watch at its first phase that runs with torch imported."""
        self._torch_before = "torch" in sys.modules
        if self._watch is not None or not self._torch_before:
            return
        try:
            from .watch import Watch

            self._watch = Watch(None, steps=None, warn=False)
        except Exception as error:  # never break the tests
            self._note(f"torchlint.watch could not start, this test was not watched: {error!r}")
            return
        self._taken = 0
        self.watched += 1

    def _end(self, item: pytest.Item, phase: str) -> None:
        handle = self._watch
        if handle is not None:
            cwd = os.getcwd()
            for finding in handle.findings[self._taken:]:
                self._phases[id(finding)] = (phase, cwd)
            self._taken = len(handle.findings)
        elif not self._torch_before and "torch" in sys.modules and not self._late_import_noted:
            self._late_import_noted = True
            self._note(f"{item.nodeid} imported torch in its {phase}; its torch calls until its next phase "
                       "were not watched")

    def _finish(self, item: pytest.Item) -> None:
        handle, self._watch = self._watch, None
        if handle is None:
            return
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            try:
                handle.close()
            except Exception as error:
                self._note(f"{item.nodeid}: torchlint.watch failed to close: {error!r}")
        for message in said:
            if issubclass(message.category, self._warning):
                continue
            text = str(message.message)
            self._note(f"{item.nodeid}: {text}")  # what the watch did not see
        cwd = os.getcwd()
        try:
            for finding in handle.findings:
                phase, where = self._phases.pop(id(finding), (None, cwd))
                self._add(finding, item.nodeid, phase, where)
        except Exception as error:  # never an INTERNALERROR for the tests' session
            self._note(f"{item.nodeid}: findings not read: {error!r}")
        self._phases.clear()

    def _add(self, finding: "Finding", test: str, phase: str | None, cwd: str) -> None:
        finding = self._placed(finding, cwd)
        key = (finding.code, finding.filename, finding.location.row, finding.location.column)
        seen = self.seen.get(key)
        if seen is None:
            seen = self.seen[key] = _Seen(finding, test, phase if phase in ("setup", "teardown") else None)
        seen.tests[test] = None
        seen.count += int(finding.extra.get("runtime", {}).get("count", 1))

    def _placed(self, finding: "Finding", cwd: str) -> "Finding":
        """`finding` with its paths relative to where pytest was started (the watch wrote them
        relative to the working directory of the moment, which a test may change)."""
        import dataclasses

        related = tuple(dataclasses.replace(other, filename=self._path(other.filename, cwd))
                        for other in finding.related)
        return dataclasses.replace(finding, filename=self._path(finding.filename, cwd), related=related)

    def _path(self, path: str, cwd: str) -> str:
        if path.startswith("<"):
            return path
        absolute = os.path.normpath(os.path.join(cwd, path))
        relative = os.path.relpath(absolute, self.invocation)
        return absolute if relative.startswith("..") else relative

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ------------------------------------------------------------------ the session's end

    def xdist_note(self) -> str | None:
        if self.config.pluginmanager.has_plugin("dsession"):
            return ("the tests ran in pytest-xdist workers, which this plugin does not watch: "
                    "run `pytest --torchlint` without -n")
        return None

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.xdist_note():
            return
        self.findings = self._selected([self._final(seen) for seen in self.seen.values()])
        threshold = _RANK.get(self.fail_on)
        self.failing = [finding for finding in self.findings
                        if threshold is not None and finding.severity.rank >= threshold]
        if self.report:
            from ..report import json as json_report

            try:
                with open(self.report, "w", encoding="utf-8") as handle:
                    handle.write(json_report.render(self.findings))
            except OSError as error:
                self.report_error = f"cannot write the report {self.report}: {error.strerror or error}"
        if (self.failing or self.report_error) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _final(self, seen: _Seen) -> "Finding":
        import dataclasses

        finding = seen.finding
        runtime = dict(finding.extra.get("runtime", {}))
        runtime.update(count=seen.count, test=seen.test, tests=len(seen.tests))
        if seen.phase:
            runtime["phase"] = seen.phase
        return dataclasses.replace(finding, extra={**finding.extra, "runtime": runtime})

    def _selected(self, findings: list["Finding"]) -> list["Finding"]:
        """The findings `[tool.torchlint]` selects for their files (select, ignore,
        per-file-ignores), as `torchlint check` would report them."""
        from ..config import ConfigError, ConfigResolver
        from ..findings import Finding

        resolver = ConfigResolver()
        kept = []
        for finding in findings:
            path = os.path.join(self.invocation, finding.filename)
            try:
                enabled = finding.filename.startswith("<") or resolver.for_path(path).enabled_for(finding.code, path)
            except (ConfigError, OSError) as error:
                self._note(f"{finding.filename}: configuration not read ({error}); its findings are all kept")
                enabled = True
            if enabled:
                kept.append(finding)
        return sorted(kept, key=Finding.sort_key)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from ..lines import printable
        from ..report.locations import where
        from ..report.text import summary

        write = terminalreporter
        write.write_sep("=", "torchlint")
        xdist = self.xdist_note()
        if xdist:
            write.write_line(f"torchlint: {xdist}", yellow=True)
            return
        colors = {"error": {"red": True}, "warning": {"yellow": True}, "info": {"blue": True}}
        for finding in self.findings:
            runtime = finding.extra["runtime"]
            test = printable(runtime["test"]) + (f", {runtime['phase']}" if runtime.get("phase") else "")
            others = runtime["tests"] - 1
            if others:
                test += f"; and {others} more test{'s' if others > 1 else ''}"
            write.write(f"{where(finding.filename, finding.location)}: ")
            write.write(finding.code, bold=True, **colors[finding.severity.value])
            write.write(f" {printable(finding.message)} (test: {test})")
            write.line("")
        for note in self.notes:
            write.write_line(f"note: {printable(note)}", yellow=True)
        if self.findings:
            write.write_line(summary(self.findings))
        elif self.watched:
            write.write_line(f"No misuse seen in {self.watched} watched test{'s' if self.watched != 1 else ''}.",
                             green=True)
        else:
            write.write_line("Nothing watched: no test ran with torch imported.")
        if self.report_error:
            write.write_line(f"torchlint: {self.report_error}", red=True)
        if self.failing:
            count = len(self.failing)
            write.write_line(
                f"torchlint: {count} finding{'s' if count != 1 else ''} at or above '{self.fail_on}' "
                "(--torchlint-fail-on): the session fails", red=True)
