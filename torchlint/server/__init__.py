"""`torchlint server`: the Language Server Protocol over stdio, for editors.

Needs the `server` extra (`pip install "torchlint[server]"`: pygls 2 and lsprotocol); pygls is
imported only inside this package, so the static linter stays small. `linter.py` (the
workspace as a project, buffers over disk, memoised rounds), `positions.py`, `documents.py`,
`text.py` and `actions.py` import no pygls; `server.py` is the protocol shell over them.
"""

from __future__ import annotations

import sys

MISSING = 'torchlint: error: `torchlint server` needs pygls 2 and lsprotocol: pip install "torchlint[server]"'


def main() -> int:
    """Run the server over stdin/stdout; 2 with a one-line message when pygls 2 is missing."""
    try:
        import lsprotocol.types  # noqa: F401
        from pygls.lsp.server import LanguageServer  # noqa: F401  (pygls 2.x)
    except ImportError:
        print(MISSING, file=sys.stderr)
        return 2
    from .server import serve

    return serve()
