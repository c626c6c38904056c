"""The `torchlint` command line.

`torchlint [PATHS]...` is shorthand for `torchlint check [PATHS]...`.
Exit codes: 0 no findings, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Sequence

import click

from . import __version__
from .api import LintResult, lint_paths
from .config import Config
from .findings import Finding
from .report import json as json_report
from .report import text as text_report
from .rules import ALL_RULES, RULES_BY_CODE, get_rule

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

OUTPUT_FORMATS = click.Choice(["text", "json"], case_sensitive=False)
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
VERSION_MESSAGE = "%(prog)s %(version)s"


class CheckByDefault(click.Group):
    """A group whose first argument, unless it names a subcommand, goes to `check`.

    So `torchlint src/`, `torchlint --select TL001` and plain `torchlint` all
    lint, while `--help` and `--version` still describe the whole tool.
    """

    GROUP_OPTIONS = frozenset({"-h", "--help", "--version"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in self.GROUP_OPTIONS):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=CheckByDefault, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="torchlint", message=VERSION_MESSAGE)
def cli() -> None:
    """Catch PyTorch activation and loss misuse before it ruins a training run.

    `torchlint [OPTIONS] [PATHS]...` is short for `torchlint check [OPTIONS] [PATHS]...`.
    """


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Rule codes or prefixes to enable, comma-separated; repeatable. [default: TL, all rules]",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Rule codes or prefixes to disable, comma-separated; repeatable.",
)
@click.option("--output-format", type=OUTPUT_FORMATS, default="text", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.option(
    "--runtime-report",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Merge runtime findings (JSON from torchlint.watch / torchlint run); repeatable.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes (re-linting until nothing changes).")
@click.option("--unsafe-fixes", is_flag=True, help="Apply unsafe fixes too (with --fix, --fix-only or --diff).")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report only what was fixed; exit 0.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing; exit 1 if any.")
@click.version_option(__version__, prog_name="torchlint", message=VERSION_MESSAGE)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    verbose: bool,
    runtime_report: tuple[str, ...] = (),
    fix: bool = False,
    unsafe_fixes: bool = False,
    fix_only: bool = False,
    diff: bool = False,
) -> int:
    """Lint Python files and directories (default: the current directory)."""
    config = Config(ignore=_selectors(ignore, "--ignore"))
    selected = _selectors(select, "--select")
    if selected:
        config.select = selected
    targets = list(paths) or ["."]
    for path in targets:
        if not os.path.exists(path):
            raise click.ClickException(f"{path}: no such file or directory")

    color = _use_color()
    try:
        fixed = None
        if fix or fix_only or diff:
            from .fix import fix_paths

            fixed = fix_paths(targets, config, unsafe=unsafe_fixes, write=not diff)
            result = LintResult(fixed.remaining, fixed.files)
            if diff:
                return _print_diff(fixed)
        else:
            result = lint_paths(targets, config)
        if runtime_report:
            result.findings = _merge_runtime(result.findings, runtime_report, config)
        if output_format == "json":
            output = json_report.render(result.findings, verbose=verbose)
        else:
            output = "" if fix_only else text_report.render(result.findings, color=color)
            output += _fix_summary(result.findings, fixed, unsafe_fixes)
    except Exception as error:  # a bug in torchlint, not in the code it checks
        if verbose:
            traceback.print_exc()
        raise click.ClickException(f"internal error: {type(error).__name__}: {error}") from error

    click.echo(output, nl=False, color=color)
    if not result.files:
        _warn("no Python files found under " + ", ".join(targets))

    internal_errors = [finding for finding in result.findings if "traceback" in finding.extra]
    if internal_errors:
        _report_internal_errors(internal_errors, verbose)
        return EXIT_ERROR
    if result.findings and not exit_zero and not fix_only:
        return EXIT_FINDINGS
    return EXIT_CLEAN


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("code")
def rule(code: str) -> int:
    """Explain a rule: what it catches, why it matters, what to write instead."""
    rule_cls = get_rule(code)
    if rule_cls is None:
        raise click.ClickException(f"unknown rule code '{code}' (run 'torchlint rules' to list them)")
    click.echo(rule_cls.full_docs(), nl=False)
    return EXIT_CLEAN


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--output-format", type=OUTPUT_FORMATS, default="text", show_default=True)
def rules(output_format: str) -> int:
    """List every rule with its severity and whether it can be fixed."""
    rows = [
        {
            "code": rule_cls.code,
            "name": rule_cls.name,
            "severity": rule_cls.severity.value,
            "fixable": rule_cls.fixable,
            "summary": rule_cls.summary,
        }
        for rule_cls in ALL_RULES
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        cells = [{**row, "fixable": row["fixable"] or "none"} for row in rows]
        click.echo(_table(cells, columns=("code", "name", "severity", "fixable", "summary")))
    return EXIT_CLEAN


from .runtime.run import run_command  # noqa: E402  (imports neither torch nor the watcher)

cli.add_command(run_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; every failure is one line on stderr."""
    try:
        return cli.main(args=argv, prog_name="torchlint", standalone_mode=False)
    except click.ClickException as error:
        message = error.format_message()
        if isinstance(error, click.UsageError) and error.ctx is not None:
            message = message.rstrip(".") + f" (see '{error.ctx.command_path} --help')"
        _error(message)
        return EXIT_ERROR
    except click.Abort:  # Ctrl-C
        return EXIT_INTERRUPTED


