"""The PostgreSQL store: one database (or schema) on a server that a group shares.

``PgConnection`` gives kb's code the same small connection surface the SQLite backend has
(``execute`` / ``executemany`` with ``?`` parameters, ``total_changes``, ``in_transaction``, rows
indexed by position and name), translating each statement once (:mod:`kb.store.dialect`).
Errors come back as the DB-API classes of :mod:`sqlite3` (``OperationalError``,
``IntegrityError``, ``DatabaseError``), so one ``except`` clause serves both backends.

The connection runs in autocommit mode and :meth:`PostgresStore.transaction` opens explicit
transactions, as the SQLite backend does. A read-only store reads from one REPEATABLE READ
snapshot for its whole life: a report never mixes two moments of a crawl.
"""

from __future__ import annotations

import re
import sqlite3

from kb.errors import StoreError
from kb.store import pg_batch
from kb.store.base import Store
from kb.store.dialect import PRIMARY_KEY_OF, to_postgres
from kb.store.migrate import LATEST_VERSION, migrations

_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE|WITH)\b", re.I)
_MIGRATION_LOCK = 7_240_001  # advisory lock key: one process upgrades a schema at a time
_WRITE_TURN = 7_240_004  # advisory lock key: one write transaction at a time per store


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class _RowBase(tuple):
    """A result row like ``sqlite3.Row``: by position, by column name, ``keys()``, ``dict(row)``."""

    _index: dict[str, int] = {}
    _keys: list[str] = []

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                key = self._index[key]
            except KeyError:
                raise IndexError(f"no such column: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._keys)


_row_classes: dict[tuple, type] = {}


def _row_factory(cursor):
    names = tuple(c.name for c in cursor.description or ())
    cls = _row_classes.get(names)
    if cls is None:
        cls = type("Row", (_RowBase,), {"_index": {n: i for i, n in enumerate(names)},
                                          "_keys": list(names), "__slots__": ()})
        _row_classes[names] = cls
    return cls


def _as_dbapi(exc: Exception) -> sqlite3.Error:
    import psycopg

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(exc, (psycopg.OperationalError, psycopg.ProgrammingError)):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)


def _number_loader():
    """numeric (what sum() of integers returns) as int when whole, float otherwise: SQLite's
    answers, not Decimals that JSON output cannot print."""
    from psycopg.adapt import Loader

    class NumberLoader(Loader):
        def load(self, data):
            text = bytes(data).decode()
            try:
                return int(text)
            except ValueError:
                return float(text)

    return NumberLoader


def _text_dumper():
    """Strings without NUL characters: PostgreSQL's text cannot hold U+0000 (SQLite's can), and
    a stray NUL in an API answer or a typed query must not fail the write or the search."""
    from psycopg.types.string import StrDumperUnknown

    class NulFreeStrDumper(StrDumperUnknown):
        def dump(self, obj):
            return obj.replace("\x00", "").encode(self._encoding)

    return NulFreeStrDumper


class PgConnection:
    """A psycopg connection speaking kb's SQL (see the module docstring)."""

    def __init__(self, url: str, *, application_name: str = "kb"):
        import psycopg

        try:
            self.raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                                       row_factory=_row_factory, application_name=application_name,
                                       connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the PostgreSQL store {redact(url)}: "
                             f"{' '.join(str(exc).split())}") from None
        self.raw.adapters.register_loader("numeric", _number_loader())
        self.raw.adapters.register_dumper(str, _text_dumper())
        self.total_changes = 0
        self._primary_keys: dict[str, str] = {}
        self._batch_types: dict[str, list[str]] = {}
        self._trace = None

    def set_trace_callback(self, callback) -> None:
        """As sqlite3's: ``callback(sql)`` for every statement run (in kb's spelling)."""
        self._trace = callback

    def _translate(self, sql: str) -> str:
        out = to_postgres(sql)
        if "{primary key of " in out:
            for table in re.findall(r"\{primary key of (\w+)\}", out):
                out = out.replace(PRIMARY_KEY_OF % table, self._primary_key(table))
        return out

    def _primary_key(self, table: str) -> str:
        if table not in self._primary_keys:
            rows = self.raw.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)", (table,)).fetchall()
            self._primary_keys[table] = ", ".join(f'"{r[0]}"' for r in rows)
        return self._primary_keys[table]

    def execute(self, sql: str, params=()):
        import psycopg

        if self._trace is not None:
            self._trace(sql)
        cursor = self.raw.cursor()
        try:
            cursor.execute(self._translate(sql), params if params is not None else ())
        except psycopg.Error as exc:
            raise _as_dbapi(exc) from exc
        if cursor.rowcount > 0 and _DML.match(sql):
            self.total_changes += cursor.rowcount
        return cursor

    def executemany(self, sql: str, rows):
        """As sqlite3's; a page of rows runs as one statement over a COPY (:mod:`kb.store.pg_batch`)."""
        import psycopg

        translated = self._translate(sql)
        batch = pg_batch.plan(translated)
        if batch is not None:
            rows = rows if isinstance(rows, list) else list(rows)
            if len(rows) >= pg_batch.MIN_ROWS and all(len(r) == batch.params for r in rows):
                return self._execute_batch(batch, translated, rows)
        cursor = self.raw.cursor()
        try:
            cursor.executemany(translated, rows)
        except psycopg.Error as exc:
            raise _as_dbapi(exc) from exc
        if cursor.rowcount > 0:
            self.total_changes += cursor.rowcount
        return cursor

    def _execute_batch(self, batch, translated: str, rows: list):
        import psycopg

        own = not self.in_transaction  # the batch table's rows must live until the statement
        try:
            if own:
                self.raw.execute("BEGIN")
            changed = pg_batch.run(self.raw, batch, rows, self._batch_types)
            if changed is None:  # parameters PostgreSQL cannot type: row by row after all
                cursor = self.raw.cursor()
                cursor.executemany(translated, rows)
                changed = max(cursor.rowcount, 0)
            self.total_changes += changed
            if own:
                self.raw.execute("COMMIT")
        except psycopg.Error as exc:
            if own:
                self.rollback()
            raise _as_dbapi(exc) from exc
        return self.raw.cursor()

    def executescript(self, sql: str) -> None:
        """Run several statements in PostgreSQL's own spelling (migrations)."""
        import psycopg

        try:
            self.raw.execute(sql, prepare=False)
        except psycopg.Error as exc:
            raise _as_dbapi(exc) from exc

    def rollback(self) -> None:
        """Abandon the open transaction, if any (never raises: used while handling errors)."""
        if self.in_transaction:
            try:
                self.raw.execute("ROLLBACK")
            except Exception:
                pass

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def schema_version(conn: PgConnection) -> int:
    if conn.execute("SELECT to_regclass('kb_schema')").fetchone()[0] is None:
        return 0
    row = conn.execute("SELECT version FROM kb_schema").fetchone()
    return row[0] if row else 0


