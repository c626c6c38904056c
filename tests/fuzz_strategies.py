"""Hypothesis strategies for torchlint's fuzz tests and `bench/fuzz.py`.

Two sources of programs: hypothesmith's grammar-based generator (any valid
Python, rarely torch), and a torch-flavoured generator that strings together
statements a training script is made of (imports under several aliases,
activations, losses, classes with `forward`, branches on `self.training`,
loops, helpers) so that the value-flow engine is exercised, not just the
parser.
"""

from __future__ import annotations

import hypothesmith
from hypothesis import strategies as st

NAMES = st.sampled_from(["x", "y", "out", "probs", "logits", "h", "z", "model", "crit", "F", "nn", "self"])
DIMS = st.sampled_from(["", ", 1", ", dim=1", ", -1", ", dim=d", ", 0"])

IMPORTS = st.sampled_from(
    [
        "import torch",
        "import torch.nn as nn",
        "from torch import nn",
        "import torch.nn.functional as F",
        "from torch.nn import functional as F",
        "from torch.nn.functional import softmax as sm",
        "from torch.nn import CrossEntropyLoss, NLLLoss",
        "import numpy as F",
        "from . import models",
        "from .models import Net",
        "import functools",
    ]
)


@st.composite
def expressions(draw, depth: int = 0) -> str:
    name = draw(NAMES)
    if depth > 3:
        return name
    inner = draw(expressions(depth + 1))
    form = draw(st.integers(0, 13))
    dims = draw(DIMS)
    return [
        name,
        f"F.softmax({inner}{dims})",
        f"torch.sigmoid({inner})",
        f"{inner}.softmax(1)",
        f"F.log_softmax({inner}{dims})",
        f"torch.log({inner})",
        f"{inner}.view(-1, 10)",
        f"{inner}[0]",
        f"model({inner})",
        f"self.{name}({inner})",
        f"({inner}) @ {name}",
        f"nn.Sequential(nn.Linear(4, 1), nn.Softmax({dims.strip(', ')}))({inner})",
        f"sm({inner}, 1)",
        f"F.relu({inner})",
    ][form]


@st.composite
def statements(draw, indent: str = "", depth: int = 0) -> list[str]:
    kind = draw(st.integers(0, 11 if depth < 2 else 6))
    target = draw(NAMES)
    expr = draw(expressions())
    loss = draw(st.sampled_from(["F.cross_entropy", "F.nll_loss", "crit", "nn.CrossEntropyLoss()",
                                 "F.binary_cross_entropy", "F.kl_div", "nn.BCEWithLogitsLoss()"]))
    if kind <= 2:
        return [f"{indent}{target} = {expr}"]
    if kind == 3:
        return [f"{indent}loss = {loss}({expr}, {draw(NAMES)})"]
    if kind == 4:
        return [f"{indent}crit = {draw(st.sampled_from(['nn.CrossEntropyLoss()', 'nn.NLLLoss()', 'NLLLoss()']))}"]
    if kind == 5:
        return [f"{indent}{draw(IMPORTS)}"]
    if kind == 6:
        return [f"{indent}return {expr}" if indent else f"{indent}{expr}"]
    body = draw(st.lists(statements(indent + "    ", depth + 1), min_size=1, max_size=3))
    lines = [line for block in body for line in block]
    if kind == 7:
        test = draw(st.sampled_from(["self.training", "not self.training", "x", "model.training"]))
        orelse = draw(st.lists(statements(indent + "    ", depth + 1), max_size=2))
        tail = [f"{indent}else:"] + [line for block in orelse for line in block] if orelse else []
        return [f"{indent}if {test}:"] + lines + tail
    if kind == 8:
        return [f"{indent}for {target}, y in loader:"] + lines
    if kind == 9:
        return [f"{indent}def {draw(st.sampled_from(['forward', 'step', 'helper', 'compute_loss']))}(self, x, y=None):"] + lines
    if kind == 10:
        return [f"{indent}class {draw(st.sampled_from(['Net', 'Model', 'Head']))}(nn.Module):",
                f"{indent}    def __init__(self):",
                f"{indent}        self.{draw(NAMES)} = {draw(st.sampled_from(['nn.Softmax(dim=1)', 'nn.Linear(3, 3)', 'nn.CrossEntropyLoss()', 'nn.Sigmoid()']))}",
                f"{indent}    def forward(self, x):"] + ["    " + line for line in lines]
    return [f"{indent}with torch.no_grad():"] + lines


@st.composite
def torch_programs(draw) -> str:
    imports = draw(st.lists(IMPORTS, min_size=1, max_size=4))
    blocks = draw(st.lists(statements(), min_size=1, max_size=8))
    return "\n".join(imports + [line for block in blocks for line in block]) + "\n"


def python_programs():
    return hypothesmith.from_grammar()


def any_programs():
    return st.one_of(torch_programs(), python_programs())
