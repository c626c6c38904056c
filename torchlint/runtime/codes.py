"""Rule names and severities for the runtime watcher.

The static registry (`torchlint.rules`) is the source of truth. The runtime never imports it
(that would pull LibCST and the static analysis into a training process), but when it is
already loaded (the CLI, `--runtime-report`) its entries win over this fallback table, which
mirrors the catalog of issue #4 so runtime findings carry the right name before that lands.
"""

from __future__ import annotations

import sys

from ..findings import Severity

FALLBACK: dict[str, tuple[str, Severity]] = {
    "TL001": ("softmax-before-cross-entropy", Severity.ERROR),
    "TL002": ("softmax-implicit-dim", Severity.WARNING),
    "TL003": ("sigmoid-multiclass", Severity.ERROR),
    "TL004": ("softmax-before-nll-loss", Severity.ERROR),
    "TL005": ("sigmoid-before-bce-with-logits", Severity.ERROR),
    "TL006": ("log-of-softmax", Severity.WARNING),
    "TL007": ("logits-into-bce", Severity.ERROR),
    "TL008": ("probabilities-into-kl-div", Severity.ERROR),
    "TL009": ("log-softmax-before-cross-entropy", Severity.INFO),
    "TL010": ("activation-on-logits", Severity.WARNING),
    "TL011": ("double-activation", Severity.ERROR),
    "TL012": ("logits-into-nll-loss", Severity.ERROR),
    "TL013": ("softmax-over-batch", Severity.WARNING),
    "TL014": ("sigmoid-then-bce", Severity.INFO),
    "TL015": ("softmax-single-output", Severity.ERROR),
    "TL016": ("log-of-sigmoid", Severity.WARNING),
}

ALL_CODES = tuple(FALLBACK)


def rule_info(code: str) -> tuple[str, Severity]:
    """(name, severity) for `code`: the static registry's when loaded, else the fallback table."""
    registry = sys.modules.get("torchlint.rules")
    if registry is not None:
        rule = getattr(registry, "RULES_BY_CODE", {}).get(code)
        if rule is not None:
            return rule.name, rule.severity
    return FALLBACK[code]
