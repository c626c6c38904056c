"""torchlint.watch on real torch (CPU): every rule confirmed on a real model and training step,
and no finding on correct training code."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # 2-core CI boxes: OpenMP contention makes tiny steps 10x slower
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torchlint  # noqa: E402
from torchlint import MisuseError, TorchlintWarning  # noqa: E402
from torchlint.catalog import Kind  # noqa: E402

HERE = __file__
STEPS = int(__import__("os").environ.get("TORCHLINT_MEMORY_STEPS", "10000"))


def codes(watch):
    return sorted({finding.code for finding in watch.findings})


def watched(step, model=None, n=2, **options):
    """Run `step` n times under a watch; return the closed watch (warnings swallowed)."""
    options.setdefault("steps", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(model, **options) as w:
            for _ in range(n):
                step()
    return w


def trainer(model, loss_fn, x, y, lr=0.05):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


class Head(nn.Module):
    """A small classifier whose `forward` ends with `finish` (the misuse under test)."""

    def __init__(self, finish, d_in=12, d_out=5):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 32), nn.ReLU(), nn.Linear(32, d_out))
        self.finish = finish

    def forward(self, x):
        return self.finish(self.body(x))


def data(batch=16, d_in=12, classes=5, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, d_in, generator=generator)
    y = torch.randint(0, classes, (batch,), generator=generator)
    return x, y


def one(watch, code):
    found = [finding for finding in watch.findings if finding.code == code]
    assert found, f"{code} not found in {codes(watch)}"
    finding = found[0]
    assert finding.source == "runtime" and not finding.confirmed  # confirmed: a static finding seen again
    return finding


# ---------------------------------------------------------------- each rule, confirmed


def test_tl001_softmax_into_cross_entropy_model_and_step():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1))
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model, n=3)
    finding = one(w, "TL001")
    assert finding.filename.endswith("test_runtime.py")
    assert "F.softmax output reaches nn.CrossEntropyLoss at" in finding.message  # the loss as written
    assert finding.extra["runtime"]["count"] == 3
    assert finding.related and finding.related[0].filename.endswith("test_runtime.py")
    assert codes(w) == ["TL001"]


def test_tl001_from_values_when_provenance_is_lost():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1).data)  # .data: a new tensor without tag or graph
    x, y = data()
    w = watched(lambda: F.cross_entropy(model(x), y), model)
    finding = one(w, "TL001")
    assert finding.extra["runtime"]["evidence"] == "values"
    assert "rows sum to 1" in finding.message


def test_tl001_through_views_and_dtype_moves():
    torch.manual_seed(0)
    x, y = data()
    model = Head(lambda z: F.softmax(z, dim=1))

    def step():
        probs = model(x).detach().double().view(16, 5)[:, :].contiguous()
        F.cross_entropy(probs, y)

    w = watched(step, check_every=0)
    assert one(w, "TL001").extra["runtime"]["evidence"] == "provenance"


def test_tl002_implicit_dim_reports_rank_and_chosen_dim():
    torch.manual_seed(0)
    seq = nn.Linear(8, 6)
    x = torch.randn(4, 7, 8)

    def step():
        probs = F.softmax(seq(x))  # (batch, seq, classes): PyTorch picks dim 0
        probs.sum().backward()

    w = watched(step)
    finding = one(w, "TL002")
    assert "3-D" in finding.message and "dim=0" in finding.message and "batch" in finding.message


def test_tl003_sigmoid_into_cross_entropy_and_into_softmax():
    torch.manual_seed(0)
    model = Head(torch.sigmoid)
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model)
    assert one(w, "TL003").filename.endswith("test_runtime.py")
    w = watched(lambda: F.softmax(torch.sigmoid(x), dim=1))
    assert codes(w) == ["TL003"]


def test_tl004_softmax_into_nll_loss():
    torch.manual_seed(0)
    model = Head(lambda z: z.softmax(dim=1))
    x, y = data()
    w = watched(trainer(model, nn.NLLLoss(), x, y), model)
    assert codes(w) == ["TL004"]


def test_tl004_from_values():
    torch.manual_seed(0)
    model = Head(lambda z: z.softmax(dim=1).data)
    x, y = data()
    w = watched(lambda: F.nll_loss(model(x), y))
    assert one(w, "TL004").extra["runtime"]["evidence"] == "values"


def test_tl005_sigmoid_into_bce_with_logits():
    torch.manual_seed(0)
    model = Head(nn.Sigmoid())
    x = torch.randn(16, 12)
    y = torch.randint(0, 2, (16, 5)).float()
    w = watched(trainer(model, nn.BCEWithLogitsLoss(), x, y), model)
    assert codes(w) == ["TL005"]


def test_tl006_log_of_softmax():
    torch.manual_seed(0)
    model = Head(lambda z: torch.log(torch.softmax(z, 1)))
    x, y = data()
    w = watched(trainer(model, nn.NLLLoss(), x, y), model)
    assert codes(w) == ["TL006"]  # log(softmax) into NLL is log-probabilities: no TL004/TL012


def test_tl016_log_of_sigmoid():
    torch.manual_seed(0)
    x = torch.randn(16, 12)
    y = torch.rand(16, 5)
    model = Head(torch.sigmoid)

    def log_likelihood(out, target):  # what a hand-written binary loss does
        return -(target * torch.log(out)).mean()

    w = watched(trainer(model, log_likelihood, x, y), model)
    assert codes(w) == ["TL016"]  # the log of a sigmoid is TL016 now, not TL006
    finding = one(w, "TL016")
    assert finding.name == "log-of-sigmoid" and "F.logsigmoid" in finding.message


def test_tl007_logits_into_bce_reported_before_torch_refuses():
    torch.manual_seed(0)
    model = Head(lambda z: z * 4)
    x = torch.randn(16, 12)
    y = torch.randint(0, 2, (16, 5)).float()
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        watched(trainer(model, nn.BCELoss(), x, y), model, n=1)
    # provenance (a linear output) and values (outside [0, 1]) both say it
    w = torchlint.watch(check_every=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with pytest.raises(RuntimeError):
            F.binary_cross_entropy(model.body(x).detach() * 4, y)
        with pytest.raises(RuntimeError):
            F.binary_cross_entropy(model.body(x), y)
    w.close()
    evidence = {f.extra["runtime"]["evidence"] for f in w.findings if f.code == "TL007"}
    assert evidence == {"values", "provenance"}


def test_tl007_strict_raises_before_the_loss_runs():
    torch.manual_seed(0)
    model = Head(lambda z: z)
    x = torch.randn(16, 12)
    y = torch.randint(0, 2, (16, 5)).float()
    with torchlint.watch(model, strict=True):
        with pytest.raises(MisuseError, match="TL007"):
            F.binary_cross_entropy(model(x), y)


def test_tl008_probabilities_into_kl_div():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=-1))
    x, _ = data()
    target = F.softmax(torch.randn(16, 5), dim=-1)
    w = watched(trainer(model, nn.KLDivLoss(reduction="batchmean"), x, target), model)
    assert codes(w) == ["TL008"]


def test_tl009_log_softmax_before_cross_entropy():
    torch.manual_seed(0)
    model = Head(lambda z: F.log_softmax(z, dim=1))
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model)
    assert codes(w) == ["TL009"]
    assert one(w, "TL009").severity.value == "info"


def test_tl010_activation_on_logits():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 5), nn.ReLU())
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model)
    assert codes(w) == ["TL010"]
    w = watched(lambda: F.binary_cross_entropy_with_logits(torch.tanh(model(x)), torch.ones(16, 5)))
    assert codes(w) == ["TL010"]


def test_tl010_is_located_at_the_activation_from_the_second_step_or_at_the_loss_after_one():
    # ReLUs are tagged only once a loss has seen one through grad_fn (they are everywhere, and
    # tagging each costs every step): the second step names the activation's line.
    torch.manual_seed(0)
    head = nn.Linear(12, 5)
    x, y = data()
    lines = {}

    def step():
        logits = torch.relu(head(x)); lines["relu"] = sys._getframe().f_lineno  # noqa: E702
        F.cross_entropy(logits, y).backward(); lines["loss"] = sys._getframe().f_lineno  # noqa: E702

    two = watched(step, n=2)
    assert len(two.findings) == 1 and one(two, "TL010").location.row == lines["relu"]
    assert one(two, "TL010").related[0].location.row == lines["loss"]
    once = watched(step, n=1)  # reported at close(), at the loss
    assert len(once.findings) == 1 and one(once, "TL010").location.row == lines["loss"]
    assert "ReluBackward0" in one(once, "TL010").message
    with pytest.raises(MisuseError, match="TL010"):  # strict tags from the start: no second step needed
        with torchlint.watch(strict=True):
            step()


def test_tl011_double_activation():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(F.softmax(z, dim=1), dim=1))
    x, y = data()
    w = watched(lambda: model(x).sum().backward(), model)
    assert codes(w) == ["TL011"]
    w = watched(lambda: torch.sigmoid(torch.sigmoid(x)))
    assert codes(w) == ["TL011"]


def test_tl012_logits_into_nll_loss():
    torch.manual_seed(0)
    model = Head(lambda z: z)
    x, y = data()
    w = watched(trainer(model, nn.NLLLoss(), x, y), model)
    assert codes(w) == ["TL012"]
    # values only: positive entries / rows that do not logsumexp to 0
    w = watched(lambda: F.nll_loss(model(x).detach() + 3, y))
    assert one(w, "TL012").extra["runtime"]["evidence"] == "values"


def test_tl013_softmax_over_the_batch_dimension():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=0))
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model)
    assert "TL013" in codes(w)
    # without a model: the loss target's batch size gives it away
    logits = torch.randn(16, 5)
    w = watched(lambda: F.nll_loss(torch.log_softmax(logits, 0), y))
    assert codes(w) == ["TL013"]


def test_tl014_sigmoid_then_bce():
    torch.manual_seed(0)
    model = Head(torch.sigmoid)
    x = torch.randn(16, 12)
    y = torch.randint(0, 2, (16, 5)).float()
    w = watched(trainer(model, nn.BCELoss(), x, y), model)
    assert codes(w) == ["TL014"]


def test_tl015_softmax_over_a_single_output():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1), d_out=1)
    x = torch.randn(16, 12)
    y = torch.randint(0, 2, (16, 1)).float()
    w = watched(trainer(model, nn.BCELoss(), x, y), model)
    assert "TL015" in codes(w)


# ---------------------------------------------------------------- correct code: no findings


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 13 * 13, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(x.flatten(1)), dim=1)


class AttentionBlock(nn.Module):
    def __init__(self, d=16, heads=2, classes=7):
        super().__init__()
        self.heads, self.d = heads, d
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, d))
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = torch.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        mixed = (attn @ v).transpose(1, 2).reshape(b, t, d)
        x = self.norm(x + self.out(mixed))
        x = x + self.mlp(x)
        return self.head(x.mean(1))


def test_no_findings_on_correct_training_scripts():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TorchlintWarning)
        # MNIST-style: log_softmax + nll_loss, with value checks on every call
        mnist = MnistNet()
        images, digits = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
        with torchlint.watch(mnist, check_every=1) as w1:
            for _ in range(2):
                trainer(mnist, F.nll_loss, images, digits)()
            mnist.eval()
            with torch.no_grad():
                mnist(images).argmax(1)
        # a transformer block with attention softmax, batch == sequence length on purpose
        block = AttentionBlock()
        tokens, labels = torch.randn(6, 6, 16), torch.randint(0, 7, (6,))
        with torchlint.watch(block, check_every=1) as w2:
            for _ in range(2):
                trainer(block, nn.CrossEntropyLoss(label_smoothing=0.1), tokens, labels)()
        # multi-label: sigmoid only for the predictions, BCEWithLogits on the logits
        tagger = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 5))
        x, tags = torch.randn(16, 12), torch.randint(0, 2, (16, 5)).float()
        with torchlint.watch(tagger, check_every=1) as w3:
            for _ in range(2):
                trainer(tagger, nn.BCEWithLogitsLoss(), x, tags)()
                with torch.no_grad():
                    (torch.sigmoid(tagger(x)) > 0.5).float().mean()
    # soft targets and distillation: probabilities as *targets* are fine
    logits, teacher = torch.randn(16, 5, requires_grad=True), torch.randn(16, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(check_every=1) as w4:
            F.cross_entropy(logits, F.softmax(teacher, dim=1))
            F.kl_div(F.log_softmax(logits, dim=1), F.softmax(teacher, dim=1), reduction="batchmean")
            F.nll_loss(torch.log(F.softmax(logits, dim=1).clamp_min(1e-8)), torch.zeros(16, dtype=torch.long))
    for w in (w1, w2, w3):
        assert w.findings == []
    assert codes(w4) == ["TL006"]  # log(softmax) is TL006, but the nll_loss after it is fine


# ---------------------------------------------------------------- API and safety


def test_import_torchlint_does_not_import_torch():
    code = "import sys, torchlint; assert 'torch' not in sys.modules; torchlint.TorchlintWarning; " \
           "assert 'torch' not in sys.modules; torchlint.watch; assert 'torch' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_warning_once_per_call_site_and_strict_error():
    torch.manual_seed(0)
    x, y = data()
    with pytest.warns(TorchlintWarning, match="TL001") as record:
        with torchlint.watch() as w:
            for _ in range(4):
                F.cross_entropy(F.softmax(x, dim=1), y)
    assert len([r for r in record if issubclass(r.category, TorchlintWarning)]) == 1
    assert record[0].filename == HERE
    assert w.findings[0].extra["runtime"]["count"] == 4
    assert issubclass(TorchlintWarning, UserWarning)
    with torchlint.watch(strict=True) as w:
        with pytest.raises(MisuseError) as error:
            F.cross_entropy(F.softmax(x, dim=1), y)
    assert error.value.finding.code == "TL001"


def test_handle_form_report_json_and_rules_filter(tmp_path):
    x, y = data()
    path = tmp_path / "runtime.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        w = torchlint.watch(report=str(path))
        F.cross_entropy(F.softmax(x, dim=1), y)
        F.nll_loss(F.softmax(x, dim=1), y)
        w.close()
        w.close()  # idempotent
        only = torchlint.watch(rules=["TL004"])
        F.cross_entropy(F.softmax(x, dim=1), y)
        F.nll_loss(F.softmax(x, dim=1), y)
        only.close()
    items = json.loads(path.read_text())
    assert [item["code"] for item in items] == ["TL001", "TL004"]
    assert set(items[0]) >= {"code", "name", "message", "severity", "filename", "location", "end_location",
                             "url", "fix", "related", "source", "confirmed"}
    assert items[0]["source"] == "runtime" and items[0]["filename"].endswith("test_runtime.py")
    assert codes(only) == ["TL004"]
    with pytest.raises(ValueError):
        torchlint.watch(rules=["XX1"])


def test_outputs_and_gradients_are_bitwise_identical():
    def run(use_watch):
        torch.manual_seed(0)
        model = Head(lambda z: F.softmax(z, dim=1))
        x, y = data()
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        outs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TorchlintWarning)
            w = torchlint.watch(model, steps=None, check_every=1) if use_watch else None
            for _ in range(3):
                opt.zero_grad()
                out = model(x)
                loss = F.cross_entropy(out, y) + F.nll_loss(out.log(), y)
                loss.backward()
                outs.append((out.detach().clone(), loss.detach().clone(),
                             [p.grad.clone() for p in model.parameters()]))
                opt.step()
            if w:
                w.close()
                assert codes(w) == ["TL001", "TL006"]
        return outs, [p.detach().clone() for p in model.parameters()]

    (plain, plain_params), (seen, seen_params) = run(False), run(True)
    for (o1, l1, g1), (o2, l2, g2) in zip(plain, seen):
        assert torch.equal(o1, o2) and torch.equal(l1, l2)
        assert all(torch.equal(a, b) for a, b in zip(g1, g2))
    assert all(torch.equal(a, b) for a, b in zip(plain_params, seen_params))


def test_no_grad_inference_mode_and_autocast():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1)).eval()
    x, y = data()
    with torch.no_grad():
        w = watched(lambda: F.cross_entropy(model(x), y), model)
    assert codes(w) == ["TL001"]
    with torch.inference_mode():
        w = watched(lambda: F.cross_entropy(model(x), y), model)
    assert codes(w) == ["TL001"]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        w = watched(lambda: F.cross_entropy(model(x), y), model)
    assert codes(w) == ["TL001"]
    # bf16 probabilities whose provenance is lost are still caught from values
    probs = F.softmax(torch.randn(16, 1000), dim=1).to(torch.bfloat16).data
    w = watched(lambda: F.cross_entropy(probs, torch.randint(0, 1000, (16,))))
    assert codes(w) == ["TL001"]


def _stack():
    return torch._C._len_torch_function_stack()


def test_nested_watches_and_exceptions_restore_state():
    x, y = data()
    depth = _stack()
    with pytest.warns(TorchlintWarning) as record:
        with torchlint.watch() as outer:
            with torchlint.watch() as inner:
                assert _stack() == depth + 1  # the inner watch does not stack a second mode
                F.cross_entropy(F.softmax(x, dim=1), y)
            F.nll_loss(F.softmax(x, dim=1), y)
    assert len([r for r in record if issubclass(r.category, TorchlintWarning)]) == 2  # no double report
    assert codes(inner) == ["TL001"] and codes(outer) == ["TL001", "TL004"]
    assert _stack() == depth
    with pytest.raises(ZeroDivisionError):
        with torchlint.watch():
            1 / 0
    assert _stack() == depth
    # another mode entered after the watch and left open does not strand ours
    w = torchlint.watch()
    device_mode = torch.device("cpu")
    device_mode.__enter__()
    w.close()
    assert _stack() == depth + 1
    device_mode.__exit__(None, None, None)
    assert _stack() == depth


def test_steps_retire_and_rearm_on_phase_change():
    from torch.optim.optimizer import _global_optimizer_pre_hooks

    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1))
    x, y = data()
    depth = _stack()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(model, steps=2) as w:
            for _ in range(5):
                F.cross_entropy(model(x), y)
            assert not w.active and _stack() == depth  # retired: the mode is off the stack
            assert not _global_optimizer_pre_hooks  # and its optimizer hook is gone
            assert w.findings[0].extra["runtime"]["count"] == 2
            model.eval()
            with torch.no_grad():
                model(x)
            assert w.active  # re-armed for the eval phase
            assert len(_global_optimizer_pre_hooks) == 1
            with torch.no_grad():
                F.nll_loss(model(x), y)
                model(x)
            assert not w.active
    assert codes(w) == ["TL001", "TL004"]
    assert _stack() == depth


def test_find_models_adopts_the_models_and_retires_like_a_watched_model():
    """watch(find_models=True), as `torchlint run` uses it: the modules with parameters called before
    the first optimizer step (a GAN's generator and discriminator) are watched as if passed as
    `model`, so the watch retires after `steps` steps and re-arms when they switch to eval."""
    from torch.nn.modules.module import _global_forward_pre_hooks

    torch.manual_seed(0)
    generator, discriminator = nn.Linear(4, 12), Head(lambda z: F.softmax(z, dim=1))
    transform = nn.Identity()  # no parameters: called on its own, it is not a model
    opt_g = torch.optim.SGD(generator.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(discriminator.parameters(), lr=0.1)
    y = torch.randint(0, 5, (16,))
    depth, hooks = _stack(), len(_global_forward_pre_hooks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(steps=3, find_models=True) as w:
            for _ in range(6):
                fake = generator(transform(torch.randn(16, 4)))
                F.cross_entropy(discriminator(fake.detach()), y).backward()
                opt_d.step()
                F.cross_entropy(discriminator(fake), y).backward()  # after opt_d.step(): still watched
                opt_g.step()
            assert len(_global_forward_pre_hooks) == hooks  # discovery ended at the first step
            assert len(w._hooks) == 2  # generator and discriminator, not the transform
            assert not w.active and _stack() == depth  # retired
            count = one(w, "TL001").extra["runtime"]["count"]
            discriminator.eval()
            with torch.no_grad():
                F.nll_loss(discriminator(generator(torch.randn(16, 4))), y)
    assert codes(w) == ["TL001", "TL004"]  # the eval-phase misuse: re-armed
    # `steps` counts forward calls of the watched models (three per iteration here), so it retired
    # in the second iteration, having seen the discriminator's softmax twice.
    assert count == 2
    assert _stack() == depth and len(_global_forward_pre_hooks) == hooks
    assert not generator._forward_pre_hooks and not discriminator._forward_pre_hooks


def test_find_models_without_an_optimizer_retires_and_ends_discovery():
    from torch.nn.modules.module import _global_forward_pre_hooks

    model, (x, y) = Head(lambda z: F.softmax(z, dim=1)), data()
    hooks = len(_global_forward_pre_hooks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(steps=2, find_models=True) as w:
            with torch.no_grad():
                for _ in range(4):
                    F.cross_entropy(model(x), y)
            assert not w.active
            assert len(_global_forward_pre_hooks) == hooks
    assert codes(w) == ["TL001"]


def test_threads_are_independent():
    import threading

    x, y = data()
    results = {}

    def worker():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TorchlintWarning)
            with torchlint.watch() as mine:
                F.nll_loss(F.softmax(x, dim=1), y)
        results["worker"] = codes(mine)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch() as main:
            thread = threading.Thread(target=worker)
            thread.start()
            thread.join()
            # a producer on another thread is still found through the autograd graph
            holder = {}
            logits = torch.randn(16, 5, requires_grad=True)
            t = threading.Thread(target=lambda: holder.setdefault("p", torch.softmax(logits, 1)))
            t.start()
            t.join()
            F.cross_entropy(holder["p"], y)
    assert results["worker"] == ["TL004"]
    assert codes(main) == ["TL001"]


def test_torch_compile_is_not_broken():
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
    x, y = data()
    expected = F.cross_entropy(model(x), y)
    compiled = torch.compile(model, backend="eager")
    with pytest.warns(UserWarning, match="compile"):
        with torchlint.watch(compiled, steps=None) as w:
            for _ in range(2):
                loss = F.cross_entropy(compiled(x), y)
                loss.backward()
    assert torch.equal(loss.detach(), expected.detach())
    assert w.findings == []


def test_fx_and_torchscript_under_watch():
    model = Head(lambda z: z)
    with torchlint.watch():
        traced = torch.fx.symbolic_trace(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)))
    assert traced(torch.randn(2, 4)).shape == (2, 3)
    scripted = torch.jit.script(nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1)))
    x, y = data()
    w = watched(lambda: F.cross_entropy(scripted(x), y), check_every=0)
    assert codes(w) == ["TL001"]  # seen through grad_fn: the mode never sees TorchScript's softmax
    del model


def test_tags_die_with_their_tensors_and_memory_is_flat():
    import gc
    import weakref

    x, y = data()
    with torchlint.watch(steps=None):
        probs = F.softmax(x, dim=1)
        ref = weakref.ref(probs)
        assert probs.__dict__["_torchlint_tag"][0] == Kind.PROBS.value  # the catalog's word, as plain text
        del probs
    assert ref() is None

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    inputs, labels = torch.randn(4, 8), torch.randint(0, 3, (4,))
    counts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(model, steps=None, check_every=10) as w:
            for step in range(STEPS):
                opt.zero_grad()
                F.cross_entropy(F.softmax(model(inputs), dim=1), labels).backward()
                opt.step()
                if step in (STEPS // 10 - 1, STEPS - 1):
                    gc.collect()
                    counts.append(len(gc.get_objects()))
    assert w.findings[0].extra["runtime"]["count"] == STEPS
    assert len(w._records) == 1 and not w._pending
    assert counts[1] - counts[0] < 50, counts


# ---------------------------------------------------------------- CUDA (skipped without a GPU)

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@cuda
def test_cuda_watched_step_never_synchronises():
    torch.manual_seed(0)
    model = Head(lambda z: F.softmax(z, dim=1)).cuda()
    x, y = (t.cuda() for t in data())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    probs = F.softmax(torch.randn(16, 5, device="cuda"), dim=1).data  # values-only path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        w = torchlint.watch(model, steps=None, check_every=1)
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            for _ in range(3):
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                F.cross_entropy(probs, y)
                opt.step()
        finally:
            torch.cuda.set_sync_debug_mode(0)
        w.close()
    assert codes(w) == ["TL001"]
    assert {f.extra["runtime"]["evidence"] for f in w.findings} == {"provenance", "values"}


@cuda
def test_cuda_strict_tl007_raises_before_bce_can_trip_a_device_assert():
    # On CUDA, BCELoss on values outside [0, 1] fails with a device-side assert that aborts the
    # process; given a linear layer's output, the strict watch raises before the call is made.
    # (Without such provenance only the deferred value check could tell, too late: see
    # docs/runtime.md.)
    torch.manual_seed(0)
    model = Head(lambda z: z).cuda()
    x = torch.randn(16, 12, device="cuda")
    y = torch.randint(0, 2, (16, 5), device="cuda").float()
    with torchlint.watch(model, strict=True):
        with pytest.raises(MisuseError, match="TL007"):
            F.binary_cross_entropy(model(x), y)
    assert torch.isfinite(F.binary_cross_entropy_with_logits(model(x), y)).item()  # the context is intact


def test_unclosed_handle_writes_its_report_at_exit(tmp_path):
    path = tmp_path / "late.json"
    code = (
        "import torch, torch.nn.functional as F, torchlint, warnings\n"
        "warnings.simplefilter('ignore')\n"
        f"w = torchlint.watch(report={str(path)!r})\n"
        "F.cross_entropy(F.softmax(torch.randn(4, 3), dim=1), torch.zeros(4, dtype=torch.long))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert [item["code"] for item in json.loads(path.read_text())] == ["TL001"]


def test_tl015_at_the_loss_for_token_heads_but_not_for_single_key_attention():
    torch.manual_seed(0)
    head = nn.Linear(8, 1)
    x = torch.randn(4, 6, 8)
    w = watched(lambda: F.nll_loss(F.log_softmax(head(x), dim=-1).view(24, 1), torch.zeros(24, dtype=torch.long)))
    assert "TL015" in codes(w)
    q, k = torch.randn(2, 4, 1, 8), torch.randn(2, 4, 1, 8)
    w = watched(lambda: torch.softmax(q @ k.transpose(-2, -1), dim=-1))  # decoding step: one key
    assert w.findings == []


def test_module_activation_is_named_by_its_place_in_the_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1))
    x, y = data()
    w = watched(trainer(model, nn.CrossEntropyLoss(), x, y), model)
    assert "module '1' (nn.Softmax)" in one(w, "TL001").message


def test_warnings_filter_can_escalate_a_finding_to_an_error():
    x, y = data()
    code = (
        "import torch, torch.nn.functional as F, torchlint, warnings\n"
        "warnings.simplefilter('error', torchlint.TorchlintWarning)\n"
        "with torchlint.watch():\n"
        "    F.cross_entropy(F.softmax(torch.randn(4, 3), dim=1), torch.zeros(4, dtype=torch.long))\n"
    )
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "torchlint.runtime.errors.TorchlintWarning: TL001" in result.stderr


def test_optimizer_step_aside_resumes_and_never_strands_the_watch():
    torch.manual_seed(0)
    model = Head(lambda z: z)
    x, y = data()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(model, steps=None) as w:
            F.cross_entropy(model(x), y).backward()
            opt.step()
            assert not w._pushed and w.active  # stepped aside until the next forward
            F.nll_loss(F.softmax(model(x), dim=1), y)  # forward re-arms
        with torchlint.watch(model, steps=None) as other:
            F.cross_entropy(model.body(x), y).backward()  # only a submodule is called
            opt.step()
            assert other._pushed  # never stepped aside: nothing would push it back
            F.nll_loss(F.softmax(model.body(x), dim=1), y)
    assert codes(w) == ["TL004"] and codes(other) == ["TL004"]


# --------------------------------------------------------------------------- copies, pickles, TorchScript


def _user_hook(module, args):
    return None


def test_a_copy_of_a_watched_model_carries_no_watch():
    """An EMA copy (deepcopy, AveragedModel) keeps the user's hooks and none of the watch's: after
    a phase switch and many forwards it must not start a second watch."""
    import copy

    model = nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1))
    model.register_forward_pre_hook(_user_hook)
    x, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(model, steps=5) as w:
            assert len(model._forward_pre_hooks) == 2
            ema = copy.deepcopy(model)
            averaged = torch.optim.swa_utils.AveragedModel(model)
            for module in (ema, averaged.module):
                assert list(module._forward_pre_hooks.values()) == [_user_hook]
            for _ in range(3):
                F.cross_entropy(model(x), y)
    assert codes(w) == ["TL001"]
    ema.eval()
    for _ in range(60):  # a watch carried into the copy would re-arm here and never close
        ema(x)
    ema.train()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TorchlintWarning)
        F.cross_entropy(ema(x), y)  # nothing watches the copy once the watch is closed
    assert len(model._forward_pre_hooks) == 1


def test_a_watched_model_pickles_and_saves_without_the_watch():
    import io
    import pickle

    model = nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1))
    with torchlint.watch(model):
        data_bytes = pickle.dumps(model)
        buffer = io.BytesIO()
        torch.save(model, buffer)
    assert b"torchlint" not in data_bytes
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert len(loaded._forward_pre_hooks) == 0
    assert pickle.loads(data_bytes)(torch.randn(2, 12)).shape == (2, 5)


def test_watching_a_torchscript_module_is_one_clear_error_and_leaves_no_state():
    scripted = torch.jit.script(nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1)))
    with pytest.raises(TypeError, match="TorchScript"):
        torchlint.watch(scripted)
    x, y = data()
    w = watched(lambda: F.cross_entropy(F.softmax(x, dim=1), y))
    assert codes(w) == ["TL001"]  # the failed watch left nothing on this thread's stack


def test_identical_functions_in_two_files_are_told_apart(tmp_path):
    """Equal code objects (same text, same line, other file) compare equal: each finding must
    still name its own file."""
    import importlib.util

    source = ("import torch.nn.functional as F\n\n"
              "def step(x, y):\n    return F.cross_entropy(F.softmax(x, dim=1), y)\n")
    steps = []
    for name in ("model_a", "model_b"):
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(f"torchlint_test_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        steps.append(module.step)
    assert steps[0].__code__ == steps[1].__code__  # what made them collide
    x, y = data()
    w = watched(lambda: [step(x, y) for step in steps])
    files = sorted(finding.filename.rsplit("/", 1)[-1] for finding in w.findings if finding.code == "TL001")
    assert files == ["model_a.py", "model_b.py"]


def test_the_loss_is_named_as_the_user_wrote_it():
    x, y = data()
    by_module = watched(lambda: nn.NLLLoss()(F.softmax(x, dim=1), y))
    by_function = watched(lambda: F.nll_loss(F.softmax(x, dim=1), y))
    assert "reaches nn.NLLLoss at" in one(by_module, "TL004").message
    assert "reaches F.nll_loss at" in one(by_function, "TL004").message
    probabilities = torch.full((16, 5), 0.2)  # no tag, no graph: found from the values
    by_values = watched(lambda: nn.CrossEntropyLoss()(probabilities, y))
    assert one(by_values, "TL001").message.startswith("the input of nn.CrossEntropyLoss is already probabilities")


class _KeywordModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 5)

    def forward(self, input_ids=None):
        return F.softmax(self.fc(input_ids), dim=0)  # over the batch


def test_tl013_reads_the_batch_size_from_a_keyword_call():
    model = _KeywordModel()
    x, _ = data()
    w = watched(lambda: model(input_ids=x), model)
    assert "TL013" in codes(w)


def test_a_users_torch_function_mode_inside_the_watch_keeps_findings_at_the_users_lines():
    from torch.overrides import TorchFunctionMode

    class Counting(TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Counting.calls += 1
            return func(*args, **(kwargs or {}))

    x, y = data()

    def step():
        with Counting():
            probs = F.softmax(x, dim=1)  # the line TL001 must point at
            F.cross_entropy(probs, y)

    w = watched(step)
    finding = one(w, "TL001")
    import inspect

    lines, first = inspect.getsourcelines(step)
    expected = first + next(i for i, line in enumerate(lines) if "the line TL001 must point at" in line)
    assert finding.location.row == expected and finding.filename.endswith("test_runtime.py")
    assert Counting.calls > 0


def test_an_activation_module_called_from_three_places_is_one_finding():
    """A GAN's discriminator ending in nn.Sigmoid, called three times a step: one TL005."""
    torch.manual_seed(0)
    disc = nn.Sequential(nn.Linear(12, 1), nn.Sigmoid())
    criterion = nn.BCEWithLogitsLoss()
    real, _ = data()
    fake = torch.randn(16, 12)
    ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)

    def step():
        d_real = criterion(disc(real), ones)
        d_fake = criterion(disc(fake.detach()), zeros)
        g_loss = criterion(disc(fake), ones)
        return d_real + d_fake + g_loss

    w = watched(step, disc)
    found = [finding for finding in w.findings if finding.code == "TL005"]
    assert len(found) == 1 and found[0].extra["runtime"]["count"] == 6


