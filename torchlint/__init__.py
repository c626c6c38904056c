"""torchlint: catch PyTorch activation and loss misuse before it ruins a training run.

Importing torchlint never imports torch; the runtime watcher does, when used.
"""

from __future__ import annotations

import os as _os
import sys as _sys


def _run_as_module() -> bool:
    """Whether this process is `python -m torchlint` (then Python put the current directory
    first on sys.path: a `click.py` or `libcst.py` in the checkout being linted would be
    imported and run in place of the real one, unlike with the `torchlint` script)."""
    argv = list(getattr(_sys, "orig_argv", ()))
    for index, arg in enumerate(argv):
        if arg == "-m":
            return argv[index + 1:index + 2] == ["torchlint"]
        if arg.startswith("-m"):
            return arg == "-mtorchlint"
        if not arg.startswith("-") and index > 0:
            return False  # a script or a command (`-c`) runs, not us
    return False


if _sys.argv[:1] == ["-m"] and _run_as_module() and not getattr(_sys.flags, "safe_path", False):
    if _sys.path and _sys.path[0] in ("", _os.getcwd()):
        del _sys.path[0]

from .lazy import lazy_attributes as _lazy_attributes  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = [
    "Config",
    "ConfigError",
    "ConfigResolver",
    "Edit",
    "Finding",
    "Fix",
    "LintResult",
    "Location",
    "Related",
    "Severity",
    "__version__",
    "lint_buffer",
    "lint_paths",
    "lint_source",
    "lint_sources",
    "watch",
    "MisuseError",
    "TorchlintWarning",
]

# Everything is loaded on first use: the runtime watcher imports torch, and the
# library entry point the engine's layers. So `import torchlint` (which every
# `import torchlint.<module>` runs first) stays cheap, and no module of the
# package depends on the root's imports (docs/architecture.md's layers).
_LAZY = {
    "LintResult": ("torchlint.api", "LintResult"),
    "lint_buffer": ("torchlint.api", "lint_buffer"),
    "lint_paths": ("torchlint.api", "lint_paths"),
    "lint_source": ("torchlint.api", "lint_source"),
    "lint_sources": ("torchlint.api", "lint_sources"),
    "Config": ("torchlint.config", "Config"),
    "ConfigError": ("torchlint.config", "ConfigError"),
    "ConfigResolver": ("torchlint.config", "ConfigResolver"),
    "Edit": ("torchlint.findings", "Edit"),
    "Finding": ("torchlint.findings", "Finding"),
    "Fix": ("torchlint.findings", "Fix"),
    "Location": ("torchlint.findings", "Location"),
    "Related": ("torchlint.findings", "Related"),
    "Severity": ("torchlint.findings", "Severity"),
    "watch": ("torchlint.runtime.watch", "watch"),
    "Watch": ("torchlint.runtime.watch", "Watch"),
    "MisuseError": ("torchlint.runtime.errors", "MisuseError"),
    "TorchlintWarning": ("torchlint.runtime.errors", "TorchlintWarning"),
}


__getattr__ = _lazy_attributes(__name__, _LAZY)
