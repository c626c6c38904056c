"""Effective configuration: `[tool.torchlint]` in the nearest `pyproject.toml`, then CLI flags.

Keys (ruff's spelling, kebab-case):

    select, extend-select, ignore        rule codes or prefixes ("ALL" too)
    per-file-ignores                     {glob: [codes]}, globs relative to the pyproject
    exclude, extend-exclude              gitignore-style patterns, relative to the pyproject
    force-exclude                        apply exclude to files named explicitly too
    respect-gitignore                    skip files ignored by git (default true)
    fail-on                              error | warning | info: lowest severity that exits 1
    output-format                        text | concise | json | sarif | github | gitlab | junit

Every file is checked with the configuration of the nearest `pyproject.toml`
(searched upward from it) that has a `[tool.torchlint]` table; `--config FILE`
uses one file for all, `--isolated` none.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OUTPUT_FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")
FAIL_ON = ("error", "warning", "info")
# Directories that hold build output, dependencies or tool state, never the
# user's own code (gitignore-style patterns; `.*/` is every hidden directory).
DEFAULT_EXCLUDE = (
    ".*/",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


class ConfigError(Exception):
    """A bad configuration file or value; the message names the key and the file."""


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["TL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    force_exclude: bool = False
    respect_gitignore: bool = True
    fail_on: str = "info"
    output_format: str = "text"
    # The directory patterns are relative to (the pyproject's), and the file itself.
    root: str = "."
    source: str | None = None

    def enabled(self, code: str) -> bool:
        """ruff semantics: the longest matching prefix wins; ignore wins a tie."""
        selected = [*self.select, *self.extend_select]
        best_select = max((_weight(p) for p in selected if _matches(p, code)), default=-1)
        best_ignore = max((_weight(p) for p in self.ignore if _matches(p, code)), default=-1)
        if best_select < 0:
            return False
        return best_select > best_ignore

    def enabled_for(self, code: str, path: str) -> bool:
        """`enabled`, and not silenced for `path` by `per-file-ignores`."""
        if not self.enabled(code):
            return False
        return not any(_matches(prefix, code) for prefix in self.ignored_in(path))

    def ignored_in(self, path: str) -> list[str]:
        if not self.per_file_ignores:
            return []
        import pathspec

        rel = self._relative(path)
        ignored = []
        for pattern, codes in self.per_file_ignores.items():
            spec = pathspec.GitIgnoreSpec.from_lines([pattern])
            if spec.match_file(rel) or spec.match_file(os.path.basename(path)):
                ignored += codes
        return ignored

    def excludes(self, path: str, is_dir: bool = False, absolute: str | None = None) -> bool:
        """Whether `exclude` / `extend-exclude` match `path` (relative to `root`); `absolute`:
        `path` made absolute, when the caller has it already."""
        matches = self._exclude_matcher()
        rel = self._relative(path, absolute)
        if rel.startswith("../"):
            # Outside the configuration's directory: match the name alone.
            rel = os.path.basename(path)
        return matches(rel + "/" if is_dir else rel)

    def _relative(self, path: str, absolute: str | None = None) -> str:
        """`path` relative to `root`, with `/` (cheap for paths under it: discovery asks for every file)."""
        root = self.__dict__.get("_abs_root")
        if root is None:
            root = self.__dict__["_abs_root"] = os.path.abspath(self.root)
        if absolute is None:
            absolute = os.path.abspath(path)
        prefix = root if root.endswith(os.sep) else root + os.sep
        if absolute.startswith(prefix):
            return absolute[len(prefix):].replace(os.sep, "/")
        return _relative(path, self.root)

    def _exclude_matcher(self) -> Callable[[str], bool]:
        cached = self.__dict__.get("_exclude_match")
        if cached is None:
            import pathspec

            spec = pathspec.GitIgnoreSpec.from_lines([*self.exclude, *self.extend_exclude])
            cached = spec.match_file
            patterns = [p for p in spec.patterns if p.include is not None]
            # Discovery asks about every file: without negated patterns "any
            # pattern matches" is the answer, and one regex says it ~10x faster.
            if patterns and all(p.include and getattr(p, "regex", None) is not None for p in patterns):
                combined = "|".join(f"(?:{p.regex.pattern})" for p in patterns)
                try:
                    regex = re.compile(re.sub(r"\(\?P<\w+>", "(?:", combined))
                    cached = lambda rel: regex.match(rel) is not None  # noqa: E731
                except re.error:
                    pass
            self.__dict__["_exclude_match"] = cached
        return cached


_LINTED_SUFFIXES = (".py", ".pyi", ".ipynb")


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")


def _matches(prefix: str, code: str) -> bool:
    return prefix == "ALL" or code.startswith(prefix)


def _weight(prefix: str) -> int:
    return 0 if prefix == "ALL" else len(prefix)


# -- reading pyproject.toml


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _codes(value: Any) -> list[str] | None:
    codes = _string_list(value)
    if codes is None:
        return None
    codes = [code.strip().upper() for code in codes]
    from .rules import RULES_BY_CODE

    for code in codes:
        if code != "ALL" and not any(known.startswith(code) for known in RULES_BY_CODE):
            raise ValueError(f"unknown rule code or prefix '{code}'")
    return codes


def _per_file_ignores(value: Any) -> dict[str, list[str]] | None:
    if not isinstance(value, dict):
        return None
    result = {}
    for pattern, codes in value.items():
        parsed = _codes(codes)
        if parsed is None:
            return None
        result[pattern] = parsed
    return result


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        return value if isinstance(value, str) and value in choices else None

    parse.expected = " | ".join(f'"{choice}"' for choice in choices)  # type: ignore[attr-defined]
    return parse


# key -> (field, parser, what a valid value looks like)
KEYS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    "select": ("select", _codes, "a list of rule codes"),
    "extend-select": ("extend_select", _codes, "a list of rule codes"),
    "ignore": ("ignore", _codes, "a list of rule codes"),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores, "a table of glob = [rule codes]"),
    "exclude": ("exclude", _string_list, "a list of glob patterns"),
    "extend-exclude": ("extend_exclude", _string_list, "a list of glob patterns"),
    "force-exclude": ("force_exclude", _bool, "true or false"),
    "respect-gitignore": ("respect_gitignore", _bool, "true or false"),
    "fail-on": ("fail_on", _choice(FAIL_ON), " | ".join(f'"{c}"' for c in FAIL_ON)),
    "output-format": ("output_format", _choice(OUTPUT_FORMATS), " | ".join(f'"{c}"' for c in OUTPUT_FORMATS)),
}


def read_table(path: str) -> dict[str, Any] | None:
    """The `[tool.torchlint]` table of a pyproject.toml, None when it has none."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text (byte {error.start})") from error
    except RecursionError as error:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from error
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    table = tool.get("torchlint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.torchlint] must be a table")
    return table


