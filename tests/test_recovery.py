"""Files that do not parse are still analysed (issue #18, item 3): TL000 at CPython's error, the
statements CPython cannot parse set aside (`torchlint/recovery.py`), every other position exact,
no fix offered in such a file."""

from __future__ import annotations

import ast
import json
import random
import textwrap
from pathlib import Path

import pytest

from torchlint import recovery
from torchlint.api import lint_paths, lint_sources
from torchlint.config import Config, ConfigResolver
from torchlint.fix import fix_sources
from torchlint.recovery import recover

from test_cli import torchlint

PYTHON2 = """\
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F

print "starting", sys.argv
criterion = nn.CrossEntropyLoss()
DEBUG = 0777


def train(model, loader):
    for x, y in loader:
        try:
            out = model(x)
        except RuntimeError, e:
            print >>sys.stderr, "failed:", e
            print e
            continue
        exec "z = 1"
        name = `x`
        pattern = ur"\\d+"
        loss = criterion(F.softmax(out, dim=1), y)
        loss.backward()
        print "loss: %f" % loss.data[0]
"""

# The same program in Python 3: every line but the broken ones identical.
PYTHON3 = (PYTHON2.replace('print "starting", sys.argv', 'print("starting", sys.argv)')
           .replace("0777", "0o777")
           .replace("except RuntimeError, e:", "except RuntimeError as e:")
           .replace("print e", "print(e)")
           .replace('exec "z = 1"', 'exec("z = 1")')
           .replace("`x`", "repr(x)")
           .replace('ur"', 'r"')
           .replace('print "loss: %f" % loss.data[0]', 'print("loss: %f" % loss.data[0])'))


def positions(findings, code: str) -> list[tuple[int, int, int, int]]:
    return [(f.location.row, f.location.column, f.end_location.row, f.end_location.column)
            for f in findings if f.code == code]


def cpython_error(text: str) -> SyntaxError:
    with pytest.raises(SyntaxError) as caught:
        ast.parse(text)
    return caught.value


# -------------------------------------------------------------------------- the repaired text


@pytest.mark.parametrize("source", [
    PYTHON2,
    "x = 1\n    y = 2\nz = 3\n",                          # unexpected indent
    "if x:\n        a = 1\n    b = 2\nc = 3\n",           # an unindent matching no outer level
    "if x:\n\ta = 1\n        b = 2\n",                  # tabs and spaces mixed
    "def f():\n",                                       # a header typed, no body yet
    "if x:\nfoo()\n",
    "x = foo(\ny = 2\nz = 3\n",                          # a bracket never closed, mid-file
    'def f():\n    """doc\n    x = 1\n',               # a docstring never closed
    "x = 1\r\nprint x\r\ny = 2",                        # CRLF, no final line break
    "for x in y\n    pass\n",                           # a header without its colon
    "if x: print y\nelse: pass\n",
    "@decorator(\ndef f():\n    pass\n",
])
def test_the_repaired_text_parses_and_keeps_every_other_line(source: str) -> None:
    repaired = recover(source, cpython_error(source))
    assert repaired is not None
    ast.parse(repaired.text)
    before, after = source.splitlines(keepends=True), repaired.text.splitlines(keepends=True)
    assert len(before) == len(after)
    aside = {row for start, end in repaired.regions for row in range(start, end + 1)}
    for row, (old, new) in enumerate(zip(before, after), start=1):
        if row not in aside:
            # Unchanged, or a header that only gained a body after its colon (`def f(): pass`).
            assert new == old or new.replace(": pass", ":", 1) == old, (row, old, new)
        assert new[len(new.rstrip("\r\n")):] == old[len(old.rstrip("\r\n")):]  # line breaks kept


def test_python2_headers_keep_their_bodies() -> None:
    repaired = recover(PYTHON2, cpython_error(PYTHON2))
    lines = repaired.text.splitlines()
    assert lines[14] == "        except RuntimeError as e:"
    assert lines[5] == "pass" and lines[7] == "pass"
    assert repaired.regions == ((6, 6), (8, 8), (15, 15), (17, 17), (19, 21), (24, 24))
    assert (repaired.row, repaired.column) == (cpython_error(PYTHON2).lineno, cpython_error(PYTHON2).offset)


def test_random_breakage_never_moves_the_rest() -> None:
    """A broken line put anywhere in real code: the rest of the lines stay exactly as they were."""
    good = (Path(__file__).parent.parent / "torchlint" / "fix.py").read_text()
    lines = good.splitlines(keepends=True)
    rng = random.Random(18)
    breakages = ["print 'x'\n", "    `y`\n", "        z = (\n", "x = 0777\n", "\tq = 1\n", '"""\n', "def g(:\n"]
    for _ in range(25):
        at = rng.randrange(len(lines))
        broken = lines[:at] + [rng.choice(breakages)] + lines[at + 1:]
        text = "".join(broken)
        try:
            ast.parse(text)
            continue
        except SyntaxError as error:
            repaired = recover(text, error)
        assert repaired is not None
        ast.parse(repaired.text)
        after = repaired.text.splitlines(keepends=True)
        assert len(after) == len(broken)
        aside = {row - 1 for start, end in repaired.regions for row in range(start, end + 1)}
        assert all(new == old or new.replace(": pass", ":", 1) == old
                   for row, (old, new) in enumerate(zip(broken, after)) if row not in aside)


