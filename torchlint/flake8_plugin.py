"""flake8 plugin: `flake8 --select TL` reports torchlint's findings.

Registered under the `flake8.extension` entry point as `TL`. flake8 hands
over one file at a time; the first time, each flake8 process lints the whole
project (the working directory, with torchlint's exclusions and
`[tool.torchlint]`) so that whole-project flow finds what `torchlint` finds,
then reports for each file the findings whose primary location is in it.
flake8 applies its own `# noqa`, `--select` and `--extend-ignore` on top.
A file outside the working directory is linted on its own (imports are still
followed); stdin is linted as it is.
"""

from __future__ import annotations

import ast
import os
from typing import Any, Iterator

from . import __version__


class TorchlintChecker:
    name = "torchlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str] | None = None) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        target = os.path.normpath(os.path.abspath(self.filename))
        for finding in self._findings():
            if os.path.normpath(os.path.abspath(finding.filename)) == target:
                yield finding.location.row, finding.location.column - 1, f"{finding.code} {finding.message}", type(self)

    def _findings(self) -> list:
        from .api import lint_sources

        if not self._on_disk():  # stdin, or an editor's unsaved buffer
            return lint_sources({self.filename: "".join(self.lines or [])})
        root = _project_root(self.filename)
        findings = _project_findings(root)
        if findings is None or os.path.abspath(self.filename) not in _linted.get(root, set()):
            # Outside the project walk (excluded, or outside the working directory).
            findings = _lint([self.filename])[0]
        return findings

    def _on_disk(self) -> bool:
        if self.filename in ("-", "stdin") or not os.path.isfile(self.filename):
            return False
        if self.lines is None:
            return True
        with open(self.filename, encoding="utf-8", errors="replace") as handle:
            return handle.read() == "".join(self.lines)


# The project's findings, computed once per flake8 process: a finding in one
# file may depend on another (the loss a model's softmax reaches is in the
# training script that imports it), as with `torchlint` itself.
_cache: dict[str, list] = {}
_linted: dict[str, set[str]] = {}


def _project_root(filename: str) -> str:
    """flake8 runs from the project's root: the working directory, when the file is in it."""
    cwd = os.getcwd()
    path = os.path.abspath(filename)
    return cwd if path.startswith(cwd.rstrip(os.sep) + os.sep) else os.path.dirname(path)


def _project_findings(root: str) -> list | None:
    if root not in _cache:
        findings, files = _lint([root])
        _cache[root] = findings
        _linted[root] = {os.path.abspath(path) for path in files}
    return _cache[root]


def _lint(paths: list[str]) -> tuple[list, list[str]]:
    from .api import lint_paths
    from .config import ConfigError, ConfigResolver

    try:
        resolver = ConfigResolver()
        for path in paths:
            resolver.for_path(path)
    except ConfigError:
        resolver = ConfigResolver(isolated=True)
    result = lint_paths(paths, resolver)
    return result.findings, result.files
