"""Pages of rows as one statement on PostgreSQL (COPY + INSERT/UPDATE/DELETE over the batch)
give exactly what the row-by-row loop gives on SQLite: merges, repeated keys, counts."""

from __future__ import annotations

import pytest

from kb.store import Store, pg_batch
from kb.store.base import EDGE_UPSERT, PAPER_UPSERT
from kb.store.dialect import to_postgres
from kb.store.records import AuthorRef, EdgeRecord, PaperRecord


@pytest.fixture()
def batches(monkeypatch):
    """The statements that ran as batches (PostgreSQL), to show the fast path was taken."""
    ran: list[str] = []
    original = pg_batch.run

    def spy(raw, batch, rows, types):
        changed = original(raw, batch, rows, types)
        if changed is not None:
            ran.append(batch.statement.split()[0])
        return changed

    monkeypatch.setattr(pg_batch, "run", spy)
    return ran


def _pid(i: int) -> str:
    return f"{i:040x}"


def test_a_page_gives_what_row_by_row_gives(store_target, batches):
    n = 40
    with Store(store_target) as store:
        first = [PaperRecord(paper_id=_pid(i), title=f"Paper {i}", detail_level=1) for i in range(n)]
        assert store.upsert_papers(first) >= n  # SQLite also counts its full-text rows
        # One page naming paper 0 twice: the second answer fills the abstract and keeps the title.
        page = [PaperRecord(paper_id=_pid(i), title=f"Paper {i}", detail_level=1) for i in range(1, n)]
        page += [PaperRecord(paper_id=_pid(0), abstract="First.", detail_level=1),
                 PaperRecord(paper_id=_pid(0), year=2020, detail_level=2)]
        assert store.upsert_papers(page) > 0
        row = store.paper_row(_pid(0))
        assert (row["title"], row["abstract"], row["year"], row["detail_level"]) == \
            ("Paper 0", "First.", 2020, 2)
        assert store.upsert_papers(page) == 0

        edges = [EdgeRecord(_pid(i), _pid((i * 7 + 1) % n), is_influential=None, intents=None,
                            contexts=None) for i in range(n)]
        edges.append(EdgeRecord(_pid(0), _pid(1), is_influential=True, intents=["methodology"],
                                contexts=None))
        assert store.upsert_edges(edges) >= n + 1  # the repeated pair: inserted, then merged
        assert store.counts()["edges"] == n
        assert store.upsert_edges(edges) == 0

        ids = store.internal_ids([_pid(i) for i in range(n)])
        with store.transaction() as conn:
            # A paper met twice on one page counts two links, as row by row.
            conn.executemany(
                "INSERT INTO crawl_state (paper, depth, links) VALUES (?, ?, 1) "
                "ON CONFLICT(paper) DO UPDATE SET links = crawl_state.links + 1, "
                "depth = MIN(crawl_state.depth, excluded.depth)",
                [(ids[_pid(i)], 3) for i in range(n)] + [(ids[_pid(0)], 1), (ids[_pid(0)], 2)])
            conn.executemany(
                "UPDATE crawl_state SET links = links + 1, reached_via = CASE WHEN ? IS NULL "
                "THEN reached_via ELSE ? END WHERE paper = ?",
                [("refs", "refs", ids[_pid(i)]) for i in range(n)] + [(None, None, ids[_pid(1)])])
            conn.executemany("DELETE FROM crawl_state WHERE paper = ?",
                             [(ids[_pid(i)],) for i in range(n // 2, n)])
        states = {r[0]: tuple(r[1:]) for r in store.conn.execute(
            "SELECT p.paper_id, c.depth, c.links, c.reached_via FROM crawl_state c "
            "JOIN paper p ON p.id = c.paper")}
    assert len(states) == n // 2
    assert states[_pid(0)] == (1, 4, "refs")
    assert states[_pid(1)] == (3, 3, "refs")
    assert states[_pid(2)] == (3, 2, "refs")
    if store.backend == "postgresql":
        assert {"INSERT", "UPDATE", "DELETE"} <= set(batches)


def test_batch_plans_key_repeated_rows_by_the_conflict_target():
    edge = pg_batch.plan(to_postgres(EDGE_UPSERT))
    assert edge.key == (1, 2) and edge.params == 5
    paper = pg_batch.plan(to_postgres(PAPER_UPSERT))
    assert paper.key == (1,)
    assert pg_batch.plan(to_postgres("UPDATE t SET a = ? WHERE b = ? AND c = ?")).key == (2, 3)
    assert pg_batch.plan(to_postgres("INSERT OR IGNORE INTO t (a) VALUES (?)")).key == ()
    # Statements it does not know run row by row.
    assert pg_batch.plan(to_postgres("INSERT INTO t (a) SELECT ? FROM u")) is None
    assert pg_batch.plan(to_postgres("UPDATE t SET a = :a WHERE b = :b")) is None
    assert pg_batch.rounds([(1, "a"), (2, "b"), (1, "c"), (1, "d")], (1,)) == \
        [[(1, "a"), (2, "b")], [(1, "c")], [(1, "d")]]


def test_quoted_column_names_survive_the_batch_plan():
    """`kb db copy` quotes every column; blanking string literals must not blank them too."""
    plan = pg_batch.plan(to_postgres('INSERT INTO author ("id", "s2_author_id", "name") VALUES (?, ?, ?) '
                                     'ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name"'))
    assert plan.statement.startswith('INSERT INTO author ("id", "s2_author_id", "name") SELECT')
    assert plan.key == (1,)


def test_a_store_with_authors_copies_to_postgresql(make_target):
    from kb.store.copy import copy_store

    source = make_target("sqlite", "authors")
    with Store(source) as store:
        store.upsert_papers([PaperRecord(paper_id=_pid(i), title=f"Paper {i}", detail_level=2,
                                         authors=[AuthorRef(f"Author {i}", str(100 + i)),
                                                  AuthorRef("Shared Author", "7")])
                             for i in range(60)])
        authors = store.conn.execute("SELECT count(*) FROM author").fetchone()[0]
    assert authors == 61
    report = copy_store(source, make_target("postgresql", "authors"))
    assert report.identical and {t.table: t.copied for t in report.tables}["author"] == 61