def test_an_activation_module_built_while_watching_is_reported_where_it_is_written():
    """Under `torchlint run` the model is built inside the watch: an `nn.Softmax` written as an
    argument of `nn.Sequential(...)` is reported there, where the static finding is, not where the
    model is called. Built before the watch (or from `*layers`), it is reported at the call."""
    import inspect

    y = torch.randint(0, 4, (16,))
    x = torch.randn(16, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchlintWarning)
        with torchlint.watch(steps=None) as w:
            model = nn.Sequential(
                nn.Linear(8, 4),
                nn.Sequential(nn.Identity(), nn.Softmax(dim=1)),  # nested: the inner call's argument
            )
            layers = [nn.Linear(8, 4), nn.Sigmoid()]
            starred = nn.Sequential(*layers)
            for _ in range(2):
                F.cross_entropy(model(x), y)
                F.binary_cross_entropy_with_logits(starred(x), torch.ones(16, 4))  # the call site
    source, first = inspect.getsourcelines(
        test_an_activation_module_built_while_watching_is_reported_where_it_is_written)
    row = {marker: first + next(i for i, line in enumerate(source) if marker in line)
           for marker in ("# nested", "# the call site")}
    tl001, tl005 = one(w, "TL001"), one(w, "TL005")
    column = source[row["# nested"] - first].index("nn.Softmax(dim=1)") + 1
    assert (tl001.location.row, tl001.location.column) == (row["# nested"], column)
    assert tl001.end_location.column == column + len("nn.Softmax(dim=1)")
    assert tl001.message.startswith("nn.Softmax output reaches F.cross_entropy")
    assert tl005.location.row == row["# the call site"]


