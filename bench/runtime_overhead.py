"""Overhead of torchlint.watch on a CPU training step (a benchmark, not a test).

    python bench/runtime_overhead.py [--model mlp|cnn|all] [--reps N] [--steps K]

Models: a 784-512-512-10 MLP at batch 256, and a small CNN (2 conv + 2 FC) on 3x32x32 images at
batch 64; SGD with momentum, CrossEntropyLoss, single-threaded torch (`torch.set_num_threads(1)`).
Variants, interleaved in a shuffled order in every repetition:
  baseline  no watch
  watch     torchlint.watch(model, steps=None): every step watched (default value-check cadence)
  retired   torchlint.watch(model, steps=1), after it retired (the hook stays, the mode is gone)
Each repetition times K steps per variant with the thread's CPU clock (less sensitive to other
tenants of a shared machine than wall time). Printed: the median step time of each variant, the
ratio of medians, the median of per-repetition paired ratios with its interquartile range, and
the ratio of the fastest repetitions (the least disturbed by other processes on a shared box).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings
from typing import Callable

import torch
import torch.nn as nn

import torchlint


def mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return model, torch.randn(256, 784), torch.randint(0, 10, (256,))


def cnn() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    return model, torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))


class EncoderClassifier(nn.Module):
    """A small transformer-encoder text classifier: embedding, 2 encoder layers, mean pooling."""

    def __init__(self, vocab: int = 1000, width: int = 64, classes: int = 10) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        layer = nn.TransformerEncoderLayer(width, nhead=4, dim_feedforward=128, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(width, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.embed(tokens)).mean(dim=1))


def transformer() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    return EncoderClassifier(), torch.randint(0, 1000, (32, 32)), torch.randint(0, 10, (32,))


def loader_mlp() -> tuple[nn.Module, "torch.utils.data.DataLoader", None]:
    """A 784-256-10 MLP fed by a shuffling DataLoader (batch 64) over an in-memory dataset."""
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.randn(4096, 784), torch.randint(0, 10, (4096,)))
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, DataLoader(data, batch_size=64, shuffle=True), None


MODELS = {"mlp": mlp, "cnn": cnn, "transformer": transformer, "loader": loader_mlp}
# Steps per repetition, so that a repetition takes a few milliseconds of each variant.
DEFAULT_STEPS = {"mlp": 5, "cnn": 2, "transformer": 5, "loader": 10}


def training_step(name: str, device: str = "cpu") -> tuple[nn.Module, Callable[[], None]]:
    """The benchmarked model (a key of MODELS) and one training step of it: SGD with momentum,
    cross-entropy; a fixed batch, or the next batch of a DataLoader ("loader"). Every runtime
    benchmark times this step."""
    torch.manual_seed(0)
    model, x, y = MODELS[name]()
    model = model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    if y is None:  # x is a DataLoader: every step takes its next batch, starting over at the end
        loader = x
        cuda = device.startswith("cuda")
        if cuda:  # pinned batches copied without blocking: no synchronisation (runtime_gpu.sh checks)
            from torch.utils.data import DataLoader

            loader = DataLoader(loader.dataset, batch_size=loader.batch_size, shuffle=True, pin_memory=True)
        batches = iter(loader)

        def step() -> None:
            nonlocal batches
            try:
                inputs, targets = next(batches)
            except StopIteration:
                batches = iter(loader)
                inputs, targets = next(batches)
            inputs, targets = inputs.to(device, non_blocking=cuda), targets.to(device, non_blocking=cuda)
            opt.zero_grad()
            criterion(model(inputs), targets).backward()
            opt.step()

        return model, step
    x, y = x.to(device), y.to(device)

    def step() -> None:
        opt.zero_grad()
        criterion(model(x), y).backward()
        opt.step()

    return model, step


def bench(name: str, reps: int, steps: int, device: str = "cpu") -> dict[str, float]:
    model, step = training_step(name, device)
    cuda = device.startswith("cuda")
    # CPU: the thread's CPU clock. CUDA: wall time, synchronising only around the timed block.
    clock = time.perf_counter_ns if cuda else time.thread_time_ns

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    def steps_run(count: int) -> None:
        # On CUDA every step runs with implicit synchronisation made an error: a watched step must
        # never wait for the device (its value checks are read back later, without blocking).
        if cuda:
            torch.cuda.set_sync_debug_mode("error")
        try:
            for _ in range(count):
                step()
        finally:
            if cuda:
                torch.cuda.set_sync_debug_mode(0)

    def timed(variant: str) -> float:
        handle = None
        if variant == "watch":
            handle = torchlint.watch(model, steps=None)
        elif variant == "retired":
            handle = torchlint.watch(model, steps=1)
        steps_run(2)  # untimed: warms caches; retires the "retired" watch
        if variant == "retired":
            assert not handle.active
        sync()
        start = clock()
        steps_run(steps)
        sync()
        elapsed = (clock() - start) / steps / 1e3
        if handle is not None:
            handle.close()
            assert handle.findings == [], handle.findings
        return elapsed

    variants = ["baseline", "watch", "retired"]
    for variant in variants:  # warm-up
        timed(variant)
    samples: dict[str, list[float]] = {variant: [] for variant in variants}
    for _ in range(reps):
        order = variants[:]
        random.shuffle(order)
        for variant in order:
            samples[variant].append(timed(variant))

    calls = count_calls(model, step)
    base = statistics.median(samples["baseline"])
    print(f"\n{name}: {reps} repetitions x {steps} steps, median step {base:.0f} us (baseline)")
    print(f"{'variant':<10} {'median us':>10} {'ratio of medians':>17} {'paired ratio [IQR]':>26} "
          f"{'min us':>8} {'ratio of mins':>14}")
    results = {}
    for variant in variants:
        paired = [v / b for v, b in zip(samples[variant], samples["baseline"])]
        q1, median, q3 = statistics.quantiles(paired, n=4)
        ratio = statistics.median(samples[variant]) / base
        results[variant] = median
        low = min(samples[variant])
        print(f"{variant:<10} {statistics.median(samples[variant]):>10.0f} {ratio:>17.4f} "
              f"{median:>9.4f} [{q1:.4f}-{q3:.4f}] {low:>8.0f} {low / min(samples['baseline']):>14.4f}")
    print(f"torch calls reaching the watch's mode per step: {calls['watch']} while watching, "
          f"{calls['retired']} after it retired")
    handled, hook = per_call_cost()
    bound = calls["watch"] * handled + hook
    print(f"bound from call counts: {calls['watch']} calls x {handled:.1f} us (cost of a handled call, "
          f"softmax: site + checks + tag) + {hook:.1f} us (hooks) = {bound:.0f} us/step = {100 * bound / min(samples['baseline']):.2f} % "
          f"while watching; after retiring {hook:.1f} us/step = {100 * hook / min(samples['baseline']):.3f} %")
    return results


def per_call_cost(n: int = 20000) -> tuple[float, float]:
    """(us per handled call, us per step for the forward pre-hook and optimizer hook), best of 5."""
    small = torch.randn(4, 4)
    softmax = torch.nn.functional.softmax  # a handled call: site, checks, tag

    def loop() -> float:
        start = time.thread_time_ns()
        for _ in range(n):
            softmax(small, dim=1)
        return (time.thread_time_ns() - start) / n / 1e3

    plain = min(loop() for _ in range(5))
    with torchlint.watch(steps=None):
        watched = min(loop() for _ in range(5))
    module = nn.Identity()
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)

    def hooks() -> float:
        start = time.thread_time_ns()
        for _ in range(n // 10):
            module(small)
            opt.step()
        return (time.thread_time_ns() - start) / (n // 10) / 1e3

    bare = min(hooks() for _ in range(5))
    with torchlint.watch(module, steps=1):
        module(small), module(small)  # retire
        hooked = min(hooks() for _ in range(5))
    return watched - plain, max(hooked - bare, 0.0)


def count_calls(model: nn.Module, step) -> dict[str, int]:
    """How many torch calls the watch's TorchFunctionMode receives per step (deterministic)."""
    from torchlint.runtime import watch as watch_module

    original = watch_module._Mode.__torch_function__
    seen = [0]

    def counting(self, func, types, args=(), kwargs=None):
        seen[0] += 1
        return original(self, func, types, args, kwargs)

    watch_module._Mode.__torch_function__ = counting
    try:
        result = {}
        for variant, steps in (("watch", None), ("retired", 1)):
            with torchlint.watch(model, steps=steps):
                for _ in range(3):
                    step()
                seen[0] = 0
                step()
                result[variant] = seen[0]
        return result
    finally:
        watch_module._Mode.__torch_function__ = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    parser.add_argument("--reps", type=int, default=31)
    parser.add_argument("--steps", type=int, default=0, help="steps per repetition (default: DEFAULT_STEPS)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda: wall time, synchronised per block, "
                        "steps under torch.cuda.set_sync_debug_mode('error')")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", torchlint.TorchlintWarning)
    clock = "wall time" if args.device.startswith("cuda") else "thread CPU time"
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}, clock: {clock}")
    for name in (list(MODELS) if args.model == "all" else [args.model]):
        bench(name, args.reps, args.steps or DEFAULT_STEPS[name], args.device)


if __name__ == "__main__":
    main()
