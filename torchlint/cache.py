"""The result cache, like ruff's: `.torchlint_cache/` at the project root.

One JSON file per torchlint version and set of rules run holds, per linted
file: its content hash, the key of its own effective configuration (files
may have different ones, see `ConfigResolver`), its findings (positions already resolved) and
the content hashes of the other files they depend on (the modules whose
summaries or text phase 2 read, or, for a file the pre-check skipped, every
module it reaches through its imports). An entry is reused when all of those
hashes still match, so editing one file re-analyses at most that file and the
files that depend on it. Adding or removing a file of the run changes how
imports may resolve, so it starts a fresh cache.

Early cutoff, as build systems do it: beside a dependency's content hash an
entry may keep a *cutoff*, what its findings read of that module when that
was less than its text: the parts of its summary that were decoded (exports,
classes, the methods and attributes looked up, functions:
`summaries.parts_digest`), or, for a file the pre-check skipped, the module's
pre-check facts (`precheck.facts_digest`). When the
dependency's text changed, the entry is still reused if that digest, made
again for the new text (`derive`: the caller summarises the module once), is
the same; an edit inside a function body usually leaves it so, and then only
the edited file is analysed again. A module whose text the findings read has
no cutoff: one whose body a call's context interpreted, and one they name a
place in (positions come from the text).

File hashes are memoised by (mtime, size), as ruff does, so a warm run reads
no file that did not change. Anything unreadable, corrupt or written by
another version is ignored, never trusted. Writes are atomic (a temporary
file then `os.replace`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from typing import Any

from .findings import Edit, Finding, Fix, Location, Related, Severity
from .version import __version__

CACHE_DIR_NAME = ".torchlint_cache"
# Part of every key: bump it when the layout changes, or when the same files
# and configuration would now give other findings (3: imports resolve from the
# importer's own project root; 4: entries keep cutoffs, what their findings read
# of each dependency, so an edit that leaves that unchanged keeps them; 5: a
# class's methods and attributes are parts of their own, read one by one; 6: a join keeps up
# to 16 alternatives, and a definitions cutoff names the functions entered and what was read
# of each class's methods) and the version number has not moved.
FORMAT = 6
RACY_NS = 2_000_000_000


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def project_files_key(files) -> str:
    """Which files the run has: adding or removing one may change how imports resolve."""
    return content_hash("\0".join(sorted(os.path.normpath(f) for f in files)).encode())


def default_cache_dir(root: str) -> str:
    return os.path.join(root, CACHE_DIR_NAME) if root else CACHE_DIR_NAME


def _versioned_key(*parts: Any) -> str:
    """A short hash of this torchlint's version, the cache and summary formats, and `parts`."""
    from .analysis.summaries import SUMMARY_VERSION

    text = json.dumps([FORMAT, __version__, SUMMARY_VERSION, *parts], sort_keys=True, default=repr)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def config_key(config: Any) -> str:
    try:
        settings = dataclasses.asdict(config)
    except TypeError:
        settings = repr(config)
    return _versioned_key(settings)


# Set when this process is leaving (a worker whose run was killed): nothing is written any more,
# from any thread, so that the directory it removes on the way out stays removed.
_STOPPED = threading.Event()


def stop_writing() -> None:
    _STOPPED.set()


def write_atomically(path: str, text: str) -> None:
    """Write `text` through a temporary file in `path`'s directory, then rename it over `path`,
    so that a reader (another worker, the next run) never sees half a file. OSError is the
    caller's; no temporary file is left behind."""
    if _STOPPED.is_set():
        raise OSError("torchlint is stopping")
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if _STOPPED.is_set():  # stopped while writing: the directory is being removed, do not keep it
            raise OSError("torchlint is stopping")
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


GITIGNORE = "# Created by torchlint automatically.\n*\n"


def ensure_gitignore(directory: str) -> None:
    """The cache's own `.gitignore`, whole: written atomically, and written again when it is not
    what torchlint writes (a full disk once left it empty, and git then listed the cache)."""
    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == GITIGNORE:
                return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomically(path, GITIGNORE)


