"""`--jobs N`: lint files in a process pool.

Parsed LibCST trees do not cross process boundaries cheaply, so workers get
paths and send back plain data (findings as dicts, dependency hashes). Each
worker keeps one `Session` for all its chunks, so the summaries it computes
serve every file it lints; chunks are runs of neighbouring files (sorted
paths), which tend to import the same modules. The caller merges results in
file order, so the output is identical to `--jobs 1`.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from .cache import finding_from_data, finding_to_data

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _init(session_args: dict[str, Any], configs, rules) -> None:
    import gc

    from .session import LINT_GC_THRESHOLDS, Session

    gc.set_threshold(*LINT_GC_THRESHOLDS)  # a worker only lints (see session.fewer_collections)
    _WORKER["session"] = Session(**session_args)
    _WORKER["configs"] = configs
    _WORKER["rules"] = rules


def _lint_chunk(paths: list[str]) -> list[tuple]:
    session = _WORKER["session"]
    out = []
    for path in paths:
        result = session.lint_file(path, _WORKER["configs"][path], _WORKER["rules"])
        out.append((result.path, [finding_to_data(f) for f in result.findings], result.deps, result.hash,
                    result.analysed))
    return out


# Contiguous runs of files, handed out as workers free up. Neighbouring files
# import the same modules, and each worker computes the summaries it needs
# itself, so fewer, longer runs share more; but the cost of a file is mostly
# the modules it imports, which varies a lot along a project (detectron2's
# first half costs twice its second), so one run per worker leaves one idle.
# Measured on the medium corpus (docs/performance.md): 4 runs per worker
# 7.4 s, 2 runs 8.2 s, 1 run 8.8 s (medians of four, 2 workers).
CHUNKS_PER_WORKER = 4


def chunks(paths: Sequence[str], count: int) -> list[list[str]]:
    """`count` contiguous runs of the sorted files, as equal in length as can be."""
    count = max(1, min(len(paths), count))
    size, extra = divmod(len(paths), count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            out.append(list(paths[start:end]))
        start = end
    return out


def lint_parallel(paths: Sequence[str], jobs: int, session_args: dict[str, Any], configs, rules) -> list:
    # Imported here: every run asks for `default_jobs`, few start a pool (~20 ms of imports).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .session import FileResult

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results: dict[str, Any] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init,
                             initargs=(session_args, configs, rules)) as pool:
        for chunk_result in pool.map(_lint_chunk, chunks(paths, jobs * CHUNKS_PER_WORKER)):
            for path, findings, deps, digest, analysed in chunk_result:
                results[path] = FileResult(path, [finding_from_data(f) for f in findings], deps, digest, analysed)
    return [results[path] for path in paths]
