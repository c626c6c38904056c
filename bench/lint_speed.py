"""How fast is torchlint on real code, cold, warm and after an edit, against TorchFix and ruff?

    python bench/lint_speed.py DIR [DIR ...] [--reps 5] [--jobs N] [--torchfix PATH] [--ruff PATH]
                               [--touch PATH] [--edits comment,body,api] [--baseline TREE]

The directories are copied (Python files and root markers only) into a
temporary workspace, so the benchmark never writes into them; the copies get
an mtime a minute in the past, as files of a checkout do. Then, interleaved,
`--reps` times:

* torchlint cold: `torchlint --no-cache --jobs N` (every file analysed);
* TorchFix: `torchfix --select ALL -j N` on the same files (`--torchfix-reps`
  of the repetitions, default all; TorchFix is slow on large corpora);
* ruff: `ruff check --no-cache --select ALL` on the same files (the far bound);
* torchlint warm: with the cache, nothing changed since the last run;
* torchlint after an edit of one file (`--touch`, a path inside one of the
  directories; default the middle file in sorted order), with the cache, once
  per kind in `--edits`: `comment` appends a comment line (the text changes,
  nothing moves), `body` inserts a statement at the start of a function's
  body (a body-only edit: every line below moves; the first function `ast.walk`
  meets that has no docstring, or `body@NAME`, the function NAME, `f` or
  `Class.method`), `api` adds a method to the file's first class (its summary
  changes), `attr@Class` sets a new attribute at the start of `Class.__init__`
  (its attribute table changes). The edits pile up from one repetition to the
  next, each one new.

With `--baseline TREE` (a checkout of another torchlint, e.g. a `git worktree`),
every torchlint run is made with both, one after the other (`PYTHONPATH=TREE`,
its own cache directory), so the two are compared side by side.

Each run is a whole process, timed by wall clock. Bytecode is cached for
torchlint itself (under the workspace: `PYTHONPYCACHEPREFIX`), as an installed
package has it, whatever PYTHONDONTWRITEBYTECODE says. Peak memory: the
largest single process's maximum resident set, and the most the whole process
tree held at once (sum of proportional set sizes, sampled every 20 ms, Linux).
Prints medians and spreads as a Markdown table: files, lines, lines/s, ratios;
then TorchFix / cold per repetition (neighbours in time, so the machine's drift
cancels) and their median.
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


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(largest Rss, sum of Pss) over `pid` and its descendants, in kB."""
    largest = total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        stack += _children(current)
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                fields = dict(line.split()[:2] for line in handle if line.split()[0] in ("Rss:", "Pss:"))
        except (OSError, ValueError):
            continue
        largest = max(largest, int(fields.get("Rss:", 0)))
        total += int(fields.get("Pss:", 0))
    return largest, total


