"""The `torchlint` command line.

`torchlint [PATHS]...` is shorthand for `torchlint check [PATHS]...`.
Exit codes: 0 no findings (at or above `fail-on`), 1 findings, 2 usage,
configuration or internal error.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from typing import Any, Iterator, Sequence

import click

from .version import __version__
from .api import LintResult, lint_buffer, lint_paths
from .config import FAIL_ON, Config, ConfigError, ConfigResolver
from .diff import DiffError, changed_lines, filter_changed
from .findings import Finding, Severity
from .fingerprint import filter_baseline, read_baseline, write_baseline
from .lines import printable
from .report import FORMATS
from .report import render as render_report
from .report import statistics
from .rules import ALL_RULES, RULES_BY_CODE, get_rule

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

OUTPUT_FORMATS = click.Choice(FORMATS, case_sensitive=False)
LISTING_FORMATS = click.Choice(["text", "json"], case_sensitive=False)
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
            if args and _looks_like_command(args[0]):
                raise click.UsageError(self._unknown(args[0]), ctx)
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def _unknown(self, name: str) -> str:
        import difflib

        names = sorted(self.commands)
        close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
        guess = f"; did you mean {' or '.join(repr(match) for match in close)}?" if close else ""
        return f"unknown command '{name}'{guess} (commands: {', '.join(names)}; no file or directory '{name}' either)"


# A first argument that names no subcommand is a path to lint, unless it does not exist and
# reads like a command (a word: no slash, no dot, no `-`), as ruff tells `ruff chek` apart.
_COMMAND_LIKE = __import__("re").compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*\Z")


def _looks_like_command(arg: str) -> bool:
    return bool(_COMMAND_LIKE.match(arg)) and not os.path.lexists(arg)


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
    help="Rule codes or prefixes to enable, comma-separated; repeatable. Replaces `select` from the configuration. [default: TL, all rules]",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="CODES",
    help="Rule codes or prefixes to enable on top of `select`; repeatable.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Rule codes or prefixes to disable, comma-separated; repeatable.",
)
@click.option("--output-format", type=OUTPUT_FORMATS, default=None, help="How to report findings. [default: text]")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON, case_sensitive=False),
    default=None,
    help="Lowest severity that makes the exit code 1. [default: info, any finding]",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this pyproject.toml for every file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exclude", multiple=True, metavar="PATTERNS", help="Gitignore-style patterns to skip, replacing `exclude`.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERNS", help="Gitignore-style patterns to skip as well.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip files ignored by git. [default: on]")
@click.option("--force-exclude", is_flag=True, default=None, help="Apply the exclusions to files named explicitly too.")
@click.option("--report-unused-noqa", is_flag=True, help="Report suppression comments that silence nothing (TL100).")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record today's findings in this file and exit 0.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not recorded in this baseline file.")
@click.option("--diff-against", metavar="REF", help="Report only findings on lines changed since this git revision (e.g. origin/main).")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print the findings and nothing else: no summary, no notes, no progress bar.")
@click.option("--no-progress", is_flag=True,
              help="No progress bar (shown on stderr when it is a terminal and a run lasts over a second).")
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
@click.option("--fix", is_flag=True, help="Apply safe fixes (re-linting until nothing changes).")
@click.option("--unsafe-fixes", is_flag=True, help="Apply unsafe fixes too (with --fix, --fix-only or --diff).")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report only what was fixed; exit 0.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing; exit 1 if any.")
@click.option("--add-noqa", is_flag=True,
              help="Add `# noqa: TLxxx` to the line of every finding reported (merged into a `# noqa` there); exit 0.")
@click.option("--show-files", is_flag=True, help="List the files that would be linted, one per line, and exit.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings each path is linted with (configuration file, keys, rules) and exit.")
@click.option("-w", "--watch", is_flag=True,
              help='Lint again whenever a Python file, notebook or pyproject.toml under PATHS changes; '
                   'Ctrl-C stops. Needs the watch extra: pip install "torchlint[watch]".')
@click.option("--stdin-filename", metavar="PATH", default=None,
              help="Lint standard input as if it were this file (with `-` or no paths). With --fix the "
                   "fixed source goes to stdout, the report to stderr.")
@click.version_option(__version__, prog_name="torchlint", message=VERSION_MESSAGE)
def check(paths: tuple[str, ...], **options: Any) -> int:
    """Lint Python files, stubs and Jupyter notebooks (default: the current directory; `-`: standard input)."""
    if options["watch"]:
        return _watch(list(paths) or ["."], options)
    if options["stdin_filename"] is None and "-" not in paths:
        return _check(list(paths) or ["."], None, options)
    if any(path != "-" for path in paths):
        raise click.UsageError("standard input cannot be linted together with other paths")
    from .sources import buffers

    filename = options["stdin_filename"] or "-"
    buffer = _read_stdin()
    with buffers({os.path.normpath(filename): buffer}):  # the report shows the buffer's lines
        return _check([filename], buffer, options)


def _check(targets: list[str], buffer: bytes | None, options: dict[str, Any]) -> int:
    """`check` on `targets`, or on standard input (`buffer`) as the file `targets[0]`."""
    stdin = buffer is not None
    for path in [] if stdin else targets:
        if not os.path.exists(path):
            raise click.ClickException(f"{path}: no such file or directory")
    shard = _parse_shard(options["shard"])  # a usage error before any work
    if options["add_noqa"]:
        clash = [flag for flag, given in (("--fix", options["fix"]), ("--fix-only", options["fix_only"]),
                                          ("--diff", options["diff"]), ("standard input", stdin),
                                          ("--write-baseline", options["write_baseline"])) if given]
        if clash:
            raise click.UsageError(f"--add-noqa cannot be combined with {clash[0]}")
    resolver = _config_resolver(options)
    # Run-wide settings come from the configuration of the current directory
    # (or of the first path), as in ruff.
    settings = _run_settings(resolver, targets)
    output_format = (options["output_format"] or settings.output_format).lower()
    fail_on = (options["fail_on"] or settings.fail_on).lower()
    fixing = options["fix"] or options["fix_only"] or options["diff"]
    # Fixing standard input writes the fixed source to stdout: the report goes to stderr.
    to_stderr = stdin and fixing and not options["diff"]
    color = _use_color(sys.stderr if to_stderr else sys.stdout) and not options["output_file"]
    verbose = options["verbose"]
    quiet = options["quiet"]
    if options["show_settings"] or options["show_files"]:
        if options["show_settings"]:
            _show_settings(resolver, targets, output_format, fail_on, options["report_unused_noqa"])
        if options["show_files"]:
            _show_files(resolver, targets, stdin)
        return EXIT_CLEAN
    noqa = None
    try:
        fixed = None
        if buffer is not None:
            if fixing:
                fixed = _fix_stdin(buffer, targets[0], resolver, options)
                if options["diff"]:
                    return _print_diff(fixed, quiet)
                result = LintResult(fixed.remaining, fixed.files)
            else:
                result = lint_buffer(buffer, targets[0], resolver, report_unused_noqa=options["report_unused_noqa"])
        elif fixing:
            from .fix import fix_paths

            fixed = fix_paths(targets, resolver, unsafe=options["unsafe_fixes"], write=not options["diff"], shard=shard)
            for path, why in sorted(fixed.not_written.items()):
                _warn(f"{path}: fixes not written: {why}")
            if options["diff"]:
                return _print_diff(fixed, quiet)
            result = LintResult(fixed.remaining, fixed.files)
        else:
            from .progress import Progress

            with Progress(enabled=not (quiet or options["no_progress"])) as bar:
                result = lint_paths(targets, resolver, report_unused_noqa=options["report_unused_noqa"],
                                    progress=bar if bar.enabled else None,
                                    **_speed_options(targets, options["jobs"], options["no_cache"],
                                                     options["cache_dir"], shard))
        if options["runtime_report"]:
            result.findings = _merge_runtime(result.findings, options["runtime_report"], settings)
        if options["write_baseline"]:  # every finding of today, whatever --baseline says
            try:
                count = write_baseline(options["write_baseline"], result.findings)
            except OSError as error:
                raise click.ClickException(
                    f"{options['write_baseline']}: cannot write the baseline: {error.strerror or error}") from error
            if not quiet:
                _note(f"wrote {count} finding{'s' if count != 1 else ''} to the baseline {options['write_baseline']}")
            return EXIT_CLEAN
        findings, hidden = _narrow(result.findings, options)
        if options["add_noqa"]:
            from .noqa import add_noqa

            noqa = add_noqa(findings, targets)
            output = ""
        elif options["statistics"]:
            output = statistics.render(findings, json_output=output_format == "json", hidden=hidden)
        else:
            output = ""
            if not options["fix_only"]:
                output = render_report(output_format, findings, color=color, verbose=verbose, hidden=hidden,
                                       quiet=quiet)
            if output_format == "text" and not quiet:
                output += _fix_summary(findings, fixed, options["unsafe_fixes"])
    except click.ClickException:
        raise
    except (ConfigError, DiffError) as error:
        raise click.ClickException(str(error)) from error
    except Exception as error:  # a bug in torchlint, not in the code it checks
        if verbose:
            traceback.print_exc()
        raise click.ClickException(f"internal error: {type(error).__name__}: {error}") from error

    if noqa is not None:
        return _report_noqa(noqa, result.files, quiet)
    _write_output(output, options["output_file"], color, to_stderr)
    if not result.files and not stdin:
        _warn("no Python files found under " + ", ".join(targets))

    # Whatever --diff-against and --baseline leave out.
    internal_errors = [finding for finding in result.findings if "traceback" in finding.extra]
    if internal_errors:
        _report_internal_errors(internal_errors, verbose)
        return EXIT_ERROR
    if options["fix_only"]:
        return EXIT_CLEAN
    threshold = Severity(fail_on).rank
    if any(finding.severity.rank >= threshold for finding in findings) and not options["exit_zero"]:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _report_noqa(noqa, files: list[str], quiet: bool) -> int:
    """`--add-noqa`'s account on stderr: what was left alone, and how many were added."""
    for path, why in sorted(noqa.skipped.items()):
        _warn(f"{path}: no noqa comment added: {why}")
    for finding, why in noqa.unplaceable:
        _warn(f"{finding.filename}:{finding.location.row}: {finding.code} not suppressed: {why}")
    if not files:
        _warn("no Python files found")
    if not quiet:
        count, changed = noqa.total, len(noqa.added)
        where = f"{count} line{'s' * (count != 1)} in {changed} file{'s' * (changed != 1)}"
        _note(f"added `# noqa` to {where}" if count else "no `# noqa` to add")
    return EXIT_CLEAN


