"""The runtime watcher's exception and warning types (importable without torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding


class TorchlintWarning(UserWarning):
    """A misuse seen on real tensors by `torchlint.watch` (once per call site)."""


class MisuseError(RuntimeError):
    """Raised by `torchlint.watch(strict=True)` at the first confirmed misuse, before the call runs."""

    def __init__(self, message: str, finding: "Finding | None" = None) -> None:
        super().__init__(message)
        self.finding = finding
