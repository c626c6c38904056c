"""Issue #18 items 1 and 4: `torchlint server`, driven over stdio by a real LSP client.

Every test starts `python -m torchlint server` as a subprocess and talks to it with pygls'
own `LanguageClient` (JSON-RPC over the pipes, no handler called directly, nothing of the
protocol mocked): initialize, open buffers, wait for `textDocument/publishDiagnostics`, edit,
ask for code actions and hovers, apply the edits they return to the text, shut down.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

pytest.importorskip("pygls.lsp.client")

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


class Client(LanguageClient):
    """A test client: records every diagnostics notification, answers the server's requests."""

    def __init__(self) -> None:
        super().__init__("torchlint-tests", "1")
        self.diagnostics: dict[str, types.PublishDiagnosticsParams] = {}
        self.received: dict[str, int] = {}  # uri -> the number of the last notification for it
        self.count = 0
        self.messages: list[types.ShowMessageParams] = []
        self.registrations: list[types.Registration] = []
        self.configuration: Any = None
        self.returncode: int | None = None
        self.stderr = b""
        self._changed = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.count += 1
            self.diagnostics[params.uri] = params
            self.received[params.uri] = self.count
            self._changed.set()

        @self.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            self.registrations += list(params.registrations)

        @self.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [self.configuration for _ in params.items]

    async def server_exit(self, server: asyncio.subprocess.Process) -> None:
        self.returncode = server.returncode
        if server.stderr is not None:
            self.stderr = await server.stderr.read()

    def mark(self) -> int:
        """A point in the stream of notifications (for `wait_for(..., since=)`)."""
        return self.count

    async def wait_for(self, uri: str, check: Callable[[list[types.Diagnostic]], bool], after: int = -1,
                       since: int = -1) -> list[types.Diagnostic]:
        """The diagnostics of `uri` once a notification for it passes `check`: one for a version
        above `after`, received after the `mark()` `since`."""
        async def wait() -> list[types.Diagnostic]:
            while True:
                params = self.diagnostics.get(uri)
                if params is not None and (params.version is None or params.version > after) \
                        and self.received[uri] > since and check(list(params.diagnostics)):
                    return list(params.diagnostics)
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(wait(), TIMEOUT)
        except asyncio.TimeoutError:
            seen = self.diagnostics.get(uri)
            raise AssertionError(f"no matching diagnostics for {uri}; last: {seen}") from None

    # -- documents

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
        return uri

    def replace(self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """An incremental change (LSP positions: 0-based line, UTF-16 units)."""
        self.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(*start), types.Position(*end)), text=text)]))

    def set_text(self, uri: str, version: int, text: str) -> None:
        self.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        configuration=True,
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True,
                                                                         version_support=True),
        code_action=types.CodeActionClientCapabilities(code_action_literal_support=types.ClientCodeActionLiteralOptions(
            code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "source.fixAll"])))),
    notebook_document=types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities()),
)


def serve(root: Path, scenario: Callable[[Client], Awaitable[None]], options: Any = None,
          capabilities: types.ClientCapabilities = CAPABILITIES, command: list[str] | None = None) -> Client:
    """Start `torchlint server` (or `command`) in `root`, initialize it with `root` as the
    workspace, run `scenario`, then shut it down and exit; the client, with the exit code."""

    async def main() -> Client:
        client = Client()
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        argv = command or [sys.executable, "-m", "torchlint", "server"]
        await client.start_io(*argv, cwd=str(root), env=env)
        try:
            result = await asyncio.wait_for(client.initialize_async(types.InitializeParams(
                capabilities=capabilities, process_id=os.getpid(), root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=options)), TIMEOUT)
            client.server_info = result.server_info
            client.server_capabilities = result.capabilities
            client.initialized(types.InitializedParams())
            await asyncio.wait_for(scenario(client), 4 * TIMEOUT)
            await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
            client.exit(None)
            await asyncio.wait_for(client.stop(), TIMEOUT)
        finally:
            process = client._server  # the subprocess pygls started, if the test failed midway
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        return client

    return asyncio.run(main())