def _show_files(resolver: ConfigResolver, targets: list[str], stdin: bool) -> None:
    """`--show-files`: the files a run would lint, one per line (as reports name them)."""
    from .discovery import discover

    try:
        files = discover(targets, resolver) if not stdin else [os.path.normpath(targets[0])]
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    for path in files:
        click.echo(printable(path))


def _show_settings(resolver: ConfigResolver, targets: list[str], output_format: str, fail_on: str,
                   unused_noqa: bool) -> None:
    """`--show-settings`: for each path, where its settings come from and what they are, in
    `[tool.torchlint]`'s own spelling (flags applied), then the rules that run there."""
    from dataclasses import fields

    from .config import Config
    from .rules import UNUSED_NOQA

    blocks = []
    for target in targets:
        try:
            config = resolver.for_path(target)
        except ConfigError as error:
            raise click.ClickException(str(error)) from error
        if resolver.isolated:
            origin = "no configuration file (--isolated)"
        elif config.source:
            source = os.path.relpath(config.source)
            source = config.source if source.startswith("..") else source
            origin = f"{printable(source)} [tool.torchlint]"
        else:
            origin = "no configuration file (defaults)"
        if resolver.overrides:
            origin += ", with " + ", ".join("--" + name.replace("_", "-") for name in resolver.overrides)
        lines = [f"# Settings for {printable(target)}: {origin}"]
        for item in fields(Config):
            if item.name in ("root", "source"):
                continue
            lines.append(f"{item.name.replace('_', '-')} = {json.dumps(getattr(config, item.name))}")
        # TL100 runs only when asked for (--report-unused-noqa).
        enabled = [rule.code for rule in ALL_RULES if config.enabled(rule.code)
                   and (rule is not UNUSED_NOQA or unused_noqa)]
        lines.append(f"# rules enabled: {', '.join(enabled) or 'none'}")
        if os.path.isfile(target) and config.ignored_in(target):
            lines.append(f"# not reported in this file (per-file-ignores): {', '.join(config.ignored_in(target))}")
        blocks.append("\n".join(lines))
    blocks.append(f"# For the whole run: output-format = {json.dumps(output_format)}, fail-on = {json.dumps(fail_on)}")
    click.echo("\n\n".join(blocks))


