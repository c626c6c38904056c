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
from .api import lint_paths
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
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes. [default: the number of CPUs]")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Where to keep the result cache. [default: .torchlint_cache at the project root]")
@click.option("--shard", default=None, metavar="I/N",
              help="Check only the I-th of N slices of the files (CI matrices), e.g. --shard 2/4.")
@click.version_option(__version__, prog_name="torchlint", message=VERSION_MESSAGE)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    verbose: bool,
    runtime_report: tuple[str, ...] = (),
    jobs: int | None = None,
    no_cache: bool = False,
    cache_dir: str | None = None,
    shard: str | None = None,
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

    _parse_shard(shard)  # a usage error before any work
    color = _use_color()
    try:
        result = lint_paths(targets, config, **_speed_options(targets, jobs, no_cache, cache_dir, shard))
        if runtime_report:
            result.findings = _merge_runtime(result.findings, runtime_report, config)
        if output_format == "json":
            output = json_report.render(result.findings, verbose=verbose)
        else:
            output = text_report.render(result.findings, color=color)
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
    if result.findings and not exit_zero:
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


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="The cache to remove. [default: .torchlint_cache at the project root]")
def clean(paths: tuple[str, ...], cache_dir: str | None) -> int:
    """Remove the result cache (of the project holding PATHS, default: the current directory)."""
    from .cache import clean as clean_cache

    directory = cache_dir or _default_cache_dir(list(paths) or ["."])
    if clean_cache(directory):
        click.echo(f"removed {directory}")
    else:
        click.echo(f"no cache at {directory}")
    return EXIT_CLEAN


def _default_cache_dir(targets: Sequence[str]) -> str:
    from .roots import find_roots
    from .cache import default_cache_dir

    roots = find_roots(list(targets))
    return default_cache_dir(roots[0] if roots else "")


def _parse_shard(shard: str | None) -> tuple[int, int] | None:
    if shard is None:
        return None
    try:
        index, count = (int(part) for part in shard.split("/"))
    except ValueError:
        raise click.UsageError(f"--shard expects I/N, e.g. 1/4 (got '{shard}')") from None
    if count < 1 or not 1 <= index <= count:
        raise click.UsageError(f"--shard {shard}: I must be between 1 and N")
    return index, count


def _speed_options(targets: Sequence[str], jobs: int | None, no_cache: bool, cache_dir: str | None,
                   shard: str | None) -> dict:
    from .parallel import default_jobs

    return {
        "jobs": jobs or default_jobs(),
        "cache_dir": None if no_cache else (cache_dir or _default_cache_dir(targets)),
        "shard": _parse_shard(shard),
    }


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
