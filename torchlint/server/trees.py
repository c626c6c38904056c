"""Parsed modules kept between rounds, and the edited file parsed again only where it changed.

`TreeMemo` keeps each file's last `ParsedModule` (as a `positions.ServerModule`) by content
hash: a round after an edit reuses the trees of the modules whose definitions or positions it
needs again. A parsed module is read-only to the engine (facts about its nodes are memoised on
it, by node), so one tree serves every round that reads the same text, as it serves every
file of one run.

For the edited file itself, `splice` parses only the top-level statements the edit touched
and puts them between the old tree's statements before and after it (the same node objects):
the text before the first changed statement and after the last one is the same, character
for character, so LibCST would parse those statements the same way. It gives up (and the
whole file is parsed, as always) whenever that could be untrue: the edit touches the first
or the last statement, the module header or footer, a line whose ownership depends on its
neighbours (comment or blank lines with leading whitespace at a boundary: LibCST gives
further-indented lines after a block to the block), a `__future__` import, the parsed
piece does not end in a newline or has lines LibCST would give to a module footer.
`tests/test_server.py` checks the result against a full parse (`deep_equals`) on random
edits of every fixture.
"""

from __future__ import annotations

from typing import Any, Callable

# Below this many top-level statements a full parse is as cheap.
MIN_STATEMENTS = 4


def _common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # by halves: a string comparison runs in C
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, min(len(a), len(b), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def _flush_left(lines: Any) -> bool:
    return all(line.whitespace.value == "" for line in lines)


def splice(old: Any, text: str) -> tuple[Any, list[str | None]] | None:
    """The LibCST module of `text`, made from `old` (a `ServerModule` of the file's previous
    text) with only the changed top-level statements parsed again, and each statement's code
    where it is unchanged; None when a full parse is needed."""
    import libcst as cst

    module = old.module
    body = list(module.body)
    if getattr(old, "recovery", None) is not None or old.notebook is not None or len(body) < MIN_STATEMENTS:
        return None
    header, codes = old.statement_positions.codes()
    offsets = [len(header)]
    for code in codes:
        offsets.append(offsets[-1] + len(code))
    before = old.text
    if offsets[-1] > len(before):
        return None
    prefix = _common_prefix(before, text)
    suffix = _common_suffix(before, text, min(len(before), len(text)) - prefix)
    changed_end = len(before) - suffix  # the change is before[prefix:changed_end]
    first = 0  # the first statement the change touches
    while first < len(body) and offsets[first + 1] <= prefix:
        first += 1
    after = first  # the first statement after it, unchanged
    while after < len(body) and offsets[after] < changed_end:
        after += 1
    if first == 0 or after >= len(body) or after < first:
        return None  # the header, the first or the last statement, the footer: a full parse
    if any(before[offsets[index]:offsets[index + 1]] != codes[index] for index in (first - 1, after, len(body) - 1)):
        return None  # the text is not the module's code (a parse of an amended text)
    delta = len(text) - len(before)
    middle = text[offsets[first]:offsets[after] + delta]
    if middle and not middle.endswith(("\n", "\r")):
        return None
    if "__future__" in middle:
        return None
    try:
        piece = cst.parse_module(middle, config=module.config_for_parsing)
    except Exception:  # a syntax error, or anything the native parser raises
        return None
    if piece.footer or (middle and not piece.has_trailing_newline):
        return None
    statements = list(piece.body)
    following = body[after]
    if statements:
        lines = [*piece.header, *statements[0].leading_lines]
        if not _flush_left(lines) or not _flush_left(following.leading_lines):
            return None
        if piece.header:
            statements[0] = statements[0].with_changes(leading_lines=lines)
    elif piece.header or not _flush_left(following.leading_lines):
        return None  # only blank or comment lines changed: they belong to the next statement
    new_module = module.with_changes(body=[*body[:first], *statements, *body[after:]])
    new_codes: list[str | None] = [*codes[:first], *[None] * len(statements), *codes[after:]]
    return new_module, new_codes


class TreeMemo:
    """Parsed modules kept between rounds, by path and content hash, the most recently used
    last, up to `budget` characters of source in all."""

    def __init__(self, budget: int = 2_000_000) -> None:
        self.budget = budget
        self._entries: dict[str, tuple[str, Any]] = {}  # path -> (content hash, ServerModule)
        self.spliced = 0  # how many parses `splice` saved (for the tests and the benchmark)

    def bound(self, session: Any) -> Callable[[str], Any]:
        """The loader for `session`'s project: memoised, and spliced after an edit."""
        from ..parsing import CheckedSource, ParsedModule
        from .positions import server_module

        parse = session.project.loader
        digest = session.digest

        def load(path: str) -> Any:
            own = digest(path)
            entry = self._entries.pop(path, None)
            if entry is not None and own is not None and entry[0] == own:
                self._entries[path] = entry
                return entry[1]
            parsed = None
            if entry is not None and own is not None and path.endswith(".py"):
                checked = session.checked(path)
                if isinstance(checked, CheckedSource) and checked.cpython_error is None:
                    spliced = splice(entry[1], checked.text)
                    if spliced is not None:
                        module, codes = spliced
                        parsed = server_module(ParsedModule(path, module, checked.text), codes)
                        self.spliced += 1
            if parsed is None:
                parsed = parse(path)
                if isinstance(parsed, ParsedModule):
                    parsed = server_module(parsed)
            if own is not None and isinstance(parsed, ParsedModule):
                self._entries[path] = (own, parsed)
                self._trim()
            return parsed

        return load

    def _trim(self) -> None:
        total = sum(len(parsed.text) for _, parsed in self._entries.values())
        while total > self.budget and len(self._entries) > 1:
            oldest = next(iter(self._entries))
            total -= len(self._entries.pop(oldest)[1].text)

    def clear(self) -> None:
        self._entries.clear()