# What --watch re-lints for: the files torchlint reads (sources, configuration, ignores).
WATCHED_SUFFIXES = (".py", ".pyi", ".ipynb")
WATCHED_NAMES = ("pyproject.toml", ".gitignore")


def _watch(targets: list[str], options: dict[str, Any]) -> int:
    """`--watch`: lint, then lint again after each change under the paths, until Ctrl-C (130)."""
    clash = [flag for flag, given in (("--fix", options["fix"]), ("--fix-only", options["fix_only"]),
                                      ("--diff", options["diff"]), ("--add-noqa", options["add_noqa"]),
                                      ("--write-baseline", options["write_baseline"]),
                                      ("--show-files", options["show_files"]),
                                      ("--show-settings", options["show_settings"]),
                                      ("standard input", options["stdin_filename"] is not None or "-" in targets))
             if given]
    if clash:
        raise click.UsageError(f"--watch cannot be combined with {clash[0]}")
    for path in targets:
        if not os.path.exists(path):
            raise click.ClickException(f"{path}: no such file or directory")
    try:
        import watchfiles
    except ImportError:
        raise click.ClickException('--watch needs the watchfiles package: pip install "torchlint[watch]"') from None

    cache_dir = None if options["no_cache"] else os.path.abspath(options["cache_dir"] or _default_cache_dir(targets))
    quiet = options["quiet"]

    class Relevant(watchfiles.DefaultFilter):
        """Sources, notebooks and configuration; never the cache torchlint writes itself."""

        def __call__(self, change: Any, path: str) -> bool:
            absolute = os.path.abspath(path)
            if cache_dir and (absolute == cache_dir or absolute.startswith(cache_dir + os.sep)):
                return False
            name = os.path.basename(path)
            return (name.endswith(WATCHED_SUFFIXES) or name in WATCHED_NAMES) and super().__call__(change, path)

    def lint(clear: bool) -> None:
        if clear and sys.stdout is not None and sys.stdout.isatty():
            click.clear()
        try:
            _check(targets, None, options)
        except click.ClickException as error:  # a bad pyproject.toml, say: reported, still watching
            _error(error.format_message())
        if not quiet:
            _note("watching " + ", ".join(targets) + " for changes (Ctrl-C to stop)")

    # A file given is watched through its directory: editors replace files by renaming.
    watched = sorted({path if os.path.isdir(path) else (os.path.dirname(path) or ".") for path in targets})
    relevant = Relevant(ignore_dirs=(*Relevant.ignore_dirs, ".torchlint_cache"))
    # The first lint waits for the watcher's first answer (an empty set after `rust_timeout`): by then
    # it watches, so a change made while a run lints is seen when it ends.
    started = False
    for changes in watchfiles.watch(*watched, watch_filter=relevant, rust_timeout=250, yield_on_timeout=True,
                                    raise_interrupt=True):
        if not started:
            started = True
            lint(clear=False)
            continue
        if not changes:
            continue
        if not quiet:
            count = len({path for _change, path in changes})
            _note(f"[{time.strftime('%H:%M:%S')}] {count} file{'s' * (count != 1)} changed: linting again")
        lint(clear=True)
    return EXIT_CLEAN


