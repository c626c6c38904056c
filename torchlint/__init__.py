"""torchlint: catch PyTorch activation and loss misuse before it ruins a training run.

Importing torchlint never imports torch; the runtime watcher does, when used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import LintResult, lint_paths, lint_source, lint_sources  # noqa: E402
from .config import Config  # noqa: E402
from .findings import Finding, Location, Related, Severity  # noqa: E402
from .lazy import lazy_attributes as _lazy_attributes  # noqa: E402

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
    "watch",
    "MisuseError",
    "TorchlintWarning",
]

# The runtime watcher imports torch, so it is loaded on first use only.
_LAZY = {
    "watch": ("torchlint.runtime.watch", "watch"),
    "Watch": ("torchlint.runtime.watch", "Watch"),
    "MisuseError": ("torchlint.runtime.errors", "MisuseError"),
    "TorchlintWarning": ("torchlint.runtime.errors", "TorchlintWarning"),
}


__getattr__ = _lazy_attributes(__name__, _LAZY)
