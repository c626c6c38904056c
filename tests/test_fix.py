"""`--fix`, `--diff`, `--unsafe-fixes`, `--fix-only`: fixes that lose nothing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from torchlint import fix as fix_module
from torchlint.cli import main
from torchlint.fix import apply_fixes, fix_paths
from torchlint.findings import Edit, Fix, Location

SAFE_BUG = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "def log_probs(logits):\n"
    "    return torch.log(F.softmax(logits, dim=-1))\n"
)
SAFE_FIXED = (
    "import torch.nn.functional as F\n"
    "\n"
    "def log_probs(logits):\n"
    "    return F.log_softmax(logits, dim=-1)\n"
)


def run(args, cwd: Path, capsys) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(list(args))
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


def test_fix_writes_and_second_pass_changes_nothing(tmp_path, capsys):
    (tmp_path / "m.py").write_text(SAFE_BUG)
    code, out, _ = run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == SAFE_FIXED
    assert code == 0 and "Fixed 1 finding, 0 remaining." in out
    code, out, _ = run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == SAFE_FIXED and "Fixed 0 findings" in out
    code, out, _ = run(["m.py"], tmp_path, capsys)
    assert code == 0 and "All checks passed!" in out


def test_crlf_bom_tabs_comments_and_multiline_calls_survive(tmp_path, capsys):
    source = (
        "# -*- coding: utf-8 -*-\r\n"
        "import torch\r\n"
        "import torch.nn.functional as F\r\n"
        "\r\n"
        "def step(model, x, y):\r\n"
        "\tprobs = F.softmax(model(x), dim=1)\r\n"
        "\tloss = F.cross_entropy(\r\n"
        "\t\tprobs,  # the input\r\n"
        "\t\ty,\r\n"
        "\t)\r\n"
        "\tlp = torch.log(F.softmax(\r\n"
        "\t\tx,  # keep me\r\n"
        "\t\tdim=1))\r\n"
        "\treturn loss, lp, 'caf\u00e9'\r\n"
    )
    expected = (
        "# -*- coding: utf-8 -*-\r\n"
        "import torch.nn.functional as F\r\n"
        "\r\n"
        "def step(model, x, y):\r\n"
        "\tprobs = model(x)\r\n"
        "\tloss = F.cross_entropy(\r\n"
        "\t\tprobs,  # the input\r\n"
        "\t\ty,\r\n"
        "\t)\r\n"
        "\tlp = F.log_softmax(\r\n"
        "\t\tx,  # keep me\r\n"
        "\t\tdim=1)\r\n"
        "\treturn loss, lp, 'caf\u00e9'\r\n"
    )
    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    code, _, _ = run(["--fix", "m.py"], tmp_path, capsys)
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode("utf-8")


def test_pep263_encoding_is_kept(tmp_path, capsys):
    source = "# -*- coding: latin-1 -*-\n" + SAFE_BUG + "NAME = 'caf\u00e9'\n"
    path = tmp_path / "m.py"
    path.write_bytes(source.encode("latin-1"))
    run(["--fix", "m.py"], tmp_path, capsys)
    assert path.read_bytes() == ("# -*- coding: latin-1 -*-\n" + SAFE_FIXED + "NAME = 'caf\u00e9'\n").encode("latin-1")


def test_comment_in_the_removed_text_means_no_fix(tmp_path, capsys):
    source = SAFE_BUG.replace("torch.log(F.softmax(logits, dim=-1))",
                              "torch.log(  # why\n        F.softmax(logits, dim=-1))")
    (tmp_path / "m.py").write_text(source)
    run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == source


def test_diff_writes_nothing_and_applies_with_patch(tmp_path, capsys):
    (tmp_path / "m.py").write_bytes(SAFE_BUG.replace("\n", "\r\n").encode() + b"x = 1")  # no final newline
    original = (tmp_path / "m.py").read_bytes()
    code, out, err = run(["--diff", "m.py"], tmp_path, capsys)
    assert code == 1 and out.startswith("--- m.py\n+++ m.py\n") and "Would fix 1 finding in 1 file." in err
    assert (tmp_path / "m.py").read_bytes() == original
    run(["--fix", "m.py"], tmp_path, capsys)
    fixed = (tmp_path / "m.py").read_bytes()
    for tool in (["patch", "-p0", "--binary", "-s"], ["git", "apply", "-p0"]):
        if shutil.which(tool[0]) is None:
            continue
        (tmp_path / "m.py").write_bytes(original)
        (tmp_path / "fix.diff").write_bytes(out.encode())
        subprocess.run([*tool, "-i", "fix.diff"] if tool[0] == "patch" else [*tool, "fix.diff"],
                       cwd=tmp_path, check=True)
        assert (tmp_path / "m.py").read_bytes() == fixed, tool
    code, out, _ = run(["--diff", "m.py"], tmp_path, capsys)
    assert code == 0 and out == ""


def test_unsafe_fixes_need_the_flag_and_are_listed(tmp_path, capsys):
    source = "import torch.nn.functional as F\n\ndef p(x):\n    return F.softmax(x)\n"
    (tmp_path / "m.py").write_text(source)
    code, out, _ = run(["--fix", "m.py"], tmp_path, capsys)
    assert code == 1 and (tmp_path / "m.py").read_text() == source
    assert "1 with unsafe fixes available via --unsafe-fixes: TL002 at m.py:4." in out
    code, out, _ = run(["--fix", "--unsafe-fixes", "m.py"], tmp_path, capsys)
    assert code == 0 and "F.softmax(x, dim=-1)" in (tmp_path / "m.py").read_text()


def test_unsafe_fix_in_another_file_removes_the_models_softmax(tmp_path, capsys):
    (tmp_path / "models.py").write_text(
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n"
        "    def forward(self, x):\n        return torch.softmax(self.fc(x), dim=1)\n")
    (tmp_path / "train.py").write_text(
        "from torch import nn\nfrom models import Net\n\nmodel = Net()\ncriterion = nn.CrossEntropyLoss()\n\n"
        "def step(x, y):\n    return criterion(model(x), y)\n")
    code, out, _ = run(["--fix", "."], tmp_path, capsys)
    assert code == 1 and "TL001 at models.py:10" in out
    code, out, _ = run(["--fix", "--unsafe-fixes", "."], tmp_path, capsys)
    models = (tmp_path / "models.py").read_text()
    assert "return self.fc(x)" in models and "import torch\n" not in models
    assert code == 0


def test_fix_only_reports_only_the_summary(tmp_path, capsys):
    (tmp_path / "m.py").write_text(SAFE_BUG + "\ndef p(x):\n    return F.softmax(x)\n")
    code, out, _ = run(["--fix-only", "m.py"], tmp_path, capsys)
    assert code == 0 and out.startswith("Fixed 1 finding, 1 remaining.")


def test_parse_error_file_is_never_touched(tmp_path, capsys):
    broken = SAFE_BUG + "def broken(:\n"
    (tmp_path / "m.py").write_text(broken)
    run(["--fix", "--unsafe-fixes", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == broken


def test_overlapping_fixes_wait_for_the_next_pass(tmp_path, capsys):
    source = "import torch\n\ndef g(z):\n    return torch.sigmoid(torch.sigmoid(torch.sigmoid(z)))\n"
    (tmp_path / "m.py").write_text(source)
    run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == "import torch\n\ndef g(z):\n    return torch.sigmoid(z)\n"


def test_apply_fixes_skips_overlaps():
    def fix(row, col, end, content):
        return Fix("safe", "", (Edit(Location(row, col), Location(row, end), content),))

    text, count = apply_fixes("abcdef\n", [fix(1, 1, 3, "X"), fix(1, 2, 4, "Y"), fix(1, 5, 6, "Z")])
    assert (text, count) == ("XcdZf\n", 2)


def test_a_fix_that_breaks_the_file_is_not_written(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_text(SAFE_BUG)
    monkeypatch.setattr(fix_module, "apply_fixes", lambda text, fixes: (text + "def (:\n", 1))
    result = fix_paths([str(tmp_path / "m.py")])
    assert result.total_fixed == 0 and (tmp_path / "m.py").read_text() == SAFE_BUG


def test_atomic_write_keeps_the_mode_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_text(SAFE_BUG)
    path.chmod(0o750)
    fix_paths([str(path)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o750 and path.read_text() == SAFE_FIXED
    assert sorted(os.listdir(tmp_path)) == ["m.py"]

    path.write_text(SAFE_BUG)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fix_module.os, "replace", failing_replace)
    result = fix_paths([str(path)])  # a failed write is reported, never half done
    assert result.not_written == {str(path): "cannot write: disk full"}
    assert path.read_text() == SAFE_BUG and sorted(os.listdir(tmp_path)) == ["m.py"]


def test_non_ascii_before_the_fix_and_parenthesised_inputs(tmp_path, capsys):
    source = ("import torch.nn.functional as F\n\ndef f(y, a, b):\n"
              "    s = 'caf\u00e9\u4e2d'; l = F.cross_entropy(F.softmax(a + b, 1), y)\n"
              "    return l, F.cross_entropy((a - b).softmax(1), y)\n")
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == (
        "import torch.nn.functional as F\n\ndef f(y, a, b):\n"
        "    s = 'caf\u00e9\u4e2d'; l = F.cross_entropy(a + b, y)\n"
        "    return l, F.cross_entropy(a - b, y)\n")


def test_json_output_after_fix_lists_what_remains(tmp_path, capsys):
    import json

    (tmp_path / "m.py").write_text(SAFE_BUG + "\ndef p(x):\n    return F.softmax(x)\n")
    code, out, _ = run(["--fix", "--output-format", "json", "m.py"], tmp_path, capsys)
    [finding] = json.loads(out)
    assert code == 1 and finding["code"] == "TL002" and finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"] == [{"location": {"row": 7, "column": 23}, "end_location": {"row": 7, "column": 23},
                                        "content": ", dim=-1"}]


def test_only_the_names_a_fix_stopped_using_leave_an_import(tmp_path, capsys):
    source = ("import os, torch\nimport torch.nn.functional as F\nimport numpy  # noqa\n\n"
              "def f(x):\n    return torch.log(F.softmax(x, dim=1)), os.sep\n")
    (tmp_path / "m.py").write_text(source)
    run(["--fix", "m.py"], tmp_path, capsys)
    assert (tmp_path / "m.py").read_text() == (
        "import os\nimport torch.nn.functional as F\nimport numpy  # noqa\n\n"
        "def f(x):\n    return F.log_softmax(x, dim=1), os.sep\n")


@pytest.mark.parametrize("name", ["py2.py", "unfinished.py", "latin1_no_cookie.py", "bad_cookie.py", "nul.py",
                                  "binary.py", "deep.py"])
def test_bad_files_are_left_byte_identical(tmp_path, capsys, name):
    from test_robustness import BAD_FILES, BUG

    data = BAD_FILES[name][0]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_bug.py").write_text(BUG)
    run(["--fix", "--unsafe-fixes", "."], tmp_path, capsys)
    assert (tmp_path / name).read_bytes() == data
    assert "F.softmax" not in (tmp_path / "zz_bug.py").read_text()


ROBUSTNESS_BUG = "import torch.nn.functional as F\n\ndef f(x, y):\n    return F.cross_entropy(F.softmax(x, dim=1), y)\n"
ODD_FILES = {
    "bom.py": b"\xef\xbb\xbf" + ROBUSTNESS_BUG.encode(),
    "crlf.py": ROBUSTNESS_BUG.replace("\n", "\r\n").encode(),
    "mixed_endings.py": ROBUSTNESS_BUG.replace("\n", "\r\n", 2).encode(),
    "tabs.py": ROBUSTNESS_BUG.replace("    ", "\t").encode(),
    "cookie_latin1.py": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + ROBUSTNESS_BUG.encode(),
    "cr_only.py": ROBUSTNESS_BUG.replace("\n", "\r").encode(),
}


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_odd_files_change_only_in_the_fixed_span(tmp_path, capsys, name):
    data = ODD_FILES[name]
    (tmp_path / name).write_bytes(data)
    run(["--fix", name], tmp_path, capsys)
    assert (tmp_path / name).read_bytes() == data.replace(b"F.softmax(x, dim=1)", b"x")


def test_notebooks_are_never_fixed(tmp_path, capsys):
    import json

    from test_adoption import NOTEBOOK

    (tmp_path / "nb.ipynb").write_text(NOTEBOOK)
    (tmp_path / "m.py").write_text(SAFE_BUG)
    code, out, _ = run(["--fix", "--unsafe-fixes", "--output-format", "json", "."], tmp_path, capsys)
    assert (tmp_path / "nb.ipynb").read_text() == NOTEBOOK
    assert (tmp_path / "m.py").read_text() == SAFE_FIXED
    [finding] = json.loads(out)
    assert finding["filename"] == "nb.ipynb" and finding["fix"] is None


def test_fixing_generated_programs_keeps_them_valid_and_is_idempotent():
    from fuzz_strategies import torch_programs
    from hypothesis import HealthCheck, assume, given, settings

    from torchlint.fix import fix_sources

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(torch_programs())
    def check(source):
        try:
            compile(source, "m.py", "exec")
        except SyntaxError:
            assume(False)  # the generator also writes programs only the parser accepts
        fixed, _ = fix_sources({"m.py": source}, unsafe=True)
        compile(fixed["m.py"], "m.py", "exec")
        again, count = fix_sources(fixed, unsafe=True)
        assert count == 0 and again == fixed

    check()


def test_activation_module_calls_are_unwrapped(tmp_path, capsys):
    source = ("import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.fc = nn.Linear(4, 3)\n"
              "        self.softmax = nn.Softmax(dim=1)\n\n"
              "    def forward(self, x):\n        return self.softmax(self.fc(x))\n\n"
              "model = Net()\ncriterion = nn.CrossEntropyLoss()\n\n"
              "def step(x, y):\n    return criterion(model(x), y), criterion(nn.Softmax(dim=1)(x), y)\n")
    (tmp_path / "m.py").write_text(source)
    code, out, _ = run(["--fix", "m.py"], tmp_path, capsys)  # the local one is safe
    assert "criterion(x, y)\n" in (tmp_path / "m.py").read_text() and code == 1
    run(["--fix", "--unsafe-fixes", "m.py"], tmp_path, capsys)
    assert "        return self.fc(x)\n" in (tmp_path / "m.py").read_text()
