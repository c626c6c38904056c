"""flake8 plugin: `flake8 --select TL` reports torchlint's findings.

Registered under the `flake8.extension` entry point as `TL`. flake8 hands
over one file at a time; torchlint lints it with whole-project flow (the
project files it imports are read from disk) and reports the findings whose
primary location is in that file. flake8 applies its own `# noqa` and
`--select` / `--extend-ignore` on top; `[tool.torchlint]` is read as usual.
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
        from .api import lint_paths, lint_sources
        from .config import ConfigError, ConfigResolver

        on_disk = os.path.isfile(self.filename) and self.filename not in ("-", "stdin")
        if on_disk and self.lines is not None:
            with open(self.filename, encoding="utf-8", errors="replace") as handle:
                on_disk = handle.read() == "".join(self.lines)
        if on_disk:
            try:
                resolver = ConfigResolver()
                resolver.for_path(self.filename)
            except ConfigError:
                resolver = ConfigResolver(isolated=True)
            findings = lint_paths([self.filename], resolver).findings
        else:  # stdin, or an editor's unsaved buffer
            findings = lint_sources({self.filename: "".join(self.lines or [])})
        target = os.path.normpath(self.filename)
        for finding in findings:
            if os.path.normpath(finding.filename) != target:
                continue
            yield finding.location.row, finding.location.column - 1, f"{finding.code} {finding.message}", type(self)
