"""`torchlint.watch`: a TorchFunctionMode that sees activations and losses on real tensors.

Fast path: one identity-keyed dict lookup per torch call (`handlers.get(func)`); a miss calls
`func` at once. Producers (softmax, log_softmax, sigmoid, clipping activations) tag their output
(see `tags.py`); view-like ops copy the tag; consumers (the losses, `torch.log`, a second
activation) read it, or rebuild it from `grad_fn`, look up the catalog's flow table
(`rules.CATALOG.flows(kind, consumer)`) and report what it names at the user's own source lines,
with the same message template the static rule renders. Value checks (`checks.py`) run on the
1st and then every `check_every`-th call of each loss; on CUDA their results are read back without blocking (event + pinned copy)
when ready, and at `close()` at the latest.

The mode is per-thread: a watch sees the torch calls of the thread that started it.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import threading
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import torch
import torch.nn.functional as F
from torch.nn.modules.module import register_module_forward_pre_hook, register_module_module_registration_hook
from torch.optim.optimizer import register_optimizer_step_pre_hook
from torch.overrides import TorchFunctionMode

from ..catalog import ACTIVATION_CONSUMERS, Consumer, Flow, Kind, Reported, render
from ..findings import Finding, Location, Related
from ..rules import CATALOG
from . import checks, locate, tags
from .errors import MisuseError, TorchlintWarning

log = logging.getLogger("torchlint.runtime")

locate.add_internal_dir(os.path.dirname(torch.__file__))

DEFAULT_STEPS = 50
DEFAULT_CHECK_EVERY = 100
DEFAULT_ROWS = 64

_is_compiling = torch.compiler.is_compiling
_Tensor = torch.Tensor
_PLAIN_TENSORS = (torch.Tensor, torch.nn.Parameter)
# Loss modules: a functional loss called from one's forward is named as the user wrote it.
_LOSS_MODULES = (torch.nn.modules.loss._Loss,)
_ACTIVATION_MODULES = (
    torch.nn.Softmax, torch.nn.LogSoftmax, torch.nn.Softmin, torch.nn.Sigmoid, torch.nn.ReLU,
    torch.nn.ReLU6, torch.nn.Hardtanh, torch.nn.ELU, torch.nn.Tanh,
)
_RUNTIME_CODES = CATALOG.runtime_codes
# What a log of a kind's output is, for what consumes the log next.
_LOG_OF = {Kind.PROBS: Kind.LOG_PROBS, Kind.SIGMOID: Kind.LOG_SIGMOID}
# Losses that must not get raw logits: a linear layer's output is worth a look only before these.
_WANT_NO_LOGITS = frozenset({Consumer.NLL, Consumer.BCE})
# Losses whose input values tell probabilities, log-probabilities and logits apart (`_decide`).
_VALUE_CHECKED = frozenset({Consumer.NLL, Consumer.BCE, Consumer.KL_DIV})
_local = threading.local()  # .active: list of started, unclosed watches on this thread
_open: "weakref.WeakSet[Watch]" = weakref.WeakSet()  # for the exit-time flush of unclosed handles


@atexit.register
def _close_forgotten() -> None:
    """Write the report of handles that were started and never closed (`w = watch(...)` only)."""
    for handle in list(_open):
        try:
            handle.close()
        except Exception:
            pass


def _active() -> list["Watch"]:
    stack = getattr(_local, "active", None)
    if stack is None:
        stack = _local.active = []
    return stack


_NAMES: dict[Any, str] = {}


def _func_name(func: Callable) -> str:
    name = _NAMES.get(func)
    if name is None:
        name = _NAMES[func] = _spell(func)
    return name


def _spell(func: Callable) -> str:
    module = getattr(func, "__module__", None) or ""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    if module == "torch.nn.functional":
        return f"F.{name}"
    if name.startswith("_VariableFunctionsClass."):
        return "torch." + name.split(".", 1)[1]
    if name.startswith("TensorBase.") or name.startswith("Tensor."):
        return "Tensor." + name.split(".", 1)[1]
    if module.startswith("torch"):
        return f"{module}.{name}".replace("torch._C._special.special_", "torch.special.")
    return name


def _display_path(path: str) -> str:
    if path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _where(site: tuple | None) -> str:
    if not site:
        return "an unknown place"
    return f"{_display_path(site[0])}:{site[1]}"


class _WatchedHooks(OrderedDict):
    """A watched model's forward pre-hooks. A copy or a pickle of the model (an EMA copy,
    `AveragedModel`, `torch.save(model)`) gets a plain OrderedDict of the user's own hooks, without
    the watch's: the copy is not watched, and pickling never meets the watch's closures."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.watch_ids: set[int] = set()

    def _own(self) -> list:
        return [(key, hook) for key, hook in self.items() if key not in self.watch_ids]

    def __reduce__(self):  # pickle, copy.copy and copy.deepcopy all rebuild the dict from this
        return (OrderedDict, (self._own(),))


