"""Project roots: where imports resolve from and where the cache lives.

Kept free of LibCST so that a fully cached run never imports it.
"""

from __future__ import annotations

import os

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_roots(paths: list[str]) -> list[str]:
    """Project roots for the paths a user gave: the nearest directory holding a
    pyproject.toml, setup.cfg, setup.py or .git above each path, else the path's
    own directory."""
    roots: dict[str, None] = {}
    for raw in paths:
        start = os.path.abspath(raw if os.path.isdir(raw) else os.path.dirname(raw) or ".")
        current = start
        while True:
            if is_project_root(current):
                roots[_relative(current)] = None
                break
            parent = os.path.dirname(current)
            if parent == current:
                roots[_relative(start)] = None
                break
            current = parent
    return list(roots)


def is_project_root(directory: str) -> bool:
    """Whether `directory` ("" for the current one) holds a project marker."""
    return any(os.path.exists(os.path.join(directory or ".", marker)) for marker in ROOT_MARKERS)


def _relative(path: str) -> str:
    relative = os.path.relpath(path)
    return "" if relative == "." else relative
