"""Small, exact cases for TL001-TL003 (and TL000) through `torchlint.lint_source`.

Every case states the full expected result in its source: a line where a
finding must start ends with `# expect: TL001` (several: `# expect: TL001,
TL002`), and no other finding may appear. For TL001/TL003 the line of the
loss (or softmax) the value reaches ends with `# loss`, and must be a
related location of the finding. Negative cases carry no markers at all.

Unless a case has its own imports, it starts with STD:
    import torch / import torch.nn as nn / import torch.nn.functional as F
"""

from __future__ import annotations

import re
import textwrap

import pytest

import torchlint

STD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"

EXPECT = re.compile(r"#\s*expect:\s*(TL\d{3}(?:\s*,\s*TL\d{3})*)")
LOSS = re.compile(r"#\s*loss\s*$")


def source_of(body: str) -> str:
    body = textwrap.dedent(body).lstrip("\n")
    has_imports = any(line.startswith(("import ", "from ")) for line in body.splitlines())
    return body if has_imports else STD + body


def expected_of(source: str) -> tuple[set[tuple[int, str]], set[int]]:
    expect, loss_rows = set(), set()
    for row, line in enumerate(source.splitlines(), start=1):
        for match in EXPECT.finditer(line):
            expect.update((row, code.strip()) for code in match.group(1).split(","))
        if LOSS.search(line):
            loss_rows.add(row)
    return expect, loss_rows


def check(body: str, filename: str = "case.py") -> list[torchlint.Finding]:
    source = source_of(body)
    expect, loss_rows = expected_of(source)
    findings = torchlint.lint_source(source, filename)
    actual = {(f.location.row, f.code) for f in findings}
    numbered = "\n".join(f"{i:3} {line}" for i, line in enumerate(source.splitlines(), start=1))
    details = "\n".join(f"  {f.location.row}:{f.location.column} {f.code} {f.message}" for f in findings)
    assert actual == expect, (
        f"\nexpected {sorted(expect)}\nactual   {sorted(actual)}\nfindings:\n{details}\nsource:\n{numbered}"
    )
    for finding in findings:
        if finding.code in ("TL001", "TL003"):
            rows = {r.location.row for r in finding.related}
            assert finding.related, f"{finding.code} at {finding.location.row} has no related location"
            if loss_rows:
                assert rows & loss_rows, (
                    f"{finding.code} at {finding.location.row}: related rows {sorted(rows)}, "
                    f"loss marked at {sorted(loss_rows)}\nsource:\n{numbered}"
                )
    return findings


def cases(**named: str):
    return [pytest.param(body, id=name) for name, body in named.items()]


# ---------------------------------------------------------------------------
# Negative cases: correct code (or out of scope) that must stay silent.
# ---------------------------------------------------------------------------

