"""The server's linting: the workspace as one project, open buffers over the files on disk.

No LSP here (and no pygls): paths, texts and `Finding`s, so the benchmark and the tests can
drive it directly too. Each round (`WorkspaceLinter.lint`) checks every file of the
workspace as `torchlint check` would (the same `Session`, per-file configuration, pre-check,
suppressions, notebook cells), reading an open document's unsaved buffer instead of its
file. What makes a round after an edit cheap:

* each file's own findings are memoised with the content hashes of its text and of the
  modules its findings depend on (`FileResult.deps`, what `.torchlint_cache` keys on), so an
  edit re-analyses the edited file and the files that read its summary, nothing else;
* phase-1 summaries are kept in memory by content hash (`SummaryMemo`), so the edited file's
  importers decode the summaries of their other imports instead of parsing those modules;
* disk files are hashed once per (mtime, size, inode).

A file added or removed (the set of files changes how imports resolve), another set of rules
or another torchlint clears the memo, as it starts a fresh `.torchlint_cache`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from ..api import Texts
from ..cache import config_key, content_hash, project_files_key
from ..check import SuppressionIndex, keep_shortest, rules_for, to_cells
from ..config import ConfigError, ConfigResolver
from ..discovery import LINTED_SUFFIXES, discover
from ..findings import Finding
from .trees import TreeMemo

# A workspace with more files than this is not linted whole: the open documents are (with
# the project around them still read from disk when they import it). A home directory
# opened as a workspace must not make every keystroke walk it.
MAX_WORKSPACE_FILES = 2000
REDISCOVER_SECONDS = 2.0


def text_hash(text: str) -> str:
    """The content hash a `Session` gives an in-memory source (its text as UTF-8)."""
    return content_hash(text.encode("utf-8", "surrogatepass"))


class DiskHashes:
    """Content hashes of files on disk, read again only when (mtime, size, inode) changes."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[tuple[int, int, int], str]] = {}
        self._lock = threading.Lock()

    def __call__(self, path: str) -> str | None:
        try:
            info = os.stat(path)
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            known = self._memo.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            with open(path, "rb") as handle:
                digest = content_hash(handle.read())
        except OSError:
            return None
        with self._lock:
            self._memo[path] = (stamp, digest)
        return digest