def _torch_warnings_of_handled_calls():
    """Calls the watch handles that make torch warn: C++ warnings in builtins (an `out=` resized),
    Python ones in `F.*` with stacklevel 2 and 3. Returns (file, line, text) of each warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.sigmoid(torch.randn(3), out=torch.empty(1))
        torch.log(torch.rand(3), out=torch.empty(1))
        F.log_softmax(torch.randn(2, 3, 4))
        F.kl_div(torch.randn(3, 4).log_softmax(1), torch.rand(3, 4))
        F.nll_loss(torch.randn(4, 3).log_softmax(1), torch.randint(0, 3, (4,)), size_average=False)
    return [(w.filename, w.lineno, str(w.message)[:40]) for w in caught if w.category is not TorchlintWarning]


def test_torch_warnings_inside_watched_calls_name_the_users_line_not_torchlint():
    unwatched = _torch_warnings_of_handled_calls()
    with torchlint.watch(rules=["TL001"]):  # TL002 off: torch's own implicit-dim warning stays
        watched = _torch_warnings_of_handled_calls()
    assert len(unwatched) == 5
    assert watched == unwatched
    assert not any("torchlint" in filename for filename, _, _ in watched)


def test_close_says_the_model_ran_on_another_thread():
    import threading

    model = Head(lambda z: F.softmax(z, dim=1))
    x, y = data()
    w = torchlint.watch(model)
    worker = threading.Thread(target=lambda: [F.cross_entropy(model(x), y) for _ in range(3)])
    worker.start()
    worker.join()
    with pytest.warns(UserWarning, match="3 forward call.*another thread"):
        w.close()
    assert w.findings == []  # not seen: said, not silently passed over


def test_a_nested_watch_outliving_the_outer_one_takes_over():
    """Closed first, the outer watch hands the thread over to the oldest watch still open (and the
    others nest under it): none goes blind, and closing them leaves no mode on the stack."""
    depth = _stack()
    x, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning that anything is left unwatched
        outer = torchlint.watch(steps=None, warn=False)
        middle = torchlint.watch(steps=None, warn=False)
        inner = torchlint.watch(steps=None, warn=False)
        outer.close()
        F.cross_entropy(F.softmax(x, dim=1), y)
        middle.close()
        F.nll_loss(F.softmax(x, dim=1), y)
        inner.close()
    assert codes(outer) == [] and codes(middle) == ["TL001"] and codes(inner) == ["TL001", "TL004"]
    assert _stack() == depth


def test_each_nested_watch_has_its_own_findings_and_warnings():
    """A watch started after a misuse was seen still gets it (its own record and count); a quiet
    outer watch (warn=False, the pytest plugin's) leaves the warning to the inner one."""
    x, y = data()

    def misuse():
        return F.cross_entropy(F.softmax(x, dim=1), y)

    with torchlint.watch(steps=None, warn=False) as outer:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            misuse()  # quiet: no TorchlintWarning to raise
        with pytest.warns(TorchlintWarning, match="TL001"):
            with torchlint.watch(steps=None) as inner:
                for _ in range(2):
                    misuse()
    assert len(outer.findings) == len(inner.findings) == 1
    assert one(outer, "TL001").extra["runtime"]["count"] == 3
    assert one(inner, "TL001").extra["runtime"]["count"] == 2


def test_a_watch_with_nothing_unseen_closes_quietly():
    model = Head(lambda z: z)
    x, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torchlint.watch(model):
            F.cross_entropy(model(x), y)


def test_close_says_compiled_code_was_not_checked():
    torch._dynamo.reset()

    @torch.compile(backend="eager")
    def step(z, y):
        return F.cross_entropy(F.softmax(z, dim=1), y)

    x, y = data()
    with pytest.warns(UserWarning, match="traced by torch.compile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TorchlintWarning)
            with torchlint.watch():
                step(x, y)
