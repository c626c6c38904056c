"""One catalog: every rule's static and runtime messages come from the same template.

The static side runs each rule's own invalid examples through the real engine; the runtime side
runs a small real torch program per rule under `torchlint.watch`. Both must render a template
the rule declares (a flow's `message`, or the rule's own `message`); the watcher's value-only
findings render the flow's `by_values` template.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import warnings

import pytest

from torchlint import lint_sources
from torchlint.catalog import Consumer, Fixability, Kind, Reported, Severity
from torchlint.rules import ALL_RULES, CATALOG, RULES_BY_CODE
from torchlint.rules.base import Example, FlowRule

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torchlint  # noqa: E402


def _pattern(template: str) -> re.Pattern:
    """A template as a regular expression: its text literally, each `{field}` any text."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile("(?s)" + ".*?".join(re.escape(part) for part in parts))


def _static_templates(code: str) -> list[str]:
    rule = CATALOG.rule(code)
    templates = [flow.message for flow in rule.flows] + [flow.shifted_message for flow in rule.flows]
    templates.append(rule.message)
    return [template for template in templates if template]


def _by_values_templates(code: str) -> list[str]:
    return [flow.by_values for flow in CATALOG.rule(code).flows if flow.by_values]


def _matches(message: str, templates: list[str]) -> bool:
    return any(_pattern(template).fullmatch(message) for template in templates)


# --------------------------------------------------------------------------- the catalog itself


def test_catalog_holds_every_rule_with_enums():
    assert CATALOG.codes == tuple(rule.code for rule in ALL_RULES)
    for rule in CATALOG.rules:
        assert isinstance(rule.severity, Severity) and isinstance(rule.fixability, Fixability)
        for flow in rule.flows:
            assert flow.code == rule.code, f"{rule.code} declares a flow of {flow.code}"
            assert isinstance(flow.kind, Kind) and isinstance(flow.reported, Reported)
            assert flow.consumers and all(isinstance(consumer, Consumer) for consumer in flow.consumers)
    assert "TL000" not in CATALOG.runtime_codes and "TL100" not in CATALOG.runtime_codes


def test_flow_table_names_one_rule_per_kind_and_consumer():
    """Two rules for one (kind, consumer) would report the same mistake twice."""
    for kind in Kind:
        for consumer in Consumer:
            codes = {flow.code for flow in CATALOG.flows(kind, consumer)}
            assert len(codes) <= 1, (kind, consumer, codes)
    assert [flow.code for flow in CATALOG.flows(Kind.PROBS, Consumer.CROSS_ENTROPY)] == ["TL001"]
    assert CATALOG.flows(Kind.LOGITS, Consumer.CROSS_ENTROPY) == ()


def test_every_rule_with_a_runtime_has_a_template():
    for code in CATALOG.runtime_codes:
        assert _static_templates(code), f"{code} has no message template"


