"""`kb crawl --recommended`: Semantic Scholar's recommendations for the seeds enter the store and
the crawl, through the crawl's one client and within its request budget, and `kb show` says
which seed each was recommended for."""

from __future__ import annotations

import json

import pytest

from kb.crawl.crawler import CrawlBudget
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store
from tests.crawl_helpers import plant_seeds, run_crawl


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(1500, seed=7)


def _seeds(corpus, n=3):
    return sorted(p for p in corpus.paper_ids() if len(corpus.citations_of(p)) >= 3)[:n]


def test_crawl_recommended_from_the_cli_adds_papers_for_each_seed(tmp_path, corpus, monkeypatch, kb_cli):
    db = tmp_path / "kb.sqlite"
    seeds = _seeds(corpus)
    plant_seeds(db, corpus, seeds)
    with StandIn(corpus) as server:
        monkeypatch.setenv("KB_S2_API_URL", server.url)
        monkeypatch.setenv("KB_RATE", "1000")
        result = kb_cli("crawl", "--recommended", "--depth", "0", "--max-requests", "20", "--no-tag", "--json",
                        db=db)
        log = list(server.log)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    rec = report["recommendations"]
    # one POST for the seeds together, one GET per seed: all counted in the run's requests
    endpoints = [r.endpoint for r in log]
    assert endpoints.count("recommendations") == rec["requests"] == 1 + len(seeds)
    assert rec["seeds_asked"] == len(seeds)
    assert report["requests"] == len(log)
    posts = [r for r in log if r.endpoint == "recommendations" and r.method == "POST"]
    assert len(posts) == 1 and set(json.loads(posts[0].body)["positivePaperIds"]) == set(seeds)
    assert all(r.param("from") == "all-cs" for r in log if r.method == "GET" and r.endpoint == "recommendations")
    assert rec["recommended"] > 0 and rec["new_papers"] > 0
    with Store(db, readonly=True) as store:
        conn = store.conn
        seed_ids = set(store.internal_ids(seeds).values())
        per_seed = dict(conn.execute("SELECT seed, count(*) FROM recommendation WHERE seed IS NOT NULL "
                                     "GROUP BY seed").fetchall())
        assert set(per_seed) <= seed_ids and per_seed
        # recommended papers are in the crawl one hop from their seed, reached as recommended;
        # their full records and embeddings came with the detail batch
        state = conn.execute("SELECT s.depth, s.reached_via, p.detail_level FROM recommendation r "
                             "JOIN crawl_state s ON s.paper = r.paper JOIN paper p ON p.id = r.paper "
                             "WHERE r.paper NOT IN (SELECT paper FROM seed)").fetchall()
        assert state and {d for d, _, _ in state} == {1}
        assert {v for _, v, _ in state} <= {"recommended", "refs", "cits"}
        assert "recommended" in {v for _, v, _ in state}
        assert conn.execute("SELECT count(*) FROM paper_embedding WHERE paper IN "
                            "(SELECT paper FROM recommendation)").fetchone()[0] > 0
        paper, seed = conn.execute("SELECT r.paper, r.seed FROM recommendation r JOIN crawl_state s "
                                   "ON s.paper = r.paper WHERE r.seed IS NOT NULL AND s.depth = 1 "
                                   "ORDER BY r.position LIMIT 1").fetchone()
        seed_title = conn.execute("SELECT title FROM paper WHERE id = ?", (seed,)).fetchone()[0]
    shown = kb_cli("show", f"#{paper}", "--json", db=db)
    assert shown.exit_code == 0, shown.output
    why = json.loads(shown.output)["why"]
    assert any(line.startswith("recommended by Semantic Scholar for " + seed_title[:20]) for line in why), why


def _plant(target, corpus, seeds):
    """Seeds as `kb seed add` leaves them, on either backend."""
    from kb.sources.s2.parse import parse_paper

    with Store(target) as store:
        store.upsert_papers([parse_paper(corpus.record(p)) for p in seeds])
        ids = store.internal_ids(seeds)
        with store.transaction() as conn:
            for p in seeds:
                conn.execute("INSERT INTO seed (paper, added_at, source) VALUES (?, '2026-01-01', 'test')",
                             (ids[p],))


