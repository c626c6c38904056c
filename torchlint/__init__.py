"""torchlint: catch PyTorch activation and loss misuse before it ruins a training run.

Importing torchlint never imports torch; the runtime watcher does, when used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import LintResult, lint_paths, lint_source, lint_sources  # noqa: E402
from .config import Config  # noqa: E402
from .findings import Finding, Location, Related, Severity  # noqa: E402

__all__ = [
    "Config",
    "Finding",
    "LintResult",
    "Location",
    "Related",
    "Severity",
    "__version__",
    "lint_paths",
    "lint_source",
    "lint_sources",
]