def test_catalog_imports_neither_torch_nor_libcst():
    code = ("import sys, torchlint.catalog\n"
            "bad = [m for m in ('torch', 'libcst') if m in sys.modules]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_catalog_module_imports_nothing_of_torchlint():
    import ast
    import pathlib

    import torchlint.catalog as catalog

    tree = ast.parse(pathlib.Path(catalog.__file__).read_text())
    imported = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {alias.name for node in imported if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in imported if isinstance(node, ast.ImportFrom) and not node.level}
    assert all(node.level == 0 for node in imported if isinstance(node, ast.ImportFrom))
    assert names <= {"__future__", "enum", "dataclasses"}, names


# --------------------------------------------------------------------------- static messages


def _files(example) -> dict[str, str]:
    if isinstance(example, Example) and example.files:
        return {path: textwrap.dedent(text) for path, text in example.files.items()}
    code = example.code if isinstance(example, Example) else example
    return {"example.py": textwrap.dedent(code)}


@pytest.mark.parametrize("code", CATALOG.runtime_codes)
def test_static_messages_render_the_rules_templates(code):
    rule = RULES_BY_CODE[code]
    messages = [finding.message for example in rule.invalid for finding in lint_sources(_files(example))
                if finding.code == code]
    assert messages, f"{code}'s invalid examples report nothing"
    for message in messages:
        assert _matches(message, _static_templates(code)), message


# --------------------------------------------------------------------------- runtime messages


def _logits(rows=8, classes=5):
    torch.manual_seed(0)
    return nn.Linear(4, classes)(torch.randn(rows, 4))


def _labels(rows=8, classes=5):
    return torch.arange(rows) % classes


def _probabilities_without_a_tag():
    p = torch.rand(8, 5)
    return p / p.sum(1, keepdim=True)


def _bce_on_logits():
    try:
        F.binary_cross_entropy(_logits(8, 1).squeeze(1), torch.ones(8))
    except RuntimeError:
        pass  # BCELoss refuses values outside [0, 1] on CPU, after the watcher has seen them


# Code -> a real torch program with that misuse; the first runs under the watch with provenance
# (what produced the tensor is seen), the second, where there is one, gives the watcher only values.
PROGRAMS = {
    "TL001": (lambda: F.cross_entropy(F.softmax(_logits(), dim=1), _labels()),
              lambda: F.cross_entropy(_probabilities_without_a_tag(), _labels())),
    "TL002": (lambda: F.softmax(torch.randn(2, 3, 4)),),
    "TL003": (lambda: F.cross_entropy(torch.sigmoid(_logits()), _labels()),
              lambda: F.softmax(torch.sigmoid(_logits()), dim=1)),
    "TL004": (lambda: F.nll_loss(F.softmax(_logits(), dim=1), _labels()),
              lambda: F.nll_loss(_probabilities_without_a_tag(), _labels())),
    "TL005": (lambda: F.binary_cross_entropy_with_logits(torch.sigmoid(_logits()), torch.ones(8, 5)),),
    "TL006": (lambda: torch.log(F.softmax(_logits(), dim=1)),),
    "TL007": (_bce_on_logits,),
    "TL008": (lambda: F.kl_div(F.softmax(_logits(), dim=1), F.softmax(_logits(), dim=1), reduction="batchmean"),
              lambda: F.kl_div(_probabilities_without_a_tag(), _probabilities_without_a_tag(), reduction="batchmean")),
    "TL009": (lambda: F.cross_entropy(F.log_softmax(_logits(), dim=1), _labels()),),
    "TL010": (lambda: F.cross_entropy(F.relu(_logits()), _labels()),),
    "TL011": (lambda: F.softmax(F.softmax(_logits(), dim=1), dim=1),),
    "TL012": (lambda: F.nll_loss(_logits(), _labels()),
              lambda: F.nll_loss(torch.randn(8, 5) * 10, _labels())),
    "TL013": (lambda: F.cross_entropy(F.softmax(_logits(), dim=0), _labels()),),
    "TL014": (lambda: F.binary_cross_entropy(torch.sigmoid(_logits()), torch.ones(8, 5)),),
    "TL015": (lambda: F.softmax(_logits(8, 1), dim=1),),
    "TL016": (lambda: torch.log(torch.sigmoid(_logits())),),
    "TL017": (lambda: F.binary_cross_entropy_with_logits(F.softmax(_logits(), dim=1), torch.ones(8, 5)),),
}


def test_every_runtime_rule_has_a_program():
    assert set(PROGRAMS) == set(CATALOG.runtime_codes)


def _runtime_findings(program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torchlint.watch(steps=None, check_every=1, strict=False) as watch:
            for _ in range(2):  # TL010 seen through grad_fn is located on the second step
                program()
    return watch.findings


@pytest.mark.parametrize("code", sorted(PROGRAMS))
def test_runtime_messages_render_the_same_templates(code):
    provenance, *values_only = PROGRAMS[code]
    found = [finding for finding in _runtime_findings(provenance) if finding.code == code]
    assert found, f"the watcher did not report {code}"
    for finding in found:
        assert _matches(finding.message, _static_templates(code)), finding.message
    for program in values_only:
        found = [finding for finding in _runtime_findings(program) if finding.code == code]
        assert found, f"the watcher did not report {code}"
        templates = _static_templates(code) + _by_values_templates(code)
        for finding in found:
            assert _matches(finding.message, templates), finding.message


def test_static_and_runtime_tl001_messages_are_the_same_words():
    static = [f for f in lint_sources({"a.py": "import torch.nn.functional as F\n"
                                       "def f(z, y):\n    return F.cross_entropy(F.softmax(z, dim=1), y)\n"})
              if f.code == "TL001"]
    runtime = [f for f in _runtime_findings(PROGRAMS["TL001"][0]) if f.code == "TL001"]
    placeless = [re.sub(r" at \S+:\d+", " at <place>", found[0].message) for found in (static, runtime)]
    assert placeless[0] == placeless[1]
    assert placeless[0].startswith("F.softmax output reaches F.cross_entropy at <place>, which applies")


def test_a_new_flow_rule_is_reported_by_the_watcher_through_the_table():
    """TL017 is one file under rules/: the watcher knows it without a line of its own."""
    import inspect

    import torchlint.runtime.watch as watch_module

    assert "TL017" not in inspect.getsource(watch_module)
    assert isinstance(RULES_BY_CODE["TL017"](), FlowRule)
    assert [f.code for f in _runtime_findings(PROGRAMS["TL017"][0])] == ["TL017"]


def test_a_tagged_tensor_saves_and_loads_with_weights_only():
    import io

    with torchlint.watch(steps=None):
        probs = F.softmax(torch.randn(2, 3), dim=1)
    buffer = io.BytesIO()
    torch.save(probs, buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True).shape == (2, 3)