NEGATIVE = cases(
    attention_matmul_operator="""
        def attention(q, k, v):
            scores = q @ k.transpose(-2, -1) / q.size(-1) ** 0.5
            attn = F.softmax(scores, dim=-1)
            return attn @ v
    """,
    attention_torch_matmul_then_head_and_loss="""
        class Block(nn.Module):
            def __init__(self, d, n_classes):
                super().__init__()
                self.qkv = nn.Linear(d, 3 * d)
                self.head = nn.Linear(d, n_classes)
                self.criterion = nn.CrossEntropyLoss()

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                attn = torch.softmax(torch.matmul(q, k.transpose(1, 2)), dim=-1)
                out = torch.matmul(attn, v)
                return self.head(out.mean(1))

            def loss(self, x, y):
                return self.criterion(self(x), y)
    """,
    attention_bmm_with_mask_and_dropout="""
        def attend(q, k, v, mask, dropout):
            scores = torch.bmm(q, k.transpose(1, 2))
            scores = scores.masked_fill(mask == 0, -1e9)
            weights = dropout(F.softmax(scores, dim=2))
            context = torch.bmm(weights, v)
            return F.cross_entropy(context.sum(1), torch.zeros(q.size(0), dtype=torch.long))
    """,
    metrics_softmax_after_loss="""
        def train_step(model, x, y, optimizer):
            criterion = nn.CrossEntropyLoss()
            logits = model(x)
            loss = criterion(logits, y)
            loss.backward()
            optimizer.step()
            probs = F.softmax(logits, 1)
            acc = (probs.argmax(1) == y).float().mean()
            return loss.item(), acc.item()
    """,
    eval_only_softmax_not_training="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                logits = self.fc(x)
                if not self.training:
                    return F.softmax(logits, dim=1)
                return logits

        model = Net()
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            loss = criterion(model(x), y)
    """,
    eval_only_softmax_training_first="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)
                self.softmax = nn.Softmax(dim=1)

            def forward(self, x):
                logits = self.fc(x)
                if self.training:
                    return logits
                return self.softmax(logits)

        model = Net()
        loss = F.cross_entropy(model(torch.randn(4, 10)), torch.tensor([0, 1, 2, 0]))
    """,
    eval_only_softmax_ifexp="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                logits = self.fc(x)
                return logits if self.training else logits.softmax(dim=-1)

        model = Net()
        loss = nn.CrossEntropyLoss()(model(torch.randn(2, 10)), torch.tensor([0, 1]))
    """,
    probs_on_one_branch_logits_on_other="""
        def head(logits, calibrated: bool):
            if calibrated:
                out = F.softmax(logits, dim=1)
            else:
                out = logits
            return F.cross_entropy(out, torch.zeros(logits.size(0), dtype=torch.long))
    """,
    dim_given_in_every_form="""
        class Heads(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.d = d
                self.a = nn.Softmax(1)
                self.b = nn.LogSoftmax(dim=-1)
                self.c = nn.Softmin(d)

            def forward(self, x):
                d = self.d
                return F.softmax(x, 1), F.softmax(x, dim=d), F.log_softmax(x, self.d), F.softmin(x, -1)
    """,
    dim_via_kwargs_unpacking="""
        def normalise(x, **softmax_kwargs):
            return F.softmax(x, **softmax_kwargs)
    """,
    local_function_named_softmax="""
        def softmax(x):
            e = torch.exp(x - x.max(dim=1, keepdim=True).values)
            return e / e.sum(dim=1, keepdim=True)

        def loss(logits, y):
            return F.cross_entropy(softmax(logits), y)
    """,
    jax_nn_imported_as_F="""
        import jax.nn as F
        import optax

        def loss_fn(logits, labels):
            probs = F.softmax(logits)
            return optax.softmax_cross_entropy(probs, labels).mean()
    """,
    scipy_softmax="""
        import torch
        import torch.nn.functional as F
        from scipy.special import softmax

        def evaluate(logits_np, y):
            probs = softmax(logits_np)
            return F.cross_entropy(torch.as_tensor(probs), y)
    """,
    paddle_nn_and_F="""
        import paddle.nn as nn
        import paddle.nn.functional as F

        class Net(nn.Layer):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)
                self.softmax = nn.Softmax()

            def forward(self, x):
                return self.softmax(self.fc(x))

        model = Net()
        loss = F.cross_entropy(F.softmax(model(x)), y)
        loss2 = nn.CrossEntropyLoss()(model(x), y)
    """,
    mindspore_nn="""
        from mindspore import nn

        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.dense = nn.Dense(10, 3)
                self.softmax = nn.Softmax()

            def construct(self, x):
                return self.softmax(self.dense(x))

        loss = nn.CrossEntropyLoss()(Net()(x), y)
    """,
    F_rebound_as_parameter_mxnet_style="""
        class Block:
            def hybrid_forward(self, F, x):
                probs = F.softmax(x)
                return F.cross_entropy(probs, x)
    """,
    F_rebound_by_assignment="""
        def loss(features, logits, y):
            F = features.detach()
            probs = F.softmax(logits)
            return nn.functional.cross_entropy(logits, y) + probs.sum()
    """,
    softmax_in_strings_and_comments='''
        def explain():
            """Never write F.cross_entropy(F.softmax(logits), y)."""
            # loss = nn.CrossEntropyLoss()(F.softmax(x), y)
            msg = "F.softmax(logits) into CrossEntropyLoss is a bug; so is torch.sigmoid(x) into it"
            return msg
    ''',
    gumbel_softmax_into_loss="""
        def step(logits, y, tau):
            y_soft = F.gumbel_softmax(logits, tau=tau, hard=False)
            return F.cross_entropy(y_soft, y)
    """,
    gumbel_softmax_without_dim="""
        def sample(logits):
            return F.gumbel_softmax(logits, tau=0.5, hard=True)
    """,
    distillation_softmax_target_positional="""
        def kd(student_logits, teacher_logits, T=4.0):
            return F.cross_entropy(student_logits, F.softmax(teacher_logits / T, dim=1))
    """,
    distillation_softmax_target_keyword_module="""
        criterion = nn.CrossEntropyLoss()

        def kd(student_logits, teacher_logits):
            soft = torch.softmax(teacher_logits, dim=-1)
            return criterion(target=soft, input=student_logits)
    """,
    distillation_kl_div="""
        def kd(student_logits, teacher_logits, T=2.0):
            p_t = F.softmax(teacher_logits / T, dim=-1)
            log_p_s = F.log_softmax(student_logits / T, dim=-1)
            return F.kl_div(log_p_s, p_t, reduction="batchmean") * T * T
    """,
    distillation_kldivloss_module="""
        kl = nn.KLDivLoss(reduction="batchmean")

        def kd(student_logits, teacher_logits):
            return kl(student_logits.log_softmax(dim=1), teacher_logits.softmax(dim=1))
    """,
    log_softmax_nll_loss="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return F.log_softmax(self.fc(x), dim=1)

        model = Net()
        for data, target in train_loader:
            loss = F.nll_loss(model(data), target)
    """,
    log_softmax_module_nllloss_sequential="""
        model = nn.Sequential(nn.Linear(784, 10), nn.LogSoftmax(dim=1))
        criterion = nn.NLLLoss()
        loss = criterion(model(x), y)
    """,
    log_softmax_into_cross_entropy="""
        def loss(logits, y):
            return F.cross_entropy(F.log_softmax(logits, dim=-1), y)  # expect: TL009
    """,
    sigmoid_bce="""
        model = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())  # expect: TL014
        criterion = nn.BCELoss()
        loss = criterion(model(x).squeeze(1), y.float())
        loss2 = F.binary_cross_entropy(torch.sigmoid(logits), y.float())  # expect: TL014
    """,
    bce_with_logits_then_sigmoid_metrics="""
        criterion = nn.BCEWithLogitsLoss()

        def step(model, x, y):
            logits = model(x)
            loss = criterion(logits, y)
            preds = (torch.sigmoid(logits) > 0.5).float()
            return loss, (preds == y).float().mean()
    """,
    sigmoid_gating_then_logits_to_ce="""
        class Gated(nn.Module):
            def __init__(self, d, c):
                super().__init__()
                self.gate = nn.Linear(d, d)
                self.out = nn.Linear(d, c)

            def forward(self, x):
                g = torch.sigmoid(self.gate(x))
                return self.out(x * g)

        model = Gated(8, 3)
        loss = F.cross_entropy(model(x), y)
    """,
    label_smoothing="""
        criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

        def step(model, x, y):
            return criterion(model(x), y)
    """,
    temperature_scaling="""
        class TemperatureScaler(nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model
                self.temperature = nn.Parameter(torch.ones(1) * 1.5)

            def forward(self, x):
                return self.model(x) / self.temperature

        def calibrate(scaler, logits, labels):
            nll = nn.CrossEntropyLoss()
            before = nll(logits, labels)
            after = nll(logits / scaler.temperature, labels)
            ece_probs = F.softmax(logits / scaler.temperature, dim=1)
            return before, after, ece_probs
    """,
    categorical_probs_policy_gradient="""
        from torch.distributions import Categorical

        def policy_loss(policy, states, actions, returns):
            dist = Categorical(probs=F.softmax(policy(states), dim=-1))
            log_probs = dist.log_prob(actions)
            return -(log_probs * returns).mean() - 0.01 * dist.entropy().mean()
    """,
    multinomial_sampling="""
        @torch.no_grad()
        def sample(model, idx, steps, temperature=1.0):
            for _ in range(steps):
                logits = model(idx)[:, -1, :] / temperature
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx
    """,
    beam_search_log_softmax="""
        def beam_step(decoder, tokens, scores, k):
            log_probs = F.log_softmax(decoder(tokens)[:, -1], dim=-1)
            cand = (scores[:, None] + log_probs).view(-1)
            return cand.topk(k)
    """,
    user_method_named_softmax="""
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.criterion = nn.CrossEntropyLoss()

            def softmax(self, x):
                return x - x.logsumexp(dim=1, keepdim=True)

            def loss(self, x, y):
                return self.criterion(self.softmax(self.fc(x)), y)
    """,
    softmax_module_attribute_only_in_predict="""
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.softmax = nn.Softmax(dim=1)
                self.criterion = nn.CrossEntropyLoss()

            def forward(self, x):
                return self.fc(x)

            def predict(self, x):
                return self.softmax(self(x))

            def training_step(self, x, y):
                return self.criterion(self(x), y)
    """,
    reassigned_after_softmax_last_wins="""
        def step(model, head, x, y):
            out = F.softmax(model(x), dim=1)
            out = head(x)
            return F.cross_entropy(out, y)
    """,
    ensemble_average_is_arithmetic="""
        def ensemble_loss(m1, m2, x, y):
            p = (F.softmax(m1(x), dim=1) + F.softmax(m2(x), dim=1)) / 2
            return F.cross_entropy(p, y)
    """,
    unknown_call_makes_unknown="""
        def step(x, y, postprocess):
            probs = F.softmax(x, dim=1)
            return F.cross_entropy(postprocess(probs), y)
    """,
    softmax_in_other_function_same_name="""
        def predict(logits):
            probs = F.softmax(logits, dim=1)
            return probs.argmax(1)

        def loss(probs, y):
            return F.cross_entropy(probs, y)
    """,
    softmax_before_ce_not_last_in_sequential="""
        model = nn.Sequential(nn.Linear(8, 8), nn.Softmax(dim=1), nn.Linear(8, 3))
        loss = nn.CrossEntropyLoss()(model(x), y)
    """,
    torch_softmax_and_tensor_softmax_without_dim_are_not_tl002="""
        def broken(x):
            return torch.softmax(x), x.softmax()
    """,
    softmax2d_has_no_dim="""
        class Seg(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(16, 4, 1)
                self.norm = nn.Softmax2d()

            def forward(self, x):
                return self.norm(self.conv(x))
    """,
    criterion_is_a_parameter="""
        def train_one_epoch(model, loader, criterion, optimizer):
            for x, y in loader:
                logits = model(x)
                loss = criterion(logits, y)
                probs = F.softmax(logits, dim=1)
    """,
    noqa_suppresses="""
        def loss(logits, y):
            probs = F.softmax(logits)  # noqa: TL001, TL002
            return F.cross_entropy(probs, y)
    """,
    sigmoid_into_bce_functional_keyword="""
        def loss(logits, y):
            return F.binary_cross_entropy(input=logits.sigmoid(), target=y)  # expect: TL014
    """,
    local_function_named_cross_entropy="""
        # Not torch's cross_entropy: no TL001. Its log of the clamped probabilities is TL006.
        def cross_entropy(probs, y):
            return -(probs.clamp_min(1e-8).log() * y).sum(1).mean()  # expect: TL006

        def step(logits, y_onehot):
            return cross_entropy(F.softmax(logits, dim=1), y_onehot)
    """,
    local_class_shadows_imported_CrossEntropyLoss="""
        import torch.nn.functional as F
        from torch.nn import CrossEntropyLoss

        class CrossEntropyLoss:
            # Takes probabilities, unlike torch's: no TL001. Its log of them is TL006.

            def __call__(self, probs, y):
                return -(probs.log() * y).sum(1).mean()  # expect: TL006

        loss = CrossEntropyLoss()(F.softmax(x, dim=1), y)
    """,
    softmax_as_class_weight_not_input="""
        class_weights = F.softmax(counts.float().reciprocal(), dim=0)
        criterion = nn.CrossEntropyLoss(class_weights)
        loss = criterion(logits, y) + F.cross_entropy(logits, y, weight=F.softmax(w, dim=0))
    """,
    fixmatch_pseudo_labels="""
        def unlabeled_loss(model, x_weak, x_strong, threshold=0.95):
            with torch.no_grad():
                probs_u = torch.softmax(model(x_weak), dim=-1)
                max_probs, targets_u = torch.max(probs_u, dim=-1)
                mask = max_probs.ge(threshold).float()
            return (F.cross_entropy(model(x_strong), targets_u, reduction="none") * mask).mean()
    """,
    module_attribute_overwritten_in_init="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.act = nn.Softmax(dim=1)
                self.act = nn.Identity()

            def forward(self, x):
                return self.act(self.fc(x))

        loss = F.cross_entropy(Net()(x), y)
    """,
    function_redefined_last_wins="""
        def head(x):
            return F.softmax(x, dim=1)

        def head(x):
            return x

        loss = F.cross_entropy(head(x), y)
    """,
    augmented_assignment_is_arithmetic="""
        def step(logits, y, mask):
            probs = F.softmax(logits, dim=1)
            probs *= mask
            return F.cross_entropy(probs, y)
    """,
    output_name_reused_for_probs_after_loss_in_loop="""
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            output = model(x)
            loss = criterion(output, y)
            output = output.softmax(dim=1)
            preds.append(output.argmax(1))
    """,
    tuple_return_logits_used_for_loss="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                logits = self.fc(x)
                return logits, F.softmax(logits, dim=-1)

        model = Net()
        logits, probs = model(x)
        loss = F.cross_entropy(logits, y)
    """,
)


