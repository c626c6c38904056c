"""Every rule's fix examples: `--fix` turns `before` into `after`, exactly, and a second pass changes nothing."""

from __future__ import annotations

import textwrap

import pytest

from torchlint import lint_sources
from torchlint.fix import fix_sources
from torchlint.rules import ALL_RULES


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
