"""How long after an edit does `torchlint server` publish diagnostics? (issue #18)

    python bench/lsp_latency.py [--edits 60] [--debounce 0] [--files 6] [--json]

Generates a project of about 5,000 lines in a temporary directory (`--files` model modules of
20 residual blocks and a classifier each, `--files` training modules that import them; the
first model returns softmax probabilities that its training module feeds to
CrossEntropyLoss, so that file has a TL001 finding whose other end is in the other file),
starts `python -m torchlint server` and talks to it over stdio with pygls' LanguageClient,
as an editor would:

1. initialize with the project as the workspace, open the first model and training modules;
   the first round lints the whole workspace (reported as "first round");
2. warm-up: `--warmup` edits, not counted;
3. `--edits` edits, alternately in the model module (a line of a block's forward changed:
   the module and the training module that imports it are analysed again) and in the
   training module (a line of a training step changed: that module alone). Each edit is one
   incremental `didChange`; its latency is the time from sending it to receiving the
   `publishDiagnostics` of that document's new version.

The server's debounce is set to `--debounce` ms (default 0: the figure is the server's own
work, protocol included; an editor adds the debounce, 150 ms by default, on top). Prints
p50 / p95 / max per kind of edit and over all edits, and the server process's CPU time per
edit (from /proc: on a machine shared with other work, wall-clock latency grows with the load
average, CPU time much less), with the load average at the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODEL_BLOCK = '''
class Block{i}(nn.Module):
    """Residual block {i}: pre-norm MLP."""

    def __init__(self, width: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width * 4)
        self.fc2 = nn.Linear(width * 4, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(x)
        h = F.gelu(self.fc1(h))
        h = self.drop(self.fc2(h))
        return x + h


def init_block{i}(module: nn.Module, scale: float = 0.02) -> None:
    for name, param in module.named_parameters():
        if param.dim() > 1:
            nn.init.normal_(param, std=scale)
        else:
            nn.init.zeros_(param)
'''

CLASSIFIER = '''
class Classifier{m}(nn.Module):
    """Stack of blocks and a head; forward returns {what}."""

    def __init__(self, in_features: int = 64, width: int = 128, num_classes: int = 10) -> None:
        super().__init__()
        self.embed = nn.Linear(in_features, width)
        self.blocks = nn.ModuleList([Block0(width), Block1(width), Block2(width)])
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        for block in self.blocks:
            h = block(h)
        logits = self.head(h)
        return {ret}
'''

TRAIN_STEP = '''

def train_step{i}(model, batch, optimizer, criterion):
    inputs, targets = batch
    optimizer.zero_grad()
    outputs = model(inputs)
    loss = criterion(outputs, targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate{i}(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            total += targets.numel()
    return correct / max(total, 1)
'''

FIT = '''

def fit{m}(loader, epochs: int = 3):
    model = Classifier{m}()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for batch in loader:
            train_step0(model, batch, optimizer, criterion)
    return model
'''


def generate(root: Path, files: int = 6, blocks: int = 20, steps: int = 16) -> int:
    """Write the project; returns its number of lines."""
    package = root / "proj"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n\n[tool.torchlint]\n')
    (package / "__init__.py").write_text("")
    for m in range(files):
        header = ('"""Models, generated for the latency benchmark."""\n\n'
                  "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n")
        ret = "F.softmax(logits, dim=-1)" if m == 0 else "logits"
        model = header + "".join(MODEL_BLOCK.format(i=i) for i in range(blocks)) + CLASSIFIER.format(
            m=m, what="probabilities" if m == 0 else "logits", ret=ret)
        (package / f"models_{m}.py").write_text(model)
        train = (f'"""Training loop for models_{m}, generated for the latency benchmark."""\n\nimport torch\n'
                 f'import torch.nn as nn\n\nfrom .models_{m} import Classifier{m}\n'
                 + "".join(TRAIN_STEP.format(i=i) for i in range(steps)) + FIT.format(m=m))
        (package / f"train_{m}.py").write_text(train)
    return sum(path.read_text().count("\n") for path in package.iterdir())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def measure(args: argparse.Namespace, root: Path) -> dict:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("lsp-latency", "1")
    arrived: dict[tuple[str, int], float] = {}
    findings: dict[str, list] = {}
    event = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        arrived[(params.uri, params.version or 0)] = time.perf_counter()
        findings[params.uri] = [d.code for d in params.diagnostics]
        event.set()

    async def published(uri: str, version: int) -> float:
        while (uri, version) not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), 120)
        return arrived[(uri, version)]

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    await client.start_io(sys.executable, "-m", "torchlint", "server", cwd=str(root), env=env)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), process_id=os.getpid(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="proj")],
        initialization_options={"torchlint": {"debounce": args.debounce}}))
    client.initialized(types.InitializedParams())
    documents = {}
    started = time.perf_counter()
    for name in ("models_0.py", "train_0.py"):
        path = root / "proj" / name
        uri = path.as_uri()
        text = path.read_text()
        documents[name] = {"uri": uri, "text": text, "version": 1}
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    for document in documents.values():
        await published(document["uri"], 1)
    first_round = time.perf_counter() - started

    # The lines edited: one in a block's forward (the model), one in a training step.
    targets = {"models_0.py": "        h = self.drop(self.fc2(h))",
               "train_0.py": "    loss = criterion(outputs, targets)"}
    latencies: dict[str, list[float]] = {"models_0.py": [], "train_0.py": []}
    cpu: dict[str, list[float]] = {"models_0.py": [], "train_0.py": []}
    process = getattr(client, "_server", None)  # the server subprocess pygls started
    for number in range(args.warmup + args.edits):
        name = ("models_0.py", "train_0.py")[number % 2]
        document = documents[name]
        lines = document["text"].split("\n")
        row = lines.index(targets[name]) if number < 2 else document["row"]
        document["row"] = row
        old = lines[row]
        new = targets[name] + f"  # edit {number}"
        document["version"] += 1
        lines[row] = new
        document["text"] = "\n".join(lines)
        cpu_before = cpu_seconds(process)
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=document["uri"], version=document["version"]),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(row, 0), types.Position(row, len(old))), text=new)]))
        received = await published(document["uri"], document["version"])
        cpu_after = cpu_seconds(process)
        if number >= args.warmup:
            latencies[name].append((received - sent) * 1000)
            if cpu_before is not None and cpu_after is not None:
                cpu[name].append((cpu_after - cpu_before) * 1000)
    codes = {uri.rsplit("/", 1)[-1]: found for uri, found in findings.items()}
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    def summary(values: list[float]) -> dict:
        if not values:
            return {}
        return {"n": len(values), "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 0.95), 1), "max_ms": round(max(values), 1)}

    groups = (("model module", "models_0.py"), ("training module", "train_0.py"))
    result = {"first_round_s": round(first_round, 3), "findings": codes,
              "edits": {label: summary(latencies[name]) for label, name in groups},
              "server_cpu": {label: summary(cpu[name]) for label, name in groups}}
    result["edits"]["all"] = summary(latencies["models_0.py"] + latencies["train_0.py"])
    result["server_cpu"]["all"] = summary(cpu["models_0.py"] + cpu["train_0.py"])
    return result


def cpu_seconds(process) -> float | None:
    """User + system CPU time of the server process so far (Linux /proc), or None."""
    try:
        with open(f"/proc/{process.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=6)
    parser.add_argument("--debounce", type=float, default=0, help="the server's debounce, ms (default 0)")
    parser.add_argument("--files", type=int, default=6, help="model modules (as many training modules)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        lines = generate(root, args.files)
        result = asyncio.run(measure(args, root))
    result = {"lines": lines, "files": 2 * args.files + 1, "debounce_ms": args.debounce,
              "python": platform.python_version(), "cpus": os.cpu_count(),
              "load_average": [round(value, 1) for value in os.getloadavg()], **result}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['lines']} lines in {result['files']} files, debounce {args.debounce:g} ms, "
          f"Python {result['python']}, {result['cpus']} CPUs, load average {result['load_average']}")
    print(f"first round (whole workspace, cold): {result['first_round_s']:.2f} s; findings: {result['findings']}")
    print("| edit in | edits | latency p50 | p95 | max | server CPU p50 | p95 |")
    print("|---|---|---|---|---|---|---|")
    for label, row in result["edits"].items():
        cpu = result["server_cpu"].get(label) or {"p50_ms": float("nan"), "p95_ms": float("nan")}
        print(f"| {label} | {row['n']} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | {row['max_ms']:.0f} ms "
              f"| {cpu['p50_ms']:.0f} ms | {cpu['p95_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
