"""The pytest plugin (`pytest --torchlint`, torchlint/runtime/pytest_plugin.py) on real pytest and torch.

Each test writes a small project with pytester and runs pytest on it: in a subprocess where the
process matters (the entry point, what is imported, the installed `torchlint` script), in process
otherwise (torch is imported here first, so the inner runs share it instead of importing it again).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torchlint.runtime.watch  # noqa: E402,F401  (imported once here, not by each inner run)

pytest_plugins = ["pytester"]

TORCHLINT = Path(sys.executable).parent / "torchlint"
# Plugins of this environment the inner runs do without: pytest-asyncio warns at every start that
# an ini key of its own is unset, and Hypothesis's summary imports hypothesis (seconds) every run.
QUIET = ("-p", "no:asyncio", "-p", "no:hypothesispytest")


def inprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*QUIET, *args)


def subprocess_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args, timeout=300)


MODEL = textwrap.dedent(
    """\
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)


    def loss_of(model, x, y):
        return nn.CrossEntropyLoss()(model(x), y)
    """
)
SOFTMAX_LINE = 11  # `return F.softmax(...)` in MODEL

TESTS = textwrap.dedent(
    """\
    import pytest
    import torch
    import torch.nn.functional as F

    import torchlint
    from model import Net, loss_of


    def batch(n=4):
        return torch.randn(n, 8), torch.randint(0, 4, (n,))


    @pytest.fixture
    def warmed():
        return F.softmax(torch.randn(3, 5))


    @pytest.fixture
    def watched():
        with torchlint.watch() as w:
            yield w


    def test_trains():
        assert loss_of(Net(), *batch()).item() > 0


    @pytest.mark.parametrize("n", [2, 3])
    def test_batches(n):
        loss_of(Net(), *batch(n))


    def test_clean():
        F.cross_entropy(torch.nn.Linear(8, 4)(torch.randn(4, 8)), torch.randint(0, 4, (4,)))


    def test_fixture(warmed):
        assert warmed.shape == (3, 5)


    def test_own_watch():
        with torchlint.watch() as w:
            loss_of(Net(), *batch())
        assert [f.code for f in w.findings] == ["TL001"]


    def test_watch_from_a_fixture(watched):
        loss_of(Net(), *batch())
        assert [f.code for f in watched.findings] == ["TL001"]


    def test_warns():
        with pytest.warns(torchlint.TorchlintWarning, match="TL001"):
            with torchlint.watch():
                loss_of(Net(), *batch())


    def test_strict():
        with pytest.raises(torchlint.MisuseError, match="TL001"):
            with torchlint.watch(strict=True):
                loss_of(Net(), *batch())
    """
)
WARMED_LINE = 15  # `return F.softmax(torch.randn(3, 5))` in TESTS: TL002 in a fixture's setup


def test_the_entry_point_is_installed() -> None:
    plugins = {entry.name: entry.value for entry in entry_points(group="pytest11")}
    assert plugins.get("torchlint") == "torchlint.runtime.pytest_plugin", (
        "the pytest11 entry point is missing: pip install -e . again after editing pyproject.toml")


def test_findings_name_their_test_fail_the_session_and_confirm_the_static_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(model=MODEL, test_model=TESTS)
    # -W error for the watcher's own warnings: the plugin must not let them fail a test.
    result = subprocess_run(pytester, "--torchlint", "--torchlint-report", "r.json",
                            "-W", "error::torchlint.TorchlintWarning")
    result.assert_outcomes(passed=9)  # every test passed, the test's own watches included ...
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # ... but a TL001 (an error) was seen
    result.stdout.fnmatch_lines([
        "*= torchlint =*",
        f"model.py:{SOFTMAX_LINE}:16: TL001 F.softmax output reaches nn.CrossEntropyLoss at model.py:15, *"
        "(test: test_model.py::test_trains; and 6 more tests)",
        f"test_model.py:{WARMED_LINE}:12: TL002 F.softmax without `dim` * (test: test_model.py::test_fixture, setup)",
        "Found 2 findings (1 error, 1 warning).",
        "torchlint: 1 finding at or above 'error' (--torchlint-fail-on): the session fails",
    ])
    assert "TorchlintWarning" not in result.stdout.str()  # not in pytest's warnings summary either

    report = json.loads((pytester.path / "r.json").read_text())
    assert [(item["code"], item["filename"], item["location"]["row"]) for item in report] == [
        ("TL001", "model.py", SOFTMAX_LINE), ("TL002", "test_model.py", WARMED_LINE)]
    tl001, tl002 = report
    assert tl001["source"] == "runtime" and not tl001["confirmed"]
    assert tl001["runtime"]["test"] == "test_model.py::test_trains"
    assert tl001["runtime"]["tests"] == 7 and tl001["runtime"]["count"] == 7
    assert tl002["runtime"]["phase"] == "setup"

    # The installed CLI merges the report: the static TL001 is confirmed by the test run.
    check = subprocess.run(
        [str(TORCHLINT), "check", "--no-cache", "--output-format", "json", "--runtime-report", "r.json", "."],
        cwd=pytester.path, capture_output=True, text=True, timeout=300)
    assert check.returncode == 1, check.stderr
    merged = json.loads(check.stdout)
    confirmed = [item for item in merged if item["code"] == "TL001" and item["filename"] == "model.py"]
    assert len(confirmed) == 1 and confirmed[0]["source"] == "static" and confirmed[0]["confirmed"]
    assert confirmed[0]["location"]["row"] == SOFTMAX_LINE
    assert confirmed[0]["runtime"]["test"] == "test_model.py::test_trains"


NO_TORCH = textwrap.dedent(
    """\
    import sys


    def test_nothing_to_watch():
        assert "torchlint.runtime.pytest_plugin" in sys.modules  # loaded by its entry point
        assert "torch" not in sys.modules
        assert "torchlint.runtime.watch" not in sys.modules


    def test_arithmetic():
        assert 1 + 1 == 2
    """
)


def test_a_project_without_torch_is_not_touched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain=NO_TORCH)
    result = subprocess_run(pytester)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*= torchlint =*")  # no section: the plugin is off

    result = subprocess_run(pytester, "--torchlint")  # on: still nothing imported
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*= torchlint =*", "Nothing watched: no test ran with torch imported."])


def test_importing_the_plugin_is_cheap() -> None:
    """Every pytest run of anyone who installs torchlint imports it."""
    code = ("import sys; import torchlint.runtime.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'libcst', 'click', 'torchlint')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert loaded.stdout.split() == [
        "['torchlint',", "'torchlint.lazy',", "'torchlint.runtime',", "'torchlint.runtime.pytest_plugin',",
        "'torchlint.version']"]


SEVERITIES = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F


    def test_warning():
        F.softmax(torch.randn(3, 4))


    def test_info():
        F.cross_entropy(F.log_softmax(torch.randn(4, 3), dim=1), torch.randint(0, 3, (4,)))


    def test_clean():
        F.cross_entropy(torch.randn(4, 3), torch.randint(0, 3, (4,)))
    """
)


