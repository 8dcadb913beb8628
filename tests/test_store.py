"""The store: migrations, idempotent set-based upserts, FTS sync, the model mirror."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kb.errors import StoreError
from kb.store.migrate import LATEST_VERSION, migrations, upgrade
from kb.store.records import AuthorRef, EdgeRecord, PaperRecord
from kb.store import Store, connect


def sha(n: int) -> str:
    return f"{n:040x}"


def page(n: int = 50) -> tuple[list[PaperRecord], list[EdgeRecord]]:
    papers = [
        PaperRecord(paper_id=sha(i), title=f"Paper number {i} on superposition", year=2000 + i % 25,
                    abstract=f"Abstract {i}", citation_count=i, detail_level=1,
                    authors=[AuthorRef(f"Author {i}", str(1000 + i)), AuthorRef("Shared Author", "1")],
                    external_ids={"ArXiv": f"2101.{i:05d}"}, arxiv_id=f"2101.{i:05d}")
        for i in range(1, n + 1)
    ]
    edges = [EdgeRecord(citing=sha(i), cited=sha(j), is_influential=(i + j) % 2 == 0,
                        intents=["background"], contexts=[f"ctx {i}-{j}"])
             for i in range(2, n + 1) for j in sorted({1, i // 2}) if i != j]
    return papers, edges


def test_schema_is_at_latest_version_and_wal(tmp_path):
    with Store(tmp_path / "kb.sqlite") as store:
        assert store.schema_version() == LATEST_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_storing_the_same_page_twice_changes_nothing(store_target):
    papers, edges = page()
    with Store(store_target) as store:
        assert store.upsert_papers(papers) > 0
        assert store.upsert_edges(edges) == len(edges)
        snapshot = store.conn.execute("SELECT * FROM paper ORDER BY id").fetchall()
        before = store.conn.total_changes
        assert store.upsert_papers(papers) == 0
        assert store.upsert_edges(edges) == 0
        assert store.conn.total_changes == before
        assert [tuple(r) for r in store.conn.execute("SELECT * FROM paper ORDER BY id")] == \
            [tuple(r) for r in snapshot]
        assert store.counts()["edges"] == len(edges)


def test_upsert_merges_instead_of_overwriting(store_target):
    with Store(store_target) as store:
        full = PaperRecord(paper_id=sha(1), title="Full title", tldr="A summary", year=2020,
                           citation_count=10, detail_level=2)
        store.upsert_papers([full])
        # A nested record from an edge list knows less: it must not erase the TLDR or lower detail.
        store.upsert_papers([PaperRecord(paper_id=sha(1), title="Full title", citation_count=12,
                                         detail_level=1)])
        row = store.paper_row(sha(1))
        assert row["tldr"] == "A summary"
        assert row["citation_count"] == 12
        assert row["detail_level"] == 2


def test_authors_in_order_and_trimmed(store_target):
    with Store(store_target) as store:
        store.upsert_papers([PaperRecord(paper_id=sha(1), authors=[
            AuthorRef("A", "1"), AuthorRef("B", "2"), AuthorRef("C", None)])])
        store.upsert_papers([PaperRecord(paper_id=sha(1), authors=[AuthorRef("B", "2"), AuthorRef("A", "1")])])
        names = [r[0] for r in store.conn.execute(
            "SELECT name FROM paper_author WHERE paper = 1 ORDER BY position")]
        assert names == ["B", "A"]


def test_fts_follows_updates(tmp_path):
    def search(store, q):
        return [r[0] for r in store.conn.execute(
            "SELECT p.paper_id FROM paper_fts JOIN paper p ON p.id = paper_fts.rowid "
            "WHERE paper_fts MATCH ? ORDER BY bm25(paper_fts)", (q,))]

    with Store(tmp_path / "kb.sqlite") as store:
        store.upsert_papers([PaperRecord(paper_id=sha(1), title="Induction heads in transformers")])
        assert search(store, "induction") == [sha(1)]
        store.upsert_papers([PaperRecord(paper_id=sha(1), title="Grokking modular addition",
                                         tldr="Networks learn Fourier features")])
        assert search(store, "induction") == []
        assert search(store, "grokking") == [sha(1)]
        assert search(store, "fourier") == [sha(1)]
        store.conn.execute("DELETE FROM paper WHERE paper_id = ?", (sha(1),))
        assert search(store, "grokking") == []
        assert store.conn.execute(
            "INSERT INTO paper_fts(paper_fts, rank) VALUES ('integrity-check', 1)") is not None


def test_upgrade_from_first_version_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = connect(path)
    upgrade(conn, 0, to_version=1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute("INSERT INTO paper (paper_id, title) VALUES (?, 'An old paper')", (sha(7),))
    conn.close()
    with Store(path) as store:
        assert store.schema_version() == LATEST_VERSION
        assert store.paper_row(sha(7))["title"] == "An old paper"
        # Every table the newest schema declares now exists.
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"paper", "citation", "crawl_state", "crawl_run"} <= tables


def test_every_intermediate_version_upgrades(tmp_path):
    for start in range(1, LATEST_VERSION + 1):
        path = tmp_path / f"v{start}.sqlite"
        conn = connect(path)
        upgrade(conn, 0, to_version=start)
        conn.close()
        with Store(path) as store:
            assert store.schema_version() == LATEST_VERSION


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer kb"):
        Store(path)


def test_corrupt_file_is_refused(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 500)
    with pytest.raises(StoreError, match="not a kb store|corrupt"):
        Store(path)


def test_missing_store_readonly(tmp_path):
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "absent.sqlite", readonly=True)


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, LATEST_VERSION + 1))


def test_models_mirror_the_migrated_schema(store_target):
    from sqlmodel import SQLModel

    import kb.store.models  # noqa: F401  (registers the tables)

    with Store(store_target) as store:
        for table in SQLModel.metadata.sorted_tables:
            columns = {r[1] for r in store.conn.execute(f"PRAGMA table_info({table.name})")}
            assert columns, f"table {table.name} is declared in models.py but not migrated"
            assert columns == set(table.columns.keys()), table.name


def test_sqlmodel_reads_the_store(tmp_path):
    from sqlmodel import Session, create_engine, select

    from kb.store.models import Paper

    path = tmp_path / "kb.sqlite"
    with Store(path) as store:
        store.upsert_papers(page(3)[0])
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        titles = [p.title for p in session.exec(select(Paper).order_by(Paper.id))]
    assert titles[0].startswith("Paper number 1")


def test_reading_command_upgrades_an_older_store(tmp_path):
    """After upgrading kb, the first command may well be a reading one (`kb search`): it
    upgrades the store in place instead of refusing it."""
    path = tmp_path / "old.sqlite"
    conn = connect(path)
    upgrade(conn, 0, to_version=LATEST_VERSION - 1)
    conn.execute("INSERT INTO paper (paper_id, title) VALUES (?, 'Induction heads in old stores')", (sha(8),))
    conn.close()
    with Store(path, readonly=True) as store:
        assert store.schema_version() == LATEST_VERSION
        assert store.paper_row(sha(8))["title"] == "Induction heads in old stores"
    proc = subprocess.run([sys.executable, "-m", "cli", "--db", str(path), "search", "induction", "--json"],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["paper_id"] == sha(8)
