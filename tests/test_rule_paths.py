"""Each rule follows the value to its consumer on every path the engine models:
directly, through a variable, an instance attribute, a model's return value and
another file; and stays quiet on the nearest legitimate pattern."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

from torchlint import lint_sources

HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


@dataclass(frozen=True)
class Spec:
    code: str
    producer: str  # template with {x}
    consumer: str  # template with {v}
    at: str  # "producer" or "consumer": where the finding starts
    setup: str = ""


SPECS = [
    Spec("TL004", "F.softmax({x}, dim=1)", "F.nll_loss({v}, y)", "producer"),
    Spec("TL005", "torch.sigmoid({x})", "F.binary_cross_entropy_with_logits({v}, y)", "producer"),
    Spec("TL006", "F.softmax({x}, dim=-1)", "torch.log({v})", "consumer"),
    Spec("TL006", "F.softmax({x}, dim=-1)", "torch.log({v} + 1e-8)", "consumer"),
    Spec("TL006", "torch.softmax({x}, 1)", "{v}.clamp(min=1e-6).log()", "consumer"),
    Spec("TL016", "torch.sigmoid({x})", "{v}.log()", "consumer"),
    Spec("TL016", "torch.sigmoid({x})", "torch.log(torch.clamp({v}, 1e-7, 1.0))", "consumer"),
    Spec("TL007", "fc({x})", "F.binary_cross_entropy({v}, y)", "consumer", "fc = nn.Linear(16, 1)"),
    Spec("TL008", "F.softmax({x}, dim=1)", "F.kl_div({v}, y, reduction='batchmean')", "producer"),
    Spec("TL009", "F.log_softmax({x}, dim=1)", "F.cross_entropy({v}, y)", "producer"),
    Spec("TL010", "F.relu({x})", "F.cross_entropy({v}, y)", "producer"),
    Spec("TL010", "torch.tanh({x})", "nn.BCEWithLogitsLoss()({v}, y)", "producer"),
    Spec("TL011", "F.softmax({x}, dim=1)", "F.softmax({v}, dim=1)", "consumer"),
    Spec("TL011", "torch.sigmoid({x})", "{v}.sigmoid()", "consumer"),
    Spec("TL011", "F.log_softmax({x}, dim=1)", "torch.softmax({v}, dim=1)", "consumer"),
    Spec("TL012", "fc({x})", "F.nll_loss({v}, y)", "consumer", "fc = nn.Linear(16, 4)"),
    Spec("TL013", "F.log_softmax(torch.flatten({x}, 1), dim=0)", "F.nll_loss({v}, y)", "producer"),
    Spec("TL013", "torch.softmax(torch.reshape({x}, (8, -1)), dim=0)", "{v}.argmax(dim=1)", "producer"),
    Spec("TL014", "torch.sigmoid({x})", "F.binary_cross_entropy({v}, y)", "producer"),
    Spec("TL015", "head({x})", "F.softmax({v}, dim=-1)", "consumer", "head = nn.Linear(16, 1)"),
]

MARK = "  # expect"


def _mark(at: str, role: str) -> str:
    return MARK if at == role else ""


def direct(spec: Spec) -> dict[str, str]:
    expr = spec.consumer.format(v=spec.producer.format(x="x"))
    return {"a.py": f"{HEADER}{spec.setup}\n\ndef step(x, y):\n    return {expr}{MARK}\n"}


def variable(spec: Spec) -> dict[str, str]:
    return {"a.py": (
        f"{HEADER}{spec.setup}\n\ndef step(x, y):\n"
        f"    value = {spec.producer.format(x='x')}{_mark(spec.at, 'producer')}\n"
        f"    return {spec.consumer.format(v='value')}{_mark(spec.at, 'consumer')}\n"
    )}


def attribute(spec: Spec) -> dict[str, str]:
    return {"a.py": (
        f"{HEADER}{spec.setup}\n\nclass Holder(nn.Module):\n"
        f"    def forward(self, x):\n"
        f"        self.value = {spec.producer.format(x='x')}{_mark(spec.at, 'producer')}\n"
        f"        return x\n\n"
        f"    def loss(self, y):\n"
        f"        return {spec.consumer.format(v='self.value')}{_mark(spec.at, 'consumer')}\n"
    )}


MODEL = "class Model(nn.Module):\n    def forward(self, x):\n        return {expr}{mark}\n"


def model_return(spec: Spec) -> dict[str, str]:
    model = MODEL.format(expr=spec.producer.format(x="x"), mark=_mark(spec.at, "producer"))
    return {"a.py": (
        f"{HEADER}{spec.setup}\n\n{model}\nmodel = Model()\n\n"
        f"def step(x, y):\n    return {spec.consumer.format(v='model(x)')}{_mark(spec.at, 'consumer')}\n"
    )}


def other_file(spec: Spec) -> dict[str, str]:
    model = MODEL.format(expr=spec.producer.format(x="x"), mark=_mark(spec.at, "producer"))
    return {
        "models.py": f"{HEADER}{spec.setup}\n\n{model}",
        "train.py": (
            f"{HEADER}from models import Model\n\nmodel = Model()\n\n"
            f"def step(x, y):\n    return {spec.consumer.format(v='model(x)')}{_mark(spec.at, 'consumer')}\n"
        ),
    }


def helper_function(spec: Spec) -> dict[str, str]:
    """The consumer sits in a helper that receives the value as a parameter (loss helpers)."""
    return {"a.py": (
        f"{HEADER}{spec.setup}\n\ndef produce(x):\n"
        f"    return {spec.producer.format(x='x')}{_mark(spec.at, 'producer')}\n\n"
        f"def step(x, y):\n    return {spec.consumer.format(v='produce(x)')}{_mark(spec.at, 'consumer')}\n"
    )}


PATHS = [direct, variable, attribute, model_return, other_file, helper_function]


def _expected(files: dict[str, str]) -> set[tuple[str, int]]:
    return {
        (path, number)
        for path, text in files.items()
        for number, line in enumerate(text.splitlines(), start=1)
        if line.endswith(MARK)
    }


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.code}-{s.producer[:18]}")
def test_rule_follows_value(spec, path):
    files = path(spec)
    expected = _expected(files)
    assert expected
    found = {(f.filename, f.location.row) for f in lint_sources(files) if f.code == spec.code}
    assert found == expected, "\n".join(f"--- {name}\n{text}" for name, text in files.items())


# The nearest legitimate pattern for each rule: no finding of that rule.
NEGATIVES = {
    "TL004": [
        "def f(x, y):\n    return F.nll_loss(F.log_softmax(x, dim=1), y)\n",
        "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 3)\n"
        "    def forward(self, x):\n        x = self.fc(x)\n        if not self.training:\n"
        "            return F.softmax(x, dim=1)\n        return F.log_softmax(x, dim=1)\n\n"
        "def f(x, y):\n    return F.nll_loss(M()(x), y)\n",
    ],
    "TL005": [
        "gate = nn.Sequential(nn.Sigmoid(), nn.Linear(8, 1))\n\n"
        "def f(x, y):\n    return F.binary_cross_entropy_with_logits(gate(x), y)\n",
        "def f(x, y):\n    return F.binary_cross_entropy_with_logits(x, torch.sigmoid(y))\n",
    ],
    "TL006": [
        "def f(x):\n    return torch.log1p(F.softmax(x, dim=1))\n",
        "def f(x, bias):\n    return torch.log(F.softmax(x, dim=1) + bias)\n",
        "def f(x):\n    return torch.log(torch.sigmoid(x))\n",  # TL016
        "def f(x):\n    return F.log_softmax(x, dim=1), F.logsigmoid(x)\n",
        "def f(x):\n    return torch.log2(F.softmax(x, dim=1)).sum()\n",
    ],
    "TL007": [
        "fc = nn.Linear(8, 1)\n\ndef f(x, y):\n    return F.binary_cross_entropy(torch.sigmoid(fc(x)), y)\n",
        "fc = nn.Linear(8, 1)\n\ndef f(x, y):\n    return F.binary_cross_entropy((fc(x) + 1) / 2, y)\n",
        "fc = nn.Linear(8, 1)\n\ndef f(x, y):\n    return F.binary_cross_entropy(x, fc(y))\n",
    ],
    "TL008": [
        "def f(s, t):\n    return F.kl_div(F.log_softmax(s, dim=1), F.softmax(t, dim=1), reduction='batchmean')\n",
        "def f(s, t):\n    p = F.softmax(t, dim=1)\n    return nn.KLDivLoss(reduction='batchmean')(s, p)\n",
    ],
    "TL009": [
        "def f(x, y):\n    return F.nll_loss(F.log_softmax(x, dim=1), y)\n",
        "def f(x, y):\n    return F.cross_entropy(x, F.log_softmax(y, dim=1).exp())\n",
    ],
    "TL010": [
        "head = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))\n\n"
        "def f(x, y):\n    return F.cross_entropy(head(x), y)\n",
        "def f(x, y):\n    return F.cross_entropy(x, F.relu(y))\n",
        "def f(x, y):\n    return F.mse_loss(torch.tanh(x), y)\n",
        # A list of layers grown after its literal (Lightning's UNet example): the last layer is unknown.
        "class Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Conv2d(3, 3, 3), nn.ReLU())\n"
        "    def forward(self, x):\n        return self.net(x)\n\n"
        "class UNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        layers = [Block()]\n        layers.append(nn.Conv2d(3, 2, 1))\n"
        "        self.layers = nn.ModuleList(layers)\n"
        "    def forward(self, x):\n        return self.layers[-1](x)\n\n"
        "def f(x, y):\n    return F.cross_entropy(UNet()(x), y)\n",
    ],
    "TL011": [
        "mix = nn.Sequential(nn.Softmax(dim=-1), nn.Linear(8, 8))\n\ndef f(x):\n    return F.softmax(mix(x), dim=-1)\n",
        "def f(x):\n    g = torch.sigmoid(x)\n    return torch.sigmoid(g * x)\n",
        "def f(x):\n    return F.log_softmax(x, dim=1), F.softmax(x, dim=1)\n",
    ],
    "TL012": [
        "fc = nn.Linear(8, 3)\n\ndef f(x, y):\n    return F.nll_loss(F.log_softmax(fc(x), dim=1), y)\n",
        "fc = nn.Linear(8, 3)\n\ndef f(x, y):\n    return F.cross_entropy(fc(x), y)\n",
    ],
    "TL013": [
        "def f(x, y):\n    return F.nll_loss(F.log_softmax(x, dim=0), y)\n",
        "def f(x, y):\n    return F.nll_loss(F.log_softmax(torch.flatten(x, 1), dim=1), y)\n",
        "def f():\n    w = torch.softmax(torch.randn(4), dim=0)\n    return w.argmax()\n",
    ],
    "TL014": [
        "def f(x, y):\n    return F.binary_cross_entropy_with_logits(x, y)\n",
        "gate = nn.Linear(8, 8)\nout = nn.Linear(8, 1)\n\n"
        "def f(x, y):\n    return F.binary_cross_entropy_with_logits(out(torch.sigmoid(gate(x))), y)\n",
    ],
    "TL016": [
        "def f(x):\n    return F.logsigmoid(x), F.logsigmoid(-x)\n",
        "def f(x):\n    return torch.log(1 - torch.sigmoid(x) * 0.5)\n",
        "def f(x):\n    return torch.log(F.softmax(x, dim=1))\n",  # TL006
    ],
    "TL015": [
        "score = nn.Linear(8, 1)\n\ndef f(x):\n    return F.softmax(score(x), dim=1)\n",
        "head = nn.Linear(8, 2)\n\ndef f(x):\n    return F.softmax(head(x), dim=-1)\n",
        "head = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())\n\ndef f(x):\n    return head(x)\n",
    ],
}


@pytest.mark.parametrize(
    "code, source",
    [pytest.param(code, source, id=f"{code}-{i}") for code, sources in NEGATIVES.items() for i, source in enumerate(sources)],
)
def test_nearest_legitimate_pattern_is_quiet(code, source):
    findings = [f for f in lint_sources({"a.py": HEADER + source}) if f.code == code]
    assert findings == [], [f"{f.location.row} {f.message}" for f in findings]


def test_multilabel_sigmoid_bce_is_info_only():
    source = HEADER + textwrap.dedent("""
        head = nn.Linear(32, 5)

        def step(x, multi_hot):
            probs = torch.sigmoid(head(x))
            return nn.BCELoss()(probs, multi_hot)
    """)
    findings = lint_sources({"a.py": source})
    assert [(f.code, f.severity.value) for f in findings] == [("TL014", "info")]


def test_sequential_is_checked_where_it_is_built():
    """A Sequential nobody calls in the file still hands each layer's output to the next."""
    source = HEADER + textwrap.dedent("""
        head = nn.Sequential(nn.Linear(128, 1), nn.Softmax(dim=-1))
        twice = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1), nn.Softmax(dim=1))
        ok = nn.Sequential(nn.Softmax(dim=-1), nn.Linear(8, 8), nn.Softmax(dim=-1))
        attention = nn.Sequential(nn.Linear(8, 1), nn.Softmax(dim=1))
    """)
    found = sorted((f.code, f.location.row) for f in lint_sources({"a.py": source}))
    assert found == [("TL011", 6), ("TL015", 5)]


