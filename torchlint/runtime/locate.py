"""Find the user's source line for a torch call: walk frames past torch and torchlint internals.

Only plain values come out (file, line, column, end line, end column): frames are never kept,
so nothing here holds a reference to user objects.
"""

from __future__ import annotations

import os
import sys
from types import CodeType

import torchlint

_TORCHLINT_DIR = os.path.dirname(os.path.abspath(torchlint.__file__)) + os.sep
_INTERNAL_PREFIXES: list[str] = [_TORCHLINT_DIR]
_GENERATED = ("<eval_with_key", "<frozen", "<string>.__torch", "<torch_package")

# (code object, its file) -> True when its frames belong to torch/torchlint (skipped). The file is
# part of the key because code objects compare equal across files: two identical functions at
# the same line of two files are equal code objects.
_internal: dict[tuple[CodeType, str], bool] = {}
# (code, its file, lasti) -> site; bounded by the number of distinct call sites.
_sites: dict[tuple[CodeType, str, int], tuple] = {}
_MAX_CACHE = 100_000

Site = tuple  # (filename, line, column, end_line, end_column); 1-based; column 0 when unknown

UNKNOWN: Site = ("<unknown>", 0, 0, 0, 0)


def add_internal_dir(path: str) -> None:
    """Treat every file under `path` as library code (the torch package dir is added by watch)."""
    path = os.path.dirname(os.path.abspath(path)) + os.sep if os.path.isfile(path) else os.path.abspath(path) + os.sep
    if path not in _INTERNAL_PREFIXES:
        _INTERNAL_PREFIXES.append(path)
        _internal.clear()


def _is_internal(code: CodeType) -> bool:
    filename = code.co_filename
    key = (code, filename)
    verdict = _internal.get(key)
    if verdict is None:
        # A `__torch_function__` (a user's own TorchFunctionMode or tensor subclass pushed inside
        # the watch) forwards torch calls; the misuse is where its caller made the call.
        verdict = (code.co_name == "__torch_function__" or filename.startswith(_GENERATED)
                   or any(filename.startswith(p) for p in _INTERNAL_PREFIXES))
        if len(_internal) > _MAX_CACHE:
            _internal.clear()
        _internal[key] = verdict
    return verdict


def user_site(depth: int = 2) -> Site:
    """The innermost frame outside torch/torchlint, as (file, line, col, end_line, end_col)."""
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return UNKNOWN
    while frame is not None and _is_internal(frame.f_code):
        frame = frame.f_back
    return _site_of(frame)


def user_site_and_module(depth: int = 2, classes: tuple = ()) -> tuple[Site, object | None]:
    """`user_site`, and the `self` of a library `forward` frame on the way (an `nn.ReLU`...), in
    one walk: on a training step it runs with cold caches, so each frame visited costs."""
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return UNKNOWN, None
    module = None
    while frame is not None:
        code = frame.f_code
        if not _is_internal(code):
            break
        if module is None and code.co_name == "forward":
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, classes):
                module = candidate
        frame = frame.f_back
    return _site_of(frame), module


def _site_of(frame) -> Site:
    if frame is None:
        return UNKNOWN
    code, lasti = frame.f_code, frame.f_lasti
    key = (code, code.co_filename, lasti)
    site = _sites.get(key)
    if site is None:
        site = _position(code, lasti, frame.f_lineno)
        if len(_sites) > _MAX_CACHE:
            _sites.clear()
        _sites[key] = site
    return site


def _position(code: CodeType, lasti: int, lineno: int | None) -> Site:
    filename = code.co_filename
    line = lineno or 0
    try:
        positions = list(code.co_positions())
        start, end, col, end_col = positions[lasti // 2]
        if start is not None and start == line and col is not None:
            return (filename, start, col + 1, end or start, (end_col or col) + 1)
    except (AttributeError, IndexError, ValueError):  # Python < 3.11 has no co_positions
        pass
    return (filename, line, 0, line, 0)