class SummaryMemo:
    """Phase-1 summaries kept in memory between rounds, by module path and content hash (the
    interface of `cache.SummaryCache`, which `Project` reads through `bound`)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, str]] = {}  # path -> (content hash, JSON of to_cache())

    def bound(self, digest: Callable[[str], str | None]) -> "_BoundSummaries":
        return _BoundSummaries(self._entries, digest)

    def clear(self) -> None:
        self._entries.clear()


class _BoundSummaries:
    """The memo as one round's `Project` sees it: hashes from that round's texts."""

    def __init__(self, entries: dict[str, tuple[str, str]], digest: Callable[[str], str | None]) -> None:
        self._entries = entries
        self._digest = digest

    def lookup(self, name: str) -> dict[str, Any] | None:
        entry = self._entries.get(name)
        if entry is None or entry[0] != self._digest(name):
            return None
        return json.loads(entry[1])  # a fresh copy: decoding may keep parts of it

    def record(self, name: str, summary: Any) -> None:
        digest = self._digest(name)
        if digest is not None:
            self._entries[name] = (digest, json.dumps(summary.to_cache(), separators=(",", ":")))


@dataclass
class _Entry:
    hash: str
    config: str
    deps: dict[str, str]
    findings: list[Finding]


@dataclass
class Round:
    """What one round found: the findings per file (after configuration, suppressions and
    notebook cells, as `torchlint check` reports them), and how much it analysed."""

    findings: dict[str, list[Finding]]
    files: list[str]
    analysed: list[str]
    config_error: str | None = None

    def of(self, path: str) -> list[Finding]:
        return self.findings.get(path, [])


class WorkspaceLinter:
    """Lints the workspace folders `roots` (absolute paths) with open buffers over disk.

    `settings` are the client's overrides of the configuration (`Config` field names:
    `select`, `ignore`, `extend_select`), applied on top of each file's pyproject.toml, as
    the command line's flags are. Thread-safe for one round at a time (the server runs
    rounds on one worker thread).
    """

    def __init__(self, roots: Iterable[str] = (), settings: Mapping[str, Any] | None = None) -> None:
        self.roots = [os.path.abspath(root) for root in roots]
        self.settings: dict[str, Any] = dict(settings or {})
        self.disk = DiskHashes()
        self.summaries = SummaryMemo()
        self.trees = TreeMemo()  # trees.py
        self._memo: dict[str, list[_Entry]] = {}
        self._memo_key: tuple | None = None
        self._lock = threading.Lock()
        # The workspace's files, walked again when told so (`invalidate_files`: files created
        # or deleted, a configuration changed) or, when nothing tells (`watching` false: the
        # client watches no files for the server), after REDISCOVER_SECONDS.
        self.watching = False
        self._discovered: list[str] | None = None
        self._discovered_at = 0.0

    # -- configuration

    def resolver(self) -> tuple[ConfigResolver, str | None]:
        """A fresh resolver (each pyproject.toml read again: edits to it apply at once), or the
        defaults and the error when a configuration file is invalid."""
        overrides = {name: value for name, value in self.settings.items() if value}
        try:
            resolver = ConfigResolver(overrides=overrides)
            for root in self.roots:
                resolver.for_path(root)  # reads (and validates) the root's pyproject.toml now
            return resolver, None
        except ConfigError as error:
            return ConfigResolver(isolated=True, overrides=overrides), str(error)

    # -- files

    def files(self, resolver: ConfigResolver, buffers: Mapping[str, str]) -> list[str]:
        """The workspace's files (as `torchlint check ROOT` finds them) and the open documents
        (unless their configuration excludes them)."""
        found: dict[str, None] = {}
        if self.roots:
            stale = (not self.watching and len(self._discovered or ()) <= MAX_WORKSPACE_FILES
                     and time.monotonic() - self._discovered_at > REDISCOVER_SECONDS)
            if self._discovered is None or stale:
                self._discovered = discover(list(self.roots), resolver)
                self._discovered_at = time.monotonic()
            if len(self._discovered) <= MAX_WORKSPACE_FILES:
                found.update(dict.fromkeys(self._discovered))
        for path in buffers:
            if path in found or not path.endswith(LINTED_SUFFIXES):
                continue
            if os.path.isabs(path):
                config = resolver.for_path(path)
                if config.excludes(path) and any(_inside(path, root) for root in self.roots):
                    continue
            found[path] = None
        return sorted(found)

    # -- a round

    def lint(self, buffers: Mapping[str, str], only: Iterable[str] | None = None) -> Round:
        """Lint the workspace with `buffers` (absolute path -> unsaved text) over disk.

        `only`: lint just these files (and read the rest of the project when they import
        it), as for a workspace too big to lint whole; the default is every file.
        """
        with self._lock:
            return self._lint(dict(buffers), None if only is None else list(only))

    def _lint(self, buffers: dict[str, str], only: list[str] | None) -> Round:
        from ..session import Session, fewer_collections

        resolver, error = self.resolver()
        try:
            files = self.files(resolver, buffers) if only is None else sorted(set(only))
            configs = {path: resolver.for_path(path) for path in files}
        except ConfigError as problem:  # a pyproject.toml below the root's
            resolver, error = ConfigResolver(isolated=True, overrides=resolver.overrides), str(problem)
            files = self.files(resolver, buffers) if only is None else sorted(set(only))
            configs = {path: resolver.for_path(path) for path in files}
        rules = rules_for(list(configs.values()) or [resolver.for_path(self.roots[0] if self.roots else ".")])
        by_config: dict[int, str] = {}
        keys = {}
        for path, config in configs.items():
            if id(config) not in by_config:
                by_config[id(config)] = config_key(config)
            keys[path] = by_config[id(config)]
        memo_key = (tuple(rule.code for rule in rules), project_files_key(files))
        if memo_key != self._memo_key:
            self._memo.clear()
            self._memo_key = memo_key

        buffer_hashes = {path: text_hash(text) for path, text in buffers.items()}

        def digest(path: str) -> str | None:
            return buffer_hashes[path] if path in buffers else self.disk(path)

        results: dict[str, list[Finding]] = {}
        todo = []
        for path in files:
            cached = self._lookup(path, keys[path], digest)
            if cached is None:
                todo.append(path)
            else:
                results[path] = cached
        if todo:
            roots = self.roots or sorted({os.path.dirname(path) for path in files})
            session = Session(roots, on_disk=True, known=files, sources=buffers)
            session.project.summary_cache = self.summaries.bound(session.digest)
            session.project.loader = self.trees.bound(session)
            with fewer_collections():
                for path in todo:
                    result = session.lint_file(path, configs[path], rules)
                    results[path] = result.findings
                    if result.deps is not None and result.hash is not None:
                        self._store(path, _Entry(result.hash, keys[path], result.deps, result.findings))
        texts = Texts(buffers, on_disk=True)  # buffers, else disk
        suppressions = SuppressionIndex(texts.lines)
        found: dict[tuple, Finding] = {}
        for path in files:
            for finding in results[path]:
                keep_shortest(found, finding, resolver, suppressions)
        by_file: dict[str, list[Finding]] = {}
        for finding in sorted((to_cells(finding, texts.notebook) for finding in found.values()),
                              key=Finding.sort_key):
            by_file.setdefault(finding.filename, []).append(finding)
        return Round(by_file, files, todo, error)

    def _lookup(self, path: str, config: str, digest: Callable[[str], str | None]) -> list[Finding] | None:
        own = digest(path)
        for entry in self._memo.get(path, ()):
            if entry.hash == own and entry.config == config and all(
                    digest(dep) == (value or None) for dep, value in entry.deps.items()):
                return entry.findings
        return None

    def _store(self, path: str, entry: _Entry) -> None:
        # A few texts per file: the buffer as typed and as "fix all" would leave it.
        entries = [kept for kept in self._memo.get(path, ()) if kept.hash != entry.hash]
        self._memo[path] = [entry, *entries[:2]]

    def invalidate_files(self) -> None:
        """Walk the workspace again at the next round."""
        self._discovered = None

    def forget(self) -> None:
        """Drop every memoised result (files created or deleted, a new configuration)."""
        with self._lock:
            self._memo.clear()
            self.summaries.clear()
            self.trees.clear()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
