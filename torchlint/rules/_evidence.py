"""Shared helpers for rules that follow a value to its consumer."""

from __future__ import annotations

from typing import Iterator

from ..analysis.values import Kind, Site, Tensor, Value


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


def flows_into_loss(facts, families: frozenset[str], kind: Kind):
    """(origin, loss call) for each `kind` value that reaches the input of a loss of `families`."""
    for call in facts.loss_calls:
        if call.loss.family not in families:
            continue
        for origin in origins_of(call.input, kind):
            yield origin, call


def origin_evidence(value: Value, kind: Kind, what: str) -> tuple[tuple[Site, str], ...]:
    """Related locations: where each producer of `value` is."""
    return tuple((site, f"{site.label} produces the {what} here") for site in origins_of(value, kind))
