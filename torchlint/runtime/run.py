"""`torchlint run script.py [args...]`: run a script under `torchlint.watch`, like `coverage run`."""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
import traceback
import warnings

import click

from ..findings import Finding


def run_script(
    script: str,
    args: list[str] | tuple[str, ...] = (),
    *,
    report: str | None = None,
    strict: bool = False,
    rules: list[str] | None = None,
    check_every: int | None = None,
    output_to_stderr: bool = False,
) -> tuple[int, list[Finding]]:
    """Run `script` as `__main__` with `args`, watched; return (its exit code, the findings).

    `output_to_stderr`: the script's standard output goes to standard error, so that a report
    printed on stdout afterwards (`--output-format json`) is the only thing there.
    """
    from .watch import DEFAULT_CHECK_EVERY, DEFAULT_STEPS, watch

    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    code = 0
    # The script's models are found as they first run, so the watch retires after DEFAULT_STEPS
    # steps of each train/eval phase, as torchlint.watch(model) does: a long run costs the watch
    # for its first steps only.
    handle = watch(
        None,
        steps=DEFAULT_STEPS,
        find_models=True,
        strict=strict,
        rules=rules,
        report=report,
        check_every=DEFAULT_CHECK_EVERY if check_every is None else check_every,
    )
    from .errors import TorchlintWarning

    redirect = _stdout_to_stderr() if output_to_stderr else contextlib.nullcontext()
    try:
        with redirect, warnings.catch_warnings():
            # The report printed at the end names each finding once; the watcher's warnings, as
            # they happen, would print each a second time.
            warnings.simplefilter("ignore", TorchlintWarning)
            runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # the script's own error: show it as python would
        traceback.print_exc()
        code = 1
    finally:
        handle.close()
        sys.argv[:] = saved_argv
        sys.path[:] = saved_path
    return code, handle.findings


@contextlib.contextmanager
def _stdout_to_stderr():
    """Both `sys.stdout` and file descriptor 1 (`os.write(1, ...)`, child processes) write to stderr."""
    saved_stdout = sys.stdout
    try:
        saved_stdout.flush()
    except Exception:
        pass
    try:
        saved_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no fd 1 (a closed stdout, an embedded interpreter): sys.stdout alone
        saved_fd = None
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except Exception:
            pass
        sys.stdout = saved_stdout
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


@click.command(
    "run",
    context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": True,
                      "allow_interspersed_args": False},
)
@click.option("--output-format", type=click.Choice(["text", "json"], case_sensitive=False), default="text",
              show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit with the script's code even when there are findings.")
@click.option("--report", "report", type=click.Path(dir_okay=False), help="Also write the findings as JSON here.")
@click.option("--strict", is_flag=True, help="Stop the script at the first misuse (torchlint.MisuseError).")
@click.option("--check-every", type=int, default=None, metavar="N",
              help="Value checks on the 1st and every N-th call of each loss (0: off). [default: 100]")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_command(script, args, output_format, exit_zero, report, strict, check_every) -> int:
    """Run a Python script under torchlint.watch and report the misuse seen on real tensors.

    Exits with the script's code; if the script succeeded, 1 when there are findings. With
    `--output-format json` the script's own standard output goes to standard error, so that
    `torchlint run --output-format json script.py > out.json` is valid JSON.
    """
    from ..report import json as json_report
    from ..report import text as text_report

    code, findings = run_script(script, args, report=report, strict=strict, check_every=check_every,
                                output_to_stderr=output_format == "json")
    if output_format == "json":
        click.echo(json_report.render(findings), nl=False)
    else:
        click.echo(text_report.render(findings), nl=False)
    if code:
        return code
    return 1 if findings and not exit_zero else 0
