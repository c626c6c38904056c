"""Applying fixes: `torchlint --fix`, `--diff`, `--unsafe-fixes`.

Edits replace exact text spans of the decoded source (no BOM, line endings as
they are), so everything a fix does not touch stays byte-identical; the file
is encoded back with its own encoding and BOM. Like ruff, fixing runs in
passes: lint, apply every non-overlapping fix, lint again (overlapping fixes
wait for the next pass), until nothing changes or MAX_PASSES. A fixed file
must parse before it is written, writes are atomic (temporary file in the
same directory, then rename, mode kept), and a file that does not parse is
never touched.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import difflib
import io
import os
import re
import signal
import stat
import tempfile
import threading
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .config import Config
from .encoding import decode
from .lines import printable
from .findings import Edit, Finding, Fix, applicable
from .parsing import parse_file, parse_source, parses

MAX_PASSES = 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class FixResult:
    """What a fix run did: per file, the original and the fixed text, and the findings left."""

    fixed: Counter = field(default_factory=Counter)  # path -> number of fixes applied
    original: dict[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    remaining: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    not_written: dict[str, str] = field(default_factory=dict)  # path -> why its fixes were not written

    @property
    def total_fixed(self) -> int:
        return sum(self.fixed.values())

    @property
    def changed(self) -> list[str]:
        return sorted(path for path in self.current if self.current[path] != self.original[path])


# --------------------------------------------------------------------------- edits on text


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in _LINE_BREAK.finditer(text)]


def _offsets(starts: list[int], edit: Edit) -> tuple[int, int]:
    return (starts[edit.location.row - 1] + edit.location.column - 1,
            starts[edit.end_location.row - 1] + edit.end_location.column - 1)


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply every fix whose edits overlap no earlier fix's; return the text and how many applied."""
    starts = _line_starts(text)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for fix in fixes:
        try:
            spans = [(*_offsets(starts, edit), edit.content) for edit in fix.edits]
        except IndexError:
            continue
        if any(start > end or end > len(text) for start, end, _ in spans):
            continue
        # Touching ranges count as overlapping: two insertions at one point have no safe order.
        if any(start <= t_end and t_start <= end for start, end, _ in spans for t_start, t_end in taken):
            continue
        taken += [(start, end) for start, end, _ in spans]
        chosen += spans
        applied += 1
    for start, end, content in sorted(chosen, reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied


def remove_unused_imports(before: str, after: str) -> str:
    """Delete module-level import lines whose names the fixes removed the last use of."""
    lost = {name for name in _loaded_names(before) if name not in _loaded_names(after)}
    if not lost:
        return after
    try:
        module = cst.parse_module(after)
    except Exception:
        return after
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    starts = _line_starts(after)
    doomed = []
    for line in module.body:
        if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
            continue
        statement = line.body[0]
        if not isinstance(statement, (cst.Import, cst.ImportFrom)) or isinstance(statement.names, cst.ImportStar):
            continue
        if isinstance(statement, cst.ImportFrom) and _dotted(statement.module) == "__future__":
            continue
        kept = [alias for alias in statement.names if _bound_name(alias) not in lost]
        if len(kept) == len(statement.names) or "noqa" in module.code_for_node(line):
            continue
        if not kept:  # the whole line goes
            code_range = positions[line]
            start = starts[code_range.start.line - 1]
            end_line = code_range.end.line
            end = starts[end_line] if end_line < len(starts) else len(after)
            doomed.append((start, end, ""))
        else:  # `from torch import nn, optim` -> `from torch import nn`
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            code_range = positions[statement]
            start = starts[code_range.start.line - 1] + code_range.start.column
            end = starts[code_range.end.line - 1] + code_range.end.column
            doomed.append((start, end, module.code_for_node(statement.with_changes(names=kept))))
    for start, end, content in sorted(doomed, reverse=True):
        after = after[:start] + content + after[end:]
    return after


def _loaded_names(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    # Names listed in __all__ or used in string annotations count as used.
    names |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.isidentifier()}
    return names


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted(node.value) + "." + node.attr.value
    return ""


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name).split(".")[0]


# --------------------------------------------------------------------------- files


@dataclass
class _SourceFile:
    encoding: str
    bom: bool
    text: str
    raw: bytes = b""  # the bytes as read, to notice a change on disk before writing

    def encode(self, text: str) -> bytes:
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(encoding)


