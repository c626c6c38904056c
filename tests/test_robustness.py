"""Every input gets an answer: a finding or a one-line message, never a traceback (issue #8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import torchlint

TORCHLINT = str(Path(sys.executable).parent / "torchlint")
BUG = "import torch.nn.functional as F\n\ndef f(x, y):\n    return F.cross_entropy(F.softmax(x, dim=1), y)\n"


def run(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TORCHLINT, *args, "--output-format", "json"], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs
    )


def findings_of(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    assert "Traceback" not in result.stderr, result.stderr
    return [(Path(f["filename"]).name, f["code"], f["message"]) for f in json.loads(result.stdout)]


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "py2.py": (b'print "hello"\n', "syntax error"),
    "unfinished.py": (b"def f(x:\n    return\n", "syntax error"),
    "latin1_no_cookie.py": ("x = 'caf\u00e9'\n".encode("latin-1"), "not valid UTF-8"),
    "bad_cookie.py": (b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding"),
    "nul.py": (b"x = 1\n\x00\x00\n", "NUL"),
    "binary.py": (bytes(range(256)) * 4, ""),
    "deep.py": (b"x = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n", "too deeply nested"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_tl000_and_the_run_goes_on(tmp_path: Path, name: str) -> None:
    data, words = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_bug.py").write_text(BUG)
    result = run(".", cwd=tmp_path)
    assert result.returncode == 1
    found = findings_of(result)
    assert [(file, code) for file, code, _ in found] == [(name, "TL000"), ("zz_bug.py", "TL001")]
    assert words in found[0][2]


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.py", b""),
        ("bom.py", b"\xef\xbb\xbf" + BUG.encode()),
        ("crlf.py", BUG.replace("\n", "\r\n").encode()),
        ("mixed_endings.py", BUG.replace("\n", "\r\n", 2).encode()),
        ("tabs.py", BUG.replace("    ", "\t").encode()),
        ("cookie_latin1.py", b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BUG.encode()),
    ],
)
def test_odd_but_valid_files_are_linted(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    found = findings_of(run(name, cwd=tmp_path))
    expected = [] if name == "empty.py" else [(name, "TL001")]
    assert [(file, code) for file, code, _ in found] == expected


def test_rows_are_right_after_a_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"\xef\xbb\xbf" + BUG.replace("\n", "\r\n").encode())
    (finding,) = json.loads(run("a.py", cwd=tmp_path).stdout)
    assert (finding["location"]["row"], finding["location"]["column"]) == (4, 28)


def test_symlinks_broken_and_looping(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(BUG)
    os.symlink("missing_target.py", tmp_path / "broken.py")
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    os.symlink(".", tmp_path / "self_dir")  # a directory loop: never followed
    result = run(".", cwd=tmp_path)
    found = findings_of(result)
    assert ("real.py", "TL001") in [(file, code) for file, code, _ in found]
    by_file = {file: message for file, code, message in found if code == "TL000"}
    assert set(by_file) == {"broken.py", "loop_a.py", "loop_b.py"}
    assert all("cannot read file" in message for message in by_file.values())


def test_directory_named_like_a_python_file(tmp_path: Path) -> None:
    (tmp_path / "weird.py").mkdir()
    (tmp_path / "weird.py" / "inner.py").write_text(BUG)
    assert [code for _, code, _ in findings_of(run("weird.py", cwd=tmp_path))] == ["TL001"]
    assert [code for _, code, _ in findings_of(run(".", cwd=tmp_path))] == ["TL001"]


def test_paths_given_twice_are_linted_once(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BUG)
    result = run("a.py", "./a.py", ".", str(tmp_path / "a.py"), cwd=tmp_path)
    assert [code for _, code, _ in findings_of(result)] == ["TL001"]


def test_nonexistent_path_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run("nowhere.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "nowhere.py" in result.stderr


SETPRIV = "/usr/bin/setpriv"
NO_OVERRIDE = "-dac_override,-dac_read_search"


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SETPRIV), reason="needs root and setpriv")
def test_unreadable_file_is_tl000(tmp_path: Path) -> None:
    # Root reads anything; without the DAC capabilities it obeys file modes like anyone.
    (tmp_path / "secret.py").write_text(BUG)
    (tmp_path / "secret.py").chmod(0o000)
    (tmp_path / "open.py").write_text(BUG)
    command = [SETPRIV, f"--inh-caps={NO_OVERRIDE}", f"--bounding-set={NO_OVERRIDE}", TORCHLINT, ".",
               "--output-format", "json"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    found = findings_of(result)
    assert [(file, code) for file, code, _ in found] == [("open.py", "TL001"), ("secret.py", "TL000")]
    assert "Permission denied" in found[1][2]


def test_internal_error_in_one_file_does_not_change_the_others(monkeypatch) -> None:
    import torchlint.check as check

    real = check.analyze_module

    def flaky(module, resolver=None):
        if module.path == "boom.py":
            raise KeyError("engine bug")
        return real(module, resolver)

    monkeypatch.setattr(check, "analyze_module", flaky)
    findings = torchlint.lint_sources({"a.py": BUG, "boom.py": BUG, "c.py": BUG})
    assert [(f.filename, f.code) for f in findings] == [("a.py", "TL001"), ("boom.py", "TL000"), ("c.py", "TL001")]
    assert findings[1].message.startswith("internal error: KeyError")
    assert "Traceback" in findings[1].extra["traceback"]


def test_static_mode_never_imports_or_runs_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "IMPORTED"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    (tmp_path / "evil.py").write_text(payload + "import torch.nn.functional as F\nF.softmax(1)\n")
    (tmp_path / "train.py").write_text("import evil\nfrom evil import F\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.torchlint]\n# {payload}")
    result = run(".", cwd=tmp_path)
    assert [code for _, code, _ in findings_of(result)] == ["TL002"]
    assert not marker.exists()


def test_huge_generated_file_is_reported_not_analysed(tmp_path: Path) -> None:
    # 20 MB of generated code: LibCST would need ~10 GB for it.
    chunk = "".join(f"def f_{index}(x):\n    return x * {index} + 1\n" for index in range(10_000))
    (tmp_path / "generated.py").write_text(chunk * (20_000_000 // len(chunk) + 1))
    (tmp_path / "zz_bug.py").write_text(BUG)
    found = findings_of(run(".", cwd=tmp_path))
    assert [(file, code) for file, code, _ in found] == [("generated.py", "TL000"), ("zz_bug.py", "TL001")]
    assert found[0][2].startswith("file too large to analyse (20.")


def _import_cycle(root: Path, size: int) -> None:
    """m_i imports h_{i+1} from m_{i+1}; m_{size-1} closes the cycle; m_0's h_0 is a softmax."""
    for i in range(size):
        nxt = (i + 1) % size
        body = "    return F.softmax(x, dim=1)\n" if i == 0 else "    return h(x)\n"
        head = "import torch.nn.functional as F\n" if i == 0 else ""
        (root / f"m_{i}.py").write_text(f"{head}from m_{nxt} import h_{nxt} as h\n\ndef h_{i}(x):\n{body}")
    (root / "train.py").write_text(
        "import torch.nn.functional as F\nfrom m_5 import h_5\n\ndef step(x, y):\n    return F.cross_entropy(h_5(x), y)\n")


