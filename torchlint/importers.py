"""The files a run lints: the given ones and, around them, their project's files that import them.

pre-commit, flake8, editors and `--diff-against` pass a subset of a project. A finding
of a given file may show only where another file uses it (a model's `forward` returns
probabilities; the loss that proves it is in the training script that imports the
model), so the run lints, with the given files, every file of their project whose
imports reach one of them, directly or through other modules (the reverse import
graph), and then reports the findings that touch a given file (`api.lint_paths`).

The project of a root (`roots.find_roots`) is what `torchlint <root>` would lint
(`discovery.discover`: `exclude`, `.gitignore`, virtualenvs skipped; untracked files
that git does not ignore are on disk, so they count). Import edges are what the
pre-check follows (`precheck.Relevance.edges`, resolved by `Project.find_module` as
phase 2 resolves them) from the import statements of every project file
(`scan_imports`), and of the files outside the project they reach (a chain through
a git-ignored module still counts; that module itself is not linted). They are kept
in the cache directory (`imports-<key>.json`: per file its stat, its imports and
their targets) and in this process, so a warm run only stats the project's files and
never imports LibCST; a file whose stat changed has its imports read again, and a
file added to or removed from the project, or other roots (which may change how
imports resolve), make every edge be resolved again, from the kept imports.
"""

from __future__ import annotations

import ast
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .config import ConfigResolver
from .discovery import PYTHON_SUFFIXES, discover
from .roots import find_roots

if TYPE_CHECKING:  # pragma: no cover
    from .findings import Finding

# Bump when the kept data changes shape or meaning.
GRAPH_FORMAT = 2


@dataclass
class Scope:
    """What one run lints. `given`: the files the paths name (directories walked), as spelled
    in findings; `project`: the files of their projects (given included); `linted`: the given
    files and the project's files that import one of them, sorted."""

    given: list[str]
    project: list[str]
    linted: list[str]
    importers: list[str] = field(default_factory=list)


def scope(paths: Sequence[str], resolver: ConfigResolver, cache_dir: str | None = None,
          extra: Iterable[str] = ()) -> Scope:
    """The scope of a run on `paths`; `extra`: files to count as given and as part of the
    project although they may not exist on disk yet (an editor's unsaved buffer)."""
    given = discover(list(paths), resolver)
    for path in extra:
        if path not in given:
            given.append(path)
    given.sort()
    project = project_files(paths, given, resolver)
    given_abs = {os.path.abspath(path) for path in given}
    if given_abs.issuperset(os.path.abspath(path) for path in project):
        return Scope(given, project, list(given))
    graph = ImportGraph(find_roots(list(paths)), project, cache_dir, known=extra)
    found = graph.importers(given_abs)
    absolute = any(os.path.isabs(path) for path in paths)
    spelled = {os.path.abspath(path): path for path in project}
    importers = sorted(_spell(spelled.get(path, path), absolute) for path in found)
    return Scope(given, project, sorted({*given, *importers}), importers)


class Touches:
    """Whether a finding touches one of the given files: its primary location or one of its
    related locations is in one (paths compared as absolute paths). What a run reports."""

    def __init__(self, given: Iterable[str]) -> None:
        self._given = {os.path.abspath(path): path for path in given}
        self._memo: dict[str, str | None] = {}

    def _spelling(self, path: str) -> str | None:
        """How the run spells `path` when it is a given file, else None."""
        if path not in self._memo:
            self._memo[path] = self._given.get(os.path.abspath(path))
        return self._memo[path]

    def given(self, path: str) -> bool:
        return self._spelling(path) is not None

    def __call__(self, finding: "Finding") -> bool:
        return self.given(finding.filename) or any(self.given(item.filename) for item in finding.related)

    def spelled(self, finding: "Finding") -> "Finding":
        """`finding` with a given file named as it was given (an importer's analysis may reach it
        by another way, `../pkg/model.py` for `model.py`), so that its duplicates meet."""
        import dataclasses

        def respell(path: str) -> str:
            spelling = self._spelling(path)
            return path if spelling is None else spelling

        if respell(finding.filename) == finding.filename and all(
                respell(item.filename) == item.filename for item in finding.related):
            return finding
        related = tuple(dataclasses.replace(item, filename=respell(item.filename)) for item in finding.related)
        return dataclasses.replace(finding, filename=respell(finding.filename), related=related)


def touches(finding: "Finding", given: Iterable[str]) -> bool:
    return Touches(given)(finding)


