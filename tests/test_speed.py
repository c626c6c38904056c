"""Issue #9: the pre-check, the process pool, the cache and shards never change results."""

from __future__ import annotations

import itertools
import json
import os
import warnings
from pathlib import Path

import pytest
import hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

import torchlint.api as api
import torchlint.check as check
import torchlint.session as session
from torchlint import lint_paths, lint_sources
from torchlint.cache import Cache, project_files_key
from torchlint.cli import main
from torchlint.config import Config
from torchlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = sorted(p for p in (ROOT / "tests" / "projects").iterdir() if p.is_dir())
# The training programs of issue #14: values that meet only through calls.
CORPUS = sorted(p for p in (ROOT / "tests" / "corpus").iterdir() if p.is_dir())


def as_data(findings) -> list[dict]:
    return [finding.to_json() for finding in findings]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# -- a generated corpus: every place a value and a consumer can live


PRODUCERS = {
    "softmax": ("import torch.nn.functional as F\n", "F.softmax({x}, dim=1)"),
    "sigmoid": ("import torch\n", "torch.sigmoid({x})"),
    "linear": ("import torch.nn as nn\n", "nn.Linear(8, 4)({x})"),
    "relu": ("import torch\n", "torch.relu({x})"),
}
CONSUMERS = {
    "ce": ("import torch.nn.functional as F\n", "F.cross_entropy({x}, y)"),
    "bce": ("import torch.nn.functional as F\n", "F.binary_cross_entropy({x}, y)"),
    "nll": ("import torch.nn.functional as F\n", "F.nll_loss({x}, y)"),
    "log": ("import torch\n", "torch.log({x})"),
    "argmax": ("", "{x}.argmax(dim=0)"),
}


def generated_projects() -> dict[str, dict[str, str]]:
    """Producer and consumer in the same file, across modules, behind re-exports,
    behind `import pkg` attribute chains, and behind an identity helper from a
    module that mentions no torch name at all."""
    projects: dict[str, dict[str, str]] = {}
    for (p_name, (p_imp, p_expr)), (c_name, (c_imp, c_expr)) in itertools.product(
        PRODUCERS.items(), CONSUMERS.items()
    ):
        make = f"def make(x):\n    return {p_expr.format(x='x')}\n"
        use = f"def use(v, y):\n    return {c_expr.format(x='v')}\n"
        key = f"{p_name}_{c_name}"
        projects[f"{key}_same"] = {"main.py": p_imp + c_imp + make + use + "use(make(x), y)\n"}
        projects[f"{key}_import"] = {
            "pkg/__init__.py": "",
            "pkg/model.py": p_imp + make,
            "main.py": c_imp + "from pkg.model import make\n" + use + "use(make(x), y)\n",
        }
        projects[f"{key}_reexport"] = {
            "pkg/__init__.py": "from .model import make\n",
            "pkg/model.py": p_imp + make,
            "main.py": c_imp + "from pkg import make\n" + use + "use(make(x), y)\n",
        }
        projects[f"{key}_deep"] = {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/model.py": p_imp + make,
            "main.py": c_imp + "import pkg.sub.model\n" + use + "use(pkg.sub.model.make(x), y)\n",
        }
        projects[f"{key}_sink"] = {
            "losses.py": c_imp + use,
            "model.py": p_imp + make,
            # mentions no torch name: values and consumer both come from imports
            "train.py": "from model import make\nfrom losses import use\n\nuse(make(x), y)\n",
        }
        projects[f"{key}_identity"] = {
            "util.py": "def same(v):\n    return v\n",
            "main.py": p_imp + c_imp + "from util import same\n" + make + use + "use(same(make(x)), y)\n",
        }
        # The model and the consumer meet only inside calls made with them (issue #14).
        model = f"import torch.nn as nn\n{p_imp}class M(nn.Module):\n    def forward(self, x):\n" \
                f"        return {p_expr.format(x='x')}\n"
        projects[f"{key}_passed"] = {
            "models.py": model,
            "engine.py": c_imp + "def fit(model, loader):\n    for x, y in loader:\n"
                         f"        {c_expr.format(x='model(x)')}\n",
            "train.py": "from models import M\nfrom engine import fit\n\n"
                        "if __name__ == '__main__':\n    fit(M(), loader)\n",
        }
        projects[f"{key}_trainer"] = {
            "models.py": model,
            "trainer.py": c_imp + "class Trainer:\n    def __init__(self, model):\n        self.model = model\n"
                          f"    def step(self, x, y):\n        return {c_expr.format(x='self.model(x)')}\n",
            "train.py": "from models import M\nfrom trainer import Trainer\n\nnet = M()\n\ndef main():\n"
                        "    Trainer(net).step(x, y)\n\nmain()\n",
        }
    return projects


