"""Issue #20 item 3: the result cache's early cutoff.

A cached entry keys each dependency on what its findings read of it: the parts of its summary
(`summaries.parts_digest`), its pre-check facts for a file the pre-check skipped, or its text
when the findings name a place in it or a call's context interpreted its body. An edit that
leaves what was read unchanged keeps the entry; anything else analyses the file again. The
tests here check both halves: generated edit sequences, where after every edit the cached run's
findings equal a run without the cache (library API and real `torchlint` processes), and
edits that must re-analyse only the edited file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import torchlint.api as api
import torchlint.check as check
from torchlint import lint_paths

# Each module of a small project, as alternative texts: index 0 is the start, None is "no such
# file". The alternatives differ in what an importer may read: a body-only change (same summary),
# positions moved (comment lines above), a softmax added or removed in a helper another file
# calls, a parameter sink added or removed, a function renamed, a signature changed, a class
# whose forward changes kind, a syntax error, an import added.
# (`probs` makes every variant mention softmax, so the pre-check never skips app.py)
HEAD = ("import torch\nimport torch.nn as nn\n\ndef probs(x):\n    return torch.softmax(x, dim=1)\n\n"
        "class Head(nn.Module):\n    def __init__(self, act):\n        super().__init__()\n"
        "        self.act = act\n\n    def forward(self, x):\n        return self.act(x)\n")
VARIANTS: dict[str, list[str | None]] = {
    "helpers.py": [
        "import torch.nn.functional as F\n\ndef make(x):\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    return x\n",
        # body only: the same summary, the softmax one line lower
        "import torch.nn.functional as F\n\ndef make(x):\n    scale = 1\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    return x\n",
        # body only, positions unchanged
        "import torch.nn.functional as F\n\ndef make(x):\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    y = x\n    return x\n",
        # the softmax removed
        "import torch.nn.functional as F\n\ndef make(x):\n    return x * 2\n\ndef plain(x):\n    return x\n",
        # log_softmax instead
        "import torch.nn.functional as F\n\ndef make(x):\n    return F.log_softmax(x, dim=1)\n\n"
        "def plain(x):\n    return x\n",
        # renamed
        "import torch.nn.functional as F\n\ndef make2(x):\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    return x\n",
        # signature changed
        "import torch.nn.functional as F\n\ndef make(x, dim=1):\n    return F.softmax(x, dim=dim)\n\n"
        "def plain(x):\n    return x\n",
        # comment lines above: every position moves
        "# a comment\n# another\nimport torch.nn.functional as F\n\ndef make(x):\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    return x\n",
        # plain() becomes a sink
        "import torch.nn.functional as F\n\ndef make(x):\n    return F.softmax(x, dim=1)\n\n"
        "def plain(x):\n    return F.nll_loss(x, None)\n",
        # does not parse
        "import torch.nn.functional as F\n\ndef make(x:\n    return F.softmax(x, dim=1)\n",
        None,
    ],
    "losses.py": [
        "import torch.nn.functional as F\n\ndef compute(v, y):\n    return F.cross_entropy(v, y)\n",
        "import torch.nn.functional as F\n\ndef compute(v, y):\n    total = 0\n    return F.cross_entropy(v, y)\n",
        "import torch.nn.functional as F\n\ndef compute(v, y):\n    return F.nll_loss(v, y)\n",
        "import torch.nn.functional as F\n\ndef compute(v, y):\n    return v.sum()\n",
        "import torch.nn.functional as F\nfrom helpers import plain\n\ndef compute(v, y):\n"
        "    return F.cross_entropy(plain(v), y)\n",
        None,
    ],
    "train.py": [
        "from helpers import make\nfrom losses import compute\n\ncompute(make(x), y)\n",
        "import torch\nfrom losses import compute\n\ncompute(torch.softmax(x, dim=1), y)\n",
        "import torch.nn as nn\nfrom helpers import make, plain\n\nnn.CrossEntropyLoss()(plain(make(x)), y)\n",
        "from helpers import plain\n\nprint(plain(1))\n",
        "from pkg import make\nfrom losses import compute\n\ncompute(make(x), y)\n",
        "from util import same\n\nprint(same(1))\n",
    ],
    "models.py": [
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n\n    def forward(self, x):\n        return self.fc(x)\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n\n    def forward(self, x):\n        h = self.fc(x)\n        return h\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n\n    def forward(self, x):\n        return self.fc(x).softmax(dim=1)\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n        self.act = nn.Sigmoid()\n\n    def forward(self, x):\n"
        "        return self.act(self.fc(x))\n",
    ],
    "engine.py": [
        "import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
        "        F.cross_entropy(model(x), y)\n",
        "import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
        "        out = model(x)\n        F.cross_entropy(out, y)\n",
        "import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
        "        F.binary_cross_entropy(model(x), y)\n",
        None,
        # a function no context enters, and an edit of its body only
        "import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
        "        F.cross_entropy(model(x), y)\n\ndef unused(model):\n    return model\n",
        "import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
        "        F.cross_entropy(model(x), y)\n\ndef unused(model):\n    other = model\n    return other\n",
        # ... and one that makes it set an attribute on its argument's `self`
        "import torch.nn.functional as F\n\nclass Loop:\n    def fit(self, model, loader):\n"
        "        for x, y in loader:\n            F.cross_entropy(model(x), y)\n\n"
        "    def unused(self, model):\n        return model\n\ndef fit(model, loader):\n"
        "    Loop().fit(model, loader)\n",
        "import torch.nn.functional as F\n\nclass Loop:\n    def fit(self, model, loader):\n"
        "        for x, y in loader:\n            F.cross_entropy(model(x), y)\n\n"
        "    def unused(self, model):\n        self.model = model\n        return model\n\ndef fit(model, loader):\n"
        "    Loop().fit(model, loader)\n",
        # 6 with a method added above the one entered: nobody looks it up; one that sets `self.model`
        "import torch.nn.functional as F\n\nclass Loop:\n    def extra(self):\n        return None\n\n"
        "    def fit(self, model, loader):\n"
        "        for x, y in loader:\n            F.cross_entropy(model(x), y)\n\n"
        "    def unused(self, model):\n        return model\n\ndef fit(model, loader):\n"
        "    Loop().fit(model, loader)\n",
        "import torch.nn.functional as F\n\nclass Loop:\n    def reset(self):\n        self.model = None\n\n"
        "    def fit(self, model, loader):\n"
        "        for x, y in loader:\n            F.cross_entropy(model(x), y)\n\n"
        "    def unused(self, model):\n        return model\n\ndef fit(model, loader):\n"
        "    Loop().fit(model, loader)\n",
    ],
    "run.py": [
        "import torch\nfrom models import Net\nfrom engine import fit\n\nif __name__ == '__main__':\n"
        "    fit(Net(), loader)\n",
        "import torch\nimport torch.nn.functional as F\nfrom models import Net\n\nnet = Net()\n"
        "loss = F.cross_entropy(torch.softmax(net(x), dim=1), y)\n",
    ],
    "pkg/__init__.py": ["from .core import make\n", "from .core import make, scale\n", None],
    "pkg/core.py": [
        "import torch\n\ndef make(x):\n    return torch.sigmoid(x)\n\ndef scale(x):\n    return x\n",
        "import torch\n\ndef make(x):\n    x = x + 1\n    return torch.sigmoid(x)\n\ndef scale(x):\n    return x\n",
        "import torch\n\ndef make(x):\n    return torch.relu(x)\n\ndef scale(x):\n    return x\n",
    ],
    # a class whose methods importers look up one by one: a private method no one looks up, a
    # method an importer looked up in vain, its private twin
    "heads.py": [HEAD, HEAD + "\n    def _unused(self):\n        return None\n",
                 HEAD + "\n    def predict(self, x):\n        return self(x).softmax(dim=1)\n",
                 HEAD + "\n    def _predict(self, x):\n        return self(x).softmax(dim=1)\n",
                 # an attribute app.py's first variant does not read, and its third reads in vain
                 HEAD.replace("self.act = act\n", "self.act = act\n        self.probs = nn.Softmax(dim=1)\n")],
    "app.py": [
        "import torch\nimport torch.nn as nn\nfrom heads import Head\n\nhead = Head(3)\n"
        "loss = nn.CrossEntropyLoss()(torch.softmax(head(x), dim=1), y)\n",
        "import torch.nn as nn\nfrom heads import Head\n\nhead = Head(3)\n"
        "loss = nn.CrossEntropyLoss()(head.predict(x), y)\n",
        "import torch.nn as nn\nfrom heads import Head\n\nhead = Head(3)\n"
        "loss = nn.CrossEntropyLoss()(head.probs(x), y)\n",
    ],
    "util.py": [None, "def same(v):\n    return v\n", "import torch\n\ndef same(v):\n    return torch.log(v)\n",
                "def same(v):\n    w = v\n    return w\n"],
}
MODULES = sorted(VARIANTS)


def as_data(findings) -> list[dict]:
    return [finding.to_json() for finding in findings]


class Tree:
    """The project on disk; each write moves the file's mtime forward by a second, so the
    cache's stat memo (with the racy window off) always sees the change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_000_000_000.0
        self.state: dict[str, int] = {}

    def set(self, module: str, index: int) -> None:
        self.state[module] = index
        text = VARIANTS[module][index]
        path = self.root / module
        if text is None:
            if path.exists():
                path.unlink()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.clock += 1
        os.utime(path, (self.clock, self.clock))