@pytest.mark.parametrize("body", NEGATIVE)
def test_negative(body):
    check(body)


# ---------------------------------------------------------------------------
# TL001: probabilities into the input of CrossEntropyLoss / F.cross_entropy.
# ---------------------------------------------------------------------------

TL001 = cases(
    functional_softmax_into_module_criterion="""
        criterion = nn.CrossEntropyLoss()
        logits = torch.randn(4, 3)
        probs = F.softmax(logits, dim=1)  # expect: TL001
        loss = criterion(probs, torch.tensor([0, 1, 2, 0]))  # loss
    """,
    torch_softmax_into_functional="""
        def loss(logits, y):
            probs = torch.softmax(logits, dim=-1)  # expect: TL001
            return F.cross_entropy(probs, y)  # loss
    """,
    tensor_softmax_positional="""
        def loss(logits, y):
            return F.cross_entropy(logits.softmax(1), y)  # expect: TL001
    """,
    tensor_softmax_keyword_dim="""
        def loss(model, x, y):
            out = model(x).softmax(dim=-1)  # expect: TL001
            return F.cross_entropy(out, y)  # loss
    """,
    softmin_functional="""
        def loss(dist, y):
            p = F.softmin(dist, dim=1)  # expect: TL001
            return F.cross_entropy(p, y)  # loss
    """,
    softmin_module="""
        def loss(dist, y):
            softmin = nn.Softmin(dim=1)
            p = softmin(dist)  # expect: TL001
            return nn.CrossEntropyLoss()(p, y)  # loss
    """,
    local_softmax_module_primary_is_call="""
        softmax = nn.Softmax(dim=1)
        criterion = nn.CrossEntropyLoss()

        def step(logits, y):
            probs = softmax(logits)  # expect: TL001
            return criterion(probs, y)  # loss
    """,
    softmax_module_called_inline="""
        def step(logits, y):
            return F.cross_entropy(nn.Softmax(dim=1)(logits), y)  # expect: TL001
    """,
    alias_from_torch_import_nn="""
        import torch
        from torch import nn

        def step(logits, y):
            probs = nn.functional.softmax(logits, dim=1)  # expect: TL001
            return nn.CrossEntropyLoss()(probs, y)  # loss
    """,
    alias_from_torch_nn_import_functional_as_F="""
        import torch
        from torch.nn import functional as F

        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return F.cross_entropy(probs, y)  # loss
    """,
    alias_softmax_as_sm="""
        import torch
        from torch.nn.functional import softmax as sm
        from torch.nn.functional import cross_entropy as ce

        def step(logits, y):
            probs = sm(logits, dim=1)  # expect: TL001
            return ce(probs, y)  # loss
    """,
    alias_from_torch_nn_import_CrossEntropyLoss="""
        import torch
        import torch.nn.functional as F
        from torch.nn import CrossEntropyLoss

        criterion = CrossEntropyLoss()

        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return criterion(probs, y)  # loss
    """,
    alias_CrossEntropyLoss_renamed="""
        import torch
        from torch.nn import CrossEntropyLoss as CE, Softmax

        act = Softmax(dim=-1)
        loss = CE()(act(torch.randn(2, 5)), torch.tensor([1, 3]))  # expect: TL001
    """,
    alias_full_dotted_path="""
        import torch

        def step(logits, y):
            probs = torch.nn.functional.softmax(logits, dim=1)  # expect: TL001
            return torch.nn.CrossEntropyLoss()(probs, y)  # loss
    """,
    alias_import_torch_as_th="""
        import torch as th

        def step(logits, y):
            probs = th.softmax(logits, dim=1)  # expect: TL001
            return th.nn.functional.cross_entropy(probs, y)  # loss
    """,
    alias_import_torch_nn_as_nn_only="""
        import torch.nn as nn

        def step(logits, y):
            probs = nn.Softmax(dim=1)(logits)  # expect: TL001
            return nn.functional.cross_entropy(probs, y)  # loss
    """,
    import_inside_function="""
        def step(logits, y):
            import torch.nn.functional as F
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return F.cross_entropy(probs, y)  # loss
    """,
    reassignment_last_assignment_wins="""
        def step(model, x, y):
            out = model(x)
            out = F.softmax(out, dim=1)  # expect: TL001
            return F.cross_entropy(out, y)  # loss
    """,
    chain_of_locals="""
        def step(logits, y):
            p = F.softmax(logits, dim=1)  # expect: TL001
            q = p
            r = q
            return F.cross_entropy(r, y)  # loss
    """,
    preserving_view_for_sequences="""
        def step(logits, targets, num_classes):
            probs = F.softmax(logits, dim=-1)  # expect: TL001
            return F.cross_entropy(probs.view(-1, num_classes), targets.view(-1))  # loss
    """,
    preserving_reshape_contiguous="""
        def step(logits, targets, C):
            probs = torch.softmax(logits, dim=2)  # expect: TL001
            return F.cross_entropy(probs.contiguous().reshape(-1, C), targets.reshape(-1))  # loss
    """,
    preserving_squeeze_unsqueeze="""
        def step(logits, y):
            probs = F.softmax(logits, dim=-1)  # expect: TL001
            return F.cross_entropy(probs.unsqueeze(0).squeeze(0), y)  # loss
    """,
    preserving_float_to_cpu_cuda_clone="""
        def step(logits, y, device):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            moved = probs.float().to(device).cpu().cuda().clone()
            return F.cross_entropy(moved, y)  # loss
    """,
    preserving_indexing="""
        def step(logits, y, mask):
            probs = F.softmax(logits, dim=-1)  # expect: TL001
            last = probs[:, -1, :]
            return F.cross_entropy(last[mask], y[mask])  # loss
    """,
    module_attribute_softmax_and_criterion="""
        class Classifier(nn.Module):
            def __init__(self, d, c):
                super().__init__()
                self.fc = nn.Linear(d, c)
                self.act = nn.Softmax(dim=1)
                self.criterion = nn.CrossEntropyLoss()

            def training_step(self, x, y):
                probs = self.act(self.fc(x))  # expect: TL001
                return self.criterion(probs, y)  # loss
    """,
    sequential_last_layer_local="""
        model = nn.Sequential(
            nn.Linear(20, 64),
            nn.ReLU(),
            nn.Linear(64, 5),
            nn.Softmax(dim=1),  # expect: TL001
        )
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(torch.randn(8, 20)), torch.randint(0, 5, (8,)))  # loss
    """,
    sequential_as_module_attribute_through_forward="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=-1))  # expect: TL001

            def forward(self, x):
                return self.body(x)

        model = Net()
        loss = F.cross_entropy(model(x), y)  # loss
    """,
    model_call_forward_return="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        model = Net()
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(torch.randn(4, 10)), torch.tensor([0, 1, 2, 0]))  # loss
    """,
    model_forward_method_call="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                out = self.fc(x)
                return out.softmax(dim=1)  # expect: TL001

        net = Net()
        loss = F.cross_entropy(net.forward(x), y)  # loss
    """,
    self_call_in_training_step="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)
                self.loss_fn = nn.CrossEntropyLoss()

            def forward(self, x):
                return torch.softmax(self.fc(x), dim=-1)  # expect: TL001

            def training_step(self, batch, batch_idx):
                x, y = batch
                return self.loss_fn(self(x), y)  # loss
    """,
    lightning_module_self_call="""
        import torch
        import torch.nn.functional as F
        import lightning.pytorch as pl

        class LitClassifier(pl.LightningModule):
            def __init__(self, backbone, num_classes):
                super().__init__()
                self.backbone = backbone
                self.head = torch.nn.Linear(512, num_classes)

            def forward(self, x):
                return F.softmax(self.head(self.backbone(x)), dim=1)  # expect: TL001

            def training_step(self, batch, batch_idx):
                x, y = batch
                loss = F.cross_entropy(self(x), y)  # loss
                self.log("train_loss", loss)
                return loss
    """,
    model_moved_to_device="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        device = torch.device("cuda")
        model = Net().to(device)
        model.train()
        loss = nn.CrossEntropyLoss()(model(x), y)  # loss
    """,
    plain_function_return="""
        def predict(x, w):
            return F.softmax(x @ w, dim=1)  # expect: TL001

        def loss(x, w, y):
            return F.cross_entropy(predict(x, w), y)  # loss
    """,
    nested_function_returns="""
        def normalise(scores):
            return torch.softmax(scores, dim=-1)  # expect: TL001

        def classify(model, x):
            return normalise(model(x))

        def loss(model, x, y):
            return F.cross_entropy(classify(model, x), y)  # loss
    """,
    both_branches_softmax="""
        def step(logits, y, use_softmin):
            if use_softmin:
                p = F.softmin(logits, dim=1)  # expect: TL001
            else:
                p = F.softmax(logits, dim=1)  # expect: TL001
            return F.cross_entropy(p, y)  # loss
    """,
    training_path_returns_probs="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                x = self.fc(x)
                if self.training:
                    x = F.softmax(x, dim=1)  # expect: TL001
                return x

        model = Net()
        loss = F.cross_entropy(model(x), y)  # loss
    """,
    criterion_moved_to_device="""
        def train(model, loader, device):
            criterion = nn.CrossEntropyLoss().to(device)
            for x, y in loader:
                probs = F.softmax(model(x.to(device)), dim=1)  # expect: TL001
                loss = criterion(probs, y.to(device))  # loss
    """,
    criterion_with_options="""
        criterion = nn.CrossEntropyLoss(weight=torch.ones(10), ignore_index=-1, label_smoothing=0.1)
        loss = criterion(torch.softmax(torch.randn(4, 10), 1), torch.tensor([1, 2, 3, -1]))  # expect: TL001
    """,
    criterion_constructed_and_called_inline="""
        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return nn.CrossEntropyLoss()(probs, y)  # loss
    """,
    keyword_input_functional="""
        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return F.cross_entropy(target=y, input=probs)  # loss
    """,
    keyword_input_module="""
        criterion = nn.CrossEntropyLoss()

        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return criterion(input=probs, target=y)  # loss
    """,
    dataloader_loop_enumerate="""
        def train(model, train_loader, optimizer, epochs):
            criterion = nn.CrossEntropyLoss()
            for epoch in range(epochs):
                for batch_idx, (data, target) in enumerate(train_loader):
                    optimizer.zero_grad()
                    output = model(data)
                    output = F.softmax(output, dim=1)  # expect: TL001
                    loss = criterion(output, target)  # loss
                    loss.backward()
                    optimizer.step()
    """,
    module_level_criterion_used_in_function="""
        criterion = nn.CrossEntropyLoss()

        def train_step(model, x, y):
            probs = F.softmax(model(x), dim=1)  # expect: TL001
            return criterion(probs, y)  # loss
    """,
    inside_autocast_block="""
        def step(model, x, y, scaler):
            with torch.autocast(device_type="cuda", dtype=torch.float16):
                probs = torch.softmax(model(x), dim=1)  # expect: TL001
                loss = F.cross_entropy(probs, y)  # loss
            scaler.scale(loss).backward()
    """,
    loss_function_alias_variable="""
        def step(logits, y):
            loss_fn = F.cross_entropy
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return loss_fn(probs, y)  # loss
    """,
    partial_cross_entropy="""
        import functools
        import torch.nn.functional as F

        ce = functools.partial(F.cross_entropy, label_smoothing=0.1)

        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return ce(probs, y)  # loss
    """,
    inherited_forward="""
        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        class Child(Base):
            pass

        loss = F.cross_entropy(Child()(x), y)  # loss
    """,
    super_forward="""
        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x).softmax(dim=1)  # expect: TL001

        class Child(Base):
            def forward(self, x):
                return super().forward(x * 2)

        loss = F.cross_entropy(Child()(x), y)  # loss
    """,
    trainer_holds_model_and_criterion="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        class Trainer:
            def __init__(self):
                self.model = Net()
                self.criterion = nn.CrossEntropyLoss()

            def step(self, x, y):
                return self.criterion(self.model(x), y)  # loss
    """,
    forward_through_submodule_class="""
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return torch.softmax(self.fc(x), dim=-1)  # expect: TL001

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = Head()

            def forward(self, x):
                return self.head(x)

        loss = nn.CrossEntropyLoss()(Net()(x), y)  # loss
    """,
    criterion_from_factory_function="""
        def make_criterion():
            return nn.CrossEntropyLoss()

        criterion = make_criterion()
        loss = criterion(F.softmax(x, dim=1), y)  # expect: TL001
    """,
    nested_sequential_last_layer="""
        head = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))  # expect: TL001
        model = nn.Sequential(nn.ReLU(), head).to("cuda")
        loss = nn.CrossEntropyLoss()(model(x), y)  # loss
    """,
    assigned_in_try_block="""
        try:
            probs = F.softmax(model(x), dim=1)  # expect: TL001
        except RuntimeError:
            raise
        loss = F.cross_entropy(probs, y)  # loss
    """,
    closure_reads_outer_variable="""
        def step(x, y):
            probs = F.softmax(x, dim=1)  # expect: TL001

            def closure():
                return F.cross_entropy(probs, y)  # loss

            return closure()
    """,
    generator_expression_over_outputs="""
        def deep_supervision_loss(outputs, y):
            return sum(F.cross_entropy(F.softmax(o, dim=1), y) for o in outputs)  # expect: TL001
    """,
    no_grad_decorated_function="""
        @torch.no_grad()
        def teacher_probs(teacher, x):
            return F.softmax(teacher(x), dim=1)  # expect: TL001

        loss = F.cross_entropy(teacher_probs(teacher, x), y)  # loss
    """,
    tuple_return_probs_used_for_loss="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                logits = self.fc(x)
                return logits, F.softmax(logits, dim=-1)  # expect: TL001

        model = Net()
        logits, probs = model(x)
        loss = F.cross_entropy(probs, y)  # loss
    """,
    probs_passed_as_argument_to_loss_helper="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.criterion = nn.CrossEntropyLoss()

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

            def compute_loss(self, outputs, targets):
                return self.criterion(outputs, targets)

            def training_step(self, x, y):
                return self.compute_loss(self(x), y)
        """,
    probs_passed_to_plain_loss_helper="""
        def compute_loss(outputs, targets):
            return F.cross_entropy(outputs, targets)  # loss

        def step(model, x, y):
            probs = F.softmax(model(x), dim=1)  # expect: TL001
            return compute_loss(probs, y)
    """,
    softmax_and_missing_dim_same_line="""
        def step(logits, y):
            return F.cross_entropy(F.softmax(logits), y)  # expect: TL001, TL002
    """,
    softmax_module_without_dim_in_sequential="""
        model = nn.Sequential(
            nn.Linear(20, 5),
            nn.Softmax(),  # expect: TL001, TL002
        )
        loss = nn.CrossEntropyLoss()(model(x), y)  # loss
    """,
)


@pytest.mark.parametrize("body", TL001)
def test_tl001(body):
    check(body)


# ---------------------------------------------------------------------------
# TL002: softmax family without `dim`.
# ---------------------------------------------------------------------------

TL002 = cases(
    functional_softmax_no_dim="""
        def attend(scores, v):
            return F.softmax(scores) @ v  # expect: TL002
    """,
    functional_log_softmax_no_dim_nll="""
        def loss(logits, y):
            return F.nll_loss(F.log_softmax(logits), y)  # expect: TL002
    """,
    functional_softmin_no_dim="""
        def weights(dist):
            return F.softmin(dist)  # expect: TL002
    """,
    functional_softmax_input_keyword_only="""
        def probs(logits):
            return F.softmax(input=logits)  # expect: TL002
    """,
    functional_softmax_dtype_but_no_dim="""
        def probs(logits):
            return F.softmax(logits, dtype=torch.float32)  # expect: TL002
    """,
    module_forms_no_dim="""
        class Heads(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Softmax()  # expect: TL002
                self.b = nn.LogSoftmax()  # expect: TL002
                self.c = nn.Softmin()  # expect: TL002
    """,
    aliased_imports_no_dim="""
        import torch
        from torch.nn import LogSoftmax
        from torch.nn.functional import softmax as sm

        head = LogSoftmax()  # expect: TL002
        p = sm(torch.randn(3))  # expect: TL002
    """,
    default_argument_no_dim="""
        def build_head(d, c, act=nn.LogSoftmax()):  # expect: TL002
            return nn.Sequential(nn.Linear(d, c), act)
    """,
    class_body_no_dim="""
        class Config:
            activation = nn.Softmax()  # expect: TL002
    """,
    multiline_call_primary_is_call_start="""
        def probs(logits):
            return F.softmax(  # expect: TL002
                logits,
            )
    """,
)


@pytest.mark.parametrize("body", TL002)
def test_tl002(body):
    check(body)


# ---------------------------------------------------------------------------
# TL003: sigmoid output into a multi-class loss or a softmax.
# ---------------------------------------------------------------------------

TL003 = cases(
    torch_sigmoid_into_cross_entropy_module="""
        criterion = nn.CrossEntropyLoss()

        def step(model, x, y):
            scores = torch.sigmoid(model(x))  # expect: TL003
            return criterion(scores, y)  # loss
    """,
    functional_sigmoid_into_nll_loss="""
        def step(logits, y):
            p = F.sigmoid(logits)  # expect: TL003
            return F.nll_loss(p, y)  # loss
    """,
    tensor_sigmoid_into_nllloss_module="""
        def step(logits, y):
            return nn.NLLLoss()(logits.sigmoid(), y)  # expect: TL003
    """,
    tensor_sigmoid_into_functional_cross_entropy="""
        def step(logits, y):
            return F.cross_entropy(input=logits.sigmoid(), target=y)  # expect: TL003
    """,
    sigmoid_module_last_in_sequential="""
        model = nn.Sequential(
            nn.Linear(32, 4),
            nn.Sigmoid(),  # expect: TL003
        )
        loss = nn.CrossEntropyLoss()(model(x), y)  # loss
    """,
    sigmoid_module_attribute_via_forward="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(32, 4)
                self.act = nn.Sigmoid()

            def forward(self, x):
                return self.act(self.fc(x))  # expect: TL003

        model = Net()
        loss = F.cross_entropy(model(x), y)  # loss
    """,
    sigmoid_into_functional_softmax="""
        def probs(logits):
            s = torch.sigmoid(logits)  # expect: TL003
            return F.softmax(s, dim=1)  # loss
    """,
    sigmoid_into_tensor_softmax="""
        def probs(logits):
            return torch.sigmoid(logits).softmax(dim=-1)  # expect: TL003
    """,
    sigmoid_into_softmax_into_cross_entropy="""
        def step(logits, y):
            s = logits.sigmoid()  # expect: TL003
            p = F.softmax(s, dim=1)  # expect: TL001
            return F.cross_entropy(p, y)
    """,
    sigmoid_into_softmax_module_attribute="""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.softmax = nn.Softmax(dim=1)

            def forward(self, x):
                return self.softmax(torch.sigmoid(x))  # expect: TL003
    """,
    sigmoid_preserving_view_into_loss="""
        def step(logits, y, C):
            s = torch.sigmoid(logits)  # expect: TL003
            return F.cross_entropy(s.view(-1, C).float(), y.view(-1))  # loss
    """,
)


@pytest.mark.parametrize("body", TL003)
def test_tl003(body):
    check(body)


# ---------------------------------------------------------------------------
# Messages, severities, TL000.
# ---------------------------------------------------------------------------


def test_tl001_message_names_loss_and_place():
    findings = check(
        """
        criterion = nn.CrossEntropyLoss()
        probs = F.softmax(torch.randn(2, 3), dim=1)  # expect: TL001
        loss = criterion(probs, torch.tensor([0, 2]))  # loss
        """,
        filename="train.py",
    )
    (finding,) = findings
    assert "CrossEntropyLoss" in finding.message
    assert "train.py:7" in finding.message
    assert finding.related[0].filename == "train.py"
    assert finding.related[0].location.row == 7


def test_tl001_functional_message_names_cross_entropy():
    (finding,) = check(
        """
        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            return F.cross_entropy(probs, y)  # loss
        """
    )
    assert "cross_entropy" in finding.message


def test_tl003_message_names_loss():
    (finding,) = check(
        """
        def step(logits, y):
            p = torch.sigmoid(logits)  # expect: TL003
            return F.nll_loss(p, y)  # loss
        """
    )
    assert "nll_loss" in finding.message


def test_severities_and_names():
    findings = torchlint.lint_source(
        source_of(
            """
            a = F.cross_entropy(F.softmax(x), y)
            b = F.cross_entropy(torch.sigmoid(x), y)
            """
        )
    )
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"TL001", "TL002", "TL003"}
    assert by_code["TL001"].severity.value == "error"
    assert by_code["TL001"].name == "softmax-before-cross-entropy"
    assert by_code["TL002"].severity.value == "warning"
    assert by_code["TL002"].name == "softmax-implicit-dim"
    assert by_code["TL003"].severity.value == "error"
    assert by_code["TL003"].name == "sigmoid-multiclass"