def load_config(path: str) -> Config:
    """The configuration in `path` (a pyproject.toml; an empty table if it has none)."""
    table = read_table(path) or {}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{path}: unknown key '{key}' in [tool.torchlint] (known keys: {known})")
        name, parse, expected = KEYS[key]
        try:
            parsed = parse(value)
        except ValueError as error:
            raise ConfigError(f"{path}: invalid value for '{key}' in [tool.torchlint]: {error}") from error
        if parsed is None:
            raise ConfigError(f"{path}: invalid value for '{key}' in [tool.torchlint]: expected {expected}, got {value!r}")
        values[name] = parsed
    return Config(root=os.path.dirname(os.path.abspath(path)), source=path, **values)


class ConfigResolver:
    """Which configuration applies to a path: the nearest file's, with CLI overrides on top.

    `overrides` maps Config field names to values given on the command line.
    """

    def __init__(
        self,
        *,
        config_file: str | None = None,
        isolated: bool = False,
        overrides: dict[str, Any] | None = None,
        base: Config | None = None,
    ) -> None:
        self.overrides = overrides or {}
        self.isolated = isolated
        self._fixed: Config | None = None
        if base is not None:
            self._fixed = base
        elif isolated:
            self._fixed = Config(root=os.getcwd())
        elif config_file is not None:
            self._fixed = load_config(config_file)
        self._by_dir: dict[str, Config] = {}
        self._by_spelling: dict[str, Config] = {}

    @classmethod
    def fixed(cls, config: Config) -> "ConfigResolver":
        return cls(base=config)

    def for_path(self, path: str) -> Config:
        if self._fixed is not None:
            return self._apply(self._fixed)
        if path.endswith(_LINTED_SUFFIXES):
            # A file to lint (asked for each one, more than once per run): its directory's
            # configuration, memoised by the directory's spelling, with no stat call.
            spelled = os.path.dirname(path)
            config = self._by_spelling.get(spelled)
            if config is None:
                config = self._by_spelling[spelled] = self._for_directory(os.path.abspath(spelled or "."))
            return self._apply(config)
        directory = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        return self._apply(self._for_directory(directory))

    def _for_directory(self, directory: str) -> Config:
        """The nearest configuration upward from `directory`, each pyproject.toml read once."""
        if directory not in self._by_dir:
            candidate = os.path.join(directory, "pyproject.toml")
            parent = os.path.dirname(directory)
            if os.path.isfile(candidate) and read_table(candidate) is not None:
                config = load_config(candidate)
            elif parent == directory:
                config = Config(root=os.getcwd())
            else:
                config = self._for_directory(parent)
            self._by_dir[directory] = config
        return self._by_dir[directory]

    def _apply(self, config: Config) -> Config:
        if not self.overrides:
            return config
        key = id(config)
        cache = self.__dict__.setdefault("_applied", {})
        if key not in cache:
            cache[key] = (config, _override(config, self.overrides))
        return cache[key][1]


def _override(config: Config, overrides: dict[str, Any]) -> Config:
    known = {item.name for item in fields(Config)}
    values = {}
    for name, value in overrides.items():
        if name not in known:
            raise KeyError(name)
        # Like ruff: --select replaces, --ignore and the extend- options add.
        if name in ("ignore", "extend_select", "extend_exclude"):
            value = [*getattr(config, name), *value]
        values[name] = value
    return replace(config, **values)
