"""Overhead of `torchlint run` over a whole short training script (a benchmark, not a test).

    python bench/run_overhead.py [--reps N] [--epochs E]

The script (written to a temporary directory): a 784-256-10 MLP trained for E epochs (64 steps
each) from a shuffling DataLoader with one misuse (softmax into CrossEntropyLoss), an evaluation
pass after each epoch, one thread. Variants, run as subprocesses in a shuffled order in every
repetition:
  baseline   python train.py
  run        torchlint run train.py (the watch finds the model and retires after 50 steps per phase)
  unretired  the script under torchlint.watch(steps=None) without a model, which is what
             `torchlint run` did before it found the model: every step watched
Measured: the CPU time (user + system) of the child process, start-up and imports included.
Printed per variant: the median, the median of per-repetition paired ratios to the baseline with
its interquartile range, and the ratio of medians.

    python bench/run_overhead.py --instructions [--epochs E]

counts instead the instructions each variant executes, once, under Valgrind (cachegrind): the
figure to use where a shared machine's timing noise exceeds the effect (minutes per variant).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

SCRIPT = textwrap.dedent(
    """\
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(4096, 784), torch.randint(0, 10, (4096,)))
    loader = DataLoader(data, batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(int(sys.argv[1])):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss = criterion(F.softmax(model(x), dim=1), y)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    print("accuracy", correct / len(data))
    """
)
UNRETIRED = (
    "import runpy, sys, warnings, torchlint; warnings.simplefilter('ignore'); "
    "sys.argv = sys.argv[1:]; w = torchlint.watch(steps=None); "
    "runpy.run_path(sys.argv[0], run_name='__main__'); w.close(); print(len(w.findings), 'findings')"
)


def child_cpu_seconds(argv: list[str], cwd: str) -> float:
    """Run argv; the CPU time (user + system) the child used."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: torchlint run found the planted misuse
        raise SystemExit(f"{argv} exited {code}")
    return usage.ru_utime + usage.ru_stime


def child_instructions(argv: list[str], cwd: str) -> int:
    """Run argv under Valgrind; the instructions it executed (children of the process included)."""
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
             f"--cachegrind-out-file={os.path.join(directory, 'out.%p')}", *argv],
            cwd=cwd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
    counts = [int(found.replace(",", "")) for found in re.findall(r"I\s+refs:\s+([\d,]+)", result.stderr)]
    if not counts:
        raise SystemExit(result.stderr[-2000:])
    return sum(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions under Valgrind, once")
    args = parser.parse_args()
    torchlint = shutil.which("torchlint", path=os.path.dirname(sys.executable)) or "torchlint"
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, "train.py"), "w") as handle:
            handle.write(SCRIPT)
        epochs = str(args.epochs)
        variants = {
            "baseline": [sys.executable, "train.py", epochs],
            "run": [torchlint, "run", "train.py", epochs],
            "unretired": [sys.executable, "-c", UNRETIRED, "train.py", epochs],
        }
        if args.instructions:
            counts = {name: child_instructions(argv, directory) for name, argv in variants.items()}
            print(f"{args.epochs} epochs of 64 steps; instructions, Valgrind cachegrind")
            for name, count in counts.items():
                print(f"{name:<10} {count:>16,}   ratio {count / counts['baseline']:.4f}")
            return
        for argv in variants.values():  # warm-up: the OS file cache
            child_cpu_seconds(argv, directory)
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.reps):
            order = list(variants)
            random.shuffle(order)
            for name in order:
                samples[name].append(child_cpu_seconds(variants[name], directory))
    base = statistics.median(samples["baseline"])
    print(f"{args.reps} repetitions, {args.epochs} epochs of 64 steps; child CPU time, baseline median {base:.2f} s")
    for name, values in samples.items():
        paired = [value / baseline for value, baseline in zip(values, samples["baseline"])]
        q1, median, q3 = statistics.quantiles(paired, n=4)
        print(f"{name:<10} {statistics.median(values):>7.2f} s  paired {median:.4f} [{q1:.4f}-{q3:.4f}]  "
              f"ratio of medians {statistics.median(values) / base:.4f}")


if __name__ == "__main__":
    main()
