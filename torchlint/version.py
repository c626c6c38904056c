"""torchlint's version number, in a module of its own that imports nothing.

The package root re-exports it; the cache keys, `--version`, the flake8 plugin and
SARIF's tool record read it from here, so none of them imports the package root.
"""

__version__ = "0.1.0"