def _fix_summary(findings: list[Finding], fixed, unsafe: bool) -> str:
    """`Fixed 3 findings, 1 remaining.` or `[*] 2 fixable with --fix.`, then the findings with unsafe fixes."""
    from .findings import applicable  # not from .fix: that imports LibCST

    safe = sum(1 for finding in findings if applicable(finding.fix, unsafe))
    hidden = [f for f in findings if not applicable(f.fix, unsafe) and applicable(f.fix, True)]
    lines = []
    if fixed is not None:
        noun = "finding" if fixed.total_fixed == 1 else "findings"
        lines.append(f"Fixed {fixed.total_fixed} {noun}, {len(findings)} remaining.")
    elif safe:
        lines.append(f"[*] {safe} fixable with --fix" + (" --unsafe-fixes." if unsafe else "."))
    if hidden:
        where = ", ".join(f"{f.code} at {printable(f.filename)}:{f.location.row}" for f in hidden[:5])
        more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
        lines.append(f"{len(hidden)} with unsafe fixes available via --unsafe-fixes: {where}{more}.")
    return "".join(line + "\n" for line in lines)


def _read_stdin() -> bytes:
    if sys.stdin is None:
        raise click.ClickException("standard input is closed: nothing to lint")
    try:
        stream = getattr(sys.stdin, "buffer", None)  # a text stream without bytes (in tests): its text
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    except OSError as error:
        raise click.ClickException(f"cannot read standard input: {error.strerror or error}") from error


