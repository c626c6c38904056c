"""`--jobs N`: lint files in a process pool.

Parsed LibCST trees do not cross process boundaries cheaply, so workers get
paths and send back plain data (findings as dicts, dependency hashes). Each
worker keeps one `Session` for all its chunks, so the summaries it computes
serve every file it lints; chunks are runs of neighbouring files (sorted
paths), which tend to import the same modules. The caller merges results in
file order, so the output is identical to `--jobs 1`.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Sequence

from .cache import finding_from_data, finding_to_data

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _init(session_args: dict[str, Any], configs, rules) -> None:
    from .session import Session

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


def chunks(paths: Sequence[str], jobs: int) -> list[list[str]]:
    """One contiguous run of files per worker.

    Neighbouring files import the same modules, and each worker computes the
    summaries it needs itself: measured on detectron2, four smaller chunks
    per worker (better balance) cost ~20 % more than one (locality).
    """
    count = max(1, min(len(paths), jobs))
    size, extra = divmod(len(paths), count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            out.append(list(paths[start:end]))
        start = end
    return out


def lint_parallel(paths: Sequence[str], jobs: int, session_args: dict[str, Any], configs, rules) -> list:
    from .session import FileResult

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results: dict[str, Any] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init,
                             initargs=(session_args, configs, rules)) as pool:
        for chunk_result in pool.map(_lint_chunk, chunks(paths, jobs)):
            for path, findings, deps, digest, analysed in chunk_result:
                results[path] = FileResult(path, [finding_from_data(f) for f in findings], deps, digest, analysed)
    return [results[path] for path in paths]
