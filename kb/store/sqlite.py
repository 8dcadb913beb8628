"""The SQLite store: opening, upgrading, and set-based idempotent writes.

Writes go through one ``sqlite3`` connection with prepared statements executed over whole
pages of records (``executemany``), never one ORM object at a time: a crawl stores thousands of
papers per page and must not pay per-object overhead. Every upsert merges rather than
overwrites (an answer that did not mention a field keeps what the store knew) and changes
nothing when the incoming values equal the stored ones, so storing a page twice is a no-op.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from kb.errors import StoreError
from kb.store.migrate import LATEST_VERSION, upgrade
from kb.store.records import EMBEDDING_MODEL, EdgeRecord, PaperRecord

# Columns an API answer can fill, in the order used by the upsert statement.
PAPER_COLUMNS = (
    "corpus_id", "doi", "arxiv_id", "external_ids", "title", "abstract", "tldr", "year",
    "publication_date", "venue", "authors", "citation_count", "reference_count",
    "influential_citation_count", "open_access_pdf", "bibtex", "fields_of_study",
    "publication_types", "url",
)


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _paper_row(paper: PaperRecord) -> tuple:
    authors = None
    if paper.authors is not None:
        authors = _json([{"authorId": a.author_id, "name": a.name} for a in paper.authors])
    return (
        paper.paper_id, paper.corpus_id, paper.doi, paper.arxiv_id, _json(paper.external_ids),
        paper.title, paper.abstract, paper.tldr, paper.year, paper.publication_date,
        paper.venue, authors, paper.citation_count, paper.reference_count,
        paper.influential_citation_count, paper.open_access_pdf, paper.bibtex,
        _json(paper.fields_of_study), _json(paper.publication_types), paper.url,
        paper.detail_level,
    )


def _build_paper_upsert() -> str:
    columns = ("paper_id",) + PAPER_COLUMNS + ("detail_level",)
    merged = {c: f"COALESCE(excluded.{c}, paper.{c})" for c in PAPER_COLUMNS}
    merged["detail_level"] = "MAX(excluded.detail_level, paper.detail_level)"
    assignments = ",\n    ".join(f"{c} = {expr}" for c, expr in merged.items())
    changed = "\n    OR ".join(f"{expr} IS NOT paper.{c}" for c, expr in merged.items())
    placeholders = ", ".join("?" for _ in columns)
    return (
        f"INSERT INTO paper ({', '.join(columns)}, fetched_at, added_by_run)\n"
        f"VALUES ({placeholders}, ?, ?)\n"
        f"ON CONFLICT(paper_id) DO UPDATE SET\n    {assignments},\n"
        f"    fetched_at = excluded.fetched_at\n"
        f"WHERE {changed}"
    )


PAPER_UPSERT = _build_paper_upsert()
EMBEDDING_UPSERT = (
    "INSERT INTO paper_embedding (paper, model, vector) SELECT id, ?, ? FROM paper WHERE paper_id = ? "
    "ON CONFLICT(paper) DO UPDATE SET model = excluded.model, vector = excluded.vector")

EDGE_UPSERT = """
INSERT INTO citation (citing, cited, is_influential, intents, contexts)
VALUES ((SELECT id FROM paper WHERE paper_id = ?), (SELECT id FROM paper WHERE paper_id = ?), ?, ?, ?)
ON CONFLICT(citing, cited) DO UPDATE SET
    is_influential = COALESCE(excluded.is_influential, citation.is_influential),
    intents = COALESCE(excluded.intents, citation.intents),
    contexts = COALESCE(excluded.contexts, citation.contexts)
WHERE COALESCE(excluded.is_influential, citation.is_influential) IS NOT citation.is_influential
   OR COALESCE(excluded.intents, citation.intents) IS NOT citation.intents
   OR COALESCE(excluded.contexts, citation.contexts) IS NOT citation.contexts
