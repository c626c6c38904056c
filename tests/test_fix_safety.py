"""--fix under faults: every file ends fully old or fully new (issue #8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import torchlint.fix as fix
from torchlint.fix import fix_paths

TORCHLINT = str(Path(sys.executable).parent / "torchlint")
BUGGY = "import torch\nimport torch.nn.functional as F\n\n\ndef loss(z, y):\n    return F.cross_entropy(F.softmax(z, dim=1), y)\n"
FIXED = "import torch\nimport torch.nn.functional as F\n\n\ndef loss(z, y):\n    return F.cross_entropy(z, y)\n"


def test_fixed_text_is_what_the_other_tests_expect(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BUGGY)
    fix_paths([str(tmp_path / "m.py")])
    assert (tmp_path / "m.py").read_text() == FIXED


def test_read_only_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(BUGGY)
    path.chmod(0o444)
    result = subprocess.run([TORCHLINT, "--fix", "m.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert path.read_text() == BUGGY
    assert "m.py: fixes not written: read-only file" in result.stderr
    assert result.returncode == 1 and "TL001" in result.stdout  # the finding is still there
    assert "Traceback" not in result.stderr


def test_file_changed_on_disk_while_fixing_is_not_overwritten(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "m.py"
    path.write_text(BUGGY)
    edited = BUGGY + "# an edit saved by the user's editor meanwhile\n"
    real_apply = fix.apply_fixes

    def apply_while_someone_edits(text, fixes):
        path.write_text(edited)
        return real_apply(text, fixes)

    monkeypatch.setattr(fix, "apply_fixes", apply_while_someone_edits)
    result = fix_paths([str(path)])
    assert path.read_text() == edited
    assert result.not_written == {str(path): "changed on disk while torchlint was fixing it"}
    assert result.total_fixed == 0


def test_disk_full_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "m.py"
    path.write_text(BUGGY)

    def temporary_on_a_full_disk(dir=None, prefix="", suffix=""):
        # /dev/full fails every write with ENOSPC, as a full disk does.
        return os.open("/dev/full", os.O_WRONLY), os.path.join(dir, prefix + "never-created" + suffix)

    monkeypatch.setattr(tempfile, "mkstemp", temporary_on_a_full_disk)
    result = fix_paths([str(path)])
    assert path.read_text() == BUGGY
    assert result.not_written[str(path)].startswith("cannot write: No space left on device")
    assert sorted(os.listdir(tmp_path)) == ["m.py"]


def test_interrupted_fix_leaves_each_file_old_or_new(tmp_path: Path) -> None:
    names = [f"m{index:03}.py" for index in range(150)]
    for name in names:
        (tmp_path / name).write_text(BUGGY)
    first = tmp_path / names[0]
    before = first.stat().st_mtime_ns
    process = subprocess.Popen([TORCHLINT, "--fix", "."], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    # Interrupt as soon as the writing has begun: the first file has been replaced.
    deadline = time.monotonic() + 100
    while process.poll() is None and first.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.0005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    contents = [(tmp_path / name).read_text() for name in names]
    assert set(contents) <= {BUGGY, FIXED}
    assert contents[0] == FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no temporary file left behind


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_disk_full_through_the_cli_is_a_warning_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BUGGY)
    script = (
        "import os, sys, tempfile\n"
        "tempfile.mkstemp = lambda dir=None, prefix='', suffix='': "
        "(os.open('/dev/full', os.O_WRONLY), os.path.join(dir, prefix + 'x' + suffix))\n"
        "from torchlint.cli import main\n"
        "sys.exit(main(['--fix', 'm.py']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (tmp_path / "m.py").read_text() == BUGGY
    assert "m.py: fixes not written: cannot write: No space left on device" in result.stderr
    assert result.returncode == 1


# --- links (issue #15, item 1): a fix never turns a link into a copy ---------------------------------------


def _fix_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TORCHLINT, "--fix", "--unsafe-fixes", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_symlink_inside_the_linted_paths_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "real.py").write_text(BUGGY)
    (tmp_path / "link.py").symlink_to(os.path.join("lib", "real.py"))
    result = _fix_cli(tmp_path, ".")
    assert "Traceback" not in result.stderr and "not written" not in result.stderr, result.stderr
    assert (tmp_path / "link.py").is_symlink() and os.readlink(tmp_path / "link.py") == os.path.join("lib", "real.py")
    assert (tmp_path / "lib" / "real.py").read_text() == FIXED
    assert sorted(p.name for p in (tmp_path / "lib").iterdir()) == ["real.py"]  # no temporary left


def test_symlink_named_on_the_command_line_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "shared" / "real.py").write_text(BUGGY)
    (tmp_path / "proj" / "link.py").symlink_to(os.path.join("..", "shared", "real.py"))
    result = _fix_cli(tmp_path / "proj", "link.py")
    assert "not written" not in result.stderr, result.stderr
    assert (tmp_path / "proj" / "link.py").is_symlink()
    assert (tmp_path / "shared" / "real.py").read_text() == FIXED


def test_symlink_to_a_file_outside_the_linted_paths_is_refused_and_kept(tmp_path: Path) -> None:
    # The reproduction of issue #15: proj/link.py -> ../shared/real.py, `cd proj; torchlint --fix .`
    (tmp_path / "shared").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "shared" / "real.py").write_text(BUGGY)
    (tmp_path / "proj" / "link.py").symlink_to(os.path.join("..", "shared", "real.py"))
    result = _fix_cli(tmp_path / "proj", ".")
    assert (tmp_path / "proj" / "link.py").is_symlink()
    assert (tmp_path / "shared" / "real.py").read_text() == BUGGY
    assert "link.py: fixes not written: a symbolic link to " in result.stderr
    assert "outside the linted paths" in result.stderr
    assert result.returncode == 1 and "TL001" in result.stdout and "Traceback" not in result.stderr


def test_hard_linked_file_is_refused_not_split(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BUGGY)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    result = _fix_cli(tmp_path, "a.py")
    assert "a.py: fixes not written: has 2 hard links" in result.stderr
    assert (tmp_path / "a.py").read_text() == BUGGY
    assert os.stat(tmp_path / "a.py").st_ino == os.stat(tmp_path / "b.py").st_ino  # still one file
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_link_and_its_target_both_linted_are_written_once(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(BUGGY)
    (tmp_path / "link.py").symlink_to("real.py")
    result = _fix_cli(tmp_path, ".")
    assert "not written" not in result.stderr, result.stderr
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == FIXED


def test_fix_and_diff_honour_the_shard(tmp_path: Path) -> None:
    """Issue #15: every shard rewrote every file. Each shard fixes (and shows) its own slice."""
    names = [f"m{index}.py" for index in range(4)]
    for name in names:
        (tmp_path / name).write_text(BUGGY)
    diff = subprocess.run([TORCHLINT, "--diff", "--shard", "2/2", "."], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert "+++ m2.py" in diff.stdout and "+++ m3.py" in diff.stdout and "m0.py" not in diff.stdout, diff.stdout
    result = subprocess.run([TORCHLINT, "--fix", "--shard", "1/2", "."], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr
    assert [(tmp_path / name).read_text() == FIXED for name in names] == [True, True, False, False]
    assert "m2.py" not in result.stdout  # the other shard's findings are that shard's to report
