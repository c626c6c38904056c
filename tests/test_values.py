"""The engine's abstract domain on its own: the order `join` follows (values.py's module doc),
flow states and their joins (state.py), and summaries written and read back through every
entry of the codec table (codec.py), in memory, as JSON and as the summary cache keeps them.

Values come from real LibCST parses interpreted by the real engine wherever the engine makes
them, so their sites are real nodes with real positions.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from dataclasses import dataclass
from typing import Callable

import pytest

from torchlint.analysis import codec
from torchlint.analysis.events import Mode
from torchlint.analysis.flow import ModuleInterpreter
from torchlint.analysis.program import MODULE_SCOPE, ClassInfo, Status
from torchlint.analysis.project import DeferringResolver, Project
from torchlint.analysis.state import LazyImport, State, join_all_states, join_states
from torchlint.analysis.summaries import SUMMARY_VERSION, Encoder, ModuleSummary, SiteLocator
from torchlint.analysis.values import (
    MAX_ALTERNATIVES,
    NONE,
    UNKNOWN,
    ClassValue,
    DeferredAttr,
    DeferredCall,
    DictValue,
    ForeignRef,
    FunctionValue,
    ImportRef,
    InstanceValue,
    Kind,
    ListOf,
    LossValue,
    OneOf,
    Param,
    PartialValue,
    ProjectModule,
    RecordValue,
    SequentialValue,
    Site,
    StrValue,
    Tensor,
    TorchModule,
    TorchRef,
    TupleValue,
    UnknownValue,
    Value,
    join,
    join_all,
    same,
)
from torchlint.parsing import parse_source

STD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def interpret(body: str, path: str = "m.py", as_main: bool = True) -> ModuleInterpreter:
    interpreter = ModuleInterpreter(parse_source(path, STD + textwrap.dedent(body)), as_main=as_main)
    interpreter.run()
    return interpreter


# Values of every sort, made by the engine from real code.
SAMPLES_SOURCE = """
    import numpy
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)
        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)
    class Other(nn.Module):
        def forward(self, x):
            return x
    def helper(x):
        return x
    def ident(x):
        return x.view(x.size(0), -1)
    probs = F.softmax(x, dim=1)
    probs_again = F.softmax(y, dim=1)
    log_probs = F.log_softmax(x, dim=-1)
    logits = nn.Linear(4, 2)(x)
    noise = torch.randn(8, 4)
    wide = torch.randn(8, 4, 3)
    shifted = F.softmax(x, dim=1) + 1e-8
    ce = nn.CrossEntropyLoss()
    nll = nn.NLLLoss()
    soft = nn.Softmax(dim=1)
    sigmoid = nn.Sigmoid()
    seq = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))
    model = Model()
    other = Other()
    pair = (F.softmax(x, dim=1), nn.CrossEntropyLoss())
    triple = (x, x, x)
    heads = {"a": F.softmax(x, dim=1), "b": nn.Linear(4, 2)(x)}
    listed = [F.softmax(h, dim=1) for h in hs]
    name = "ce"
    nothing = None
    softmax_fn = F.softmax
    foreign = numpy.array
