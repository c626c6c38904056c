"""What a rule is: metadata, documentation, examples, and a check over the analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator

from ..analysis.values import Tensor, Value
from ..catalog import ACTIVATION_CONSUMERS, LOSS_CONSUMERS, Consumer, Fixability, Flow, Kind, Reported, RuleInfo, \
    Severity, render
from ..findings import Fix

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
    """A code example; `files` makes it a multi-file project (path -> source).

    An invalid example may carry `expected_fix`: the source after `torchlint --fix` (with
    `--unsafe-fixes` when `unsafe_fix`), as Fixit's `expected_replacement`; the tests apply it.
    """

    code: str = ""
    files: dict[str, str] | None = field(default=None, hash=False)
    expected_fix: str | None = None
    unsafe_fix: bool = False


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Markdown in ruff's sections: What it does / Why is this bad? / Known problems / Example /
    # Use instead / Fix safety / References.
    docs: ClassVar[str]
    fixable: ClassVar[Fixability] = Fixability.NONE
    # The finding's text as a template: the static check and the watcher render this one
    # (`catalog.render`); flow rules have one per flow instead.
    message: ClassVar[str] = ""
    # Whether the watcher can report it too (TL000 and TL100 belong to the static run).
    runtime: ClassVar[bool] = True
    valid: ClassVar[tuple[str | Example, ...]] = ()
    invalid: ClassVar[tuple[str | Example, ...]] = ()
    fixes: ClassVar[tuple[FixExample, ...]] = ()

    def check(self, facts: "ModuleFacts") -> Iterable[Report]:
        raise NotImplementedError

    @classmethod
    def info(cls) -> RuleInfo:
        """The catalog's entry for this rule (what the watcher and the reporters read)."""
        return RuleInfo(cls.code, cls.name, cls.severity, cls.fixable, cls.summary, cls.declared_flows(), cls.message,
                        cls.runtime)

    @classmethod
    def declared_flows(cls) -> tuple[Flow, ...]:
        return ()

    @classmethod
    def full_docs(cls) -> str:
        header = f"# {cls.name} ({cls.code})\n\nSeverity: {cls.severity.value}"
        header += f"\n\nFix: {cls.fixable.value}\n\n"
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


# --------------------------------------------------------------------------- flow rules


@dataclass(frozen=True)
class Consumption:
    """One event where a value meets a consumer: a loss call, a log, an activation applied."""

    consumer: Consumer
    label: str  # how messages name the consumer: "nn.CrossEntropyLoss", "F.softmax"
    site: "Site"
    input: Value
    via: tuple["Site", ...]
    event: object  # the LossCall / LogCall / ActivationCall, for fix builders


_ACTIVATION_CONSUMERS = frozenset(ACTIVATION_CONSUMERS.values())


def consumptions(facts: "ModuleFacts", consumers: frozenset[Consumer]) -> Iterator[Consumption]:
    """The module's events whose consumer is one of `consumers`, in the order they were recorded."""
    if consumers & LOSS_CONSUMERS:
        for call in facts.loss_calls:
            if call.loss.consumer in consumers:
                yield Consumption(call.loss.consumer, call.loss.label, call.site, call.input, call.via, call)
    if Consumer.LOG in consumers:
        for log in facts.log_calls:
            yield Consumption(Consumer.LOG, log.site.label, log.site, log.input, log.via, log)
    if consumers & _ACTIVATION_CONSUMERS:
        for activation in facts.activation_calls:
            consumer = ACTIVATION_CONSUMERS.get(activation.producer.kind)
            if consumer in consumers:
                yield Consumption(consumer, activation.producer.label, activation.site, activation.input,
                                  activation.via, activation)


def origins_of(value: Value, kind: Kind) -> tuple["Site", ...]:
    """The activation sites that produced `value`, if it is certainly of `kind`."""
    if isinstance(value, Tensor) and value.kind == kind:
        return value.origins
    return ()


def route(via: tuple["Site", ...]) -> str:
    """` (through compute_loss at train.py:20)` when the value reached its consumer via helper calls."""
    if not via:
        return ""
    hops = ", ".join(f"{site.label} at {site.ref()}" for site in via)
    return f" (through {hops})"


def passed_on(via: tuple["Site", ...]) -> tuple[tuple["Site", str], ...]:
    return tuple((site, f"passed on through {site.label} here") for site in via)


def labels(origins: tuple["Site", ...]) -> str:
    return ", ".join(dict.fromkeys(origin.label for origin in origins))


class FlowRule(Rule):
    """A rule of the form "a value of kind K reaches consumer C": declared, not written.

    `flows` holds the declarations (kind, consumers, where it is reported, message template);
    `check` is the same for every flow rule; `fix` is the rule's own fix builder.
    """

    flows: ClassVar[tuple[Flow, ...]] = ()

    @classmethod
    def declared_flows(cls) -> tuple[Flow, ...]:
        return cls.flows

    def fix(self, flow: Flow, origins: tuple["Site", ...], use: Consumption) -> Fix | None:
        """The fix for one finding (`origins`: the one activation reported, or all of them when the
        finding is at the consumer). None: no fix."""
        return None

    def check(self, facts: "ModuleFacts") -> Iterable[Report]:
        for flow in self.flows:
            for use in consumptions(facts, flow.consumers):
                origins = origins_of(use.input, flow.kind)
                if origins:
                    yield from self.reports(flow, origins, use)

    def reports(self, flow: Flow, origins: tuple["Site", ...], use: Consumption) -> Iterator[Report]:
        via = use.via if flow.through_calls else ()
        shifted = flow.shifted_message is not None and isinstance(use.input, Tensor) and use.input.shifted
        template = flow.shifted_message if shifted else flow.message
        # The consumer's place and the calls on the way are the same for every origin.
        common = dict(consumer=use.label, at=use.site.ref(), route=route(via))
        through = passed_on(via)
        if flow.reported is Reported.AT_PRODUCER:
            for origin in origins:
                related = ((use.site, render(flow.evidence, producer=origin.label, **common)),) + through
                yield Report(origin, render(template, producer=origin.label, **common), related,
                             None if shifted else self.fix(flow, (origin,), use))
        else:
            related = tuple((origin, render(flow.evidence, producer=origin.label, **common))
                            for origin in origins) + through
            yield Report(use.site, render(template, producer=labels(origins), **common), related,
                         None if shifted else self.fix(flow, origins, use))
