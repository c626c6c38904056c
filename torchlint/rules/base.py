"""What a rule is: metadata, documentation, examples, and a check over the analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable

from ..findings import Fix, Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.events import ModuleFacts
    from ..analysis.values import Site

# Invalid examples mark each line where a finding of the rule must start with
# this comment; any finding on another line fails the example.
EXPECT_MARKER = "# expect"


@dataclass(frozen=True)
class Report:
    """A rule's verdict before positions are known: the primary site and the evidence."""

    primary: "Site"
    message: str
    related: tuple[tuple["Site", str], ...] = ()
    # Edits in the primary site's file (see rules/_fixes.py); None: no fix offered.
    fix: Fix | None = None


@dataclass(frozen=True)
class FixExample:
    """Source before and after `torchlint --fix` (with `--unsafe-fixes` when `unsafe`)."""

    before: str
    after: str
    unsafe: bool = False


@dataclass(frozen=True)
class Example:
    """A code example; `files` makes it a multi-file project (path -> source)."""

    code: str = ""
    files: dict[str, str] | None = field(default=None, hash=False)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Markdown in ruff's sections: What it does / Why is this bad? / Example /
    # Use instead / References.
    docs: ClassVar[str]
    fixable: ClassVar[str | None] = None  # None, "safe", "unsafe", "sometimes"
    valid: ClassVar[tuple[str | Example, ...]] = ()
    invalid: ClassVar[tuple[str | Example, ...]] = ()
    fixes: ClassVar[tuple[FixExample, ...]] = ()

    def check(self, facts: "ModuleFacts") -> Iterable[Report]:
        raise NotImplementedError

    @classmethod
    def full_docs(cls) -> str:
        header = f"# {cls.name} ({cls.code})\n\nSeverity: {cls.severity.value}"
        header += f"\n\nFix: {cls.fixable or 'none'}\n\n"
        return header + cls.docs.strip() + "\n" + cls.fix_docs()

    @classmethod
    def fix_docs(cls) -> str:
        """A "## Fix" section from the rule's fix examples (empty without any)."""
        if not cls.fixes:
            return ""
        import textwrap

        parts = ["\n## Fix\n"]
        for example in cls.fixes:
            kind = "Unsafe (`--fix --unsafe-fixes`)" if example.unsafe else "Safe (`--fix`)"
            before = textwrap.dedent(example.before).strip()
            after = textwrap.dedent(example.after).strip()
            parts.append(f"{kind}:\n\n```python\n{before}\n```\n\nbecomes\n\n```python\n{after}\n```\n")
        return "\n".join(parts)