def test_data_parallel_and_checkpoint_call_their_module():
    source = HEADER + textwrap.dedent("""
        from torch.utils.checkpoint import checkpoint

        class D(nn.Module):
            def __init__(self, ngpu):
                super().__init__()
                self.ngpu = ngpu
                self.main = nn.Sequential(nn.Conv2d(3, 1, 4), nn.Sigmoid())

            def forward(self, input):
                if input.is_cuda and self.ngpu > 1:
                    output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
                else:
                    output = self.main(input)
                return output.view(-1, 1).squeeze(1)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                return checkpoint(self.fc, x, use_reentrant=False)

        def step(x, label):
            return nn.BCELoss()(D(1)(x), label), F.nll_loss(Net()(x), label)
    """)
    found = sorted((f.code, f.location.row) for f in lint_sources({"a.py": source}))
    assert found == [("TL012", 29), ("TL014", 11)]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.code}-{s.producer[:18]}")
def test_eval_only_branch_is_not_what_the_caller_gets(spec):
    """A model returns the producer only when not training: its trained output is the input."""
    source = (
        f"{HEADER}{spec.setup}\n\nclass Model(nn.Module):\n    def forward(self, x):\n"
        f"        if not self.training:\n            return {spec.producer.format(x='x')}\n        return x * 2\n\n"
        f"model = Model()\n\ndef step(x, y):\n    return {spec.consumer.format(v='model(x)')}\n"
    )
    assert [f for f in lint_sources({"a.py": source}) if f.code == spec.code] == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.code}-{s.producer[:18]}")
