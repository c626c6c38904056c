"""Overhead of torchlint.watch in instructions executed, under Valgrind (a benchmark, not a test).

    python bench/runtime_instructions.py [--model mlp|cnn|all] [--steps N] [--jobs J]

Wall and CPU time on a shared machine wander by ±10 % between repetitions (see
bench/runtime_overhead.py), more than the effect being measured. The number of
instructions a training step executes does not: this runs the same steps as
runtime_overhead.py (784-512-512-10 MLP at batch 256, small CNN at batch 64,
transformer-encoder classifier, MLP fed by a DataLoader; one thread, SGD,
CrossEntropyLoss) under `valgrind --tool=cachegrind
--cache-sim=no`, once with 0 and once with N timed steps per variant
(baseline, watch, retired), and prints instructions per step (the difference
divided by N) and the ratio to the baseline. Each run costs minutes (Python
and torch start under Valgrind), so the runs go J at a time.

Instructions are not time (cache misses and memory stalls differ), but the
watch's cost is Python-level work on the host, which instructions count well.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# The models and data come from runtime_overhead.py, so both benchmarks time the same steps.
STEP_SCRIPT = r'''
import sys, warnings
bench_dir, model_name, variant, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, bench_dir)
import torch
torch.set_num_threads(1)
import torchlint
from runtime_overhead import training_step
warnings.simplefilter("ignore")
model, step = training_step(model_name)
handle = None
if variant == "watch":
    handle = torchlint.watch(model, steps=None)
elif variant == "retired":
    handle = torchlint.watch(model, steps=1)
for _ in range(3):  # warm-up; retires the "retired" watch
    step()
for _ in range(steps):
    step()
if handle is not None:
    handle.close()
'''

VARIANTS = ("baseline", "watch", "retired")
MODELS = ("mlp", "cnn", "transformer", "loader")  # runtime_overhead.MODELS, without importing torch here


def instructions(script: str, model: str, variant: str, steps: int) -> int:
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "cachegrind.out")
        result = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
             sys.executable, script, os.path.dirname(os.path.abspath(__file__)), model, variant, str(steps)],
            capture_output=True, text=True, check=True,
        )
    match = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if match is None:
        raise RuntimeError(result.stderr[-2000:])
    return int(match.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    models = list(MODELS) if args.model == "all" else [args.model]
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(STEP_SCRIPT)
    runs = [(m, v, s) for m in models for v in VARIANTS for s in (0, args.steps)]
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = dict(zip(runs, pool.map(lambda run: instructions(handle.name, *run), runs)))
    os.unlink(handle.name)
    for model in models:
        per_step = {v: (counts[(model, v, args.steps)] - counts[(model, v, 0)]) / args.steps for v in VARIANTS}
        print(f"\n{model}: instructions per training step ({args.steps} steps, Valgrind cachegrind)")
        for variant in VARIANTS:
            ratio = per_step[variant] / per_step["baseline"]
            print(f"  {variant:<9} {per_step[variant]:>16,.0f}   ratio {ratio:.4f}   ({100 * (ratio - 1):+.2f} %)")


if __name__ == "__main__":
    main()
