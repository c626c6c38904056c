"""Every rule's fix examples: `--fix` turns `before` into `after`, exactly, and a second pass changes nothing."""

from __future__ import annotations

import textwrap

import pytest

from torchlint import lint_sources
from torchlint.fix import fix_sources
from torchlint.rules import ALL_RULES
from torchlint.rules.base import Example


def _cases():
    for rule in ALL_RULES:
        for index, example in enumerate(rule.fixes):
            yield pytest.param(rule, example, id=f"{rule.code}-fix-{index}")


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.fixable], ids=lambda r: r.code)
def test_fixable_rule_has_fix_examples(rule):
    assert rule.fixes, f"{rule.code} is fixable ({rule.fixable}) but has no fix examples"
    kinds = {"unsafe" if example.unsafe else "safe" for example in rule.fixes}
    assert kinds <= ({"safe", "unsafe"} if rule.fixable == "sometimes" else {rule.fixable})


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if not r.fixable], ids=lambda r: r.code)
def test_unfixable_rule_has_no_fix_examples(rule):
    assert not rule.fixes


@pytest.mark.parametrize("rule, example", list(_cases()))
def test_fix_example(rule, example):
    before, after = textwrap.dedent(example.before), textwrap.dedent(example.after)
    assert any(f.code == rule.code and f.fix for f in lint_sources({"example.py": before})), \
        f"{rule.code} offers no fix on the example"
    fixed, count = fix_sources({"example.py": before}, unsafe=example.unsafe)
    assert fixed["example.py"] == after
    assert count >= 1
    if example.unsafe:  # without --unsafe-fixes nothing happens
        assert fix_sources({"example.py": before})[0]["example.py"] == before
    # Idempotent, and the fixed finding is gone.
    again, count = fix_sources({"example.py": after}, unsafe=True)
    assert again["example.py"] == after and count == 0
    assert not [f for f in lint_sources({"example.py": after}) if f.code == rule.code]


def _invalid_examples_with_fixes():
    for rule in ALL_RULES:
        for index, example in enumerate(rule.invalid):
            if isinstance(example, Example) and example.expected_fix is not None:
                yield pytest.param(rule, example, id=f"{rule.code}-invalid-{index}")


def test_invalid_examples_carry_their_expected_fix():
    assert len(list(_invalid_examples_with_fixes())) >= 5


@pytest.mark.parametrize("rule, example", list(_invalid_examples_with_fixes()))
def test_invalid_example_expected_fix(rule, example):
    """As Fixit's `expected_replacement`: `--fix` turns the invalid example into exactly this."""
    assert example.files is None, "an expected fix is for a single-file example"
    before, after = textwrap.dedent(example.code), textwrap.dedent(example.expected_fix)
    fixed, count = fix_sources({"example.py": before}, unsafe=example.unsafe_fix)
    assert count >= 1 and fixed["example.py"] == after
    if example.unsafe_fix:
        assert fix_sources({"example.py": before})[0]["example.py"] == before
    assert not [f for f in lint_sources({"example.py": after}) if f.code == rule.code]


OVERLAP = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    loss = F.binary_cross_entropy(torch.sigmoid(model(x)), y)
    loss2 = F.cross_entropy(F.softmax(F.softmax(x, dim=1), dim=1), y)
    """
)


def test_two_rules_on_one_span_are_two_mistakes_whose_fixes_compose():
    """A second activation that also feeds a loss is two mistakes: one activation too many (TL011)
    and the loss handed probabilities (TL014, TL001). Both are reported on the outer call, as the
    README says; fixing them together gives the code with neither, in one --fix run."""
    found = {(f.code, f.location.row, f.location.column) for f in lint_sources({"example.py": OVERLAP})}
    assert {("TL011", 6, 31), ("TL014", 6, 31), ("TL011", 7, 25), ("TL001", 7, 25)} <= found
    fixed, _ = fix_sources({"example.py": OVERLAP}, unsafe=True)
    assert fixed["example.py"] == textwrap.dedent(  # `import torch`, now unused, goes too
        """\
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(4, 1))
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss2 = F.cross_entropy(x, y)
        """
    )
    assert not [f for f in lint_sources({"example.py": fixed["example.py"]}) if f.code != "TL000"]
