"""The library entry point: everything the CLI, the tests and plugins call.

discovery -> parsing -> value-flow analysis -> rules -> findings
(per-file configuration and suppressions applied, notebook rows mapped to cells;
results cached and files spread over processes on request, see `lint_paths`).
The check of one file, and what applies its findings, is `check.py`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .check import (
    ConfigLike,
    SuppressionIndex,
    as_resolver,
    explicitly_ignored,
    keep_shortest,
    rules_for,
    to_cells,
    unused_suppressions,
)
from .config import Config as Config, ConfigResolver  # Config: the library's, as `api.Config`
from .discovery import discover
from .findings import Finding
from .lines import python_lines
from .lazy import lazy_attributes
from .roots import find_roots
from .rules import PARSE_ERROR, UNUSED_NOQA

# LibCST and the engine are imported on first use: a run answered entirely
# from the cache never pays for them (importing LibCST alone takes ~0.5 s).
# The engine itself is called from `check.check_module` (`check.analyze_module`).
_LAZY = {
    "Project": ("torchlint.analysis.project", "Project"),
    "ParsedModule": ("torchlint.parsing", "ParsedModule"),
    "ParseFailure": ("torchlint.parsing", "ParseFailure"),
    "parse_file": ("torchlint.parsing", "parse_file"),
    "parse_source": ("torchlint.parsing", "parse_source"),
    "parse_notebook": ("torchlint.parsing", "parse_notebook"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


def lint_paths(
    paths: Sequence[str],
    config: ConfigLike | str | os.PathLike = None,
    *,
    isolated: bool = False,
    report_unused_noqa: bool = False,
    jobs: int = 1,
    cache_dir: str | None = None,
    shard: tuple[int, int] | None = None,
    precheck: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lint every Python file and notebook under `paths` (files or directories), as
    `torchlint check PATHS` does, and return the findings with the files linted.

    Configuration, as the CLI reads it: by default each file's `[tool.torchlint]` of its
    nearest pyproject.toml; `config` a path to one pyproject.toml for every file (`--config`),
    one `Config` for every file, or a `ConfigResolver` (`--select` and the other flags are its
    `overrides`); `isolated=True` reads no configuration file (`--isolated`).

    The files are judged in their project's context (`importers.scope`): the project's files
    that import a given file are analysed with it, and a finding is returned when its primary
    location or one of its related locations is in a given file. `LintResult.files`: the given
    files. `report_unused_noqa`: also report TL100.

    `jobs`: worker processes (1: in this process). `cache_dir`: where to keep the result cache
    (None: no cache). `shard=(i, n)`: check only the i-th of n slices of the files (1-based),
    still seeing the whole project's summaries. `precheck=False` analyses every file fully
    (for tests and comparisons). `progress(done, total)`: called with the files done as the run
    goes (first once the cache has answered, then per file; per chunk in a pool).
    """
    from .importers import scope

    resolver = _resolver(config, isolated)
    run = scope(list(paths), resolver, cache_dir)
    roots = find_roots(list(paths))
    selected = shard_files(run.linted, *shard) if shard else run.linted
    session_args = {"roots": roots, "on_disk": True, "known": run.project, "precheck": precheck}
    cache = None
    if cache_dir is not None:
        from .cache import Cache, project_files_key

        cache = Cache(cache_dir, _rule_codes(resolver, selected), project_files_key(run.project))
    findings = _run(selected, session_args, resolver, jobs, cache, report_unused_noqa, given=run.given,
                    progress=progress)
    return LintResult(findings, run.given)


def _resolver(config: ConfigLike | str | os.PathLike, isolated: bool = False) -> ConfigResolver:
    """The ConfigResolver for what `lint_paths` accepts (see there)."""
    if isinstance(config, (str, os.PathLike)):
        return ConfigResolver(config_file=os.fspath(config))
    if config is not None:
        return as_resolver(config)
    return ConfigResolver(isolated=isolated)


def shard_files(files: Sequence[str], index: int, count: int) -> list[str]:
    """The `index`-th (1-based) of `count` contiguous slices of the sorted files."""
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: expected 1 <= I <= N")
    size, extra = divmod(len(files), count)
    start = (index - 1) * size + min(index - 1, extra)
    end = start + size + (1 if index - 1 < extra else 0)
    return list(files[start:end])


