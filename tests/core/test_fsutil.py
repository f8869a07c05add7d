"""Atomic writes leave either the old or the new content, never a mix or a temp file."""

from __future__ import annotations

import os
import stat

import pytest

from exitkg.core import fsutil
from exitkg.core.errors import OutputError


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_new_and_replace(tmp_path):
    target = tmp_path / "out.ttl"
    fsutil.atomic_write_text(target, "first\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    os.chmod(target, 0o640)
    fsutil.atomic_write_bytes(target, "second \u2013\n".encode("utf-8"))
    assert target.read_text(encoding="utf-8") == "second \u2013\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failure_keeps_old_content_and_no_temp_file(tmp_path, monkeypatch, failing):
    target = tmp_path / "out.ttl"
    target.write_text("old\n", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, failing, fail)
    with pytest.raises(OutputError, match="No space left on device"):
        fsutil.atomic_write_text(target, "new\n")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]


def test_interrupt_during_write_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "out.ttl"
    target.write_text("old\n", encoding="utf-8")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fsutil.atomic_write_text(target, "new\n")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []


def test_missing_directory(tmp_path):
    with pytest.raises(OutputError, match="does not exist") as info:
        fsutil.atomic_write_text(tmp_path / "missing" / "out.ttl", "x")
    assert info.value.exit_code == 8


def test_target_is_directory(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        fsutil.atomic_write_text(tmp_path, "x")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unwritable_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "out.ttl").write_text("old\n", encoding="utf-8")
    os.chmod(locked, 0o500)
    try:
        with pytest.raises(OutputError):
            fsutil.atomic_write_text(locked / "out.ttl", "new\n")
        assert (locked / "out.ttl").read_text(encoding="utf-8") == "old\n"
    finally:
        os.chmod(locked, 0o700)


def test_new_folder_appears_whole_or_not_at_all(tmp_path):
    from exitkg.core.fsutil import new_folder

    target = tmp_path / "out" / "built"
    with pytest.raises(RuntimeError):
        with new_folder(target, "the test") as staging:
            (staging / "half.txt").write_text("half")
            raise RuntimeError("stop")
    assert not target.exists() and list((tmp_path / "out").iterdir()) == []
    with new_folder(target, "the test") as staging:
        (staging / "whole.txt").write_text("whole")
    assert (target / "whole.txt").read_text() == "whole"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["built"]
    with pytest.raises(OutputError, match="already exists"):
        with new_folder(target, "the test"):
            pass
    assert (target / "whole.txt").read_text() == "whole"


def test_sigkill_during_a_write_leaves_the_old_file_and_no_temporary(tmp_path):
    """A process killed (SIGKILL, no clean-up possible) in the middle of writing leaves the target's
    old bytes and nothing else in the folder."""
    import subprocess
    import sys

    target = tmp_path / "out.ttl"
    target.write_bytes(b"old\n")
    script = (
        "import os, signal\n"
        "from exitkg.core.fsutil import atomic_writer\n"
        f"with atomic_writer({str(target)!r}) as handle:\n"
        "    handle.write(b'new' * 100000)\n"
        "    handle.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -9
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_full_disk_keeps_the_old_file(tmp_path):
    """ENOSPC (as /dev/full gives it) while writing: OutputError, the old file, no temporary."""
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old\n")
    with pytest.raises(OutputError, match="No space left"):
        with fsutil.atomic_writer(target) as handle:
            handle.write(b"new\n")
            with open("/dev/full", "wb") as full:
                full.write(b"x")
                full.flush()
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_symlink_target_is_written_through_and_stays_a_link(tmp_path, run_cli):
    """``--out LINK`` replaces the file the link names, atomically, and keeps the link; a link
    whose file does not exist yet gets it."""
    real = tmp_path / "real" / "graph.nt"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "graph.nt"
    link.symlink_to(real)
    fsutil.atomic_write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["graph.nt"]

    code, _, err = run_cli("export", "--format", "ntriples", "--out", link)
    assert code == 0, err
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("<")

    dangling = tmp_path / "later.nt"
    dangling.symlink_to(tmp_path / "real" / "later.nt")
    fsutil.atomic_write_text(dangling, "made\n")
    assert dangling.is_symlink() and (tmp_path / "real" / "later.nt").read_text(encoding="utf-8") == "made\n"


def test_a_target_that_cannot_be_written_keeps_its_old_bytes(tmp_path, monkeypatch, capsys):
    """Scenario 37, EACCES: the permission error the system gives a non-root user on a folder it
    may not write (injected, since these tests may run as root) is exit 8 with one line, and the
    old file stays as it was."""
    import errno

    from exitkg.cli import main

    target = tmp_path / "graph.nt"
    target.write_text("old\n", encoding="utf-8")

    def refused(directory, mode):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fsutil, "_unnamed_file", refused)
    code = main(["export", "--format", "ntriples", "--out", str(target)])
    err = capsys.readouterr().err
    assert code == 8
    assert err.count("exitkg: error:") == 1 and "Permission denied" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("umask, folders, files", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
@pytest.mark.slow
def test_site_release_and_add_write_folders_and_files_with_the_umask_modes(tmp_path, umask, folders, files):
    """Folders and files written by ``site``, ``release`` and ``add`` have the modes the umask gives
    new ones (0755 and 0644 under umask 022), not those of private temporary ones (0700, 0600),
    which a web server running as another user could not read."""
    import subprocess
    import sys

    from conftest import FIXTURES, REPO_ROOT

    curation = FIXTURES / "curation"
    commands = [["site", "--out", tmp_path / "site"], ["release", "--out", tmp_path / "release"],
                ["add", curation / "template", "--source", curation / "study-text.txt", "--out", tmp_path / "add"]]
    for command in commands:
        proc = subprocess.run([sys.executable, "-m", "exitkg", *map(str, command)], cwd=REPO_ROOT, capture_output=True,
                              text=True, preexec_fn=lambda: os.umask(umask))
        assert proc.returncode == 0, proc.stderr
    modes = {}
    for path in [tmp_path / "site", tmp_path / "release", tmp_path / "add", *tmp_path.rglob("*")]:
        expected = folders if path.is_dir() else files
        modes.setdefault(oct(stat.S_IMODE(path.lstat().st_mode)) == oct(expected), []).append(str(path))
    assert list(modes) == [True], modes.get(False, [])[:5]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
