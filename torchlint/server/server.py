"""The language server: pygls over stdio, a thin shell over `linter.WorkspaceLinter`.

What it does with each message:

* `initialize`: the workspace folders are the project (`[tool.torchlint]` of each file's
  nearest pyproject.toml applies, as on the command line), `initializationOptions` the
  client's settings (`select`, `ignore`, `extendSelect`, `debounce`, `unsafeFixes`);
* `didOpen` / `didSave` / a notebook's open: a round at once; `didChange`: a round after the
  debounce (150 ms of no further change, `debounce` in the settings). A round lints the whole
  workspace with every open buffer over its file, on a worker thread, the results of
  unchanged files memoised, and publishes the diagnostics of every open document whose
  diagnostics or version changed (a notebook's per cell); the first round lints the open
  documents alone first, so that they have diagnostics before the rest of the workspace is
  read. `didClose` clears a document's diagnostics;
* `workspace/didChangeWatchedFiles` (registered when the client can) and
  `workspace/didChangeConfiguration`: a round, with the configuration read again;
* `textDocument/codeAction`: each finding's fix (safe, or unsafe and labelled so; `unsafeFixes:
  false` hides those), "suppress with `# noqa: TLxxx`", and `source.fixAll.torchlint`: the
  file's safe fixes as `torchlint check --fix` applies them, on the buffer;
* `textDocument/hover`: the rule's summary on a finding or on a code in a `# noqa` comment.

Positions are converted between code points (findings) and the negotiated encoding (UTF-16
unless the client offers UTF-8 or UTF-32).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import queue
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ..findings import Finding, Severity
from ..version import __version__
from . import actions
from .documents import Documents, path_to_uri, uri_to_path
from .linter import Round, WorkspaceLinter
from .text import UTF16, UTF32, UTF8, line_starts, split_lines, to_units, from_units

log = logging.getLogger("torchlint.server")

DEFAULT_DEBOUNCE_MS = 150
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.torchlint"
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
# The client settings that are configuration overrides, and their Config fields.
CONFIG_SETTINGS = {"select": "select", "ignore": "ignore", "extendSelect": "extend_select"}
WATCHED = ("**/pyproject.toml", "**/*.py", "**/*.pyi", "**/*.ipynb", "**/.gitignore")


class _Worker:
    """One daemon thread that runs the rounds and fix-all computations in order (a daemon: an
    `exit` mid-round does not wait for it). A deep stack, as the engine's fresh stacks have."""

    STACK_BYTES = 256 * 1024 * 1024  # as analysis.project's fresh stacks (importing it here would load LibCST)

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        previous = threading.stack_size()
        try:
            threading.stack_size(self.STACK_BYTES)
            threading.Thread(target=self._run, name="torchlint-lint", daemon=True).start()
        finally:
            threading.stack_size(previous)

    def submit(self, work: Callable[..., Any], *args: Any) -> "asyncio.Future[Any]":
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put((future, work, args))
        return asyncio.wrap_future(future)

    def _run(self) -> None:
        while True:
            future, work, args = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work(*args))
            except BaseException as error:  # handed to the awaiting handler
                future.set_exception(error)


@dataclass
class Published:
    """What was last published for one document (a text document or a notebook cell)."""

    version: int | None
    text: str
    findings: list[Finding]
    diagnostics: list[types.Diagnostic] = field(default_factory=list)


@dataclass
class Snapshot:
    """The open documents as one round read them."""

    buffers: dict[str, str]
    uris: dict[str, str]  # path -> URI of the open document (a notebook's URI for a notebook)
    versions: dict[str, int]  # URI -> version
    texts: dict[str, str]  # URI -> text (cells too)


class TorchlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("torchlint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=types.NotebookDocumentSyncOptions(
                             notebook_selector=[types.NotebookDocumentFilterWithCells(
                                 notebook="jupyter-notebook", cells=[types.NotebookCellLanguage("python")])],
                             save=True))
        self.documents = Documents()
        self.linter = WorkspaceLinter()
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.unsafe_fixes = True
        self.published: dict[str, Published] = {}
        self.watching = False
        self.shut_down = False
        self._worker: _Worker | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._running = False
        self._again = False
        self._warm = False  # whether a round has linted the whole workspace with documents open
        self._shown_errors: set[str] = set()
        self._fix_all: dict[tuple[str, int], tuple[str, int]] = {}

    # -- settings

    @property
    def encoding(self) -> str:
        encoding = getattr(self.workspace, "position_encoding", None)
        value = getattr(encoding, "value", encoding)
        return value if value in (UTF8, UTF16, UTF32) else UTF16

    def apply_settings(self, settings: Any) -> None:
        """The client's settings: `{"torchlint": {...}}` or the section itself."""
        if not isinstance(settings, dict):
            return
        section = settings.get("torchlint", settings)
        if not isinstance(section, dict):
            return
        overrides = {}
        for key, name in CONFIG_SETTINGS.items():
            if key in section:
                overrides[name] = self._codes(section[key], key)
        if overrides:
            self.linter.settings = {**self.linter.settings, **overrides}
        if isinstance(section.get("debounce"), (int, float)) and not isinstance(section.get("debounce"), bool):
            self.debounce = max(0.0, float(section["debounce"])) / 1000
        if isinstance(section.get("unsafeFixes"), bool):
            self.unsafe_fixes = section["unsafeFixes"]

    def _codes(self, value: Any, key: str) -> list[str]:
        from ..rules import RULES_BY_CODE

        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            self.show_error(f"torchlint: setting '{key}' must be a list of rule codes")
            return []
        codes = []
        for item in value:
            code = str(item).strip().upper()
            if not code:
                continue
            if code != "ALL" and not any(known.startswith(code) for known in RULES_BY_CODE):
                self.show_error(f"torchlint: unknown rule code or prefix '{code}' in setting '{key}'")
                continue
            codes.append(code)
        return codes

    def show_error(self, message: str) -> None:
        if message in self._shown_errors:
            return
        self._shown_errors.add(message)
        self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))

    # -- rounds

    def schedule(self, delay: float | None = None) -> None:
        """A round after `delay` seconds (the debounce by default) with no further schedule."""
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.debounce if delay is None else delay, self._start)

    def _start(self) -> None:
        self._timer = None
        if self._running:
            self._again = True
            return
        self._running = True
        asyncio.ensure_future(self._round())

    async def _round(self) -> None:
        try:
            snapshot = self._snapshot()
            if self._worker is None:
                self._worker = _Worker()
            if not self._warm and snapshot.buffers:
                # The first round: the open documents first (their diagnostics within a second
                # or so), then the whole workspace (findings that closed importers make).
                quick = await self._worker.submit(self.linter.lint, snapshot.buffers, list(snapshot.buffers))
                self._publish(quick, snapshot)
                snapshot = self._snapshot()
            self._warm = bool(snapshot.buffers) or self._warm
            result = await self._worker.submit(self.linter.lint, snapshot.buffers)
            if result.config_error:
                self.show_error(f"torchlint: {result.config_error} (linting with the defaults)")
            self._publish(result, snapshot)
        except Exception as error:  # a bug in torchlint: say so once, keep serving
            log.exception("round failed")
            self.show_error(f"torchlint: internal error: {type(error).__name__}: {error}")
        finally:
            self._running = False
            if self._again:
                self._again = False
                self._start()

    def _snapshot(self) -> Snapshot:
        documents = self.documents
        open_files = documents.open_files()
        buffers = {path: text for path, (_, text) in open_files.items()}
        uris = {path: uri for path, (uri, _) in open_files.items()}
        versions = {uri: document.version for uri, document in documents.texts.items()}
        versions.update({uri: notebook.version for uri, notebook in documents.notebooks.items()})
        texts = {uri: document.text for uri, document in documents.texts.items()}
        return Snapshot(buffers, uris, versions, texts)

    def _publish(self, result: Round, snapshot: Snapshot) -> None:
        related_lines = _LineSource(snapshot, self.documents)
        for path, uri in snapshot.uris.items():
            notebook = self.documents.notebooks.get(uri)
            if notebook is not None:
                if notebook.version != snapshot.versions.get(uri):
                    continue  # edited since: the next round publishes it
                by_cell: dict[str, list[Finding]] = {cell.uri: [] for cell in notebook.cells}
                for finding in result.of(path):
                    if finding.cell is not None and 0 < finding.cell <= len(notebook.cells):
                        by_cell[notebook.cells[finding.cell - 1].uri].append(finding)
                for cell_uri, findings in by_cell.items():
                    if cell_uri in snapshot.texts:
                        self._publish_one(cell_uri, snapshot.versions.get(cell_uri), snapshot.texts[cell_uri],
                                          findings, related_lines)
                continue
            document = self.documents.texts.get(uri)
            if document is None or document.version != snapshot.versions.get(uri):
                continue
            self._publish_one(uri, document.version, snapshot.texts[uri], result.of(path), related_lines)

    def _publish_one(self, uri: str, version: int | None, text: str, findings: list[Finding],
                     related_lines: "_LineSource") -> None:
        lines = split_lines(text)
        diagnostics = [self.diagnostic(finding, lines, related_lines) for finding in findings]
        before = self.published.get(uri)
        self.published[uri] = Published(version, text, findings, diagnostics)
        if before is not None and before.version == version and before.diagnostics == diagnostics:
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- conversions

    def range(self, lines: list[str], row: int, column: int, end_row: int, end_column: int) -> types.Range:
        """1-based code-point positions -> an LSP range (an empty one widened to a character)."""
        start = self.position(lines, row, column)
        end = self.position(lines, end_row, end_column)
        if (end.line, end.character) <= (start.line, start.character):
            line = lines[start.line] if 0 <= start.line < len(lines) else ""
            column0 = from_units(line, start.character, self.encoding)
            end = types.Position(start.line, to_units(line, min(len(line), column0 + 1), self.encoding))
        return types.Range(start, end)

    def position(self, lines: list[str], row: int, column: int) -> types.Position:
        line = max(0, row - 1)
        text = lines[line] if line < len(lines) else ""
        return types.Position(line, to_units(text, column - 1, self.encoding))

    def diagnostic(self, finding: Finding, lines: list[str], related_lines: "_LineSource") -> types.Diagnostic:
        related = []
        for item in finding.related:
            location = related_lines.location(item.filename, item.cell)
            if location is None:
                continue
            uri, other_lines = location
            end = item.end_location or item.location
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri, self.range(other_lines, item.location.row, item.location.column,
                                                        end.row, end.column)),
                message=self.relative(item.message)))
        return types.Diagnostic(
            range=self.range(lines, finding.location.row, finding.location.column, finding.end_location.row,
                             finding.end_location.column),
            message=self.relative(finding.message),
            severity=SEVERITIES[finding.severity],
            code=finding.code,
            code_description=types.CodeDescription(href=finding.url),
            source="torchlint",
            related_information=related or None,
            data={"code": finding.code, "row": finding.location.row, "column": finding.location.column},
        )

    def relative(self, message: str) -> str:
        """A message naming files by their path in the workspace (`train.py:12`), as the command
        line run from the workspace names them, not by their absolute path."""
        for root in sorted(self.linter.roots, key=len, reverse=True):
            message = message.replace(root.rstrip(os.sep) + os.sep, "")
        return message

    def edit(self, text: str, start: int, end: int, new: str) -> types.TextEdit:
        """String indexes into `text` -> a TextEdit."""
        lines = split_lines(text)
        starts = line_starts(text)
        return types.TextEdit(range=types.Range(self._at(lines, starts, start), self._at(lines, starts, end)),
                              new_text=new)

    def _at(self, lines: list[str], starts: list[int], index: int) -> types.Position:
        import bisect

        line = max(0, bisect.bisect_right(starts, index) - 1)
        return types.Position(line, to_units(lines[line] if line < len(lines) else "", index - starts[line],
                                             self.encoding))

    def client_column(self, uri: str, position: types.Position) -> tuple[int, int, str] | None:
        """An LSP position in an open document -> (1-based row, 1-based code-point column, line)."""
        document = self.documents.texts.get(uri)
        if document is None:
            return None
        lines = split_lines(document.text)
        if not 0 <= position.line < len(lines):
            return None
        line = lines[position.line]
        return position.line + 1, from_units(line, position.character, self.encoding) + 1, line


