"""The rule registry: one module per rule, found by its file name (`tlNNN_<name>.py`).

Adding a rule is adding its module: every `tl*.py` here is imported and its `Rule` class
registered, in code order. `CATALOG` is the catalog of all of them (`torchlint.catalog`): rule
metadata by code and the flow table, which the watcher reads too.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..catalog import Catalog
from .base import FlowRule, Rule


def _discover() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for module_info in pkgutil.iter_modules(__path__):
        if not module_info.name.startswith("tl"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        rules = [value for value in vars(module).values()
                 if isinstance(value, type) and issubclass(value, Rule) and value not in (Rule, FlowRule)
                 and value.__module__ == module.__name__]
        if len(rules) != 1:
            raise ImportError(f"{module.__name__} must define exactly one rule, not {len(rules)}")
        found.append(rules[0])
    return tuple(sorted(found, key=lambda rule: rule.code))


ALL_RULES: tuple[type[Rule], ...] = _discover()
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
CATALOG = Catalog(tuple(rule.info() for rule in ALL_RULES))

PARSE_ERROR = RULES_BY_CODE["TL000"]
UNUSED_NOQA = RULES_BY_CODE["TL100"]


def get_rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code.upper())