def test_one_finding_per_activation_reaching_two_losses():
    check(
        """
        def step(logits, y):
            probs = F.softmax(logits, dim=1)  # expect: TL001
            a = F.cross_entropy(probs, y)
            b = nn.CrossEntropyLoss()(probs, y)
            return a + b
        """
    )


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('print "hello"\n', id="python2_print"),
        pytest.param("def f(:\n    pass\n", id="bad_signature"),
        pytest.param("x = (1,\n", id="unclosed_paren"),
    ],
)
def test_tl000_parse_error(source):
    findings = torchlint.lint_source(source, "broken.py")
    assert [f.code for f in findings] == ["TL000"]
    assert findings[0].severity.value == "error"
    assert findings[0].filename == "broken.py"


def test_tl000_run_goes_on():
    bad = "def broken(:\n"
    good = source_of(
        """
        def step(logits, y):
            return F.cross_entropy(F.softmax(logits, dim=1), y)
        """
    )
    findings = torchlint.lint_sources({"a_bad.py": bad, "b_good.py": good})
    assert {(f.filename, f.code) for f in findings} == {("a_bad.py", "TL000"), ("b_good.py", "TL001")}


def test_tl000_run_goes_on_for_paths(tmp_path):
    (tmp_path / "broken.py").write_text("print 'python 2'\n", encoding="utf-8")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "train.py").write_text(
        source_of(
            """
            criterion = nn.CrossEntropyLoss()
            loss = criterion(F.softmax(torch.randn(2, 3), dim=1), torch.tensor([0, 1]))
            """
        ),
        encoding="utf-8",
    )
    result = torchlint.lint_paths([str(tmp_path)])
    got = {(f.filename.rsplit("/", 1)[-1], f.code) for f in result.findings}
    assert got == {("broken.py", "TL000"), ("nul.py", "TL000"), ("train.py", "TL001")}


