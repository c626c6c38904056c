"""One process's view of a run: read each file once, parse it only if needed.

A `Session` holds the project's files lazily: a file is read, hashed and
checked by CPython's parser when first asked for (`checked`); LibCST parses
it only when phase 1 needs its summary or phase 2 needs to analyse it. The
pre-check (`precheck.Relevance`) decides which linted files need phase 2.

`lint_file` returns a `FileResult`: the file's findings before cross-file
deduplication, and what they depend on (the content hashes of the other
files whose summaries or text phase 2 read, and, for the cache's early
cutoff, what was read of those whose text was not: `FileResult.cutoffs`),
which is what the cache keys on.
Sessions run in the main process (`--jobs 1`) or one per worker process.
"""

from __future__ import annotations

import collections
import contextlib
import gc
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from .analysis.literals import literal_summary
from .analysis.project import Project
from .check import check_module, explicitly_ignored, parse_error, recovery_error
from .config import Config
from .findings import Finding
from .parsing import CheckedSource, ParsedModule, ParseFailure, check_source, parse_checked, read_notebook
from .precheck import FileFacts, Relevance, facts_digest, file_facts


from .cache import SummaryCache, content_hash  # noqa: E402,F401  (content_hash: re-exported)


# A parse allocates hundreds of thousands of nodes that all survive, and with
# CPython's default thresholds (700, 10, 10) the collector walks them again and
# again as the heap grows: about a quarter of a cold run on real code. The
# trees themselves hold no cycles, but the interpretation that reads one does
# (a function's closure holds its own value), so a linted file's tree is freed
# by the collector, not by reference counts. Hence, while linting: rarer
# collections, and between two files one collection of what the last file left
# followed by `gc.freeze()`, so that what lives on (the trees and summaries
# other files read) is never walked again; and a linted file's own tree is frozen
# as soon as it is parsed (`freeze_the_new_tree`), so that it is never walked at
# all. Measured in docs/performance.md.
LINT_GC_THRESHOLDS = (20_000, 10, 10)
_between_files = False  # collect and freeze between files (`fewer_collections`)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often while linting, and between files only over what
    the last file left; the collector as it was afterwards."""
    global _between_files
    previous = gc.get_threshold()
    previous_between = _between_files
    gc.set_threshold(*LINT_GC_THRESHOLDS)
    _between_files = True
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        _between_files = previous_between
        if not previous_between:
            gc.unfreeze()  # what was frozen is collectable again, as if never frozen


def collect_for_linting() -> None:
    """`fewer_collections`' settings for good: for a process that only lints (a pool worker)."""
    global _between_files
    gc.set_threshold(*LINT_GC_THRESHOLDS)
    _between_files = True
    gc.freeze()  # what it has now (a worker: what it inherited from its parent) is never walked


def collect_between_files(first: bool = False) -> None:
    """Free what the last file's analysis left (its cycles: the interpretation, its tree), then
    freeze what survives: long-lived, never walked again while linting (`fewer_collections`).
    Before a session's first file there is nothing of a file to free (a run that lints one file
    after reading its cache must not walk the whole heap for it): only the freeze."""
    if _between_files:
        if not first:
            gc.collect()
        gc.freeze()


def freeze_the_new_tree() -> None:
    """While linting (`fewer_collections`), right after a linted file's own parse: freeze what
    the collector has not walked yet, so that it never walks the tree (which lives as long as
    the file's analysis, or longer). Nothing else of note is that young: the collection between
    files came just before, and since then only the pre-check's facts (kept) and CPython's
    trees (acyclic: freed by reference counts, frozen or not). The tree holds no cycles either,
    so it is freed by reference counts when it goes. Not after a parse for a summary, in the
    middle of another file's analysis: what the analysis has made so far would be frozen with
    it, and its cycles never freed."""
    if _between_files:
        gc.freeze()


# The trees of the last linted files kept for their neighbours (`Session._keep_for_a_while`):
# at most this many, of at most this many lines together.
RECENT_TREES = 8
RECENT_TREE_LINES = 12_000


@dataclass
class FileResult:
    path: str
    findings: list[Finding]
    # path -> content hash of each other file the findings depend on; None:
    # not cacheable (an internal error).
    deps: dict[str, str] | None = field(default_factory=dict)
    hash: str | None = None
    analysed: bool = True
    # The early cutoff (`cache.py`): for a dependency of which the findings read less than its
    # text, what they do read of it, as a key that may stay the same when its text changes:
    # ["s", digest, parts] (the parts of its summary read, `summaries.parts_digest`),
    # ["d", digest, parts, entered] (those, and its text as its definitions were interpreted
    # for a call's context, without the bodies not entered: `analysis/bodies.py`) or
    # ["f", digest] (its pre-check facts, for a file the pre-check skipped). Made only when
    # the session is asked to (`cutoffs`).
    cutoffs: dict[str, list] = field(default_factory=dict)