def test_the_generated_corpus_has_findings_to_lose() -> None:
    total = sum(len(lint_sources(files)) for files in generated_projects().values())
    assert total > 40


@pytest.mark.parametrize("name", sorted(generated_projects()))
def test_precheck_never_changes_findings_generated(name: str) -> None:
    files = generated_projects()[name]
    assert as_data(lint_sources(files, precheck=True)) == as_data(lint_sources(files, precheck=False))


def test_precheck_never_changes_findings_on_rule_examples() -> None:
    for rule in ALL_RULES:
        for example in (*rule.valid, *rule.invalid):
            files = example.files if getattr(example, "files", None) else {"example.py": getattr(example, "code", example)}
            assert as_data(lint_sources(files, precheck=True)) == as_data(lint_sources(files, precheck=False)), rule.code


@pytest.mark.parametrize("project", PROJECTS + CORPUS, ids=lambda p: p.name)
def test_precheck_never_changes_findings_on_projects(project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project)
    with_precheck = lint_paths(["."])
    without = lint_paths(["."], precheck=False)
    assert as_data(with_precheck.findings) == as_data(without.findings)


def test_precheck_never_changes_findings_on_fixtures(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    with_precheck = lint_paths(["fixtures"])
    assert with_precheck.findings
    assert as_data(with_precheck.findings) == as_data(lint_paths(["fixtures"], precheck=False).findings)


def test_precheck_skips_files_that_cannot_matter(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, {
        "model.py": "import torch.nn.functional as F\n\ndef probs(x):\n    return F.softmax(x)\n",
        "io_utils.py": "import json\n\ndef load(path):\n    return json.load(open(path))\n",
        "only_layers.py": "import torch.nn as nn\n\nlayer = nn.Linear(2, 3)\n",
    })
    analysed = []
    real = check.__getattr__("analyze_module")
    monkeypatch.setattr(check, "analyze_module", lambda module, project: analysed.append(module.path) or real(module, project))
    monkeypatch.chdir(tmp_path)
    findings = lint_paths(["."]).findings
    assert [f.code for f in findings] == ["TL002"]
    assert analysed == ["model.py"]


_WORD_PIECES = ["softmax", "sigmoid", "log", "Linear", "3", "é", "_", ".", " ", "x", "\n", "ß", "(", "#"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORD_PIECES), max_size=12).map("".join))
def test_precheck_words_are_whole_word_runs(text: str) -> None:
    """The pre-check's words of a text are those `\\bword\\b` finds (a word glued to a digit,
    a letter or an underscore is another word), read from the text's runs of word characters."""
    import re

    from torchlint.precheck import ANY_WORD, file_facts

    alternation = re.compile(r"\b(?:" + "|".join(sorted(ANY_WORD, key=len, reverse=True)) + r")\b")
    assert file_facts("m.py", text, None).words == frozenset(alternation.findall(text))


# -- lazy imports in the analysed module (issue #20)


def _without_lazy_imports(monkeypatch) -> None:
    from torchlint.analysis.project import Project

    monkeypatch.setattr(Project, "lazy_imports", False)


