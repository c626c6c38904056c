"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings
(per-file configuration and suppressions applied, notebook rows mapped to cells;
results cached and files spread over processes on request, see `lint_paths`).
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

from .config import Config, ConfigResolver
from .discovery import discover
from .findings import Finding, Location, Related, Severity
from .lines import python_lines
from .lazy import lazy_attributes
from .roots import find_roots
from .rules import ALL_RULES, PARSE_ERROR, UNUSED_NOQA
from .rules.base import Report, Rule
from .suppress import Suppressions

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
    "parse_notebook": ("torchlint.parsing", "parse_notebook"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


ConfigLike = Union[Config, ConfigResolver, None]


def lint_paths(
    paths: Sequence[str],
    config: ConfigLike = None,
    *,
    report_unused_noqa: bool = False,
    jobs: int = 1,
    cache_dir: str | None = None,
    shard: tuple[int, int] | None = None,
    precheck: bool = True,
) -> LintResult:
    """Lint every Python file and notebook under `paths` (files or directories).

    `config` is one Config for every file, or a ConfigResolver that finds each
    file's own (`[tool.torchlint]` of its nearest pyproject.toml); by default
    no configuration file is read. `report_unused_noqa`: also report TL100.

    `jobs`: worker processes (1: in this process). `cache_dir`: where to keep
    the result cache (None: no cache). `shard=(i, n)`: check only the i-th of n
    slices of the files (1-based), still seeing the whole project's summaries.
    `precheck=False` analyses every file fully (for tests and comparisons).
    """
    resolver = _resolver(config)
    files = discover(list(paths), resolver)
    roots = find_roots(list(paths))
    selected = shard_files(files, *shard) if shard else files
    session_args = {"roots": roots, "on_disk": True, "known": files, "precheck": precheck}
    cache = None
    if cache_dir is not None:
        from .cache import Cache, project_files_key

        cache = Cache(cache_dir, _rule_codes(resolver, selected), project_files_key(files))
    return LintResult(_run(selected, session_args, resolver, jobs, cache, report_unused_noqa), files)


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


def lint_sources(sources: dict[str, str], config: ConfigLike = None, *, report_unused_noqa: bool = False,
                 precheck: bool = True) -> list[Finding]:
    """Lint an in-memory project: path -> source text (paths relative to its root)."""
    session_args = {"roots": [""], "on_disk": False, "known": list(sources), "sources": sources,
                    "precheck": precheck}
    return _run(list(sources), session_args, _resolver(config), 1, None, report_unused_noqa)


def _resolver(config: ConfigLike) -> ConfigResolver:
    if isinstance(config, ConfigResolver):
        return config
    return ConfigResolver.fixed(config or Config())


def _rules_for(configs: Sequence[Config]) -> list[Rule]:
    return [rule_cls() for rule_cls in ALL_RULES if any(config.enabled(rule_cls.code) for config in configs)]


def _rule_codes(resolver: ConfigResolver, paths: Sequence[str]) -> list[str]:
    configs = [resolver.for_path(path) for path in paths] or [resolver.for_path(".")]
    return [rule.code for rule in _rules_for(configs)]


# A worker process costs tens of milliseconds to start: small runs stay in this one.
MIN_FILES_PER_JOB = 8


def _run(paths: Sequence[str], session_args: dict, resolver: ConfigResolver, jobs: int, cache,
         report_unused_noqa: bool = False) -> list[Finding]:
    """Lint `paths`: from the cache where it is valid, else in this process or a pool.

    Cached and computed are each file's own findings before configuration of
    other files and suppression comments apply; those (and TL100) are applied
    here, in this process, on every run.
    """
    from .cache import config_key

    configs = {path: resolver.for_path(path) for path in paths}
    rules = _rules_for(list(configs.values()) or [resolver.for_path(".")])
    keys: dict[str, str] = {}
    if cache is not None:
        # Files under one pyproject share one Config object: hash each once.
        by_config: dict[int, str] = {}
        for path, config in configs.items():
            if id(config) not in by_config:
                by_config[id(config)] = config_key(config)
            keys[path] = by_config[id(config)]
    results: dict[str, list[Finding]] = {}
    todo = list(paths)
    if cache is not None:
        todo = []
        for path in paths:
            cached = cache.lookup(path, cache.file_hash, keys[path])
            if cached is None:
                todo.append(path)
            else:
                results[path] = cached
    if todo:
        from .session import Session

        if cache is not None:
            session_args = {**session_args, "summary_dir": cache.summary_dir}

        if jobs > 1 and len(todo) >= MIN_FILES_PER_JOB * 2:
            jobs = min(jobs, len(todo) // MIN_FILES_PER_JOB)
            from .parallel import lint_parallel

            fresh = lint_parallel(todo, jobs, session_args, {path: configs[path] for path in todo}, rules)
        else:
            from .session import fewer_collections

            session = Session(**session_args)
            with fewer_collections():
                fresh = [session.lint_file(path, configs[path], rules) for path in todo]
        for result in fresh:
            results[result.path] = result.findings
            if cache is not None:
                cache.store(result.path, result.hash, result.findings, result.deps, keys[result.path])
    if cache is not None:
        cache.save()
    texts = _Texts(session_args.get("sources"), session_args["on_disk"])
    suppressions = _SuppressionIndex(texts.lines)
    found: dict[tuple, Finding] = {}
    for path in paths:  # in file order, whatever ran where: identical to one process
        for finding in results[path]:
            _keep_shortest(found, finding, resolver, suppressions)
    if report_unused_noqa:
        for path in paths:
            # Asking for the report selects TL100, unless it is ignored explicitly.
            if not texts.parses(path, results[path]) or _explicitly_ignored(configs[path], UNUSED_NOQA.code, path):
                continue
            for finding in _unused_suppressions(path, suppressions.of(path)):
                found[(finding.code, finding.filename, finding.location)] = finding
    return sorted((_to_cells(finding, texts.notebook) for finding in found.values()), key=Finding.sort_key)


class _Texts:
    """The run's files as text, for suppressions and notebook cells (no parsing)."""

    def __init__(self, sources: dict[str, str] | None, on_disk: bool) -> None:
        self.sources = sources
        self.on_disk = on_disk
        self._texts: dict[str, str | None] = {}
        self._notebooks: dict[str, Any] = {}
        self._lines: dict[str, list[str]] = {}

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self._load(path)
        return self._texts[path]

    def _load(self, path: str) -> str | None:
        from .parsing import DecodeError, decode

        data: bytes | str | None = None
        if self.sources is not None and path in self.sources:
            data = self.sources[path]
        elif self.on_disk:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                return None
        if data is None:
            return None
        if path.endswith(".ipynb"):
            from .notebook import NotebookError, load

            try:
                notebook = load(data)
            except NotebookError:
                return None
            self._notebooks[path] = notebook
            return notebook.text
        try:
            return data if isinstance(data, str) else decode(data)
        except DecodeError:
            return None

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            text = self.text(path)
            self._lines[path] = python_lines(text) if text is not None else []
        return self._lines[path]

    def notebook(self, path: str) -> Any:
        if not path.endswith(".ipynb"):
            return None
        self.text(path)
        return self._notebooks.get(path)

    def parses(self, path: str, findings: list[Finding]) -> bool:
        """Whether `path` parsed (main's TL100 skips files that did not)."""
        from .parsing import CheckedSource, check_source

        if any(finding.code == PARSE_ERROR.code and finding.filename == path and "traceback" not in finding.extra
               for finding in findings):
            return False
        text = self.text(path)
        if text is None:
            return False
        checked = check_source(path, text)
        return isinstance(checked, CheckedSource) and checked.cpython_error is None


def _lint_modules(
    project: Project,
    modules: Sequence[ParsedModule | ParseFailure],
    resolver: ConfigResolver,
    report_unused_noqa: bool = False,
) -> list[Finding]:
    """Lint already parsed modules in this process, without cache or pre-check (`fix` uses it)."""
    from .parsing import ParsedModule, ParseFailure

    configs = [resolver.for_path(module.path) for module in modules] or [resolver.for_path(".")]
    rules = _rules_for(configs)
    suppressions = _SuppressionIndex(project.lines)
    found: dict[tuple, Finding] = {}
    for module, config in zip(modules, configs):
        if isinstance(module, ParseFailure):
            # Like ruff's syntax errors, unreadable files are reported whatever
            # is selected, unless TL000 itself is ignored.
            if not _explicitly_ignored(config, PARSE_ERROR.code, module.path):
                found[(PARSE_ERROR.code, module.path, 0)] = _parse_error(module)
            continue
        for finding in _check_module(project, module, rules):
            _keep_shortest(found, finding, resolver, suppressions)
    if report_unused_noqa:
        for module, config in zip(modules, configs):
            # Asking for the report selects TL100, unless it is ignored explicitly.
            if isinstance(module, ParsedModule) and not _explicitly_ignored(config, UNUSED_NOQA.code, module.path):
                for finding in _unused_suppressions(module.path, suppressions.of(module.path)):
                    found[(finding.code, finding.filename, finding.location)] = finding

    def notebook_of(path: str):
        module = project.modules.get(path)
        return getattr(module, "notebook", None)

    return sorted((_to_cells(finding, notebook_of) for finding in found.values()), key=Finding.sort_key)


def _keep_shortest(found: dict[tuple, Finding], finding: Finding, resolver: ConfigResolver,
                   suppressions: "_SuppressionIndex") -> None:
    """One finding per primary site and rule, however many losses (and files) it reaches: the
    one with the shortest evidence (a bug inside a function is also seen through every call
    of it that brings values; the direct sighting names fewer hops and keeps its safe fix)."""
    key = (finding.code, finding.filename, finding.location)
    kept = found.get(key)
    if kept is not None and _evidence_rank(finding) >= _evidence_rank(kept):
        return
    if kept is None and not _reported(finding, resolver, suppressions):
        return
    found[key] = finding


def _evidence_rank(finding: Finding) -> tuple[int, int]:
    return len(finding.related), 0 if finding.fix is not None else 1


def _reported(finding: Finding, resolver: ConfigResolver, suppressions: "_SuppressionIndex") -> bool:
    """Selected for its file, and not silenced by a comment on its primary line."""
    if "traceback" in finding.extra or finding.code == PARSE_ERROR.code:
        return True
    if not resolver.for_path(finding.filename).enabled_for(finding.code, finding.filename):
        return False
    return not suppressions.of(finding.filename).suppress(finding.location.row, finding.code)


class _SuppressionIndex:
    """Each file's suppression comments, read once, shared so that their use is recorded."""

    def __init__(self, lines: Callable[[str], list[str]]) -> None:
        self.lines = lines
        self._by_path: dict[str, Suppressions] = {}

    def of(self, path: str) -> Suppressions:
        if path not in self._by_path:
            self._by_path[path] = Suppressions(self.lines(path))
        return self._by_path[path]


def _unused_suppressions(path: str, suppressions: Suppressions) -> list[Finding]:
    findings = []
    for directive in suppressions.directives():
        unused = directive.unused_codes()
        if unused is None:
            message = f"Unused blanket suppression `{directive.text.strip()}`: it silences nothing"
        elif unused:
            message = f"Unused suppression of {', '.join(unused)} in `{directive.text.strip()}`"
        else:
            continue
        end = Location(directive.row, directive.column + len(directive.text))
        findings.append(
            Finding(
                code=UNUSED_NOQA.code,
                name=UNUSED_NOQA.name,
                message=message,
                severity=UNUSED_NOQA.severity,
                filename=path,
                location=Location(directive.row, directive.column),
                end_location=end,
            )
        )
    return findings


def _to_cells(finding: Finding, notebook_of: Callable[[str], Any]) -> Finding:
    """Positions in a notebook's virtual source -> (cell, line in cell)."""
    notebook = notebook_of(finding.filename)
    related = tuple(_related_to_cells(item, notebook_of) for item in finding.related)
    if notebook is None or finding.cell is not None:
        return replace(finding, related=related) if related != finding.related else finding
    cell, row = notebook.to_cell(finding.location.row)
    end_cell, end_row = notebook.to_cell(finding.end_location.row)
    end = Location(end_row, finding.end_location.column)
    if end_cell != cell:  # a span across cells: stop at the end of the first line
        end = Location(row, finding.location.column + 1)
    # A fix's edits are in the virtual source's rows: notebooks are not fixed.
    return replace(finding, cell=cell, location=Location(row, finding.location.column), end_location=end,
                   related=related, fix=None)


def _related_to_cells(related: Related, notebook_of: Callable[[str], Any]) -> Related:
    notebook = notebook_of(related.filename)
    if notebook is None or related.cell is not None:
        return related
    cell, row = notebook.to_cell(related.location.row)
    end = related.end_location
    if end is not None:
        end_cell, end_row = notebook.to_cell(end.row)
        end = Location(end_row, end.column) if end_cell == cell else None
    return replace(related, cell=cell, location=Location(row, related.location.column), end_location=end)


def _explicitly_ignored(config: Config, code: str, path: str) -> bool:
    return any(prefix == "ALL" or code.startswith(prefix) for prefix in [*config.ignore, *config.ignored_in(path)])


# Deeply nested but valid code (generated dispatch tables, long expressions)
# needs more than CPython's default 1000 frames in LibCST's visitors.
RECURSION_LIMIT = 12000


def _check_module(project: Project, module: ParsedModule, rules: Iterable[Rule]) -> list[Finding]:
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    try:
        return _check_module_deeply(project, module, rules)
    finally:
        sys.setrecursionlimit(previous_limit)


def _check_module_deeply(project: Project, module: ParsedModule, rules: Iterable[Rule]) -> list[Finding]:
    from .parsing import ParseFailure

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
        fix=report.fix,
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
        cell=failure.cell,
    )
