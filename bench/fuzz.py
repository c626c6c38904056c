"""Long fuzz run: the properties of tests/test_fuzz.py for as long as you like.

    python bench/fuzz.py --minutes 10

Prints how many programs were checked, how many parsed, how many findings
they produced, and every failure (with the program) as it is found.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_strategies import python_programs, torch_programs  # noqa: E402
from hypothesis.errors import NonInteractiveExampleWarning  # noqa: E402

import torchlint  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    warnings.filterwarnings("ignore", category=NonInteractiveExampleWarning)
    rng = random.Random(options.seed)
    deadline = time.monotonic() + options.minutes * 60
    strategies = {"torch-like": torch_programs(), "any-python": python_programs()}
    programs, parsed, failures = Counter(), Counter(), 0
    codes: Counter[str] = Counter()
    while time.monotonic() < deadline:
        name = rng.choice(list(strategies))
        source = strategies[name].example()  # hypothesis' own randomness; fine for a soak run
        programs[name] += 1
        try:
            first = torchlint.lint_sources({"pkg/m.py": source, "pkg/__init__.py": "from .m import *\n"})
            again = torchlint.lint_sources({"pkg/__init__.py": "from .m import *\n", "pkg/m.py": source})
        except Exception as error:  # the property: this never happens
            failures += 1
            print(f"RAISED {type(error).__name__}: {error}\n{source}\n", flush=True)
            continue
        internal = [f for f in first if f.message.startswith("internal error")]
        if internal or [(f.filename, f.location, f.code) for f in first] != [
            (f.filename, f.location, f.code) for f in again
        ]:
            failures += 1
            print(f"FAILED ({'internal error' if internal else 'order-dependent'})\n{source}\n", flush=True)
        if not any(f.code == "TL000" for f in first):
            parsed[name] += 1
        codes.update(f.code for f in first)
    for name in strategies:
        print(f"{name}: {programs[name]} programs, {parsed[name]} parsed")
    print("findings by code:", dict(sorted(codes.items())))
    print(f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
