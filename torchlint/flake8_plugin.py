"""flake8 plugin: `flake8 --select TL` reports torchlint's findings.

Registered under the `flake8.extension` entry point as `TL`. flake8 hands
over one file at a time; the first time, each flake8 process lints all the
paths flake8 was given (`flake8 src/` lints what `torchlint src/` lints, with
`[tool.torchlint]` and torchlint's exclusions, and `flake8 model.py` what
`torchlint model.py` does: the project's files that import it are analysed with
it), so that whole-project flow finds what `torchlint` finds, then reports for
each file the findings whose primary location is in it. A finding located in a
file flake8 was not given but with a related location in one (`flake8 train.py`,
the softmax in model.py reaching the loss in train.py) is reported at that related
location, naming where the finding itself is. flake8 applies its own `# noqa`,
`--select` and `--extend-ignore` on top. The result cache is used as `torchlint`
uses it (`.torchlint_cache` at the project root). A file torchlint's walk skipped
is linted on its own (imports are still followed); stdin or a buffer that differs
from its file is linted as that file (`api.lint_buffer`: its configuration, its
imports and the files that import it).
"""

from __future__ import annotations

import ast
import os
from typing import Any, Iterator

from .version import __version__


class TorchlintChecker:
    name = "torchlint"
    version = __version__

    # The paths flake8 was given (`flake8 src/ train.py`), set by parse_options.
    paths: list[str] = ["."]

    @classmethod
    def parse_options(cls, options: Any) -> None:
        filenames = [name for name in getattr(options, "filenames", None) or [] if name not in ("-", "stdin")]
        cls.paths = filenames or ["."]

    def __init__(self, tree: ast.AST, filename: str, lines: list[str] | None = None) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        target = _absolute(self.filename)
        findings, checked = self._findings()
        for finding in findings:
            if _absolute(finding.filename) == target:
                yield finding.location.row, finding.location.column - 1, f"{finding.code} {finding.message}", type(self)
                continue
            if _absolute(finding.filename) in checked:
                continue  # reported in its own file
            # Located in a file flake8 does not check: reported at its first related location
            # in one it does (the loss a model's softmax reaches), if that is this file.
            related = next((item for item in finding.related if _absolute(item.filename) in checked), None)
            if related is not None and _absolute(related.filename) == target and related.cell is None:
                where = f"{finding.filename}:{finding.location.row}:{finding.location.column}"
                text = f"{finding.code} {finding.message} (located at {where})"
                yield related.location.row, related.location.column - 1, text, type(self)

    def _findings(self) -> tuple[list, set[str]]:
        """The findings for this file, and the files they were reported for (absolute paths)."""
        from .api import lint_buffer

        if not self._on_disk():  # stdin, or an editor's unsaved buffer
            result = lint_buffer("".join(self.lines or []), self.filename, _resolver([self.filename]))
            return result.findings, {_absolute(self.filename)}
        findings, linted = _project(tuple(self.paths))
        if _absolute(self.filename) in linted:
            return findings, linted
        findings, files = _lint([self.filename])  # a file flake8 found that torchlint's walk skips
        return findings, {_absolute(path) for path in files}

    def _on_disk(self) -> bool:
        if self.filename in ("-", "stdin") or not os.path.isfile(self.filename):
            return False
        if self.lines is None:
            return True
        with open(self.filename, encoding="utf-8", errors="replace") as handle:
            return handle.read() == "".join(self.lines)


# The findings for the paths flake8 was given, computed once per flake8
# process: a finding in one file may depend on another (the loss a model's
# softmax reaches is in the training script that imports it), as with
# `torchlint` itself.
_cache: dict[tuple[str, ...], tuple[list, set[str]]] = {}


def _project(paths: tuple[str, ...]) -> tuple[list, set[str]]:
    if paths not in _cache:
        findings, files = _lint(list(paths))
        _cache[paths] = (findings, {_absolute(path) for path in files})
    return _cache[paths]


def _lint(paths: list[str]) -> tuple[list, list[str]]:
    from .api import lint_paths
    from .cache import default_cache_dir
    from .roots import find_roots

    roots = find_roots(paths)
    result = lint_paths(paths, _resolver(paths), cache_dir=default_cache_dir(roots[0] if roots else ""))
    return result.findings, result.files


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _resolver(paths: list[str]):
    """The configuration of `paths`, or the defaults when it cannot be read."""
    from .config import ConfigError, ConfigResolver

    try:
        resolver = ConfigResolver()
        for path in paths:
            resolver.for_path(path)
    except ConfigError:
        resolver = ConfigResolver(isolated=True)
    return resolver
