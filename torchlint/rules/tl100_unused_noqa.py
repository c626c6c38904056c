"""TL100 unused-noqa: a suppression comment that suppresses nothing (with --report-unused-noqa)."""

from __future__ import annotations

from typing import Iterable

from ..catalog import Severity
from .base import Report, Rule


class UnusedNoqa(Rule):
    code = "TL100"
    name = "unused-noqa"
    runtime = False
    severity = Severity.WARNING
    summary = "Suppression comment that silences nothing (reported with --report-unused-noqa)"
    docs = """
## What it does
With `--report-unused-noqa`, reports a `# noqa`, `# noqa: TL...` or
`# torchlint: ignore[...]` comment that silences no torchlint finding, or the
codes in it that silence nothing.

## Why is this bad?
A stale suppression hides the next real finding on that line: once the
original problem is fixed, the comment should go too.

## Example
```python
loss = F.cross_entropy(logits, y)  # noqa: TL001
```

## Use instead
```python
loss = F.cross_entropy(logits, y)
```
"""

    def check(self, facts) -> Iterable[Report]:  # reported by the engine itself
        return ()
