"""Shared helpers for rules that follow a value to its consumer."""

from __future__ import annotations

from typing import Iterator

from ..analysis.kinds import Kind, Site, Tensor, Value


def origins_of(value: Value, kind: Kind) -> Iterator[Site]:
    """The activation sites that produced `value`, if it is certainly of `kind`."""
    if isinstance(value, Tensor) and value.kind == kind:
        yield from value.origins


def route(call) -> str:
    """` (through compute_loss at train.py:20)` when the value reached the loss via helper calls."""
    if not call.via:
        return ""
    hops = ", ".join(f"{site.label} at {site.ref()}" for site in call.via)
    return f" (through {hops})"


def loss_evidence(call, what: str) -> tuple[tuple[Site, str], ...]:
    """Related locations: the loss call, then each helper call on the way."""
    related = [(call.site, f"{call.loss.label} receives the {what} here")]
    related += [(site, f"passed on through {site.label} here") for site in call.via]
    return tuple(related)