def test_beyond_the_budget_nothing_is_recovered(monkeypatch) -> None:
    text = "".join(f"x{n} = ${n}\n" for n in range(10))
    monkeypatch.setattr(recovery, "MAX_REPAIRS", 5)
    assert recover(text, cpython_error(text)) is None
    monkeypatch.setattr(recovery, "MAX_REPAIRS", 20)
    assert recover(text, cpython_error(text)) is not None


# -------------------------------------------------------------------------- findings


def test_python2_file_gives_tl000_and_the_misuse_at_its_exact_position() -> None:
    error = cpython_error(PYTHON2)
    findings = lint_sources({"train.py": PYTHON2})
    assert [f.code for f in findings] == ["TL000", "TL001"]
    tl000 = findings[0]
    assert (tl000.location.row, tl000.location.column) == (error.lineno, error.offset)
    assert tl000.message.startswith(f"syntax error: {error.msg} (")
    assert "lines set aside" in tl000.message
    # Exactly where the Python 3 version of the same file has it, with the same evidence.
    fixed = lint_sources({"train.py": PYTHON3})
    assert [f.code for f in fixed] == ["TL001"]
    assert positions(findings, "TL001") == positions(fixed, "TL001") == [(22, 26, 22, 47)]
    assert findings[1].message == fixed[0].message
    assert [(r.location, r.end_location) for r in findings[1].related] == \
        [(r.location, r.end_location) for r in fixed[0].related]


def test_no_fix_is_offered_in_a_file_that_does_not_parse() -> None:
    source = "import torch\nimport torch.nn.functional as F\nprint 'x'\n\n\ndef f(x):\n" \
             "    return torch.log(F.softmax(x, dim=1))\n"
    findings = lint_sources({"m.py": source})
    assert [f.code for f in findings] == ["TL000", "TL006"]
    assert all(f.fix is None for f in findings)
    # The same code that parses has its fix.
    assert lint_sources({"m.py": source.replace("print 'x'", "print('x')")})[0].fix is not None
    assert fix_sources({"m.py": source}) == ({"m.py": source}, 0)


def test_a_stray_indentation_error() -> None:
    source = textwrap.dedent("""\
        import torch.nn.functional as F
        x = 1
            y = 2
        loss = F.cross_entropy(F.softmax(out, dim=1), target)
    """)
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.location.row) for f in findings] == [("TL000", 3), ("TL001", 4)]
    assert findings[0].message.startswith("syntax error: unexpected indent")
    assert positions(findings, "TL001") == [(4, 24, 4, 45)]


def test_an_unfinished_statement_at_the_end_of_the_buffer() -> None:
    """What an editor sends while the user types: the complete misuse above is still found."""
    source = textwrap.dedent("""\
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.CrossEntropyLoss()
        loss = criterion(F.softmax(out, dim=1), y)
        loss = criterion(F.softmax(out, dim=1), y""")
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.location.row, f.location.column) for f in findings] == [
        ("TL001", 5, 18), ("TL000", 6, 17)]
    assert findings[1].message.startswith("syntax error: '(' was never closed")


def test_a_header_typed_without_its_body_keeps_the_code_around_it() -> None:
    source = "import torch.nn.functional as F\nloss = F.cross_entropy(F.softmax(out, dim=1), y)\n\n\ndef later():\n"
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.location.row) for f in findings] == [("TL001", 2), ("TL000", 5)]
    assert findings[1].message.endswith("(the rest analysed)")


def test_findings_whose_evidence_was_set_aside_do_not_appear() -> None:
    source = ("import torch.nn.functional as F\n"
              "loss = F.cross_entropy(F.softmax(out, dim=1), y); print loss\n")
    assert [f.code for f in lint_sources({"m.py": source})] == ["TL000"]


def test_a_misuse_inside_a_python2_except_block_is_found() -> None:
    source = textwrap.dedent("""\
        import torch.nn.functional as F
        try:
            pass
        except ValueError, error:
            print error
            loss = F.cross_entropy(F.softmax(out, dim=1), y)
    """)
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.location.row) for f in findings] == [("TL000", 4), ("TL001", 6)]