@pytest.mark.parametrize("project", PROJECTS + CORPUS + [ROOT / "fixtures"], ids=lambda p: p.name)
def test_lazy_imports_never_change_findings(project: Path, monkeypatch) -> None:
    """The analysed module decodes an import when it reads the name; decoding every import
    first gives the same findings (fixes and related places included)."""
    monkeypatch.chdir(project)
    lazy = as_data(lint_paths(["."], precheck=False).findings)
    _without_lazy_imports(monkeypatch)
    assert lazy == as_data(lint_paths(["."], precheck=False).findings)


def test_lazy_imports_never_change_findings_generated(monkeypatch) -> None:
    projects = generated_projects()
    lazy = {name: as_data(lint_sources(files, precheck=False)) for name, files in projects.items()}
    _without_lazy_imports(monkeypatch)
    for name, files in projects.items():
        assert lazy[name] == as_data(lint_sources(files, precheck=False)), name


# -- the process pool


def test_jobs_give_identical_output(monkeypatch) -> None:
    monkeypatch.setattr(api, "MIN_FILES_PER_JOB", 1)
    monkeypatch.chdir(ROOT)
    one = lint_paths(["fixtures", "tests/projects"], jobs=1)
    two = lint_paths(["fixtures", "tests/projects"], jobs=2)
    three = lint_paths(["fixtures", "tests/projects"], jobs=3)
    assert one.findings
    assert as_data(one.findings) == as_data(two.findings) == as_data(three.findings)


def test_workers_without_a_temporary_directory_still_lint(monkeypatch) -> None:
    """Under --no-cache the workers share summaries through a temporary directory; none: no sharing."""
    import tempfile

    monkeypatch.setattr(api, "MIN_FILES_PER_JOB", 1)
    monkeypatch.chdir(ROOT)
    expected = as_data(lint_paths(["fixtures"], jobs=1).findings)

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    assert as_data(lint_paths(["fixtures"], jobs=2).findings) == expected


# A model whose forward ends in a softmax, and a step that feeds it to CrossEntropyLoss from
# another module: a finding only the import shows.
_NET_MODULE = ("import torch.nn as nn\nimport torch.nn.functional as F\n\n"
               "class Net(nn.Module):\n    def forward(self, x):\n        return F.softmax(x, dim=1)\n")


def _step_module(model: str) -> str:
    return (f"import torch.nn as nn\nfrom {model} import Net\n\n"
            "def step(x, y):\n    return nn.CrossEntropyLoss()(Net()(x), y)\n")


def _each_in_a_fresh_session(paths, config, rules) -> dict[str, list[dict]]:
    """Each file's findings from a session of its own: what findings must not depend on."""
    from torchlint.session import Session

    return {path: as_data(Session(["."], on_disk=True).lint_file(path, config, rules).findings) for path in paths}


def _session_counting_parses(monkeypatch):
    """A session whose every parse of a file (to lint it, for a summary, for definitions) is
    appended to the returned list."""
    from torchlint.session import Session

    parses: list[str] = []
    session = Session(["."], on_disk=True)
    load = session._load
    monkeypatch.setattr(session, "_load", lambda path: parses.append(path) or load(path))
    monkeypatch.setattr(session.project, "loader", session._load)
    return session, parses


def test_a_worker_lints_the_files_it_parsed_for_a_summary(tmp_path, monkeypatch) -> None:
    """`parallel._lint_chunk`: the file a worker parsed while linting another (for its summary)
    is linted there, tree in hand, and the worker whose chunk has it skips it."""
    import multiprocessing

    import torchlint.parallel as parallel
    from torchlint.cache import finding_from_data
    from torchlint.check import rules_for

    write(tmp_path, {
        "model.py": _NET_MODULE,
        "train.py": _step_module("model"),
    })
    monkeypatch.chdir(tmp_path)
    config = Config()
    rules = rules_for([config])
    configs = {"model.py": config, "train.py": config}
    reference = _each_in_a_fresh_session(configs, config, rules)
    assert reference["train.py"]  # the softmax reaches the loss through the import

    session, parses = _session_counting_parses(monkeypatch)
    claims = multiprocessing.get_context("spawn").Array("b", len(configs))
    monkeypatch.setattr(parallel, "_WORKER", {"session": session, "configs": configs, "rules": rules,
                                              "claims": claims, "index": {"model.py": 0, "train.py": 1}})
    # This worker's chunk is train.py; model.py is another worker's, parsed here for its summary.
    first = parallel._lint_chunk(["train.py"])
    assert [row[0] for row in first] == ["train.py", "model.py"]
    assert {row[0]: as_data(finding_from_data(data) for data in row[1]) for row in first} == reference
    assert parses == ["train.py", "model.py"]  # each parsed once
    assert list(claims) == [1, 1]
    assert parallel._lint_chunk(["model.py"]) == []  # the other worker's chunk: already taken


