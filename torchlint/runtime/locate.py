"""Find the user's source line for a torch call: walk frames past torch and torchlint internals.

Only plain values come out (file, line, column, end line, end column): frames are never kept,
so nothing here holds a reference to user objects (a caller keeps its module's name and its
warnings registry, a dict of warnings already shown).
"""

from __future__ import annotations

import dis
import os
import sys
from types import CodeType, FunctionType
from typing import Any, Callable

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
    return _site_of(_user_frame(depth + 1))


def _user_frame(depth: int):
    """The innermost frame outside torch/torchlint, from `depth` frames up; None if none."""
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return None
    while frame is not None and _is_internal(frame.f_code):
        frame = frame.f_back
    return frame


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


def caller(depth: int, func: Callable) -> Callable:
    """A function that makes the call a TorchFunctionMode handler makes, `caller(func, args,
    kwargs)`, from a frame standing in for the one that called the mode (`depth` frames up), so
    that a warning torch raises inside `func` names the user's line, as it does without a watch,
    and not torchlint's: a C++ warning names the innermost Python frame, and `F.softmax`'s
    implicit-dim warning the frame two above it. The stand-in has the file, line, module name and
    warnings registry of that frame (so filters and once-per-line apply as without the watch); a
    Python torch function's own outer frames (`F.softmax` and `handle_torch_function`, dispatching
    to the mode) are passed over."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return plain_call
    own = getattr(func, "__code__", None)
    while frame is not None and (frame.f_code is own or frame.f_code is _DISPATCH):
        frame = frame.f_back
    return _caller_of(frame)


def _dispatch_code() -> CodeType | None:
    try:
        import torch.overrides

        return torch.overrides.handle_torch_function.__code__
    except (ImportError, AttributeError):
        return None


# The Python frame between a Python torch function (`F.softmax`) and the mode it dispatches to.
_DISPATCH = _dispatch_code()


def plain_call(func: Callable, args: tuple, kwargs: dict) -> Any:
    return func(*args, **kwargs)


# (code, its file, line) -> a function like plain_call whose frame is at that file and line.
_callers: dict[tuple[CodeType, str, int], Callable] = {}


def _caller_of(frame) -> Callable:
    if frame is None:
        return plain_call
    code = frame.f_code
    line = frame.f_lineno or 0
    key = (code, code.co_filename, line)
    caller = _callers.get(key)
    if caller is None:
        caller = plain_call
        if line > 0:
            try:
                source = "\n" * (line - 1) + "def _torchlint_call(f, a, k): return f(*a, **k)\n"
                module = compile(source, code.co_filename, "exec")
                body = next(const for const in module.co_consts if isinstance(const, CodeType))
                scope = frame.f_globals
                registry = scope.setdefault("__warningregistry__", {})
                # Only the module's name and warnings registry: what `warnings` reads off a frame.
                caller = FunctionType(body, {"__name__": scope.get("__name__"), "__warningregistry__": registry})
            except Exception:  # a frame `compile` cannot name (an odd file name): call as before
                caller = plain_call
        if len(_callers) > _MAX_CACHE:
            _callers.clear()
        _callers[key] = caller
    return caller


def argument_site(depth: int, index: int) -> Site | None:
    """Where the `index`-th positional argument of the call the innermost user frame is making
    is written: `nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))` registering its child 1 gives
    the span of `nn.Softmax(dim=1)`. None when the arguments cannot be told apart (`*layers`)."""
    frame = _user_frame(depth + 1)
    if frame is None:
        return None
    code, lasti = frame.f_code, frame.f_lasti
    key = (code, code.co_filename, lasti)
    spans = _arguments.get(key)
    if spans is None:
        spans = _argument_spans(code, lasti)
        if len(_arguments) > _MAX_CACHE:
            _arguments.clear()
        _arguments[key] = spans
    if index >= len(spans):
        return None
    line, column, end_line, end_column = spans[index]
    return (code.co_filename, line, column + 1, end_line, end_column + 1)


_arguments: dict[tuple[CodeType, str, int], tuple] = {}


def _argument_spans(code: CodeType, lasti: int) -> tuple:
    """The source spans of the arguments of the call at `lasti`: the outermost expressions inside
    the call's span other than the callee (which starts where the call does)."""
    try:
        if code.co_code[lasti] == dis.opmap.get("CALL_FUNCTION_EX"):
            return ()  # a starred call: its arguments are not written one by one
        positions = list(code.co_positions())
        line, end_line, column, end_column = positions[lasti // 2]
    except (AttributeError, IndexError, ValueError):  # Python < 3.11 has no co_positions
        return ()
    if line is None or column is None:
        return ()
    start, end = (line, column), (end_line, end_column)
    inside = sorted(
        {((a, ca), (b, cb)) for a, b, ca, cb in positions
         if a is not None and ca is not None and start < (a, ca) and (b, cb) <= end},
        key=lambda span: (span[0], (-span[1][0], -span[1][1])),
    )
    outermost: list[tuple] = []
    for span_start, span_end in inside:
        if outermost and span_start < outermost[-1][1]:
            continue  # inside the previous argument
        outermost.append((span_start, span_end))
    return tuple((a, ca, b, cb) for (a, ca), (b, cb) in outermost)


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