def test_recommendations_count_in_the_request_budget(store_target, tmp_path, corpus):
    seeds = _seeds(corpus, 4)
    _plant(store_target, corpus, seeds)
    with StandIn(corpus) as server:
        report = run_crawl(store_target, server.url, CrawlBudget(depth=1, max_requests=2, recommended=True))
        log = list(server.log)
    assert len(log) == report.requests == 2
    assert report.status == "partial" and report.stopped_by == "max-requests"
    # half the budget: the recommendations for the seeds together, none per seed
    assert report.recommendations["requests"] == 1 and report.recommendations["seeds_asked"] == 0
    with Store(store_target, readonly=True) as store:
        assert store.conn.execute("SELECT count(*) FROM recommendation WHERE seed IS NULL").fetchone()[0] > 0


def test_recommendations_take_at_most_half_the_budget(tmp_path, corpus):
    db = tmp_path / "kb.sqlite"
    seeds = _seeds(corpus, 6)
    plant_seeds(db, corpus, seeds)
    with StandIn(corpus) as server:
        report = run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=8, recommended=True))
        log = list(server.log)
    rec = report.recommendations
    assert rec["requests"] == 4 and rec["seeds_asked"] == 3 and not rec["stopped_by_budget"]
    assert [r.endpoint for r in log].count("recommendations") == 4
    assert report.requests == len(log) == 8 and report.pages > 0  # the rest went to the trails


def test_a_second_crawl_replaces_a_seeds_recommendations_and_relevance_counts_them(store_target, corpus):
    from kb.knowledge.ranking import recommended_per_paper

    seeds = _seeds(corpus, 2)
    _plant(store_target, corpus, seeds)
    with StandIn(corpus) as server:
        for _ in range(2):
            report = run_crawl(store_target, server.url,
                               CrawlBudget(depth=0, max_requests=10, recommended=True))
            assert report.status == "completed", report.message
    with Store(store_target, readonly=True) as store:
        conn = store.conn
        per_basis = conn.execute("SELECT seed, count(*), count(DISTINCT paper) FROM recommendation "
                                 "GROUP BY seed").fetchall()
        assert len(per_basis) == 3 and all(n == d for _, n, d in per_basis)  # no duplicates
        import numpy as np

        ids = np.array([r[0] for r in conn.execute("SELECT paper FROM paper_rank ORDER BY paper")])
        backing = recommended_per_paper(store, ids)
        recommended = {r[0] for r in conn.execute("SELECT paper FROM recommendation")}
        assert {int(i) for i in ids[backing > 0]} == recommended & set(ids.tolist())
        # recommended papers were embedded by the detail batch and are in the nearest-neighbour index
        assert conn.execute("SELECT sum(size) FROM embedding_list").fetchone()[0] == \
            conn.execute("SELECT count(*) FROM paper_embedding").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM embedding_list WHERE length(codes) != 768 * size "
                            "OR length(ids) != 8 * size").fetchone()[0] == 0
        from kb.knowledge.embeddings import nearest, query_vector

        some = conn.execute("SELECT paper FROM paper_embedding ORDER BY paper LIMIT 1").fetchone()[0]
        found = nearest(store, query_vector(store, [some]), 3)
        assert found[0][0] == some and found[0][1] == pytest.approx(1.0, abs=1e-3)


def test_a_seed_the_recommender_does_not_know_is_skipped(tmp_path, corpus):
    from kb.sources.s2.parse import parse_paper

    db = tmp_path / "kb.sqlite"
    seeds = _seeds(corpus, 2)
    plant_seeds(db, corpus, seeds)
    ghost = "f" * 40
    with Store(db) as store:
        store.upsert_papers([parse_paper({"paperId": ghost, "title": "Not in the API"})])
        gid = store.internal_ids([ghost])[ghost]
        with store.transaction() as conn:
            conn.execute("INSERT INTO seed (paper, added_at, source) VALUES (?, '2026-01-01', 'test')", (gid,))
    with StandIn(corpus) as server:
        report = run_crawl(db, server.url, CrawlBudget(depth=0, max_requests=20, recommended=True))
    assert report.status == "completed", report.message
    assert report.recommendations["unknown_seeds"] == [ghost]
    assert report.recommendations["seeds_asked"] == 2