def test_an_import_cycle_of_a_hundred_modules_is_followed_the_same_way_every_time(tmp_path: Path) -> None:
    """Issue #15: a valid 3-line file reported as `TL000 too deeply nested to parse`, a lost
    TL001, and which file changed between runs and between --jobs 1 and --jobs 2."""
    _import_cycle(tmp_path, 100)
    outputs = []
    for args in (["--no-cache", "--jobs", "1"], ["--no-cache", "--jobs", "2"], [], []):  # cold, then cached
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        outputs.append(json.loads(result.stdout))
    assert all(output == outputs[0] for output in outputs)
    assert [(f["filename"], f["location"]["row"], f["code"]) for f in outputs[0]] == [("m_0.py", 5, "TL001")]


def test_rows_follow_python_line_breaks_not_str_splitlines(tmp_path: Path) -> None:
    """Issue #15: a form feed (or \\x1c-\\x1e, \\x85, U+2028, U+2029) is no line break for Python, so
    the source line shown and the fingerprints must not shift at one."""
    for odd in ("\x0c", "\x1c", "\x85", "\u2028"):
        (tmp_path / "ff.py").write_text(f"# {odd}\nimport torch.nn.functional as F\ny = F.softmax(x)\n",
                                        encoding="utf-8")
        text = subprocess.run([TORCHLINT, "--no-cache", "ff.py"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert "3 | y = F.softmax(x)" in text.stdout, (repr(odd), text.stdout)
        gitlab = subprocess.run([TORCHLINT, "--no-cache", "--output-format", "gitlab", "ff.py"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        plain = tmp_path / "plain"
        plain.mkdir(exist_ok=True)
        (plain / "ff.py").write_text("# x\nimport torch.nn.functional as F\ny = F.softmax(x)\n")
        reference = subprocess.run([TORCHLINT, "--no-cache", "--output-format", "gitlab", "ff.py"], cwd=plain,
                                   capture_output=True, text=True, timeout=120)
        assert json.loads(gitlab.stdout)[0]["fingerprint"] == json.loads(reference.stdout)[0]["fingerprint"]


def test_a_notebook_cell_with_a_line_separator_in_a_string_parses(tmp_path: Path) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["import torch.nn.functional as F\n", "label = 'a\u2028b'\n", "p = F.softmax(x)\n"]}
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}))
    found = json.loads(run("--no-cache", "nb.ipynb", cwd=tmp_path).stdout)
    assert [(f["code"], f["cell"], f["location"]["row"]) for f in found] == [("TL002", 1, 3)]


