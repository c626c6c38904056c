"""Where the watch's overhead goes: the training step of runtime_overhead.py under variants that
each add one part of the watch (a benchmark for investigation, not a test).

    python bench/runtime_parts.py [--model mlp|cnn] [--device cpu|cuda] [--reps N] [--steps K]

Variants, shuffled in every repetition:
  baseline  no watch
  hooks     the model's forward pre-hook and the optimizer pre-hook, no TorchFunctionMode
  empty     the watch with no handlers: its mode passes every call straight through
  watch     the full watch (steps=None)
Printed per variant: median step time (us) and the median of paired ratios to baseline [IQR].
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings

import torch

import torchlint
from runtime_overhead import training_step  # bench/ is the script's directory, so on sys.path

VARIANTS = ["baseline", "hooks", "empty", "watch"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn", "transformer", "loader"], default="mlp")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--reps", type=int, default=41)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", torchlint.TorchlintWarning)
    model, step = training_step(args.model, args.device)
    cuda = args.device.startswith("cuda")
    clock = time.perf_counter_ns if cuda else time.thread_time_ns

    def timed(variant: str) -> float:
        handle = None
        if variant != "baseline":
            handle = torchlint.watch(model, steps=None)
            if variant == "hooks":  # retired for good: the hooks run, the mode is never pushed again
                handle._pop()
                handle._retired, handle._phase = True, model.training
            elif variant == "empty":
                handle._mode.handlers = {}
        try:
            step(), step()
            if cuda:
                torch.cuda.synchronize()
            start = clock()
            for _ in range(args.steps):
                step()
            if cuda:
                torch.cuda.synchronize()
            return (clock() - start) / args.steps / 1e3
        finally:
            if handle is not None:
                handle.close()

    for variant in VARIANTS:
        timed(variant)
    samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for _ in range(args.reps):
        order = VARIANTS[:]
        random.shuffle(order)
        for variant in order:
            samples[variant].append(timed(variant))
    print(f"{args.model} on {args.device}, {args.reps} x {args.steps} steps, torch {torch.__version__}")
    for variant in VARIANTS:
        paired = [v / b for v, b in zip(samples[variant], samples["baseline"])]
        q1, median, q3 = statistics.quantiles(paired, n=4)
        print(f"{variant:<9} {statistics.median(samples[variant]):>9.0f} us  paired {median:.4f} [{q1:.4f}-{q3:.4f}]")


if __name__ == "__main__":
    main()