def test_rows_survive_line_endings_and_encodings(tmp_path):
    body = (
        "import torch\nimport torch.nn.functional as F\n\n"
        "def step(x, y):\n    p = F.softmax(x, dim=1)\n    return F.cross_entropy(p, y)\n"
    )
    variants = {
        "crlf.py": (body.replace("\n", "\r\n").encode(), 5),
        "bom.py": (b"\xef\xbb\xbf" + body.encode(), 5),
        "latin1.py": (("# -*- coding: latin-1 -*-\n# caf\xe9\n" + body).encode("latin-1"), 7),
        "tabs.py": (body.replace("    ", "\t").encode(), 5),
    }
    for name, (data, _) in variants.items():
        (tmp_path / name).write_bytes(data)
    result = torchlint.lint_paths([str(tmp_path)])
    got = {(f.filename.replace("\\", "/").rsplit("/", 1)[-1], f.location.row, f.code) for f in result.findings}
    assert got == {(name, row, "TL001") for name, (_, row) in variants.items()}
    for finding in result.findings:
        assert finding.related[0].location.row == finding.location.row + 1


def test_no_confusion_between_files_of_one_run():
    """Same names in two files: each file's own definitions decide."""
    a = source_of(
        """
        def head(x):
            return F.softmax(x, dim=1)  # expect: TL001

        loss = F.cross_entropy(head(x), y)
        """
    )
    b = source_of(
        """
        def head(x):
            return x

        loss = F.cross_entropy(head(x), y)
        """
    )
    findings = torchlint.lint_sources({"a.py": a, "b.py": b})
    assert {(f.filename, f.location.row, f.code) for f in findings} == {("a.py", 6, "TL001")}


