"""Write a file so that readers see either the old content or the new, never half of it.

Exports are often written over a file the user already relies on (a bibliography their paper
builds from, a graph page they have open). Writing in place would leave a truncated file behind
if kb is killed or the disk fills mid-write, so every output goes to a temporary file in the
same directory (same filesystem, so the final rename is atomic), is flushed to disk, and only
then replaces the target. The temporary file is removed on any failure. Where Linux allows it,
the temporary file has no name at all (``O_TMPFILE``) until its content is complete, so even
``kill -9`` mid-write leaves nothing behind: the kernel frees an unnamed file when it closes.

Nothing is created that the user did not name: the parent directory must already exist.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from contextlib import contextmanager
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


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _name_unnamed(fd: int, name: Path) -> bool:
    """Give the unnamed file ``fd`` the name ``name``: through /proc, or else with
    ``linkat(AT_EMPTY_PATH)`` (which some kernels and sandboxes allow instead)."""
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return True
    except OSError:
        pass
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, at_empty_path = -100, 0x1000
        return libc.linkat(fd, b"", at_fdcwd, os.fsencode(name), at_empty_path) == 0
    except (OSError, AttributeError):
        return False


def _write_unnamed(path: Path, payload: bytes, mode: int) -> Path | None:
    """Write ``payload`` to an unnamed file beside ``path``, flush it, and only then give it a
    temporary name; returns that name, or None where the OS cannot do this (the caller then
    uses a named temporary file). Only the instant between naming and the rename can leave a
    (complete) temporary file behind."""
    tmp_flag = getattr(os, "O_TMPFILE", 0)
    if not tmp_flag:
        return None
    try:
        fd = os.open(path.parent, tmp_flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError:
        return None  # unsupported filesystem, or a permission problem mkstemp will report
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
            tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            if not _name_unnamed(handle.fileno(), tmp):
                return None  # the OS would not name it: write again the portable way
            return tmp
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def _write_named(path: Path, payload: bytes, mode: int) -> Path:
    """The portable way: a named temporary file beside ``path``, flushed to disk."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    tmp = Path(tmp_name)
    with _removed_on_failure(tmp, path):
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    return tmp


@contextmanager
def _removed_on_failure(tmp: Path, path: Path):
    """Any failure (or interrupt) inside removes the temporary file; an OS error becomes
    the one-line "cannot write" a user sees."""
    try:
        yield
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def _cannot_write(path: Path, exc: OSError) -> UsageError:
    return UsageError(f"cannot write {path}: {exc.strerror or exc}")


def _is_special(path: Path) -> bool:
    """A device, pipe or socket (``-o /dev/stdout``, ``/dev/null``, a named pipe): the user
    asked for the data to go there, not for the node to be replaced by a regular file."""
    try:
        mode = os.stat(path).st_mode  # through symlinks: /dev/stdout -> /proc/self/fd/1
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _write_in_place(path: Path, payload: bytes) -> Path:
    try:
        with open(path, "wb") as handle:
            handle.write(payload)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    return path


def atomic_write(path: Path | str, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path written."""
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    if _is_special(path):
        return _write_in_place(path, payload)
    if path.is_symlink():
        # A linked bibliography (paper/refs.bib -> ~/kb/refs.bib) is updated where it lives;
        # replacing the link with a file would silently fork it.
        path = path.resolve()
    _check_target(path)
    mode = _target_mode(path)
    tmp = _write_unnamed(path, payload, mode) or _write_named(path, payload, mode)
    with _removed_on_failure(tmp, path):
        os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path
