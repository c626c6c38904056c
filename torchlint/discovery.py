"""Find the Python files to lint under the paths a user gives."""

from __future__ import annotations

import os
from pathlib import Path

SKIP_DIRS = frozenset({".git", "__pycache__", "node_modules", "build", "dist", "venv", ".venv", "env", "site-packages"})


def discover(paths: list[str]) -> list[str]:
    """Python files under `paths`, sorted, each once. Explicit files are always kept."""
    found: dict[str, None] = {}
    for raw in paths:
        if os.path.isdir(raw):
            for root, dirs, files in os.walk(raw):
                dirs[:] = sorted(d for d in dirs if not _skip_dir(root, d))
                for name in sorted(files):
                    if name.endswith((".py", ".pyi")):
                        found[os.path.normpath(os.path.join(root, name))] = None
        else:
            found[os.path.normpath(raw)] = None
    return sorted(found)


def _skip_dir(root: str, name: str) -> bool:
    if name in SKIP_DIRS or name.startswith("."):
        return True
    # Any directory holding a virtualenv marker is a virtualenv, whatever its name.
    return os.path.exists(os.path.join(root, name, "pyvenv.cfg"))
