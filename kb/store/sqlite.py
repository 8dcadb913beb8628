"""The SQLite store: one file, WAL mode, opened and upgraded in place.

The writes and reads both backends share are in :mod:`kb.store.base`; this module is what is
SQLite's own: the pragmas, ``BEGIN IMMEDIATE`` transactions, ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.errors import StoreError
from kb.store.base import PAPER_COLUMNS, Store, _json, _paper_row, utc_now  # noqa: F401 (re-exported)
from kb.store.migrate import LATEST_VERSION, upgrade

def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the SQLite file with the pragmas every kb connection relies on."""
    path = Path(path)
    if path.is_dir():  # SQLite itself would only say "disk I/O error"
        raise StoreError(f"{path} is a directory; the store is a file, e.g. {path / 'kb.sqlite'}")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly and conn.execute("PRAGMA user_version").fetchone()[0] == 0 and \
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            conn.close()  # someone else's database: never add kb's tables (or WAL mode) to it
            raise StoreError(f"{path} is a SQLite database but not a kb store (it has tables kb "
                             "did not make); give kb a new file or a kb store")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"cannot switch {path} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 268435456")
    except sqlite3.DatabaseError as exc:
        raise StoreError(_describe_open_error(path, exc)) from None
    conn.row_factory = sqlite3.Row
    return conn


def _describe_open_error(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a kb store (the file is corrupt or not SQLite)"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"cannot open {path} for writing ({text}); check the path and its permissions"
    return f"cannot open store {path}: {text}"


class SqliteStore(Store):
    """A store in one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path | str, *, readonly: bool = False, upgrade_schema: bool = True):
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.exists():
            raise StoreError(f"no store at {self.path}; run `kb seed add` or `kb crawl` first")
        self.conn = connect(self.path, readonly=readonly)
        try:
            version = self.schema_version()
            self._refuse_newer(version)
            if version < LATEST_VERSION:
                if readonly or not upgrade_schema:
                    if version == 0 and readonly:
                        raise StoreError(f"{self.path} is not a kb store (it has no kb schema)")
                    if readonly:
                        self.conn.close()
                        self._upgrade_for_reading(version)
                        self.conn = connect(self.path, readonly=True)
                else:
                    upgrade(self.conn, version)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(_describe_open_error(self.path, exc)) from None
        except BaseException:
            self.conn.close()
            raise

    def _upgrade_for_reading(self, version: int) -> None:
        """A store made by an earlier kb, opened by a reading command (``kb search`` right
        after upgrading kb): upgrade it in place first, as any writing command would, so the
        user never has to know there was a schema change. Only a store kb cannot write to
        (a read-only file or directory) is refused, with what to do."""
        try:
            SqliteStore(self.path, readonly=False).close()
        except StoreError:
            raise StoreError(
                f"{self.path} needs a schema upgrade (v{version} -> v{LATEST_VERSION}) and kb "
                "cannot write to it; open it once with write access") from None

    # -- lifecycle -------------------------------------------------------------------------
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE`` takes the write lock up front, so a writer never fails half-way
        through with SQLITE_BUSY after having done work."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_write_error(self.path, exc)) from None

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise StoreError(_write_error(self.path, exc)) from None

    def _write_failure(self, exc: BaseException) -> StoreError | None:
        if isinstance(exc, sqlite3.OperationalError):
            return StoreError(_write_error(self.path, exc))
        return None

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def reader_connection(self) -> sqlite3.Connection:
        return connect(self.path, readonly=True)

    @property
    def fulltext(self):
        from kb.store.fulltext import FTS5

        return FTS5


def _write_error(path: Path, exc: sqlite3.OperationalError) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the store {path} is busy with another writer; try again in a moment"
    if "readonly" in text or "read-only" in text:
        return f"the store {path} is read-only; kb cannot write to it"
    if "full" in text:
        return f"the disk holding {path} is full; nothing of this step was stored"
    return f"cannot write to the store {path}: {text}"