def _merge_runtime(findings: list[Finding], reports: Sequence[str], config: Config) -> list[Finding]:
    from .runtime import merge

    runtime = []
    for path in reports:
        try:
            runtime += [finding for finding in merge.load(path) if config.enabled(finding.code)]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise click.ClickException(f"{path}: not a torchlint runtime report ({error})") from error
    return merge.merge(findings, runtime)


def _fix_summary(findings: list[Finding], fixed, unsafe: bool) -> str:
    """`Fixed 3 findings, 1 remaining.` or `[*] 2 fixable with --fix.`, then the findings with unsafe fixes."""
    from .fix import applicable

    safe = sum(1 for finding in findings if applicable(finding.fix, unsafe))
    hidden = [f for f in findings if not applicable(f.fix, unsafe) and applicable(f.fix, True)]
    lines = []
    if fixed is not None:
        noun = "finding" if fixed.total_fixed == 1 else "findings"
        lines.append(f"Fixed {fixed.total_fixed} {noun}, {len(findings)} remaining.")
    elif safe:
        lines.append(f"[*] {safe} fixable with --fix" + (" --unsafe-fixes." if unsafe else "."))
    if hidden:
        where = ", ".join(f"{f.code} at {f.filename}:{f.location.row}" for f in hidden[:5])
        more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
        lines.append(f"{len(hidden)} with unsafe fixes available via --unsafe-fixes: {where}{more}.")
    return "".join(line + "\n" for line in lines)


def _print_diff(fixed) -> int:
    from .fix import unified_diff

    for path in fixed.changed:
        click.echo(unified_diff(path, fixed.original[path], fixed.current[path]), nl=False)
    if fixed.changed:
        files = "1 file" if len(fixed.changed) == 1 else f"{len(fixed.changed)} files"
        click.echo(f"Would fix {fixed.total_fixed} finding{'s' * (fixed.total_fixed != 1)} in {files}.", err=True)
    return EXIT_FINDINGS if fixed.changed else EXIT_CLEAN


def _selectors(values: tuple[str, ...], option: str) -> list[str]:
    """`("TL001,TL002", "tl003")` -> `["TL001", "TL002", "TL003"]`, each one checked."""
    selectors = [part.strip().upper() for value in values for part in value.split(",") if part.strip()]
    for selector in selectors:
        if selector != "ALL" and not any(code.startswith(selector) for code in RULES_BY_CODE):
            raise click.ClickException(
                f"unknown rule code or prefix '{selector}' in {option} (run 'torchlint rules' to list them)"
            )
    return selectors


def _report_internal_errors(findings: list[Finding], verbose: bool) -> None:
    if verbose:
        for finding in findings:
            click.echo(f"torchlint: internal error while checking {finding.filename}:", err=True)
            click.echo(finding.extra["traceback"], err=True, nl=False)
    files = "1 file" if len(findings) == 1 else f"{len(findings)} files"
    hint = "" if verbose else "; rerun with --verbose for the traceback"
    _error(f"internal error while checking {files}{hint}")


def _table(rows: list[dict[str, str]], columns: Sequence[str]) -> str:
    widths = {column: max([len(column), *(len(row[column]) for row in rows)]) for column in columns}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(cells[column].ljust(widths[column]) for column in columns).rstrip()

    header = line({column: column.capitalize() for column in columns})
    return "\n".join([header, *(line(row) for row in rows)])


def _use_color() -> bool:
    # https://no-color.org; FORCE_COLOR wins, as in most CLIs.
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _error(message: str) -> None:
    click.echo(f"torchlint: error: {message}", err=True)


def _warn(message: str) -> None:
    click.echo(f"torchlint: warning: {message}", err=True)