def test_a_linted_tree_serves_the_next_files_then_goes(tmp_path, monkeypatch) -> None:
    """`Session._keep_for_a_while`: a module linted just before a file that imports it is not
    parsed again for its summary; the trees of files linted longer ago go (memory stays flat),
    and findings are those of a fresh session per file."""
    from torchlint.check import rules_for
    from torchlint.session import RECENT_TREES

    fillers = {f"filler_{n:02}.py": f"import torch.nn.functional as F\n\ndef p{n}(x):\n    return F.softmax(x)\n"
               for n in range(RECENT_TREES + 1)}
    write(tmp_path, {
        "a_model.py": _NET_MODULE,
        "b_train.py": _step_module("a_model"),
        **fillers,
        "z_late.py": "import torch.nn as nn\nfrom a_model import Net\nfrom b_train import step\n\n"
                     "def late(x, y):\n    return step(x, y) + nn.NLLLoss()(Net()(x), y)\n",
    })
    monkeypatch.chdir(tmp_path)
    config = Config()
    rules = rules_for([config])
    order = ["a_model.py", "b_train.py", *fillers, "z_late.py"]
    reference = _each_in_a_fresh_session(order, config, rules)
    assert reference["b_train.py"] and reference["z_late.py"]

    session, parses = _session_counting_parses(monkeypatch)
    found = {path: as_data(session.lint_file(path, config, rules).findings) for path in order}
    assert found == reference
    # a_model.py: linted, then read by b_train.py with its tree in hand, which its summary now
    # holds. b_train.py: linted, gone by the time z_late.py reads it, parsed again for that.
    assert parses.count("a_model.py") == 1
    assert parses.count("b_train.py") == 2
    kept = set(session.project.modules)
    assert "filler_00.py" not in kept
    assert kept <= {"a_model.py", "b_train.py", "z_late.py", *list(fillers)[-RECENT_TREES:]}


def test_the_collector_never_walks_a_linted_files_own_tree(tmp_path, monkeypatch) -> None:
    """`session.freeze_the_new_tree`: while linting, a file's own tree is frozen as soon as it
    is parsed (no collection walks it); outside `fewer_collections` nothing is frozen."""
    import gc

    from torchlint.check import rules_for
    from torchlint.session import Session, fewer_collections

    write(tmp_path, {"model.py": "import torch.nn.functional as F\n\ndef probs(x):\n    return F.softmax(x)\n"})
    monkeypatch.chdir(tmp_path)
    config = Config()
    rules = rules_for([config])
    young: list[bool] = []
    real = check.__getattr__("analyze_module")

    def spy(module, project):
        young.append(any(obj is module.module for obj in gc.get_objects()))
        return real(module, project)

    monkeypatch.setattr(check, "analyze_module", spy)
    with fewer_collections():
        assert [f.code for f in Session(["."], on_disk=True).lint_file("model.py", config, rules).findings] == ["TL002"]
    Session(["."], on_disk=True).lint_file("model.py", config, rules)
    assert young == [False, True]


