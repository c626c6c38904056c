"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings (suppressions applied).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .analysis.flow import analyze_module
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
    modules = [parse_file(path) for path in files]
    return LintResult(_lint_modules(modules, config or Config()), files)


def lint_source(source: str, filename: str = "<string>", config: Config | None = None) -> list[Finding]:
    """Lint one in-memory module."""
    return lint_sources({filename: source}, config)


def lint_sources(sources: dict[str, str], config: Config | None = None) -> list[Finding]:
    """Lint an in-memory project: path -> source text."""
    modules = [parse_source(path, text) for path, text in sources.items()]
    return _lint_modules(modules, config or Config())


def _lint_modules(modules: Sequence[ParsedModule | ParseFailure], config: Config) -> list[Finding]:
    rules = [rule_cls() for rule_cls in ALL_RULES if config.enabled(rule_cls.code)]
    findings: list[Finding] = []
    for module in modules:
        if isinstance(module, ParseFailure):
            if config.enabled(PARSE_ERROR.code):
                findings.append(_parse_error(module))
            continue
        findings.extend(_check_module(module, rules))
    findings.sort(key=Finding.sort_key)
    return findings


def _check_module(module: ParsedModule, rules: Iterable[Rule]) -> list[Finding]:
    try:
        facts = analyze_module(module)
        found: dict[tuple, Finding] = {}
        for rule in rules:
            for report in rule.check(facts):
                finding = _to_finding(rule, report, module)
                if finding is None:
                    continue
                # One finding per primary site and rule, however many losses it reaches.
                found.setdefault((rule.code, finding.filename, finding.location), finding)
        return list(found.values())
    except RecursionError:
        return [_parse_error(ParseFailure(module.path, "too deeply nested to analyse"))]
    except Exception as error:  # one file's bug must not stop the run
        message = f"internal error: {type(error).__name__}: {error}"
        finding = _parse_error(ParseFailure(module.path, message))
        finding.extra["traceback"] = traceback.format_exc()
        return [finding]


def _to_finding(rule: Rule, report: Report, module: ParsedModule) -> Finding | None:
    row, col, end_row, end_col = _position(report.primary, module)
    if report.primary.path == module.path:
        line = module.lines[row - 1] if 0 < row <= len(module.lines) else ""
        if is_suppressed(line, rule.code):
            return None
    related = []
    for site, message in report.related:
        r_row, r_col, r_end_row, r_end_col = _position(site, module)
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


def _position(site, module: ParsedModule) -> tuple[int, int, int, int]:
    return site.locate()


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
