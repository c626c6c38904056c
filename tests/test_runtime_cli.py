"""`torchlint run` and `--runtime-report` on real torch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torchlint.cli import main  # noqa: E402
from torchlint.runtime.errors import TorchlintWarning  # noqa: E402

TORCHLINT = Path(sys.executable).parent / "torchlint"

TRAIN = textwrap.dedent(
    """\
    import sys

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = getattr(F, "nll" + "_loss")  # dynamic: static analysis cannot see it
    for step in range(3):
        x, y = torch.randn(32, 8), torch.randint(0, 4, (32,))
        probs = F.softmax(model(x), dim=1)
        loss = F.cross_entropy(probs, y) + criterion(torch.softmax(model(x), 1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print("args:", sys.argv[1:])
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
    """
)
CLEAN = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F

    logits = torch.randn(8, 3, requires_grad=True)
    F.cross_entropy(logits, torch.randint(0, 3, (8,))).backward()
    """
)


@pytest.fixture
def script(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def write(text, name="train.py"):
        (tmp_path / name).write_text(text)
        return name

    return write


def run(*argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        return main(list(argv))


def test_run_subprocess_end_to_end(script):
    name = script(TRAIN)
    result = subprocess.run([str(TORCHLINT), "run", name, "--not-ours", "x"], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "args: ['--not-ours', 'x']" in result.stdout
    assert "train.py:13:13: TL001" in result.stdout
    assert "TL004" in result.stdout
    assert result.stdout.count(": TL001 ") == 1 and result.stdout.count(": TL004 ") == 1
    assert "TorchlintWarning" not in result.stderr  # each finding is printed once: in the report


LONG_TRAINING = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(80):
        x, y = torch.randn(32, 8), torch.randint(0, 4, (32,))
        loss = F.cross_entropy(F.softmax(model(x), dim=1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print("modes left on the stack after 80 steps:", torch._C._len_torch_function_stack())
    model.eval()
    with torch.no_grad():
        F.nll_loss(model(x), y)  # the eval phase: the watch re-arms for it
    """
)


def test_run_finds_the_model_and_retires(script):
    """`torchlint run` watches the script's model as `torchlint.watch(model)` does: after its first
    50 steps the watch retires (its mode leaves the stack, so a long run costs little more), and it
    re-arms for the eval phase."""
    result = subprocess.run([str(TORCHLINT), "run", "--output-format", "json", script(LONG_TRAINING)],
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "modes left on the stack after 80 steps: 0" in result.stderr
    by_code = {item["code"]: item for item in json.loads(result.stdout)}
    assert set(by_code) == {"TL001", "TL012"}
    assert by_code["TL001"]["runtime"]["count"] == 50


MODULE_ACTIVATIONS = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)
            self.act = nn.Softmax(dim=1)

        def forward(self, x):
            return self.act(self.fc(x))


    model = nn.Sequential(
        nn.Linear(8, 4),
        nn.Softmax(dim=1),
    )
    net = Net()
    criterion = nn.CrossEntropyLoss()
    for _ in range(3):
        x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
        loss = criterion(model(x), y) + criterion(net(x), y)
    """
)


def test_run_reports_module_activations_where_the_static_findings_are(script):
    """An `nn.Softmax` in `nn.Sequential(...)` and one called in a forward, both reaching one loss
    line: the runtime report has each at the static finding's place and message, and
    `--runtime-report` confirms both (not the first one twice)."""
    name = script(MODULE_ACTIVATIONS)
    ran = subprocess.run([str(TORCHLINT), "run", "--report", "runtime.json", "--output-format", "json", name],
                         capture_output=True, text=True)
    assert ran.returncode == 1, ran.stderr
    static = subprocess.run([str(TORCHLINT), "--no-cache", "--output-format", "json", name],
                            capture_output=True, text=True)
    places = lambda items: sorted((i["location"]["row"], i["location"]["column"], i["message"]) for i in items)
    assert places(json.loads(ran.stdout)) == places(json.loads(static.stdout))
    assert [row for row, _, _ in places(json.loads(static.stdout))] == [12, 17]
    merged = subprocess.run([str(TORCHLINT), "--no-cache", "--output-format", "json", "--runtime-report",
                             "runtime.json", name], capture_output=True, text=True)
    items = json.loads(merged.stdout)
    assert len(items) == 2 and all(item["confirmed"] and item["source"] == "static" for item in items)


def test_run_exit_codes(script, capsys):
    name = script(TRAIN)
    assert run("run", "--exit-zero", name) == 0
    assert run("run", name, "3") == 3  # the script's own failure wins
    assert run("run", script(CLEAN, "clean.py")) == 0
    assert "All checks passed!" in capsys.readouterr().out
    broken = script("raise ValueError('boom')\n", "broken.py")
    assert run("run", broken) == 1
    assert "ValueError: boom" in capsys.readouterr().err
    assert sys.argv[0] != name  # restored


def test_run_json_and_strict(script, capsys):
    name = script(TRAIN)
    assert run("run", "--output-format", "json", name) == 1
    captured = capsys.readouterr()
    assert "args: []\n" in captured.err  # the script's own output is kept out of the report's stream
    items = json.loads(captured.out)
    assert {item["code"] for item in items} == {"TL001", "TL004"}
    # a runtime-only report: its findings are evidence, nothing static was confirmed
    assert all(item["source"] == "runtime" and item["confirmed"] is False for item in items)
    assert run("run", "--strict", name) == 1
    assert "MisuseError" in capsys.readouterr().err


def test_runtime_report_merges_into_static_findings(script, capsys):
    name = script(TRAIN)
    assert run("run", "--report", "runtime.json", name) == 1
    capsys.readouterr()
    assert run(name, "--runtime-report", "runtime.json", "--output-format", "json") == 1
    items = json.loads(capsys.readouterr().out)
    by_code = {item["code"]: item for item in items}
    assert by_code["TL001"]["source"] == "static" and by_code["TL001"]["confirmed"] is True
    assert by_code["TL001"]["runtime"]["count"] == 3
    assert by_code["TL004"]["source"] == "runtime"  # only seen at runtime: added
    assert by_code["TL004"]["confirmed"] is False  # ... and not a confirmation of anything
    # without the runtime report nothing is confirmed
    assert run(name, "--output-format", "json") == 1
    assert all(not item["confirmed"] for item in json.loads(capsys.readouterr().out))
    Path("bad.json").write_text("{}")
    assert run(name, "--runtime-report", "bad.json") == 2


def test_run_json_report_is_valid_json_when_the_script_prints(script):
    """`torchlint run --output-format json script.py > out.json`: the script's prints (Python's
    and the file descriptor's) go to stderr, the report alone to stdout."""
    name = script(TRAIN.replace('print("args:", sys.argv[1:])',
                                'print("args:", sys.argv[1:]); import os; os.write(1, b"raw fd write\\n")'))
    result = subprocess.run([str(TORCHLINT), "run", "--output-format", "json", name], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    items = json.loads(result.stdout)
    assert {item["code"] for item in items} == {"TL001", "TL004"}
    assert "args: []" in result.stderr and "raw fd write" in result.stderr