def project(tmp_path: Path, files: dict[str, str], pyproject: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n' + pyproject, encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply TextEdits as an LSP client does: positions in UTF-16 code units, last edit first."""
    lines = text.split("\n")

    def index(position: types.Position) -> int:
        start = sum(len(line) + 1 for line in lines[:position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = line.encode("utf-16-le", "surrogatepass")[:2 * position.character]
        return start + len(units.decode("utf-16-le", "surrogatepass"))

    spans = sorted(((index(edit.range.start), index(edit.range.end), edit.new_text) for edit in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


SOFTMAX_INTO_CE = """\
import torch.nn.functional as F


def step(model, x, y):
    logits = model(x)
    loss = F.cross_entropy(F.softmax(logits, dim=1), y)
    return loss
"""


# --------------------------------------------------------------------------- the lifecycle


def test_open_change_fix_shutdown(tmp_path: Path) -> None:
    """initialize, didOpen a buffer with a misuse (never saved: the file on disk is clean),
    diagnostics with code, severity, docs link, source and related information, didChange
    that fixes it, diagnostics cleared, shutdown, exit 0."""
    root = project(tmp_path, {"train.py": "x = 1\n"})
    path = root / "train.py"

    async def scenario(client: Client) -> None:
        uri = client.open(path, SOFTMAX_INTO_CE)
        diagnostics = await client.wait_for(uri, bool)
        (diagnostic,) = diagnostics
        assert diagnostic.code == "TL001"
        assert diagnostic.source == "torchlint"
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        assert diagnostic.code_description.href.endswith("/docs/rules/TL001.md")
        assert diagnostic.range == types.Range(types.Position(5, 27), types.Position(5, 51))  # F.softmax(...)
        assert "reaches F.cross_entropy" in diagnostic.message
        (related,) = diagnostic.related_information
        assert related.location.uri == uri
        assert related.location.range.start == types.Position(5, 11)  # the loss call
        assert "F.cross_entropy receives the probabilities here" in related.message
        # Delete "F.softmax(" and ", dim=1)": two incremental changes, the later one first.
        client.replace(uri, 2, (5, 43), (5, 51), "")
        client.replace(uri, 3, (5, 27), (5, 37), "")
        await client.wait_for(uri, lambda found: found == [], after=2)

    client = serve(root, scenario)
    assert client.server_info.name == "torchlint"
    assert client.returncode == 0, client.stderr.decode()
    assert path.read_text() == "x = 1\n"  # nothing written


def test_diagnostics_on_save_and_close(tmp_path: Path) -> None:
    root = project(tmp_path, {"train.py": SOFTMAX_INTO_CE})
    path = root / "train.py"

    async def scenario(client: Client) -> None:
        uri = client.open(path, SOFTMAX_INTO_CE)
        await client.wait_for(uri, lambda found: [d.code for d in found] == ["TL001"])
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        await client.wait_for(uri, lambda found: found == [])
        # Opened again, changed and saved: a round at once on save.
        uri = client.open(path, "x = 1\n", version=5)
        await client.wait_for(uri, lambda found: found == [], after=4)
        client.set_text(uri, 6, SOFTMAX_INTO_CE)
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        await client.wait_for(uri, lambda found: [d.code for d in found] == ["TL001"], after=5)

    assert serve(root, scenario).returncode == 0


# --------------------------------------------------------------------------- the whole project

MODEL = """\
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x)
"""

TRAIN = """\
import torch.nn as nn

from model import Net


def step(x, y):
    model = Net()
    criterion = nn.NLLLoss()
    return criterion(model(x), y)
"""


def test_editing_a_module_republishes_its_importers(tmp_path: Path) -> None:
    """model.py and train.py open: train.py's TL012 (raw scores into NLLLoss) points at the
    Linear in model.py; an unsaved edit of model.py (log_softmax) clears it, undoing it brings
    it back."""
    root = project(tmp_path, {"model.py": MODEL, "train.py": TRAIN})

    async def scenario(client: Client) -> None:
        model = client.open(root / "model.py", MODEL)
        train = client.open(root / "train.py", TRAIN)
        (diagnostic,) = await client.wait_for(train, bool)
        assert diagnostic.code == "TL012"
        assert diagnostic.range.start == types.Position(8, 11)
        assert "nn.NLLLoss receives raw scores from nn.Linear" in diagnostic.message
        (related,) = diagnostic.related_information
        assert related.location.uri == model
        assert related.location.range.start == types.Position(10, 15)  # self.fc(x) in forward
        assert await client.wait_for(model, lambda found: True) == []
        mark = client.mark()
        client.replace(model, 2, (10, 15), (10, 25), "F.log_softmax(self.fc(x), dim=1)")
        await client.wait_for(train, lambda found: found == [], since=mark)
        mark = client.mark()
        client.replace(model, 3, (10, 15), (10, 47), "self.fc(x)")
        await client.wait_for(train, lambda found: [d.code for d in found] == ["TL012"], since=mark)
        assert (root / "model.py").read_text() == MODEL

    assert serve(root, scenario).returncode == 0


def test_a_closed_importer_on_disk_reports_in_the_open_module(tmp_path: Path) -> None:
    """Only model.py is open; train.py, on disk, feeds its softmax to CrossEntropyLoss: the
    finding is on model.py's softmax, its other end the loss line of train.py."""
    softmax_model = MODEL.replace("return self.fc(x)", "return F.softmax(self.fc(x), dim=1)")
    train = TRAIN.replace("NLLLoss", "CrossEntropyLoss")
    root = project(tmp_path, {"model.py": MODEL, "train.py": train})

    async def scenario(client: Client) -> None:
        uri = client.open(root / "model.py", MODEL)
        assert await client.wait_for(uri, lambda found: True) == []
        client.set_text(uri, 2, softmax_model)
        (diagnostic,) = await client.wait_for(uri, bool, after=1)
        assert diagnostic.code == "TL001"
        assert "reaches nn.CrossEntropyLoss at train.py:9" in diagnostic.message  # workspace-relative
        (related,) = diagnostic.related_information
        assert related.location.uri == (root / "train.py").as_uri()
        assert related.location.range.start == types.Position(8, 11)

    assert serve(root, scenario).returncode == 0


# --------------------------------------------------------------------------- code actions


def _actions(client: Client, uri: str, diagnostic: types.Diagnostic, only: list[str] | None = None):
    return client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only)))


def test_code_actions_fix_noqa_and_fix_all(tmp_path: Path) -> None:
    from torchlint.fix import fix_sources

    source = SOFTMAX_INTO_CE + textwrap.dedent("""\


        def other(model, x, y):
            probs = F.softmax(model(x), dim=-1)
            return F.cross_entropy(probs, y)
        """)
    root = project(tmp_path, {"train.py": "x = 1\n"})
    seen: dict[str, Any] = {}

    async def scenario(client: Client) -> None:
        uri = client.open(root / "train.py", source)
        diagnostics = await client.wait_for(uri, lambda found: len(found) == 2)
        first = diagnostics[0]
        actions = await _actions(client, uri, first)
        titles = [action.title for action in actions]
        fix = next(action for action in actions if action.title.startswith("Fix TL001"))
        assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
        assert "unsafe" not in fix.title
        fixed = apply_edits(source, fix.edit.changes[uri])
        assert "loss = F.cross_entropy(logits, y)" in fixed
        noqa = next(action for action in actions if "noqa" in action.title)
        assert noqa.title == "Suppress TL001 on this line (# noqa: TL001)"
        silenced = apply_edits(source, noqa.edit.changes[uri])
        assert silenced.splitlines()[5] == "    loss = F.cross_entropy(F.softmax(logits, dim=1), y)  # noqa: TL001"
        everything = await _actions(client, uri, first, only=[types.CodeActionKind.SourceFixAll])
        (fix_all,) = everything
        assert fix_all.kind == "source.fixAll.torchlint"
        seen["fix_all"] = apply_edits(source, fix_all.edit.changes[uri])
        seen["titles"] = titles
        # The suppression, applied, silences the finding.
        client.set_text(uri, 2, silenced)
        await client.wait_for(uri, lambda found: [d.range.start.line for d in found] == [10], after=1)

    assert serve(root, scenario).returncode == 0
    expected, count = fix_sources({"train.py": source})
    assert count == 2
    assert seen["fix_all"] == expected["train.py"]  # what `torchlint check --fix` writes


def test_unsafe_fix_is_labelled_or_hidden(tmp_path: Path) -> None:
    """A softmax in a model's forward: its fix is unsafe, offered labelled so (not preferred,
    not in fix-all); with `unsafeFixes: false` it is not offered."""
    softmax_model = MODEL.replace("return self.fc(x)", "return F.softmax(self.fc(x), dim=1)")
    train = TRAIN.replace("NLLLoss", "CrossEntropyLoss")
    root = project(tmp_path, {"model.py": softmax_model, "train.py": train})

    def scenario(expect_unsafe: bool):
        async def run(client: Client) -> None:
            uri = client.open(root / "model.py", softmax_model)
            (diagnostic,) = await client.wait_for(uri, bool)
            actions = await _actions(client, uri, diagnostic)
            fixes = [action for action in actions if action.title.startswith("Fix TL001")]
            if expect_unsafe:
                (fix,) = fixes
                assert fix.title.endswith("(unsafe fix: review the change)") and not fix.is_preferred
                assert "return self.fc(x)" in apply_edits(softmax_model, fix.edit.changes[uri])
            else:
                assert fixes == []
            assert not [action for action in actions if action.kind == "source.fixAll.torchlint"]
        return run

    assert serve(root, scenario(True)).returncode == 0
    assert serve(root, scenario(False), options={"torchlint": {"unsafeFixes": False}}).returncode == 0


def test_utf16_positions_with_non_ascii_text(tmp_path: Path) -> None:
    """Characters outside the BMP count two UTF-16 units: ranges, related locations, edits
    (the server's and the client's) all agree on them."""
    source = SOFTMAX_INTO_CE.replace("    loss = F.cross_entropy",
                                     "    é = '😀'; loss = F.cross_entropy")
    root = project(tmp_path, {"train.py": "x = 1\n"})

    async def scenario(client: Client) -> None:
        uri = client.open(root / "train.py", source)
        (diagnostic,) = await client.wait_for(uri, bool)
        line = source.splitlines()[5]
        prefix = line[:line.index("F.softmax")]
        assert diagnostic.range.start == types.Position(5, len(prefix) + 1)  # 😀 is two units
        assert diagnostic.related_information[0].location.range.start.character == \
            len(line[:line.index("F.cross_entropy")]) + 1
        (fix,) = [action for action in await _actions(client, uri, diagnostic) if action.title.startswith("Fix TL001")]
        fixed = apply_edits(source, fix.edit.changes[uri])
        assert fixed.splitlines()[5] == "    é = '😀'; loss = F.cross_entropy(logits, y)"
        # An incremental edit after the emoji, in UTF-16 units: insert a comment at the end.
        end = len(line.encode("utf-16-le")) // 2
        client.replace(uri, 2, (5, end), (5, end), "  # noqa: TL001")
        await client.wait_for(uri, lambda found: found == [], after=1)
        (hover_line,) = [i for i, text in enumerate(source.splitlines()) if "😀" in text]
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri), position=types.Position(hover_line, end + 12)))
        assert hover is not None and "softmax-before-cross-entropy" in hover.contents.value

    assert serve(root, scenario).returncode == 0