def test_workers_start_from_the_session_that_made_the_cutoffs(tmp_path, monkeypatch) -> None:
    """After an edit this process summarises the edited module for the cache's cutoffs; forked
    workers start from that session, so none parses the module again for the bodies their
    files' contexts enter (diffusers' attention module was parsed three times)."""
    import multiprocessing

    import torchlint.parsing as parsing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("workers are forked only where fork is available")
    engine = ("import torch.nn.functional as F\n\ndef fit(model, loader):\n    for x, y in loader:\n"
              "        F.cross_entropy(model(x), y)\n")
    # No finding names a place in engine.py (its text would then be the dependency, no cutoff):
    # the context enters fit with a model whose output is logits.
    run = ("import torch.nn as nn\nfrom engine import fit\n\nclass Net(nn.Module):\n"
           "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n"
           "    def forward(self, x):\n        return self.fc(x)\n\nfit(Net(), loader)\n")
    write(tmp_path, {"engine.py": engine, **{f"run{n}.py": run for n in range(4)}})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    monkeypatch.setattr(api, "MIN_FILES_PER_JOB", 1)
    before = lint_paths(["."], cache_dir=".c", jobs=2).findings
    entries = json.loads(next((tmp_path / ".c").glob("results-*.json")).read_text())["entries"]
    assert entries["run0.py"]["cut"]["engine.py"][0] == "d"  # keyed on the text of the bodies entered
    (tmp_path / "engine.py").write_text(engine.replace("        F.", "        y = y.long()\n        F."))  # entered
    os.utime(tmp_path / "engine.py", (2e9, 2e9))
    log = tmp_path / "parses.log"
    real = parsing._libcst_parse

    def spy(text, *args):
        if "def fit" in text:
            with open(log, "a") as handle:
                handle.write(f"{os.getpid()}\n")
        return real(text, *args)

    monkeypatch.setattr(parsing, "_libcst_parse", spy)  # forked workers inherit the spy
    after = as_data(lint_paths(["."], cache_dir=".c", jobs=2).findings)
    assert log.read_text().split() == [str(os.getpid())]  # this process's parse, and no other
    assert after == as_data(before) == as_data(lint_paths(["."]).findings)


def test_a_pool_that_fails_hands_its_session_down_no_longer(tmp_path, monkeypatch) -> None:
    """The session handed down to forked workers is dropped however the pool ends: a later
    pool (an editor's next run) must not start from a stale one."""
    import torchlint.parallel as parallel

    def broken(paths, workers):
        raise RuntimeError("no chunks")

    monkeypatch.setattr(parallel, "chunks", broken)
    with pytest.raises(RuntimeError):
        parallel.lint_parallel(["a.py"], 2, {"summary_dir": str(tmp_path), "on_disk": True}, {"a.py": Config()},
                               [], inherit=object())
    assert "inherit" not in parallel._WORKER


# -- the cache


def count_analyses(monkeypatch) -> list[str]:
    analysed: list[str] = []
    real = check.__getattr__("analyze_module")

    def spy(module, project):
        analysed.append(module.path)
        return real(module, project)

    monkeypatch.setattr(check, "analyze_module", spy)
    return analysed


def project_with_chain(root: Path) -> None:
    write(root, {
        "model.py": "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                    "        super().__init__()\n        self.act = nn.Softmax(dim=1)\n\n"
                    "    def forward(self, x):\n        return self.act(x)\n",
        "train.py": "import torch.nn as nn\nfrom model import Net\n\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n",
        "other.py": "import torch\n\ndef probs(x):\n    return torch.softmax(x, dim=-1)\n",
    })