def _fix_stdin(buffer: bytes, filename: str, resolver: ConfigResolver, options: dict[str, Any]):
    """Fix the buffer as the file `filename`; with --fix or --fix-only, write the fixed source
    (or the input, unchanged) to stdout, in its own encoding. A FixResult for the report."""
    from .fix import FixResult, fix_buffer

    fixed = fix_buffer(buffer, filename, resolver, unsafe=options["unsafe_fixes"])
    result = FixResult(remaining=fixed.remaining, files=[filename] if fixed.original is not None else [])
    if fixed.original is not None:
        path = os.path.normpath(filename)
        result.original[path], result.current[path] = fixed.original, fixed.text or fixed.original
        if fixed.fixed:
            result.fixed[path] = fixed.fixed
    if not options["diff"]:
        _write_bytes(fixed.data)
    return result


def _write_bytes(data: bytes) -> None:
    if sys.stdout is None:
        raise click.ClickException("standard output is closed: nowhere to write the fixed source")
    try:
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text stream without bytes (in tests)
            sys.stdout.write(data.decode("utf-8", "surrogateescape"))
            return
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _print_diff(fixed, quiet: bool = False) -> int:
    from .fix import unified_diff

    for path in fixed.changed:
        click.echo(unified_diff(path, fixed.original[path], fixed.current[path]), nl=False)
    if fixed.changed and not quiet:
        files = "1 file" if len(fixed.changed) == 1 else f"{len(fixed.changed)} files"
        click.echo(f"Would fix {fixed.total_fixed} finding{'s' * (fixed.total_fixed != 1)} in {files}.", err=True)
    return EXIT_FINDINGS if fixed.changed else EXIT_CLEAN


def _config_resolver(options: dict[str, Any]) -> ConfigResolver:
    """`--config` / `--isolated` / nearest pyproject.toml, with the flags that override it."""
    overrides: dict[str, Any] = {}
    if options["select"]:
        overrides["select"] = _selectors(options["select"], "--select")
    if options["extend_select"]:
        overrides["extend_select"] = _selectors(options["extend_select"], "--extend-select")
    if options["ignore"]:
        overrides["ignore"] = _selectors(options["ignore"], "--ignore")
    if options["exclude"]:
        overrides["exclude"] = _patterns(options["exclude"])
    if options["extend_exclude"]:
        overrides["extend_exclude"] = _patterns(options["extend_exclude"])
    for name in ("respect_gitignore", "force_exclude"):
        if options[name] is not None:
            overrides[name] = options[name]
    if options["config_file"] and not os.path.isfile(options["config_file"]):
        raise click.ClickException(f"{options['config_file']}: no such configuration file")
    try:
        return ConfigResolver(config_file=options["config_file"], isolated=options["isolated"], overrides=overrides)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


def _run_settings(resolver: ConfigResolver, targets: list[str]) -> Config:
    try:
        if os.path.isfile(os.path.join(".", "pyproject.toml")) or len(targets) != 1:
            return resolver.for_path(".")
        return resolver.for_path(targets[0])
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


def _narrow(findings: list[Finding], options: dict[str, Any]) -> tuple[list[Finding], int]:
    """Only what changed (`--diff-against`), only what is new (`--baseline`); and how many
    findings the baseline hid (of those on changed lines)."""
    if options["diff_against"]:
        findings = filter_changed(findings, changed_lines(options["diff_against"]))
    if options["baseline"]:
        try:
            known = read_baseline(options["baseline"])
        except OSError as error:
            raise click.ClickException(f"{options['baseline']}: cannot read baseline: {error.strerror or error}") from error
        except (ValueError, KeyError, TypeError) as error:
            raise click.ClickException(f"{options['baseline']}: cannot read baseline: {error}") from error
        new = filter_baseline(findings, known)
        return new, len(findings) - len(new)
    return findings, 0


