"""Relevance, embeddings and similar papers, end to end on a crawl of the stand-in's topical
literature: the crawler stores SPECTER vectors from its detail batches (no extra requests),
the rank run scores relevance, and `kb top`, `kb show`, `kb similar` and `kb top --like` use
them. The full benchmark is bench/bench_relevance.py; here one topic on a small corpus."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from tests.cli_runner import invoke
from kb.crawl.crawler import CrawlBudget
from kb.knowledge.embeddings import nearest, query_vector, vectors_of
from kb.knowledge.ranking import compute_ranks
from kb.knowledge.relevance import relevance, saturate
from kb.sources.s2.parse import DETAIL_FIELDS, parse_embedding, parse_paper
from kb.standin.generate import generate_corpus
from kb.standin.embedding import paper_vector
from kb.standin.generate import paper_topics
from kb.standin.server import StandIn
from kb.store import Store
from tests.crawl_helpers import plant_seeds, run_crawl

TOPIC = "rlhf"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    corpus = generate_corpus(3000, seed=7)
    answers = paper_topics(corpus)
    pool = sorted(p for p, (slug, hub) in answers.items()
                  if slug == TOPIC and not hub and len(corpus.citations_of(p)) >= 3)
    seeds = pool[:4]
    db = tmp_path_factory.mktemp("relevance") / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    with Store(db) as store:  # what `kb seed add` stores: the detail fields and the vector
        store.upsert_papers([parse_paper({**corpus.record(p), "embedding": {
            "model": "specter_v2", "vector": paper_vector(p, TOPIC)}}) for p in seeds])
    server = StandIn(corpus).start()
    try:
        report = run_crawl(db, server.url, CrawlBudget(depth=2, max_requests=150))
        log = list(server.log)
    finally:
        server.stop()
    with Store(db) as store:
        compute_ranks(store)
    return {"corpus": corpus, "answers": answers, "seeds": seeds, "db": db, "report": report,
            "log": log}


def kb(world, *args):
    result = invoke(*args, db=world["db"])
    assert result.exit_code == 0, result.output
    return result.output


def test_embeddings_come_with_the_detail_batches_and_are_float16(world):
    assert world["report"].status in ("completed", "partial")
    with Store(world["db"], readonly=True) as store:
        rows = store.conn.execute(
            "SELECT e.model, length(e.vector), p.detail_level FROM paper_embedding e "
            "JOIN paper p ON p.id = e.paper").fetchall()
    assert len(rows) > 100
    assert {(m, n) for m, n, _ in rows} == {("specter_v2", 768 * 2)}
    assert {d for _, _, d in rows} == {2}
    # no request was spent on embeddings: they ride on the batches the crawler sends anyway
    assert {r.endpoint for r in world["log"]} <= {"batch", "citations", "references"}
    assert "embedding.specter_v2" in DETAIL_FIELDS


def test_parse_embedding_accepts_only_the_real_shape():
    vector = [0.5] * 768
    blob = parse_embedding({"model": "specter_v2", "vector": vector})
    assert blob == struct.pack("<768e", *vector)
    for bad in (None, [], {"model": "specter_v1", "vector": vector}, {"model": "specter_v2"},
                {"model": "specter_v2", "vector": vector[:10]},
                {"model": "specter_v2", "vector": ["x"] * 768},
                {"model": "specter_v2", "vector": [1e9] * 768}):
        assert parse_embedding(bad) is None


def test_relevance_keeps_hubs_out_and_stays_on_topic(world):
    answers = world["answers"]
    with Store(world["db"], readonly=True) as store:
        def top(column):
            return [r[0] for r in store.conn.execute(
                f"SELECT p.paper_id FROM paper p JOIN paper_rank r ON r.paper = p.id "
                f"WHERE p.id NOT IN (SELECT paper FROM seed) ORDER BY r.{column} DESC, p.id LIMIT 20")]
        by_relevance, by_seed = top("relevance"), top("seed_pagerank")
    on_topic = lambda ids: sum(answers[p][0] == TOPIC for p in ids)  # noqa: E731
    hubs = lambda ids: sum(answers[p][1] for p in ids)  # noqa: E731
    assert hubs(by_relevance) <= 2
    assert on_topic(by_relevance) >= on_topic(by_seed)
    assert on_topic(by_relevance) >= 14


def test_relevance_discounts_a_hub_that_collects_seed_pagerank():
    seeds = np.array([0])
    n = 4
    # paper 1: a hub with high global and seed PageRank; paper 2: on topic, less visited
    out = relevance(seeds=seeds, seed_pagerank=np.array([0.5, 0.3, 0.1, 0.01]),
                    pagerank=np.array([0.1, 0.6, 0.05, 0.25]), cocitation=np.array([0, 0.1, 0.5, 0]),
                    coupling=np.array([0, 0, 1.0, 0]), in_citations=np.array([3, 100, 4, 2]),
                    similarity=np.array([1.0, 0.05, 0.6, 0.0]))
    assert out.score[2] > out.score[1] > out.score[3] and out.score.size == n
    assert saturate([0, 1, 1, 3]).tolist() == [0.0, 0.5, 0.5, 0.75]


def test_top_lists_by_relevance_by_default_and_show_says_why(world):
    rows = json.loads(kb(world, "top", "--no-seeds", "--limit", "5", "--json"))
    assert rows["by"] == "relevance"
    values = [r["relevance"] for r in rows["results"]]
    assert values == sorted(values, reverse=True) and len(values) == 5
    view = json.loads(kb(world, "show", rows["results"][0]["paper_id"], "--json"))
    assert view["why"] and any(("co-cited" in w or "shares" in w or "cite" in w) for w in view["why"])
    assert view["ranks"]["relevance"]["position"] >= 1
    text = kb(world, "show", rows["results"][0]["paper_id"])
    assert "Why relevant:" in text


def test_similar_ranks_with_reasons_and_top_like_agrees(world):
    seed = world["seeds"][0]
    out = json.loads(kb(world, "similar", seed, "--limit", "10", "--json"))
    results = out["results"]
    assert len(results) == 10 and all(r["reasons"] for r in results)
    sims = [r["similarity"] for r in results]
    assert sims == sorted(sims, reverse=True)
    on_topic = sum(world["answers"][r["paper_id"]][0] == TOPIC for r in results)
    assert on_topic >= 7
    like = json.loads(kb(world, "top", "--like", seed, "--limit", "10", "--json"))
    assert [r["id"] for r in like["results"]] == [r["id"] for r in results]
    assert like["by"] == "similarity"
    plain = kb(world, "similar", seed, "--limit", "3")
    assert len(plain.strip().splitlines()) == 3


def test_nearest_matches_brute_force(world):
    with Store(world["db"], readonly=True) as store:
        ids = [r[0] for r in store.conn.execute("SELECT paper FROM paper_embedding ORDER BY paper")]
        vectors = vectors_of(store, ids)
        q = query_vector(store, ids[:1])
        exact = sorted(((float(v @ q), p) for p, v in vectors.items() if p != ids[0]), reverse=True)[:10]
        found = nearest(store, q, 10, exclude=[ids[0]])
    assert [p for p, _ in found] == [p for _, p in exact]


def test_the_inverted_file_finds_brute_force_neighbours_reading_a_tenth_of_the_store(tmp_path):
    """Clustered vectors (a topic direction plus noise, as bench/bench_embeddings.py makes a
    million of), lists of ~100, each query reading ~10% of the store: recall@10 against exact
    numpy brute force."""
    from kb.knowledge.embeddings import scan, write_lists

    rng = np.random.default_rng(1)
    n, topics = 8000, 40
    centres = rng.standard_normal((topics, 768)).astype(np.float32)
    vectors = 0.9 * centres[rng.integers(0, topics, n)] + rng.standard_normal((n, 768), dtype=np.float32)
    db = tmp_path / "kb.sqlite"
    with Store(db) as store:
        with store.transaction() as conn:
            conn.executemany("INSERT INTO paper (id, paper_id, title) VALUES (?, ?, ?)",
                             ((i, f"{i:040x}", f"Paper {i}") for i in range(1, n + 1)))
            conn.executemany("INSERT INTO paper_embedding (paper, model, vector) VALUES (?, 'specter_v2', ?)",
                             ((i + 1, vectors[i].astype("<f2").tobytes()) for i in range(n)))
        index = scan(store, np.arange(1, n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), list_size=100)
        with store.transaction() as conn:
            write_lists(conn, index.lists)
        assert 60 <= store.conn.execute("SELECT count(*) FROM embedding_list").fetchone()[0] <= 80
        unit = vectors.astype("<f2").astype(np.float32)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        hits = 0
        for q in (7, 1234, 4321, 6000, 7999):
            exact = np.argsort(-(unit @ unit[q - 1]))[1:11] + 1
            found = nearest(store, unit[q - 1], 10, exclude=[q], probe=800)
            hits += len({p for p, _ in found} & set(exact.tolist()))
            assert found[0][1] == pytest.approx(float(unit[exact[0] - 1] @ unit[q - 1]), abs=1e-5)
    assert hits / 50 >= 0.9


def test_a_paper_linked_to_several_seeds_outranks_its_otherwise_equal_neighbour():
    from kb.knowledge.ranking import seed_links
    import scipy.sparse as sp

    # 0 and 1 are seeds; 2 cites both, 3 cites neither; otherwise the same figures
    adjacency = sp.csr_matrix((np.ones(2), ([2, 2], [0, 1])), shape=(4, 4))
    links = seed_links(adjacency, np.array([0, 1]))
    assert links.tolist() == [0.0, 0.0, 2.0, 0.0]
    same = np.array([0.1, 0.1, 0.2, 0.2])
    out = relevance(seeds=np.array([0, 1]), seed_pagerank=same, pagerank=same, cocitation=same,
                    coupling=same, in_citations=np.array([1, 1, 0, 0]), links=links)
    assert out.score[2] > out.score[3]


def test_coupling_counts_the_share_of_a_papers_references_not_their_number():
    # 2 is a survey sharing 3 of its 60 references with the seed; 3 shares 2 of its 4
    same = np.array([0.1, 0.1, 0.2, 0.2])
    out = relevance(seeds=np.array([0]), seed_pagerank=same, pagerank=same, cocitation=same,
                    coupling=np.array([0.0, 0.0, 3.0, 2.0]), in_citations=np.array([1, 1, 0, 0]),
                    in_references=np.array([5, 5, 60, 4]))
    assert out.score[3] > out.score[2]