def timed(command: list[str], cwd: str, env: dict | None = None) -> tuple[float, float | None, float | None, int]:
    """(wall seconds, peak RSS of the largest process in MB (GNU time's %M: the process or
    the largest of its descendants), peak PSS of the whole process tree in MB (sampled), exit
    code); None where it cannot be measured."""
    rss_file = None
    if GNU_TIME:
        handle, rss_file = tempfile.mkstemp()
        os.close(handle)
        command = [GNU_TIME, "-f", "%M", "-o", rss_file, *command]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total = 0
    sampled = os.path.exists(f"/proc/{process.pid}/smaps_rollup")
    while process.poll() is None:
        if sampled:
            total = max(total, _memory(process.pid)[1])
        time.sleep(0.02)
    wall = time.perf_counter() - start
    rss = None
    if rss_file:
        try:
            with open(rss_file) as handle:
                rss = int(handle.read().strip().splitlines()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            rss = None
        os.unlink(rss_file)
    return wall, rss, (total / 1024 if total else None), process.returncode


def first_function_body(text: str, name: str | None = None) -> tuple[int, str] | None:
    """(0-based line, indentation) of the first statement of the function `name` (`f` or
    `Class.method`), or else of the first function `ast.walk` meets whose body starts on a line
    of its own with a statement other than a docstring; None if there is none."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    named: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                named[id(child)] = f"{named.get(id(node), node.name)}.{getattr(child, 'name', '')}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            if name is not None and named.get(id(node), node.name) != name:
                continue
            first = node.body[0]
            if first.lineno > node.lineno and (name is not None or not isinstance(first, ast.Expr)):
                return first.lineno - 1, " " * first.col_offset
    return None


def first_class_end(text: str) -> tuple[int, str] | None:
    """(0-based line after its end, indentation of its body) of the file's first class, or None."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.body and node.body[0].lineno > node.lineno:
            return node.end_lineno, " " * node.body[0].col_offset
    return None


def edit(path: str, kind: str, rep: int) -> None:
    """One edit of `kind` (see the module doc), new in each repetition; `body@NAME` edits the
    body of the function NAME (`f` or `Class.method`)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    text = "".join(lines)
    kind, _, function = kind.partition("@")
    where = first_function_body(text, function or None) if kind == "body" else None
    if kind == "attr":
        where = first_function_body(text, f"{function}.__init__")
    if kind == "body" and where is not None:
        row, indent = where
        lines.insert(row, f"{indent}_bench_edit = {rep}\n")
    elif kind == "attr" and where is not None:
        row, indent = where
        lines.insert(row, f"{indent}self._bench_attr_{rep} = None\n")
    elif kind == "api" and first_class_end(text) is not None:
        row, indent = first_class_end(text)
        lines.insert(row, f"\n{indent}def _bench_edit_{rep}(self):\n{indent}    return None\n")
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(f"# touched by the benchmark, run {rep}\n")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join(lines))


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--torchfix", default=shutil.which("torchfix"), help="the torchfix executable")
    parser.add_argument("--torchfix-reps", type=int, default=None)
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="the ruff executable")
    parser.add_argument("--touch", default=None, help="the file to edit, relative to one of the directories")
    parser.add_argument("--edits", default="comment", help="comma-separated: comment, body, api")
    parser.add_argument("--baseline", default=None, help="another torchlint source tree, run side by side")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold runs (and TorchFix, ruff)")
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
    if args.touch:
        candidates = [os.path.join(workspace, c, args.touch) for c in copies]
        touched = next((c for c in candidates if os.path.isfile(c)), None)
        if touched is None:
            parser.error(f"--touch {args.touch}: not in any of the directories")
    edits = [kind.strip() for kind in args.edits.split(",") if kind.strip()]

    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(workspace, ".pycache")
    versions = {"": (env, os.path.join(workspace, ".bench_cache"))}
    if args.baseline:
        base_env = {**env, "PYTHONPATH": os.path.abspath(args.baseline),
                    "PYTHONPYCACHEPREFIX": os.path.join(workspace, ".pycache-baseline")}
        versions = {"baseline ": (base_env, os.path.join(workspace, ".bench_cache_baseline")), **versions}
    torchlint = [sys.executable, "-m", "torchlint", "check", "--exit-zero", "--jobs", str(args.jobs)]
    torchfix_cmd = [args.torchfix, "--select", "ALL", "-j", str(args.jobs), *copies] if args.torchfix else None
    ruff_cmd = [args.ruff, "check", "--no-cache", "--exit-zero", "--select", "ALL", "--quiet", *copies] \
        if args.ruff else None
    torchfix_reps = args.reps if args.torchfix_reps is None else args.torchfix_reps

    print(f"{len(files)} files, {lines} lines, {args.jobs} processes, {args.reps} repetitions; "
          f"touched file: {os.path.relpath(touched, workspace)}; edits: {', '.join(edits)}", file=sys.stderr)
    for version, (version_env, cache_dir) in versions.items():
        timed([*torchlint, "--cache-dir", cache_dir, *copies], workspace, version_env)  # prime the cache
    results: dict[str, list[tuple]] = {}

    def run(key: str, command: list[str], version_env=None) -> None:
        results.setdefault(key, []).append(timed(command, workspace, version_env)[:3])

    for rep in range(args.reps):
        if not args.no_cold:
            for version, (version_env, _) in versions.items():
                run(f"{version}cold", [*torchlint, "--no-cache", *copies], version_env)
            if torchfix_cmd and rep < torchfix_reps:
                run("torchfix", torchfix_cmd)
            if ruff_cmd:
                run("ruff", ruff_cmd)
        for version, (version_env, cache_dir) in versions.items():
            run(f"{version}warm", [*torchlint, "--cache-dir", cache_dir, *copies], version_env)
        for kind in edits:
            edit(touched, kind, rep)
            for version, (version_env, cache_dir) in versions.items():
                run(f"{version}{kind}", [*torchlint, "--cache-dir", cache_dir, *copies], version_env)
        print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in results.items()), file=sys.stderr)

    def median(key: str) -> float | None:
        return statistics.median(r[0] for r in results[key]) if results.get(key) else None

    def peak(key: str, index: int) -> str:
        values = [r[index] for r in results.get(key, []) if r[index] is not None]
        return f"{max(values):.0f}" if values else "n/a"

    torchfix = median("torchfix")
    ruff = median("ruff")
    print(f"\n{len(files)} files, {lines:,} lines, {args.jobs} processes, median of {args.reps} "
          f"(TorchFix: {len(results.get('torchfix', []))}); touched: {os.path.relpath(touched, workspace)}\n")
    print("| run | wall (s), median | spread (s) | lines/s | TorchFix / this | this / ruff "
          "| peak RSS, largest process (MB) | peak PSS, all processes (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    labels = {"cold": "torchlint cold (`--no-cache`)", "warm": "torchlint warm (cache, no change)",
              **{kind: f"torchlint, a statement inserted in {kind.partition('@')[2]}'s body"
                 for kind in edits if kind.startswith("body@")},
              **{kind: f"torchlint, an attribute set in {kind.partition('@')[2]}.__init__"
                 for kind in edits if kind.startswith("attr@")},
              "comment": "torchlint, a comment appended", "body": "torchlint, a statement inserted in a body",
              "api": "torchlint, a method added to a class", "torchfix": "TorchFix 0.7.0 `--select ALL`",
              "ruff": "ruff `--select ALL`"}
    keys = [f"{v}{k}" for k in ("cold", "warm", *edits) for v in versions] + ["torchfix", "ruff"]
    for key in keys:
        value = median(key)
        if value is None:
            continue
        version, _, kind = key.rpartition(" ")
        label = labels.get(kind, kind) + (f" [{version}]" if version else "")
        ratio = f"{torchfix / value:.1f}x" if torchfix else "n/a"
        to_ruff = f"{value / ruff:.1f}x" if ruff else "n/a"
        print(f"| {label} | {value:.2f} | {spread([r[0] for r in results[key]])} | {lines / value:,.0f} | {ratio} "
              f"| {to_ruff} | {peak(key, 1)} | {peak(key, 2)} |")
    paired = [tf[0] / cold[0] for tf, cold in zip(results.get("torchfix", []), results.get("cold", []))]
    if paired:
        # Each repetition's TorchFix and cold runs are neighbours in time: their
        # ratio cancels the machine's drift, which the ratio of medians does not.
        print(f"\nTorchFix / cold per repetition: {', '.join(f'{r:.1f}x' for r in paired)}; "
              f"median {statistics.median(paired):.1f}x")
    paired = [cold[0] / r[0] for r, cold in zip(results.get("ruff", []), results.get("cold", []))]
    if paired:
        print(f"cold / ruff per repetition: {', '.join(f'{r:.1f}x' for r in paired)}; "
              f"median {statistics.median(paired):.1f}x")
    if args.baseline:
        for kind in ("cold", "warm", *edits):
            pairs = [b[0] / a[0] for b, a in zip(results.get(f"baseline {kind}", []), results.get(kind, []))]
            if pairs:
                print(f"baseline / this, {kind}, per repetition: {', '.join(f'{r:.2f}x' for r in pairs)}; "
                      f"median {statistics.median(pairs):.2f}x")
    if args.keep:
        print(f"\nworkspace: {workspace}", file=sys.stderr)
    else:
        shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
