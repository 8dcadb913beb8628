"""The store interface: what every backend does the same way.

A store is one of two backends behind this class: SQLite (a file, the default for one person)
and PostgreSQL (a server a research group shares). ``Store(target)`` picks the backend from the
target: a ``postgresql://`` URL opens :class:`kb.store.postgres.PostgresStore`, anything else is a
SQLite file (:class:`kb.store.sqlite.SqliteStore`). Both expose ``conn`` with the same small
DB-API surface (``execute``, ``executemany``, ``total_changes``, ``in_transaction``, rows that
index by position and by name), so the statements below, and kb's queries elsewhere, are
written once (see :mod:`kb.store.dialect`).

Writes go through prepared statements executed over whole pages of records (``executemany``),
never one ORM object at a time: a crawl stores thousands of papers per page and must not pay
per-object overhead. Every upsert merges rather than overwrites (an answer that did not mention
a field keeps what the store knew) and changes nothing when the incoming values equal the
stored ones, so storing a page twice is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from kb.errors import StoreError
from kb.store.migrate import LATEST_VERSION
from kb.store.posts import upsert_posts
from kb.store.records import EMBEDDING_MODEL, EdgeRecord, PaperRecord

# Columns an API answer can fill, in the order used by the upsert statement.
PAPER_COLUMNS = (
    "corpus_id", "doi", "arxiv_id", "external_ids", "title", "abstract", "tldr", "year",
    "publication_date", "venue", "authors", "citation_count", "reference_count",
    "influential_citation_count", "open_access_pdf", "bibtex", "fields_of_study",
    "publication_types", "url",
)

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def store_target(text: str | Path) -> str | Path:
    """What ``--db`` / ``KB_DB`` name: a PostgreSQL URL (kept as text) or a SQLite file path."""
    text = str(text)
    return text if is_postgres_url(text) else Path(text)


def store_exists(target) -> bool:
    """Whether there is a store to read: a PostgreSQL store always is (an empty schema is
    made a store on first open)."""
    return is_postgres_url(target) or Path(target).exists()


def describe(target) -> str:
    """The target as shown in messages (a URL without its password)."""
    if is_postgres_url(target):
        from kb.store.postgres import redact

        return redact(target)
    return str(target)


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


class Store:
    """One open store. Use as a context manager, or call :meth:`close`.

    ``Store(target, readonly=False)`` opens (and upgrades in place) the store at ``target``.
    A backend provides ``conn``, :meth:`schema_version`, :meth:`reader_connection`, ``fulltext``
    (its full-text search, :mod:`kb.store.fulltext`) and the steps of :meth:`transaction`:
    ``_begin``, ``_commit``, ``_rollback`` (never raises) and, optionally, ``_write_failure``.
    """

    backend = "abstract"
    path: "Path | str"
    readonly: bool

    def __new__(cls, target=None, *args, **kwargs):
        if cls is Store:
            if is_postgres_url(target):
                from kb.store.postgres import PostgresStore as cls
            else:
                from kb.store.sqlite import SqliteStore as cls
        return super().__new__(cls)

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def schema_version(self) -> int:
        raise NotImplementedError

    def _refuse_newer(self, version: int) -> None:
        """A store a newer kb has upgraded: opening it would misread (or break) its schema."""
        if version > LATEST_VERSION:
            raise StoreError(
                f"{self.path} was made by a newer kb (schema v{version}; this kb knows up "
                f"to v{LATEST_VERSION}); upgrade kb to open it")

    @contextmanager
    def transaction(self) -> Iterator:
        """One atomic write; a call inside an open transaction joins it."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self._begin()
        try:
            yield self.conn
        except BaseException as exc:
            self._rollback()
            failure = self._write_failure(exc)
            if failure is None:
                raise
            raise failure from None
        self._commit()

    def _write_failure(self, exc: BaseException) -> StoreError | None:
        """The one-line error to raise for ``exc`` raised inside a transaction (None: raise
        ``exc`` itself)."""
        return None

    def reader_connection(self):
        """A new connection for reading alongside this one (parallel reads); sees committed rows."""
        raise NotImplementedError

    # -- several writers (PostgreSQL) ----------------------------------------------------------
    # A SQLite store has one writer at a time (kb.store.locking), so claims always succeed and
    # cost nothing; a PostgreSQL store may be crawled by several processes at once.
    shared_writers = False

    def claim(self, key: str) -> bool:
        """Take the named piece of work (a citation list) for this connection, or False when
        another process holds it. Held until :meth:`release` or the connection ends."""
        return True

    def release(self, key: str) -> None:
        pass

    def live_run_condition(self) -> str:
        """SQL true for a ``crawl_run`` row (alias-free, column ``id``) whose process still
        runs: such a run is not marked interrupted by another run starting."""
        return "0 = 1"

    def hold_run(self, run_id: int) -> None:
        """Mark run ``run_id`` as alive for as long as this connection lives."""

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
            upsert_posts(conn, papers)
            conn.executemany(EMBEDDING_UPSERT, ((EMBEDDING_MODEL, p.embedding, p.paper_id)
                                                for p in papers if p.embedding is not None))
            return conn.total_changes - before

    def _upsert_authors(self, conn, papers: Sequence[PaperRecord]) -> None:
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

    def paper_row(self, paper_id: str):
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
