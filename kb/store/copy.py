"""Copying a whole store between backends (SQLite -> PostgreSQL and back): ``kb db copy``.

Tables are copied parents first (foreign keys are followed), each in primary-key order, in
chunks that are committed one by one. A copy that is killed resumes where it stopped: each table
continues after the largest key the destination already holds. The full-text index is not
copied; the destination's triggers build it from the papers. At the end the row counts of
every table and a digest of every row (values normalised so that both backends agree) must
match, or the copy is reported as failed.

The destination must be empty, or a copy of the same source that this command wrote (it notes
the source in ``store_copy``; then the copy continues). Any other store is refused with one
line, so a mistyped destination never gets rows mixed into it; ``force=True`` empties it first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import select

from kb.errors import StoreError, UsageError
from kb.store.base import Store, utc_now
from kb.store.models import StoreCopy
from kb.store.typed import execute, fetch

CHUNK = 5000
# Each backend's own machinery, never copied (the FTS index, SQLite's catalogue, the version).
_SKIP_PREFIXES = ("paper_fts", "sqlite_", "kb_schema", "store_copy")


@dataclass
class TableCopy:
    table: str
    source_rows: int
    copied: int = 0
    destination_rows: int = 0


@dataclass
class CopyReport:
    source: str
    destination: str
    tables: list[TableCopy] = field(default_factory=list)
    source_digest: str = ""
    destination_digest: str = ""

    @property
    def identical(self) -> bool:
        return self.source_digest == self.destination_digest and all(
            t.source_rows == t.destination_rows for t in self.tables)

    def as_dict(self) -> dict:
        return {"source": self.source, "destination": self.destination,
                "identical": self.identical, "digest": self.source_digest,
                "destination_digest": self.destination_digest,
                "tables": [vars(t) for t in self.tables]}


def tables_in_order(store: Store) -> list[str]:
    """kb's tables, each after the tables its foreign keys point at."""
    if store.backend == "sqlite":
        names = [r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        parents = {n: {r[2] for r in store.conn.execute(f"PRAGMA foreign_key_list({n})")}
                   for n in names}
    else:
        names = [r[0] for r in store.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        parents = {n: set() for n in names}
        for child, parent in store.conn.execute(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
                "JOIN pg_namespace ns ON ns.oid = c.connamespace "
                "WHERE c.contype = 'f' AND ns.nspname = current_schema()"):
            parents.setdefault(child.strip('"'), set()).add(parent.strip('"'))
    names = [n for n in names if not n.startswith(_SKIP_PREFIXES)]
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered
                 and all(p in ordered or p == n or p not in names for p in parents.get(n, ()))]
        if not ready:
            raise StoreError(f"cannot order the tables for copying: {sorted(set(names) - set(ordered))}")
        ordered.extend(ready)
    return ordered


def _columns(store: Store, table: str) -> tuple[list[str], list[str]]:
    """(all columns, primary-key columns in key order)."""
    info = list(store.conn.execute(f"PRAGMA table_info({table})"))
    columns = [r[1] for r in info]
    key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    return columns, key or columns


def _quote(name: str) -> str:
    return '"' + name + '"'


def _rows(store: Store, table: str, columns: list[str], key: list[str], after: tuple | None,
          limit: int):
    cols = ", ".join(map(_quote, columns))
    order = ", ".join(map(_quote, key))
    if after is None:
        return store.conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order} LIMIT ?",
                                  (limit,)).fetchall()
    marks = ", ".join("?" * len(key))
    return store.conn.execute(
        f"SELECT {cols} FROM {table} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT ?",
        (*after, limit)).fetchall()


def _last_key(store: Store, table: str, key: list[str]) -> tuple | None:
    order = ", ".join(f"{_quote(k)} DESC" for k in key)
    row = store.conn.execute(
        f"SELECT {', '.join(map(_quote, key))} FROM {table} ORDER BY {order} LIMIT 1").fetchone()
    return tuple(row) if row is not None else None


def _normalise(value) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value)


