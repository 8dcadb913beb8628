"""Ranking: PageRank (global and seed-personalised) against networkx, co-citation and coupling
against brute force, and the stored ranks, `kb rank` and `kb top` on a real store."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from tests.cli_runner import invoke

from kb.knowledge.ranking import (Graph, cocitation_with, compute_ranks, coupling_with, load_graph,
                        pagerank, pagerank_many, rank_graph)
from kb.store import Store
from tests.use_fixtures import build_store, sha


def adjacency(n: int, edges) -> sp.csr_matrix:
    rows = [a for a, _ in edges]
    cols = [b for _, b in edges]
    return sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))


def random_graph(n: int, m: int, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    edges = {(int(a), int(b)) for a, b in rng.integers(0, n, size=(m, 2)) if a != b}
    return sorted(edges)


def nx_vector(result: dict, n: int) -> np.ndarray:
    return np.array([result[i] for i in range(n)])


# -- PageRank ----------------------------------------------------------------------------------

def test_pagerank_cycle_is_uniform_and_chain_has_known_answer():
    x, _ = pagerank(adjacency(3, [(0, 1), (1, 2), (2, 0)]), tol=1e-14)
    assert np.allclose(x, 1 / 3, atol=1e-12)
    # a -> b with b dangling: b hands its weight back uniformly. Solving the two equations
    # x_a = 0.15/2 + 0.85 x_b / 2 and x_a + x_b = 1 gives x_a = 0.5 / 1.425.
    x, _ = pagerank(adjacency(2, [(0, 1)]), tol=1e-14)
    assert x[0] == pytest.approx(0.5 / 1.425, abs=1e-12)
    assert x[1] == pytest.approx(1 - 0.5 / 1.425, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_pagerank_matches_networkx_with_dangling_nodes(seed):
    n = 40
    edges = random_graph(n, 70, seed)  # sparse enough that several papers cite nothing
    a = adjacency(n, edges)
    assert (np.diff(a.indptr) == 0).any(), "the graph should have dangling papers"
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expected = nx_vector(nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=10_000), n)
    ours, iterations = pagerank(a, tol=1e-13, max_iter=10_000)
    assert iterations < 10_000
    assert np.allclose(ours, expected, atol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_personalised_pagerank_matches_networkx(seed):
    n = 40
    edges = random_graph(n, 70, seed)
    a = adjacency(n, edges)
    seeds = [0, 5, 17]
    restart = np.zeros(n)
    restart[seeds] = 1.0
    personalization = {i: (1.0 if i in seeds else 0.0) for i in range(n)}
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    directed = nx_vector(nx.pagerank(g, personalization=personalization, tol=1e-13,
                                     max_iter=10_000), n)
    ours, _ = pagerank(a, restart, tol=1e-13, max_iter=10_000)
    assert np.allclose(ours, directed, atol=1e-10)
    # Undirected (what seed_pagerank uses): networkx on the MultiGraph, where two papers
    # citing each other are linked twice.
    edges_mutual = edges + [(b, a_) for a_, b in edges[:5]]
    multi = nx.MultiGraph()
    multi.add_nodes_from(range(n))
    multi.add_edges_from(edges_mutual)
    expected = nx_vector(nx.pagerank(multi, personalization=personalization, tol=1e-13,
                                     max_iter=10_000), n)
    ours, _ = pagerank(adjacency(n, edges_mutual), restart, undirected=True, tol=1e-13,
                       max_iter=10_000)
    assert np.allclose(ours, expected, atol=1e-10)


def test_joint_iteration_equals_separate_runs():
    n = 50
    a = adjacency(n, random_graph(n, 120, 7))
    restart = np.zeros(n)
    restart[[3, 8]] = 1.0
    variants = [(None, False), (restart, True), (restart, False)]
    joint, iterations = pagerank_many(a, variants, tol=1e-12)
    for (p, undirected), vector, its in zip(variants, joint, iterations):
        alone, alone_its = pagerank(a, p, undirected=undirected, tol=1e-12)
        assert np.allclose(vector, alone, atol=1e-14) and its == alone_its


def test_pagerank_rejects_empty_restart_and_handles_empty_graph():
    with pytest.raises(ValueError):
        pagerank(adjacency(3, [(0, 1)]), np.zeros(3))
    x, iterations = pagerank(sp.csr_matrix((0, 0)))
    assert x.size == 0 and iterations == 0


# -- co-citation and coupling ------------------------------------------------------------------

def brute_cocitation(n, edges, seeds):
    citers = {j: {a for a, b in edges if b == j} for j in range(n)}
    out = np.zeros(n)
    for j in range(n):
        for s in seeds:
            if s == j or not citers[j] or not citers[s]:
                continue
            out[j] += len(citers[j] & citers[s]) / math.sqrt(len(citers[j]) * len(citers[s]))
    return out


def brute_coupling(n, edges, seeds):
    refs = {j: {b for a, b in edges if a == j} for j in range(n)}
    citers = {j: sum(1 for _, b in edges if b == j) for j in range(n)}
    out = np.zeros(n)
    for j in range(n):
        for s in seeds:
            if s != j:
                out[j] += sum(1 / math.log(citers[r]) for r in refs[j] & refs[s])
    return out


@pytest.mark.parametrize("seed", range(5))
def test_cocitation_and_coupling_match_brute_force(seed):
    n = 30
    edges = random_graph(n, 120, seed)
    a = adjacency(n, edges)
    seeds = np.array([1, 4, 9])
    assert np.allclose(cocitation_with(a, seeds), brute_cocitation(n, edges, seeds), atol=1e-12)
    assert np.allclose(coupling_with(a, seeds), brute_coupling(n, edges, seeds), atol=1e-12)


def test_cocitation_and_coupling_known_small_case():
    # Papers 2 and 3 both cite seed 0 and paper 1: 1 is co-cited with the seed twice.
    # Paper 4 cites 1, so 1 has three citers and the cosine is 2 / sqrt(3 * 2).
    # Paper 2 shares references 0 and 1 with paper 3 (a seed here).
    edges = [(2, 0), (2, 1), (3, 0), (3, 1), (4, 1)]
    a = adjacency(5, edges)
    assert cocitation_with(a, np.array([0]))[1] == pytest.approx(2 / math.sqrt(6))
    assert coupling_with(a, np.array([3]))[2] == pytest.approx(1 / math.log(2) + 1 / math.log(3))
    assert coupling_with(a, np.array([3]))[3] == 0  # a seed is not coupled with itself
    assert not cocitation_with(a, np.array([], dtype=int)).any()


# -- on a store --------------------------------------------------------------------------------

@pytest.fixture
def store(store_target):
    s = build_store(store_target)
    yield s
    s.close()


def test_compute_ranks_stores_every_figure(store):
    summary = compute_ranks(store)
    assert (summary.papers, summary.edges, summary.seeds) == (9, 10, 2)
    rows = {r["paper"]: dict(r) for r in store.conn.execute("SELECT * FROM paper_rank")}
    assert set(rows) == set(range(1, 10))
    assert sum(r["pagerank"] for r in rows.values()) == pytest.approx(1.0)
    assert sum(r["seed_pagerank"] for r in rows.values()) == pytest.approx(1.0)
    # in-store counts: P7 is cited by P4 and P6; P4 cites 3 papers.
    assert rows[7]["in_citations"] == 2 and rows[4]["in_references"] == 3
    # the isolated paper gets only restart weight from the seeds' walk: none.
    assert rows[8]["seed_pagerank"] == pytest.approx(0.0, abs=1e-12)
    # co-citation: P3 is cited together with seed P1 by P6, and with seed P2 by P4.
    assert rows[3]["cocitation"] > 0 and rows[8]["cocitation"] == 0
    # compare with networkx on the same graph
    g = nx.DiGraph()
    g.add_nodes_from(range(1, 10))
    for r in store.conn.execute("SELECT citing, cited FROM citation"):
        g.add_edge(r[0], r[1])
    expected = nx.pagerank(g, tol=1e-12)
    for pid, value in expected.items():
        assert rows[pid]["pagerank"] == pytest.approx(value, abs=1e-6)
    seeded = nx.pagerank(g.to_undirected(), personalization={1: 1, 2: 1}, tol=1e-12)
    for pid, value in seeded.items():
        assert rows[pid]["seed_pagerank"] == pytest.approx(value, abs=1e-6)
    run = store.conn.execute("SELECT * FROM rank_run").fetchone()
    assert run["papers"] == 9 and run["seeds"] == 2 and run["iterations"] > 0


def test_recompute_replaces_ranks_and_handles_id_gaps(store):
    compute_ranks(store)
    with store.transaction() as conn:  # delete a paper: ids are no longer 1..n
        conn.execute("DELETE FROM paper WHERE id = 8")
    compute_ranks(store)
    ids = [r[0] for r in store.conn.execute("SELECT paper FROM paper_rank ORDER BY paper")]
    assert ids == [1, 2, 3, 4, 5, 6, 7, 9]
    graph = load_graph(store)
    assert graph.ids.tolist() == ids
    # edge 9 -> 5 lands on the right row and column despite the gap
    assert graph.adjacency[ids.index(9), ids.index(5)] == 1
    assert store.conn.execute("SELECT count(*) FROM rank_run").fetchone()[0] == 2


def test_edges_of_papers_stored_after_the_id_read_are_left_out(store, monkeypatch):
    import kb.knowledge.ranking as ranking

    real = ranking._int_column
    monkeypatch.setattr(ranking, "_int_column",  # as if P9 was stored after ids were read
                        lambda conn, sql: real(conn, sql)[:-1])
    graph = load_graph(store)
    assert graph.n == 8 and graph.adjacency.nnz == 9  # the edge 9 -> 5 waits for next time
    with store.transaction() as conn:
        conn.execute("DELETE FROM paper WHERE id = 8")  # ids with a gap take the other path
    graph = load_graph(store)
    assert graph.ids.tolist() == [1, 2, 3, 4, 5, 6, 7] and graph.adjacency.nnz == 9


def test_threaded_chunked_loading_equals_serial(store):
    serial = load_graph(store, workers=1)
    threaded = load_graph(store, chunk=2, workers=2)
    assert (serial.adjacency != threaded.adjacency).nnz == 0
    assert serial.seeds.tolist() == threaded.seeds.tolist() == [0, 1]


def test_no_seeds_gives_zero_seed_figures(tmp_path):
    s = Store(tmp_path / "plain.sqlite")
    from kb.store.records import EdgeRecord, PaperRecord
    s.upsert_papers([PaperRecord(sha(i), title=f"p{i}") for i in range(1, 4)])
    s.upsert_edges([EdgeRecord(sha(1), sha(2)), EdgeRecord(sha(2), sha(3))])
    summary = compute_ranks(s)
    assert summary.seeds == 0
    rows = s.conn.execute("SELECT seed_pagerank, cocitation, coupling FROM paper_rank").fetchall()
    assert all(tuple(r) == (0.0, 0.0, 0.0) for r in rows)
    s.close()


def test_empty_store_ranks_nothing(tmp_path):
    s = Store(tmp_path / "empty.sqlite")
    summary = compute_ranks(s)
    assert (summary.papers, summary.edges) == (0, 0)
    s.close()


def test_rank_graph_on_graph_object():
    a = adjacency(4, [(1, 0), (2, 0), (3, 1)])
    ranks = rank_graph(Graph(ids=np.arange(1, 5), adjacency=a, seeds=np.array([0])))
    assert ranks.in_citations.tolist() == [2, 1, 0, 0]
    assert ranks.in_references.tolist() == [0, 1, 1, 1]
    assert ranks.seed_pagerank.argmax() == 0


# -- CLI ---------------------------------------------------------------------------------------

def run(db, *args):
    result = invoke(*args, db=db)
    return result


def test_kb_rank_and_top(store):
    db = store.path
    store.close()
    result = run(db, "top", "--json")
    assert result.exit_code == 0
    assert "ranks have not been computed" in result.stderr
    result = run(db, "rank", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["papers"] == 9 and summary["seeds"] == 2
    result = run(db, "rank")
    assert "Ranked 9 papers and 10 citations (2 seeds)" in result.stdout

    top = json.loads(run(db, "top", "--by", "pagerank", "--json").stdout)
    values = [r["pagerank"] for r in top["results"]]
    assert values == sorted(values, reverse=True) and len(values) == 9
    with Store(db, readonly=True) as s:
        best = s.conn.execute("SELECT paper FROM paper_rank ORDER BY pagerank DESC").fetchone()[0]
    assert top["results"][0]["id"] == best

    by_cocitation = json.loads(run(db, "top", "--by", "cocitation", "--limit", "3", "--json").stdout)
    assert len(by_cocitation["results"]) == 3
    cc = [r["cocitation"] for r in by_cocitation["results"]]
    assert cc == sorted(cc, reverse=True) and cc[0] > 0

    seed = json.loads(run(db, "top", "--by", "seed", "--json", "--year-from", "2018").stdout)["results"]
    assert all(r["year"] >= 2018 for r in seed)
    assert [r["seed_pagerank"] for r in seed] == sorted((r["seed_pagerank"] for r in seed),
                                                        reverse=True)
    default = json.loads(run(db, "top", "--json").stdout)   # relevance, seeds first
    assert default["by"] == "relevance"
    relevance = [r["relevance"] for r in default["results"]]
    assert relevance == sorted(relevance, reverse=True)
    assert {r["id"] for r in default["results"][:2]} == {1, 2}
    no_seeds = json.loads(run(db, "top", "--no-seeds", "--json").stdout)["results"]
    assert {r["id"] for r in no_seeds} == set(range(3, 10))
    plain = run(db, "top", "--by", "citations", "--limit", "2")
    lines = plain.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(sha(6))  # 5000 S2 citations

    bad = run(db, "top", "--by", "fame")
    assert bad.exit_code == 2 and "kb: error: unknown --by 'fame'" in bad.stderr