def _hook_model(model: torch.nn.Module, hook: Callable) -> Any:
    """`model.register_forward_pre_hook(hook)`, kept out of copies and pickles of the model."""
    hooks = model._forward_pre_hooks
    if not isinstance(hooks, _WatchedHooks):
        # Before registering: the handle keeps a reference to the dict it was put in.
        hooks = _WatchedHooks(hooks)
        model.__dict__["_forward_pre_hooks"] = hooks
    handle = model.register_forward_pre_hook(hook, with_kwargs=True)
    hooks.watch_ids.add(handle.id)
    return handle


@dataclass
class _Pending:
    """A value check queued on a CUDA device, read when its event is done."""

    event: Any
    host: torch.Tensor
    decide: Callable[[list[float]], None]


class _Mode(TorchFunctionMode):
    def __init__(self, handlers: dict) -> None:
        super().__init__()
        self.handlers = handlers
        # Calls the watch checks that torch.compile traced instead: not checked, said at close().
        self.compiled_calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        handler = self.handlers.get(func)
        if handler is None:
            return func(*args, **(kwargs or {}))
        if _is_compiling():
            self.compiled_calls += 1
            return func(*args, **(kwargs or {}))
        return handler(func, args, kwargs or {})


class Watch:
    """A running watch: `.findings`, `.close()`; also a context manager.

    See `torchlint.watch` for the parameters.
    """

    def __init__(
        self,
        model: torch.nn.Module | None = None,
        *,
        steps: int | None = DEFAULT_STEPS,
        strict: bool = False,
        rules: Iterable[str] | None = None,
        report: str | os.PathLike | None = None,
        check_every: int = DEFAULT_CHECK_EVERY,
        rows: int = DEFAULT_ROWS,
        find_models: bool = False,
        warn: bool = True,
    ) -> None:
        if steps is not None and steps < 1:
            raise ValueError("steps must be a positive number of forward calls, or None")
        self.model = model
        self.steps = steps
        self.strict = strict
        self.report = os.fspath(report) if report is not None else None
        self.check_every = check_every
        self.rows = rows
        self.find_models = find_models and model is None
        self.warn = warn
        self.rules = self._select(rules)
        self.findings: list[Finding] = []
        self._records: dict[tuple, Finding] = {}
        self._subscribers: list[Watch] = []
        self._parent: Watch | None = None
        self._mode = _Mode(self._build_handlers())
        self._pushed = False
        self._retired = False
        self._closed = False
        self._started = False
        self._owner = threading.get_ident()
        self._hooks: list[Any] = []  # the watched models' forward pre-hooks
        self._optimizer_hook = None
        # find_models: a global forward pre-hook that adopts the models until the first optimizer
        # step, and the modules it has seen (the adopted models' own submodules among them).
        self._discovery = None
        self._registration = None  # see _registered
        self._known_modules: "weakref.WeakSet[torch.nn.Module]" = weakref.WeakSet()
        self._paused = False
        self._forward_seen = False
        self._phase: bool | None = None
        self._phase_calls = 0
        self._batch: int | None = None
        self._module_names: dict[int, str] | None = None
        # An activation module -> the site of its first call: one finding per activation, however
        # many places call the model (a GAN's three D(...) calls).
        self._module_sites: "weakref.WeakKeyDictionary[torch.nn.Module, tuple]" = weakref.WeakKeyDictionary()
        self._loss_calls: dict[Consumer, int] = {}
        self._pending: list[_Pending] = []
        self._pinned: torch.Tensor | None = None
        self._pinned_next = 0
        # Forwards of the watched model on another thread: not watched, said at close().
        self._other_thread_forwards = 0
        self._unlocated: dict[tuple, Callable[[], None]] = {}  # see _clipped_logits
        self.start()

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _select(rules: Iterable[str] | None) -> frozenset[str]:
        if rules is None:
            return frozenset(_RUNTIME_CODES)
        if isinstance(rules, str):
            rules = [rules]
        wanted = [rule.strip().upper() for rule in rules]
        unknown = [rule for rule in wanted if not any(code.startswith(rule) for code in _RUNTIME_CODES)]
        if unknown:
            raise ValueError(f"unknown rule code(s): {', '.join(unknown)}")
        return frozenset(code for code in _RUNTIME_CODES if any(code.startswith(rule) for rule in wanted))

    def start(self) -> "Watch":
        if self._started:
            return self
        if isinstance(self.model, torch.jit.ScriptModule):
            raise TypeError(
                "torchlint.watch: a TorchScript module (torch.jit.script / torch.jit.trace) runs outside "
                "Python, where its torch calls cannot be watched. Watch the eager model, or call "
                "torchlint.watch() without a model to check the losses its outputs reach."
            )
        self._started = True
        _open.add(self)
        active = _active()
        if active:
            # Nested watch: the outermost one already sees every call of this thread; a second
            # mode would double-report. Subscribe to its findings instead (every nested watch to
            # the outermost, however deep: one level to deliver to).
            self._parent = active[0]
            self._parent._subscribers.append(self)
            active.append(self)
            return self
        active.append(self)
        if self.model is not None:
            try:
                self._hook_model_once()
            except BaseException:  # leave no state behind: later watches on this thread must work
                active.remove(self)
                _open.discard(self)
                self._closed = True
                raise
        self._take_over()
        return self

    def _hook_model_once(self) -> None:
        if self.model is not None and not self._hooks:
            if type(self.model).__name__ == "OptimizedModule" or getattr(self.model, "_compiled_call_impl", None):
                warnings.warn(
                    "torchlint.watch: this model is torch.compile'd; compiled regions are not watched "
                    "(the watch steps aside inside them). Wrap the watched steps in "
                    "torch.compiler.set_stance('force_eager') to check them.",
                    UserWarning,
                    stacklevel=4,
                )
            self._hooks.append(_hook_model(self.model, self._pre_hook))

    def _take_over(self) -> None:
        """Become the watch of this thread: the one whose mode and hooks see the calls."""
        if self.model is not None:
            # The optimizer makes most torch calls of a step and none of them can misuse an
            # activation: step aside from optimizer.step() until the model's next forward.
            self._optimizer_hook = register_optimizer_step_pre_hook(self._pause)
        elif self.find_models and self.steps is not None:
            self._discovery = register_module_forward_pre_hook(self._discover)
            self._optimizer_hook = register_optimizer_step_pre_hook(self._pause)
        self._registration = register_module_module_registration_hook(self._registered)
        self._push()

    def close(self) -> None:
        """Stop watching, read outstanding value checks, write `report`. Idempotent."""
        if self._closed or not self._started:
            self._closed = True
            return
        self._closed = True
        _open.discard(self)
        active = _active()
        if self in active:
            active.remove(self)
        if self._parent is not None:
            if self in self._parent._subscribers:
                self._parent._subscribers.remove(self)
        else:
            for hook in (*self._hooks, self._optimizer_hook, self._discovery, self._registration):
                if hook is not None:
                    hook.remove()
            self._hooks, self._optimizer_hook, self._discovery, self._registration = [], None, None, None
            self._pop()
            self._poll(block=True)
            unlocated, self._unlocated = self._unlocated, {}
            for report_here in unlocated.values():
                report_here()
            self._say_what_was_not_watched()
            self._hand_over()
        if self.report:
            self.write_report(self.report)
        for finding in self.findings:
            log.info("%s %s (%sx)", finding.code, finding.message, finding.extra["runtime"]["count"])

    def _say_what_was_not_watched(self) -> None:
        """One line per blind spot of this watch, at close(): what it could not see is not silence."""
        if self._other_thread_forwards:
            warnings.warn(
                f"torchlint.watch: the model ran {self._other_thread_forwards} forward call(s) on another "
                "thread, which this watch did not see (a watch sees the thread that started it). Start the "
                "watch on the thread that trains.",
                UserWarning,
                stacklevel=3,
            )
        if self._mode.compiled_calls:
            warnings.warn(
                f"torchlint.watch: {self._mode.compiled_calls} activation or loss call(s) were traced by "
                "torch.compile and not checked there (only their eager runs and the values reaching a loss "
                "were). Wrap the watched steps in torch.compiler.set_stance('force_eager') to check them.",
                UserWarning,
                stacklevel=3,
            )
        still_open = [watch for watch in self._subscribers if not watch._closed]
        if still_open and threading.get_ident() != self._owner:
            warnings.warn(
                f"torchlint.watch: closed on another thread while {len(still_open)} watch(es) started inside "
                "it are still open; they see nothing from here on. Close the inner watch first.",
                UserWarning,
                stacklevel=3,
            )

    def _hand_over(self) -> None:
        """Closed before watches started inside it (a fixture's watch outliving a test's, a
        session-wide one): the oldest still open becomes this thread's watch, so none goes blind."""
        heirs = [watch for watch in self._subscribers if not watch._closed]
        self._subscribers = []
        if not heirs or threading.get_ident() != self._owner:
            return
        heir, rest = heirs[0], heirs[1:]
        heir._parent = None
        heir._subscribers = rest
        for watch in rest:
            watch._parent = heir
        try:
            heir._hook_model_once()
        except Exception:  # a model that cannot be hooked: the heir watches without steps
            log.debug("torchlint.watch hand-over could not hook the model", exc_info=True)
        heir._take_over()

    def __enter__(self) -> "Watch":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    @property
    def active(self) -> bool:
        """True while calls of this thread are being checked (not retired, not closed).

        Between `optimizer.step()` and the model's next forward the watch also steps aside.
        """
        return (self._pushed or self._paused) and not self._retired and not self._closed

    def write_report(self, path: str) -> None:
        from ..report import json as json_report

        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json_report.render(self.findings))

    def _push(self) -> None:
        if not self._pushed and not self._closed:
            torch._C._push_on_torch_function_stack(self._mode)
            self._pushed = True

    def _pop(self) -> None:
        """Remove our mode from this thread's stack even if other modes were pushed after it."""
        if not self._pushed:
            return
        self._pushed = False
        if threading.get_ident() != self._owner:
            return
        above = []
        try:
            while torch._C._len_torch_function_stack() > 0:
                mode = torch._C._pop_torch_function_stack()
                if mode is self._mode:
                    break
                above.append(mode)
        finally:
            for mode in reversed(above):
                torch._C._push_on_torch_function_stack(mode)

    def _pre_hook(self, module, args, kwargs) -> None:
        if self._retired and module.training is self._phase and not self._pending:
            return  # retired, same phase: all a retired watch costs a step is this line
        if _is_compiling() or self._closed:
            return
        if threading.get_ident() != self._owner:
            self._other_thread_forwards += 1
            return
        try:
            # Read the batch size before pushing the mode back: with it pushed, even `.shape` is
            # a torch call that goes through it.
            # The batch is the first argument's: `model(x)`, or `model(input_ids=...)` as HF models
            # are called.
            first = args[0] if args else next(iter(kwargs.values()), None)
            if isinstance(first, _Tensor):
                shape = first.shape
                if shape:
                    self._batch = shape[0]
            self._forward_seen = True
            if self._paused:
                self._paused = False
                if not self._retired:
                    self._push()
            if self._pending:
                self._poll(block=False)
            phase = bool(module.training)
            if phase != self._phase:
                self._phase = phase
                self._phase_calls = 0
                if self._retired:
                    self._retired = False
                    self._push()
                    self._optimizer_hook = register_optimizer_step_pre_hook(self._pause)
                    log.debug("torchlint.watch re-armed (%s)", "train" if phase else "eval")
            self._phase_calls += 1
            if self.steps is not None and self._phase_calls > self.steps and not self._retired:
                self._retired = True
                self._pop()
                if self._optimizer_hook is not None:  # nothing to step aside from until re-armed
                    self._optimizer_hook.remove()
                    self._optimizer_hook = None
                if self._discovery is not None:  # no optimizer (inference): the models are known
                    self._discovery.remove()
                    self._discovery = None
                self._poll(block=False)
                log.debug("torchlint.watch retired after %d %s steps", self.steps, "train" if phase else "eval")
        except Exception:  # never break the user's forward
            log.debug("torchlint.watch pre-hook failed", exc_info=True)

    def _registered(self, parent, name, child) -> None:
        """An activation module written as an argument of `nn.Sequential(...)` while watching (under
        `torchlint run`, the script builds its model inside the watch): its findings go where it is
        written, where the static finding is, rather than where the model is called."""
        try:
            if (
                isinstance(parent, torch.nn.Sequential)
                and isinstance(child, _ACTIVATION_MODULES)
                and name.isdigit()
                and threading.get_ident() == self._owner
            ):
                site = locate.argument_site(1, int(name))
                if site is not None:
                    self._module_sites[child] = site
        except Exception:  # never break the user's model construction
            log.debug("torchlint.watch registration hook failed", exc_info=True)

    def _discover(self, module, args) -> None:
        """find_models: adopt each module with parameters called outside the models adopted so far
        (the model, a GAN's two), as if it had been passed as `model`, until the first optimizer step."""
        try:
            if module in self._known_modules or threading.get_ident() != self._owner or _is_compiling():
                return
            if next(module.parameters(), None) is None:
                return  # a loss, an activation or a transform called on its own: not a model
            self._known_modules.update(module.modules())
            self._hooks.append(_hook_model(module, self._pre_hook))
            log.debug("torchlint.watch adopted %s as a model", type(module).__name__)
            # Its own hook is registered too late for this call (torch has already listed them).
            self._pre_hook(module, args, {})
        except Exception:  # never break the user's forward
            log.debug("torchlint.watch model discovery failed", exc_info=True)

    def _pause(self, optimizer, args, kwargs) -> None:
        if self._discovery is not None:
            # Every model of the training step has run once by its first optimizer step.
            self._discovery.remove()
            self._discovery = None
        # Only when the model's pre-hook has run since the last pause: it is what pushes us back.
        if (
            self._forward_seen
            and self._pushed
            and not self._closed
            and threading.get_ident() == self._owner
            and not _is_compiling()
        ):
            self._forward_seen = False
            self._pop()
            self._paused = True

    # ------------------------------------------------------------------ reporting

    def _emit(
        self,
        code: str,
        site: tuple | None,
        message: str,
        related: Iterable[tuple[tuple | None, str]] = (),
        evidence: str = "provenance",
        values: list[float] | None = None,
    ) -> None:
        # This watch and the ones nested in it: each has its own findings, so a watch started after
        # a misuse was seen still gets it the next time it happens.
        watches = [watch for watch in (self, *self._subscribers) if code in watch.rules]
        if not watches:
            return
        site = site or locate.user_site(2)
        key = (code, site[0], site[1], site[2])
        new = []
        for watch in watches:
            known = watch._records.get(key)
            if known is not None:
                known.extra["runtime"]["count"] += 1
            else:
                new.append(watch)
        if not new:
            return
        rule = CATALOG.rule(code)
        name, severity = rule.name, rule.severity
        runtime: dict[str, Any] = {"count": 1, "evidence": evidence}
        if values is not None:
            runtime["values"] = [round(value, 6) for value in values]
        finding = Finding(
            code=code,
            name=name,
            message=message,
            severity=severity,
            filename=_display_path(site[0]),
            location=Location(site[1], max(site[2], 1)),
            end_location=Location(site[3] or site[1], max(site[4], 1)),
            related=tuple(
                Related(_display_path(other[0]), Location(other[1], max(other[2], 1)), note)
                for other, note in related
                if other
            ),
            source="runtime",
            # `confirmed` says a static finding was seen again at runtime (`--runtime-report`);
            # the watcher's own findings are evidence, not confirmations of themselves.
            confirmed=False,
            extra={"runtime": runtime},
        )
        for index, watch in enumerate(new):
            # One Finding per watch: each counts its own calls.
            own = finding if index == 0 else dataclasses.replace(finding, extra={"runtime": dict(runtime)})
            watch._records[key] = own
            watch.findings.append(own)
        text = f"{code} {name}: {message}"
        if any(watch.strict for watch in new):
            raise MisuseError(f"{_where(site)}: {text}", finding)
        if any(watch.warn for watch in new):
            warnings.warn_explicit(text, TorchlintWarning, site[0], site[1], module="torchlint")

    def _report_flow(self, flow: Flow, producer: tuple | None, made_by: str, consumer: str, at: tuple) -> None:
        """One finding of a flow rule: its message and evidence rendered as the static rule renders them."""
        fields = dict(producer=made_by, consumer=consumer, route="")
        message = render(flow.message, at=_where(at), **fields)
        evidence = render(flow.evidence, **fields)
        if flow.reported is Reported.AT_PRODUCER:
            self._emit(flow.code, producer or at, message, [(at, evidence)])
        else:
            self._emit(flow.code, at, message, [(producer, evidence)])

    # ------------------------------------------------------------------ handlers

    def _build_handlers(self) -> dict:
        handlers: dict[Any, Callable] = {}

        def add(funcs: Iterable[Any], handler: Callable) -> None:
            for func in funcs:
                if func is not None:
                    handlers[func] = handler

        special = getattr(torch, "special", None)
        add([F.softmax, torch.softmax, _Tensor.softmax, getattr(special, "softmax", None)],
            self._activation(Kind.PROBS, implicit=F.softmax))
        add([F.softmin], self._activation(Kind.PROBS, implicit=F.softmin))
        add([F.log_softmax, torch.log_softmax, _Tensor.log_softmax, getattr(special, "log_softmax", None)],
            self._activation(Kind.LOG_PROBS, implicit=F.log_softmax))
        add([torch.sigmoid, _Tensor.sigmoid, _Tensor.sigmoid_, torch.sigmoid_, getattr(special, "expit", None)],
            self._activation(Kind.SIGMOID))
        # Clipping activations (ReLU after the last layer: TL010) are rare in a loss's input and
        # common everywhere else, so they are not tagged until a loss sees one through its
        # grad_fn (`_clipped_logits`); a Python handler on each ReLU would cost every step.
        clipping: dict[Any, Callable] = {}
        handler = self._activation(Kind.ACTIVATED)
        for func in (F.relu, torch.relu, _Tensor.relu, torch.relu_, _Tensor.relu_, F.relu6, F.hardtanh, F.elu,
                     torch.tanh, _Tensor.tanh):
            if func is not None:
                clipping[func] = handler
        self._clipping_handlers = clipping
        if self.strict:  # strict mode raises at the first step: it cannot wait for a second one
            handlers.update(clipping)
        add([torch.log, _Tensor.log, _Tensor.log_, torch.log_], self._log)
        add([F.cross_entropy], self._loss(Consumer.CROSS_ENTROPY))
        add([F.nll_loss], self._loss(Consumer.NLL))
        add([F.binary_cross_entropy], self._loss(Consumer.BCE))
        add([F.binary_cross_entropy_with_logits], self._loss(Consumer.BCE_WITH_LOGITS))
        add([F.kl_div], self._loss(Consumer.KL_DIV))
        add(
            [
                _Tensor.view, _Tensor.view_as, _Tensor.reshape, _Tensor.reshape_as, _Tensor.flatten,
                _Tensor.squeeze, _Tensor.unsqueeze, _Tensor.__getitem__, _Tensor.to, _Tensor.float,
                _Tensor.double, _Tensor.half, _Tensor.bfloat16, _Tensor.cpu, _Tensor.cuda,
                _Tensor.contiguous, _Tensor.detach, _Tensor.clone, _Tensor.permute, _Tensor.transpose,
                _Tensor.t, _Tensor.clamp, _Tensor.clamp_min, _Tensor.clamp_max, _Tensor.clip,
                _Tensor.expand, _Tensor.expand_as, _Tensor.select, _Tensor.narrow,
                torch.flatten, torch.squeeze, torch.unsqueeze, torch.reshape, torch.clamp, torch.clip,
                torch.transpose, torch.permute, torch.narrow, torch.select, torch.clone, torch.detach,
            ],
            self._propagate,
        )
        return handlers

    @staticmethod
    def _propagate(func, args, kwargs):
        out = func(*args, **kwargs)
        if args and out is not args[0]:
            try:
                tag = tags.get(args[0])
                if tag is not None and isinstance(out, _Tensor):
                    out.__dict__[tags.KEY] = tag
            except (AttributeError, RuntimeError, TypeError):
                pass
        return out

    def _activation(self, kind: Kind, implicit: Callable | None = None) -> Callable:
        softmax_family = kind in (Kind.PROBS, Kind.LOG_PROBS)
        # Softmax and sigmoid: their sites go on the autograd graph too (the grad_fn fallback), and
        # what reaches them is checked. No rule reads either for a clipping activation.
        softmax_or_sigmoid = kind in tags.MARKED

        def handler(func, args, kwargs):
            x = args[0] if args else kwargs.get("input")
            if not isinstance(x, _Tensor):
                return func(*args, **kwargs)
            site = dim = size = None
            call = locate.plain_call
            made_by = _func_name(func)
            try:
                call = locate.caller(2, func)
                site, module = locate.user_site_and_module(2, _ACTIVATION_MODULES)
                if module is not None:
                    made_by = self._module_name(module)  # `nn.Softmax`, as the static finding says
                    site = self._module_sites.setdefault(module, site)
                if softmax_family:
                    dim, size = self._softmax_checks(func, kind, x, args, kwargs, site, implicit)
                if softmax_or_sigmoid:
                    self._input_checks(func, kind, x, site)
            except (MisuseError, Warning):
                raise
            except Exception:
                log.debug("torchlint handler failed", exc_info=True)
            if (
                implicit is not None
                and func is implicit
                and kwargs.get("dim", args[1] if len(args) > 1 else None) is None
                and "TL002" in self.rules
            ):
                # PyTorch's own implicit-dim warning would point into torchlint; TL002 says more.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "Implicit dimension choice", UserWarning)
                    out = call(func, args, kwargs)
            else:
                out = call(func, args, kwargs)  # torch's own warnings stay at the user's line
            if site is not None and isinstance(out, _Tensor) and type(out) in _PLAIN_TENSORS:
                try:
                    tags.put(out, tags.make(kind, dim, size, x.ndim, site, made_by))
                    if softmax_or_sigmoid:
                        tags.mark_grad_fn(out, site)
                except Exception:
                    pass
            return out

        return handler

    def _module_name(self, module: torch.nn.Module) -> str:
        """`head.2 (nn.Softmax)`: where a module called through a container sits in the model."""
        label = f"nn.{type(module).__name__}"
        if self.model is None:
            return label
        if self._module_names is None:
            self._module_names = {id(m): name for name, m in self.model.named_modules() if name}
        name = self._module_names.get(id(module))
        return f"module '{name}' ({label})" if name else label

    def _softmax_checks(self, func, kind, x, args, kwargs, site, implicit) -> tuple[int | None, int | None]:
        dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
        ndim = x.ndim
        name = _func_name(func)
        if dim is None:
            if implicit is None or func is not implicit:
                return None, None
            dim = 0 if ndim in (0, 1, 3) else 1
            what = " (the batch dimension of a (batch, seq, classes) tensor)" if ndim == 3 else ""
            self._emit("TL002", site, render(CATALOG.rule("TL002").message, producer=name,
                                             on=f" on a {ndim}-D tensor of shape {tuple(x.shape)}",
                                             chose=f"chose dim={dim}{what}"))
        if ndim == 0:
            return 0, 1
        dim = dim % ndim
        size = x.shape[dim]
        if size == 1 and ndim <= 2:  # a classifier head; (B, H, 1, 1) attention while decoding is legitimate
            self._emit("TL015", site, render(CATALOG.rule("TL015").message, producer=name,
                                             input=f"dim={dim} of a tensor of shape {tuple(x.shape)}",
                                             constant="1" if kind is Kind.PROBS else "0"))
        elif dim == 0 and ndim >= 2 and self._batch is not None and size == self._batch:
            self._emit("TL013", site, render(CATALOG.rule("TL013").message, producer=name, dim=0,
                                             value=f"tensor of shape {tuple(x.shape)} (size {size}, the batch size)",
                                             reaching=""))
        return dim, size

    def _input_checks(self, func, kind: Kind, x, site) -> None:
        """A softmax or sigmoid applied to a tagged value: the flows of (its kind, this activation)."""
        tag = tags.get(x)
        if tag is None:
            return
        for flow in CATALOG.flows(tags.kind(tag), ACTIVATION_CONSUMERS[kind]):
            self._report_flow(flow, tag[tags.SITE], tag[tags.NAME], _func_name(func), site)

    def _log(self, func, args, kwargs):
        x = args[0] if args else kwargs.get("input")
        kind = None
        site = None
        call = locate.plain_call
        if isinstance(x, _Tensor):
            try:
                call = locate.caller(2, func)
                tag = tags.get(x)
                if tag is None and x.grad_fn is not None:
                    tag = tags.origin(x)
                if tag is not None and tags.kind(tag) in _LOG_OF:
                    inner = tags.kind(tag)
                    site = locate.user_site(2)
                    for flow in CATALOG.flows(inner, Consumer.LOG):
                        self._report_flow(flow, tag[tags.SITE], tag[tags.NAME], _func_name(func), site)
                    kind = _LOG_OF[inner]
            except (MisuseError, Warning):
                raise
            except Exception:
                log.debug("torchlint handler failed", exc_info=True)
        out = call(func, args, kwargs)
        if kind is not None and isinstance(out, _Tensor):
            tags.put(out, tags.make(kind, None, None, x.ndim, site, _func_name(func)))
        return out

    # ------------------------------------------------------------------ losses

    def _loss(self, consumer: Consumer) -> Callable:
        def handler(func, args, kwargs):
            x = args[0] if args else kwargs.get("input")
            target = args[1] if len(args) > 1 else kwargs.get("target")
            if not isinstance(x, _Tensor) or type(x) not in _PLAIN_TENSORS:
                return func(*args, **kwargs)
            call = locate.plain_call
            try:
                call = locate.caller(2, func)
                self._check_loss(func, consumer, x, target)
            except (MisuseError, Warning):
                raise
            except Exception:
                log.debug("torchlint handler failed", exc_info=True)
            if consumer is not Consumer.BCE:
                return call(func, args, kwargs)
            try:
                return call(func, args, kwargs)
            except RuntimeError as error:
                # BCELoss refuses inputs outside [0, 1] on CPU: say why before torch does.
                if "between 0 and 1" in str(error):
                    site, name = self._loss_site(_func_name(func))
                    self._report_values(name, Kind.LOGITS, consumer, "torch refused them", None, site)
                raise

        return handler

    def _check_loss(self, func, consumer: Consumer, x: torch.Tensor, target: Any) -> None:
        if self._pending:
            self._poll(block=False)
        if consumer is not Consumer.KL_DIV and isinstance(target, _Tensor):
            shape = target.shape
            if shape:
                self._batch = shape[0]
        tag = tags.get(x)
        if tag is None:
            grad_fn = x.grad_fn
            if grad_fn is not None:
                if consumer not in _WANT_NO_LOGITS and type(grad_fn).__name__ in tags.LINEAR_NODES:
                    return  # logits straight from a linear/conv layer: the common, correct case
                tag = tags.origin(x)
        name = _func_name(func)
        if tag is not None:
            self._check_provenance(name, consumer, x, target, tag)
        else:
            self._value_check(name, consumer, x)

    def _check_provenance(self, name: str, consumer: Consumer, x: torch.Tensor, target: Any, tag: tuple) -> None:
        kind, producer, made_by = tags.kind(tag), tag[tags.SITE], tag[tags.NAME]
        if kind is Kind.LOGITS and consumer not in _WANT_NO_LOGITS:
            return  # logits where logits belong: the common, correct case stays cheap
        if kind in (Kind.LOG_PROBS, Kind.LOG_SIGMOID) and consumer is not Consumer.CROSS_ENTROPY \
                and tag[tags.DIM_SIZE] != 1:
            return
        site, name = self._loss_site(name)
        flows = CATALOG.flows(kind, consumer)
        if kind is Kind.ACTIVATED and flows:
            self._clipped_logits(flows, name, site, producer, made_by)
            return
        if consumer in (Consumer.CROSS_ENTROPY, Consumer.NLL) and kind is Kind.PROBS:
            self._check_batch_dim(name, x, target, tag, site)
        if kind in (Kind.PROBS, Kind.LOG_PROBS) and tag[tags.DIM_SIZE] == 1:
            self._emit("TL015", producer, render(CATALOG.rule("TL015").message, producer=made_by,
                                                 input=f"the output that reaches {name} at {_where(site)}",
                                                 constant="1" if kind is Kind.PROBS else "0"),
                       [(site, f"reaches {name} here")])
        for flow in flows:
            self._report_flow(flow, producer, made_by, name, site)
        if not flows and consumer in _VALUE_CHECKED and kind not in (Kind.LOG_PROBS, Kind.LOG_SIGMOID):
            self._value_check(name, consumer, x, located=(site, name))

    @staticmethod
    def _loss_site(name: str) -> tuple[tuple, str]:
        """The user's line of a loss call, and the loss as the user wrote it: `nn.CrossEntropyLoss`
        when the functional loss runs inside that module's `forward`, else `name` (`F.cross_entropy`)."""
        site, module = locate.user_site_and_module(2, _LOSS_MODULES)
        if module is not None:
            name = f"nn.{type(module).__name__}"
        return site, name

    def _clipped_logits(self, flows: tuple[Flow, ...], name: str, site: tuple, producer: tuple | None,
                        made_by: str) -> None:
        """TL010: a clipping activation's output reached a loss that wants logits."""

        def report(at: tuple) -> None:
            for flow in flows:
                self._report_flow(flow, at, made_by, name, site)

        if producer is not None:
            self._unlocated.pop(site, None)
            report(producer)
        elif not self._clipping_handlers.keys() <= self._mode.handlers.keys():
            # Seen through grad_fn only, so the activation's line is unknown: tag clipping
            # activations from now on and let the next step report it there; close() reports it
            # at the loss if no step does.
            self._mode.handlers.update(self._clipping_handlers)
            self._unlocated[site] = lambda: report(site)
        elif site not in self._unlocated:
            report(site)

    def _check_batch_dim(self, name: str, x: torch.Tensor, target: Any, tag: tuple, site: tuple) -> None:
        dim, size, ndim = tag[tags.DIM], tag[tags.DIM_SIZE], tag[tags.NDIM]
        if dim is None or size is None or not isinstance(target, _Tensor) or target.ndim < 1:
            return
        batch = target.shape[0]
        class_dim = checks.class_dim(x) if ndim == x.ndim else 0
        if dim != class_dim and size == batch and size > 1:
            self._emit("TL013", tag[tags.SITE], render(
                CATALOG.rule("TL013").message, producer=tag[tags.NAME], dim=dim,
                value=f"tensor whose size {size} is the batch size of the target",
                reaching=f" that reaches {name} at {_where(site)}"))

    # ------------------------------------------------------------------ value checks

    def _value_check(self, name: str, consumer: Consumer, x: torch.Tensor,
                     located: tuple[tuple, str] | None = None) -> None:
        """`located`: the loss's site and name when the caller already looked them up."""
        if self.check_every <= 0:
            return
        calls = self._loss_calls.get(consumer, 0) + 1
        self._loss_calls[consumer] = calls
        if calls != 1 and calls % self.check_every:
            return
        cdim = -1 if consumer is Consumer.KL_DIV else checks.class_dim(x)
        if x.is_cuda and torch.cuda.is_current_stream_capturing():
            return
        stats = checks.stats(x, cdim, self.rows)
        if stats is None:
            return
        classes = x.shape[cdim] if x.ndim else 1
        site, name = located or self._loss_site(name)

        def decide(values: list[float]) -> None:
            self._decide(name, consumer, classes, values, site)

        if x.is_cuda:
            self._defer(stats, decide)
        else:
            decide(stats.tolist())

    def _decide(self, name: str, consumer: Consumer, classes: int, values: list[float], site: tuple) -> None:
        """What the values look like, then the flows of (that kind, this loss) report it."""
        kind = None
        if consumer in (Consumer.CROSS_ENTROPY, Consumer.NLL) and checks.looks_like_probabilities(values, classes):
            kind = Kind.PROBS
        elif consumer is Consumer.NLL and checks.looks_like_logits(values):
            kind = Kind.LOGITS
        elif consumer is Consumer.BCE and checks.outside_unit_interval(values):
            kind = Kind.LOGITS
        elif consumer is Consumer.KL_DIV and checks.nonnegative_bounded(values):
            kind = Kind.PROBS
        if kind is not None:
            self._report_values(name, kind, consumer, checks.describe(values), values, site)

    def _report_values(self, name: str, kind: Kind, consumer: Consumer, seen: str, values: list[float] | None,
                       site: tuple) -> None:
        for flow in CATALOG.flows(kind, consumer):
            if flow.by_values is not None:
                self._emit(flow.code, site, render(flow.by_values, consumer=name, seen=seen), evidence="values",
                           values=values)

    def _defer(self, stats: torch.Tensor, decide: Callable[[list[float]], None]) -> None:
        """Copy `stats` to pinned host memory without blocking; read it once its event is done."""
        slots = 64
        if self._pinned is None:
            self._pinned = torch.empty((slots, checks.N_STATS), dtype=torch.float32, pin_memory=True)
        if len(self._pending) >= slots:
            return  # never wait on the hot path: drop the sample
        slot = self._pinned[self._pinned_next % slots]
        self._pinned_next += 1
        slot.copy_(stats, non_blocking=True)
        event = torch.cuda.Event()
        event.record()
        self._pending.append(_Pending(event, slot, decide))

    def _poll(self, block: bool) -> None:
        if not self._pending:
            return
        still = []
        for pending in self._pending:
            if block:
                pending.event.synchronize()
            elif not pending.event.query():
                still.append(pending)
                continue
            try:
                pending.decide(pending.host.tolist())
            except (MisuseError, Warning):
                if not block:
                    raise
            except Exception:
                log.debug("torchlint deferred check failed", exc_info=True)
        self._pending = still


