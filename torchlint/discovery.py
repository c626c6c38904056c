"""Find the Python files to lint under the paths a user gives."""

from __future__ import annotations

import os

PYTHON_SUFFIXES = (".py", ".pyi")
# Directories that hold build output, dependencies or tool state, never the
# user's own code. Hidden directories (.git, .venv, .tox, ...) are skipped too.
SKIP_DIRS = frozenset(
    {"__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv"}
)


def discover(paths: list[str]) -> list[str]:
    """Python files under `paths`, sorted, each once.

    A file named explicitly is always kept, whatever its name or location; a
    path that does not exist is kept too, so that linting reports it as
    unreadable (the CLI rejects such paths before it gets here).
    """
    found: dict[str, str] = {}  # absolute path -> the spelling reported
    for path in paths:
        candidates = _walk(path) if os.path.isdir(path) else [os.path.normpath(path)]
        for candidate in candidates:
            # `a.py`, `./a.py` and `/abs/a.py` are one file, linted once.
            found.setdefault(os.path.abspath(candidate), candidate)
    return sorted(found.values())


def _walk(top: str) -> list[str]:
    files = []
    # os.walk does not follow symlinked directories, so link cycles cannot loop.
    for root, dirs, names in os.walk(top):
        dirs[:] = [name for name in dirs if not _skip_dir(root, name)]
        files.extend(os.path.normpath(os.path.join(root, name)) for name in names if name.endswith(PYTHON_SUFFIXES))
    return files


def _skip_dir(root: str, name: str) -> bool:
    if name in SKIP_DIRS or name.startswith("."):
        return True
    # A virtualenv is marked by pyvenv.cfg, whatever the directory is called.
    return os.path.exists(os.path.join(root, name, "pyvenv.cfg"))
