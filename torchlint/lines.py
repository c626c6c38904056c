"""Source lines the way Python counts them, and text as a terminal or a CI log may show it.

`str.splitlines()` also breaks at form feed, vertical tab, `\\x1c`-`\\x1e`, `\\x85`, U+2028 and
U+2029; Python's tokenizer (and LibCST's, whose positions findings carry) breaks only at
`\\n`, `\\r\\n` and `\\r`. Every row torchlint shows, fingerprints or maps to a notebook cell
comes from here, so rows agree with positions. So do where lines start (`line_starts`) and the
shape of a string token (`QUOTED`), for code that reads positions or strings off the text.
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"\r\n|\r|\n")
_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")

# A string token's quoted part, after its prefix (r, b, f...): triple quotes first; a backslash
# escapes the next character or line break (in raw strings too, for where the token ends); a
# one-quote string ends at its line. A pattern's source, for `re.compile` (`.encode()` for bytes).
_ESCAPE = r"\\(?:\r\n|.)"
QUOTED = "|".join([
    rf'"""(?:[^\\]|{_ESCAPE})*?"""',
    rf"'''(?:[^\\]|{_ESCAPE})*?'''",
    rf'"(?:[^"\\\r\n]|{_ESCAPE})*"',
    rf"'(?:[^'\\\r\n]|{_ESCAPE})*'",
])


def line_starts(text: str | bytes) -> list[int]:
    """Where each line of `text` starts, at Python's line breaks, in `text`'s own units
    (characters, or bytes: CPython's column offsets count UTF-8 bytes)."""
    pattern = _BREAK if isinstance(text, str) else _BREAK_BYTES
    return [0, *(match.end() for match in pattern.finditer(text))]


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
