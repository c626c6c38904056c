"""TL000 parse-error: a file that cannot be read or parsed."""

from __future__ import annotations

from typing import Iterable

from ..catalog import Severity
from .base import Report, Rule


class ParseError(Rule):
    code = "TL000"
    name = "parse-error"
    runtime = False
    severity = Severity.ERROR
    summary = "File cannot be read, decoded or parsed"
    docs = """
## What it does
Reports a file torchlint could not read, decode or parse, or whose analysis failed.

## Why is this bad?
A file torchlint cannot read is a file it cannot check: any misuse in it goes
unnoticed. The run goes on with the other files.

A file with a syntax error (Python 2 code, an indentation error, a statement
half typed in an editor) is still analysed: the statements CPython cannot
parse are set aside, TL000 is reported at CPython's first error with the number
of lines set aside, and the rest of the file's findings are reported at their
exact positions. No fix is offered in such a file, and `--fix` leaves it as it is.

## Example
```python
print "hello"   # Python 2 syntax
```

## Use instead
Fix the syntax error, re-encode the file as UTF-8 (or declare its encoding
with a PEP 263 coding comment), or exclude the file from linting.
"""

    def check(self, facts) -> Iterable[Report]:  # reported by the engine itself
        return ()
