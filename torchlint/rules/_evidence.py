"""Shared helpers for rules that follow a value to its consumer."""

from __future__ import annotations

from typing import Iterator

from ..analysis.kinds import Kind, Site, Tensor, Value


def origins_of(value: Value, kind: Kind) -> Iterator[Site]:
    """The activation sites that produced `value`, if it is certainly of `kind`."""
    if isinstance(value, Tensor) and value.kind == kind:
        yield from value.origins