def read_source(path: str) -> _SourceFile | None:
    """A file's text as Python decodes it, with its encoding, BOM and bytes (None: unreadable)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return _source(data)


def _source(data: bytes | str) -> _SourceFile | None:
    if isinstance(data, str):
        return _SourceFile("utf-8", False, data, data.encode("utf-8", "surrogatepass"))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return _SourceFile(encoding, data.startswith(codecs.BOM_UTF8), decode(data), data)
    except (SyntaxError, ValueError, LookupError):
        return None


def atomic_write(path: str, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory and a rename."""
    with _interrupts_deferred():
        _write_through_temporary(path, data)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C / SIGTERM until the file is replaced: an interrupt inside mkstemp
    (after the file exists, before its name is known) would leave a temporary behind."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending interrupt is raised here


def _write_through_temporary(path: str, data: bytes) -> None:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _lint(paths: Sequence[str], resolver, overlay: dict[str, str], importers: bool = False):
    # The linted files as they stand after the previous passes (in memory for --diff).
    # `importers`: with the project's files that import them, keeping the findings that touch
    # the files `paths` name (`importers.scope`, as `api.lint_paths` lints them).
    from .analysis.project import Project
    from .check import lint_modules
    from .discovery import discover
    from .importers import scope, touches
    from .roots import find_roots

    if importers:
        run = scope(list(paths), resolver)
        files, given = run.linted, run.given
    else:
        files = given = discover(list(paths), resolver)
    modules = {path: parse_source(path, overlay[path]) if path in overlay else parse_file(path) for path in files}
    project = Project(modules, find_roots(list(paths)), on_disk=True)
    findings = lint_modules(project, list(modules.values()), resolver)
    if importers:
        findings = [finding for finding in findings if touches(finding, given)]
    return findings, given


def fixable_file(path: str) -> bool:
    """Only Python source is rewritten: a notebook's findings are in cell coordinates."""
    return path.endswith((".py", ".pyi"))


def fix_paths(paths: Sequence[str], config=None, *, unsafe: bool = False,
              write: bool = True, max_passes: int = MAX_PASSES, shard: tuple[int, int] | None = None) -> FixResult:
    """Fix every file under `paths`; with `write=False` compute the fixed text only (`--diff`).

    `config` is a Config or a ConfigResolver, as for `api.lint_paths`. `shard=(i, n)`: fix (and
    report) only the files of the i-th of n slices, as `--shard` checks them; the whole project
    is still read.
    """
    from .api import shard_files
    from .check import as_resolver

    config = as_resolver(config)
    result = FixResult()
    sources: dict[str, _SourceFile] = {}
    selected: set[str] | None = None

    def lint():
        """The findings of the current texts, of the shard's files only."""
        nonlocal selected
        findings, result.files = _lint(paths, config, result.current, importers=True)
        if shard is not None and selected is None:
            selected = set(shard_files(result.files, *shard))
        return findings if selected is None else [finding for finding in findings if finding.filename in selected]

    for _ in range(max_passes):
        findings = lint()
        by_file: dict[str, list[Fix]] = {}
        for finding in findings:
            if finding.filename in result.files and fixable_file(finding.filename) and applicable(finding.fix, unsafe):
                by_file.setdefault(finding.filename, []).append(finding.fix)
        progress = False
        for path, fixes in sorted(by_file.items()):
            if path not in sources:
                source = read_source(path)
                if source is None or not parses(path, source.text):
                    continue  # never touch what does not parse (even once its errors are set aside)
                sources[path] = source
                result.original[path] = source.text
            before = result.current.get(path, sources[path].text)
            after, count = apply_fixes(before, fixes)
            after = remove_unused_imports(before, after)
            if count == 0 or after == before:
                continue
            try:
                data = sources[path].encode(after)
            except UnicodeEncodeError:
                continue
            if not parses(path, data):
                continue  # a fix that breaks the file is dropped, never written
            result.current[path] = after
            result.fixed[path] += count
            progress = True
        if not progress:
            result.remaining = findings
            break
    else:
        result.remaining = lint()
    if write:
        allowed = [os.path.realpath(path) for path in paths]  # where a symlink's target may be
        written: set[str] = set()  # real files, once each
        for path in result.changed:
            problem = write_fixed(path, sources[path], result.current[path], allowed, written)
            if problem is not None:
                result.not_written[path] = problem
        if result.not_written:
            # Those files keep their findings: report them as they are on disk.
            for path in result.not_written:
                result.fixed.pop(path, None)
                result.current[path] = result.original[path]
            result.remaining = lint()
    return result


@dataclass
class BufferFix:
    """`fix_buffer`'s result: the buffer's bytes after the fixes (its own encoding and BOM, the
    input itself when nothing was fixed), how many fixes, and the findings left in it."""

    data: bytes
    fixed: int
    remaining: list[Finding]
    original: str | None = None  # the decoded input and the fixed text (None: not decodable)
    text: str | None = None


