"""How fast is torchlint on real code, cold, warm and after an edit, against TorchFix?

    python bench/lint_speed.py DIR [DIR ...] [--reps 5] [--jobs N] [--torchfix PATH]

The directories are copied (Python files and root markers only) into a
temporary workspace, so the benchmark never writes into them; the copies get
an mtime a minute in the past, as files of a checkout do. Then, interleaved,
`--reps` times:

* torchlint cold: `torchlint --no-cache --jobs N` (every file analysed);
* TorchFix: `torchfix --select ALL -j N` on the same files (`--torchfix-reps`
  of the repetitions, default all; TorchFix is slow on large corpora);
* torchlint warm: with the cache, nothing changed since the last run;
* torchlint after touching one file: a comment appended to one file (the
  middle one in sorted order, a different comment each time), with the cache.

Each run is a whole process, timed by wall clock; peak memory is the largest
process's maximum resident set (GNU time's %M, where /usr/bin/time exists).
Prints medians as a Markdown table: files, lines, lines/s, ratios; then TorchFix / cold
per repetition (neighbours in time, so the machine's drift cancels) and their median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from torchlint.discovery import discover  # noqa: E402
from torchlint.parallel import default_jobs  # noqa: E402

MARKERS = ("pyproject.toml", "setup.cfg", "setup.py")
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def copy_python_tree(source: str, target: str) -> None:
    for name in MARKERS:
        if os.path.isfile(os.path.join(source, name)):
            os.makedirs(target, exist_ok=True)
            shutil.copy2(os.path.join(source, name), os.path.join(target, name))
    for path in discover([source]):
        destination = os.path.join(target, os.path.relpath(path, source))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copyfile(path, destination)


def age(directory: str, seconds: float = 60.0) -> None:
    past = time.time() - seconds
    for root, _, names in os.walk(directory):
        for name in names:
            os.utime(os.path.join(root, name), (past, past))


def timed(command: list[str], cwd: str) -> tuple[float, float | None, int]:
    """(wall seconds, peak RSS in MB or None, exit code)"""
    rss_file = None
    if GNU_TIME:
        handle, rss_file = tempfile.mkstemp()
        os.close(handle)
        command = [GNU_TIME, "-f", "%M", "-o", rss_file, *command]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    rss = None
    if rss_file:
        try:
            with open(rss_file) as handle:
                rss = int(handle.read().strip().splitlines()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            rss = None
        os.unlink(rss_file)
    return wall, rss, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--torchfix", default=shutil.which("torchfix"), help="the torchfix executable")
    parser.add_argument("--torchfix-reps", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the workspace")
    args = parser.parse_args()

    workspace = tempfile.mkdtemp(prefix="torchlint-bench-")
    copies = []
    for index, directory in enumerate(args.dirs):
        name = f"{index}-{os.path.basename(os.path.normpath(directory))}"
        copy_python_tree(directory, os.path.join(workspace, name))
        copies.append(name)
    age(workspace)
    files = discover([os.path.join(workspace, c) for c in copies])
    lines = 0
    for path in files:
        with open(path, "rb") as handle:
            lines += handle.read().count(b"\n")
    touched = files[len(files) // 2]
    cache_dir = os.path.join(workspace, ".bench_cache")
    torchlint = [sys.executable, "-m", "torchlint", "check", "--exit-zero", "--jobs", str(args.jobs)]
    cold_cmd = [*torchlint, "--no-cache", *copies]
    cached_cmd = [*torchlint, "--cache-dir", cache_dir, *copies]
    torchfix_cmd = [args.torchfix, "--select", "ALL", "-j", str(args.jobs), *copies] if args.torchfix else None
    torchfix_reps = args.reps if args.torchfix_reps is None else args.torchfix_reps

    print(f"{len(files)} files, {lines} lines, {args.jobs} processes, {args.reps} repetitions; "
          f"touched file: {os.path.relpath(touched, workspace)}", file=sys.stderr)
    timed(cached_cmd, workspace)  # prime the cache
    results: dict[str, list[tuple[float, float | None]]] = {"cold": [], "torchfix": [], "warm": [], "touch": []}
    for rep in range(args.reps):
        results["cold"].append(timed(cold_cmd, workspace)[:2])
        if torchfix_cmd and rep < torchfix_reps:
            results["torchfix"].append(timed(torchfix_cmd, workspace)[:2])
        results["warm"].append(timed(cached_cmd, workspace)[:2])
        with open(touched, "a", encoding="utf-8") as handle:
            handle.write(f"# touched by the benchmark, run {rep}\n")
        results["touch"].append(timed(cached_cmd, workspace)[:2])
        print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in results.items() if v),
              file=sys.stderr)

    def median(key: str) -> float | None:
        return statistics.median(r[0] for r in results[key]) if results[key] else None

    def peak(key: str) -> str:
        values = [r[1] for r in results[key] if r[1] is not None]
        return f"{max(values):.0f}" if values else "n/a"

    torchfix = median("torchfix")
    print(f"\n{len(files)} files, {lines:,} lines, {args.jobs} processes, median of {args.reps} "
          f"(TorchFix: {len(results['torchfix'])})\n")
    print("| run | wall (s) | lines/s | TorchFix / this | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    labels = {"cold": "torchlint cold (--no-cache)", "warm": "torchlint warm (cache, no change)",
              "touch": "torchlint, one file touched", "torchfix": "TorchFix 0.7.0 --select ALL"}
    for key in ("cold", "warm", "touch", "torchfix"):
        value = median(key)
        if value is None:
            continue
        ratio = f"{torchfix / value:.1f}x" if torchfix else "n/a"
        print(f"| {labels[key]} | {value:.2f} | {lines / value:,.0f} | {ratio} | {peak(key)} |")
    paired = [tf[0] / cold[0] for tf, cold in zip(results["torchfix"], results["cold"])]
    if paired:
        # Each repetition's TorchFix and cold runs are neighbours in time: their
        # ratio cancels the machine's drift, which the ratio of medians does not.
        print(f"\nTorchFix / cold per repetition: {', '.join(f'{r:.1f}x' for r in paired)}; "
              f"median {statistics.median(paired):.1f}x")
    if args.keep:
        print(f"\nworkspace: {workspace}", file=sys.stderr)
    else:
        shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