def project_files(paths: Sequence[str], given: Sequence[str], resolver: ConfigResolver) -> list[str]:
    """The files of the projects holding `paths`: what `torchlint <root>` lints for each of
    their roots, spelled as `given` spells its files (absolute when a path given is), given
    files included. A root that is itself one of the paths is not walked twice."""
    absolute = any(os.path.isabs(path) for path in paths)
    walked = {os.path.abspath(path) for path in paths if os.path.isdir(path)}
    found: dict[str, str] = {os.path.abspath(path): path for path in given}
    for root in find_roots(list(paths)):
        top = os.path.abspath(root or ".")
        if top in walked:
            continue
        for path in discover([top if absolute else (root or ".")], resolver):
            found.setdefault(os.path.abspath(path), _spell(path, absolute))
    return sorted(found.values())


def _spell(path: str, absolute: bool) -> str:
    """`path` as a run spells files: absolute, or relative to the current directory."""
    if absolute:
        return os.path.abspath(path)
    return os.path.relpath(os.path.abspath(path))


# -- the graph

# This process's kept imports and edges (flake8 and the tests lint many times in one
# process): absolute path -> [mtime_ns, size, imports, edges-by-graph-key].
_MEMO: dict[str, list] = {}
# A file changed in the last seconds may change again within the file system's timestamp
# granularity, keeping its mtime and size: not kept until it has been still for a while.
RACY_NS = 2_000_000_000


