"""Issue #20: a module that only binds literals is summarised from CPython's `ast`
(`analysis/literals.py`); the summary must be the one LibCST's tree gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torchlint import lint_paths
from torchlint.analysis.literals import literal_summary
from torchlint.analysis.project import Project
from torchlint.parsing import parse_source
from torchlint.session import Session


def libcst_summary(text: str, path: str = "data.py"):
    """Phase 1 as it runs without the quick path: the LibCST tree, interpreted."""
    project = Project({path: parse_source(path, text)}, [""], on_disk=False)
    return project._fresh_summary(path)


def assert_same_summary(text: str) -> None:
    quick = literal_summary("data.py", text)
    assert quick is not None, text
    reference = libcst_summary(text)
    assert reference is not None
    assert quick.to_cache() == reference.to_cache(), text


CASES = {
    "plain strings": 'A = "abc"\nB = \'x y\'\nC = """multi\nline"""\nD = \'\'\'t\'\'\'\nE = ""\n',
    "prefixed and escaped strings": 'A = r"a\\b"\nB = b"bytes"\nC = u"u"\nD = "tab\\t"\nE = Rb"x"\nF = "q\\"q"\n',
    "concatenated and parenthesised strings": 'A = "a" "b"\nB = ("c"\n     "d")\nC = ("e")\n',
    "f-strings": 'X = "x"\nA = f"a{X}b"\nB = f"{X!r:>{10}}"\nC = f"plain"\n',
    "numbers and constants": "A = 1\nB = -2.5\nC = 3j\nD = True\nE = False\nF = None\nG = ...\nH = 0x1F\n",
    "tuples, lists, starred": 'A = (1, "a", None)\nB = ["x", ["y", ("z",)]]\nC = [*A, "w"]\nD = ()\nE = "s",\n',
    "dicts": ('K = "key"\nA = {"a": 1, "b": "two", K: "named", 3: "number", None: "none"}\n'
              'B = {"a\\tb": 1, b"raw": 2, "c" "d": 3, ("p"): 4}\n'
              'C = {**A, "z": "last"}\nD = {**B}\nE = {**K, "k": 1}\nF = {"a": 1, "a": "again"}\n'
              'G = {1: "only unknown keys"}\nH = {}\n'),
    "sets and operators": 'A = {"a", "b"}\nB = [1] + [2]\nC = -1\nD = not_defined\nE = A\nF = 2 ** 8\n',
    "rebinding, chains, annotations, docstrings": ('"""A data module."""\nA = "first"\nB = A\nA = ["second"]\n'
                                                  'C = D = {"k": A}\nE: list = [B]\nF: int\npass\n"a note"\n'),
    "empty": "",
    "comments only": "# nothing here\n\n# at all\n",
    "carriage returns": 'A = """one\r\ntwo"""\r\nB = "three"\r\nC = "four \\\r\nfive"\r\nD = {"six": 6}\r\n',
    "unicode": 'A = "héllo wörld ✓"\nB = {"ключ": "значение", "𝔘": [1, "😀"]}\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_literal_modules_summarise_as_their_libcst_trees_do(name):
    assert_same_summary(CASES[name])


NOT_LITERAL = {
    "an import": 'import os\nA = "a"\n',
    "a from-import": 'from x import y\n',
    "a call": 'A = dict(a=1)\n',
    "a definition": 'def f():\n    return 1\n',
    "a class": 'class C:\n    pass\n',
    "a comprehension": 'A = [x for x in "abc"]\n',
    "a lambda": 'A = lambda: 1\n',
    "a comparison": 'A = 1 < 2\n',
    "a conditional": 'A = "a" if B else "b"\n',
    "a subscript": 'A = ["a"]\nB = A[0]\n',
    "an attribute": 'A = B.c\n',
    "a tuple target": 'A, B = "a", "b"\n',
    "a subscript target": 'A = {}\nA["k"] = 1\n',
    "an augmented assignment": 'A = [1]\nA += [2]\n',
    "an if statement": 'if True:\n    A = 1\n',
    "a del": 'A = 1\ndel A\n',
    "a walrus": 'A = (B := 1)\n',
    "boolean operators": 'A = "a" or "b"\n',
    "a syntax error": 'A = [\n',
    "deep nesting": "A = " + "[" * 60 + "]" * 60 + "\n",
}


@pytest.mark.parametrize("name", sorted(NOT_LITERAL))
def test_other_modules_go_the_usual_way(name):
    assert literal_summary("data.py", NOT_LITERAL[name]) is None


# -- generated literal modules

NAMES = ["A", "B", "C", "D"]
strings = st.sampled_from(['"a"', "'b c'", '"""d\ne"""', 'r"\\x"', 'b"y"', '"t\\n"', '"p" "q"', 'f"{A}"',
                           '"softmax"', '"ce"', '""', 'u"v"', '("w")'])
atoms = st.one_of(strings, st.sampled_from(["1", "-1", "2.5", "True", "False", "None", "...", "1j", *NAMES]))


def _containers(children):
    items = st.lists(st.one_of(children, children.map(lambda c: "*" + c)), max_size=4)
    keys = st.one_of(strings, atoms)
    pairs = st.lists(st.one_of(st.tuples(keys, children).map(lambda kv: f"{kv[0]}: {kv[1]}"),
                               children.map(lambda c: "**" + c)), max_size=4)
    return st.one_of(
        items.map(lambda xs: "[" + ", ".join(xs) + "]"),
        items.map(lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"),
        pairs.map(lambda xs: "{" + ", ".join(xs) + "}"),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
        st.tuples(children, children).map(lambda ab: f"{ab[0]} + {ab[1]}"),
    )


expressions = st.recursive(atoms, _containers, max_leaves=12)
statements = st.one_of(
    st.tuples(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2), expressions).map(
        lambda t: " = ".join(t[0]) + " = " + t[1]),
    st.tuples(st.sampled_from(NAMES), expressions).map(lambda t: f"{t[0]}: object = {t[1]}"),
    expressions,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, min_size=1, max_size=6))
def test_generated_literal_modules_summarise_as_their_libcst_trees_do(lines):
    text = "\n".join(lines) + "\n"
    try:
        compile(text, "data.py", "exec")
    except SyntaxError:
        return  # `{*A}`-like spellings the generator can make that Python refuses
    if literal_summary("data.py", text) is None:
        return  # a starred item outside a display, say: the usual way, nothing to compare
    assert_same_summary(text)


# -- the quick path in a run: found, used, and the findings unchanged

DATA_PROJECT = {
    "settings.py": '"""Which loss the trainer uses."""\nLOSS = "nll"\nNAMES = ["cat", "dog"]\n',
    "train.py": (
        "import torch.nn as nn\nimport torch.nn.functional as F\nfrom settings import LOSS\n\n"
        "LOSSES = {'ce': nn.CrossEntropyLoss(), 'nll': nn.NLLLoss()}\n\n"
        "def step(logits, target):\n"
        "    criterion = LOSSES[LOSS]\n"
        "    return criterion(F.softmax(logits, dim=1), target)\n"
    ),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text)


def test_a_string_read_from_a_data_module_chooses_the_loss(tmp_path, monkeypatch):
    _write(tmp_path, DATA_PROJECT)
    monkeypatch.chdir(tmp_path)
    quick = [f.to_json() for f in lint_paths(["."], isolated=True).findings]
    assert [f["code"] for f in quick] == ["TL004"]  # softmax into NLLLoss, chosen by settings.LOSS

    monkeypatch.setattr("torchlint.session.literal_summary", lambda path, text, tree=None: None)
    usual = [f.to_json() for f in lint_paths(["."], isolated=True).findings]
    assert quick == usual


def test_the_session_summarises_a_data_module_without_libcst(tmp_path, monkeypatch):
    _write(tmp_path, DATA_PROJECT)
    monkeypatch.chdir(tmp_path)
    session = Session(["."], on_disk=True)
    summary = session.project.summary("settings.py")
    assert summary is not None and set(summary.exports) == {"LOSS", "NAMES"}
    assert "settings.py" not in session.project.modules  # never parsed by LibCST
    assert session.project.summary("train.py") is not None
    assert "train.py" in session.project.modules
