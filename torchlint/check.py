"""The per-file check: one parsed module through the value-flow engine and the rules.

What every way of linting shares, below all of them: `session.Session.lint_file`
(one process's files, pool workers included) calls `check_module` and
`parse_error`; `api` and `fix` apply the results with `keep_shortest`,
`SuppressionIndex`, `unused_suppressions` and `to_cells`, and `fix` lints its
parsed modules with `lint_modules`. Nothing here reads files, caches or starts
processes.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

from .config import Config, ConfigResolver
from .findings import Finding, Location, Related, Severity
from .lazy import lazy_attributes
from .rules import ALL_RULES, PARSE_ERROR, UNUSED_NOQA
from .rules.base import Report, Rule
from .suppress import Suppressions

if TYPE_CHECKING:
    from .analysis.project import Project
    from .parsing import ParsedModule, ParseFailure

# The engine is imported on first use: a run answered entirely from the cache
# never pays for LibCST (importing it alone takes ~0.5 s).
_LAZY = {
    "analyze_module": ("torchlint.analysis.flow", "analyze_module"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)


ConfigLike = Union[Config, ConfigResolver, None]


def as_resolver(config: ConfigLike) -> ConfigResolver:
    """A ConfigResolver for what the library entry points accept: a resolver as it is, one
    Config for every file, or None (the defaults)."""
    if isinstance(config, ConfigResolver):
        return config
    return ConfigResolver.fixed(config or Config())


def rules_for(configs: Sequence[Config]) -> list[Rule]:
    """One instance of each rule that at least one of `configs` enables."""
    return [rule_cls() for rule_cls in ALL_RULES if any(config.enabled(rule_cls.code) for config in configs)]


def explicitly_ignored(config: Config, code: str, path: str) -> bool:
    """Whether `config` ignores `code` for `path` by name (or ALL), not merely leaves it unselected."""
    return any(prefix == "ALL" or code.startswith(prefix) for prefix in [*config.ignore, *config.ignored_in(path)])


def lint_modules(
    project: Project,
    modules: Sequence[ParsedModule | ParseFailure],
    resolver: ConfigResolver,
    report_unused_noqa: bool = False,
) -> list[Finding]:
    """Lint already parsed modules in this process, without cache or pre-check (`fix` uses it)."""
    from .parsing import ParsedModule, ParseFailure

    configs = [resolver.for_path(module.path) for module in modules] or [resolver.for_path(".")]
    rules = rules_for(configs)
    suppressions = SuppressionIndex(project.lines)
    found: dict[tuple, Finding] = {}
    for module, config in zip(modules, configs):
        if isinstance(module, ParseFailure):
            # Like ruff's syntax errors, unreadable files are reported whatever
            # is selected, unless TL000 itself is ignored.
            if not explicitly_ignored(config, PARSE_ERROR.code, module.path):
                found[(PARSE_ERROR.code, module.path, 0)] = parse_error(module)
            continue
        for finding in [*recovery_error(module, config), *check_module(project, module, rules)]:
            keep_shortest(found, finding, resolver, suppressions)
    if report_unused_noqa:
        for module, config in zip(modules, configs):
            # Asking for the report selects TL100, unless it is ignored explicitly; not in a file that
            # does not parse (its suppressions may be in what was set aside).
            if (isinstance(module, ParsedModule) and module.recovery is None
                    and not explicitly_ignored(config, UNUSED_NOQA.code, module.path)):
                for finding in unused_suppressions(module.path, suppressions.of(module.path)):
                    found[(finding.code, finding.filename, finding.location)] = finding

    def notebook_of(path: str):
        module = project.modules.get(path)
        return getattr(module, "notebook", None)

    return sorted((to_cells(finding, notebook_of) for finding in found.values()), key=Finding.sort_key)


def keep_shortest(found: dict[tuple, Finding], finding: Finding, resolver: ConfigResolver,
                  suppressions: "SuppressionIndex") -> None:
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


def _reported(finding: Finding, resolver: ConfigResolver, suppressions: "SuppressionIndex") -> bool:
    """Selected for its file, and not silenced by a comment on its primary line."""
    if "traceback" in finding.extra or finding.code == PARSE_ERROR.code:
        return True
    if not resolver.for_path(finding.filename).enabled_for(finding.code, finding.filename):
        return False
    return not suppressions.of(finding.filename).suppress(finding.location.row, finding.code)


class SuppressionIndex:
    """Each file's suppression comments, read once, shared so that their use is recorded."""

    def __init__(self, lines: Callable[[str], list[str]]) -> None:
        self.lines = lines
        self._by_path: dict[str, Suppressions] = {}

    def of(self, path: str) -> Suppressions:
        if path not in self._by_path:
            self._by_path[path] = Suppressions(self.lines(path))
        return self._by_path[path]


def unused_suppressions(path: str, suppressions: Suppressions) -> list[Finding]:
    """TL100 findings for the suppression comments of `path` that silenced nothing (so far)."""
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


def to_cells(finding: Finding, notebook_of: Callable[[str], Any]) -> Finding:
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


# Deeply nested but valid code (generated dispatch tables, long expressions)
# needs more than CPython's default 1000 frames in LibCST's visitors.
RECURSION_LIMIT = 12000


def check_module(project: Project, module: ParsedModule, rules: Iterable[Rule]) -> list[Finding]:
    """The findings of `rules` on one parsed module (before suppressions and deduplication);
    an engine failure on it is one TL000 finding, never an exception."""
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
        return [parse_error(ParseFailure(module.path, "too deeply nested to analyse"))]
    except Exception as error:  # one file's bug must not stop the run
        message = f"internal error: {type(error).__name__}: {str(error)[:200]}"
        finding = parse_error(ParseFailure(module.path, message))
        finding.extra["traceback"] = traceback.format_exc()
        return [finding]


def recovery_error(module: ParsedModule, config: Config) -> list[Finding]:
    """The TL000 of a module analysed with its unparsable statements set aside (`recovery.py`),
    at CPython's error, unless `config` ignores TL000 by name; [] for a module that parses."""
    failure = module.syntax_error
    if failure is None or explicitly_ignored(config, PARSE_ERROR.code, module.path):
        return []
    return [parse_error(failure)]


def _in_recovered_file(site: Any, project: Project) -> bool:
    """Whether `site` is in a file that does not parse as it is (no fix is offered there)."""
    source = site.source
    if source is None:
        source = project.modules.get(site.path)
    return getattr(source, "recovery", None) is not None


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
        # A fix's edits are in the primary site's file: none in a file that does not parse.
        fix=report.fix if report.fix is None or not _in_recovered_file(report.primary, project) else None,
    )


def parse_error(failure: ParseFailure) -> Finding:
    """The TL000 finding of a file that cannot be read, decoded, parsed or analysed."""
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