def start(root: Path) -> Tree:
    tree = Tree(root)
    for module in MODULES:
        tree.set(module, 0)
    return tree


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Tree:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    return start(tmp_path)


def count_analyses(monkeypatch) -> list[str]:
    analysed: list[str] = []
    real = check.__getattr__("analyze_module")

    def spy(module, project):
        analysed.append(module.path)
        return real(module, project)

    monkeypatch.setattr(check, "analyze_module", spy)
    return analysed


def cached_equals_fresh(jobs: int = 1) -> list[dict]:
    cached = as_data(lint_paths(["."], cache_dir=".torchlint_cache", jobs=jobs).findings)
    fresh = as_data(lint_paths(["."]).findings)
    assert cached == fresh
    return cached


# -- every single edit from the start, then back


@pytest.mark.parametrize("module", MODULES)
def test_each_edit_and_back_gives_the_findings_of_a_fresh_run(project: Tree, module: str) -> None:
    cached_equals_fresh()
    for index in range(1, len(VARIANTS[module])):
        project.set(module, index)
        cached_equals_fresh()
        project.set(module, 0)
        cached_equals_fresh()


def test_the_edits_exercise_both_sides_of_the_cutoff(project: Tree, monkeypatch) -> None:
    """Over every single edit, some entries are kept by their cutoff and some are not (so the
    tests above check the cutoff, not a cache that always or never analyses again)."""
    from torchlint.session import Session

    outcomes: list[bool] = []
    real = Session.cutoff_digest

    def spy(self, path, cutoff):
        digest = real(self, path, cutoff)
        outcomes.append(digest == cutoff[1])
        return digest

    monkeypatch.setattr(Session, "cutoff_digest", spy)
    cached_equals_fresh()
    for module in MODULES:
        for index in range(1, len(VARIANTS[module])):
            project.set(module, index)
            cached_equals_fresh()
            project.set(module, 0)
            cached_equals_fresh()
    assert outcomes.count(True) >= 2 and outcomes.count(False) >= 3, outcomes