def watch(
    model: torch.nn.Module | None = None,
    *,
    steps: int | None = DEFAULT_STEPS,
    strict: bool = False,
    rules: Iterable[str] | None = None,
    report: str | os.PathLike | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    rows: int = DEFAULT_ROWS,
    find_models: bool = False,
    warn: bool = True,
) -> Watch:
    """Watch this thread's torch calls for activation/loss misuse, on real tensors.

    `with torchlint.watch(model): train()` or `w = torchlint.watch(model); ...; w.close()`.

    model: optional; with it, the watch retires after `steps` forward calls of the model in each
        train/eval phase and re-arms when `model.training` flips (`steps=None`: never retire).
        Without a model everything is watched until `close()`, unless `find_models`.
    strict: raise `torchlint.MisuseError` at the first confirmed misuse, before the call runs.
        Otherwise each problem is reported once per call site as a `torchlint.TorchlintWarning`
        and collected in `.findings`.
    rules: codes or prefixes to check (default: all).
    report: a path; the findings are written there at close, as the CLI's `--output-format json`.
    check_every: value checks run on the 1st and every `check_every`-th call of each loss
        (0 disables them). On CUDA they never synchronise: their results are read when ready,
        at the next loss or forward call, or at `close()` at the latest.
    rows: value checks look at the first `rows` rows of the loss input.
    find_models: without a model, find the models: each module with parameters called (outside
        the models already found) before the first `optimizer.step()` is watched as if passed as
        `model`, so the watch retires after `steps` steps. `torchlint run` uses this.
    warn: False to collect findings in `.findings` without a TorchlintWarning for each (a
        watch started inside still warns); the pytest plugin's watches use this.
    """
    return Watch(model, steps=steps, strict=strict, rules=rules, report=report, check_every=check_every, rows=rows,
                 find_models=find_models, warn=warn)