def test_hover_on_a_finding_and_on_a_noqa_code(tmp_path: Path) -> None:
    source = SOFTMAX_INTO_CE + "z = 1  # noqa: TL002, TL001\n"
    root = project(tmp_path, {"train.py": "x = 1\n"})

    async def scenario(client: Client) -> None:
        uri = client.open(root / "train.py", source)
        (diagnostic,) = await client.wait_for(uri, bool)

        async def hover(line: int, character: int):
            return await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri), position=types.Position(line, character)))

        on_finding = await hover(5, 30)
        assert on_finding.contents.kind == types.MarkupKind.Markdown
        text = on_finding.contents.value
        assert text.startswith("**TL001** `softmax-before-cross-entropy` · error")
        assert "Softmax output is passed as the input of CrossEntropyLoss" in text
        assert "**Fix safety.**" in text and "docs/rules/TL001.md" in text
        noqa_line = len(source.splitlines()) - 1
        tl002 = await hover(noqa_line, source.splitlines()[-1].index("TL002") + 2)
        assert "`softmax-implicit-dim`" in tl002.contents.value
        assert await hover(noqa_line, 0) is None  # `z`: nothing there
        assert await hover(0, 3) is None

    assert serve(root, scenario).returncode == 0


# --------------------------------------------------------------------------- configuration


