"""Do only the work that matters: decide per file whether phase 2 can find anything.

The LibCST parse and the abstract interpretation are most of a cold run's
cost, and most files of a large repository cannot produce a finding. A file
produces findings only through *events* (a loss called, an activation
applied, a `log` or an `argmax` taken, a softmax built without `dim`), and an
event needs, in the file's own text,

* the name of a torch producer, loss or consumer (`softmax`, `CrossEntropyLoss`,
  `log`, `argmax`, ...: every torch name the engine knows is spelled out where
  it is used or imported, star imports included), or
* a value imported from another project module that carries such a name
  itself, or imports one that does (transitively: `from .model import Net`
  where `model.py` builds an `nn.Linear`).

So a file needs phase 2 when its text mentions an *event word*, or when one
of the project modules it may reach through its imports mentions a *value
word* (event words plus the layers whose output is raw scores). Reachability
follows the engine's own import resolution (`Project.find_module`); an
import of a package that may be walked attribute by attribute
(`import pkg` then `pkg.sub.f`) reaches every module under it. Everything else
is decided from CPython's `ast` (already run for every file, seven times
cheaper than LibCST's parse) and a regular expression over the text.

The decision is conservative by construction: a word in a comment or a
string only costs an unneeded analysis. `tests/test_speed.py` checks that
findings are identical with and without the pre-check.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from .analysis import torch_api as api
from .analysis.kinds import Kind, ProjectModule
from .analysis.names import is_torch_module


def _last(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _words() -> tuple[frozenset[str], frozenset[str]]:
    event: set[str] = set()
    value: set[str] = set()
    for qualname, producer in api.PRODUCERS.items():
        (value if producer.kind == Kind.LOGITS else event).add(_last(qualname))
    event.update(api.TENSOR_METHOD_PRODUCERS)
    event.update(_last(q) for q in api.LOSSES)
    event.update(_last(q) for q in api.LOG_FUNCTIONS | api.ARGMAX_FUNCTIONS | api.APPLY_FUNCTIONS)
    event.update(api.LOG_METHODS | api.ARGMAX_METHODS)
    event.add(_last(api.SEQUENTIAL))
    return frozenset(event), frozenset(event | value)


EVENT_WORDS, VALUE_WORDS = _words()


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b")


EVENT_RE = _pattern(EVENT_WORDS)
VALUE_RE = _pattern(VALUE_WORDS)


@dataclass
class FileFacts:
    """What the pre-check knows about one file."""

    path: str
    mentions_event: bool
    mentions_value: bool
    # (module, level, names or None for `import x`, asname given)
    imports: list[tuple[str, int, tuple[str, ...] | None, bool]] = field(default_factory=list)


def file_facts(path: str, text: str, tree: ast.AST | None) -> FileFacts:
    event = EVENT_RE.search(text) is not None
    value = event or VALUE_RE.search(text) is not None
    facts = FileFacts(path, event, value)
    if tree is None:  # CPython could not parse it: LibCST will decide, analyse it
        facts.mentions_event = facts.mentions_value = True
        return facts
    if "import" not in text:
        return facts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                facts.imports.append((alias.name, 0, None, alias.asname is not None))
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            facts.imports.append((node.module or "", node.level or 0, names, False))
    return facts


class Relevance:
    """Which files need phase 2, over the import graph of one project.

    `facts_of(path)` gives the pre-check facts of any project file (linted or
    only imported); `project` resolves imports the way phase 2 will.
    """

    def __init__(self, project, facts_of) -> None:
        self.project = project
        self.facts_of = facts_of
        self._edges: dict[str, list[str]] = {}
        self._relevant: set[str] | None = None
        self._closure: dict[str, frozenset[str]] = {}

    # -- the graph

    def edges(self, path: str) -> list[str]:
        """The files whose exports `path` may see."""
        if path in self._edges:
            return self._edges[path]
        self._edges[path] = []  # cycles
        facts = self.facts_of(path)
        found: dict[str, None] = {}
        if facts is not None:
            for module, level, names, has_asname in facts.imports:
                if not level and is_torch_module(module):
                    continue
                if names is None:  # import a.b.c binds a (or a.b.c with `as`)
                    dotted = module if has_asname else module.split(".")[0]
                    target = self.project.find_module(dotted, 0, path)
                    if target is not None:
                        found.update(dict.fromkeys(self._deep(target)))
                    continue
                target = self.project.find_module(module, level, path)
                if target is None:
                    continue
                if not target.is_package_dir:
                    found[target.path] = None
                package_dir = target.path if target.is_package_dir else (
                    os.path.dirname(target.path) if target.path.endswith("__init__.py") else None
                )
                if package_dir is None:
                    continue
                for name in names:
                    if name == "*":
                        continue
                    sub = self.project._lookup(package_dir, name)
                    if sub is not None:
                        found.update(dict.fromkeys(self._deep(sub)))
        found.pop(path, None)
        self._edges[path] = list(found)
        return self._edges[path]

    def _deep(self, module: ProjectModule) -> list[str]:
        """A module value: a plain module's file, or every file under a package."""
        if not module.is_package_dir and not module.path.endswith("__init__.py"):
            return [module.path]
        directory = module.path if module.is_package_dir else os.path.dirname(module.path)
        return self.project_files_under(directory)

    def project_files_under(self, directory: str) -> list[str]:
        if self.project.on_disk:
            from .discovery import PYTHON_SUFFIXES

            files = []
            for root, dirs, names in os.walk(directory or "."):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith(PYTHON_SUFFIXES):
                        full = os.path.normpath(os.path.join(root, name))
                        files.append(full)
            return files
        prefix = directory + "/" if directory else ""
        return sorted(name for name in [*self.project.modules, *self.project.known] if name.startswith(prefix))

    # -- the decision

    def closure(self, path: str) -> frozenset[str]:
        """Every file reachable from `path` through imports (itself excluded)."""
        if path not in self._closure:
            seen: dict[str, None] = {}
            stack = list(self.edges(path))
            while stack:
                current = stack.pop()
                if current in seen or current == path:
                    continue
                seen[current] = None
                stack.extend(self.edges(current))
            self._closure[path] = frozenset(seen)
        return self._closure[path]

    def needs_analysis(self, path: str) -> bool:
        facts = self.facts_of(path)
        if facts is None or facts.mentions_event:
            return True
        if path in self._closure:
            return any(self._mentions_value(dep) for dep in self._closure[path])
        seen: set[str] = {path}
        stack = list(self.edges(path))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if self._mentions_value(current):
                return True
            stack.extend(self.edges(current))
        seen.discard(path)
        self._closure[path] = frozenset(seen)
        return False

    def _mentions_value(self, path: str) -> bool:
        facts = self.facts_of(path)
        return facts is not None and facts.mentions_value
