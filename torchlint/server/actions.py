"""What the code actions and the hover compute, on text (no pygls here).

* `noqa_edit`: the edit that silences one rule on one line, as `suppress.py` reads it:
  `  # noqa: TL001` appended, or the code added to the line's `# noqa: ...` list;
* `fix_all`: the safe fixes of one file applied the way `torchlint check --fix` applies them
  (passes of non-overlapping fixes, unused imports removed, re-linted until nothing changes,
  never a result that does not parse), on the unsaved buffer, with the whole project around;
* `line_edits`: a changed text as edits of the lines that changed (not one edit of the whole
  document, which would move the cursor and the undo history);
* `rule_markdown` / `code_at`: a rule's summary for the hover, on a finding or on a code
  inside a suppression comment.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from typing import Callable, Iterable

from ..findings import Finding, applicable
from ..suppress import IGNORE, NOQA
from .text import line_starts, split_lines

MAX_PASSES = 10
_CODE = re.compile(r"\b[A-Z]+[0-9]+\b", re.IGNORECASE)


# --------------------------------------------------------------------------- # noqa


def noqa_edit(text: str, row: int, code: str) -> tuple[int, int, str] | None:
    """(start, end, replacement) as string indexes into `text` that add `code` to the
    suppression comment of 1-based `row`; None where a comment cannot go (the line ends inside
    a string or after a `\\` continuation) or the line already silences `code`."""
    lines = split_lines(text)
    if not 0 < row <= len(lines):
        return None
    line = lines[row - 1]
    comment = _comment_column(text, row, line)
    if comment is _NO_COMMENT_HERE:
        return None
    start_of_line = line_starts(text)[row - 1]
    if comment is not None:
        for match in NOQA.finditer(line, comment):
            if match.group("colon") is None:
                return None  # a blanket `# noqa` silences it already
            codes = match.group("codes")
            if codes is None:
                continue  # `# noqa:` with no code after it: a typo; leave it, add ours below
            listed = [part.upper() for part in re.split(r"[\s,]+", codes) if part]
            if code.upper() in listed:
                return None
            end = match.end("codes")
            return start_of_line + end, start_of_line + end, f", {code}"
        for match in IGNORE.finditer(line, comment):
            if match.group("codes") is None:
                return None  # a bare `# torchlint: ignore` silences every rule
    kept = line.rstrip(" \t")
    end = start_of_line + len(line)
    return start_of_line + len(kept), end, f"  # noqa: {code}"


_NO_COMMENT_HERE = -1


def _comment_column(text: str, row: int, line: str) -> int | None:
    """The column where `row`'s comment starts, None when it has none, `_NO_COMMENT_HERE`
    when the line ends inside a token (a multi-line string) or continues with `\\`."""
    if line.rstrip(" \t").endswith("\\"):
        return _NO_COMMENT_HERE
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        index = line.find("#")  # unfinished code (typing): a plain scan of the line
        return index if index >= 0 else None
    for token in tokens:
        if token.start[0] > row:
            break
        if token.type == tokenize.COMMENT and token.start[0] == row:
            return token.start[1]
        if token.start[0] <= row < token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
            return _NO_COMMENT_HERE  # a string (or f-string part) that goes on past this line
    return None


# --------------------------------------------------------------------------- fix all


def fix_all(path: str, text: str, lint: Callable[[str], list[Finding]]) -> tuple[str, int]:
    """`text` (the buffer of `path`) with its safe fixes applied as `--fix` applies them;
    `lint(text)` gives the file's findings with that text. Returns the text and the count."""
    from ..fix import apply_fixes, remove_unused_imports
    from ..parsing import ParseFailure, parse_source

    total = 0
    if isinstance(parse_source(path, text), ParseFailure):
        return text, 0  # never touch what does not parse
    for _ in range(MAX_PASSES):
        fixes = [finding.fix for finding in lint(text) if finding.filename == path and finding.cell is None
                 and applicable(finding.fix, False)]
        if not fixes:
            break
        after, count = apply_fixes(text, fixes)
        after = remove_unused_imports(text, after)
        if count == 0 or after == text or isinstance(parse_source(path, after), ParseFailure):
            break
        text, total = after, total + count
    return text, total


def line_edits(before: str, after: str) -> list[tuple[int, int, str]]:
    """Edits (start, end, replacement; string indexes into `before`) turning `before` into
    `after`, one per run of changed lines."""
    old = _keep_ends(before)
    new = _keep_ends(after)
    starts = [0]
    for piece in old:
        starts.append(starts[-1] + len(piece))
    edits = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append((starts[i1], starts[i2], "".join(new[j1:j2])))
    return edits


def _keep_ends(text: str) -> list[str]:
    """Lines with their breaks (`\\n`, `\\r\\n`, `\\r` only)."""
    parts = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text)
    return [part for part in parts if part]


# --------------------------------------------------------------------------- hover


def code_at(line: str, column: int) -> str | None:
    """The rule code under 0-based `column` of `line` when it is inside a suppression comment
    (`# noqa: TL001`, `# torchlint: ignore[TL001]`), else None."""
    for pattern in (NOQA, IGNORE):
        for match in pattern.finditer(line):
            for code in _CODE.finditer(line, match.start(), match.end()):
                if code.start() <= column <= code.end() and code.group(0).upper() != "NOQA":
                    return code.group(0).upper()
    return None


def _section(docs: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", docs, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def rule_markdown(code: str) -> str | None:
    """The hover text of a rule: code, name, severity, fix safety, summary, what it does, link."""
    from ..findings import DOCS_URL
    from ..rules import get_rule

    rule = get_rule(code)
    if rule is None:
        return None
    fix = {"none": "no fix", "safe": "safe fix", "unsafe": "unsafe fix (review it)",
           "sometimes": "fix safe in some cases, unsafe in others"}[rule.fixable.value]
    parts = [f"**{rule.code}** `{rule.name}` · {rule.severity.value} · {fix}", rule.summary]
    what = _section(rule.docs, "What it does")
    if what:
        parts.append(what)
    safety = _section(rule.docs, "Fix safety")
    if safety:
        parts.append("**Fix safety.** " + safety.split("\n\n")[0])
    parts.append(f"[{rule.code} documentation]({DOCS_URL.format(code=rule.code)})")
    return "\n\n".join(parts)


def findings_at(findings: Iterable[Finding], row: int, column: int) -> list[Finding]:
    """The findings whose range holds 1-based (row, column)."""
    hit = []
    for finding in findings:
        start = (finding.location.row, finding.location.column)
        end = (finding.end_location.row, max(finding.end_location.column, finding.location.column + 1)
               if finding.end_location.row == finding.location.row else finding.end_location.column)
        if start <= (row, column) <= end:
            hit.append(finding)
    return hit
