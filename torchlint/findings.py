"""The one finding type that static analysis, the runtime watcher and every reporter share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import Severity

# Each rule has a generated page in the repository (`python -m torchlint.docs`).
DOCS_URL = "https://github.com/torchlint/torchlint/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and column, as ruff's JSON reports them."""

    row: int
    column: int

    def to_json(self) -> dict[str, int]:
        return {"row": self.row, "column": self.column}


@dataclass(frozen=True)
class Related:
    """A second place that is part of the evidence, e.g. the loss a softmax reaches."""

    filename: str
    location: Location
    message: str
    end_location: Location | None = None
    # The notebook cell (1-based) the location is in; rows are then cell lines.
    cell: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "filename": self.filename,
            "location": self.location.to_json(),
            "message": self.message,
        }
        if self.end_location is not None:
            data["end_location"] = self.end_location.to_json()
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass(frozen=True)
class Edit:
    """Replace the text between two locations (end exclusive) with `content`."""

    location: Location
    end_location: Location
    content: str

    def to_json(self) -> dict[str, Any]:
        return {
            "location": self.location.to_json(),
            "end_location": self.end_location.to_json(),
            "content": self.content,
        }


@dataclass(frozen=True)
class Fix:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_json() for edit in self.edits],
        }


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether `--fix` applies `fix` (`--unsafe-fixes` given or not)."""
    return fix is not None and (fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe"))


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    severity: Severity
    filename: str
    location: Location
    end_location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    # "static" for the linter, "runtime" for torchlint.watch; a static finding
    # seen again at runtime is marked confirmed.
    source: str = "static"
    confirmed: bool = False
    # The notebook cell (1-based) of a finding in a .ipynb file: `location`
    # and `end_location` are then positions within that cell, as in ruff.
    cell: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def sort_key(self) -> tuple:
        return (self.filename, self.cell or 0, self.location.row, self.location.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity.value,
            "filename": self.filename,
            "location": self.location.to_json(),
            "end_location": self.end_location.to_json(),
            "url": self.url,
            "fix": self.fix.to_json() if self.fix else None,
            "related": [related.to_json() for related in self.related],
            "source": self.source,
            "confirmed": self.confirmed,
            "cell": self.cell,
        }
        data.update(self.extra)
        return data