# ---------------------------------------------------------------------------
# Realistic code beyond the first feature list: decorated forwards, layout
# changes before the loss, nn.Sequential(OrderedDict).
# ---------------------------------------------------------------------------

BEYOND_BASICS = [
    pytest.param(
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            @torch.compile
            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        loss = F.cross_entropy(Net()(x), y)
        """,
        id="torch_compile_decorated_forward",
    ),
    pytest.param(
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            @torch.jit.ignore
            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)  # expect: TL001

        loss = F.cross_entropy(Net()(x), y)
        """,
        id="jit_ignore_decorated_forward",
    ),
    pytest.param(
        """
        from collections import OrderedDict

        from torch import nn

        model = nn.Sequential(OrderedDict([
            ("fc", nn.Linear(8, 3)),
            ("softmax", nn.Softmax(dim=1)),  # expect: TL001
        ]))
        loss = nn.CrossEntropyLoss()(model(x), y)
        """,
        id="sequential_from_ordereddict",
    ),
    pytest.param(
        """
        def seq_loss(logits, targets):
            probs = F.softmax(logits, dim=-1)  # expect: TL001
            return F.cross_entropy(probs.permute(0, 2, 1), targets)
        """,
        id="permute_to_N_C_L_layout",
    ),
    pytest.param(
        """
        def seq_loss(logits, targets):
            probs = F.softmax(logits, dim=-1)  # expect: TL001
            return F.cross_entropy(probs.transpose(1, 2), targets)
        """,
        id="transpose_to_N_C_L_layout",
    ),
]