def upgrade(conn: PgConnection, to_version: int = LATEST_VERSION) -> int:
    """Apply the PostgreSQL migrations the schema lacks, each in one transaction with its
    version bump; concurrent openers wait for each other on an advisory lock."""
    version = schema_version(conn)
    for number, _name, sql in migrations("postgresql"):
        if number <= version or number > to_version:
            continue
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
                         (_MIGRATION_LOCK,))
            version = schema_version(conn)
            if number > version:
                conn.executescript(sql)
                conn.executescript("CREATE TABLE IF NOT EXISTS kb_schema (version integer NOT NULL)")
                conn.execute("DELETE FROM kb_schema")
                conn.execute("INSERT INTO kb_schema (version) VALUES (?)", (number,))
                version = number
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise
    return version


class PostgresStore(Store):
    """A store in a PostgreSQL database; ``target`` is its ``postgresql://`` URL."""

    backend = "postgresql"

    def __init__(self, url: str, *, readonly: bool = False, upgrade_schema: bool = True):
        self.url = url
        self.path = redact(url)
        self.readonly = readonly
        self.conn = PgConnection(url)
        try:
            version = schema_version(self.conn)
            self._refuse_newer(version)
            if version == 0 and self._has_foreign_tables():
                raise StoreError(f"{self.path} is a PostgreSQL database but not a kb store (it "
                                 "has tables kb did not make); give kb an empty database or schema")
            if version < LATEST_VERSION and (upgrade_schema or readonly):
                try:
                    upgrade(self.conn)
                except sqlite3.Error as exc:
                    raise StoreError(f"cannot upgrade the schema of {self.path} ({exc}); open it "
                                     "once with a role that may create tables") from None
            if readonly:
                self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except BaseException:
            self.conn.close()
            raise

    def _has_foreign_tables(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
            "LIMIT 1").fetchone() is not None

    def schema_version(self) -> int:
        return schema_version(self.conn)

    def _begin(self) -> None:
        """Write transactions of one store take turns, as SQLite's ``BEGIN IMMEDIATE`` makes
        them: two crawls storing overlapping pages would otherwise lock the same rows in
        different orders and deadlock. They are short (the slow part of a crawl, the requests,
        happens outside them), and readers never wait."""
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
                          (_WRITE_TURN,))

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"cannot write to the store {self.path}: {exc}") from None

    def _rollback(self) -> None:
        self.conn.rollback()

    shared_writers = True
    _CLAIM = "hashtextextended(current_schema() || ':' || ?, 0)"

    def claim(self, key: str) -> bool:
        return self.conn.execute(f"SELECT pg_try_advisory_lock({self._CLAIM})", (key,)).fetchone()[0]

    def release(self, key: str) -> None:
        self.conn.execute(f"SELECT pg_advisory_unlock({self._CLAIM})", (key,))

    def live_run_condition(self) -> str:
        # The run's owner holds this lock for its whole life; trying it for the length of one
        # transaction succeeds only when the owner is gone (killed, crashed, disconnected).
        return ("NOT pg_try_advisory_xact_lock_shared(hashtextextended("
                "current_schema() || ':run:' || id::text, 0))")

    def hold_run(self, run_id: int) -> None:
        self.conn.execute("SELECT pg_advisory_lock(hashtextextended(current_schema() || ':run:' || ?, 0))",
                          (str(run_id),))

    def reader_connection(self) -> PgConnection:
        return PgConnection(self.url)

    @property
    def fulltext(self):
        from kb.store.fulltext import POSTGRES_TEXT_SEARCH

        return POSTGRES_TEXT_SEARCH