def lint_buffer(source: bytes | str, filename: str, config: ConfigLike | str | os.PathLike = None, *,
                isolated: bool = False, report_unused_noqa: bool = False) -> LintResult:
    """Lint `source` (standard input, an editor's unsaved buffer) as if it were the file `filename`.

    Its configuration (`per-file-ignores` included; `config` and `isolated` as for `lint_paths`)
    is that path's, its imports resolve from that path into the other files of its project, read
    from disk, and the project files that import it (as `filename`) are analysed with it, so a
    finding of `filename` that only a caller's loss shows is found too. The findings that touch
    `filename` (their primary or a related location is in it), as `lint_paths` on that one file;
    no cache. An excluded path (`force-exclude`) gives none, as ruff does.
    """
    resolver = _resolver(config, isolated)
    path, linted, known = buffer_project(filename, resolver)
    if not linted:
        return LintResult([], [])
    session_args = {"roots": find_roots([path]), "on_disk": True, "known": known, "sources": {path: source},
                    "precheck": True}
    findings = _run(linted, session_args, resolver, 1, None, report_unused_noqa, given=[path])
    return LintResult(findings, [path])


def buffer_project(filename: str, resolver: ConfigResolver) -> tuple[str, list[str], list[str]]:
    """For a buffer linted as `filename`: that path as findings name it, the files to lint with it
    (itself first, then the files of its project whose imports reach it, `importers.scope`; none
    when `force-exclude` excludes it) and the project's files. `fix.fix_buffer` lints the same
    files."""
    from .importers import scope

    path = os.path.normpath(filename)
    if not discover([path], resolver):
        return path, [], []  # on disk, excluded, and force-exclude
    if not path.endswith((".py", ".pyi")):  # a notebook or `-`: nothing imports it
        return path, [path], [path]
    run = scope([path], resolver, extra=[path])
    return path, [path, *(other for other in run.linted if other != path)], run.project


def lint_source(source: str, filename: str = "<string>", config: ConfigLike = None) -> list[Finding]:
    """Lint one module held in memory, as the file `filename` (nothing is read from disk: no
    configuration file, and its imports of other modules are foreign code). `config`: a
    `Config` (default: every rule) or a `ConfigResolver`."""
    return lint_sources({filename: source}, config)


def lint_sources(sources: dict[str, str], config: ConfigLike = None, *, report_unused_noqa: bool = False,
                 precheck: bool = True) -> list[Finding]:
    """Lint an in-memory project: path -> source text (paths relative to its root)."""
    session_args = {"roots": [""], "on_disk": False, "known": list(sources), "sources": sources,
                    "precheck": precheck}
    return _run(list(sources), session_args, as_resolver(config), 1, None, report_unused_noqa)


def _rule_codes(resolver: ConfigResolver, paths: Sequence[str]) -> list[str]:
    configs = [resolver.for_path(path) for path in paths] or [resolver.for_path(".")]
    return [rule.code for rule in rules_for(configs)]


# A forked worker costs a few milliseconds to start, and starts from this process's session
# when it made one (`parallel.lint_parallel`'s `inherit`): only runs of a few files stay in
# this one. (After a method is added to diffusers' attention module, the 15 files to analyse
# again take seconds: 3.2 s in one process, 2.4-2.6 s with two workers.)
MIN_FILES_PER_JOB = 4