class _LineSource:
    """The lines of a related location's file: an open buffer (a notebook's cell), else disk."""

    def __init__(self, snapshot: Snapshot, documents: Documents) -> None:
        self.snapshot = snapshot
        self.documents = documents
        self._disk: dict[str, list[str] | None] = {}

    def location(self, path: str, cell: int | None) -> tuple[str, list[str]] | None:
        uri = self.snapshot.uris.get(path)
        if uri is not None:
            notebook = self.documents.notebooks.get(uri)
            if notebook is not None:
                if cell is None or not 0 < cell <= len(notebook.cells):
                    return None
                cell_uri = notebook.cells[cell - 1].uri
                return cell_uri, split_lines(self.snapshot.texts.get(cell_uri, ""))
            return uri, split_lines(self.snapshot.texts.get(uri, ""))
        if cell is not None or not os.path.isabs(path):
            return None  # a cell of a notebook that is not open: no URI names it
        if path not in self._disk:
            from ..encoding import DecodeError, decode

            try:
                with open(path, "rb") as handle:
                    self._disk[path] = split_lines(decode(handle.read()))
            except (OSError, DecodeError):
                self._disk[path] = None
        lines = self._disk[path]
        return None if lines is None else (path_to_uri(path), lines)


server = TorchlintServer()


