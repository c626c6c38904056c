"""`--jobs N`: lint files in a process pool.

Parsed LibCST trees do not cross process boundaries cheaply, so workers get
paths and send back plain data (findings as dicts, dependency hashes and cutoffs). Each
worker keeps one `Session` for all its chunks, so the summaries it computes
serve every file it lints, and writes them to a summaries directory the other
workers read (`_shared_summaries`); chunks are runs of neighbouring files
(sorted paths), which tend to import the same modules. The caller merges results in
file order, so the output is identical to `--jobs 1`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any, Callable, Iterator, Sequence

from .cache import finding_from_data, finding_to_data, stop_writing

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _init(session_args: dict[str, Any], configs, rules, parent: int, temporary: str | None, claims=None) -> None:
    from .session import Session, collect_for_linting

    _die_with(parent, temporary)
    collect_for_linting()  # a worker only lints (see session.fewer_collections)
    # Forked from a process that summarised the edited modules already (the cache's cutoffs):
    # its session, with those trees and summaries, is this worker's to start from.
    inherited = _WORKER.pop("inherit", None)
    _WORKER["session"] = inherited if inherited is not None else Session(**session_args)
    _WORKER["configs"] = configs
    _WORKER["rules"] = rules
    _WORKER["claims"] = claims
    _WORKER["index"] = {path: number for number, path in enumerate(configs)}  # the run's files, in order


def _claim(path: str) -> bool:
    """Whether this worker is the one to lint `path` (the first to ask; see `_lint_chunk`)."""
    claims = _WORKER["claims"]
    if claims is None:
        return True  # no flags: each worker lints its own chunks
    number = _WORKER["index"].get(path)
    if number is None:
        return False  # not a file of this run
    with claims.get_lock():
        if claims[number]:
            return False
        claims[number] = 1
        return True


def _die_with(parent: int, temporary: str | None) -> None:
    """A worker ends when the process that started the pool does, however that ends (SIGKILL
    included): an orphan would keep the run's stdout and stderr open, and a caller reading them
    to the end (a CI log, `subprocess.run(capture_output=True)`) would wait for good. On the
    way out it removes the run's temporary summaries directory, which a killed parent cannot."""
    import signal
    import threading

    def leave(*_args) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the kernel's signal and the watch's
        stop_writing()  # no thread of this worker writes a summary any more
        if temporary is not None:
            import shutil
            import time

            # A write already under way in another thread of this worker (a parse on a fresh
            # stack), or another worker's (its own signal comes a moment later, and it removes the
            # directory again then), may still land and make the directory again: try for up to
            # 3 s, until it stays gone.
            for _ in range(60):
                shutil.rmtree(temporary, ignore_errors=True)
                time.sleep(0.05)
                if not os.path.exists(temporary):
                    break
        os._exit(1)

    signal.signal(signal.SIGTERM, leave)
    try:  # Linux: the kernel sends SIGTERM when the parent dies
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before prctl took effect
        leave()

    def watch() -> None:  # everywhere else (and as a second line): notice the parent is gone
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        # The handler runs in the main thread, after the write under way (a summary written
        # after the directory was removed would make it again).
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="torchlint-parent-watch", daemon=True).start()


def _lint_chunk(paths: list[str]) -> list[tuple]:
    """The results of the files of one chunk that no other worker took, and of the files this
    worker took meanwhile.

    A worker that parses a file of the run for a summary (a module the file it lints imports)
    holds that tree; the worker whose chunk has the file would parse it again. So each file is
    linted by the first worker to claim it (`_claim`, a flag per file shared by the pool): its
    own chunk's files as it reaches them, and, after each file, the files of the run it parsed
    meanwhile, with the tree at hand. Findings do not depend on which worker lints a file nor
    in what order (`Project.begin_file`)."""
    session = _WORKER["session"]
    out: list[tuple] = []
    for path in paths:
        if not _claim(path):
            continue  # another worker parsed it first, and lints it
        pending = [path]
        while pending:
            current = pending.pop()
            before = set(session.project.modules)
            _lint_into(out, session, current)
            if _WORKER["claims"] is not None:
                parsed = set(session.project.modules) - before - {current}
                pending.extend(other for other in sorted(parsed, reverse=True) if _claim(other))
    return out