def test_pyproject_configuration_read_again_when_it_changes(tmp_path: Path) -> None:
    root = project(tmp_path, {"train.py": SOFTMAX_INTO_CE}, '\n[tool.torchlint]\nignore = ["TL001"]\n')

    async def scenario(client: Client) -> None:
        uri = client.open(root / "train.py", SOFTMAX_INTO_CE)
        assert await client.wait_for(uri, lambda found: True) == []
        assert any(registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                   for registration in client.registrations)
        (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.torchlint]\n', encoding="utf-8")
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]))
        await client.wait_for(uri, lambda found: [d.code for d in found] == ["TL001"])
        # An invalid configuration: said once, and the defaults apply.
        (root / "pyproject.toml").write_text('[tool.torchlint]\nselect = ["XX9"]\n', encoding="utf-8")
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]))
        for _ in range(200):
            if client.messages:
                break
            await asyncio.sleep(0.05)
        assert "unknown rule code or prefix 'XX9'" in client.messages[0].message

    assert serve(root, scenario).returncode == 0


def test_client_settings_select_and_ignore(tmp_path: Path) -> None:
    root = project(tmp_path, {"train.py": "x = 1\n"})
    source = SOFTMAX_INTO_CE + "\n\ndef f(x):\n    return F.softmax(x)\n"  # TL001 and TL002

    async def scenario(client: Client) -> None:
        uri = client.open(root / "train.py", source)
        assert [d.code for d in await client.wait_for(uri, bool)] == ["TL002"]
        # Pushed settings...
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"torchlint": {"ignore": [], "select": ["TL001"]}}))
        await client.wait_for(uri, lambda found: [d.code for d in found] == ["TL001"])
        # ... or pulled (workspace/configuration) when the notification carries none.
        client.configuration = {"select": ["TL"], "ignore": []}
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await client.wait_for(uri, lambda found: sorted(d.code for d in found) == ["TL001", "TL002"])

    assert serve(root, scenario, options={"torchlint": {"ignore": ["TL001"]}}).returncode == 0