# --------------------------------------------------------------------------- lifecycle


@server.feature(types.INITIALIZE)
def initialize(ls: TorchlintServer, params: types.InitializeParams) -> None:
    roots = []
    for folder in params.workspace_folders or ():
        path = uri_to_path(folder.uri)
        if path is not None:
            roots.append(path)
    if not roots and params.root_uri:
        path = uri_to_path(params.root_uri)
        if path is not None:
            roots.append(path)
    if not roots and params.root_path:
        roots.append(os.path.abspath(params.root_path))
    ls.linter = WorkspaceLinter(roots, ls.linter.settings)
    ls.documents.root = roots[0] if roots else None
    ls.apply_settings(params.initialization_options)


@server.feature(types.INITIALIZED)
async def initialized(ls: TorchlintServer, params: types.InitializedParams) -> None:
    capabilities = ls.client_capabilities.workspace
    watched = capabilities.did_change_watched_files if capabilities is not None else None
    if watched is not None and watched.dynamic_registration:
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                types.Registration(
                    id="torchlint-watched-files",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]),
                )]))
            ls.watching = ls.linter.watching = True
        except Exception:  # the client refused: changes on disk are read at the next round
            log.info("file watching not registered")
    # Nothing to lint before a document opens: diagnostics go to open documents only.


@server.feature(types.SHUTDOWN)
def shutdown(ls: TorchlintServer, params: None) -> None:
    ls.shut_down = True