# -- generated edit sequences

EDITS = st.lists(st.sampled_from([(m, i) for m in MODULES for i in range(len(VARIANTS[m]))]),
                 min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_generated_edit_sequences_match_a_fresh_run(tmp_path_factory, monkeypatch, edits) -> None:
    root = tmp_path_factory.mktemp("edits")
    monkeypatch.chdir(root)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    tree = start(root)
    cached_equals_fresh()
    for module, index in edits:
        tree.set(module, index)
        cached_equals_fresh()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_generated_edit_sequences_with_a_process_pool(tmp_path_factory, monkeypatch, edits) -> None:
    monkeypatch.setattr(api, "MIN_FILES_PER_JOB", 1)
    root = tmp_path_factory.mktemp("pool")
    monkeypatch.chdir(root)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    tree = start(root)
    cached_equals_fresh(jobs=2)
    for module, index in edits:
        tree.set(module, index)
        cached_equals_fresh(jobs=2)


# -- the cutoff itself: what is analysed again


def test_a_body_edit_that_keeps_the_summary_analyses_only_the_edited_file(project: Tree, monkeypatch) -> None:
    """models.py's forward gains a statement: Net's summary (logits from its nn.Linear) is
    unchanged, and run.py's finding (its own softmax into its own loss) names no place in
    models.py, so run.py keeps its entry."""
    project.set("run.py", 1)
    before = cached_equals_fresh()
    assert "run.py" in [finding["filename"] for finding in before]
    analysed = count_analyses(monkeypatch)
    project.set("models.py", 1)
    findings = as_data(lint_paths(["."], cache_dir=".torchlint_cache").findings)
    assert set(analysed) <= {"models.py"}  # the pre-check may skip it: it has no consumer
    assert findings == as_data(lint_paths(["."]).findings) == before


def test_a_finding_that_names_a_place_in_a_module_depends_on_its_text(project: Tree, monkeypatch) -> None:
    """train.py's finding is reported at pkg/core.py's sigmoid: a body edit there moves it."""
    project.set("train.py", 4)
    project.set("losses.py", 2)
    before = cached_equals_fresh()
    assert any(finding["filename"] == "pkg/core.py" for finding in before)
    analysed = count_analyses(monkeypatch)
    project.set("pkg/core.py", 1)
    after = cached_equals_fresh()
    assert "train.py" in analysed and after != before


def test_an_edit_of_what_an_importer_read_analyses_it_again(project: Tree, monkeypatch) -> None:
    project.set("train.py", 4)
    project.set("losses.py", 2)
    before = cached_equals_fresh()
    analysed = count_analyses(monkeypatch)
    project.set("pkg/core.py", 2)  # make() now returns relu's output: the part train.py read changed
    after = as_data(lint_paths(["."], cache_dir=".torchlint_cache").findings)
    assert "train.py" in analysed
    assert after == as_data(lint_paths(["."]).findings) != before


def test_an_edit_of_an_export_an_importer_did_not_read_keeps_its_entry(project: Tree, monkeypatch) -> None:
    """pkg/__init__.py also re-exports `scale` now: train.py read only `make` of it."""
    project.set("train.py", 4)
    cached_equals_fresh()
    analysed = count_analyses(monkeypatch)
    project.set("pkg/__init__.py", 1)
    lint_paths(["."], cache_dir=".torchlint_cache")
    assert "train.py" not in analysed
    cached_equals_fresh()


def test_a_method_no_importer_looks_up_keeps_their_entries(project: Tree, monkeypatch) -> None:
    """app.py reads Head's __call__ and forward, one by one: Head gaining a method it does not
    look up (private or not called) leaves its entry; the class's summary changed all the same."""
    before = cached_equals_fresh()
    assert any(finding["filename"] == "app.py" for finding in before)
    for index in (1, 3, 4):  # 4: an attribute, not a method
        analysed = count_analyses(monkeypatch)
        project.set("heads.py", index)
        findings = as_data(lint_paths(["."], cache_dir=".torchlint_cache").findings)
        assert "app.py" not in analysed
        assert findings == as_data(lint_paths(["."]).findings) == before


def test_a_method_an_importer_looked_up_in_vain_is_a_dependency(project: Tree, monkeypatch) -> None:
    """app.py calls head.predict(x), which Head does not have; once it does (a softmax), the
    entry is stale: app.py is analysed again and the double softmax found (at the softmax, in
    heads.py, which cannot find it alone: no loss there)."""
    project.set("app.py", 1)
    before = cached_equals_fresh()
    assert not any(finding["filename"] == "heads.py" for finding in before)
    data = json.loads(next(Path(".torchlint_cache").glob("results-*.json")).read_text())
    assert data["entries"]["app.py"]["cut"]["heads.py"][0] == "s"  # analysed, keyed on summary parts
    analysed = count_analyses(monkeypatch)
    project.set("heads.py", 2)
    after = as_data(lint_paths(["."], cache_dir=".torchlint_cache").findings)
    assert "app.py" in analysed
    assert after == as_data(lint_paths(["."]).findings)
    assert any(finding["filename"] == "heads.py" and finding["code"] == "TL001" for finding in after)


def test_an_attribute_an_importer_looked_up_in_vain_is_a_dependency(project: Tree, monkeypatch) -> None:
    """app.py calls head.probs(x): once Head.__init__ sets self.probs to a softmax, app.py is
    analysed again (its double softmax found)."""
    project.set("app.py", 2)
    before = cached_equals_fresh()
    assert not any(finding["code"] == "TL001" and "app.py" in json.dumps(finding) for finding in before)
    data = json.loads(next(Path(".torchlint_cache").glob("results-*.json")).read_text())
    assert data["entries"]["app.py"]["cut"]["heads.py"][0] == "s"
    analysed = count_analyses(monkeypatch)
    project.set("heads.py", 4)
    after = as_data(lint_paths(["."], cache_dir=".torchlint_cache").findings)
    assert "app.py" in analysed
    assert after == as_data(lint_paths(["."]).findings)
    assert any(finding["code"] == "TL001" and "app.py" in json.dumps(finding) for finding in after)


def test_a_body_a_context_interprets_is_a_dependency_on_its_text(project: Tree, monkeypatch) -> None:
    """run.py calls fit(Net(), loader): fit's body runs again with the model, so an edit inside
    it (same summary) must analyse run.py again."""
    cached_equals_fresh()
    analysed = count_analyses(monkeypatch)
    project.set("engine.py", 2)  # binary_cross_entropy: the summary of fit() is the same
    cached_equals_fresh()
    assert "run.py" in analysed


def run_py_cutoff_of_engine() -> list:
    data = json.loads(next(Path(".torchlint_cache").glob("results-*.json")).read_text())
    return data["entries"]["run.py"]["cut"]["engine.py"]


def run_py_analysed_after(project: Tree, analysed: list[str], engine_variant: int) -> bool:
    """Whether run.py is analysed again once engine.py is set to `engine_variant` (and the
    cached findings still equal a fresh run's)."""
    analysed.clear()
    project.set("engine.py", engine_variant)
    lint_paths(["."], cache_dir=".torchlint_cache")
    again = "run.py" in analysed
    cached_equals_fresh()
    return again


def test_a_body_no_context_entered_is_not_a_dependency(project: Tree, monkeypatch) -> None:
    """run.py's context interprets engine.fit, never engine.unused: an edit inside unused's body
    keeps run.py's entry; one inside fit's does not."""
    project.set("engine.py", 4)
    cached_equals_fresh()
    assert run_py_cutoff_of_engine()[0] == "d"
    analysed = count_analyses(monkeypatch)
    assert not run_py_analysed_after(project, analysed, 5)
    assert run_py_analysed_after(project, analysed, 0)  # fit's body is the same, unused is gone
    assert run_py_analysed_after(project, analysed, 1)  # inside fit's body


def test_a_method_added_to_a_class_a_context_enters_is_read_only_where_looked_up(project: Tree, monkeypatch) -> None:
    """run.py's context enters Loop.fit: a method added above it, which nobody looks up, keeps
    run.py's entry (the function entered is known by name, not by its place); one that sets an
    attribute on `self`, where Loop's attribute table was read, does not."""
    project.set("engine.py", 6)
    cached_equals_fresh()
    kept = run_py_cutoff_of_engine()
    # `Loop()` built in the context read its attribute table (`*w`) and looked `fit` up.
    assert kept[0] == "d" and "Loop.fit" in kept[3] and {"fit", "*w"} <= set(kept[4]["Loop"])
    analysed = count_analyses(monkeypatch)
    assert not run_py_analysed_after(project, analysed, 8)
    assert run_py_analysed_after(project, analysed, 9)


def test_the_second_run_after_an_edit_needs_no_summary(project: Tree, monkeypatch) -> None:
    """An entry kept by the cutoff records the dependency's new text: the next run is warm."""
    project.set("run.py", 1)
    cached_equals_fresh()
    project.set("models.py", 1)
    lint_paths(["."], cache_dir=".torchlint_cache")
    analysed = count_analyses(monkeypatch)
    from torchlint.analysis.project import Project

    made: list[str] = []
    real = Project.summary
    monkeypatch.setattr(Project, "summary", lambda self, path: made.append(path) or real(self, path))
    lint_paths(["."], cache_dir=".torchlint_cache")
    assert analysed == [] and made == []


def test_a_skipped_file_keys_its_imports_on_their_facts(project: Tree, monkeypatch) -> None:
    """train.py imports util.same and mentions no torch name, nor does util.py: the pre-check
    skips it. A body edit of util.py with the same words and imports keeps its entry; one that
    brings a torch word in does not."""
    project.set("util.py", 1)
    project.set("train.py", 5)
    cached_equals_fresh()
    data = json.loads(next(Path(".torchlint_cache").glob("results-*.json")).read_text())
    assert data["entries"]["train.py"]["cut"]["util.py"][0] == "f"
    from torchlint.precheck import Relevance

    asked: list[str] = []
    real = Relevance.needs_analysis
    monkeypatch.setattr(Relevance, "needs_analysis", lambda self, path: asked.append(path) or real(self, path))
    project.set("util.py", 3)
    lint_paths(["."], cache_dir=".torchlint_cache")
    assert "train.py" not in asked
    cached_equals_fresh()
    asked.clear()
    project.set("util.py", 2)  # torch.log: a consumer word
    lint_paths(["."], cache_dir=".torchlint_cache")
    assert "train.py" in asked
    cached_equals_fresh()


# -- real processes


def torchlint_json(root: Path, *args: str) -> list[dict]:
    command = [sys.executable, "-m", "torchlint", "check", "--isolated", "--exit-zero", "--output-format", "json",
               *args, "."]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_edit_sequences_through_the_command_line(tmp_path: Path) -> None:
    """The installed command, as a user runs it: cached results equal `--no-cache` after each
    edit of a fixed sequence that visits every kind of edit (files written in the same second
    as the run: the racy-git rule keeps them out of the stat memo)."""
    tree = start(tmp_path)
    sequence = [("pkg/core.py", 1), ("train.py", 4), ("pkg/core.py", 2), ("helpers.py", 1), ("helpers.py", 3),
                ("train.py", 0), ("engine.py", 1), ("models.py", 2), ("util.py", 2), ("helpers.py", 9),
                ("helpers.py", 0), ("losses.py", 4), ("helpers.py", 8), ("engine.py", 3), ("pkg/__init__.py", 2)]
    assert torchlint_json(tmp_path) == torchlint_json(tmp_path, "--no-cache")
    for module, index in sequence:
        tree.set(module, index)
        os.utime(tmp_path / module, None) if (tmp_path / module).exists() else None  # mtime now
        assert torchlint_json(tmp_path) == torchlint_json(tmp_path, "--no-cache"), (module, index)


def test_a_summary_digests_the_same_fresh_and_read_back_from_the_cache() -> None:
    """The cutoff compares a digest made in one process (maybe from a summary read back from the
    cache) with one made in another (maybe from a fresh summary): every part of every summary of
    the test projects and fixtures digests the same both ways."""
    from torchlint.analysis.codec import SiteLocator
    from torchlint.analysis.summaries import ModuleSummary, parts_digest
    from torchlint.session import Session

    root = Path(__file__).resolve().parent.parent
    checked = 0
    for directory in [*sorted((root / "tests" / "projects").iterdir()), root / "fixtures"]:
        if not directory.is_dir():
            continue
        files = [str(path) for path in sorted(directory.rglob("*.py"))]
        session = Session([str(directory)], on_disk=True, known=files)
        for path in files:
            fresh = session.project.summary(path)
            if fresh is None:
                continue
            data = fresh.to_cache()
            back = ModuleSummary.from_cache(json.loads(json.dumps(data)), SiteLocator(lambda: None))
            parts = [f"e:{name}" for name in data["exports"]] + [f"c:{name}" for name in data["classes"]] + [
                f"f:{name}" for name in data["functions"]] + ["e:absent"]
            for part in parts:
                assert parts_digest(fresh, [part]) == parts_digest(back, [part]), (path, part)
            assert parts_digest(fresh, parts) == parts_digest(back, parts)
            checked += 1
    assert checked > 50


def test_damaged_cutoffs_are_never_trusted(project: Tree) -> None:
    """A cutoff or parts table that is not what the cache writes makes the entry be analysed
    again, never kept: the findings are those of a fresh run."""
    project.set("run.py", 1)
    cached_equals_fresh()
    results = next(Path(".torchlint_cache").glob("results-*.json"))
    good = json.loads(results.read_text())
    assert good["parts"] and any("cut" in entry for entry in good["entries"].values())

    def damaged(change) -> dict:
        data = json.loads(json.dumps(good))
        change(data)
        return data

    def each_cut(data, value) -> None:
        for entry in data["entries"].values():
            for dep in entry.get("cut", {}):
                entry["cut"][dep] = value(entry["cut"][dep])

    variants = [
        damaged(lambda d: d.update(parts="junk")),
        damaged(lambda d: d.update(parts=[["e:Net", 3]] * len(d["parts"]))),
        damaged(lambda d: each_cut(d, lambda c: [c[0], c[1], 10 ** 6] if c[0] == "s" else c)),
        damaged(lambda d: each_cut(d, lambda c: [c[0], c[1], True] if c[0] == "s" else c)),
        damaged(lambda d: each_cut(d, lambda c: ["x", *c[1:]])),
        damaged(lambda d: each_cut(d, lambda c: "s")),
        damaged(lambda d: each_cut(d, lambda c: [c[0], 5, *c[2:]])),
    ]
    for index, data in enumerate(variants):
        project.set("models.py", 1 + index % 2)  # a body edit: only a valid cutoff keeps run.py
        results.write_text(json.dumps(data))
        cached_equals_fresh()
        project.set("models.py", 0)
        cached_equals_fresh()


SUMMARY_DUMP = """
import json, sys
from pathlib import Path
from torchlint.session import Session
out = {}
for directory in sys.argv[1:]:
    files = [str(path) for path in sorted(Path(directory).rglob("*.py"))]
    session = Session([directory], on_disk=True, known=files)
    for path in files:
        summary = session.project.summary(path)
        out[path] = None if summary is None else summary.to_cache()
print(json.dumps(out))
"""


def test_summaries_are_the_same_data_in_every_process() -> None:
    """Workers and the main process compare digests of summaries each made itself: a summary
    must not depend on string hashing (PYTHONHASHSEED differs per process), as a join of two
    states' variables in set order once made it (the order of a class's attributes, and so the
    numbering of its sites)."""
    root = Path(__file__).resolve().parent.parent
    directories = [str(p) for p in sorted((root / "tests" / "projects").iterdir()) if p.is_dir()]
    directories += [str(p) for p in sorted((root / "tests" / "corpus").iterdir()) if p.is_dir()]
    directories.append(str(root / "fixtures"))
    dumps = []
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", SUMMARY_DUMP, *directories], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, timeout=600)
        assert done.returncode == 0, done.stderr
        dumps.append(json.loads(done.stdout))
    assert len(dumps[0]) > 100
    for path in dumps[0]:
        assert dumps[0][path] == dumps[1][path] == dumps[2][path], path


# -- what a module interpreted for its definitions gave another file (analysis/bodies.py)

BODIES_BASE = '''import torch.nn as nn

SCALE = 2


class Net(nn.Module):
    """A model."""

    width: int = 4

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)

    def helper(self, y):
        # a comment
        return y * SCALE


def train(model, loader):
    for x, y in loader:
        model(x)


if SCALE:
    def maybe(v):
        return v
'''


def bodies_digest(text: str, entered, looked=None) -> str | None:
    from torchlint.analysis import bodies
    from torchlint.parsing import ParsedModule, parse_source

    parsed = parse_source("m.py", text)
    assert isinstance(parsed, ParsedModule)
    return bodies.digest(parsed, entered, looked)


HELPER = "    def helper(self, y):\n"


@pytest.mark.parametrize("method, looked, same", [
    # nobody looked a method of that name up, nor read the whole table: left out
    ("    def extra(self):\n        return None\n", {"Net": ["forward"]}, True),
    ("    def extra(self):\n        return None\n", {}, True),
    ("    @property\n    def extra(self):\n        return 1\n", {"Net": ["forward", "*w"]}, True),
    # looked up by name (a look-up in vain is one), or the whole table read: kept
    ("    def extra(self):\n        return None\n", {"Net": ["extra"]}, False),
    ("    def extra(self):\n        return None\n", {"Net": ["*"]}, False),
    # the attribute table read, and the method sets (or may set) attributes on self
    ("    def extra(self):\n        self.z = 1\n", {"Net": ["*w"]}, False),
    ("    def extra(self):\n        super().extra()\n", {"Net": ["*w"]}, False),
    ("    def extra(self):\n        self.z = 1\n", {"Net": ["forward"]}, True),
    # the public methods read (a framework runs them all): a public one kept, a private one not
    ("    def extra(self):\n        return None\n", {"Net": ["*p"]}, False),
    ("    def _extra(self):\n        return None\n", {"Net": ["*p", "*w"]}, True),
    # a header that may act when the `def` runs, or a `global`: kept
    ("    @torch.no_grad()\n    def extra(self):\n        return None\n", {}, False),
    ("    def extra(self, n=make()):\n        return None\n", {}, False),
    ("    def extra(self):\n        global SCALE\n        SCALE = 1\n", {}, False),
])
def test_a_method_nobody_looked_up_is_left_out_of_the_digest(method: str, looked, same: bool) -> None:
    """A method added to a class that contexts enter re-analyses only the importers that look it
    up, or read the whole table (`program.RecordedMethods`); the function entered below it keeps
    its name, so its body is still the one cut back in."""
    added = BODIES_BASE.replace(HELPER, method + "\n" + HELPER, 1)
    for entered in ([], ["Net.helper"]):
        before = bodies_digest(BODIES_BASE, entered, looked)
        after = bodies_digest(added, entered, looked)
        assert before is not None and after is not None
        assert (before == after) is same, entered
    # Without a record of what was read, every `def` is read.
    assert bodies_digest(BODIES_BASE, [], None) != bodies_digest(added, [], None)


@pytest.mark.parametrize("old, new, entered, same", [
    # inside the body of a method nobody entered: the same
    ("        return y * SCALE\n", "        z = y\n        return z * SCALE\n", [], True),
    ("        model(x)\n", "        # a comment\n        model(x)\n", [], True),
    ("    for x, y in loader:\n        model(x)\n", "    for x, y in loader:\n        model(x + 1)\n", ["Net.__init__"], True),
    # ... of one that was entered: not the same
    ("        return y * SCALE\n", "        return y * 3\n", ["Net.helper"], False),
    ("        model(x)\n", "        model(x * 2)\n", ["train"], False),
    # what the interpretation of the module reads of every body: its facts
    ("        return y * SCALE\n", "        self.y = y\n        return y\n", [], False),
    ("        return y * SCALE\n", "        self.reset()\n        return y\n", [], False),
    ("        return y * SCALE\n", "        global SCALE\n        return y\n", [], False),
    # headers, decorators, class bodies, module statements, compound statements: not the same
    ("    def helper(self, y):\n", "    def helper(self, y, z=1):\n", [], False),
    ("    def helper(self, y):\n", "    @staticmethod\n    def helper(self, y):\n", [], False),
    ("    width: int = 4\n", "    width: int = 5\n", [], False),
    ("SCALE = 2\n", "SCALE = 3\n", [], False),
    ("class Net(nn.Module):\n", "class Net(nn.Sequential):\n", [], False),
    ("        return v\n", "        return v + 1\n", [], False),
    ('    """A model."""\n', '    """A model!"""\n', [], False),
    # a function added at module level: its `def` is read (only methods can be left out, below)
    ("def train(model, loader):\n", "def extra():\n    pass\n\n\ndef train(model, loader):\n", [], False),
    # what the interpretation never reads, outside the bodies too: comments, blank lines, trailing spaces
    ("SCALE = 2\n", "# how much\nSCALE = 2  # twice\n\n\n", [], True),
    ("class Net(nn.Module):\n", "\n# the model\nclass Net(nn.Module):   \n", [], True),
    ("        return y * SCALE\n", "        # why\n\n        return y * SCALE  # because\n", ["Net.helper"], True),
    # ... but a `#` or a blank line inside a string is the string's
    ('    """A model."""\n', '    """A model. # one"""\n', [], False),
    ('    """A model."""\n', '    """A model.\n\n    """\n', [], False),
])
def test_a_definitions_digest_covers_what_the_interpretation_reads(old: str, new: str, entered, same: bool) -> None:
    assert old in BODIES_BASE
    before = bodies_digest(BODIES_BASE, entered)
    after = bodies_digest(BODIES_BASE.replace(old, new, 1), entered)
    assert before is not None and after is not None
    assert (before == after) is same


def test_a_string_continued_over_a_crlf_break_is_kept_whole_in_the_digest() -> None:
    """A `#` inside a string whose line ends in a backslash and CRLF is the string's, not a comment."""
    text = 'NOTE = "a \\\r\n# b"\r\n\r\ndef f(x):\r\n    return x\r\n'
    compile(text, "m.py", "exec")
    assert bodies_digest(text, []) != bodies_digest(text.replace("# b", "# c"), [])
    assert bodies_digest(text, []) == bodies_digest(text.replace("    return x", "    return x  # c"), [])


def test_a_definitions_digest_depends_on_the_bodies_entered() -> None:
    assert bodies_digest(BODIES_BASE, ["Net.__init__"]) != bodies_digest(BODIES_BASE, ["Net.forward"])
    assert bodies_digest(BODIES_BASE, ["nothing"]) is None  # no such outline function


def test_both_parsers_see_the_same_outline() -> None:
    """`bodies.digest` numbers outline functions in LibCST's tree and cuts their bodies by
    CPython's positions: on every module of the test projects, corpus and fixtures, the two
    outlines are the same functions in the same order."""
    import ast

    from torchlint.analysis import bodies
    from torchlint.parsing import ParsedModule, parse_source

    root = Path(__file__).resolve().parent.parent
    checked = 0
    for path in sorted([*root.glob("tests/projects/**/*.py"), *root.glob("tests/corpus/**/*.py"),
                        *root.glob("fixtures/**/*.py"), *root.glob("torchlint/**/*.py")]):
        text = path.read_text()
        parsed = parse_source(str(path), text)
        if not isinstance(parsed, ParsedModule) or parsed.recovery is not None:
            continue
        lib = [function.name.value for function in bodies.outline(parsed.module)]
        cpython = [function.name for function in bodies._ast_outline(ast.parse(text))]
        assert lib == cpython, path
        assert bodies.digest(parsed, []) is not None, path
        checked += 1
    assert checked > 200