def _lint_into(out: list[tuple], session, path: str) -> None:
    result = session.lint_file(path, _WORKER["configs"][path], _WORKER["rules"])
    out.append((result.path, [finding_to_data(f) for f in result.findings], result.deps, result.hash,
                result.analysed, result.cutoffs))


# Contiguous runs of files, handed out as workers free up. Neighbouring files
# import the same modules, and each worker computes the summaries it needs
# itself, so fewer, longer runs share more; but the cost of a file is mostly
# the modules it imports, which varies a lot along a project (detectron2's
# first half costs twice its second), so one run per worker leaves one idle.
# Guided sizes: each run is the files left divided by twice the workers (at
# least `SMALLEST_CHUNK`), so the first runs are long and the last ones short,
# and the workers end together. Measured in docs/performance.md.
GUIDED_FACTOR = 2
SMALLEST_CHUNK = 2


def chunks(paths: Sequence[str], workers: int) -> list[list[str]]:
    """Contiguous runs of the sorted files, long first and short last (guided sizes)."""
    out, start = [], 0
    while start < len(paths):
        left = len(paths) - start
        size = max(SMALLEST_CHUNK, -(-left // (GUIDED_FACTOR * max(1, workers))))
        out.append(list(paths[start:start + size]))
        start += size
    return out


@contextlib.contextmanager
def _shared_summaries(session_args: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The workers share the summaries they make through the cache's summaries directory;
    without a cache, through a temporary one that lives as long as the pool (none if it
    cannot be made: each worker then summarises for itself). Yields the workers' session
    arguments and the temporary directory, if one was made."""
    if "summary_dir" in session_args or not session_args.get("on_disk"):
        yield session_args, None
        return
    try:
        # The workers remove it themselves when the run is killed: its cleanup may find it gone.
        shared = tempfile.TemporaryDirectory(prefix="torchlint-summaries-", ignore_cleanup_errors=True)
    except OSError:
        yield session_args, None
        return
    with shared as directory:
        yield {**session_args, "summary_dir": directory}, directory


@contextlib.contextmanager
def _handed_down(session) -> Iterator[None]:
    """`session` (if any) for the workers forked meanwhile to start from (`_init`); no longer
    once they are gone, however the pool ended."""
    if session is not None:
        _WORKER["inherit"] = session
    try:
        yield
    finally:
        _WORKER.pop("inherit", None)


def lint_parallel(paths: Sequence[str], jobs: int, session_args: dict[str, Any], configs, rules,
                  progress: Callable[[int], None] | None = None, inherit=None) -> list:
    """`paths` linted by `jobs` workers; `progress(files done)` as each chunk comes back.
    `inherit`: a session of this process, made with the same `session_args`, that forked
    workers start from (a spawned one makes its own)."""
    # Imported here: every run asks for `default_jobs`, few start a pool (~20 ms of imports).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .session import FileResult

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results: dict[str, Any] = {}
    forked = context.get_start_method() == "fork" and "summary_dir" in session_args
    with _handed_down(inherit if forked else None), _shared_summaries(session_args) as (worker_args, temporary):
        claims = context.Array("b", len(configs))  # one flag per file of the run: a worker has taken it
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init,
                                   initargs=(worker_args, configs, rules, os.getpid(), temporary, claims))
        try:
            # Futures of our own rather than `pool.map`, whose iterator cancels them when interrupted:
            # Python 3.11's pool then fails on the cancelled work when it finds its workers gone.
            futures = [pool.submit(_lint_chunk, chunk) for chunk in chunks(paths, jobs)]
            for future in futures:
                for path, findings, deps, digest, analysed, cutoffs in future.result():
                    results[path] = FileResult(path, [finding_from_data(f) for f in findings], deps, digest,
                                               analysed, cutoffs)
                if progress is not None:
                    progress(len(results))
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or failed: the workers stop now, not after their chunks,
            # and are gone before the temporary directory is removed (they write into it).
            processes = list(getattr(pool, "_processes", {}).values())
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
            pool.shutdown(wait=True)  # at once: the pool fails what was pending when it finds them gone
            raise
        pool.shutdown()
    return [results[path] for path in paths]
