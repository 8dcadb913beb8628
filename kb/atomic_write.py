"""Write a file so that readers see either the old content or the new, never half of it.

Exports are often written over a file the user already relies on (a bibliography their paper
builds from, a graph page they have open). Writing in place would leave a truncated file behind
if kb is killed or the disk fills mid-write, so every output goes to a temporary file in the
same directory (same filesystem, so the final rename is atomic), is flushed to disk, and only
then replaces the target. The temporary file is removed on any failure.

Nothing is created that the user did not name: the parent directory must already exist.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from kb.errors import UsageError


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name to write to")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: the directory {parent} does not exist")


def _target_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual umask-based mode.

    ``mkstemp`` creates files readable by the owner only, which would silently make a
    shared bibliography private after the first export."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path | str, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path written."""
    path = Path(path)
    if path.is_symlink():
        # A linked bibliography (paper/refs.bib -> ~/kb/refs.bib) is updated where it lives;
        # replacing the link with a file would silently fork it.
        path = path.resolve()
    _check_target(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    mode = _target_mode(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    _fsync_dir(path.parent)
    return path