class ImportGraph:
    """The import edges of a project's files (absolute paths), for `importers`."""

    def __init__(self, roots: list[str], project: Sequence[str], cache_dir: str | None = None,
                 known: Iterable[str] = ()) -> None:
        self.roots = [os.path.abspath(root or ".") for root in roots]
        self.files = sorted({os.path.abspath(path) for path in project})
        self.known = {os.path.abspath(path) for path in known}
        self.key = _graph_key(self.roots, self.files, self.known)
        self.cache_path = os.path.join(cache_dir, f"imports-{_format_key()}.json") if cache_dir else None
        self._stored: dict[str, Any] = self._load()
        self._edges: dict[str, list[str]] = {}
        self._relevance: Any = None
        self._facts: dict[str, Any] = {}
        self._dirty = False

    def importers(self, given: set[str]) -> set[str]:
        """The project's files whose imports reach a file of `given` (absolute paths), directly
        or through other modules (those outside the project included), `given` left out."""
        reverse: dict[str, list[str]] = {}
        seen: set[str] = set()
        stack = list(self.files)
        while stack:  # every file the project's files reach, with its edges
            path = stack.pop()
            if path in seen:
                continue
            seen.add(path)
            for target in self.edges(path):
                reverse.setdefault(target, []).append(path)
                if target not in seen:
                    stack.append(target)
        self._save()
        project = set(self.files)
        found: set[str] = set()
        stack = list(given)
        while stack:
            for importer in reverse.get(stack.pop(), ()):
                if importer not in found:
                    found.add(importer)
                    stack.append(importer)
        return {path for path in found if path in project and path not in given}

    def edges(self, path: str) -> list[str]:
        if path not in self._edges:
            self._edges[path] = self._edges_of(path)
        return self._edges[path]

    def _edges_of(self, path: str) -> list[str]:
        if not path.endswith((*PYTHON_SUFFIXES, ".ipynb")):
            return []
        try:
            stat = os.stat(path)
        except OSError:
            return []
        entry = _MEMO.get(path)
        if entry is None or entry[:2] != [stat.st_mtime_ns, stat.st_size]:
            entry = self._stored_entry(path, stat)
        if entry is None:
            entry = [stat.st_mtime_ns, stat.st_size, _imports_of(path), {}]
        edges = entry[3].get(self.key)
        if edges is None:
            edges = entry[3][self.key] = self._resolve(path, entry[2])
            self._dirty = True
        if stat.st_mtime_ns < time.time_ns() - RACY_NS:
            _MEMO[path] = entry
        return edges

    def _resolve(self, path: str, imports: list) -> list[str]:
        """The files `path`'s imports reach, one step: what the pre-check follows
        (`precheck.Relevance.edges`, with `Project.find_module`, which imports LibCST: only
        when some edges are not kept)."""
        from .precheck import FileFacts, Relevance

        if self._relevance is None:
            from .analysis.project import Project

            project = Project({}, self.roots, on_disk=True, known=self.known)
            self._relevance = Relevance(project, lambda name: self._facts.get(name))
        self._facts[path] = FileFacts(path, imports=[
            (module, level, tuple(names) if names is not None else None, asname)
            for module, level, names, asname in imports])
        return sorted(self._relevance.edges(path))

    # -- kept between runs

    def _load(self) -> dict[str, Any]:
        if self.cache_path is None:
            return {}
        try:
            with open(self.cache_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            return {}
        return data

    def _stored_entry(self, path: str, stat: os.stat_result) -> list | None:
        entry = self._stored.get("files", {}).get(path)
        if not (isinstance(entry, list) and len(entry) == 4 and entry[:2] == [stat.st_mtime_ns, stat.st_size]
                and _valid_imports(entry[2]) and isinstance(entry[3], (list, type(None)))):
            return None
        edges = {}
        if self._stored.get("key") == self.key and isinstance(entry[3], list) and all(
                isinstance(item, str) for item in entry[3]):
            edges[self.key] = entry[3]
        else:
            self._dirty = True
        return [entry[0], entry[1], entry[2], edges]

    def _save(self) -> None:
        if self.cache_path is None or not self._dirty:
            return
        from .cache import ensure_gitignore, write_atomically

        files = {}
        for path in self._edges:
            entry = _MEMO.get(path)
            if entry is not None:
                files[path] = [entry[0], entry[1], entry[2], entry[3].get(self.key)]
        directory = os.path.dirname(self.cache_path)
        try:
            ensure_gitignore(directory)  # the result cache writes it too, when it saves
            write_atomically(self.cache_path, json.dumps({"key": self.key, "files": files}, separators=(",", ":")))
        except OSError:
            pass  # a read-only checkout: lint anyway


def _valid_imports(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(item, list) and len(item) == 4 and isinstance(item[0], str) and isinstance(item[1], int)
        and (item[2] is None or (isinstance(item[2], list) and all(isinstance(name, str) for name in item[2])))
        and isinstance(item[3], bool) for item in data)


# Where an import statement may begin: at a line's start, indented or not (in a function,
# under an `if` or a `try`).
_IMPORT_START = re.compile(r"^[ \t]*(?:import|from)\b", re.M)


def _imports_of(path: str) -> list:
    """The import statements of a file (a notebook: of its code cells), as plain data:
    [module, level, names or None, asname given] (`precheck.FileFacts.imports`); none when it
    cannot be read or decoded."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return []
    if b"import" not in data:
        return []
    try:
        if path.endswith(".ipynb"):
            from .notebook import NotebookError, load

            try:
                text = load(data).text
            except NotebookError:
                return []
        else:
            from .encoding import decode

            text = decode(data)
    except ValueError:  # not decodable
        return []
    return [[module, level, list(names) if names is not None else None, asname]
            for module, level, names, asname in scan_imports(text)]


def scan_imports(text: str) -> list[tuple[str, int, tuple[str, ...] | None, bool]]:
    """The import statements of a module's text, found by their lines and each parsed alone:
    a project's every file is read for its import graph, and parsing whole files (what the
    pre-check does) costs ten times as much. A line of a string that reads as an import counts
    (an edge too many: a file analysed for nothing); an import after another statement on its
    line (`if c: import x`) does not."""
    from .precheck import imports_of

    found: list = []
    for match in _IMPORT_START.finditer(text):
        statement = _logical_line(text, match.start())
        try:
            tree = ast.parse(statement.strip())
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # prose that begins with "from", half an edit
        found += imports_of(tree)
    return found


def _logical_line(text: str, start: int) -> str:
    """The statement that begins at `start`: its line, and the lines an open parenthesis or a
    backslash continues it on (comments cut; an import holds no strings)."""
    parts = []
    depth = 0
    position = start
    while position <= len(text) and len(parts) < 1000:
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        code = text[position:end].split("#", 1)[0]
        parts.append(code)
        depth += code.count("(") - code.count(")")
        position = end + 1
        if depth <= 0 and not code.rstrip().endswith("\\"):
            break
    return "\n".join(parts)


def _graph_key(roots: list[str], files: list[str], known: set[str]) -> str:
    from .cache import content_hash

    text = "\0".join(["roots", *roots, "files", *files, "known", *sorted(known)])
    return content_hash(text.encode("utf-8", "surrogatepass"))


def _format_key() -> str:
    from .cache import content_hash
    from .version import __version__

    return content_hash(f"{GRAPH_FORMAT}\0{__version__}".encode())[:24]