class Cache:
    def __init__(self, directory: str, config: Any, files_key: str) -> None:
        self.directory = directory
        self.key = config_key(config)
        self.files_key = files_key
        self.path = os.path.join(directory, f"results-{self.key}.json")
        self.summary_dir = summaries_dir(directory)
        self.entries: dict[str, dict[str, Any]] = {}
        self.stats: dict[str, list] = {}  # path -> [mtime_ns, size, hash]
        # The lists of summary parts the entries' cutoffs name, each once: a cutoff holds its
        # list's index (many files read the same parts of the same modules: a project's
        # utilities, its base classes). Kept as loaded until an entry is stored.
        self.parts: list[Any] = []
        self._parts_index: dict[tuple, int] | None = None
        self.dirty = False
        self._run_hashes: dict[str, str | None] = {}
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return
        if not isinstance(data, dict) or data.get("key") != self.key or data.get("format") != FORMAT:
            return
        stats = data.get("stats")
        if isinstance(stats, dict):
            self.stats = {p: v for p, v in stats.items() if isinstance(v, list) and len(v) == 3
                          and all(isinstance(n, int) and not isinstance(n, bool) for n in v[:2])
                          and isinstance(v[2], str)}
        entries = data.get("entries")
        parts = data.get("parts")
        if data.get("files") == self.files_key and isinstance(entries, dict) and isinstance(parts, list):
            self.entries = entries
            self.parts = parts

    # -- hashes

    def file_hash(self, path: str, session=None) -> str | None:
        """The content hash of `path`, from the stat memo when mtime and size match."""
        if path in self._run_hashes:
            return self._run_hashes[path]
        self._run_hashes[path] = digest = self._file_hash(path, session)
        return digest

    def _file_hash(self, path: str, session=None) -> str | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        memo = self.stats.get(path)
        if memo is not None and memo[0] == stat.st_mtime_ns and memo[1] == stat.st_size:
            return memo[2]
        if session is not None:
            digest = session.hash(path)
        else:
            try:
                with open(path, "rb") as handle:
                    digest = content_hash(handle.read())
            except OSError:
                return None
        if digest is not None:
            self._memo(path, stat, digest)
        return digest

    # -- entries

    def lookup(self, path: str, hashes, config: str | None = None, derive=None) -> list[Finding] | None:
        """The cached findings of `path`, if its text, its own configuration (`config`, a
        `config_key`) and what it read of its dependencies are unchanged.

        A dependency whose text changed still matches when the entry has a cutoff for it (what
        the findings read of it: parts of its summary, or its pre-check facts) and
        `derive(dep, cutoff)` gives the same digest for its text as it is now; the entry then
        records the new text, so the next run needs no `derive`."""
        entry = self.entries.get(path)
        if not isinstance(entry, dict):
            return None
        try:
            if entry.get("config") != config:
                return None
            if entry["hash"] != hashes(path):
                return None
            deps, findings, cutoffs = entry["deps"], entry["findings"], entry.get("cut") or {}
            if not (isinstance(deps, dict) and isinstance(findings, list) and isinstance(cutoffs, dict)):
                return None
            moved: dict[str, str] = {}
            for dep, digest in deps.items():
                if not (isinstance(digest, str) or digest is None):
                    return None
                current = hashes(dep)
                if current == (digest or None):
                    continue
                cutoff = self._cutoff(cutoffs.get(dep))
                if current is None or derive is None or cutoff is None or derive(dep, cutoff) != cutoff[1]:
                    return None
                moved[dep] = current
            result = [finding_from_data(item) for item in findings]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None  # a corrupt or foreign entry: never trusted
        if moved:
            entry["deps"] = {**deps, **moved}
            self.dirty = True
        return result

    def store(self, path: str, digest: str | None, findings: list[Finding], deps: dict[str, str] | None,
              config: str | None = None, cutoffs: dict[str, list] | None = None) -> None:
        if digest is None or deps is None:
            self.entries.pop(path, None)
            return
        for name, value in [(path, digest), *deps.items()]:
            if name not in self.stats and value:
                self._remember(name, value)
        entry = {
            "hash": digest,
            "config": config,
            "deps": deps,
            "findings": [finding_to_data(finding) for finding in findings],
        }
        kept = {dep: self._kept_cutoff(cutoff) for dep, cutoff in (cutoffs or {}).items() if deps.get(dep)}
        if kept:
            entry["cut"] = kept
        self.entries[path] = entry
        self.dirty = True

    def _cutoff(self, kept: Any) -> list | None:
        """A cutoff as an entry keeps it, with its parts list looked up; None if malformed."""
        if not (isinstance(kept, list) and len(kept) >= 2 and isinstance(kept[1], str)):
            return None
        if kept[0] == "f":
            return kept if len(kept) == 2 else None
        if kept[0] not in ("s", "d") or len(kept) != (3 if kept[0] == "s" else 5):
            return None
        index = kept[2]
        if not (type(index) is int and 0 <= index < len(self.parts)):
            return None
        parts = self.parts[index]
        if not (isinstance(parts, list) and all(isinstance(part, str) for part in parts)):
            return None
        if kept[0] == "s":
            return ["s", kept[1], parts]
        entered, looked = kept[3], kept[4]
        if not (isinstance(entered, list) and all(type(name) is str for name in entered) and isinstance(looked, dict)):
            return None
        return ["d", kept[1], parts, entered, looked]

    def _kept_cutoff(self, cutoff: list) -> list:
        """`cutoff` as an entry keeps it: the parts list of a summary (or definitions) cutoff by
        its index in `parts`."""
        if cutoff[0] not in ("s", "d"):
            return cutoff
        if self._parts_index is None:
            self._parts_index = {}
            for index, parts in enumerate(self.parts):
                if isinstance(parts, list):
                    self._parts_index.setdefault(tuple(map(str, parts)), index)
        key = tuple(cutoff[2])
        index = self._parts_index.get(key)
        if index is None:
            index = self._parts_index[key] = len(self.parts)
            self.parts.append(list(key))
        return [cutoff[0], cutoff[1], index, *cutoff[3:]]

    def _pruned_parts(self) -> list[Any]:
        """`parts` without the lists no entry names any more (the entries renumbered)."""
        used: dict[int, int] = {}
        table: list[Any] = []
        for entry in self.entries.values():
            for kept in (entry.get("cut") or {}).values() if isinstance(entry, dict) else ():
                if isinstance(kept, list) and len(kept) >= 3 and kept[0] in ("s", "d") \
                        and type(kept[2]) is int and 0 <= kept[2] < len(self.parts):
                    if kept[2] not in used:
                        used[kept[2]] = len(table)
                        table.append(self.parts[kept[2]])
                    kept[2] = used[kept[2]]
        self._parts_index = None
        return table

    def _remember(self, path: str, digest: str) -> None:
        try:
            stat = os.stat(path)
        except OSError:
            return
        self._memo(path, stat, digest)

    def _memo(self, path: str, stat: os.stat_result, digest: str) -> None:
        # Racy-git rule: a file modified in the last seconds may change again
        # within the file system's timestamp granularity, keeping mtime and
        # size; its hash is not memoised until it has been still for a while.
        if stat.st_mtime_ns < time.time_ns() - RACY_NS:
            self.stats[path] = [stat.st_mtime_ns, stat.st_size, digest]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            ensure_gitignore(self.directory)
            self.parts = self._pruned_parts()
            data = {"format": FORMAT, "key": self.key, "files": self.files_key,
                    "stats": self.stats, "entries": self.entries, "parts": self.parts}
            # json.dumps runs in C; json.dump to a file would encode in Python (5x slower).
            write_atomically(self.path, json.dumps(data, separators=(",", ":")))
        except OSError:
            pass  # a read-only checkout: lint anyway, uncached


