"""Long-block A/B of torchlint.watch on the 784-512-512-10 MLP (batch 256, CPU, 1 thread).

    python bench/runtime_ab_blocks.py [--blocks 8] [--steps 150]

Alternates baseline and a full-time watch (`steps=None`) in long blocks (ABBA order), thread CPU
time; prints every block's mean step time and the ratios of the medians and of the minimums.
A complement to runtime_overhead.py when short repetitions are too noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch

import torchlint
from runtime_overhead import training_step  # bench/ is the script's directory, so on sys.path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", torchlint.TorchlintWarning)
    model, step = training_step("mlp")  # the same MLP, batch and step as runtime_overhead.py

    def block(variant: str) -> float:
        handle = torchlint.watch(model, steps=None) if variant == "watch" else None
        step(), step()
        start = time.thread_time_ns()
        for _ in range(args.steps):
            step()
        elapsed = (time.thread_time_ns() - start) / args.steps / 1e3
        if handle is not None:
            handle.close()
        return elapsed

    results: dict[str, list[float]] = {"baseline": [], "watch": []}
    for index in range(args.blocks):
        for variant in (["baseline", "watch"] if index % 2 else ["watch", "baseline"]):
            results[variant].append(block(variant))
    for variant, values in results.items():
        print(f"{variant:<9} " + " ".join(f"{value:.0f}" for value in values) + " us/step")
    print(f"watch/baseline: median {statistics.median(results['watch']) / statistics.median(results['baseline']):.4f}, "
          f"min {min(results['watch']) / min(results['baseline']):.4f}")


if __name__ == "__main__":
    main()
