"""`kb top` looks for short rank-ordered pages in the stored prefix of the rank order first
(migration 0008). Whatever path a listing takes, it must return exactly the rows, in exactly
the order, of the one general SQL statement; and the prefix walk must really stop early (no
sort of every candidate)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb.knowledge.query as query
from kb.knowledge.query import PaperFilter, build_query, query_papers, select_papers
from kb.knowledge.ranking import order_positions
from kb.store.records import EdgeRecord, PaperRecord
from kb.store import Store

N_PAPERS = 400
PREFIX = 150  # positions stored for the best 150 of each order: pages past it fall back
THEMES = """
[theme.broad]
name = "Broad"
[theme.broad-child]
name = "Broad child"
parent = "broad"
[theme.rare]
name = "Rare"
"""


def sha(n: int) -> str:
    return f"{0xfeed0000 + n:040x}"


@pytest.fixture(scope="module")
def themes_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("themes") / "themes.toml"
    path.write_text(THEMES)
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory, themes_file, new_target):
    """400 papers: most ranked (with many exact ties), 40 never ranked; a broad theme (with a
    sub-theme, manual negatives and manual positives) and a rare one; seeds and depths."""
    rng = random.Random(8)
    db = new_target(request.param, tmp_path_factory.mktemp("top"), "top")
    papers = [PaperRecord(sha(n), title=f"Paper {n}", year=rng.choice([None, 2015, 2019, 2020, 2023]),
                          citation_count=rng.choice([None, 0, 5, 50]), detail_level=2)
              for n in range(N_PAPERS)]
    edges = [EdgeRecord(sha(rng.randrange(N_PAPERS)), sha(rng.randrange(N_PAPERS))) for _ in range(600)]
    with Store(db) as s:
        with s.transaction() as conn:
            s.upsert_papers(papers)
            s.upsert_edges([e for e in edges if e.citing != e.cited])
            ids = [r[0] for r in conn.execute("SELECT id FROM paper ORDER BY id")]
            unranked = set(rng.sample(ids, 40))
            ranked = [i for i in ids if i not in unranked]
            pagerank = [rng.choice([0.001, 0.002, rng.random()]) for _ in ranked]  # many exact ties
            seed = [rng.choice([0.0, 0.5, rng.random()]) for _ in ranked]
            import numpy as np

            relevance = [rng.choice([0.0, 1.0, rng.random()]) for _ in ranked]
            arrays = np.array(ranked), np.array(pagerank), np.array(seed), np.array(relevance)
            seed_order = order_positions(arrays[0], arrays[2], arrays[1], top=PREFIX)
            pagerank_order = order_positions(arrays[0], arrays[1], top=PREFIX)
            relevance_order = order_positions(arrays[0], arrays[3], arrays[2], top=PREFIX)

            def position(o):
                return None if o < 0 else int(o)

            conn.executemany(
                "INSERT INTO paper_rank (paper, pagerank, seed_pagerank, cocitation, coupling, "
                "in_citations, in_references, seed_order, pagerank_order, relevance, relevance_order) "
                "VALUES (?, ?, ?, 0, 0, ?, 0, ?, ?, ?, ?)",
                [(i, pr, sp, rng.randrange(5), position(so), position(po), rv, position(ro))
                 for i, pr, sp, so, po, rv, ro in zip(ranked, pagerank, seed, seed_order,
                                                      pagerank_order, relevance, relevance_order)])
            conn.executemany("INSERT INTO crawl_state (paper, depth) VALUES (?, ?)",
                             [(i, rng.randrange(4)) for i in ids if rng.random() < 0.8])
            conn.executemany("INSERT INTO seed (paper, source) VALUES (?, 'hand')", [(i,) for i in ids[:5]])
            tags = []
            for i in ids:
                if rng.random() < 0.4:
                    tags.append((i, rng.choice(["broad", "broad-child"]), "rule", 0, rng.random()))
                if rng.random() < 0.05:
                    tags.append((i, "broad", "manual", 1, 1.0))  # "not this theme" wins
                if rng.random() < 0.03:
                    tags.append((i, "rare", "manual", 0, 1.0))
            conn.executemany("INSERT OR REPLACE INTO paper_theme (paper, theme, source, negative, score) "
                             "VALUES (?, ?, ?, ?, ?)", tags)
    with Store(db) as s:
        yield s


def general(store, f: PaperFilter) -> list[int]:
    sql, params = build_query(store, f)
    return [r[0] for r in store.conn.execute(sql, params)]


filters = st.builds(
    PaperFilter,
    theme=st.sampled_from([None, "broad", "broad-child", "rare"]),
    year_from=st.sampled_from([None, 2019, 2023]),
    year_to=st.sampled_from([None, 2023]),
    seed_distance=st.sampled_from([None, 0, 1, 2]),
    min_citations=st.sampled_from([None, 5]),
    limit=st.integers(min_value=0, max_value=N_PAPERS + 20),
    offset=st.integers(min_value=0, max_value=N_PAPERS),
    sort=st.sampled_from(["rank", "seed", "pagerank"]),
    exclude_seeds=st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f=filters)
def test_every_path_returns_what_the_general_query_returns(store, themes_file, monkeypatch, f):
    monkeypatch.setenv("KB_THEMES", str(themes_file))
    monkeypatch.setattr(query, "RANK_WALK_MIN_TAGGED", 1)  # walk the prefix even for the rare theme
    assert query._walks_rank_order(store, f) == (f.offset + f.limit <= query.RANK_WALK_MAX_ROWS)
    assert [r[0] for r in select_papers(store, f)] == general(store, f)


def test_short_pages_are_answered_from_the_prefix(store, themes_file, monkeypatch):
    monkeypatch.setenv("KB_THEMES", str(themes_file))
    monkeypatch.setattr(query, "RANK_WALK_MIN_TAGGED", 50)
    statements = []
    store.conn.set_trace_callback(statements.append)
    try:
        for f in (PaperFilter(limit=20), PaperFilter(theme="broad", limit=20, offset=10),
                  PaperFilter(limit=20, sort="pagerank", exclude_seeds=True)):
            statements.clear()
            rows = select_papers(store, f)
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT P.ID")]
            assert len(selects) == 1 and "_order IS NOT NULL" in selects[0], selects
            assert [r[0] for r in rows] == general(store, f)
        statements.clear()
        past = PaperFilter(limit=30, offset=PREFIX - 10)  # runs past the prefix: the general query
        assert [r[0] for r in select_papers(store, past)] == general(store, past)
        assert sum(s.lstrip().upper().startswith("SELECT P.ID") for s in statements) == 3  # prefix, general, check
    finally:
        store.conn.set_trace_callback(None)


def test_rare_themes_and_long_pages_skip_the_prefix(store, themes_file, monkeypatch):
    monkeypatch.setenv("KB_THEMES", str(themes_file))
    assert not query._walks_rank_order(store, PaperFilter(theme="rare", limit=20))
    assert query._walks_rank_order(store, PaperFilter(limit=20))
    monkeypatch.setattr(query, "RANK_WALK_MIN_TAGGED", 50)
    assert query._walks_rank_order(store, PaperFilter(theme="broad", limit=20))
    assert not query._walks_rank_order(store, PaperFilter(theme="broad", limit=20, sort="year"))
    assert not query._walks_rank_order(store, PaperFilter(theme="broad", limit=None))
    assert not query._walks_rank_order(store, PaperFilter(limit=query.RANK_WALK_MAX_ROWS + 1))


@pytest.mark.parametrize("sort, index", [("rank", "paper_rank_relevance_order"),
                                         ("seed", "paper_rank_seed_order"),
                                         ("pagerank", "paper_rank_pagerank_order")])
def test_the_prefix_is_walked_by_its_index_without_sorting(store, themes_file, monkeypatch, sort, index):
    if store.backend != "sqlite":
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN")
    monkeypatch.setenv("KB_THEMES", str(themes_file))
    sql, params = query._ordered_prefix_query(
        store, PaperFilter(theme="broad", year_from=2019, limit=20, sort=sort))
    plan = " | ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_rank_runs_store_the_prefix_and_keep_its_indexes(tmp_path, monkeypatch):
    import kb.knowledge.ranking as ranking
    from kb.knowledge.ranking import compute_ranks

    monkeypatch.setattr(ranking, "TOP_ORDER_SLICE", 3)
    with Store(tmp_path / "kb.sqlite") as s:
        s.upsert_papers([PaperRecord(sha(n), title=f"P{n}") for n in range(6)])
        s.upsert_edges([EdgeRecord(sha(n), sha(n + 1)) for n in range(5)])
        compute_ranks(s)
        compute_ranks(s)
        names = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"paper_rank_seed_order", "paper_rank_pagerank_order", "paper_rank_relevance_order"} <= names
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = [r[0] for r in s.conn.execute(
            "SELECT p.paper_id FROM paper_rank r JOIN paper p ON p.id = r.paper "
            "WHERE r.pagerank_order IS NOT NULL ORDER BY r.pagerank_order")]
        assert stored == [sha(5), sha(4), sha(3)]  # the end of the chain gathers the rank
        assert [r["paper_id"] for r in query_papers(s, PaperFilter(limit=2, sort="pagerank"))] == stored[:2]
        assert [r["paper_id"] for r in query_papers(s, PaperFilter(limit=5, sort="pagerank"))][:3] == stored