def test_cache_reuses_results_and_reanalyses_only_dependents(tmp_path: Path, monkeypatch) -> None:
    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    analysed = count_analyses(monkeypatch)
    cold = lint_paths(["."], cache_dir=".torchlint_cache")
    assert sorted(analysed) == ["model.py", "other.py", "train.py"]
    assert [f.code for f in cold.findings] == ["TL001"]
    assert (tmp_path / ".torchlint_cache" / ".gitignore").read_text().strip().endswith("*")

    analysed.clear()
    warm = lint_paths(["."], cache_dir=".torchlint_cache")
    assert analysed == []
    assert as_data(warm.findings) == as_data(cold.findings)

    # model.py's summary feeds train.py's findings; other.py depends on nothing.
    (tmp_path / "model.py").write_text((tmp_path / "model.py").read_text() + "\n# edited\n")
    analysed.clear()
    edited = lint_paths(["."], cache_dir=".torchlint_cache")
    assert sorted(analysed) == ["model.py", "train.py"]
    assert as_data(edited.findings) == as_data(lint_paths(["."], precheck=False).findings)

    (tmp_path / "other.py").write_text("import torch.nn.functional as F\n\ndef probs(x):\n    return F.softmax(x)\n")
    analysed.clear()
    edited = lint_paths(["."], cache_dir=".torchlint_cache")
    assert analysed == ["other.py"]
    assert sorted(f.code for f in edited.findings) == ["TL001", "TL002"]


def summary_corpora() -> dict[str, dict[str, str]]:
    """The test projects, the fixtures and the generated corpus, as path -> text."""
    corpora = {name: files for name, files in generated_projects().items()}
    for root in [*PROJECTS, *CORPUS, ROOT / "fixtures"]:
        corpora[root.name] = {str(path.relative_to(root)): path.read_text()
                              for path in sorted(root.rglob("*.py"))}
    return corpora


def test_summaries_read_back_from_the_cache_give_the_same_findings(tmp_path: Path, monkeypatch) -> None:
    """Every file analysed again while every summary comes from the cache: identical findings
    (fixes and related places included), and the cached summaries spared the phase-1 work."""
    from torchlint.analysis.project import Project

    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    made: list[str] = []
    real = Project._fresh_summary

    def spy(self, path):
        made.append(path)
        return real(self, path)

    monkeypatch.setattr(Project, "_fresh_summary", spy)
    first_made = again_made = with_findings = 0
    for name, files in summary_corpora().items():
        root = tmp_path / name
        write(root, files)
        monkeypatch.chdir(root)
        expected = as_data(lint_paths(["."]).findings)
        made.clear()
        lint_paths(["."], cache_dir=".torchlint_cache")
        first_made += len(made)
        for results in (root / ".torchlint_cache").glob("results-*.json"):
            results.unlink()  # every file is analysed again; the summaries stay
        made.clear()
        again = lint_paths(["."], cache_dir=".torchlint_cache")
        assert as_data(again.findings) == expected, name
        again_made += len(made)
        with_findings += len({f.filename for f in again.findings})
    # Only a module whose sites a finding names is summarised again (to place them).
    assert first_made > 100 and again_made <= with_findings, (first_made, again_made, with_findings)


def test_a_damaged_summary_cache_is_ignored(tmp_path: Path, monkeypatch) -> None:
    from torchlint.cache import summaries_dir

    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("torchlint.cache.RACY_NS", 0)
    expected = as_data(lint_paths(["."]).findings)
    assert expected
    lint_paths(["."], cache_dir="c")
    [stored] = Path(summaries_dir("c")).glob("*.json")  # model.py's: what train.py imports
    entry = json.loads(stored.read_text())
    assert entry["path"] == "model.py"
    summary = entry["summary"]
    for damaged in ("{not json", "[1, 2, 3]", {**entry, "path": "other.py"}, {**entry, "summary": {"t": 1}},
                    {**entry, "summary": {**summary, "exports": {"Net": {"t": "class"}}}},
                    {**entry, "summary": {**summary, "version": -1}}):
        stored.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
        for results in Path("c").glob("results-*.json"):
            results.unlink()
        assert as_data(lint_paths(["."], cache_dir="c").findings) == expected, damaged


def test_a_warm_run_never_imports_libcst(tmp_path: Path) -> None:
    """A run answered from the cache only stats files and reads one JSON file."""
    import subprocess
    import sys

    project_with_chain(tmp_path)
    code = ("import sys; from torchlint.cli import main\n"
            "code = main(['--isolated', '.'])\n"
            "print('exit', code, 'libcst imported:', 'libcst' in sys.modules)\n")
    old = os.path.getmtime(tmp_path / "model.py") - 60  # older than the racy window
    for name in ("model.py", "other.py", "train.py"):
        os.utime(tmp_path / name, (old, old))
    cold = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    warm = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert "exit 1 libcst imported: True" in cold.stdout
    assert "exit 1 libcst imported: False" in warm.stdout, warm.stdout + warm.stderr