@pytest.mark.parametrize(
    ("args", "ret"),
    [
        (("--torchlint",), 0),  # default: error; TL002 is a warning, TL009 info
        (("--torchlint", "--torchlint-fail-on", "error"), 0),
        (("--torchlint", "--torchlint-fail-on", "warning"), 1),
        (("--torchlint", "--torchlint-fail-on", "never"), 0),
        (("--torchlint", "--torchlint-fail-on", "warning", "-k", "info"), 0),
        (("--torchlint", "--torchlint-fail-on", "info", "-k", "info"), 1),
        (("--torchlint", "--torchlint-fail-on", "info", "-k", "clean"), 0),
    ],
)
def test_fail_on_sets_the_exit_status(pytester: pytest.Pytester, args: tuple[str, ...], ret: int) -> None:
    pytester.makepyfile(test_severities=SEVERITIES)
    result = inprocess(pytester, *args)
    assert result.ret == ret
    assert result.parseoutcomes()["passed"] >= 1 and "failed" not in result.parseoutcomes()
    if "clean" in args:
        result.stdout.fnmatch_lines(["No misuse seen in 1 watched test."])
    elif "info" in args:
        result.stdout.fnmatch_lines(["test_severities.py:10:21: TL009 * (test: test_severities.py::test_info)"])


def test_the_ini_turns_it_on_and_the_command_line_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_severities=SEVERITIES)
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntorchlint = true\ntorchlint_fail_on = "warning"\n')
    result = inprocess(pytester)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*TL002*(test: test_severities.py::test_warning)", "Found 2 findings *"])
    assert inprocess(pytester, "--torchlint-fail-on", "never").ret == 0
    assert inprocess(pytester, "-p", "no:torchlint").ret == 0  # the plugin removed

    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntorchlint = true\ntorchlint_fail_on = "sometimes"\n')
    result = inprocess(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*torchlint_fail_on = 'sometimes': expected one of error, warning, info, never"])


def test_the_projects_torchlint_configuration_selects_the_findings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_severities=SEVERITIES)
    pytester.makepyprojecttoml('[tool.torchlint]\nignore = ["TL002"]\n')
    result = inprocess(pytester, "--torchlint", "--torchlint-fail-on", "warning")
    assert result.ret == 0  # TL002, the one warning, is ignored; TL009 is an info
    result.stdout.fnmatch_lines(["*TL009*", "Found 1 finding (1 info)."])
    result.stdout.no_fnmatch_line("*TL002*")