def test_unknown_stays_unknown(spec):
    """Arithmetic between producer and consumer makes the value unknown: no finding."""
    source = (
        f"{HEADER}{spec.setup}\n\ndef step(x, y):\n    value = {spec.producer.format(x='x')} * 0.5\n"
        f"    return {spec.consumer.format(v='value')}\n"
    )
    assert [f for f in lint_sources({"a.py": source}) if f.code == spec.code] == []


LOSS_SPECS = [spec for spec in SPECS if "({v}, y" in spec.consumer and spec.at == "producer"]


@pytest.mark.parametrize("spec", LOSS_SPECS, ids=lambda s: f"{s.code}-{s.producer[:18]}")
def test_target_argument_is_not_an_input(spec):
    consumer = spec.consumer.replace("({v}, y", "(y, {v}")
    source = (
        f"{HEADER}{spec.setup}\n\ndef step(x, y):\n    value = {spec.producer.format(x='x')}\n"
        f"    return {consumer.format(v='value')}\n"
    )
    assert [f for f in lint_sources({"a.py": source}) if f.code == spec.code] == []


@pytest.mark.parametrize("log_expr", [
    "torch.log(p + eps)", "torch.log(p + 1e-8)", "torch.log(p.clamp(min=eps))", "torch.log(p.clamp_min(1e-6))",
    "torch.log(torch.clamp(p, eps, 1))", "(p + eps).log()", "p.clip(1e-7, 1.0).log()", "safe_log(p)",
])
def test_log_of_probabilities_moved_off_zero_is_tl006(log_expr: str) -> None:
    """A small constant or a clamp keeps probabilities probabilities for TL006 (issue #14)."""
    source = HEADER + textwrap.dedent(f"""
        def safe_log(t, eps=1e-20):
            return torch.log(t + eps)

        def nll(logits, y, eps=1e-8):
            p = F.softmax(logits, dim=1)
            return F.nll_loss({log_expr}, y)
    """)
    findings = [f for f in lint_sources({"a.py": source}) if f.code in ("TL006", "TL016")]
    assert [f.code for f in findings] == ["TL006"], log_expr
    assert "moved off 0" in findings[0].message and findings[0].fix is None


def test_log_of_a_sigmoid_is_tl016_not_tl006() -> None:
    source = HEADER + "def f(z):\n    return torch.log(torch.sigmoid(z)), torch.log(torch.sigmoid(z) + 1e-7)\n"
    findings = lint_sources({"a.py": source})
    assert [f.code for f in findings] == ["TL016", "TL016"]
    assert findings[0].fix is not None and findings[0].fix.applicability == "safe" and findings[1].fix is None


@pytest.mark.parametrize("selected", ["probs.gather(1, actions)", "torch.gather(probs, 1, actions)",
                                      "probs[range(len(actions)), actions]"])
def test_log_of_selected_probabilities_is_tl006(selected: str) -> None:
    """REINFORCE's `torch.log(pi.gather(1, a))`: the selected values are still softmax output."""
    source = HEADER + f"def policy_loss(policy, states, actions, returns):\n" \
                      f"    probs = F.softmax(policy(states), dim=1)\n" \
                      f"    return -(torch.log({selected}) * returns).mean()\n"
    assert [f.code for f in lint_sources({"a.py": source})] == ["TL006"]