def _run(paths: Sequence[str], session_args: dict, resolver: ConfigResolver, jobs: int, cache,
         report_unused_noqa: bool = False, given: Sequence[str] | None = None,
         progress: Callable[[int, int], None] | None = None) -> list[Finding]:
    """Lint `paths`: from the cache where it is valid, else in this process or a pool.

    Cached and computed are each file's own findings before configuration of
    other files and suppression comments apply; those (and TL100) are applied
    here, in this process, on every run. `given` (default: `paths`): the files
    whose findings are wanted; a finding is kept when its primary location or
    one of its related locations is in one of them, and TL100 is reported in
    them only.
    """
    from .cache import config_key

    configs = {path: resolver.for_path(path) for path in paths}
    rules = rules_for(list(configs.values()) or [resolver.for_path(".")])
    keys: dict[str, str] = {}
    if cache is not None:
        # Files under one pyproject share one Config object: hash each once.
        by_config: dict[int, str] = {}
        for path, config in configs.items():
            if id(config) not in by_config:
                by_config[id(config)] = config_key(config)
            keys[path] = by_config[id(config)]
    results: dict[str, list[Finding]] = {}
    todo = list(paths)
    session = None
    if cache is not None:
        session_args = {**session_args, "summary_dir": cache.summary_dir, "cutoffs": True}

        def derive(dep: str, cutoff: list) -> str | None:
            """What a cached entry read of `dep` (whose text changed), as `dep` is now (the
            cache's early cutoff): a session of this process summarises it, once."""
            nonlocal session
            if session is None:
                from .session import Session

                session = Session(**session_args)
            try:
                return session.cutoff_digest(dep, cutoff)
            except Exception:  # noqa: BLE001  (cannot tell: the entry is not used)
                return None

        todo = []
        for path in paths:
            cached = cache.lookup(path, cache.file_hash, keys[path], derive)
            if cached is None:
                todo.append(path)
            else:
                results[path] = cached
    cached_count = len(paths) - len(todo)
    if progress is not None:
        progress(cached_count, len(paths))
    if todo:
        from .session import Session

        if jobs > 1 and len(todo) >= MIN_FILES_PER_JOB * 2:
            jobs = min(jobs, len(todo) // MIN_FILES_PER_JOB)
            from .parallel import lint_parallel

            pool_progress = None if progress is None else (lambda done: progress(cached_count + done, len(paths)))
            fresh = lint_parallel(todo, jobs, session_args, {path: configs[path] for path in todo}, rules,
                                  progress=pool_progress, inherit=session)
        else:
            from .session import fewer_collections

            session = session or Session(**session_args)
            fresh = []
            with fewer_collections():
                for path in todo:
                    fresh.append(session.lint_file(path, configs[path], rules))
                    if progress is not None:
                        progress(cached_count + len(fresh), len(paths))
        for result in fresh:
            results[result.path] = result.findings
            if cache is not None:
                cache.store(result.path, result.hash, result.findings, result.deps, keys[result.path],
                            result.cutoffs)
    if cache is not None:
        cache.save()
    texts = Texts(session_args.get("sources"), session_args["on_disk"])
    suppressions = SuppressionIndex(texts.lines)
    from .importers import Touches

    touches = Touches(paths if given is None else given)
    found: dict[tuple, Finding] = {}
    for path in paths:  # in file order, whatever ran where: identical to one process
        for finding in results[path]:
            # Before the duplicates of one site are narrowed to one: the one kept must be
            # one that touches a given file when any does.
            if touches(finding):
                keep_shortest(found, touches.spelled(finding), resolver, suppressions)
    if report_unused_noqa:
        for path in paths:
            if not touches.given(path):
                continue
            # Asking for the report selects TL100, unless it is ignored explicitly.
            if not texts.parses(path, results[path]) or explicitly_ignored(configs[path], UNUSED_NOQA.code, path):
                continue
            for finding in unused_suppressions(path, suppressions.of(path)):
                found[(finding.code, finding.filename, finding.location)] = finding
    return sorted((to_cells(finding, texts.notebook) for finding in found.values()), key=Finding.sort_key)


class Texts:
    """The run's files as text, for suppressions and notebook cells (no parsing): `sources`
    (buffers) first, then the disk when `on_disk`. The language server uses it too."""

    def __init__(self, sources: Mapping[str, str] | None, on_disk: bool) -> None:
        self.sources = sources
        self.on_disk = on_disk
        self._texts: dict[str, str | None] = {}
        self._notebooks: dict[str, Any] = {}
        self._lines: dict[str, list[str]] = {}

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self._load(path)
        return self._texts[path]

    def _load(self, path: str) -> str | None:
        from .encoding import DecodeError, decode

        data: bytes | str | None = None
        if self.sources is not None and path in self.sources:
            data = self.sources[path]
        elif self.on_disk:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                return None
        if data is None:
            return None
        if path.endswith(".ipynb"):
            from .notebook import NotebookError, load

            try:
                notebook = load(data)
            except NotebookError:
                return None
            self._notebooks[path] = notebook
            return notebook.text
        try:
            return data if isinstance(data, str) else decode(data)
        except DecodeError:
            return None

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            text = self.text(path)
            self._lines[path] = python_lines(text) if text is not None else []
        return self._lines[path]

    def notebook(self, path: str) -> Any:
        if not path.endswith(".ipynb"):
            return None
        self.text(path)
        return self._notebooks.get(path)

    def parses(self, path: str, findings: list[Finding]) -> bool:
        """Whether `path` parsed (main's TL100 skips files that did not)."""
        from .parsing import CheckedSource, check_source

        if any(finding.code == PARSE_ERROR.code and finding.filename == path and "traceback" not in finding.extra
               for finding in findings):
            return False
        text = self.text(path)
        if text is None:
            return False
        checked = check_source(path, text)
        return isinstance(checked, CheckedSource) and checked.cpython_error is None
