"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings
(per-file configuration and suppressions applied, notebook rows mapped to cells).
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence, Union

from .analysis.flow import analyze_module
from .analysis.project import Project, find_roots
from .config import Config, ConfigResolver
from .discovery import discover
from .findings import Finding, Location, Related, Severity
from .parsing import ParsedModule, ParseFailure, parse_file, parse_notebook, parse_source
from .rules import ALL_RULES, PARSE_ERROR, UNUSED_NOQA
from .rules.base import Report, Rule
from .suppress import Suppressions


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


ConfigLike = Union[Config, ConfigResolver, None]


def lint_paths(paths: Sequence[str], config: ConfigLike = None, *, report_unused_noqa: bool = False) -> LintResult:
    """Lint every Python file and notebook under `paths` (files or directories).

    `config` is one Config for every file, or a ConfigResolver that finds each
    file's own (`[tool.torchlint]` of its nearest pyproject.toml); by default
    no configuration file is read.
    """
    resolver = _resolver(config)
    files = discover(list(paths), resolver)
    modules = {path: parse_file(path) for path in files}
    project = Project(modules, find_roots(list(paths)), on_disk=True)
    findings = _lint_modules(project, list(modules.values()), resolver, report_unused_noqa)
    return LintResult(findings, files)


def lint_source(source: str, filename: str = "<string>", config: Config | None = None) -> list[Finding]:
    """Lint one in-memory module."""
    return lint_sources({filename: source}, config)


def lint_sources(sources: dict[str, str], config: ConfigLike = None, *, report_unused_noqa: bool = False) -> list[Finding]:
    """Lint an in-memory project: path -> source text (paths relative to its root)."""
    modules = {
        path: parse_notebook(path, text) if path.endswith(".ipynb") else parse_source(path, text)
        for path, text in sources.items()
    }
    project = Project(modules, [""], on_disk=False)
    return _lint_modules(project, list(modules.values()), _resolver(config), report_unused_noqa)


def _resolver(config: ConfigLike) -> ConfigResolver:
    if isinstance(config, ConfigResolver):
        return config
    return ConfigResolver.fixed(config or Config())


def _lint_modules(
    project: Project,
    modules: Sequence[ParsedModule | ParseFailure],
    resolver: ConfigResolver,
    report_unused_noqa: bool = False,
) -> list[Finding]:
    configs = [resolver.for_path(module.path) for module in modules] or [resolver.for_path(".")]
    rules = [rule_cls() for rule_cls in ALL_RULES if any(config.enabled(rule_cls.code) for config in configs)]
    suppressions = _SuppressionIndex(project)
    found: dict[tuple, Finding] = {}
    for module, config in zip(modules, configs):
        if isinstance(module, ParseFailure):
            # Like ruff's syntax errors, unreadable files are reported whatever
            # is selected, unless TL000 itself is ignored.
            if not _explicitly_ignored(config, PARSE_ERROR.code, module.path):
                found[(PARSE_ERROR.code, module.path, 0)] = _parse_error(module)
            continue
        for finding in _check_module(project, module, rules):
            # One finding per primary site and rule, however many losses (and
            # files) it reaches.
            key = (finding.code, finding.filename, finding.location)
            if key in found or not _reported(finding, resolver, suppressions):
                continue
            found[key] = finding
    if report_unused_noqa:
        for module, config in zip(modules, configs):
            # Asking for the report selects TL100, unless it is ignored explicitly.
            if isinstance(module, ParsedModule) and not _explicitly_ignored(config, UNUSED_NOQA.code, module.path):
                for finding in _unused_suppressions(module, suppressions.of(module.path)):
                    found[(finding.code, finding.filename, finding.location)] = finding
    return sorted((_to_cells(finding, project) for finding in found.values()), key=Finding.sort_key)


def _reported(finding: Finding, resolver: ConfigResolver, suppressions: "_SuppressionIndex") -> bool:
    """Selected for its file, and not silenced by a comment on its primary line."""
    if "traceback" in finding.extra or finding.code == PARSE_ERROR.code:
        return True
    if not resolver.for_path(finding.filename).enabled_for(finding.code, finding.filename):
        return False
    return not suppressions.of(finding.filename).suppress(finding.location.row, finding.code)


class _SuppressionIndex:
    """Each file's suppression comments, read once, shared so that their use is recorded."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._by_path: dict[str, Suppressions] = {}

    def of(self, path: str) -> Suppressions:
        if path not in self._by_path:
            self._by_path[path] = Suppressions(self.project.lines(path))
        return self._by_path[path]


def _unused_suppressions(module: ParsedModule, suppressions: Suppressions) -> list[Finding]:
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
                filename=module.path,
                location=Location(directive.row, directive.column),
                end_location=end,
            )
        )
    return findings


def _to_cells(finding: Finding, project: Project) -> Finding:
    """Positions in a notebook's virtual source -> (cell, line in cell)."""
    module = project.modules.get(finding.filename)
    related = tuple(_related_to_cells(item, project) for item in finding.related)
    if not isinstance(module, ParsedModule) or module.notebook is None:
        return replace(finding, related=related) if related != finding.related else finding
    cell, row = module.notebook.to_cell(finding.location.row)
    end_cell, end_row = module.notebook.to_cell(finding.end_location.row)
    end = Location(end_row, finding.end_location.column)
    if end_cell != cell:  # a span across cells: stop at the end of the first line
        end = Location(row, finding.location.column + 1)
    # A fix's edits are in the virtual source's rows: notebooks are not fixed.
    return replace(finding, cell=cell, location=Location(row, finding.location.column), end_location=end,
                   related=related, fix=None)


def _related_to_cells(related: Related, project: Project) -> Related:
    module = project.modules.get(related.filename)
    if not isinstance(module, ParsedModule) or module.notebook is None:
        return related
    cell, row = module.notebook.to_cell(related.location.row)
    end = related.end_location
    if end is not None:
        end_cell, end_row = module.notebook.to_cell(end.row)
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
    try:
        facts = analyze_module(module, project)
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
