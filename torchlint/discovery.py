"""Find the files to lint under the paths a user gives: Python sources and Jupyter notebooks."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .config import ConfigResolver

PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIX = ".ipynb"
LINTED_SUFFIXES = (*PYTHON_SUFFIXES, NOTEBOOK_SUFFIX)


def discover(paths: list[str], resolver: "ConfigResolver | None" = None) -> list[str]:
    """Files under `paths`, sorted, each once.

    Directories are walked for `.py`, `.pyi` and `.ipynb` files, skipping what
    each file's configuration excludes (`exclude`, `extend-exclude`), what git
    ignores (`respect-gitignore`) and virtualenvs. A file named explicitly is
    always kept (unless `force-exclude`); a path that does not exist is kept
    too, so that linting reports it as unreadable.
    """
    if resolver is None:
        from .config import ConfigResolver

        resolver = ConfigResolver(isolated=True)
    gitignore = _GitIgnore()
    found: dict[str, str] = {}  # absolute path -> the spelling reported
    for path in paths:
        if os.path.isdir(path):
            candidates = _walk(path, resolver, gitignore)
        else:
            config = resolver.for_path(path)
            if config.force_exclude and os.path.exists(path):
                if config.excludes(path) or (config.respect_gitignore and gitignore.ignored(path, False)):
                    continue
            candidates = [(os.path.normpath(path), os.path.abspath(path))]
        for candidate, absolute in candidates:
            # `a.py`, `./a.py` and `/abs/a.py` are one file, linted once.
            found.setdefault(absolute, candidate)
    return sorted(found.values())


def _walk(top: str, resolver: "ConfigResolver", gitignore: "_GitIgnore") -> list[tuple[str, str]]:
    """(path as spelled from `top`, absolute path) of each file to lint under `top`."""
    files = []
    # os.walk does not follow symlinked directories, so link cycles cannot loop.
    for root, dirs, names in os.walk(top):
        config = resolver.for_path(root)
        absolute_root = os.path.abspath(root)  # once per directory, not per file
        kept = []
        for name in dirs:
            path = os.path.join(root, name)
            if config.excludes(path, is_dir=True) or os.path.exists(os.path.join(path, "pyvenv.cfg")):
                continue
            if config.respect_gitignore and gitignore.ignored(path, True):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in names:
            if not name.endswith(LINTED_SUFFIXES):
                continue
            path = os.path.normpath(os.path.join(root, name))
            absolute = os.path.join(absolute_root, name)
            if config.excludes(path, absolute=absolute) or (
                config.respect_gitignore and gitignore.ignored(absolute, False)
            ):
                continue
            files.append((path, absolute))
    return files


class _GitIgnore:
    """`.gitignore` files (and `.git/info/exclude`) of the git work tree a path is in.

    Deeper `.gitignore` files take precedence, as in git. Outside a git work
    tree nothing is ignored.
    """

    def __init__(self) -> None:
        self._repo_of: dict[str, str | None] = {}
        self._specs: dict[str, object] = {}

    def ignored(self, path: str, is_dir: bool) -> bool:
        path = os.path.abspath(path)
        repo = self._repo(os.path.dirname(path))
        if repo is None:
            return False
        directory = os.path.dirname(path)
        chain = []
        while True:
            chain.append(directory)
            if directory == repo:
                break
            directory = os.path.dirname(directory)
        for directory in chain:  # deepest first
            spec = self._spec(directory, repo)
            if spec is None:
                continue
            rel = os.path.relpath(path, directory).replace(os.sep, "/") + ("/" if is_dir else "")
            result = spec.check_file(rel)
            if result.include is not None:
                return bool(result.include)
        return False

    def _repo(self, directory: str) -> str | None:
        if directory not in self._repo_of:
            if os.path.exists(os.path.join(directory, ".git")):
                self._repo_of[directory] = directory
            else:
                parent = os.path.dirname(directory)
                self._repo_of[directory] = None if parent == directory else self._repo(parent)
        return self._repo_of[directory]

    def _spec(self, directory: str, repo: str):
        if directory not in self._specs:
            import pathspec

            lines: list[str] = []
            sources = [os.path.join(directory, ".gitignore")]
            if directory == repo:
                sources.insert(0, os.path.join(repo, ".git", "info", "exclude"))
            for source in sources:
                try:
                    with open(source, encoding="utf-8", errors="replace") as handle:
                        lines += handle.read().splitlines()
                except OSError:
                    pass
            self._specs[directory] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[directory]
