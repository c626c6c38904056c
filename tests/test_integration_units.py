"""Unit tests of the pieces behind the integrations: notebook lines, suppression comments,
fingerprints and per-file configuration."""

from __future__ import annotations

import json

import pytest

from torchlint import Config, lint_sources
from torchlint.notebook import NotebookError, load
from torchlint.suppress import Suppressions


@pytest.mark.parametrize(
    ("line", "python"),
    [
        ("%matplotlib inline", "pass"),
        ("!pip install torch", "pass"),
        ("    !ls -la", "    pass"),
        ("files = !ls", "pass"),
        ("a, b = %time f()", "pass"),
        ("model?", "pass"),
        ("np.sum??", "pass"),
        ("x = 1", "x = 1"),
        ("x != 1", "x != 1"),
        ("y %= 3", "y %= 3"),
        ('print("what?")', 'print("what?")'),
    ],
)
def test_ipython_syntax_becomes_pass(line: str, python: str) -> None:
    notebook = load(json.dumps({"cells": [{"cell_type": "code", "source": [line]}]}))
    assert notebook.text == python + "\n"
    assert notebook.rows == [(1, 1)]


def test_shell_command_continued_with_backslashes_is_skipped_whole() -> None:
    """Seen in fairseq's Colab notebooks: `!python x.py \\` with indented continuation lines."""
    source = "!python infer.py \\\n    --model m.pt \\\n    --lang eng\nx = 1\n"
    notebook = load(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
    assert notebook.text.splitlines() == ["pass", "", "", "x = 1"]
    assert notebook.rows == [(1, 1), (1, 2), (1, 3), (1, 4)]


@pytest.mark.parametrize(
    "source",
    [
        # rasbt/deeplearning-models: `%` formatting on the line after an open bracket
        "print ('Epoch: %03d | Cost: %.4f' \n       %(epoch+1, cost))",
        "message = 'Epoch: %03d' \\\n    % epoch",
        'text = """\n%matplotlib inline\n"""',
        "text = 'a\\\n%b'",
        "rows = [\n    # a comment with ( and '\n    1,\n]",
    ],
)
def test_percent_continuing_a_statement_is_python(source: str) -> None:
    notebook = load(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
    assert notebook.text == source + "\n"


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("x = f(1,\n      2)\n%matplotlib inline", "x = f(1,\n      2)\npass"),
        ("x = 'a'  # (\n%time f()", "x = 'a'  # (\npass"),
        ("!echo (\n%time f()", "pass\npass"),
        ("s = 'unterminated\n!ls", "s = 'unterminated\npass"),
        ("path = 'C:\\\\'\n%time f()", "path = 'C:\\\\'\npass"),
    ],
)
def test_ipython_escapes_after_a_complete_statement_become_pass(source: str, python: str) -> None:
    notebook = load(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
    assert notebook.text == python + "\n"


def test_cells_map_rows_back() -> None:
    cells = [
        {"cell_type": "code", "source": "a = 1\nb = 2\n"},
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": ["%%bash\n", "echo hi\n"]},
        {"cell_type": "code", "source": ""},
        {"cell_type": "code", "source": "c = a"},
    ]
    notebook = load(json.dumps({"cells": cells}))
    assert notebook.text.splitlines() == ["a = 1", "b = 2", "", "", "", "c = a"]
    assert [notebook.to_cell(row) for row in range(1, 7)] == [(1, 1), (1, 2), (3, 1), (3, 2), (4, 1), (5, 1)]
    assert notebook.to_row(5, 1) == 6


def test_other_language_notebook_is_empty() -> None:
    document = {"cells": [{"cell_type": "code", "source": "x <- 1"}], "metadata": {"language_info": {"name": "R"}}}
    assert load(json.dumps(document)).text == ""


@pytest.mark.parametrize("data", ["[]", "{", '{"cells": {}}', '{"cells": [1]}'])
def test_malformed_notebooks_raise(data: str) -> None:
    with pytest.raises(NotebookError):
        load(data)


def test_suppression_comments_are_tokens() -> None:
    lines = [
        "x = 1  # noqa: TL001, TL002",
        "y = '# noqa'",
        "z = 2  # torchlint: ignore[TL003]",
        "w = 3  # noqa:",
    ]
    suppressions = Suppressions(lines)
    assert suppressions.suppress(1, "TL002") and not suppressions.suppress(1, "TL003")
    assert not suppressions.suppress(2, "TL001")
    assert suppressions.suppress(3, "TL003")
    assert not suppressions.suppress(4, "TL001")  # `# noqa:` without codes is a typo, not a blanket
    [first, third, fourth] = suppressions.directives()
    assert first.unused_codes() == ["TL001"] and third.unused_codes() == [] and fourth.unused_codes() == []
    assert not suppressions.skip_file
    assert Suppressions(["# torchlint: skip-file", "x = 1"]).suppress(2, "TL001")


def test_per_file_ignores_in_the_api() -> None:
    source = "import torch.nn.functional as F\n\n\ndef f(x):\n    return F.softmax(x)\n"
    config = Config(per_file_ignores={"tests/**": ["TL002"]})
    found = lint_sources({"tests/test_a.py": source, "src/a.py": source}, config)
    assert [(finding.code, finding.filename) for finding in found] == [("TL002", "src/a.py")]