@pytest.mark.parametrize("data, message", [
    ('{"cells": [], "metadata": "python"}', "'metadata' is not an object"),
    ("[" * 1500 + "]" * 1500, "JSON nested too deeply"),
    ('{"cells": [], "metadata": {"language_info": "python"}}', None),  # odd, but nothing to lint
])
def test_a_bad_notebook_is_tl000_for_that_file_and_the_run_goes_on(tmp_path: Path, data: str,
                                                                   message: str | None) -> None:
    (tmp_path / "bad.ipynb").write_text(data)
    (tmp_path / "ok.py").write_text(BUG)
    result = run("--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
    found = {(Path(f["filename"]).name, f["code"]) for f in json.loads(result.stdout)}
    assert ("ok.py", "TL001") in found
    if message is not None:
        (bad,) = [f for f in json.loads(result.stdout) if f["filename"] == "bad.ipynb"]
        assert bad["code"] == "TL000" and message in bad["message"]


@pytest.mark.parametrize("field, damage", [("location", []), ("cell", [1]), ("location", "12"), ("end", [1, True]),
                                           ("related", [["a.py", [1], "x", None]]), ("fix", ["safe", "m", [[1]]])])
def test_a_damaged_cache_entry_is_a_miss_never_a_crash_or_a_wrong_answer(tmp_path: Path, field: str,
                                                                         damage: object) -> None:
    (tmp_path / "m.py").write_text(BUG)
    first = run(".", cwd=tmp_path)
    (results,) = (tmp_path / ".torchlint_cache").glob("results-*.json")
    data = json.loads(results.read_text())
    (entry,) = [entry for path, entry in data["entries"].items() if path.endswith("m.py")]
    entry["findings"][0][field] = damage
    results.write_text(json.dumps(data))
    for _ in range(2):  # the damaged entry is replaced by a good one on the next run
        again = run(".", cwd=tmp_path)
        assert again.returncode == 1 and "internal error" not in again.stderr, again.stderr
        assert again.stdout == first.stdout


@pytest.mark.parametrize("setup, args, says", [
    (None, ["--write-baseline", "missing/dir/b.json"], "cannot write the baseline: No such file or directory"),
    ('{"findings": [{"fingerprint": 5}]}', ["--baseline", "b.json"], "finding 1 has no 'fingerprint' string"),
    ("[" * 5000 + "]" * 5000, ["--baseline", "b.json"], "cannot read baseline"),
    ('[["not", "a", "finding"]]', ["--runtime-report", "b.json"], "not a torchlint runtime report"),
])
def test_user_mistakes_are_one_line_and_exit_2_not_internal_errors(tmp_path: Path, setup: str | None,
                                                                   args: list[str], says: str) -> None:
    (tmp_path / "m.py").write_text(BUG)
    if setup is not None:
        (tmp_path / "b.json").write_text(setup)
    result = subprocess.run([TORCHLINT, "--no-cache", *args, "."], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert says in result.stderr and "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("where", [".", "sub"])
@pytest.mark.parametrize("toml, says", [
    (b'[tool.torchlint]\nselect = ["TL001"]\n# caf\xe9\n', "not UTF-8 text"),
    (b"tool = 1\n", "[tool] must be a table"),
])
def test_a_bad_pyproject_is_one_line_naming_it_and_exit_2(tmp_path: Path, where: str, toml: bytes, says: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(toml)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text(BUG)
    result = subprocess.run([TORCHLINT, "--no-cache", "."], cwd=tmp_path / where, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"torchlint: error: {tmp_path / 'pyproject.toml'}: ") and says in line, line


@pytest.mark.parametrize("output_format", ["text", "concise", "github"])
def test_file_names_cannot_inject_ci_workflow_commands(tmp_path: Path, output_format: str) -> None:
    """Issue #15: a file named `x\\n::warning file=README.md::injected\\n.py` put a workflow command on stdout."""
    name = "x\n::warning file=README.md::injected\n.py"
    (tmp_path / name).write_text(BUG)
    result = subprocess.run([TORCHLINT, "--no-cache", "--output-format", output_format, "."], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert not [line for line in lines if line.startswith("::warning")], result.stdout
    if output_format != "github":
        assert "x\\n::warning file=README.md::injected\\n.py" in result.stdout  # shown, escaped


def test_junit_stays_valid_xml_with_control_characters_in_a_file_name(tmp_path: Path) -> None:
    import xml.dom.minidom

    (tmp_path / "e\x1bsc.py").write_text(BUG)
    result = subprocess.run([TORCHLINT, "--no-cache", "--output-format", "junit", "."], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    xml.dom.minidom.parseString(result.stdout)  # expat refuses raw control characters
    assert "e\\x1bsc.py" in result.stdout


@pytest.mark.parametrize("entry_point", ["script", "module"])
def test_modules_in_the_linted_checkout_are_never_imported(tmp_path: Path, entry_point: str) -> None:
    """Issue #15: `python -m torchlint` put the current directory first on sys.path, so a `libcst.py` or
    `click.py` in the linted checkout ran. Both entry points must be as safe as the console script."""
    for name in ("click", "libcst", "pathspec", "json", "dataclasses", "tomllib"):
        (tmp_path / f"{name}.py").write_text(
            f"open({str(tmp_path / ('IMPORTED_' + name))!r}, 'w').write('x')\nraise SystemExit('shadowed {name}')\n")
    (tmp_path / "t.py").write_text(BUG)
    command = [TORCHLINT] if entry_point == "script" else [sys.executable, "-m", "torchlint"]
    result = subprocess.run([*command, "--no-cache", "--output-format", "json", "t.py"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert not list(tmp_path.glob("IMPORTED_*")), result.stderr
    assert result.returncode == 1 and [f["code"] for f in json.loads(result.stdout)] == ["TL001"]


def test_a_closed_stdout_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Issue #15: `torchlint a.py >&-` (even with --output-file) gave a traceback."""
    (tmp_path / "a.py").write_text(BUG)
    closed = subprocess.run([TORCHLINT, "--no-cache", "a.py"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=120,
                            preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2 and "Traceback" not in closed.stderr
    assert closed.stderr.strip() == ("torchlint: error: standard output is closed: nowhere to write the report "
                                     "(use --output-file)")
    to_file = subprocess.run([TORCHLINT, "--no-cache", "--output-file", "out.txt", "a.py"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120,
                             preexec_fn=lambda: os.close(1))
    assert to_file.returncode == 1 and "Traceback" not in to_file.stderr
    assert "TL001" in (tmp_path / "out.txt").read_text()


def test_a_reader_that_stops_early_is_no_traceback(tmp_path: Path) -> None:
    for index in range(40):
        (tmp_path / f"m{index}.py").write_text(BUG)
    pipeline = subprocess.run(f"{TORCHLINT} --no-cache . | head -n 1", shell=True, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr, pipeline.stderr


def test_the_cache_gitignore_is_never_left_empty(tmp_path: Path) -> None:
    """Issue #15: a cache directory on a full disk kept a 0-byte .gitignore for good."""
    (tmp_path / "m.py").write_text(BUG)
    script = (
        "import os, sys, tempfile\n"
        "tempfile.mkstemp = lambda prefix='', dir=None, suffix='': "
        "(os.open('/dev/full', os.O_WRONLY), os.path.join(dir, prefix + 'x' + suffix))\n"
        "from torchlint.cli import main\n"
        "sys.exit(main(['.']))\n"
    )
    if os.path.exists("/dev/full"):
        full = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
        gitignore = tmp_path / ".torchlint_cache" / ".gitignore"
        assert not gitignore.exists() or gitignore.read_text() == "# Created by torchlint automatically.\n*\n"
    # What an older torchlint left behind on a full disk: the next run mends it.
    (tmp_path / ".torchlint_cache").mkdir(exist_ok=True)
    (tmp_path / ".torchlint_cache" / ".gitignore").write_text("")
    assert run(".", cwd=tmp_path).returncode == 1
    assert (tmp_path / ".torchlint_cache" / ".gitignore").read_text() == "# Created by torchlint automatically.\n*\n"


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_parallel_run_leaves_no_workers_and_no_temporary_directory(tmp_path: Path, how: str) -> None:
    """Issue #15: SIGTERM/SIGKILL to a --jobs N run orphaned its workers, which kept stdout and
    stderr open (a caller reading to the end hung for good), and left the summaries directory."""
    import signal
    import tempfile
    import time

    project = tmp_path / "project"
    project.mkdir()
    for index in range(400):
        (project / f"m{index:03}.py").write_text(
            "import torch.nn as nn\nimport torch.nn.functional as F\n"
            + "".join(f"class Net{k}(nn.Module):\n    def forward(self, x):\n        return F.softmax(self.fc(x), dim=1)\n"
                      for k in range(30))
            + f"from m{(index + 1) % 400:03} import Net0\nF.cross_entropy(Net0()(x), y)\n")
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    env = {**os.environ, "TMPDIR": str(temp_root)}
    process = subprocess.Popen([TORCHLINT, "--no-cache", "--jobs", "2", "."], cwd=project, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2 and process.poll() is None:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the run ended before its workers could be seen"
    time.sleep(0.5)  # the workers are linting
    process.send_signal(getattr(signal, how))
    stdout, stderr = process.communicate(timeout=30)  # EOF on both pipes: nobody holds them any more
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
    assert "Traceback" not in stderr
    if how == "SIGTERM":
        assert process.returncode == 130, stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and list(temp_root.glob("torchlint-summaries-*")):
        time.sleep(0.1)
    assert not list(temp_root.glob("torchlint-summaries-*"))
    assert tempfile.gettempdir()  # (the test's own temporary directory is untouched)