def test_a_recovered_module_gives_its_summary_to_its_importers() -> None:
    model = textwrap.dedent("""\
        import torch.nn as nn
        import torch.nn.functional as F

        print "loading"


        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)
    """)
    train = "import torch.nn as nn\nfrom model import Net\n\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n"
    findings = lint_sources({"model.py": model, "train.py": train})
    assert [(f.code, f.filename, f.location.row) for f in findings] == [
        ("TL000", "model.py", 4), ("TL001", "model.py", 13)]
    assert findings[1].fix is None
    assert findings[1].related[0].filename == "train.py"


def test_tl000_ignored_by_name_leaves_the_other_findings() -> None:
    config = Config(ignore=["TL000"])
    findings = lint_sources({"train.py": PYTHON2}, config)
    assert [f.code for f in findings] == ["TL001"]


def test_unused_suppressions_are_not_reported_in_a_file_that_does_not_parse() -> None:
    source = "x = 1  # noqa: TL001\nprint x\n"
    assert [f.code for f in lint_sources({"m.py": source}, report_unused_noqa=True)] == ["TL000"]
    assert [f.code for f in lint_sources({"m.py": "x = 1  # noqa: TL001\n"}, report_unused_noqa=True)] == ["TL100"]


def test_a_notebook_cell_in_python2(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "import torch.nn.functional as F\nprint 'hi'\n"},
        {"cell_type": "markdown", "metadata": {}, "source": "text"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "loss = F.cross_entropy(F.softmax(out, dim=1), y)\n"},
    ]
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    findings = lint_paths([str(notebook)]).findings
    assert [(f.code, f.cell, f.location.row, f.location.column) for f in findings] == [
        ("TL000", 1, 2, 1), ("TL001", 3, 1, 24)]


def test_newer_syntax_that_libcst_reads_is_not_a_parse_error() -> None:
    """CPython refusing code that LibCST reads (newer syntax than this Python's) is analysed as
    it is, without TL000, as before recovery existed."""
    source = "import torch.nn.functional as F\ntry:\n    pass\nexcept A, B:\n    pass\n" \
             "loss = F.cross_entropy(F.softmax(out, dim=1), y)\n"
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.location.row) for f in findings] == [("TL001", 6)]


def test_a_file_that_cannot_be_recovered_is_one_tl000(monkeypatch) -> None:
    monkeypatch.setattr(recovery, "MAX_REPAIRS", 3)
    source = "import torch.nn.functional as F\n" + "".join(f"x{n} = ${n}\n" for n in range(10)) + \
             "loss = F.cross_entropy(F.softmax(out, dim=1), y)\n"
    findings = lint_sources({"m.py": source})
    assert [(f.code, f.message, f.location.row) for f in findings] == [("TL000", "syntax error: invalid syntax", 2)]


# -------------------------------------------------------------------------- the command


def test_cli_reports_both_keeps_the_file_and_caches_the_result(tmp_path: Path) -> None:
    source = PYTHON2 + "\n\ndef g(x):\n    return torch.log(F.softmax(x, dim=1))\n"
    (tmp_path / "train.py").write_text(source)
    (tmp_path / "pyproject.toml").write_text("[tool.torchlint]\n")
    first = torchlint("--output-format", "json", "train.py", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert first.stderr == ""
    report = json.loads(first.stdout)
    assert [(item["code"], item["location"]["row"]) for item in report] == [
        ("TL000", cpython_error(source).lineno), ("TL001", 22), ("TL006", 28)]
    assert all(item["fix"] is None for item in report)
    assert (tmp_path / ".torchlint_cache").is_dir()
    again = torchlint("--output-format", "json", "train.py", cwd=tmp_path)
    assert again.stdout == first.stdout
    # --fix leaves a file that does not parse byte-identical.
    fixed = torchlint("--fix", "train.py", cwd=tmp_path)
    assert fixed.returncode == 1 and "Fixed 0 findings, 3 remaining." in fixed.stdout
    assert (tmp_path / "train.py").read_text() == source
    diff = torchlint("--diff", "--unsafe-fixes", "train.py", cwd=tmp_path)
    assert diff.returncode == 0 and diff.stdout == ""


def test_cli_on_an_unrecoverable_file_is_one_tl000_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("".join(f"x{n} = ${n}\n" for n in range(300)))
    result = torchlint("--no-cache", "--output-format", "json", "bad.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    assert [(item["code"], item["message"]) for item in json.loads(result.stdout)] == [
        ("TL000", "syntax error: invalid syntax")]


def test_the_cache_gives_the_same_findings_in_process(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(PYTHON2)
    resolver = ConfigResolver(isolated=True)
    cold = lint_paths([str(tmp_path)], resolver, cache_dir=str(tmp_path / "cache")).findings
    warm = lint_paths([str(tmp_path)], resolver, cache_dir=str(tmp_path / "cache")).findings
    assert [f.code for f in cold] == ["TL000", "TL001"]
    assert warm == cold
