"""One writer at a time per store.

SQLite serialises individual transactions, but a crawl is thousands of transactions whose
frontier bookkeeping assumes nobody else is expanding the same papers. So long-running writers
(crawl, refresh, tagging, seeding, jobs) hold an advisory ``flock`` on ``<store>.lock`` for their
whole run. The kernel releases it when the process dies, even on ``kill -9``, so a crash never
leaves a stale lock behind. Readers never take it: WAL gives them a consistent snapshot.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from kb.errors import StoreError, StoreLockedError

if TYPE_CHECKING:
    from kb.store import Store


def lock_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def _holder(handle, patience: float = 0.5) -> str:
    """Who holds the lock. A holder writes its name just after taking the lock, so a process
    refused in that instant reads an empty file: it waits a moment for the name."""
    deadline = time.monotonic() + patience
    info = None
    while True:
        try:
            handle.seek(0)
            raw = handle.read()
            info = json.loads(raw) if raw.strip() else None
        except (ValueError, OSError):
            info = None
        if isinstance(info, dict) or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    if not isinstance(info, dict):
        return "another kb process"
    what = info.get("what", "kb")
    since = info.get("since", "?")
    return f"`{what}` (pid {info.get('pid', '?')}, since {since})"


@contextmanager
def writer_lock(db_path: Path, what: str, *, wait: bool = False,
                timeout: float | None = None, poll: float = 0.2) -> Iterator[None]:
    """Hold the store's writer lock, or raise :class:`StoreLockedError` naming the holder.

    With ``wait`` the call blocks until the lock is free (or ``timeout`` seconds pass).
    """
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:
        raise StoreError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() >= deadline):
                    raise StoreLockedError(
                        f"the store {db_path} is being written by {_holder(handle)}; "
                        "wait for it to finish or pass --wait") from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            "pid": os.getpid(), "what": what,
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")}))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextmanager
def writing(db_path: Path, what: str, *, wait: bool = False) -> Iterator["Store"]:
    """The store opened for a long-running write, under its writer lock. Every long writer
    (crawl, refresh, build, seed add, tag auto, jobs) starts here, in the library; the command
    line never takes the lock itself. Short edits (a tag, a list entry) need no lock: each is
    one transaction, and SQLite's busy timeout lets it pass between a crawl's pages."""
    from kb.store import Store

    with writer_lock(db_path, what, wait=wait):
        with Store(db_path) as store:
            yield store
