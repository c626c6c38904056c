"""Source lines the way Python counts them.

`str.splitlines()` also breaks at form feed, vertical tab, `\\x1c`-`\\x1e`, `\\x85`, U+2028 and
U+2029; Python's tokenizer (and LibCST's, whose positions findings carry) breaks only at
`\\n`, `\\r\\n` and `\\r`. Every row torchlint shows, fingerprints or maps to a notebook cell
comes from here, so rows agree with positions.
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"\r\n|\r|\n")


def python_lines(text: str) -> list[str]:
    """`text` split at Python's line breaks, without them; no last empty line after a final break."""
    lines = _BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines
