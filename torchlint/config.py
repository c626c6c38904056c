"""Effective configuration of one run (CLI flags; `[tool.torchlint]` later)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["TL"])
    ignore: list[str] = field(default_factory=list)

    def enabled(self, code: str) -> bool:
        """ruff semantics: the longest matching prefix wins; ignore wins a tie."""
        best_select = max((_weight(p) for p in self.select if _matches(p, code)), default=-1)
        best_ignore = max((_weight(p) for p in self.ignore if _matches(p, code)), default=-1)
        if best_select < 0:
            return False
        return best_select > best_ignore


def _matches(prefix: str, code: str) -> bool:
    return prefix == "ALL" or code.startswith(prefix)


def _weight(prefix: str) -> int:
    return 0 if prefix == "ALL" else len(prefix)
