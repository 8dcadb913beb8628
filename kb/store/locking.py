"""One writer at a time per store.

SQLite serialises individual transactions, but a crawl is thousands of transactions whose
frontier bookkeeping assumes nobody else is expanding the same papers. So long-running writers
(crawl, refresh, tagging, seeding, jobs) hold an advisory ``flock`` on ``<store>.lock`` for their
whole run. The kernel releases it when the process dies, even on ``kill -9``, so a crash never
leaves a stale lock behind. Readers never take it: WAL gives them a consistent snapshot.

On PostgreSQL the lock is a session-level advisory lock on the store's schema, held by a
connection of its own, which the server releases when that connection ends for any reason
(kill, crash, lost network). The holder names itself in ``application_name``, so a refused
writer on any machine can say who holds the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from kb.errors import StoreError, StoreLockedError
from kb.store.base import is_postgres_url

WRITER_LOCK_KEY = 7_240_002  # first half of the advisory lock key; the second is the schema
FINISHING_LOCK_KEY = 7_240_003

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
                timeout: float | None = None, poll: float = 0.2, shared: bool = False) -> Iterator[None]:
    """Hold the store's writer lock, or raise :class:`StoreLockedError` naming the holder.

    With ``wait`` the call blocks until the lock is free (or ``timeout`` seconds pass).
    ``shared`` (PostgreSQL only; SQLite has one writer) lets writers that coordinate row by
    row run together, as crawls do (:mod:`kb.crawl.frontier` claims each list it fetches),
    while still keeping out the writers that need the store to themselves.
    """
    if is_postgres_url(db_path):
        with _advisory_lock(db_path, what, wait=wait, timeout=timeout, poll=poll, shared=shared):
            yield
        return
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
                    raise _refused(db_path, _holder(handle)) from None
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


def _refused(db_path, holder: str) -> StoreLockedError:
    from kb.store.postgres import redact

    shown = redact(db_path) if is_postgres_url(db_path) else db_path
    return StoreLockedError(f"the store {shown} is being written by {holder}; "
                            "wait for it to finish or pass --wait")


@contextmanager
def _advisory_lock(url: str, what: str, *, wait: bool, timeout: float | None,
                   poll: float, shared: bool = False, key: int = WRITER_LOCK_KEY) -> Iterator[None]:
    from kb.store.postgres import PgConnection

    since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    name = f"kb: `{what}` (pid {os.getpid()} on {socket.gethostname()}, since {since})"
    conn = PgConnection(url, application_name=name[:63])
    function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not conn.execute(f"SELECT {function}(?, hashtext(current_schema()))",
                               (key,)).fetchone()[0]:
            if not wait or (deadline is not None and time.monotonic() >= deadline):
                raise _refused(url, _advisory_holder(conn, key))
            time.sleep(poll)
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


def _advisory_holder(conn, key: int) -> str:
    row = conn.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? "
        "AND l.objid = hashtext(current_schema())::oid AND l.objsubid = 2 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (key,)).fetchone()
    if row is None or not row[0].startswith("kb: "):
        return "another kb process"
    return row[0][4:]


@contextmanager
def finishing_lock(db_path, what: str) -> Iterator[None]:
    """One process at a time for the whole-store steps after a crawl (ranking, tagging):
    crawls of one PostgreSQL store run together under a shared writer lock, and wait here for
    each other. A SQLite crawl already has the store to itself."""
    if not is_postgres_url(db_path):
        yield
        return
    with _advisory_lock(db_path, what, wait=True, timeout=None, poll=0.2, key=FINISHING_LOCK_KEY):
        yield


@contextmanager
def writing(db_path: Path, what: str, *, wait: bool = False,
            shared: bool = False) -> Iterator["Store"]:
    """The store opened for a long-running write, under its writer lock. Every long writer
    (crawl, refresh, build, seed add, tag auto, jobs) starts here, in the library; the command
    line never takes the lock itself. Short edits (a tag, a list entry) need no lock: each is
    one transaction, and SQLite's busy timeout lets it pass between a crawl's pages. ``shared``:
    see :func:`writer_lock`."""
    from kb.store import Store

    with writer_lock(db_path, what, wait=wait, shared=shared):
        with Store(db_path) as store:
            yield store
