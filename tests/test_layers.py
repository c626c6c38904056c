"""Issue #16: the layers of docs/architecture.md hold in code.

`lint-imports` checks the import-linter contracts in pyproject.toml (the layers, no torch
in the static linter, the catalog alone, the runtime watcher without the engine, private
modules, no cycles); the scan below checks what import-linter does not see: a module
using another module's private (leading-underscore) name.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "torchlint"

# Private names of other modules still used in code owned elsewhere, as
# (importing module, "module._name"). Empty it as they go; never add to it:
# give the name a public spelling instead.
ALLOWED_PRIVATE_USES: frozenset[tuple[str, str]] = frozenset({
    # (none left in torchlint/rules, torchlint/runtime or torchlint/analysis)
})


def lint_imports() -> str:
    """The `lint-imports` installed beside this Python (import-linter, the test extra)."""
    for directory in (os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable))):
        candidate = os.path.join(directory, "lint-imports")
        if os.path.exists(candidate):
            return candidate
    pytest.fail("lint-imports is not installed beside this Python: pip install -e '.[test]'")


def test_import_contracts_are_kept() -> None:
    # --no-cache: a cache in the checkout would go stale when files move.
    result = subprocess.run([lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# -- private names


def module_name(path: Path, package_dir: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(package_dir: Path = PACKAGE) -> list[tuple[str, str, int]]:
    """(importing module, "module._name" or the private module, line) for every use of a private
    name of another module of the package, and every import of a private module from outside
    its package. Uses: `from m import _x`, `import m._x`, `m._x` where `m` names a module."""
    paths = sorted(package_dir.rglob("*.py"))
    modules = {module_name(path, package_dir) for path in paths}
    root = package_dir.name
    found: list[tuple[str, str, int]] = []

    for path in paths:
        importer = module_name(path, package_dir)
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        aliases: dict[str, str] = {}  # a name bound in this module -> the module of the package it is

        def check_module_path(target: str, line: int) -> None:
            """A private module may be imported only from inside the package holding it."""
            parts = target.split(".")
            for index, part in enumerate(parts):
                owner = ".".join(parts[:index])
                if is_private(part) and not (package == owner or package.startswith(owner + ".")):
                    found.append((importer, ".".join(parts[:index + 1]), line))
                    return

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] != root:
                        continue
                    check_module_path(alias.name, node.lineno)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[root] = root
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != root:
                    continue
                check_module_path(target, node.lineno)
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in modules:
                        check_module_path(full, node.lineno)
                        aliases[alias.asname or alias.name] = full
                    elif is_private(alias.name) and target != importer:
                        found.append((importer, full, node.lineno))

        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            chain: list[str] = []
            value: ast.expr = node
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if not isinstance(value, ast.Name) or value.id not in aliases:
                continue
            current = aliases[value.id]
            for attribute in reversed(chain):
                if f"{current}.{attribute}" in modules:
                    current = f"{current}.{attribute}"
                    check_module_path(current, node.lineno)
                    continue
                if is_private(attribute) and current != importer:
                    found.append((importer, f"{current}.{attribute}", node.lineno))
                break
    return sorted(set(found))


def test_no_module_uses_another_modules_private_names() -> None:
    uses = private_uses()
    unexpected = [f"{importer} (line {line}) uses {name}" for importer, name, line in uses
                  if (importer, name) not in ALLOWED_PRIVATE_USES]
    assert not unexpected, "private names of other modules (give them a public name):\n" + "\n".join(unexpected)
    stale = ALLOWED_PRIVATE_USES - {(importer, name) for importer, name, _ in uses}
    assert not stale, f"no longer used, remove from ALLOWED_PRIVATE_USES: {sorted(stale)}"


def test_the_scan_sees_each_kind_of_private_use(tmp_path: Path) -> None:
    """The scan itself: every spelling is found, what is allowed is not."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "_hidden = 1\nshown = 2\n",
        "b.py": "from .a import _hidden\n",
        "c.py": "from . import a\nx = a._hidden\n",
        "d.py": "import pkg.a\nx = pkg.a._hidden\n",
        "e.py": "from .sub._impl import f\n",
        "f.py": "from .a import shown, __doc__\nfrom . import a\nx = a.shown\n",
        "sub/__init__.py": "from ._impl import f\n",
        "sub/_impl.py": "def f():\n    return 1\n",
        "sub/g.py": "from . import _impl\nfrom ._impl import f\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    assert [(importer, name) for importer, name, _ in private_uses(package)] == [
        ("pkg.b", "pkg.a._hidden"),
        ("pkg.c", "pkg.a._hidden"),
        ("pkg.d", "pkg.a._hidden"),
        ("pkg.e", "pkg.sub._impl"),
    ]