# --------------------------------------------------------------------------- notebooks


def test_notebook_cells_get_their_own_diagnostics(tmp_path: Path) -> None:
    """Notebook document sync: a markdown cell, a cell making probabilities, a cell feeding
    them to the loss; the finding is on the second cell, its other end on the third."""
    root = project(tmp_path, {})
    notebook_uri = (root / "analysis.ipynb").as_uri()
    cells = [
        ("# Training", types.NotebookCellKind.Markup, "markdown"),
        ("import torch.nn.functional as F\nprobs = F.softmax(logits, dim=1)\n", types.NotebookCellKind.Code, "python"),
        ("%matplotlib inline\nloss = F.cross_entropy(probs, y)\n", types.NotebookCellKind.Code, "python"),
    ]
    cell_uris = [f"vscode-notebook-cell:{root / 'analysis.ipynb'}#cell{i}" for i in range(len(cells))]

    async def scenario(client: Client) -> None:
        assert client.server_capabilities.notebook_document_sync is not None
        client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri, notebook_type="jupyter-notebook", version=1,
                cells=[types.NotebookCell(kind=kind, document=uri) for (_, kind, _), uri in zip(cells, cell_uris)]),
            cell_text_documents=[types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
                                 for (text, _, language), uri in zip(cells, cell_uris)]))
        (diagnostic,) = await client.wait_for(cell_uris[1], bool)
        assert diagnostic.code == "TL001"
        assert diagnostic.range.start == types.Position(1, 8)
        (related,) = diagnostic.related_information
        assert related.location.uri == cell_uris[2]
        assert related.location.range.start == types.Position(1, 7)
        assert await client.wait_for(cell_uris[2], lambda found: True) == []
        # Edit the third cell: the loss takes logits now, the second cell's finding goes.
        client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
                types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                    changes=[types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(1, 23), types.Position(1, 28)), text="logits")])]))))
        await client.wait_for(cell_uris[1], lambda found: found == [])

    assert serve(root, scenario).returncode == 0