# --------------------------------------------------------------------------- documents


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TorchlintServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ls.documents.open(item.uri, item.language_id, item.version, item.text)
    ls.linter.invalidate_files()
    ls.schedule(0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TorchlintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.documents.change(params.text_document.uri, params.text_document.version, list(params.content_changes),
                        ls.encoding)
    ls.schedule()


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TorchlintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.linter.invalidate_files()  # a file saved under a new name, a pyproject.toml edited here
    ls.schedule(0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TorchlintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.documents.close(params.text_document.uri)
    ls.clear(params.text_document.uri)
    ls.schedule(0)  # the file is read from disk again: its importers may change


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
def did_open_notebook(ls: TorchlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
    notebook = params.notebook_document
    ls.documents.open_notebook(notebook.uri, notebook.version, list(notebook.cells), list(params.cell_text_documents))
    ls.schedule(0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
def did_change_notebook(ls: TorchlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
    before = ls.documents.notebooks.get(params.notebook_document.uri)
    cells_before = {cell.uri for cell in before.cells} if before is not None else set()
    ls.documents.change_notebook(params.notebook_document.uri, params.notebook_document.version, params.change,
                                 ls.encoding)
    after = ls.documents.notebooks.get(params.notebook_document.uri)
    for uri in cells_before - ({cell.uri for cell in after.cells} if after is not None else set()):
        ls.clear(uri)
    ls.schedule()


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
def did_save_notebook(ls: TorchlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
    ls.schedule(0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
def did_close_notebook(ls: TorchlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
    notebook = ls.documents.close_notebook(params.notebook_document.uri)
    for cell in notebook.cells if notebook is not None else ():
        ls.clear(cell.uri)
    ls.schedule(0)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: TorchlintServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.type != types.FileChangeType.Changed or not change.uri.endswith((".py", ".pyi", ".ipynb"))
           for change in params.changes):
        ls.linter.invalidate_files()  # created, deleted, or a pyproject.toml / .gitignore changed
    ls.schedule()


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_workspace_folders(ls: TorchlintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    removed = {uri_to_path(folder.uri) for folder in params.event.removed}
    roots = [root for root in ls.linter.roots if root not in removed]
    roots += [path for path in (uri_to_path(folder.uri) for folder in params.event.added)
              if path is not None and path not in roots]
    ls.linter.roots = roots
    ls.documents.root = roots[0] if roots else None
    ls.linter.invalidate_files()
    ls.schedule(0)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: TorchlintServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if not (isinstance(settings, dict) and settings):
        capabilities = ls.client_capabilities.workspace
        if capabilities is not None and capabilities.configuration:
            try:
                answer = await ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="torchlint")]))
                settings = answer[0] if answer else None
            except Exception:
                settings = None
    ls.apply_settings(settings)
    ls.linter.invalidate_files()
    ls.schedule(0)


# --------------------------------------------------------------------------- code actions


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
async def code_action(ls: TorchlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = ls.documents.texts.get(uri)
    published = ls.published.get(uri)
    if document is None or published is None or published.version != document.version:
        return []  # not linted as it stands: the next round's diagnostics will have actions
    only = params.context.only
    wanted = (lambda kind: True) if not only else (
        lambda kind: any(kind == prefix or kind.startswith(prefix + ".") for prefix in only))
    result: list[types.CodeAction] = []
    if wanted(types.CodeActionKind.QuickFix):
        start = (params.range.start.line, params.range.start.character)
        end = (params.range.end.line, params.range.end.character)
        for finding, diagnostic in zip(published.findings, published.diagnostics):
            span = diagnostic.range
            if (span.end.line, span.end.character) < start or end < (span.start.line, span.start.character):
                continue
            result += _finding_actions(ls, uri, document.text, finding, diagnostic)
    if wanted(FIX_ALL_KIND) and any(finding.fix is not None and finding.fix.applicability == "safe"
                                    for finding in published.findings):
        action = await _fix_all_action(ls, uri, document.text, document.version)
        if action is not None:
            result.append(action)
    return result


def _finding_actions(ls: TorchlintServer, uri: str, text: str, finding: Finding,
                     diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    found = []
    fix = finding.fix
    if fix is not None and (fix.applicability == "safe" or ls.unsafe_fixes):
        from ..fix import apply_fixes, remove_unused_imports

        safe = fix.applicability == "safe"
        fixed, applied = apply_fixes(text, [fix])
        fixed = remove_unused_imports(text, fixed)
        if applied:
            title = f"Fix {finding.code}: {fix.message}" + ("" if safe else " (unsafe fix: review the change)")
            found.append(types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], is_preferred=safe,
                edit=types.WorkspaceEdit(changes={uri: [ls.edit(text, *edit) for edit in
                                                        actions.line_edits(text, fixed)]})))
    noqa = actions.noqa_edit(text, finding.location.row, finding.code)
    if noqa is not None:
        found.append(types.CodeAction(
            title=f"Suppress {finding.code} on this line (# noqa: {finding.code})",
            kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            edit=types.WorkspaceEdit(changes={uri: [ls.edit(text, *noqa)]})))
    return found


async def _fix_all_action(ls: TorchlintServer, uri: str, text: str, version: int) -> types.CodeAction | None:
    path = uri_to_path(uri, ls.documents.root)
    if path is None:
        return None
    key = (uri, version)
    if key not in ls._fix_all:
        buffers = ls.documents.buffers()

        def lint(current: str) -> list[Finding]:
            return ls.linter.lint({**buffers, path: current}).of(path)

        if ls._worker is None:
            ls._worker = _Worker()
        ls._fix_all = {key: await ls._worker.submit(actions.fix_all, path, text, lint)}
    fixed, count = ls._fix_all.get(key, (text, 0))
    if count == 0 or fixed == text:
        return None
    noun = "fix" if count == 1 else "fixes"
    return types.CodeAction(
        title=f"Fix all safe torchlint findings in this file ({count} {noun})", kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: [ls.edit(text, *edit) for edit in actions.line_edits(text, fixed)]}))


# --------------------------------------------------------------------------- hover


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: TorchlintServer, params: types.HoverParams) -> types.Hover | None:
    where = ls.client_column(params.text_document.uri, params.position)
    if where is None:
        return None
    row, column, line = where
    code = actions.code_at(line, column - 1)
    if code is None:
        published = ls.published.get(params.text_document.uri)
        document = ls.documents.texts.get(params.text_document.uri)
        if published is None or document is None or published.version != document.version:
            return None
        hits = actions.findings_at(published.findings, row, column)
        if not hits:
            return None
        code = hits[0].code
    markdown = actions.rule_markdown(code)
    if markdown is None:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))


# --------------------------------------------------------------------------- main


def serve() -> int:
    """Speak LSP over stdin/stdout until `exit` (or the client goes): 0 after `shutdown`, else 1."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol stream
    logging.basicConfig(level=os.environ.get("TORCHLINT_SERVER_LOG", "WARNING").upper(), stream=sys.stderr,
                        format="torchlint server: %(levelname)s: %(message)s")
    server.start_io(stdin, stdout)
    return 0 if server.shut_down else 1
