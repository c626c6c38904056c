"""Source lines the way Python counts them, and text as a terminal or a CI log may show it.

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


def printable(text: str) -> str:
    """`text` as it may reach a terminal or a CI log: what Unicode does not call printable
    (control characters, line and paragraph separators, format characters such as the
    bidirectional overrides) written as escapes (`\\n`, `\\x1b`, `\\u2028`); tabs kept. A newline
    in a file name would otherwise start a GitHub Actions workflow command (`::warning ...`)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\t" or char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append({"\n": "\\n", "\r": "\\r"}.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"))
    return "".join(out)