# --------------------------------------------------------------------------- without pygls


def test_without_pygls_one_line_and_exit_2(tmp_path: Path) -> None:
    """`pip install torchlint` without the extra: `torchlint server` says what to install."""
    blocker = textwrap.dedent("""\
        import sys
        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pygls", "lsprotocol"):
                    raise ModuleNotFoundError(f"No module named {name!r}")
        sys.meta_path.insert(0, Hide())
        from torchlint.cli import main
        sys.exit(main(["server"]))
        """)
    result = subprocess.run([sys.executable, "-c", blocker], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ('torchlint: error: `torchlint server` needs pygls 2 and lsprotocol: '
                             'pip install "torchlint[server]"\n')


# --------------------------------------------------------------------------- the parts without LSP


def test_statement_positions_equal_libcst_positions() -> None:
    """positions.py gives every node the position LibCST's whole-module provider gives it."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    from torchlint.parsing import ParsedModule, parse_source
    from torchlint.server.positions import server_module

    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "fixtures").rglob("*.py"))]
    texts += [(ROOT / "torchlint" / "rules" / "_fixes.py").read_text(encoding="utf-8")]
    texts += [
        "# header\n\n# more\nimport torch\r\nx = 1\r\n\r\ndef f(a):\r\n    return a\r\n# footer\r\n",
        "x = 1\ry = 2\r\rdef g():\r    pass\r",
        "\fx = 'é😀'; y = x\n\f\nclass A:\n\tdef m(self):\n\t\treturn (1,\n\t\t\t2)\n# trailing",
        "@dec\n@dec2(1)\ndef f():  # c\n    '''doc\n    more'''\n    x = \\\n      3\n\n\n# end\n\n",
        "", "# only a comment", "if x:\n    pass\nelse:\n    pass\n    # in block\n# after\nz = f'{a!r:>{w}}'\n",
    ]
    texts += [texts[0].replace("\n", "\n\n", 3)]  # the same statements moved down: remembered positions
    checked = 0
    for text in texts:
        parsed = parse_source("t.py", text)
        assert isinstance(parsed, ParsedModule)
        fast = server_module(parsed)
        for node, code_range in MetadataWrapper(parsed.module, unsafe_skip_copy=True).resolve(PositionProvider).items():
            expected = (code_range.start.line, code_range.start.column + 1, code_range.end.line,
                        code_range.end.column + 1)
            assert fast.position_of(node) == expected, (text[:60], type(node).__name__)
            checked += 1
    assert checked > 10_000


def test_a_round_after_an_edit_reanalyses_the_file_and_its_importers(tmp_path: Path) -> None:
    from torchlint.server.linter import WorkspaceLinter

    root = project(tmp_path, {"model.py": MODEL, "train.py": TRAIN, "other.py": "import os\n"})
    linter = WorkspaceLinter([str(root)])
    first = linter.lint({})
    assert [f.code for f in first.of(str(root / "train.py"))] == ["TL012"]
    assert sorted(os.path.basename(path) for path in first.analysed) == ["model.py", "other.py", "train.py"]
    again = linter.lint({})
    assert again.analysed == [] and again.findings == first.findings
    edited = linter.lint({str(root / "model.py"): MODEL.replace("return self.fc(x)",
                                                                "return F.log_softmax(self.fc(x), dim=1)")})
    assert sorted(os.path.basename(path) for path in edited.analysed) == ["model.py", "train.py"]
    assert edited.of(str(root / "train.py")) == []


def test_noqa_edits() -> None:
    from torchlint.server.actions import noqa_edit

    def apply(text: str, row: int, code: str = "TL001") -> str | None:
        edit = noqa_edit(text, row, code)
        return None if edit is None else text[:edit[0]] + edit[2] + text[edit[1]:]

    assert apply("x = f(y)   \n", 1) == "x = f(y)  # noqa: TL001\n"
    assert apply("x = f(y)  # noqa: TL002\n", 1) == "x = f(y)  # noqa: TL002, TL001\n"
    assert apply("x = f(y)  # why # NOQA:TL002 tl003\n", 1) == "x = f(y)  # why # NOQA:TL002 tl003, TL001\n"
    assert apply("x = f(y)  # noqa: TL001\n", 1) is None  # already silenced
    assert apply("x = f(y)  # noqa\n", 1) is None
    assert apply("x = f(y)  # a note\n", 1) == "x = f(y)  # a note  # noqa: TL001\n"
    assert apply("x = f(y, '#')\n", 1) == "x = f(y, '#')  # noqa: TL001\n"
    assert apply("x = f(y) + \\\n    1\n", 1) is None  # a comment cannot follow a continuation
    assert apply('x = f(y) + """\nmore"""\n', 1) is None  # the line ends inside a string
    assert apply("x = f(\n    y)\r\n", 1) == "x = f(  # noqa: TL001\n    y)\r\n"


@pytest.mark.parametrize("encodings, expected", [
    (["utf-8", "utf-32", "utf-16"], "utf-8"),  # Helix's order
    (["utf-32", "utf-8", "utf-16"], "utf-32"),  # eglot's
    (["utf-16"], "utf-16"),  # Neovim's, VS Code's
])
def test_negotiated_position_encodings(tmp_path: Path, encodings: list[str], expected: str) -> None:
    """Positions in whatever encoding the client and server agree on (LSP 3.17)."""
    source = SOFTMAX_INTO_CE.replace("    loss = F.cross_entropy", "    é = '😀'; loss = F.cross_entropy")
    root = project(tmp_path, {"train.py": "x = 1\n"})
    line = source.splitlines()[5]
    prefix = line[:line.index("F.softmax")]
    width = {"utf-8": len(prefix.encode("utf-8")), "utf-32": len(prefix),
             "utf-16": len(prefix.encode("utf-16-le")) // 2}[expected]
    capabilities = types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=encodings))

    async def scenario(client: Client) -> None:
        assert client.server_capabilities.position_encoding == expected
        uri = client.open(root / "train.py", source)
        (diagnostic,) = await client.wait_for(uri, bool)
        assert diagnostic.range.start == types.Position(5, width)

    assert serve(root, scenario, capabilities=capabilities).returncode == 0


# --------------------------------------------------------------------------- the README's editors


def _readme_editors() -> dict[str, tuple[list[str], Any, list[str]]]:
    """Editor -> (command line, initialization options, position encodings it offers), read
    from the README's "In the editor" snippets."""
    import re
    import tomllib

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## In the editor"):text.index("## flake8")]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL)
    found: dict[str, tuple[list[str], Any, list[str]]] = {}
    for language, body in blocks:
        if language == "json":
            settings = json.loads(body)
            found["VS Code"] = ([settings["glspc.server.command"], *settings["glspc.server.commandArguments"]],
                                settings["glspc.server.initializationOptions"], ["utf-16"])
            assert settings["glspc.server.languageId"] == ["python"]
        elif language == "lua":
            (cmd,) = re.findall(r"cmd = \{ (.*?) \}", body)
            name = "Neovim " + ("vim.lsp.config" if "vim.lsp.config" in body else
                                "vim.lsp.start" if "vim.lsp.start" in body else "lspconfig")
            options = ({"torchlint": {"ignore": []}} if "init_options = { torchlint = { ignore = {} } }" in body
                       else None)
            found[name] = (json.loads(f"[{cmd}]"), options, ["utf-16"])
        elif language == "toml":
            config = tomllib.loads(body)
            server = config["language-server"]["torchlint"]
            assert "torchlint" in config["language"][0]["language-servers"]
            found["Helix"] = ([server["command"], *server["args"]], server["config"], ["utf-8", "utf-32", "utf-16"])
        elif language == "elisp":
            (contact,) = re.findall(
                r'\. \(("torchlint" "server") :initializationOptions \(:torchlint \(:ignore \[\]\)\)\)', body)
            found["Emacs eglot"] = (contact.replace('"', "").split(), {"torchlint": {"ignore": []}},
                                    ["utf-32", "utf-8", "utf-16"])
    return found


EDITORS = _readme_editors()


def test_the_readme_names_every_editor() -> None:
    assert sorted(EDITORS) == ["Emacs eglot", "Helix", "Neovim lspconfig", "Neovim vim.lsp.config",
                               "Neovim vim.lsp.start", "VS Code"]
    assert all(command == ["torchlint", "server"] for command, _, _ in EDITORS.values())


@pytest.mark.parametrize("editor", sorted(EDITORS))
def test_readme_snippet_against_the_server(tmp_path: Path, editor: str) -> None:
    """Each README snippet's command line, run as the editor runs it (the `torchlint` script on
    PATH), with its initialization options and the position encodings that editor offers."""
    import shutil

    command, options, encodings = EDITORS[editor]
    scripts = os.path.dirname(sys.executable)
    executable = shutil.which(command[0], path=scripts + os.pathsep + os.environ.get("PATH", ""))
    assert executable is not None, f"{command[0]} is not installed beside {sys.executable}"
    root = project(tmp_path, {"train.py": "x = 1\n"})
    capabilities = types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=encodings))

    async def scenario(client: Client) -> None:
        assert client.server_capabilities.position_encoding == encodings[0]
        uri = client.open(root / "train.py", SOFTMAX_INTO_CE)
        (diagnostic,) = await client.wait_for(uri, bool)
        assert diagnostic.code == "TL001" and diagnostic.related_information

    assert serve(root, scenario, options=options, capabilities=capabilities,
                 command=[executable, *command[1:]]).returncode == 0