def store_digest(store: Store, tables: list[str] | None = None) -> tuple[str, dict[str, int]]:
    """A SHA-256 over every row of every table in key order, and the row count of each."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in tables or tables_in_order(store):
        columns, key = _columns(store, table)
        digest.update(f"\x01{table}:{','.join(columns)}".encode())
        after, count = None, 0
        while True:
            rows = _rows(store, table, columns, key, after, CHUNK)
            for row in rows:
                digest.update("\x02".join(_normalise(v) for v in row).encode("utf-8", "surrogatepass"))
            count += len(rows)
            if len(rows) < CHUNK:
                break
            after = tuple(rows[-1][columns.index(k)] for k in key)
        counts[table] = count
    return digest.hexdigest(), counts


def copy_store(source_target, destination_target, *,
               progress: Callable[[str, int, int], None] | None = None,
               chunk: int = CHUNK, force: bool = False) -> CopyReport:
    """Copy every row of ``source_target`` into ``destination_target`` (made if new), then
    verify counts and digests. Run it again after a kill to continue; ``force`` empties a
    destination that holds anything else first."""
    if same_store(source_target, destination_target):
        raise UsageError("the source and the destination are the same store")
    with Store(source_target, readonly=True) as source, Store(destination_target) as dest:
        report = CopyReport(source=str(source.path), destination=str(dest.path))
        tables = tables_in_order(source)
        missing = set(tables) - set(tables_in_order(dest))
        if missing:
            raise StoreError(f"the destination lacks tables {sorted(missing)}; are both stores "
                             "at the same schema version?")
        _claim_destination(dest, _identity(source_target), tables, force=force)
        for table in tables:
            columns, key = _columns(source, table)
            total = source.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            entry = TableCopy(table, total)
            report.tables.append(entry)
            after = _last_key(dest, table, key)
            insert = (f"INSERT OR IGNORE INTO {table} ({', '.join(map(_quote, columns))}) "
                      f"VALUES ({', '.join('?' * len(columns))})")
            done = dest.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            while True:
                rows = _rows(source, table, columns, key, after, chunk)
                if rows:
                    with dest.transaction() as conn:
                        conn.executemany(insert, [tuple(r) for r in rows])
                    entry.copied += len(rows)
                    done += len(rows)
                    after = tuple(rows[-1][columns.index(k)] for k in key)
                if progress:
                    progress(table, min(done, total), total)
                if len(rows) < chunk:
                    break
        if dest.backend == "postgresql":
            _advance_identities(dest, tables)
        report.source_digest, source_counts = store_digest(source, tables)
        report.destination_digest, dest_counts = store_digest(dest, tables)
        for entry in report.tables:
            entry.source_rows = source_counts[entry.table]
            entry.destination_rows = dest_counts[entry.table]
        if report.identical:
            with dest.transaction() as conn:
                execute(conn, update(StoreCopy).where(StoreCopy.finished_at.is_(None))
                        .values(finished_at=utc_now()))
    return report


def _identity(target) -> str:
    """The source as the destination remembers it: an absolute path, or the URL (no password)."""
    from pathlib import Path

    from kb.store.base import describe, is_postgres_url

    return describe(target) if is_postgres_url(target) else str(Path(target).resolve())


def same_store(a, b) -> bool:
    """Whether two targets name one store (the same file, or the same URL)."""
    from pathlib import Path

    from kb.store.base import is_postgres_url

    if is_postgres_url(a) or is_postgres_url(b):
        return str(a) == str(b)
    return Path(a).resolve() == Path(b).resolve()


def _claim_destination(dest: Store, source: str, tables: list[str], *, force: bool) -> None:
    """Make sure rows go only where they belong: an empty store, or this source's own copy."""
    copies = fetch(dest.conn, select(StoreCopy).order_by(StoreCopy.id), StoreCopy)
    holding = [t for t in tables
               if dest.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None]
    ours = bool(copies) and copies[-1].source == source
    if holding and not ours and not force:
        what = (f"a copy of {copies[-1].source}" if copies
                else f"a store ({', '.join(holding[:3])}{'...' if len(holding) > 3 else ''} hold rows)")
        raise UsageError(f"the destination {dest.path} is not empty: it holds {what}; kb db copy "
                         "writes into an empty store or continues its own copy of the same source "
                         "(--force empties the destination first)")
    with dest.transaction() as conn:
        if force and (holding or copies):
            for table in reversed(tables):
                conn.execute(f"DELETE FROM {table}")
            execute(conn, StoreCopy.__table__.delete())
            copies = []
        if not copies or copies[-1].source != source:
            execute(conn, StoreCopy.__table__.insert().values(source=source, started_at=utc_now()))


def _advance_identities(store: Store, tables: list[str]) -> None:
    """Rows copied with their ids leave PostgreSQL's identity sequences behind: move each past
    the largest id, so the next insert does not collide."""
    with store.transaction() as conn:
        for table in tables:
            if "id" not in _columns(store, table)[0]:
                continue
            sequence = conn.execute("SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()
            if sequence and sequence[0]:
                conn.execute(f"SELECT setval(?, COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)",
                             (sequence[0],))