def fix_buffer(data: bytes | str, filename: str, config=None, *, unsafe: bool = False,
               max_passes: int = MAX_PASSES) -> BufferFix:
    """`--fix` for standard input or an editor's buffer: `data` fixed as if it were the file
    `filename` (its configuration, its imports and the project files that import it, read from
    disk, as `api.lint_buffer` lints it). Nothing is written. A buffer that does not parse,
    or that `force-exclude` excludes, comes back unchanged."""
    from .api import buffer_project
    from .check import as_resolver
    from .importers import touches

    resolver = as_resolver(config)
    path, linted, _ = buffer_project(filename, resolver)
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if not linted:
        return BufferFix(raw, 0, [])
    source = _source(data)
    current: bytes | str = source.text if source is not None else data
    fixed = 0
    for _ in range(max_passes):
        findings = [finding for finding in _lint(linted, resolver, {path: current})[0] if touches(finding, [path])]
        fixes = [finding.fix for finding in findings
                 if finding.filename == path and fixable_file(path) and applicable(finding.fix, unsafe)]
        if source is None or not fixes or (fixed == 0 and not parses(path, current)):
            break
        before = current
        after, count = apply_fixes(before, fixes)
        after = remove_unused_imports(before, after)
        try:
            encoded = source.encode(after)
        except UnicodeEncodeError:
            break
        if count == 0 or after == before or not parses(path, encoded):
            break
        current = after
        fixed += count
    else:
        findings = [finding for finding in _lint(linted, resolver, {path: current})[0] if touches(finding, [path])]
    if source is None or fixed == 0:
        return BufferFix(raw, 0, findings, source.text if source else None, source.text if source else None)
    return BufferFix(source.encode(current), fixed, findings, source.text, current)


def _inside(real: str, allowed: Sequence[str]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in allowed)


def write_fixed(path: str, source: _SourceFile, text: str, allowed: Sequence[str], written: set[str]) -> str | None:
    """Write one fixed file, or say why not. The file is either all old or all new.

    A symbolic link is written through: the file it names is replaced, the link stays. A link
    to a file outside the linted paths is refused (that file may belong to another project;
    lint it where it lives to fix it). A file with several hard links is refused: replacing it
    by a rename would silently split them, and rewriting it in place is not atomic. `allowed`:
    the real paths the user named; `written`: the real files written so far.
    """
    try:
        real = os.path.realpath(path)
        if os.path.islink(path) and not _inside(real, allowed):
            return f"a symbolic link to {real}, outside the linted paths: not fixed (lint it there)"
        if real in written:  # the same file reached through a link and its own name
            return None
        info = os.stat(real)
        if info.st_nlink > 1:
            return f"has {info.st_nlink} hard links: not fixed (a rewrite would split them)"
        if not stat.S_IMODE(info.st_mode) & 0o222:
            return "read-only file"
        with open(real, "rb") as handle:
            if handle.read() != source.raw:
                return "changed on disk while torchlint was fixing it"
        atomic_write(real, source.encode(text))
        written.add(real)
    except OSError as error:  # disk full, permissions, a vanished directory: the old file stays
        return f"cannot write: {error.strerror or error}"
    return None


# --------------------------------------------------------------------------- --diff


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff that `patch -p0` and `git apply -p0` accept (line endings kept)."""

    def lines(text: str) -> list[str]:
        parts = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text)
        return [part for part in parts if part]

    out = []
    shown = printable(path)  # a file name with a newline must not forge the diff's structure
    for line in difflib.unified_diff(lines(before), lines(after), fromfile=shown, tofile=shown, lineterm="\n"):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def fix_sources(sources: dict[str, str], config: Config | None = None, *, unsafe: bool = False,
                max_passes: int = MAX_PASSES) -> tuple[dict[str, str], int]:
    """Fix an in-memory project (path -> text) the way `--fix` fixes files; returns the texts and the count."""
    from .api import lint_sources

    current = dict(sources)
    total = 0
    for _ in range(max_passes):
        by_file: dict[str, list[Fix]] = {}
        for finding in lint_sources(current, config):
            if finding.filename in current and fixable_file(finding.filename) and applicable(finding.fix, unsafe):
                by_file.setdefault(finding.filename, []).append(finding.fix)
        progress = False
        for path, fixes in by_file.items():
            before = current[path]
            after, count = apply_fixes(before, fixes)
            after = remove_unused_imports(before, after)
            if count and after != before and parses(path, after):
                current[path] = after
                total += count
                progress = True
        if not progress:
            break
    return current, total
