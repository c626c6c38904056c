"""Property-based tests: the analyzer never raises, and its results are deterministic (issue #8).

`bench/fuzz.py` runs the same properties for as long as a maintainer likes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import torchlint
from fuzz_strategies import any_programs, python_programs, torch_programs

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def assert_answered(findings: list[torchlint.Finding]) -> None:
    internal = [f.message for f in findings if f.message.startswith("internal error")]
    assert not internal, internal


def key(findings: list[torchlint.Finding]) -> list[tuple]:
    return [(f.filename, f.location, f.end_location, f.code, f.message, f.related) for f in findings]


@FAST
@given(torch_programs())
def test_engine_never_raises_on_torch_like_programs(source: str) -> None:
    findings = torchlint.lint_source(source, "m.py")
    assert_answered(findings)
    assert key(findings) == key(torchlint.lint_source(source, "m.py"))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(python_programs())
def test_engine_never_raises_on_any_valid_python(source: str) -> None:
    compile(source, "m.py", "exec")  # hypothesmith only generates valid programs
    findings = torchlint.lint_source(source, "m.py")
    assert_answered(findings)
    assert not [f for f in findings if f.code == "TL000"], [f.message for f in findings]


@FAST
@given(st.lists(any_programs(), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_file_order(sources: list[str], random) -> None:
    names = ["pkg/__init__.py", "pkg/models.py", "pkg/train.py", "script.py"]
    files = dict(zip(names, sources))
    shuffled = list(files.items())
    random.shuffle(shuffled)
    first = torchlint.lint_sources(files)
    assert_answered(first)
    assert key(first) == key(torchlint.lint_sources(dict(shuffled)))


def test_file_ending_in_continued_blank_lines_is_valid() -> None:
    """Found by bench/fuzz.py: CPython accepts it, LibCST's tokenizer alone does not."""
    source = "import torch.nn.functional as F\nF.softmax(1)\n#\\\r\n\\\r\n"
    assert [(f.code, f.location.row) for f in torchlint.lint_source(source, "m.py")] == [("TL002", 2)]
