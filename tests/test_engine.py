"""The value-flow engine itself: joins, contexts, containers, module scope (issue #14).

These tests interpret small modules with the real engine (real LibCST) and read
the values it leaves in the module's variables, so a regression names the part
of the engine that broke, not only the rule that stopped firing.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from torchlint import lint_sources
from torchlint.analysis import calls
from torchlint.analysis.flow import ModuleInterpreter
from torchlint.catalog import Consumer
from torchlint.analysis.values import (
    NONE,
    UNKNOWN,
    ClassValue,
    DictValue,
    InstanceValue,
    Kind,
    ListOf,
    LossValue,
    OneOf,
    Site,
    Tensor,
    TupleValue,
    join,
)
from torchlint.analysis.program import ClassInfo
from torchlint.parsing import parse_source

STD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def interpret(body: str, as_main: bool = True) -> ModuleInterpreter:
    parsed = parse_source("m.py", STD + textwrap.dedent(body))
    interpreter = ModuleInterpreter(parsed, as_main=as_main)
    interpreter.run()
    return interpreter


def value_of(body: str, name: str = "result"):
    return interpret(body).globals[name]


def kind_of(body: str, name: str = "result") -> Kind | None:
    value = value_of(body, name)
    return value.kind if isinstance(value, Tensor) else None


def probs(label: str = "F.softmax", row: int = 1) -> Tensor:
    return Tensor(Kind.PROBS, (Site("m.py", None, label, position=(row, 1, row, 1)),))


# --------------------------------------------------------------------------- joins


def test_join_of_same_kind_keeps_both_origins_and_different_kinds_give_unknown() -> None:
    a, b = probs("a", 1), probs("b", 2)
    joined = join(a, b)
    assert isinstance(joined, Tensor) and joined.kind == Kind.PROBS and len(joined.origins) == 2
    assert join(a, Tensor(Kind.LOGITS)) is UNKNOWN


def test_join_of_two_model_classes_keeps_both_and_of_two_losses_forgets() -> None:
    first, second = ClassInfo(None, "A", []), ClassInfo(None, "B", [])
    joined = join(InstanceValue(first), InstanceValue(second))
    assert isinstance(joined, OneOf) and len(joined.options) == 2
    import torchlint.analysis.torch_api as api

    site = Site("m.py", None, "loss", position=(1, 1, 1, 1))
    ce = LossValue(api.LOSSES["torch.nn.CrossEntropyLoss"], site)
    nll = LossValue(api.LOSSES["torch.nn.NLLLoss"], site)
    assert join(ce, nll) is UNKNOWN
    assert join(NONE, ce) is UNKNOWN  # None is only an alternative to objects a call is made on
    assert isinstance(join(NONE, InstanceValue(first)), OneOf)


def test_join_of_lists_of_different_lengths_keeps_what_items_agree_on() -> None:
    joined = join(TupleValue(()), TupleValue((probs(),)))
    assert isinstance(joined, ListOf) and isinstance(joined.item, Tensor) and joined.item.kind == Kind.PROBS


def test_join_of_dicts_keeps_keys_of_either_path() -> None:
    joined = join(DictValue((("probs", probs()),)), DictValue((("logits", Tensor(Kind.LOGITS)),)))
    assert isinstance(joined, DictValue) and {key for key, _ in joined.items} == {"probs", "logits"}


def test_models_that_agree_join_to_what_they_agree_on() -> None:
    source = """
        class A(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        class B(nn.Module):
            def forward(self, x):
                return torch.softmax(x, 1)
        class C(nn.Module):
            def forward(self, x):
                return x
        m = A() if big else B()
        result = m(x)
        n = A() if big else C()
        mixed = n(x)
    """
    assert kind_of(source) == Kind.PROBS
    assert value_of(source, "mixed") is UNKNOWN


def test_a_call_on_alternatives_takes_only_those_whose_signature_fits() -> None:
    source = """
        class Transformer(nn.Module):
            def forward(self, src):
                return F.log_softmax(src, dim=-1)
        class RNN(nn.Module):
            def forward(self, src, hidden):
                return src, hidden
        model = Transformer() if flag else RNN()
        result = model(data)
        pair = model(data, hidden)
    """
    assert kind_of(source) == Kind.LOG_PROBS
    assert isinstance(value_of(source, "pair"), TupleValue)


# --------------------------------------------------------------------------- contexts


def test_a_parameter_is_bound_to_the_callers_value() -> None:
    source = """
        class Net(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        def predict(model, x):
            return model(x)
        result = predict(Net(), x)
        unknown = predict(other, x)
    """
    assert kind_of(source) == Kind.PROBS
    assert value_of(source, "unknown") is UNKNOWN


@pytest.mark.parametrize("call", [
    "apply(Net(), x)", "apply(model=Net(), x=x)", "apply(x=x, model=Net())", "wrapper(Net(), x)",
    "wrapper(model=Net(), x=x)", "partial_apply(x)", "Holder(Net()).run(x)", "via_default(x)",
])
def test_binding_forms(call: str) -> None:
    source = f"""
        import functools
        class Net(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        def apply(model, x):
            return model(x)
        def wrapper(*args, **kwargs):
            return apply(*args, **kwargs)
        partial_apply = functools.partial(apply, Net())
        def via_default(x, model=Net()):
            return apply(model, x)
        class Holder:
            def __init__(self, model):
                self.model = model
            def run(self, x):
                return apply(self.model, x)
        result = {call}
    """
    assert kind_of(source) == Kind.PROBS, call


def test_contexts_are_memoised_per_signature() -> None:
    source = """
        class Net(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        def apply(model, x):
            return model(x)
        net = Net()
        a = apply(net, x)
        b = apply(net, y)
        c = apply(net, z)
    """
    interpreter = interpret(source)
    assert interpreter.engine.total == 1  # three calls, one signature, one interpretation


def test_a_function_called_from_500_places_is_bounded() -> None:
    heads = "\n".join(f"h{i} = nn.Softmax(dim={i % 3})\nr{i} = apply(h{i}, x)" for i in range(500))
    source = "def apply(module, x):\n    return module(x)\n" + heads
    start = time.perf_counter()
    interpreter = interpret(source)
    elapsed = time.perf_counter() - start
    assert interpreter.engine.per_function and max(interpreter.engine.per_function.values()) <= \
        calls.MAX_CONTEXTS_PER_FUNCTION
    assert elapsed < 30  # bounded, not a benchmark: an unbounded engine takes minutes here


@pytest.mark.parametrize("source", [
    "def f(model, n):\n    return f(model, n - 1) if n else model(x)\nresult = f(nn.Softmax(dim=1), 3)\n",
    "def f(model, n):\n    return g(model, n)\ndef g(model, n):\n    return f(model, n)\nresult = f(nn.Softmax(dim=1), 3)\n",
])
def test_recursion_in_contexts_terminates(source: str) -> None:
    interpreter = interpret(source)
    assert interpreter.engine.active == []


def test_a_parameter_rebound_inside_the_callee_is_the_callees_value() -> None:
    source = """
        def train(model, criterion, x):
            criterion = nn.NLLLoss()
            return criterion
        result = train(m, nn.CrossEntropyLoss(), x)
    """
    value = value_of(source)
    assert isinstance(value, LossValue) and value.loss.consumer is Consumer.NLL


def test_constructor_injection_and_setters_keep_the_objects_attributes() -> None:
    source = """
        class Trainer:
            def __init__(self, model, loss_fn=None):
                self.model = model
                self.loss_fn = loss_fn or nn.CrossEntropyLoss()
            def set_loss(self, fn):
                self.loss_fn = fn
        default = Trainer(nn.Linear(8, 3)).loss_fn
        given = Trainer(m, nn.NLLLoss()).loss_fn
        trainer = Trainer(m)
        trainer.set_loss(nn.BCELoss())
        after_setter = trainer.loss_fn
        trainer.loss_fn = nn.KLDivLoss()
        after_assignment = trainer.loss_fn
    """
    interpreter = interpret(source)
    consumers = {name: interpreter.globals[name].loss.consumer
                 for name in ("default", "given", "after_setter", "after_assignment")}
    assert consumers == {"default": Consumer.CROSS_ENTROPY, "given": Consumer.NLL, "after_setter": Consumer.BCE,
                         "after_assignment": Consumer.KL_DIV}


def test_super_init_sets_attributes_on_the_subclass_object() -> None:
    source = """
        class Base:
            def __init__(self, model, criterion):
                self.model = model
                self.criterion = criterion
        class Child(Base):
            def __init__(self, model):
                super().__init__(model, nn.CrossEntropyLoss())
        result = Child(m).criterion
    """
    value = value_of(source)
    assert isinstance(value, LossValue) and value.loss.consumer is Consumer.CROSS_ENTROPY


def test_dataclass_and_namespace_configs_hold_the_criterion() -> None:
    source = """
        from dataclasses import dataclass
        from types import SimpleNamespace
        @dataclass
        class Config:
            lr: float
            criterion: object = None
        result = Config(0.1, nn.CrossEntropyLoss()).criterion
        ns = SimpleNamespace(criterion=nn.NLLLoss()).criterion
    """
    interpreter = interpret(source)
    assert interpreter.globals["result"].loss.consumer is Consumer.CROSS_ENTROPY
    assert interpreter.globals["ns"].loss.consumer is Consumer.NLL


@pytest.mark.parametrize("wrap", ["nn.DataParallel(Net())", "torch.compile(Net())", "Net().to(device).train()",
                                  "nn.parallel.DistributedDataParallel(Net().cuda())"])
def test_calls_that_return_the_same_model(wrap: str) -> None:
    source = f"""
        class Net(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        model = {wrap}
        result = model(x)
        inner = model.module(x)
        called = model.__call__(x)
    """
    interpreter = interpret(source)
    for name in ("result", "inner", "called"):
        assert isinstance(interpreter.globals[name], Tensor) and interpreter.globals[name].kind == Kind.PROBS, name


# --------------------------------------------------------------------------- module scope


def test_a_global_set_under_main_is_seen_by_the_functions_called_there() -> None:
    source = """
        def evaluate(x):
            return net(x)
        if __name__ == "__main__":
            net = nn.Softmax(dim=1)
            result = evaluate(x)
    """
    assert kind_of(source) == Kind.PROBS
    # As an importer sees the module, the block does not run.
    assert "result" not in interpret(source, as_main=False).globals


def test_a_global_some_function_rebinds_is_unknown_inside_functions() -> None:
    source = """
        net = nn.Softmax(dim=1)
        def swap():
            global net
            net = nn.Identity()
        def evaluate(x):
            return net(x)
        result = evaluate(x)
    """
    assert value_of(source) is UNKNOWN


# --------------------------------------------------------------------------- containers


def test_sequential_filled_with_add_module_and_append() -> None:
    source = """
        seq = nn.Sequential()
        seq.add_module("fc", nn.Linear(8, 3))
        seq.add_module("act", nn.Softmax(dim=1))
        result = seq(x)
        other = nn.Sequential()
        other.append(nn.Linear(8, 3))
        logits = other(x)
        empty = nn.Sequential()(x)
    """
    interpreter = interpret(source)
    assert interpreter.globals["result"].kind == Kind.PROBS
    assert interpreter.globals["logits"].kind == Kind.LOGITS
    assert interpreter.globals["empty"] is UNKNOWN  # filled where the engine does not see


def test_lists_appended_then_stacked() -> None:
    source = """
        outs = []
        for head in heads:
            outs.append(F.softmax(head(x), dim=1))
        result = torch.stack(outs)
        mixed = []
        mixed.append(F.softmax(x, dim=1))
        mixed.append(x + 1)
        unknown = torch.cat(mixed)
    """
    interpreter = interpret(source)
    assert interpreter.globals["result"].kind == Kind.PROBS
    assert interpreter.globals["unknown"] is UNKNOWN


def test_dict_stores_and_reads() -> None:
    source = """
        d = {}
        d["probs"] = F.softmax(x, dim=1)
        literal = d["probs"]
        heads = nn.ModuleDict({"a": nn.Softmax(dim=1), "b": nn.Softmax(dim=-1)})
        outputs = {}
        for task in tasks:
            outputs[task] = heads[task](x)
        result = outputs[name]
        merged = {}
        merged.update({"logits": nn.Linear(3, 3)(x)})
        logits = merged["logits"]
    """
    interpreter = interpret(source)
    assert interpreter.globals["literal"].kind == Kind.PROBS
    assert interpreter.globals["result"].kind == Kind.PROBS
    assert interpreter.globals["logits"].kind == Kind.LOGITS


def test_a_list_passed_to_user_code_is_forgotten() -> None:
    source = """
        layers = [nn.Linear(8, 3), nn.Softmax(dim=1)]
        extend_somewhere(layers)
        result = layers
    """
    assert value_of(source) is UNKNOWN


# --------------------------------------------------------------------------- decided tests


def test_none_tests_prune_the_branch_that_cannot_run() -> None:
    source = """
        def make(criterion=None):
            if criterion is None:
                criterion = nn.CrossEntropyLoss()
            return criterion
        default = make(nn.Softmax(dim=1))
        chosen = make(nn.NLLLoss())
        unknown = make(other)
    """
    interpreter = interpret(source)
    assert interpreter.globals["chosen"].loss.consumer is Consumer.NLL
    assert interpreter.globals["unknown"] is UNKNOWN  # `other` may be None or not


# --------------------------------------------------------------------------- across files


def test_a_context_runs_in_the_module_that_defines_the_function() -> None:
    files = {
        "models.py": STD + "class Net(nn.Module):\n    def forward(self, x):\n        return F.softmax(x, dim=1)\n",
        "engine.py": "def fit(model, criterion, loader):\n    for x, y in loader:\n"
                     "        criterion(model(x), y).backward()\n",
        "train.py": STD + "from models import Net\nfrom engine import fit\nfit(Net(), nn.CrossEntropyLoss(), loader)\n",
    }
    (finding,) = lint_sources(files)
    assert (finding.filename, finding.code) == ("models.py", "TL001")
    assert "nn.CrossEntropyLoss at engine.py:3 (through fit() at train.py:6)" in finding.message
    assert [(r.filename, r.location.row) for r in finding.related] == [("engine.py", 3), ("train.py", 6)]


def test_two_calls_with_a_logits_and_a_probabilities_model_give_one_finding_naming_the_second() -> None:
    files = {
        "models.py": STD + "class Good(nn.Module):\n    def forward(self, x):\n        return x\n"
                     "class Bad(nn.Module):\n    def forward(self, x):\n        return F.softmax(x, dim=1)\n",
        "train.py": STD + "from models import Good, Bad\n\ndef train(model, criterion):\n"
                    "    return criterion(model(x), y)\n\ntrain(Good(), nn.CrossEntropyLoss())\n"
                    "train(Bad(), nn.CrossEntropyLoss())\n",
    }
    (finding,) = lint_sources(files)
    assert (finding.filename, finding.location.row) == ("models.py", 9)
    assert "through train() at train.py:10" in finding.message


# --------------------------------------------------------------------------- summaries


def test_new_values_survive_a_summary_round_trip() -> None:
    """A module's exports made of the new values, written as the summary cache writes them and
    read back: the same kinds of values come out."""
    import json

    from torchlint.analysis.values import NoneValue, RecordValue
    from torchlint.analysis.project import Project
    from torchlint.analysis.summaries import ModuleSummary, SiteLocator

    source = STD + textwrap.dedent("""
        from types import SimpleNamespace
        class Trainer:
            def __init__(self, criterion):
                self.criterion = criterion
        trainer = Trainer(nn.CrossEntropyLoss())
        heads = [F.softmax(x, dim=1)]
        for h in hs:
            heads.append(F.softmax(h, dim=1))
        either = nn.Softmax(dim=1) if c else nn.Sigmoid()
        nothing = None
        record = SimpleNamespace(logits=nn.Linear(3, 3)(x))
        stored = {}
        stored[key] = F.softmax(x, dim=1)
        shifted = F.softmax(x, dim=1) + 1e-8
    """)
    parsed = parse_source("m.py", source)
    project = Project({"m.py": parsed}, [""], on_disk=False)
    data = json.loads(json.dumps(project.summary("m.py").to_cache()))
    summary = ModuleSummary.from_cache(data, SiteLocator(lambda: project._fresh_summary("m.py")))
    project.summaries["m.py"] = summary
    project.decoded.clear()
    trainer = project.export("m.py", "trainer")
    assert isinstance(trainer, InstanceValue) and isinstance(trainer.own("criterion"), LossValue)
    heads = project.export("m.py", "heads")
    assert isinstance(heads, ListOf) and heads.item.kind == Kind.PROBS
    assert isinstance(project.export("m.py", "either"), OneOf)
    assert isinstance(project.export("m.py", "nothing"), NoneValue)
    record = project.export("m.py", "record")
    assert isinstance(record, RecordValue) and record.get("logits").kind == Kind.LOGITS
    stored = project.export("m.py", "stored")
    assert isinstance(stored, DictValue) and stored.any_value().kind == Kind.PROBS
    shifted = project.export("m.py", "shifted")
    assert shifted.kind == Kind.PROBS and shifted.shifted
    assert isinstance(project.export("m.py", "Trainer"), ClassValue)


def test_a_model_wrapped_on_one_branch_only_is_still_the_model() -> None:
    source = """
        class Net(nn.Module):
            def forward(self, x):
                return F.softmax(x, dim=1)
        model = Net()
        if n_gpus > 1:
            model = nn.DataParallel(model)
        result = model(x)
    """
    assert kind_of(source) == Kind.PROBS


def test_branches_returning_different_tensors_of_one_kind_keep_it() -> None:
    source = """
        def head(x, wide):
            if wide:
                return F.softmax(x, dim=1)
            return torch.softmax(x.flatten(1), 1)
        result = head(x, flag)
    """
    value = value_of(source)
    assert value.kind == Kind.PROBS and len(value.origins) == 2


def test_a_setter_called_from_another_method_sets_the_attribute() -> None:
    source = """
        class Trainer:
            def __init__(self, model):
                self.model = model
                self.loss_fn = None
            def set_loss(self, fn):
                self.loss_fn = fn
            def configure(self, cfg):
                self.set_loss(nn.CrossEntropyLoss())
        trainer = Trainer(nn.Linear(8, 3))
        trainer.configure(cfg)
        result = trainer.loss_fn
    """
    value = value_of(source)
    assert isinstance(value, LossValue) and value.loss.consumer is Consumer.CROSS_ENTROPY


def test_a_method_is_not_settled_early_for_another_methods_read() -> None:
    """moemen95/Pytorch-Project-Template's DCGAN agent: a checkpoint loader reads `self.config`
    before the step is interpreted; the step (counting `self.current_iteration += 1`) must
    still see the loss `__init__` set, not a half-built table."""
    source = """
        class Agent:
            def __init__(self, config):
                self.config = config
                self.loss = nn.BCELoss()
                self.logger.info("built")
            def load_checkpoint(self):
                self.current_iteration = self.config.start
            def step(self, x, y):
                self.current_iteration += 1
                return self.loss(torch.sigmoid(x), y)
    """
    facts = interpret(source).facts
    assert [(call.loss.consumer, call.input.kind) for call in facts.loss_calls] == [(Consumer.BCE, Kind.SIGMOID)]


def test_a_read_still_joins_every_method_that_may_assign_the_attribute() -> None:
    source = """
        class Agent:
            def __init__(self, config):
                self.config = config
                self.criterion = nn.BCELoss()
            def load(self):
                self.k = self.config.k
            def use_logits(self):
                self.criterion = nn.BCEWithLogitsLoss()
            def through_a_helper(self):
                self.configure()
            def configure(self):
                self.head = nn.Linear(8, 1)
        result = Agent(cfg)
    """
    interpreter = interpret(source)
    cls = interpreter.globals["Agent"].info
    attrs = interpreter.instance_attrs(cls)
    assert not isinstance(attrs["criterion"], LossValue)  # BCE or BCE-with-logits: not one loss
    methods = cls.methods
    assert interpreter.may_assign(cls, methods["use_logits"], "criterion")
    assert not interpreter.may_assign(cls, methods["load"], "criterion")
    assert interpreter.may_assign(cls, methods["through_a_helper"], "head")
    assert not interpreter.may_assign(cls, methods["through_a_helper"], "criterion")