@pytest.mark.parametrize("body", BEYOND_BASICS)
def test_beyond_basics(body):
    check(body)


def _elif_chain(branches: int) -> str:
    lines = ["import torch.nn.functional as F", "", "def label_of(k):", "    if k == 0:", "        return 0"]
    for i in range(1, branches):
        lines += [f"    elif k == {i}:", f"        return {i}"]
    lines += ["", "p = F.softmax(x)  # expect: TL002", ""]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "branches",
    [
        200,
        400,
        800,
    ],
)
def test_long_elif_chain_is_valid_python(branches):
    """CPython compiles long elif chains (generated dispatch code); so must we.

    """
    source = _elif_chain(branches)
    compile(source, "gen.py", "exec")
    findings = torchlint.lint_source(source, "gen.py")
    assert [(f.code, f.location.row) for f in findings] == [("TL002", 2 * branches + 5)]


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "+".join(["1"] * 10000),  # CPython: RecursionError during AST construction
        "x = " + "(" * 2000 + "1" + ")" * 2000,  # CPython: too many nested parentheses
    ],
)
def test_nesting_beyond_cpython_limits_is_tl000_not_a_crash(source):
    """LibCST's native parser can crash the process on such input; CPython's parser refuses it first."""
    findings = torchlint.lint_source(source, "deep.py")
    assert [(f.code, f.message) for f in findings] == [("TL000", "too deeply nested to parse")]
