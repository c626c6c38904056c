"""Inline suppressions: `# noqa` and `# noqa: TL001, TL002` on the primary line."""

from __future__ import annotations

import re

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def is_suppressed(line: str, code: str) -> bool:
    for match in NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None:
            return True
        if code in {c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c}:
            return True
    return False
