"""Files kb works out from its code or its shipped data once and keeps beside its bytecode.

A ``kb mentions`` process is short, and building the same things every run (the compiled
regular expressions, the gazetteer's index) was most of its CPU. Like Python's ``.pyc`` files,
what is kept here is a cache: written where Python writes bytecode (``kb/__pycache__/``, or under
``sys.pycache_prefix``), never written when Python writes none (``PYTHONDONTWRITEBYTECODE``),
stamped with what it was derived from and read only when the stamp and a CRC of its body match;
anything off (missing, damaged, another Python, data rebuilt since) and the caller builds the
value from its sources as before. Values are marshalled: plain data only, read in C.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def cache_path(name: str) -> Path | None:
    """``kb/__pycache__/<name>.<cache tag>.marshal`` (the tag names the Python, ``cpython-311``),
    or None where Python keeps no bytecode."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    if sys.pycache_prefix:
        base = Path(sys.pycache_prefix) / _PACKAGE.relative_to(_PACKAGE.anchor)
    else:
        base = _PACKAGE / "__pycache__"
    return base / f"{name}.{tag}.marshal"


def may_write() -> bool:
    """Whether this process writes caches: where it writes bytecode."""
    return not sys.dont_write_bytecode


def read(path: Path | None, stamp: bytes):
    """The value kept at ``path`` under ``stamp``; None when there is none or it is not sound."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(stamp) + 4
    if len(data) < head or data[:len(stamp)] != stamp:
        return None
    body = data[head:]
    if zlib.crc32(body).to_bytes(4, "little") != data[len(stamp):head]:
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def write(path: Path | None, stamp: bytes, value) -> bool:
    """Keep ``value`` at ``path`` under ``stamp``, atomically (a process reading it at the same
    time sees the old file or the new one); False when it cannot (a read-only install)."""
    if path is None:
        return False
    try:
        body = marshal.dumps(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(stamp + zlib.crc32(body).to_bytes(4, "little") + body)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except (OSError, ValueError):
        return False
    return True