def test_parser_output_is_the_same_without_per_node_validation() -> None:
    """parsing._parser_output_trusted skips LibCST's validation during a parse only."""
    import libcst as cst

    from torchlint.parsing import _libcst_parse

    sources = [path.read_text() for path in sorted((ROOT / "torchlint").rglob("*.py"))]
    sources += [path.read_text() for path in sorted((ROOT / "fixtures").rglob("*.py"))]
    for source in sources:
        fast = _libcst_parse(source, True)
        assert fast.deep_equals(cst.parse_module(source))
        assert fast.code == source
    with pytest.raises(cst.CSTValidationError):  # validation is back after the parse
        cst.Name("not a name")


def test_walks_for_code_reach_every_expression_and_statement() -> None:
    """`nodes.code_children` leaves out the fields declared to hold only layout: a walk with it
    still reaches every expression, statement, argument and parameter of a tree, and fewer nodes."""
    import libcst as cst

    from torchlint.analysis.nodes import child_nodes, code_children, is_expression

    def reached(root, step) -> list:
        out, pending = [], [root]
        while pending:
            current = pending.pop()
            out.append(current)
            pending.extend(step(current))
        return out

    paths = sorted((ROOT / "torchlint").rglob("*.py")) + sorted((ROOT / "fixtures").rglob("*.py"))
    paths += sorted((ROOT / "tests" / "projects").rglob("*.py"))
    code = (cst.BaseStatement, cst.BaseSmallStatement, cst.Arg, cst.Param, cst.CompFor, cst.Decorator)
    counts = [0, 0]
    for path in paths:
        tree = cst.parse_module(path.read_text())
        every = reached(tree, child_nodes)
        walked = {id(node) for node in reached(tree, code_children)}
        assert {id(node) for node in every if is_expression(node) or isinstance(node, code)} <= walked, path
        counts[0] += len(every)
        counts[1] += len(walked)
    assert counts[1] < counts[0] / 2


def test_parses_in_threads_leave_validation_on() -> None:
    import threading

    import libcst as cst

    from torchlint.parsing import _libcst_parse

    source = (ROOT / "torchlint" / "analysis" / "flow.py").read_text()
    errors: list[BaseException] = []

    def parse_many() -> None:
        try:
            for _ in range(5):
                assert _libcst_parse(source, True).code == source
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=parse_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_cache_is_keyed_by_configuration(tmp_path: Path, monkeypatch) -> None:
    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert lint_paths(["."], cache_dir="c").findings
    assert lint_paths(["."], Config(ignore=["TL001"]), cache_dir="c").findings == []
    assert lint_paths(["."], cache_dir="c").findings


def test_corrupt_or_foreign_cache_is_ignored(tmp_path: Path, monkeypatch) -> None:
    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    expected = as_data(lint_paths(["."]).findings)
    lint_paths(["."], cache_dir="c")
    (cache_file,) = [p for p in (tmp_path / "c").iterdir() if p.name.startswith("results-")]

    data = json.loads(cache_file.read_text())
    for entry in data["entries"].values():  # lies about every file's findings, with the right hashes
        entry["findings"] = [{"garbage": True}]
    cache_file.write_text(json.dumps(data))
    assert as_data(lint_paths(["."], cache_dir="c").findings) == expected

    for entry in data["entries"].values():  # findings that belong to other contents
        entry["hash"] = "0" * 32
        entry["findings"] = []
    cache_file.write_text(json.dumps(data))
    assert as_data(lint_paths(["."], cache_dir="c").findings) == expected

    for junk in ("", "{not json", "[]", json.dumps({"format": 1, "key": "other", "entries": {}})):
        cache_file.write_text(junk)
        assert as_data(lint_paths(["."], cache_dir="c").findings) == expected