def _hash_of(data: bytes | str) -> str:
    """The content hash of a file's bytes (or of an in-memory source's text)."""
    return content_hash(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)


class Session:
    def __init__(self, roots: list[str], on_disk: bool, known: Sequence[str] = (),
                 sources: dict[str, bytes | str] | None = None, precheck: bool = True,
                 summary_dir: str | None = None, cutoffs: bool = False) -> None:
        self.sources = sources
        self.on_disk = on_disk
        self.precheck = precheck
        self.cutoffs = cutoffs
        self._checked: dict[str, CheckedSource | ParseFailure | None] = {}
        self._hashes: dict[str, str | None] = {}
        self._facts: dict[str, FileFacts | None] = {}
        self._notebooks: dict[str, object] = {}
        self._linted_any = False
        # The trees kept for their neighbours, oldest first: path -> lines (`_keep_for_a_while`).
        self._recent: collections.OrderedDict[str, int] = collections.OrderedDict()
        self.summary_cache = SummaryCache(summary_dir, self.digest) if summary_dir else None
        self.project = Project({}, roots, on_disk, loader=self._load, known=set(known),
                               summary_cache=self.summary_cache, quick_summary=self._quick_summary)
        self.relevance = Relevance(self.project, self.facts_of)

    # -- files

    def _read(self, path: str) -> bytes | str | None:
        if self.sources is not None and path in self.sources:
            return self.sources[path]
        if not self.on_disk:
            return None
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as error:
            self._checked[path] = ParseFailure(path, f"cannot read file: {error.strerror or error}")
            return None

    def checked(self, path: str) -> CheckedSource | ParseFailure | None:
        if path not in self._checked:
            data = self._read(path)
            if data is None:
                self._checked.setdefault(path, None)
                self._hashes[path] = None
            else:
                self._hashes[path] = _hash_of(data)
                self._checked[path] = (self._check_notebook(path, data) if path.endswith(".ipynb")
                                       else check_source(path, data))
        return self._checked[path]

    def _check_notebook(self, path: str, data: bytes | str) -> CheckedSource | ParseFailure:
        """A notebook's code cells joined into one virtual source (see `notebook`)."""
        checked, notebook = read_notebook(path, data, check_source)
        if notebook is not None:
            self._notebooks[path] = notebook
        return checked

    def notebook(self, path: str):
        """The cell map of a notebook checked in this session, else None."""
        return self._notebooks.get(path)

    def digest(self, path: str) -> str | None:
        """The content hash of `path` without checking its syntax (what a summary lookup needs)."""
        if path not in self._hashes:
            data = self._read(path)
            if data is None:
                return None
            self._hashes[path] = _hash_of(data)
        return self._hashes[path]

    def hash(self, path: str) -> str | None:
        if path not in self._hashes:
            self.checked(path)
        return self._hashes.get(path)

    def _load(self, path: str) -> ParsedModule | ParseFailure:
        checked = self.checked(path)
        if checked is None:
            return ParseFailure(path, "cannot read file")
        if isinstance(checked, ParseFailure):
            return checked
        if self.precheck:
            self.facts_of(path)  # before its CPython tree goes
        checked.tree = None
        parsed = parse_checked(checked)
        notebook = self._notebooks.get(path)
        if notebook is not None:
            if isinstance(parsed, ParseFailure):
                parsed.cell, parsed.row = notebook.to_cell(parsed.row)
            else:
                parsed.notebook = notebook
        return parsed

    def _quick_summary(self, path: str):
        """A module of literals summarised from CPython's tree, not LibCST's (`literals.py`)."""
        if path.endswith(".ipynb"):
            return None
        checked = self.checked(path)
        if not isinstance(checked, CheckedSource) or checked.cpython_error is not None:
            return None
        return literal_summary(path, checked.text, checked.tree)

    def facts_of(self, path: str) -> FileFacts | None:
        if path not in self._facts:
            checked = self.checked(path)
            self._facts[path] = (
                file_facts(path, checked.text, checked.tree) if isinstance(checked, CheckedSource) else None
            )
            if isinstance(checked, CheckedSource):
                checked.tree = None  # all the pre-check needed from it is in the facts
        return self._facts[path]

    # -- linting

    def lint_file(self, path: str, config: Config, rules) -> FileResult:
        # Phase 2 of this file starts from nothing decoded; and the last file's values go now, so
        # the collector frees them.
        self.project.begin_file()
        collect_between_files(first=not self._linted_any)
        self._linted_any = True
        checked = self.checked(path)
        if checked is None:
            checked = ParseFailure(path, "cannot read file")
        if isinstance(checked, ParseFailure):
            findings = [] if explicitly_ignored(config, "TL000", path) else [parse_error(checked)]
            return FileResult(path, findings, {}, self._hashes.get(path), analysed=False)
        # Notebooks are always analysed: nothing imports them, and the
        # pre-check reads files as plain Python.
        if self.precheck and not path.endswith(".ipynb") and not self.relevance.needs_analysis(path):
            closure = sorted(self.relevance.closure(path))
            deps = {dep: self.hash(dep) or "" for dep in closure}
            cutoffs = {dep: ["f", facts_digest(self.facts_of(dep))] for dep in closure} if self.cutoffs else {}
            return FileResult(path, [], deps, self.hash(path), analysed=False, cutoffs=cutoffs)
        parsed_now = path not in self.project.modules
        module = self.project.parsed(path)
        if parsed_now:
            freeze_the_new_tree()
        if module is None:
            failure = self.project.modules.get(path)
            if not isinstance(failure, ParseFailure):
                failure = ParseFailure(path, "cannot parse")
            findings = [] if explicitly_ignored(config, "TL000", path) else [parse_error(failure)]
            return FileResult(path, findings, {}, self.hash(path), analysed=True)
        # A file CPython refused and LibCST took once its unparsable statements were set aside:
        # its TL000 (at CPython's error) and the findings of the rest.
        findings = [*recovery_error(module, config), *check_module(self.project, module, rules)]
        if path not in self.project.summaries:  # no summary holds sites of its tree
            self._keep_for_a_while(path)
        reads = self.project.reads - {path}
        deps: dict[str, str] | None = {dep: self.hash(dep) or "" for dep in sorted(reads)}
        if any("traceback" in finding.extra for finding in findings):
            deps = None
        cutoffs = self._summary_cutoffs(reads, findings) if self.cutoffs and deps is not None else {}
        return FileResult(path, findings, deps, self.hash(path), cutoffs=cutoffs)

    def _keep_for_a_while(self, path: str) -> None:
        """A linted file's tree, which no summary holds sites of, is kept while the next few
        files are linted, then let go (memory stays flat): a module is often imported by the
        files linted just after it (its neighbours), which then read its summary from the tree
        in hand instead of parsing it again. Measured in docs/performance.md."""
        module = self.project.modules.get(path)
        if not isinstance(module, ParsedModule):
            return
        self._recent.pop(path, None)  # linted again: it is the newest
        self._recent[path] = module.text.count("\n") + 1
        while self._recent and (len(self._recent) > RECENT_TREES or sum(self._recent.values()) > RECENT_TREE_LINES):
            oldest, _ = self._recent.popitem(last=False)
            if oldest not in self.project.summaries:  # else its summary holds sites of it now
                self.project.modules.pop(oldest, None)

    def _summary_cutoffs(self, reads: set[str], findings: list[Finding]) -> dict[str, list]:
        """For each module the file read less than the text of: what it read, digested
        (`Project.cutoff`: parts of its summary, and the text its definitions were interpreted
        from, bodies not entered left out). None for a module its findings name (a place in
        it: its positions come from its text)."""
        named = "\0".join(_strings(finding) for finding in findings)
        cutoffs = {}
        for dep in sorted(reads):
            if named and dep in named:
                continue
            cutoff = self.project.cutoff(dep)
            if cutoff is not None:
                cutoffs[dep] = cutoff
        return cutoffs

    def cutoff_digest(self, path: str, cutoff: list) -> str | None:
        """What `cutoff` (a `FileResult.cutoffs` value) digests, for `path` as it is now (the
        result cache asks when a dependency's text changed); None when it cannot tell."""
        if cutoff[0] == "f":
            return facts_digest(self.facts_of(path)) if self.precheck else None
        self.project.begin_file()
        try:
            return self.project.cutoff_digest(path, cutoff)
        finally:
            self.project.begin_file()


def _strings(finding: Finding) -> str:
    """Every text of a finding that may name a place: its files, its messages, its fix's message."""
    texts = [finding.filename, finding.message, *(item.filename for item in finding.related),
             *(item.message for item in finding.related)]
    if finding.fix is not None:
        texts.append(finding.fix.message)
    if finding.extra:
        texts.append(repr(finding.extra))
    return "\0".join(texts)
