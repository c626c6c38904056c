"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings (suppressions applied).
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .analysis.flow import analyze_module
from .analysis.project import Project, find_roots
from .config import Config
from .discovery import discover
from .findings import Finding, Location, Related, Severity
from .parsing import ParsedModule, ParseFailure, parse_file, parse_source
from .rules import ALL_RULES, PARSE_ERROR
from .rules.base import Report, Rule
from .suppress import is_suppressed


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


def lint_paths(paths: Sequence[str], config: Config | None = None) -> LintResult:
    """Lint every Python file under `paths` (files or directories)."""
    files = discover(list(paths))
    modules = {path: parse_file(path) for path in files}
    project = Project(modules, find_roots(list(paths)), on_disk=True)
    return LintResult(_lint_modules(project, list(modules.values()), config or Config()), files)


def lint_source(source: str, filename: str = "<string>", config: Config | None = None) -> list[Finding]:
    """Lint one in-memory module."""
    return lint_sources({filename: source}, config)


def lint_sources(sources: dict[str, str], config: Config | None = None) -> list[Finding]:
    """Lint an in-memory project: path -> source text (paths relative to its root)."""
    modules = {path: parse_source(path, text) for path, text in sources.items()}
    project = Project(modules, [""], on_disk=False)
    return _lint_modules(project, list(modules.values()), config or Config())


def _lint_modules(project: Project, modules: Sequence[ParsedModule | ParseFailure], config: Config) -> list[Finding]:
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
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
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
    )