def test_adding_a_file_starts_a_fresh_cache(tmp_path: Path, monkeypatch) -> None:
    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    lint_paths(["."], cache_dir="c")
    # A new module shadows what `from model import Net` resolved to.
    write(tmp_path, {"model/__init__.py": "", "extra.py": "x = 1\n"})
    assert as_data(lint_paths(["."], cache_dir="c").findings) == as_data(lint_paths(["."]).findings)


def test_cache_memo_keys_on_content_not_only_stat(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    cache = Cache(str(tmp_path / "c"), Config(), project_files_key([str(path)]))
    first = cache.file_hash(str(path))
    path.write_text("y = 2\n")  # same size, maybe the same mtime tick: not memoised while racy
    fresh = Cache(str(tmp_path / "c"), Config(), project_files_key([str(path)]))
    assert fresh.file_hash(str(path)) != first


# -- shards


def test_shards_partition_the_files_and_their_findings(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    full = lint_paths(["fixtures", "tests/projects"])
    shards = [lint_paths(["fixtures", "tests/projects"], shard=(i, 3)) for i in (1, 2, 3)]
    merged = {}
    for shard in shards:
        for finding in shard.findings:
            merged.setdefault((finding.code, finding.filename, finding.location), finding)
    assert sorted(as_data(merged.values()), key=json.dumps) == sorted(as_data(full.findings), key=json.dumps)
    assert api.shard_files(list("abcdefg"), 1, 3) + api.shard_files(list("abcdefg"), 2, 3) + api.shard_files(
        list("abcdefg"), 3, 3) == list("abcdefg")


def test_cli_speed_options(tmp_path: Path, monkeypatch, capsys) -> None:
    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--jobs", "2", "--shard", "1/1", "."]) == 1
    assert (tmp_path / ".torchlint_cache").is_dir()
    assert main(["clean"]) == 0
    assert not (tmp_path / ".torchlint_cache").exists()
    assert main(["--no-cache", "."]) == 1
    assert not (tmp_path / ".torchlint_cache").exists()
    assert main(["--cache-dir", "elsewhere", "."]) == 1
    assert (tmp_path / "elsewhere").is_dir()
    assert main(["--shard", "3/2", "."]) == 2
    assert main(["--shard", "x", "."]) == 2
    assert "--shard" in capsys.readouterr().err


def test_linting_restores_the_collector_thresholds(tmp_path: Path, monkeypatch) -> None:
    """session.fewer_collections applies only while files are linted in this process."""
    import gc

    from torchlint.session import LINT_GC_THRESHOLDS

    project_with_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = gc.get_threshold()
    assert before != LINT_GC_THRESHOLDS
    seen = []
    original = session.check_module
    monkeypatch.setattr(session, "check_module", lambda *a: seen.append(gc.get_threshold()) or original(*a))
    assert lint_paths(["."]).findings
    assert seen and set(seen) == {LINT_GC_THRESHOLDS}
    assert gc.get_threshold() == before


@settings(max_examples=300, deadline=None)
@hypothesis.example("\r", '"""', "")  # a carriage return in a literal reads as "\n"
@given(st.text(max_size=12), st.sampled_from(['"', "'", '"""', "'''"]), st.sampled_from(["", "r", "b", "u", "R", "rb"]))
def test_string_literal_values_match_libcst(text: str, quote: str, prefix: str) -> None:
    """The interpreter reads a plain string literal itself (LibCST's `evaluated_value` compiles)."""
    import libcst as cst

    from torchlint.analysis.syntax import string_value as _string_value

    for literal in (prefix + quote + text + quote, repr(text)):
        try:
            node = cst.parse_expression(literal)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences in generated literals
                expected = node.evaluated_value
        except Exception:
            continue  # not a valid literal (a quote or newline inside, bytes with non-ASCII, ...)
        if isinstance(node, cst.SimpleString):
            assert _string_value(node) == expected, literal