"""


@pytest.fixture(scope="module")
def samples() -> dict[str, Value]:
    interpreter = interpret(SAMPLES_SOURCE)
    found = dict(interpreter.globals)
    found["Model"], found["Other"] = interpreter.globals["Model"], interpreter.globals["Other"]
    found["either"] = join(found["model"], found["other"])
    found["record"] = RecordValue((("logits", found["logits"]),))
    found["param"] = Param(0, "x")
    found["reshaped"] = Param(0, "x", rank=2)
    found["unknown"] = UNKNOWN
    return {name: value for name, value in found.items() if name not in ("torch", "nn", "F", "numpy")}


def positions(sites: tuple[Site, ...]) -> list[tuple[int, int, int, int]]:
    return [site.locate() for site in sites]


def above(upper: Value, lower: Value) -> bool:
    """`upper` is at or above `lower` in the order of values.py's module doc, written out here
    independently of `join`."""
    if upper is UNKNOWN or upper is lower:
        return True
    if isinstance(upper, OneOf):
        lowers = lower.options if isinstance(lower, OneOf) else (lower,)
        return all(any(above(option, item) for option in upper.options) for item in lowers)
    if isinstance(upper, Tensor):
        return (isinstance(lower, Tensor) and upper.kind == lower.kind
                and all(getattr(upper, fact) in (None, getattr(lower, fact)) for fact in ("dim", "rank", "last_size"))
                and upper.producer in (None, lower.producer) and upper.shifted >= lower.shifted
                and {site.key() for site in lower.origins} <= {site.key() for site in upper.origins}
                and {site.key() for site in lower.clipped} <= {site.key() for site in upper.clipped})
    if isinstance(upper, Param):
        return isinstance(lower, Param) and upper.index == lower.index and upper.rank in (None, lower.rank)
    if isinstance(upper, ListOf):
        items = lower.items if isinstance(lower, TupleValue) else (lower.item,) if isinstance(lower, ListOf) else None
        return items is not None and all(above(upper.item, item) for item in items)
    if isinstance(upper, TupleValue):
        return (isinstance(lower, TupleValue) and len(upper.items) == len(lower.items)
                and all(above(u, v) for u, v in zip(upper.items, lower.items)))
    if isinstance(upper, (DictValue, RecordValue, InstanceValue)) and type(lower) is type(upper):
        if isinstance(upper, InstanceValue) and (upper.cls is not lower.cls or upper.attrs is None
                                                 or lower.attrs is None):  # type: ignore[union-attr]
            return same(upper, lower)
        pairs = {DictValue: "items", RecordValue: "fields", InstanceValue: "attrs"}[type(upper)]
        mine, theirs = dict(getattr(upper, pairs)), dict(getattr(lower, pairs))
        return all(key in mine and above(mine[key], value) for key, value in theirs.items())
    if isinstance(upper, SequentialValue) and isinstance(lower, SequentialValue):
        return same(upper, lower) or (upper.site.key() == lower.site.key() and upper.layers[:1] == (UNKNOWN,))
    return same(upper, lower)


# --------------------------------------------------------------------------- the order


def test_unknown_is_the_top_and_the_only_dont_know(samples) -> None:
    for value in samples.values():
        assert join(UNKNOWN, value) is UNKNOWN and join(value, UNKNOWN) is UNKNOWN
    assert join_all([]) is UNKNOWN
    assert not any(isinstance(value, UnknownValue) and value is not UNKNOWN for value in samples.values())


def test_a_join_is_at_or_above_both_sides_and_does_not_depend_on_their_order(samples) -> None:
    for (name_a, a), (name_b, b) in itertools.product(samples.items(), repeat=2):
        joined = join(a, b)
        assert above(joined, a) and above(joined, b), (name_a, name_b, joined)
        reverse = join(b, a)
        assert above(joined, reverse) and above(reverse, joined), (name_a, name_b)
    for value in samples.values():
        assert join(value, value) is value


def test_the_order_helper_can_tell_values_apart(samples) -> None:
    """`above` is not trivially true (else the test above proves nothing)."""
    assert not above(samples["probs"], samples["logits"])
    assert not above(samples["probs"], samples["noise"])
    assert not above(samples["model"], samples["either"])
    assert above(samples["either"], samples["model"])
    assert not above(samples["wide"], samples["noise"])


def test_tensors_of_one_kind_keep_what_both_paths_agree_on(samples) -> None:
    probs, again, shifted = samples["probs"], samples["probs_again"], samples["shifted"]
    joined = join(probs, again)
    assert isinstance(joined, Tensor) and joined.kind is Kind.PROBS
    assert positions(joined.origins) == positions(probs.origins) + positions(again.origins)
    assert joined.dim == 1 and joined.producer is probs.producer
    assert join(probs, shifted).shifted and join(shifted, probs).shifted
    ranked, wider = samples["noise"], samples["wide"]
    assert ranked.kind is Kind.UNKNOWN and ranked.rank == 2
    same_rank = join(ranked, Tensor(Kind.UNKNOWN, rank=2))
    assert isinstance(same_rank, Tensor) and same_rank.rank == 2
    mixed = join(ranked, wider)
    assert isinstance(mixed, Tensor) and mixed.kind is Kind.UNKNOWN and mixed.rank is None
    other_dim = join(probs, Tensor(Kind.PROBS, (), probs.producer, dim=0))
    assert isinstance(other_dim, Tensor) and other_dim.dim is None


def test_tensors_of_different_kinds_join_to_the_top_not_to_a_tensor_of_unknown_kind(samples) -> None:
    assert join(samples["probs"], samples["logits"]) is UNKNOWN
    assert join(samples["probs"], samples["log_probs"]) is UNKNOWN
    assert join(samples["noise"], samples["probs"]) is UNKNOWN  # Kind.UNKNOWN is a kind like the others
    assert join(samples["noise"], Tensor(Kind.UNKNOWN)) == Tensor(Kind.UNKNOWN) or same(
        join(samples["noise"], Tensor(Kind.UNKNOWN)), Tensor(Kind.UNKNOWN))


def test_values_not_yet_known_join_only_with_themselves(samples) -> None:
    param, reshaped = samples["param"], samples["reshaped"]
    assert join(param, Param(0, "x")) is param
    kept = join(reshaped, Param(0, "x", rank=2))
    assert isinstance(kept, Param) and kept.rank == 2
    dropped = join(reshaped, Param(0, "x", rank=3))
    assert isinstance(dropped, Param) and dropped.index == 0 and dropped.rank is None
    assert join(param, Param(1, "y")) is UNKNOWN
    assert join(param, samples["probs"]) is UNKNOWN and join(samples["probs"], param) is UNKNOWN
    ref = ImportRef("models", 1, "Net")
    assert join(ref, ref) is ref
    assert join(DeferredAttr(ref, "fc"), DeferredAttr(ref, "fc")) is UNKNOWN  # two made apart
    assert join(ref, ImportRef("models", 1, "Net")) is UNKNOWN
    assert join(DeferredCall(ref), samples["model"]) is UNKNOWN


def test_containers_join_member_by_member(samples) -> None:
    pair, probs, logits = samples["pair"], samples["probs"], samples["logits"]
    joined = join(pair, TupleValue((samples["probs_again"], pair.items[1])))
    assert isinstance(joined, TupleValue) and joined.items[0].kind is Kind.PROBS
    assert len(joined.items[0].origins) == 2
    longer = join(TupleValue((probs,)), TupleValue((probs, samples["probs_again"])))
    assert isinstance(longer, ListOf) and longer.item.kind is Kind.PROBS
    assert isinstance(join(TupleValue((probs,)), ListOf(logits)), ListOf)
    assert join(TupleValue((probs,)), ListOf(logits)).item is UNKNOWN
    assert join(TupleValue(()), TupleValue((probs,))).item is probs
    left = DictValue((("a", probs), ("only_left", logits)), rest=probs)
    right = DictValue((("a", samples["probs_again"]), ("only_right", probs)))
    merged = join(left, right)
    assert [key for key, _ in merged.items] == ["a", "only_left", "only_right"]
    assert len(merged.get("a").origins) == 2 and merged.get("only_left") is logits and merged.rest is probs
    record = join(RecordValue((("logits", logits),)), RecordValue((("logits", probs), ("loss", samples["ce"]))))
    assert record.get("logits") is UNKNOWN and record.get("loss") is samples["ce"]


def test_instances_and_sequentials_join_their_parts(samples) -> None:
    model = samples["model"]
    cls = model.cls
    first = InstanceValue(cls, (("criterion", samples["ce"]), ("head", samples["soft"])))
    second = InstanceValue(cls, (("criterion", samples["nll"]),))
    joined = join(first, second)
    assert isinstance(joined, InstanceValue) and joined.own("criterion") is UNKNOWN
    assert joined.own("head") is samples["soft"]
    # One of them knows only its class's table: two alternatives.
    assert isinstance(join(first, InstanceValue(cls)), OneOf)
    seq = samples["seq"]
    refilled = SequentialValue(seq.layers[:1], seq.site)
    rebuilt = join(seq, refilled)
    assert isinstance(rebuilt, SequentialValue) and rebuilt.layers == (UNKNOWN,) and rebuilt.site is seq.site


def test_objects_join_to_alternatives_within_the_bound(samples) -> None:
    model, other, soft = samples["model"], samples["other"], samples["soft"]
    either = join(model, other)
    assert isinstance(either, OneOf) and either.options == (model, other)
    assert join(either, model) is either or same(join(either, model), either)
    assert join(either, other).options == either.options
    maybe = join(NONE, model)
    assert isinstance(maybe, OneOf) and NONE in maybe.options
    # A model zoo's factory chooses among many classes (issue #20's BreizhCrops miss: eight).
    options: list[Value] = [model, other, soft, samples["sigmoid"], samples["seq"]]
    options += [InstanceValue(ClassInfo(None, f"Zoo{n}", [])) for n in range(MAX_ALTERNATIVES + 1 - len(options))]
    assert len(options) == MAX_ALTERNATIVES + 1 and MAX_ALTERNATIVES >= 8
    assert isinstance(join_all(options[:MAX_ALTERNATIVES]), OneOf)
    assert join_all(options) is UNKNOWN
    # Not alternatives: losses, references, strings.
    assert join(samples["ce"], samples["nll"]) is UNKNOWN
    assert join(samples["ce"], model) is UNKNOWN
    assert join(samples["softmax_fn"], TorchRef("torch.sigmoid")) is UNKNOWN
    assert join(StrValue("ce"), StrValue("nll")) is UNKNOWN
    assert join(ProjectModule("a.py"), ProjectModule("b.py")) is UNKNOWN
    # The same thing twice is kept (the first's site).
    other_ce = interpret("criterion = nn.CrossEntropyLoss()\n").globals["criterion"]
    assert join(samples["ce"], other_ce) is samples["ce"]


def test_same_compares_what_values_say_never_their_nodes(samples) -> None:
    probs, again = samples["probs"], samples["probs_again"]
    assert same(probs, again)  # origins are not compared
    assert not same(probs, samples["shifted"]) and not same(probs, samples["log_probs"])
    assert same(TorchRef("torch.sigmoid"), TorchRef("torch.sigmoid"))
    assert not same(TorchRef("torch.sigmoid"), ForeignRef("torch.sigmoid"))
    model = samples["model"]
    assert same(model, InstanceValue(model.cls)) and not same(model, InstanceValue(model.cls, ()))
    assert same(DictValue((("a", probs),)), DictValue((("a", again),)))
    assert not same(DictValue((("a", probs),)), DictValue((("a", probs),), rest=probs))
    partial = PartialValue(samples["ce"], ())
    assert same(partial, partial) and not same(partial, PartialValue(samples["ce"], ()))
    assert not same(ImportRef("m", 0, None), ImportRef("m", 0, None))  # symbolic: itself only


def test_a_branch_of_the_real_engine_joins_as_the_order_says() -> None:
    values = interpret("""
        if c:
            x = F.softmax(a, dim=1)
            y = F.softmax(a, dim=1)
            z = nn.CrossEntropyLoss()
        else:
            x = F.softmax(b, dim=1)
            y = F.log_softmax(a, dim=1)
            z = nn.NLLLoss()
        if d:
            only = nn.Softmax(dim=1)
        model = nn.Softmax(dim=1) if c else None
    """).globals
    assert values["x"].kind is Kind.PROBS and [row for row, *_ in positions(values["x"].origins)] == [6, 10]
    assert values["y"] is UNKNOWN and values["z"] is UNKNOWN
    assert isinstance(values["only"], TorchModule)  # defined on one path: the other would fail
    assert isinstance(values["model"], OneOf) and NONE in values["model"].options


# --------------------------------------------------------------------------- flow states


def test_state_joins_keep_what_each_path_defines_and_join_the_rest(samples) -> None:
    probs, again, logits = samples["probs"], samples["probs_again"], samples["logits"]
    left = State({"x": probs, "y": logits, "left": probs})
    right = State({"x": again, "y": probs, "right": logits})
    joined = join_states(left, right)
    assert joined.reachable and joined.mode is Mode.ANY
    assert len(joined.vars["x"].origins) == 2 and joined.vars["y"] is UNKNOWN
    assert joined.vars["left"] is probs and joined.vars["right"] is logits
    dead = State({"x": logits}, reachable=False)
    assert join_states(left, dead) is left and join_states(dead, right) is right
    copy = left.copy()
    copy.vars["x"] = logits
    assert left.vars["x"] is probs
    assert join_all_states([left, right, dead]).vars.keys() == joined.vars.keys()


def test_a_training_split_keeps_the_training_path_and_modes_join_to_any(samples) -> None:
    probs, logits = samples["probs"], samples["logits"]
    train = State({"out": probs}, Mode.TRAIN)
    evaluation = State({"out": logits}, Mode.EVAL)
    for joined in (join_states(train, evaluation), join_states(evaluation, train)):
        assert joined.mode is Mode.ANY and joined.vars["out"] is probs
    assert join_states(train, State({"out": probs}, Mode.TRAIN)).mode is Mode.TRAIN
    mixed = join_states(train, State({"out": logits}))
    assert mixed.mode is Mode.ANY and mixed.vars["out"] is UNKNOWN
    assert Mode.TRAIN.other() is Mode.EVAL and Mode.EVAL.other() is Mode.TRAIN and Mode.ANY.other() is Mode.ANY


def test_lazy_imports_are_resolved_before_a_join(samples) -> None:
    calls: list[int] = []

    def resolve() -> Value:
        calls.append(1)
        return samples["probs"]

    lazy = LazyImport(resolve)
    both = join_states(State({"p": lazy}), State({"p": samples["probs_again"]}))
    assert isinstance(both.vars["p"], Tensor) and len(both.vars["p"].origins) == 2
    untouched = join_states(State({"p": lazy}), State({"p": lazy}))
    assert untouched.vars["p"] is lazy and calls == [1]


def test_the_engine_uses_the_modes_and_statuses_it_declares() -> None:
    interpreter = interpret("""
        class Net(nn.Module):
            def forward(self, x):
                if self.training:
                    out = self.fc(x)
                else:
                    out = F.softmax(self.fc(x), dim=1)
                return out
        def loop(n):
            return loop(n - 1)
        def outer():
            def inner():
                return 1
            return inner
    """)
    statuses = {info.name: info.status for info in interpreter.functions}
    assert set(statuses.values()) == {Status.DONE}
    loop = next(info for info in interpreter.functions if info.name == "loop")
    assert loop.return_value is UNKNOWN  # the recursive call saw it RUNNING
    assert loop.closure is MODULE_SCOPE
    inner = next(info for info in interpreter.functions if info.name == "inner")
    assert isinstance(inner.closure, dict)
    fresh = interpret("def f():\n    return F.softmax(x, dim=1)\n", as_main=False)
    assert [info.status for info in fresh.functions] == [Status.DONE]
    facts = interpret("""
        class Net(nn.Module):
            def forward(self, x, y):
                if self.training:
                    return nn.CrossEntropyLoss()(F.softmax(x, dim=1), y)
                return F.log_softmax(x, dim=1)
    """).facts
    assert [call.mode for call in facts.loss_calls] == [Mode.TRAIN]
    # After the training path returned, the rest of the body runs in eval mode only.
    assert [call.mode for call in facts.activation_calls] == [Mode.TRAIN, Mode.EVAL]


# --------------------------------------------------------------------------- the codec table


HELPER = STD + textwrap.dedent("""
    soft = nn.Softmax(dim=1)
    def make():
        return nn.CrossEntropyLoss()
    from dataclasses import dataclass
    @dataclass
    class Config:
        criterion: object
        name: str