def _write_output(output: str, output_file: str | None, color: bool, to_stderr: bool = False) -> None:
    if not output_file and to_stderr:
        click.echo(output, nl=False, color=color, err=True)
        return
    if not output_file:
        if sys.stdout is None:  # started with stdout closed (`torchlint . >&-`)
            raise click.ClickException("standard output is closed: nowhere to write the report (use --output-file)")
        try:
            click.echo(output, nl=False, color=color)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`torchlint . | head -1`): what it read is all it wanted. Later
            # writes (the flush at exit) go nowhere instead of raising again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return
    directory = os.path.dirname(output_file)
    try:
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(output_file, "w", encoding="utf-8") as handle:
            handle.write(output)
    except OSError as error:
        raise click.ClickException(f"{output_file}: cannot write report: {error.strerror or error}") from error


def _patterns(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("code", metavar="CODE_OR_NAME")
def rule(code: str) -> int:
    """Explain a rule: what it catches, why it matters, what to write instead.

    CODE_OR_NAME is a rule's code (TL001) or its name (softmax-before-cross-entropy).
    """
    rule_cls = get_rule(code) or _rule_by_name(code)
    if rule_cls is None:
        import difflib
        import re

        if re.fullmatch(r"[A-Za-z]+[0-9]+", code.strip()):
            raise click.ClickException(f"unknown rule code '{code}' (run 'torchlint rules' to list them)")
        names = [rule.name for rule in ALL_RULES]
        close = difflib.get_close_matches(code.strip().lower().replace("_", "-"), names, n=1, cutoff=0.6)
        guess = f"; did you mean '{close[0]}'?" if close else ""
        raise click.ClickException(f"unknown rule name '{code}'{guess} (run 'torchlint rules' to list them)")
    click.echo(rule_cls.full_docs(), nl=False)
    return EXIT_CLEAN


def _rule_by_name(name: str):
    """The rule called `name` (`softmax-before-cross-entropy`; `_` for `-` and any case too)."""
    wanted = name.strip().lower().replace("_", "-")
    return next((rule_cls for rule_cls in ALL_RULES if rule_cls.name == wanted), None)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--output-format", type=LISTING_FORMATS, default="text", show_default=True)
def rules(output_format: str) -> int:
    """List every rule with its severity and whether it can be fixed."""
    rows = [
        {
            "code": rule_cls.code,
            "name": rule_cls.name,
            "severity": rule_cls.severity.value,
            "fixable": rule_cls.fixable.value if rule_cls.fixable else None,
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
                   shard: tuple[int, int] | None) -> dict:
    from .parallel import default_jobs

    return {
        "jobs": jobs or default_jobs(),
        "cache_dir": None if no_cache else (cache_dir or _default_cache_dir(targets)),
        "shard": shard,
    }


@cli.command("server", context_settings=CONTEXT_SETTINGS)
def server_command() -> int:
    """Run the language server (LSP over stdio) for editors; needs `pip install "torchlint[server]"`."""
    from .server import main as serve

    return serve()


from .runtime.run import run_command  # noqa: E402  (imports neither torch nor the watcher)

cli.add_command(run_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; every failure is one line on stderr."""
    with _terminate_as_interrupt():
        return _main(argv)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) ends the run as Ctrl-C does: workers stopped,
    temporary files removed, exit 130."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(*_args) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
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
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
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
            click.echo(f"torchlint: internal error while checking {printable(finding.filename)}:", err=True)
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


def _use_color(stream: Any = None) -> bool:
    # https://no-color.org: NO_COLOR always wins; FORCE_COLOR colours a pipe.
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    return stream is not None and stream.isatty()


def _error(message: str) -> None:
    click.echo(f"torchlint: error: {printable(message)}", err=True)


def _note(message: str) -> None:
    click.echo(f"torchlint: {printable(message)}", err=True)


def _warn(message: str) -> None:
    click.echo(f"torchlint: warning: {printable(message)}", err=True)
