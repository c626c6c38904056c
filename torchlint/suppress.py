"""Inline suppressions on a finding's primary line, as in flake8 and ruff.

`# noqa` silences every rule on the line; `# noqa: TL001` or
`# noqa: TL001, TL002` (commas and/or spaces) silences only the codes listed.
"""

from __future__ import annotations

import re

NOQA = re.compile(
    r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)?)?",
    re.IGNORECASE,
)
CODE_SEPARATOR = re.compile(r"[\s,]+")


def is_suppressed(line: str, code: str) -> bool:
    """Whether a `# noqa` comment on `line` silences the rule `code`."""
    for match in NOQA.finditer(line):
        codes = match.group("codes")
        if match.group("colon") is None:
            return True
        # `# noqa: <not a code>` is a typo, not a blanket suppression.
        if codes and code.upper() in {listed.upper() for listed in CODE_SEPARATOR.split(codes)}:
            return True
    return False
