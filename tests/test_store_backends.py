"""The two store backends agree: one schema in two spellings, one SQL, the same answers."""

from __future__ import annotations

import pytest

from kb.store import Store
from kb.store.dialect import to_postgres
from kb.store.migrate import LATEST_VERSION, migrations
from kb.store.records import PaperRecord

# Tables that are each backend's own machinery rather than kb's schema.
_OWN = ("paper_fts", "sqlite_", "kb_schema")


def _sqlite_schema(store) -> tuple[dict, set]:
    tables = {}
    for name, in store.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"):
        if not name.startswith(_OWN):
            tables[name] = [r[1] for r in store.conn.execute(f"PRAGMA table_info({name})")]
    indexes = {r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    return tables, indexes


def _postgres_schema(store) -> tuple[dict, set]:
    tables: dict = {}
    for table, column in store.conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
        if not table.startswith(_OWN):
            tables.setdefault(table, []).append(column)
    indexes = {r[0] for r in store.conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        if not r[0].endswith(("_pkey", "_key")) and not r[0].startswith(_OWN)}
    return tables, indexes


def test_both_dialects_have_the_same_migrations():
    assert [(v, n) for v, n, _ in migrations("postgresql")] == \
        [(v, n) for v, n, _ in migrations("sqlite")]


def test_both_backends_migrate_to_the_same_schema(make_target):
    with Store(make_target("sqlite")) as lite, Store(make_target("postgresql")) as pg:
        assert lite.schema_version() == pg.schema_version() == LATEST_VERSION
        lite_tables, lite_indexes = _sqlite_schema(lite)
        pg_tables, pg_indexes = _postgres_schema(pg)
    assert pg_tables == lite_tables
    assert pg_indexes == lite_indexes


def test_postgres_store_reopens_without_migrating_again(pg_url):
    Store(pg_url).close()
    with Store(pg_url) as store:
        assert store.schema_version() == LATEST_VERSION
        assert store.conn.execute("SELECT count(*) FROM kb_schema").fetchone()[0] == 1


def test_postgres_upgrades_in_place_from_every_version(make_target):
    from kb.store.postgres import PgConnection, upgrade

    for start in range(1, LATEST_VERSION):
        target = make_target("postgresql", f"v{start}")
        conn = PgConnection(target)
        upgrade(conn, to_version=start)
        conn.execute("INSERT INTO paper (paper_id, title) VALUES (?, 'An old paper')", ("x" * 40,))
        conn.close()
        with Store(target) as store:
            assert store.schema_version() == LATEST_VERSION
            assert store.paper_row("x" * 40)["title"] == "An old paper"


def test_foreign_postgres_schema_is_refused(pg_url):
    from kb.errors import StoreError
    from kb.store.postgres import PgConnection

    conn = PgConnection(pg_url)
    conn.execute("CREATE TABLE someone_elses (x int)")
    conn.close()
    with pytest.raises(StoreError, match="not a kb store"):
        Store(pg_url)


def test_unreachable_postgres_is_one_clear_error():
    from kb.errors import StoreError

    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL store .*:\\*\\*\\*@"):
        Store("postgresql://kb:secret@127.0.0.1:1/none")


@pytest.mark.parametrize("sqlite, postgres", [
    ("SELECT * FROM paper WHERE id = ?", "SELECT * FROM paper WHERE id = %s"),
    ("INSERT OR IGNORE INTO seed (paper) VALUES (?)",
     "INSERT INTO seed (paper) VALUES (%s) ON CONFLICT DO NOTHING"),
    ("WHERE a IS NOT b AND c IS NOT NULL AND d IS e", 
     "WHERE a IS DISTINCT FROM b AND c IS NOT NULL AND d IS NOT DISTINCT FROM e"),
    ("SET x = MAX(excluded.x, t.x)", "SET x = GREATEST(excluded.x, t.x)"),
    ("SELECT max(x) FROM t ORDER BY y DESC", "SELECT max(x) FROM t ORDER BY y DESC NULLS LAST"),
    ("WHERE title LIKE ? ESCAPE '\\'", "WHERE title ILIKE %s ESCAPE '\\'"),
    ("SELECT '50% ?' , :name", "SELECT '50%% ?' , %(name)s"),
    ("SELECT x::int", "SELECT x::int"),
    ("WHERE id IN (SELECT value FROM json_each(?))",
     "WHERE id IN (SELECT value::text::bigint FROM json_array_elements(%s::json))"),
    ("SELECT group_concat(id) FROM paper", "SELECT string_agg((id)::text, ',') FROM paper"),
])
def test_sql_written_once_reads_as_postgres(sqlite, postgres):
    assert to_postgres(sqlite) == postgres


def test_fulltext_follows_updates_and_deletes(store_target):
    from kb.knowledge.search import search_papers

    def found(store, query):
        return [r["paper_id"] for r in search_papers(store, query)]

    with Store(store_target) as store:
        store.upsert_papers([PaperRecord(paper_id="a" * 40, title="Induction heads in transformers")])
        assert found(store, "induction") == ["a" * 40]
        store.upsert_papers([PaperRecord(paper_id="a" * 40, title="Grokking modular addition",
                                         tldr="Networks learn Fourier features")])
        assert found(store, "induction") == []
        assert found(store, "grokking") == found(store, "fourier") == ["a" * 40]
        with store.transaction() as conn:
            conn.execute("DELETE FROM paper WHERE paper_id = ?", ("a" * 40,))
        assert found(store, "grokking") == []


_SEARCH_PAPERS = [
    ("1", "Induction heads and in-context learning", "We study induction heads.", None),
    ("2", "Reward hacking in language models", "Reward models can be gamed.", "Induction is not here"),
    ("3", "Sparse autoencoders find interpretable features", "Dictionary learning.", None),
    ("4", "Transformers learn in context", "Induction heads form in transformer models.", None),
    ("5", "Scaling laws for reward model overoptimization", "Goodhart and reward hacking.", None),
]


@pytest.mark.parametrize("query, expected", [
    ("induction", ["1", "4", "2"]),                   # the title hit ranks first
    ('"induction heads"', ["1", "4"]),
    ("transform*", ["4"]),
    ("reward OR sparse", ["2", "5", "3"]),
    ("reward -hacking", []),
    ("reward NOT overoptimization", ["2"]),
    ("title:induction", ["1"]),
    ("(reward AND hacking) OR autoencoders", ["2", "5", "3"]),
])
def test_search_syntax_means_the_same_on_both_backends(store_target, query, expected):
    from kb.knowledge.search import search_papers

    with Store(store_target) as store:
        store.upsert_papers([PaperRecord(paper_id=pid * 40, title=t, abstract=a, tldr=tl)
                             for pid, t, a, tl in _SEARCH_PAPERS])
        got = [r["paper_id"][0] for r in search_papers(store, query)]
    assert sorted(got) == sorted(expected)
    if query == "induction":  # a title hit outranks abstract and TLDR hits on both backends
        assert got[0] == "1"