def test_a_report_in_a_missing_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_severities=SEVERITIES)
    result = inprocess(pytester, "--torchlint-report", "nowhere/r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--torchlint-report *r.json: no such directory *nowhere"])


def test_a_report_alone_turns_it_on_and_holds_no_finding_for_a_clean_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_severities=SEVERITIES)
    result = inprocess(pytester, "--torchlint-report", "r.json", "-k", "clean")
    assert result.ret == 0
    assert json.loads((pytester.path / "r.json").read_text()) == []


STEP = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    def test_step():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
        for _ in range(3):
            x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
            loss = F.cross_entropy(F.softmax(model(x), dim=1), y) + F.nll_loss(F.log_softmax(model(x), 1), y)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():  # SGD by hand: torch.optim's first step imports much of torch
                for p in model.parameters():
                    p -= 0.1 * p.grad
        values = [loss.item()] + [v for p in model.parameters() for v in p.detach().flatten().tolist()]
        with open("values.txt", "w") as out:
            out.write(repr(values))
    """
)


def test_watching_changes_no_value(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_step=STEP)
    assert inprocess(pytester).ret == 0
    plain = (pytester.path / "values.txt").read_text()
    watched = inprocess(pytester, "--torchlint", "--torchlint-fail-on", "never")
    assert watched.ret == 0
    watched.stdout.fnmatch_lines(["*TL001*(test: test_step.py::test_step)"])
    assert (pytester.path / "values.txt").read_text() == plain


WIDE_WATCH = textwrap.dedent(
    """\
    import pytest
    import torch
    import torch.nn.functional as F

    import torchlint


    @pytest.fixture(scope="module")
    def watched():
        with torchlint.watch() as w:
            yield w


    def test_one(watched):
        F.cross_entropy(F.softmax(torch.randn(4, 3), dim=1), torch.randint(0, 3, (4,)))


    def test_two(watched):
        F.nll_loss(F.softmax(torch.randn(4, 3), dim=1), torch.randint(0, 3, (4,)))
        assert [f.code for f in watched.findings] == ["TL001", "TL004"]
    """
)


def test_a_watch_that_outlives_its_test_keeps_watching(pytester: pytest.Pytester) -> None:
    """A module-scoped fixture's watch opens inside test_one's watch and outlives it: it takes over
    as the thread's watch, so both it and the plugin's watch of test_two see test_two's misuse."""
    pytester.makepyfile(test_wide=WIDE_WATCH)
    result = inprocess(pytester, "--torchlint")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*TL001*(test: test_wide.py::test_one)", "*TL004*(test: test_wide.py::test_two)"])
    result.stdout.no_fnmatch_line("*still open*")


# A test's own watch, inside the plugin's: it gets its findings and its warnings as without the
# plugin. Each test below passes without --torchlint.
OWN_WATCH_AFTER_THE_SAME_MISUSE = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F

    import torchlint


    def misuse():
        F.cross_entropy(F.softmax(torch.randn(4, 3), dim=1), torch.randint(0, 3, (4,)))


    def test_seen_before_the_watch_starts():
        misuse()
        with torchlint.watch() as w:
            misuse()
        assert [f.code for f in w.findings] == ["TL001"]
    """
)
NO_WARNING_EXPECTED = textwrap.dedent(
    """\
    import warnings

    import torch
    import torch.nn.functional as F


    def test_no_warning():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            F.cross_entropy(F.softmax(torch.randn(4, 3), dim=1), torch.randint(0, 3, (4,)))
    """
)


def test_a_watch_started_after_the_same_misuse_still_sees_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_again=OWN_WATCH_AFTER_THE_SAME_MISUSE)
    inprocess(pytester, "--torchlint").assert_outcomes(passed=1)


def test_a_test_that_turns_warnings_into_errors_still_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_quiet=NO_WARNING_EXPECTED)
    inprocess(pytester, "--torchlint", "--torchlint-fail-on", "never").assert_outcomes(passed=1)
