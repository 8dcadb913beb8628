"""Both ways kb writes a file whole: an unnamed O_TMPFILE (Linux) and the portable named
temporary file. Each replaces the target, keeps its mode, and leaves nothing behind on failure."""

from __future__ import annotations

import errno
import os
import stat

import pytest

import kb.output.atomic_write as atomic
from kb.errors import UsageError


@pytest.fixture(params=["unnamed", "named"])
def way(request, monkeypatch):
    if request.param == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    elif not hasattr(os, "O_TMPFILE"):
        pytest.skip("this OS has no O_TMPFILE")
    return request.param


def test_replaces_the_target_and_keeps_its_mode(tmp_path, way):
    target = tmp_path / "refs.bib"
    target.write_text("old")
    target.chmod(0o640)
    atomic.atomic_write(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(tmp_path, way, monkeypatch):
    target = tmp_path / "refs.bib"
    target.write_text("old")

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(UsageError, match="cannot write .*No space left on device"):
        atomic.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def test_an_interrupt_mid_write_removes_the_temporary(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)  # only the named file can be left behind
    target = tmp_path / "refs.bib"
    target.write_text("old")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]
