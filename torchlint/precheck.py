"""Do only the work that matters: decide per file whether phase 2 can find anything.

The LibCST parse and the abstract interpretation are most of a cold run's
cost, and most files of a large repository cannot produce a finding. Rules
read *events* recorded while a file is interpreted, and a finding needs

* a softmax-family or sigmoid call or module (`softmax`, `nn.LogSoftmax`, ...):
  these fire on their own (a softmax without `dim`); or
* a *consumer* (a loss, `log`, `argmax`, a softmax or sigmoid) fed a value of a
  known kind, which only a torch producer makes (`nn.Linear`, `relu`,
  `softmax`, ...).

Every torch name the engine knows is spelled out where it is used or imported
(star imports included), so the words of a file's text tell what it can do.
Values and consumers may also come from other project modules: a class whose
`forward` builds an `nn.Linear`, a helper whose parameter reaches a loss, an
imported loss object or `nn.Sequential` called here. So the pre-check follows
the file's imports the way phase 2 resolves them (`Project.find_module`,
transitively; `import pkg` then `pkg.sub.f` reaches every module under `pkg`)
and asks

    needs phase 2 =  self-firing word here
                  or (consumer word here, or a latent consumer reachable)
                     and (value word here, or a value word reachable)

where a latent consumer is what an imported value can bring into this file's
events: a loss (parameter sinks, loss objects) or a softmax/sigmoid module.
CPython's `ast` (already run for every file, several times cheaper than
LibCST's parse) gives the imports, a regular expression the words. A word in
a comment or a string only costs an unneeded analysis: the decision errs
towards analysing. `tests/test_speed.py` checks that findings are identical
with and without the pre-check.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from .analysis import torch_api as api
from .analysis.values import Kind, ProjectModule

SELF_FIRING_KINDS = (Kind.PROBS, Kind.LOG_PROBS, Kind.SIGMOID)


def is_torch_module(qualname: str) -> bool:
    return qualname == "torch" or qualname.startswith("torch.")


def _last(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _word_sets() -> dict[str, frozenset[str]]:
    self_firing: set[str] = set()
    values: set[str] = set()
    for qualname, producer in api.PRODUCERS.items():
        values.add(_last(qualname))
        if producer.kind in SELF_FIRING_KINDS or producer.implicit_dim:
            self_firing.add(_last(qualname))
    for name, producer in api.TENSOR_METHOD_PRODUCERS.items():
        values.add(name)
        if producer.kind in SELF_FIRING_KINDS or producer.implicit_dim:
            self_firing.add(name)
    losses = {_last(q) for q in api.LOSSES}
    consumers = self_firing | losses | api.LOG_METHODS | api.ARGMAX_METHODS | {
        _last(q) for q in api.LOG_FUNCTIONS | api.ARGMAX_FUNCTIONS}
    return {
        "self_firing": frozenset(self_firing),
        "consumer": frozenset(consumers),
        "latent_consumer": frozenset(self_firing | losses),
        "value": frozenset(values | self_firing),
    }


WORDS = _word_sets()


ANY_WORD = frozenset().union(*WORDS.values())
# The words are identifiers, so a word is mentioned where it is a whole run of word characters
# (what `\bword\b` finds): the runs of the text, intersected with the words. Twice as fast as
# one alternation of the 71 words (re tries each of them at every position): ~1 s of a cold
# run on diffusers' 575,000 lines.
WORD_RUN_RE = re.compile(r"\w+")


@dataclass
class FileFacts:
    """What the pre-check knows about one file."""

    path: str
    words: frozenset[str] = frozenset()  # the engine's torch words the text mentions
    # (module, level, names or None for `import x`, asname given)
    imports: list[tuple[str, int, tuple[str, ...] | None, bool]] = field(default_factory=list)
    unparsed: bool = False  # CPython refused it: LibCST decides, so analyse it

    def mentions(self, kind: str) -> bool:
        return self.unparsed or not self.words.isdisjoint(WORDS[kind])

    def digest(self) -> str:
        """What the decision reads of this file, as a digest: a file the pre-check skipped keys
        its dependencies on these (the result cache's early cutoff), not on their text."""
        return facts_digest(self)


def facts_digest(facts: "FileFacts | None") -> str:
    """A digest of `facts` (None: a file with no facts, one that cannot be read or parsed)."""
    data = None if facts is None else [sorted(facts.words), [list(item) for item in facts.imports], facts.unparsed]
    text = json.dumps(data, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def file_facts(path: str, text: str, tree: ast.Module | None) -> FileFacts:
    facts = FileFacts(path, ANY_WORD.intersection(WORD_RUN_RE.findall(text)))
    if tree is None:
        facts.unparsed = True
        return facts
    if "import" in text:
        _collect_imports(tree.body, facts.imports)
    return facts


def imports_of(tree: ast.Module) -> list[tuple[str, int, tuple[str, ...] | None, bool]]:
    """A module's import statements, as `FileFacts.imports` holds them (the words left out:
    `importers.py` reads every file of a project for its import graph)."""
    out: list = []
    _collect_imports(tree.body, out)
    return out


def _collect_imports(body: list[ast.stmt], out: list) -> None:
    """Import statements anywhere in the module (statements only, no expressions)."""
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((alias.name, 0, None, alias.asname is not None))
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.level or 0, tuple(alias.name for alias in node.names), False))
        elif isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass,
                               ast.Raise, ast.Assert, ast.Delete, ast.Global, ast.Nonlocal, ast.Break,
                               ast.Continue)):
            continue
        else:
            for name in ("body", "orelse", "finalbody"):
                part = getattr(node, name, None)
                if isinstance(part, list):
                    _collect_imports(part, out)
            for handler in getattr(node, "handlers", ()) or ():
                _collect_imports(handler.body, out)
            for case in getattr(node, "cases", ()) or ():
                _collect_imports(case.body, out)


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
        self._under: dict[str, list[str]] = {}

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
                    sub = self.project.lookup(package_dir, name)
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
        if directory not in self._under:
            self._under[directory] = self._files_under(directory)
        return self._under[directory]

    def _files_under(self, directory: str) -> list[str]:
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
        if facts is None or facts.mentions("self_firing"):
            return True
        consumer = facts.mentions("consumer")
        value = facts.mentions("value")
        if consumer and value:
            return True
        # Depth-first over the imports, stopping as soon as the answer is known.
        seen: set[str] = {path}
        stack = list(reversed(self.edges(path)))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            dep_facts = self.facts_of(current)
            if dep_facts is not None:
                consumer = consumer or dep_facts.mentions("latent_consumer")
                value = value or dep_facts.mentions("value")
                if consumer and value:
                    return True
            stack.extend(reversed(self.edges(current)))
        seen.discard(path)
        self._closure[path] = frozenset(seen)
        return False