def test_spliced_parse_equals_a_full_parse() -> None:
    """trees.splice, after random edits of every fixture: the same tree as LibCST's full parse
    (deep_equals), the same code, and the statements' codes it carries over are theirs."""
    import ast
    import random

    import libcst as cst

    from torchlint.parsing import ParsedModule, parse_source
    from torchlint.server.positions import server_module
    from torchlint.server.trees import splice

    rng = random.Random(18)
    spliced = fell_back = 0
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        parsed = parse_source(str(path), path.read_text(encoding="utf-8"))
        assert isinstance(parsed, ParsedModule)
        current = server_module(parsed)
        for _ in range(12):
            lines = current.text.split("\n")
            row = rng.randrange(len(lines))
            kind = rng.randrange(6)
            if kind == 0:
                lines.insert(row, rng.choice(["", "# a note", "    # an indented note", "x = 1"]))
            elif kind == 1 and len(lines) > 2:
                del lines[row]
            elif kind == 2:
                lines[row] += "  # edited"
            elif kind == 3:
                lines.insert(row, lines[row])
            else:
                column = rng.randrange(len(lines[row]) + 1)
                inserted = rng.choice(["x", " ", "(", ")", ":", "'", "1", "\t"])
                lines[row] = lines[row][:column] + inserted + lines[row][column:]
            text = "\n".join(lines)
            try:
                ast.parse(text)
                full = cst.parse_module(text)
            except (SyntaxError, cst.ParserSyntaxError):
                continue
            result = splice(current, text)
            if result is None:
                fell_back += 1
                current = server_module(ParsedModule(str(path), full, text))
                continue
            module, codes = result
            assert module.code == text
            assert module.deep_equals(full), (path.name, kind, row)
            assert [code for code in codes if code is not None] == [
                module.code_for_node(statement) for statement, code in zip(module.body, codes) if code is not None]
            spliced += 1
            current = server_module(ParsedModule(str(path), module, text), codes)
    assert spliced > 40 and fell_back > 0


def test_untitled_buffer_and_a_second_workspace_folder(tmp_path: Path) -> None:
    """A buffer never saved (`untitled:`) is linted with the workspace's configuration; a
    workspace folder added later is part of the project."""
    root = project(tmp_path / "one", {"a.py": "x = 1\n"})
    other = project(tmp_path / "two", {"train.py": SOFTMAX_INTO_CE})

    async def scenario(client: Client) -> None:
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri="untitled:Untitled-1", language_id="python", version=1, text=SOFTMAX_INTO_CE)))
        assert [d.code for d in await client.wait_for("untitled:Untitled-1", bool)] == ["TL001"]
        client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=other.as_uri(), name="two")], removed=[])))
        uri = client.open(other / "train.py", SOFTMAX_INTO_CE)
        assert [d.code for d in await client.wait_for(uri, bool)] == ["TL001"]

    assert serve(root, scenario).returncode == 0
