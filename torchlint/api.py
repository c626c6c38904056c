"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings (suppressions applied).
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from typing import TYPE_CHECKING, Any

from .config import Config
from .discovery import discover
from .findings import Finding, Location, Related, Severity
from .roots import find_roots
from .rules import ALL_RULES, PARSE_ERROR
from .rules.base import Report, Rule
from .suppress import is_suppressed

if TYPE_CHECKING:
    from .analysis.project import Project
    from .parsing import ParsedModule, ParseFailure

# LibCST and the engine are imported on first use: a run answered entirely
# from the cache never pays for them (importing LibCST alone takes ~0.5 s).
_LAZY = {
    "analyze_module": ("torchlint.analysis.flow", "analyze_module"),
    "Project": ("torchlint.analysis.project", "Project"),
    "ParsedModule": ("torchlint.parsing", "ParsedModule"),
    "ParseFailure": ("torchlint.parsing", "ParseFailure"),
    "parse_file": ("torchlint.parsing", "parse_file"),
    "parse_source": ("torchlint.parsing", "parse_source"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'torchlint.api' has no attribute {name!r}")


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


def lint_paths(
    paths: Sequence[str],
    config: Config | None = None,
    *,
    jobs: int = 1,
    cache_dir: str | None = None,
    shard: tuple[int, int] | None = None,
    precheck: bool = True,
) -> LintResult:
    """Lint every Python file under `paths` (files or directories).

    `jobs`: worker processes (1: in this process). `cache_dir`: where to keep
    the result cache (None: no cache). `shard=(i, n)`: check only the i-th of n
    slices of the files (1-based), still seeing the whole project's summaries.
    `precheck=False` analyses every file fully (for tests and comparisons).
    """
    config = config or Config()
    files = discover(list(paths))
    roots = find_roots(list(paths))
    selected = shard_files(files, *shard) if shard else files
    session_args = {"roots": roots, "on_disk": True, "known": files, "precheck": precheck}
    cache = None
    if cache_dir is not None:
        from .cache import Cache, project_files_key

        cache = Cache(cache_dir, config, project_files_key(files))
    return LintResult(_run(selected, session_args, config, jobs, cache), files)


def shard_files(files: Sequence[str], index: int, count: int) -> list[str]:
    """The `index`-th (1-based) of `count` contiguous slices of the sorted files."""
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: expected 1 <= I <= N")
    size, extra = divmod(len(files), count)
    start = (index - 1) * size + min(index - 1, extra)
    end = start + size + (1 if index - 1 < extra else 0)
    return list(files[start:end])


def lint_source(source: str, filename: str = "<string>", config: Config | None = None) -> list[Finding]:
    """Lint one in-memory module."""
    return lint_sources({filename: source}, config)


def lint_sources(sources: dict[str, str], config: Config | None = None, *, precheck: bool = True) -> list[Finding]:
    """Lint an in-memory project: path -> source text (paths relative to its root)."""
    session_args = {"roots": [""], "on_disk": False, "known": list(sources), "sources": sources,
                    "precheck": precheck}
    return _run(list(sources), session_args, config or Config(), 1, None)


# A worker process costs tens of milliseconds to start: small runs stay in this one.
MIN_FILES_PER_JOB = 8


def _run(paths: Sequence[str], session_args: dict, config: Config, jobs: int, cache) -> list[Finding]:
    """Lint `paths`: from the cache where it is valid, else in this process or a pool."""
    rules = [rule_cls() for rule_cls in ALL_RULES if config.enabled(rule_cls.code)]
    results: dict[str, list[Finding]] = {}
    todo = list(paths)
    if cache is not None:
        todo = []
        for path in paths:
            cached = cache.lookup(path, cache.file_hash)
            if cached is None:
                todo.append(path)
            else:
                results[path] = cached
    if todo:
        from .session import Session

        if jobs > 1 and len(todo) >= MIN_FILES_PER_JOB * 2:
            jobs = min(jobs, len(todo) // MIN_FILES_PER_JOB)
            from .parallel import lint_parallel

            fresh = lint_parallel(todo, jobs, session_args, config, rules)
        else:
            session = Session(**session_args)
            fresh = [session.lint_file(path, config, rules) for path in todo]
        for result in fresh:
            results[result.path] = result.findings
            if cache is not None:
                cache.store(result.path, result.hash, result.findings, result.deps)
    if cache is not None:
        cache.save()
    found: dict[tuple, Finding] = {}
    for path in paths:  # in file order, whatever ran where: identical to one process
        for finding in results[path]:
            # One finding per primary site and rule, however many losses (and
            # files) it reaches.
            found.setdefault((finding.code, finding.filename, finding.location), finding)
    return sorted(found.values(), key=Finding.sort_key)


def _lint_modules(project: Project, modules: Sequence[ParsedModule | ParseFailure], config: Config) -> list[Finding]:
    from .parsing import ParseFailure

    rules = [rule_cls() for rule_cls in ALL_RULES if config.enabled(rule_cls.code)]
    found: dict[tuple, Finding] = {}
    for module in modules:
        if isinstance(module, ParseFailure):
            # Like ruff's syntax errors, unreadable files are reported whatever
            # is selected, unless TL000 itself is ignored.
            if not _explicitly_ignored(config, PARSE_ERROR.code):
                found[(PARSE_ERROR.code, module.path, 0)] = _parse_error(module)
            continue
        for finding in _check_module(project, module, rules):
            # One finding per primary site and rule, however many losses (and
            # files) it reaches.
            found.setdefault((finding.code, finding.filename, finding.location), finding)
    return sorted(found.values(), key=Finding.sort_key)


def _explicitly_ignored(config: Config, code: str) -> bool:
    return any(prefix == "ALL" or code.startswith(prefix) for prefix in config.ignore)


# Deeply nested but valid code (generated dispatch tables, long expressions)
# needs more than CPython's default 1000 frames in LibCST's visitors.
RECURSION_LIMIT = 12000


def _check_module(project: Project, module: ParsedModule, rules: Iterable[Rule]) -> list[Finding]:
    from .parsing import ParseFailure

    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    analyze = globals().get("analyze_module") or __getattr__("analyze_module")  # tests replace it
    try:
        facts = analyze(module, project)
        findings = []
        for rule in rules:
            for report in rule.check(facts):
                finding = _to_finding(rule, report, project)
                if finding is not None:
                    findings.append(finding)
        return findings
    except RecursionError:
        return [_parse_error(ParseFailure(module.path, "too deeply nested to analyse"))]
    except Exception as error:  # one file's bug must not stop the run
        message = f"internal error: {type(error).__name__}: {str(error)[:200]}"
        finding = _parse_error(ParseFailure(module.path, message))
        finding.extra["traceback"] = traceback.format_exc()
        return [finding]


def _to_finding(rule: Rule, report: Report, project: Project) -> Finding | None:
    row, col, end_row, end_col = report.primary.locate()
    lines = project.lines(report.primary.path)
    if 0 < row <= len(lines) and is_suppressed(lines[row - 1], rule.code):
        return None
    related = []
    for site, message in report.related:
        r_row, r_col, r_end_row, r_end_col = site.locate()
        related.append(Related(site.path, Location(r_row, r_col), message, Location(r_end_row, r_end_col)))
    return Finding(
        code=rule.code,
        name=rule.name,
        message=report.message,
        severity=rule.severity,
        filename=report.primary.path,
        location=Location(row, col),
        end_location=Location(end_row, end_col),
        related=tuple(related),
    )


def _parse_error(failure: ParseFailure) -> Finding:
    return Finding(
        code=PARSE_ERROR.code,
        name=PARSE_ERROR.name,
        message=failure.message,
        severity=Severity.ERROR,
        filename=failure.path,
        location=Location(failure.row, failure.column),
        end_location=Location(failure.row, failure.column),
    )
