"""Whole-project flow: bugs split across files, found from both ends (issue #3)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from torchlint import lint_paths, lint_sources
from torchlint.analysis.project import Project
from torchlint.parsing import parse_source
from test_cli import write

PROJECTS = Path(__file__).parent / "projects"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")


def expected_findings(root: Path) -> set[tuple[str, int, str]]:
    expected = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    expected.add((path.relative_to(root).as_posix(), number, code))
    return expected


@pytest.mark.parametrize("project", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_project_findings_match_markers(project: str, monkeypatch) -> None:
    root = PROJECTS / project
    monkeypatch.chdir(root)  # findings carry paths as the user typed them
    result = lint_paths(["."])
    found = {(Path(f.filename).as_posix(), f.location.row, f.code) for f in result.findings}
    assert found == expected_findings(root)
    for finding in result.findings:
        assert finding.related, "a flow finding names where the value ends up"
        loss = finding.related[0]
        # The message names the loss and where it is.
        assert f"{loss.filename}:{loss.location.row}" in finding.message


def test_cross_file_finding_points_at_both_files(monkeypatch) -> None:
    monkeypatch.chdir(PROJECTS / "package_relative")
    (finding,) = lint_paths(["."]).findings
    assert finding.filename == os.path.join("pkg", "models.py")
    assert finding.related[0].filename == os.path.join("pkg", "train.py")
    assert "nn.CrossEntropyLoss at pkg/train.py:14" in finding.message


def test_helper_chain_is_named_in_the_evidence(monkeypatch) -> None:
    monkeypatch.chdir(PROJECTS / "helper_loss")
    (finding,) = lint_paths(["."]).findings
    assert "through total_loss() at train.py:13, classification_loss() at losses.py:9" in finding.message
    assert [r.filename for r in finding.related] == ["losses.py", "train.py", "losses.py"]


def test_linting_one_file_still_reads_what_it_imports(monkeypatch) -> None:
    monkeypatch.chdir(PROJECTS / "package_relative")
    findings = lint_paths([os.path.join("pkg", "train.py")]).findings
    assert [(f.filename, f.code) for f in findings] == [(os.path.join("pkg", "models.py"), "TL001")]


def test_one_finding_per_activation_however_many_losses_it_reaches() -> None:
    files = {
        "models.py": "import torch\nfrom torch import nn\nclass M(nn.Module):\n"
        "    def forward(self, x):\n        return torch.softmax(x, 1)\n",
        "a.py": "import torch.nn.functional as F\nfrom models import M\nF.cross_entropy(M()(1), 2)\n",
        "b.py": "from torch import nn\nfrom models import M\nnn.CrossEntropyLoss()(M()(1), 2)\n",
    }
    findings = lint_sources(files)
    assert [(f.filename, f.location.row, f.code) for f in findings] == [("models.py", 5, "TL001")]


@pytest.mark.parametrize(
    "importer, module_files",
    [
        ("from .models import Net", {"pkg/__init__.py": "", "pkg/models.py": None}),
        ("from pkg.models import Net as Net", {"pkg/__init__.py": "", "pkg/models.py": None}),
        ("from pkg.models import Net", {"pkg/models.py": None}),  # namespace package
        ("import pkg.models as m\nNet = m.Net", {"pkg/models.py": None}),
        ("import pkg.models\nNet = pkg.models.Net", {"pkg/__init__.py": "", "pkg/models.py": None}),
        ("from . import models\nNet = models.Net", {"pkg/__init__.py": "", "pkg/models.py": None}),
        ("from pkg import Net", {"pkg/__init__.py": "from .models import Net\n", "pkg/models.py": None}),
    ],
)
def test_import_forms(importer: str, module_files: dict) -> None:
    model = (
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return F.softmax(x, dim=1)\n"
    )
    files = {path: (model if text is None else text) for path, text in module_files.items()}
    files["pkg/train.py"] = f"from torch import nn\n{importer}\nnn.CrossEntropyLoss()(Net()(1), 2)\n"
    assert [(f.filename, f.code) for f in lint_sources(files)] == [("pkg/models.py", "TL001")]


@pytest.mark.parametrize(
    "source",
    [
        "from missing_package import Net\nfrom torch import nn\nnn.CrossEntropyLoss()(Net()(1), 2)\n",
        "from .nowhere import thing\nthing(1)\n",
        "import numpy as np\nx = np.softmax\n",
    ],
)
def test_unresolvable_imports_are_unknown_not_errors(source: str) -> None:
    assert lint_sources({"train.py": source}) == []


def test_summaries_are_serialisable_and_depend_only_on_the_file() -> None:
    text = (PROJECTS / "tuple_and_dict_returns" / "model.py").read_text()
    summaries = []
    for extra in ({}, {"other.py": "import model\n"}):
        modules = {"model.py": parse_source("model.py", text)}
        modules.update({path: parse_source(path, src) for path, src in extra.items()})
        summary = Project(modules, [""], on_disk=False).summary("model.py")
        summaries.append(json.dumps(summary.to_json(), sort_keys=True))
    assert summaries[0] == summaries[1]
    data = json.loads(summaries[0])
    assert data["imports"] == []  # torch imports are resolved at once, not recorded
    forward = data["functions"]["TwoHeads.forward"]["returns"]
    assert forward["t"] == "tuple"
    assert forward["items"][1]["kind"] == "PROBS"
    assert forward["items"][1]["origins"][0][:2] == ["model.py", [12, 24, 12, 48]]


def test_model_used_for_loss_and_for_inference_is_reported_once_for_the_loss_path() -> None:
    files = {
        "net.py": "import torch.nn.functional as F\nfrom torch import nn\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return F.log_softmax(x, dim=1)\n",
        "train.py": "import torch.nn.functional as F\nfrom net import Net\nF.nll_loss(Net()(1), 2)\n",
        "infer.py": "import torch\nfrom net import Net\np = torch.exp(Net()(1))\n",
    }
    assert lint_sources(files) == []


DEEPER_FLOW = {
    "partial": (
        "import functools\nimport torch.nn.functional as F\n"
        "normalise = functools.partial(F.softmax, dim=1)\n"
        "def step(z, y):\n    return F.cross_entropy(normalise(z), y)\n",
        5,  # the call that applies the softmax
    ),
    "lambda": (
        "import torch\nimport torch.nn.functional as F\n"
        "act = lambda t: torch.softmax(t, -1)\n"
        "def step(z, y):\n    return F.cross_entropy(act(z), y)\n",
        3,
    ),
    "module_list_all_agree": (
        "from torch import nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleList([nn.Softmax(dim=1), nn.Softmax(dim=1)])\n"
        "    def forward(self, x):\n        for head in self.heads:\n            x = head(x)\n        return x\n"
        "crit = nn.CrossEntropyLoss()\ndef f(x, y):\n    return crit(M()(x), y)\n",
        8,
    ),
    "criterion_default_argument": (
        "import torch\nfrom torch import nn\n"
        "def train(model, loader, criterion=nn.CrossEntropyLoss()):\n"
        "    for x, y in loader:\n        loss = criterion(torch.softmax(model(x), dim=1), y)\n",
        5,
    ),
    "model_instance_attribute_of_trainer": (
        "from torch import nn\nclass Trainer:\n    def __init__(self):\n"
        "        self.net = nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=1))\n"
        "        self.criterion = nn.CrossEntropyLoss()\n"
        "    def fit(self, batches):\n        for x, y in batches:\n"
        "            self.criterion(self.net(x), y).backward()\n",
        4,
    ),
}


@pytest.mark.parametrize("name", sorted(DEEPER_FLOW))
def test_deeper_flow(name: str) -> None:
    source, row = DEEPER_FLOW[name]
    assert [(f.location.row, f.code) for f in lint_sources({"m.py": source})] == [(row, "TL001")]


def test_module_list_members_that_disagree_are_unknown() -> None:
    source = (
        "from torch import nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleList([nn.Softmax(dim=1), nn.Identity()])\n"
        "    def forward(self, x):\n        for head in self.heads:\n            out = head(x)\n        return out\n"
        "crit = nn.CrossEntropyLoss()\ndef f(x, y):\n    return crit(M()(x), y)\n"
    )
    assert lint_sources({"m.py": source}) == []


def test_summary_records_what_a_module_imports() -> None:
    source = "import os\nfrom . import layers\nfrom .heads import Head as H\nimport torch\n\ndef f():\n    import numpy as np\n"
    modules = {"pkg/m.py": parse_source("pkg/m.py", source)}
    summary = Project(modules, [""], on_disk=False).summary("pkg/m.py")
    assert summary.imports == [["os", 0, None], ["", 1, "layers"], ["heads", 1, "Head"], ["numpy", 0, None]]
    round_trip = type(summary).from_json(json.loads(json.dumps(summary.to_json())))
    assert round_trip.imports == summary.imports


def test_each_file_imports_from_its_own_project_when_linting_from_above(tmp_path: Path, monkeypatch) -> None:
    """`torchlint .` above several projects: `import pkg.x` resolves in the importer's own project."""
    for project in ("alpha", "beta"):
        write(tmp_path / project, {
            "pyproject.toml": "[project]\nname = 'p'\n",
            "pkg/__init__.py": "",
            "pkg/model.py": "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                            "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n        self.act = nn.Softmax(dim=1)\n\n"
                            "    def forward(self, x):\n        return self.act(self.fc(x))\n",
            "scripts/train.py": "import torch.nn as nn\nfrom pkg.model import Net\n\nmodel = Net()\n"
                                "loss = nn.CrossEntropyLoss()(model(x), y)\n",
        })
    monkeypatch.chdir(tmp_path)
    found = sorted((f.code, f.filename) for f in lint_paths(["."]).findings)
    assert found == [("TL001", os.path.join("alpha", "pkg", "model.py")),
                     ("TL001", os.path.join("beta", "pkg", "model.py"))]