"""

AUTHOR_UPSERT = """
INSERT INTO author (author_id, name) VALUES (?, ?)
ON CONFLICT(author_id) DO UPDATE SET name = excluded.name
WHERE excluded.name IS NOT NULL AND excluded.name IS NOT author.name
"""

PAPER_AUTHOR_UPSERT = """
INSERT INTO paper_author (paper, position, author, name)
VALUES ((SELECT id FROM paper WHERE paper_id = ?), ?, (SELECT id FROM author WHERE author_id = ?), ?)
ON CONFLICT(paper, position) DO UPDATE SET author = excluded.author, name = excluded.name
WHERE excluded.author IS NOT paper_author.author OR excluded.name IS NOT paper_author.name
"""

PAPER_AUTHOR_TRIM = """
DELETE FROM paper_author
WHERE paper = (SELECT id FROM paper WHERE paper_id = ?) AND position >= ?
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the SQLite file with the pragmas every kb connection relies on."""
    path = Path(path)
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


class Store:
    """One open store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, readonly: bool = False, upgrade_schema: bool = True):
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.exists():
            raise StoreError(f"no store at {self.path}; run `kb seed add` or `kb crawl` first")
        self.conn = connect(self.path, readonly=readonly)
        try:
            version = self.schema_version()
            if version > LATEST_VERSION:
                raise StoreError(
                    f"{self.path} was made by a newer kb (schema v{version}; this kb knows up "
                    f"to v{LATEST_VERSION}); upgrade kb to open it")
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
            Store(self.path, readonly=False).close()
        except StoreError:
            raise StoreError(
                f"{self.path} needs a schema upgrade (v{version} -> v{LATEST_VERSION}) and kb "
                "cannot write to it; open it once with write access") from None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write. ``BEGIN IMMEDIATE`` takes the write lock up front, so a writer
        never fails half-way through with SQLITE_BUSY after having done work."""
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_write_error(self.path, exc)) from None
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise StoreError(_write_error(self.path, exc)) from None
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(_write_error(self.path, exc)) from None

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # -- writes ----------------------------------------------------------------------------
    def upsert_papers(self, papers: Sequence[PaperRecord], *, run_id: int | None = None) -> int:
        """Insert or merge papers; returns how many rows were inserted or changed."""
        if not papers:
            return 0
        now = utc_now()
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany(PAPER_UPSERT, (_paper_row(p) + (now, run_id) for p in papers))
            self._upsert_authors(conn, papers)
            conn.executemany(EMBEDDING_UPSERT, ((EMBEDDING_MODEL, p.embedding, p.paper_id)
                                                for p in papers if p.embedding is not None))
            return conn.total_changes - before

    def _upsert_authors(self, conn: sqlite3.Connection, papers: Sequence[PaperRecord]) -> None:
        with_authors = [p for p in papers if p.authors is not None]
        if not with_authors:
            return
        conn.executemany(
            AUTHOR_UPSERT,
            ((a.author_id, a.name) for p in with_authors for a in p.authors if a.author_id))
        conn.executemany(
            PAPER_AUTHOR_UPSERT,
            ((p.paper_id, i, a.author_id, a.name)
             for p in with_authors for i, a in enumerate(p.authors)))
        conn.executemany(PAPER_AUTHOR_TRIM, ((p.paper_id, len(p.authors)) for p in with_authors))

    def upsert_edges(self, edges: Iterable[EdgeRecord]) -> int:
        """Insert or merge edges whose two papers are already stored; returns rows changed."""
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany(EDGE_UPSERT, (
                (e.citing, e.cited,
                 None if e.is_influential is None else int(e.is_influential),
                 _json(e.intents), _json(e.contexts))
                for e in edges))
            return conn.total_changes - before

    def ensure_papers(self, paper_ids: Iterable[str]) -> None:
        """Make sure a row exists for each id (an id-only stub when the paper is new)."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO paper (paper_id) VALUES (?)",
                             ((pid,) for pid in paper_ids))

    # -- reads -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "papers": q("SELECT count(*) FROM paper").fetchone()[0],
            "papers_with_details": q("SELECT count(*) FROM paper WHERE detail_level >= 1").fetchone()[0],
            "edges": q("SELECT count(*) FROM citation").fetchone()[0],
            "authors": q("SELECT count(*) FROM author").fetchone()[0],
        }

    def paper_row(self, paper_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM paper WHERE paper_id = ?", (paper_id,)).fetchone()

    def internal_ids(self, paper_ids: Iterable[str]) -> dict[str, int]:
        """Map Semantic Scholar paperIds to the store's integer keys (missing ids are absent)."""
        ids = list(dict.fromkeys(paper_ids))
        found: dict[str, int] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT paper_id, id FROM paper WHERE paper_id IN ({marks})", chunk):
                found[row[0]] = row[1]
        return found


def _write_error(path: Path, exc: sqlite3.OperationalError) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the store {path} is busy with another writer; try again in a moment"
    if "readonly" in text or "read-only" in text:
        return f"the store {path} is read-only; kb cannot write to it"
    if "full" in text:
        return f"the disk holding {path} is full; nothing of this step was stored"
    return f"cannot write to the store {path}: {text}"