""")


@dataclass
class RoundTrip:
    """A module whose export `name` (or function `returns`' return value) encodes with a tag;
    `expect` gives the value a reader should decode from the project and the phase-1 value
    (default: the phase-1 value itself). `deferring`: summarised as phase 1 does (imports left
    symbolic); else with imports resolved as foreign code, as a resolver that sees no project
    would (the only way a summary holds a foreign reference or a record)."""

    source: str
    name: str = "value"
    returns: str | None = None
    expect: Callable[[Project, Value], Value] | None = None
    deferring: bool = True


ROUND_TRIPS: dict[str, list[RoundTrip]] = {
    "unknown": [RoundTrip("value = 1\n"),
                RoundTrip("value = torch.randn(3, 4)\n", expect=lambda project, value: UNKNOWN),  # no kind kept
                RoundTrip("value = F.softmax(x, dim=1) if c else nn.Linear(2, 2)(x)\n"),
                RoundTrip("import functools\nvalue = functools.partial(F.softmax, dim=1)\n", deferring=False,
                          expect=lambda project, value: UNKNOWN)],  # no entry writes a partial
    "tensor": [RoundTrip("value = F.softmax(x, dim=1)\n"),
               RoundTrip("value = F.softmax(F.relu(x), dim=-1).clamp(min=1e-6)\n"),
               RoundTrip("value = nn.Linear(4, 1)(torch.randn(8, 4))\n"),
               RoundTrip("value = x.softmax(dim=1)\n")],
    "param": [RoundTrip("def value(x):\n    return x.view(x.size(0), -1)\n", returns="value")],
    "torch": [RoundTrip("value = F.softmax\n")],
    "foreign": [RoundTrip("import numpy\nvalue = numpy.array\n", deferring=False)],
    "torchmodule": [RoundTrip("value = nn.Softmax(dim=1)\n"), RoundTrip("value = nn.Linear(4, 3)\n"),
                    RoundTrip("value = nn.Softmax()\n")],
    "loss": [RoundTrip("value = nn.CrossEntropyLoss()\n")],
    "seq": [RoundTrip("value = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))\n")],
    "tuple": [RoundTrip("value = (F.softmax(x, dim=1), nn.NLLLoss(), None)\n")],
    "dict": [RoundTrip("value = {'probs': F.softmax(x, dim=1)}\nvalue[key] = nn.NLLLoss()\n")],
    "list": [RoundTrip("value = [F.softmax(h, dim=1) for h in hs]\n")],
    "record": [RoundTrip("from types import SimpleNamespace\nvalue = SimpleNamespace(criterion=nn.NLLLoss())\n",
                         deferring=False)],
    "oneof": [RoundTrip("value = nn.Softmax(dim=1) if c else None\n")],
    "none": [RoundTrip("value = None\n")],
    "str": [RoundTrip("value = 'ce'\n")],
    "class": [RoundTrip("class value(nn.Module):\n    def forward(self, x):\n        return F.softmax(x, dim=1)\n")],
    "instance": [RoundTrip("class Model(nn.Module):\n    def forward(self, x):\n        return x\nvalue = Model()\n"),
                 RoundTrip("class Trainer:\n    def __init__(self, criterion):\n        self.criterion = criterion\n"
                           "value = Trainer(nn.CrossEntropyLoss())\n")],
    "function": [RoundTrip("def value(x):\n    return F.softmax(x, dim=1)\n"),
                 RoundTrip("class Model(nn.Module):\n    def forward(self, x):\n        return F.softmax(x, dim=1)\n"
                           "value = Model().forward\n")],
    "ref": [RoundTrip("from helper import soft as value\n",
                      expect=lambda project, value: project.export("helper.py", "soft"))],
    "attr": [RoundTrip("import helper\nvalue = helper.soft\n",
                       expect=lambda project, value: project.export("helper.py", "soft"))],
    "call": [RoundTrip("import helper\nvalue = helper.make()\n",
                       expect=lambda project, value: project.export("helper.py", "make").info.return_value),
             # A dataclass of the project made with keywords: its fields, as the call gave them.
             RoundTrip("from helper import Config\nvalue = Config(criterion=nn.NLLLoss(), name='x')\n",
                       expect=lambda project, value: InstanceValue(project.export("helper.py", "Config").info,
                                                                   value.keywords)),
             # A foreign class made with keywords: a record of them.
             RoundTrip("from types import SimpleNamespace\nvalue = SimpleNamespace(criterion=nn.NLLLoss())\n",
                       expect=lambda project, value: RecordValue(value.keywords))],
}

CASES = [(tag, index) for tag, cases in ROUND_TRIPS.items() for index in range(len(cases))]


def test_every_entry_of_the_codec_table_has_a_round_trip() -> None:
    """A new value type is one entry of `codec.CODECS`; without a round trip here, this fails."""
    assert set(ROUND_TRIPS) == {entry.tag for entry in codec.CODECS}
    assert all(ROUND_TRIPS[tag] for tag in ROUND_TRIPS)


def equivalent(decoded: Value, original: Value) -> bool:
    """What a reader can know of `original` (made in phase 1) is what `decoded` says: the same
    facts and sites at the same positions; a class or function known by its id in the summary."""
    if isinstance(original, Tensor):
        return (isinstance(decoded, Tensor) and same(decoded, original) and decoded.producer == original.producer
                and positions(decoded.origins) == positions(original.origins)
                and positions(decoded.clipped) == positions(original.clipped))
    if isinstance(original, (TorchModule, LossValue)):
        return (same(decoded, original) and decoded.site.locate() == original.site.locate()  # type: ignore
                and (not isinstance(original, TorchModule) or decoded.dim_given == original.dim_given))  # type: ignore
    if isinstance(original, SequentialValue):
        return (isinstance(decoded, SequentialValue) and decoded.site.locate() == original.site.locate()
                and len(decoded.layers) == len(original.layers)
                and all(equivalent(d, o) for d, o in zip(decoded.layers, original.layers)))
    if isinstance(original, (TupleValue, OneOf)):
        left = decoded.items if isinstance(decoded, TupleValue) else getattr(decoded, "options", None)
        right = original.items if isinstance(original, TupleValue) else original.options
        return (type(decoded) is type(original) and left is not None and len(left) == len(right)
                and all(equivalent(d, o) for d, o in zip(left, right)))
    if isinstance(original, ListOf):
        return isinstance(decoded, ListOf) and equivalent(decoded.item, original.item)
    if isinstance(original, (DictValue, RecordValue, InstanceValue)):
        if type(decoded) is not type(original):
            return False
        if isinstance(original, InstanceValue):
            if decoded.cls.name != original.cls.name or (decoded.attrs is None) != (original.attrs is None):  # type: ignore
                return False
            if original.attrs is None:
                return True
        field = {DictValue: "items", RecordValue: "fields", InstanceValue: "attrs"}[type(original)]
        left, right = getattr(decoded, field), getattr(original, field)
        rests = (getattr(decoded, "rest", None), getattr(original, "rest", None))
        return ([k for k, _ in left] == [k for k, _ in right]
                and all(equivalent(d, o) for (_, d), (_, o) in zip(left, right))
                and (rests[1] is None and rests[0] is None or None not in rests and equivalent(*rests)))
    if isinstance(original, ClassValue):
        return isinstance(decoded, ClassValue) and decoded.info.name == original.info.name \
            and decoded.info.definition is not None
    if isinstance(original, FunctionValue):
        return (isinstance(decoded, FunctionValue) and decoded.info.name == original.info.name
                and (decoded.bound_self is None) == (original.bound_self is None)
                and (original.bound_self is None or equivalent(decoded.bound_self, original.bound_self)))
    if isinstance(original, Param):
        return isinstance(decoded, Param) and (decoded.index, decoded.name, decoded.rank) == (
            original.index, original.name, original.rank)
    return same(decoded, original)


def phase_one(source: str, deferring: bool = True) -> tuple[ModuleInterpreter, ModuleSummary]:
    interpreter = ModuleInterpreter(parse_source("m.py", STD + source + "loss = nn.NLLLoss()\n"),
                                    DeferringResolver() if deferring else None, as_main=False)
    interpreter.run()
    return interpreter, Encoder(interpreter).encode_module()


def reader(summary: ModuleSummary) -> Project:
    """A phase-2 project whose m.py reads as `summary` (helper.py summarised from its text)."""
    project = Project({"helper.py": parse_source("helper.py", HELPER)}, [""], on_disk=False)
    project.summaries["m.py"] = summary
    return project


FORMS = ("memory", "json", "cache")


def in_form(summary: ModuleSummary, form: str, case: RoundTrip) -> ModuleSummary:
    if form == "memory":
        return summary
    if form == "json":
        return ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    data = json.loads(json.dumps(summary.to_cache()))
    return ModuleSummary.from_cache(data, SiteLocator(lambda: phase_one(case.source, case.deferring)[1]))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("tag", "index"), CASES)
def test_a_value_written_and_read_back_says_the_same(tag: str, index: int, form: str) -> None:
    case = ROUND_TRIPS[tag][index]
    interpreter, summary = phase_one(case.source, case.deferring)
    if case.returns is not None:
        data = summary.functions[case.returns]["returns"]
        original = next(info for info in interpreter.functions if info.name == case.returns).return_value
    else:
        data = summary.exports[case.name]
        original = interpreter.globals[case.name]
    assert data["t"] == tag
    entry = codec.BY_TAG[tag]
    assert list(data) == ["t", *entry.fields]  # the keys the entry declares, in the order written
    project = reader(in_form(summary, form, case))
    if case.returns is not None:
        decoded = project.decode_function(project.summaries["m.py"], case.returns).return_value
    else:
        decoded = project.export("m.py", case.name)
    expected = case.expect(project, original) if case.expect is not None else original
    assert expected is not UNKNOWN or tag == "unknown"
    assert equivalent(decoded, expected), (decoded, expected)


def test_the_comparison_of_round_trips_can_fail(samples) -> None:
    """`equivalent` tells apart what a broken codec would confuse."""
    probs = samples["probs"]
    assert not equivalent(Tensor(Kind.PROBS, (), probs.producer, 1), probs)  # origins lost
    moved = Site("m.py", None, "F.softmax", position=(99, 1, 99, 2))
    assert not equivalent(probs.with_origins((moved,)), probs)
    assert not equivalent(samples["log_probs"], probs)
    assert not equivalent(TorchModule("torch.nn.Softmax", samples["soft"].site, None, True), samples["soft"])
    assert not equivalent(InstanceValue(samples["model"].cls), InstanceValue(samples["model"].cls, ()))


def test_cached_values_are_checked_field_by_field() -> None:
    """Each entry's declared fields are what a cached summary is checked against: a value
    missing one, or holding the wrong sort of data there, is not used."""
    for tag, cases in ROUND_TRIPS.items():
        for case in cases:
            _, summary = phase_one(case.source, case.deferring)
            data = json.loads(json.dumps(summary.to_cache()))
            code = data["functions"][case.returns]["returns"] if case.returns else data["exports"][case.name]
            if code["t"] != tag:
                continue
            assert codec.valid(code)
            for key in codec.BY_TAG[tag].fields:
                missing = {k: v for k, v in code.items() if k != key}
                assert not codec.valid(missing), (tag, key)
                assert not codec.valid({**code, key: {"not": "this"}}), (tag, key)
    assert not codec.valid({"t": "no such tag"}) and not codec.valid(["t", "none"]) and codec.valid({"t": "none"})
    deep: dict = {"t": "none"}
    for _ in range(codec.MAX_VALID_DEPTH + 1):
        deep = {"t": "list", "item": deep}
    assert not codec.valid(deep)


def test_a_damaged_cached_summary_is_refused_whole() -> None:
    _, summary = phase_one("value = (F.softmax(x, dim=1), nn.NLLLoss())\n")
    data = json.loads(json.dumps(summary.to_cache()))
    assert ModuleSummary.from_cache(json.loads(json.dumps(data)), SiteLocator(lambda: None)) is not None
    data["exports"]["value"]["items"][0]["kind"] = "NOT_A_KIND"
    with pytest.raises(ValueError):
        ModuleSummary.from_cache(data, SiteLocator(lambda: None))
    data["version"] = SUMMARY_VERSION + 1
    with pytest.raises(ValueError, match="another version"):
        ModuleSummary.from_cache(data, SiteLocator(lambda: None))


def test_values_no_entry_writes_and_values_nested_too_deep_are_written_as_unknown() -> None:
    class Ids:
        def class_id(self, info: ClassInfo) -> str | None:
            return None

        def function_id(self, info) -> str | None:
            return None

    writer = Ids()
    assert codec.encode(ProjectModule("a.py"), writer) == codec.UNKNOWN_CODE
    assert codec.encode(ClassValue(ClassInfo(None, "Foreign", [])), writer) == codec.UNKNOWN_CODE
    assert codec.encode(OneOf((NONE, ClassValue(ClassInfo(None, "Foreign", [])))), writer) == codec.UNKNOWN_CODE
    nested: Value = NONE
    for _ in range(codec.MAX_ENCODE_DEPTH + 5):
        nested = TupleValue((nested,))
    code = codec.encode(nested, writer)
    for _ in range(codec.MAX_ENCODE_DEPTH):
        assert code["t"] == "tuple"
        code = code["items"][0]
    assert code["t"] == "tuple" and code["items"][0] == codec.UNKNOWN_CODE
    assert isinstance(codec.decode({"t": "no such tag"}, reader(ModuleSummary("m.py")), ModuleSummary("m.py")),
                      UnknownValue)


def test_the_serialised_form_is_stable() -> None:
    """The JSON and cache forms, byte for byte, as the version before the codec table wrote
    them: a change here must come with a new SUMMARY_VERSION (it keys the summary cache)."""
    _, summary = phase_one(textwrap.dedent("""
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Softmax(dim=1)
            def forward(self, x):
                return self.act(x)
        def score(x, y):
            return nn.CrossEntropyLoss()(x, y)
        probs = F.softmax(x, dim=1)
    """))
    assert SUMMARY_VERSION == 3
    assert json.dumps(summary.to_json()) == JSON_FORM
    assert json.dumps(summary.to_cache()) == CACHE_FORM


JSON_FORM = (
    '{"version": 3, "path": "m.py", "imports": [], "exports": {"torch": {"t": "torch", "q": "torch"}, "nn'
    '": {"t": "torch", "q": "torch.nn"}, "F": {"t": "torch", "q": "torch.nn.functional"}, "Head": {"t": "'
    'class", "id": "Head"}, "score": {"t": "function", "id": "score", "self": null}, "probs": {"t": "tens'
    'or", "kind": "PROBS", "origins": [["m.py", [13, 9, 13, 28], "F.softmax"]], "producer": "torch.nn.fun'
    'ctional.softmax", "dim": 1, "rank": null, "last": null, "shifted": false, "clipped": []}, "loss": {"'
    't": "loss", "q": "torch.nn.NLLLoss", "site": ["m.py", [14, 8, 14, 20], "nn.NLLLoss"]}}, "classes": {'
    '"Head": {"name": "Head", "bases": [{"t": "torch", "q": "torch.nn.Module"}], "methods": {"__init__": '
    '"Head.__init__", "forward": "Head.forward"}, "attrs": {"act": {"t": "torchmodule", "q": "torch.nn.So'
    'ftmax", "site": ["m.py", [8, 20, 8, 37], "nn.Softmax"], "dim": 1, "dim_given": true, "features": nul'
    'l}}, "class_vars": {}, "fields": null}}, "functions": {"Head.__init__": {"name": "__init__", "return'
    's": {"t": "unknown"}, "property": false, "static": false, "sinks": [], "selects": []}, "Head.forward'
    '": {"name": "forward", "returns": {"t": "tensor", "kind": "PROBS", "origins": [["m.py", [10, 16, 10,'
    ' 27], "nn.Softmax"]], "producer": "torch.nn.Softmax", "dim": 1, "rank": null, "last": null, "shifted'
    '": false, "clipped": []}, "property": false, "static": false, "sinks": [], "selects": []}, "score": '
    '{"name": "score", "returns": {"t": "unknown"}, "property": false, "static": false, "sinks": [[0, "to'
    'rch.nn.CrossEntropyLoss", ["m.py", [12, 12, 12, 39], "nn.CrossEntropyLoss"], []]], "selects": []}}}'
)
CACHE_FORM = (
    '{"version": 3, "path": "m.py", "imports": [], "exports": {"torch": {"t": "torch", "q": "torch"}, "nn'
    '": {"t": "torch", "q": "torch.nn"}, "F": {"t": "torch", "q": "torch.nn.functional"}, "Head": {"t": "'
    'class", "id": "Head"}, "score": {"t": "function", "id": "score", "self": null}, "probs": {"t": "tens'
    'or", "kind": "PROBS", "origins": [{"site": 0, "label": "F.softmax", "path": "m.py"}], "producer": "t'
    'orch.nn.functional.softmax", "dim": 1, "rank": null, "last": null, "shifted": false, "clipped": []},'
    ' "loss": {"t": "loss", "q": "torch.nn.NLLLoss", "site": {"site": 1, "label": "nn.NLLLoss", "path": "'
    'm.py"}}}, "classes": {"Head": {"name": "Head", "bases": [{"t": "torch", "q": "torch.nn.Module"}], "m'
    'ethods": {"__init__": "Head.__init__", "forward": "Head.forward"}, "attrs": {"act": {"t": "torchmodu'
    'le", "q": "torch.nn.Softmax", "site": {"site": 2, "label": "nn.Softmax", "path": "m.py"}, "dim": 1, '
    '"dim_given": true, "features": null}}, "class_vars": {}, "fields": null}}, "functions": {"Head.__ini'
    't__": {"name": "__init__", "returns": {"t": "unknown"}, "property": false, "static": false, "sinks":'
    ' [], "selects": []}, "Head.forward": {"name": "forward", "returns": {"t": "tensor", "kind": "PROBS",'
    ' "origins": [{"site": 3, "label": "nn.Softmax", "path": "m.py"}], "producer": "torch.nn.Softmax", "d'
    'im": 1, "rank": null, "last": null, "shifted": false, "clipped": []}, "property": false, "static": f'
    'alse, "sinks": [], "selects": []}, "score": {"name": "score", "returns": {"t": "unknown"}, "property'
    '": false, "static": false, "sinks": [[0, "torch.nn.CrossEntropyLoss", {"site": 4, "label": "nn.Cross'
    'EntropyLoss", "path": "m.py"}, []]], "selects": []}}}'
)