# -- phase-1 summaries, kept between runs
#
# One small file per module in `summaries-<key>/` (beside the results), named
# by a hash of the module's path and holding its content hash and its
# summary's `to_cache()` data. A summary depends on its module's text alone, so
# neither the configuration nor the rest of the project is part of its key; it
# is used only while the content hash matches. A run reads the summaries of the
# modules it needs and nothing else (a warm run none), and each process writes
# the ones it makes, atomically: workers computing the same module write the
# same bytes.


def summaries_dir(directory: str) -> str:
    return os.path.join(directory, f"summaries-{_versioned_key()}")


class SummaryCache:
    """One process's use of the summaries directory (see `analysis.project.Project.summary`):
    `lookup` gives the cached data of a module whose text is unchanged, `record` keeps a new one."""

    def __init__(self, directory: str, digest) -> None:
        self.directory = directory
        self._digest = digest  # path -> content hash of the text being linted, or None

    def _file(self, name: str) -> str:
        return os.path.join(self.directory, content_hash(name.encode("utf-8", "surrogatepass")) + ".json")

    def lookup(self, name: str) -> dict[str, Any] | None:
        try:
            with open(self._file(name), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return None
        if not (isinstance(entry, dict) and entry.get("path") == name and isinstance(entry.get("summary"), dict)):
            return None
        digest = self._digest(name)
        return entry["summary"] if digest is not None and entry.get("hash") == digest else None

    def record(self, name: str, summary) -> None:
        digest = self._digest(name)
        if digest is None:
            return
        text = json.dumps({"path": name, "hash": digest, "summary": summary.to_cache()}, separators=(",", ":"))
        try:
            write_atomically(self._file(name), text)
        except OSError:
            pass  # a read-only checkout: lint anyway


def clean(directory: str) -> bool:
    """Remove a cache directory; True if there was one."""
    if not os.path.isdir(directory):
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True


# -- findings as plain data (also what worker processes send back)


def _location(data: Any) -> Location:
    return Location(int(data[0]), int(data[1]))


def finding_to_data(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": finding.code, "name": finding.name, "message": finding.message,
        "severity": finding.severity.value, "filename": finding.filename,
        "location": [finding.location.row, finding.location.column],
        "end": [finding.end_location.row, finding.end_location.column],
        "related": [[r.filename, [r.location.row, r.location.column], r.message,
                     [r.end_location.row, r.end_location.column] if r.end_location else None]
                    for r in finding.related],
        "source": finding.source, "confirmed": finding.confirmed, "extra": finding.extra,
        "cell": finding.cell,
    }
    if finding.fix is not None:
        data["fix"] = [finding.fix.applicability, finding.fix.message,
                       [[[e.location.row, e.location.column], [e.end_location.row, e.end_location.column], e.content]
                        for e in finding.fix.edits]]
    return data


def _is_location(data: Any) -> bool:
    return (isinstance(data, list) and len(data) == 2
            and all(isinstance(number, int) and not isinstance(number, bool) for number in data))


def _valid_finding_data(data: Any) -> bool:
    """Whether `data` has exactly the shape `finding_to_data` writes (a damaged cache entry
    does not, and is never trusted: not `"location": "12"`, not `"cell": [1]`)."""
    if not isinstance(data, dict):
        return False
    if not all(isinstance(data.get(key), str) for key in ("code", "name", "message", "severity", "filename")):
        return False
    if data["severity"] not in {severity.value for severity in Severity}:
        return False
    if not (_is_location(data.get("location")) and _is_location(data.get("end"))):
        return False
    cell = data.get("cell")
    if cell is not None and (not isinstance(cell, int) or isinstance(cell, bool)):
        return False
    if not isinstance(data.get("source", "static"), str) or not isinstance(data.get("confirmed", False), bool):
        return False
    if not isinstance(data.get("extra") or {}, dict):
        return False
    related = data.get("related")
    if not isinstance(related, list) or not all(
            isinstance(item, list) and len(item) == 4 and isinstance(item[0], str) and _is_location(item[1])
            and isinstance(item[2], str) and (item[3] is None or _is_location(item[3])) for item in related):
        return False
    fix = data.get("fix")
    if fix:
        if not (isinstance(fix, list) and len(fix) == 3 and fix[0] in ("safe", "unsafe")
                and isinstance(fix[1], str) and isinstance(fix[2], list)):
            return False
        if not all(isinstance(edit, list) and len(edit) == 3 and _is_location(edit[0]) and _is_location(edit[1])
                   and isinstance(edit[2], str) for edit in fix[2]):
            return False
    return True


def finding_from_data(data: dict[str, Any]) -> Finding:
    if not _valid_finding_data(data):
        raise ValueError("not a finding written by this version")
    fix = None
    if data.get("fix"):
        applicability, message, edits = data["fix"]
        fix = Fix(applicability, message, tuple(Edit(_location(a), _location(b), c) for a, b, c in edits))
    related = tuple(
        Related(filename, _location(location), message, _location(end) if end else None)
        for filename, location, message, end in data["related"]
    )
    return Finding(
        code=data["code"], name=data["name"], message=data["message"], severity=Severity(data["severity"]),
        filename=data["filename"], location=_location(data["location"]), end_location=_location(data["end"]),
        related=related, fix=fix, source=data.get("source", "static"), confirmed=bool(data.get("confirmed")),
        extra=dict(data.get("extra") or {}), cell=data.get("cell"),
    )
