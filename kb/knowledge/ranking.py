"""How important each stored paper is, globally and to the seeds, from the citation graph.

Five figures per paper, recomputed together by ``kb rank`` and after every crawl:

* ``pagerank``: global PageRank of the store's citation graph (a citation passes importance
  from the citing to the cited paper).
* ``seed_pagerank``: personalised PageRank whose random surfer restarts at the seeds and
  follows citations both ways (papers building on the seeds matter as much as papers the
  seeds build on; the crawl follows both too): relevance to the seeds.
* ``cocitation``: how often the paper is cited *together with* a seed, as Salton's cosine
  (co-citations / sqrt(citers of the paper * citers of the seed)), summed over the seeds.
* ``coupling``: references the paper *shares* with a seed, each weighted 1/log(number of
  citers of that reference) (Adamic-Adar: a shared obscure reference says more than a shared
  classic), summed over the seeds.
* ``in_citations`` / ``in_references``: citers and references inside the store.
* ``relevance``: the default order, combining the above with embedding similarity to the seeds
  (kb.knowledge.relevance).

The whole graph is loaded into scipy sparse matrices in a few bulk reads (no Python loop over
edges), PageRank is plain power iteration with sparse matrix-vector products, and the
results are written back in one transaction: a million papers and ten million edges take
seconds, not minutes.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass

from kb.errors import StoreError
from kb.knowledge.query import seed_ids_of
from kb.store import utc_now

ALPHA = 0.85     # damping factor: the usual 0.85, also networkx's default
TOL = 1e-8       # stop when the L1 change of every PageRank vector is below this: the
                 # remaining L1 error is then below ~6e-8, far under any rank difference
MAX_ITER = 200


@dataclass
class RankSummary:
    papers: int
    edges: int
    seeds: int
    iterations: int
    seed_iterations: int
    load_seconds: float
    compute_seconds: float
    write_seconds: float
    seconds: float
    computed_at: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Graph:
    """The citation graph with papers renumbered 0..n-1 (``ids[k]`` is paper k's store id).

    ``adjacency`` is CSR with a 1 at (i, j) when paper i cites paper j."""

    ids: "object"        # np.ndarray[int64], sorted
    adjacency: "object"  # scipy.sparse.csr_matrix
    seeds: "object"      # np.ndarray[int64] of positions

    @property
    def n(self) -> int:
        return int(self.ids.size)


# -- loading -----------------------------------------------------------------------------------

def _int_column(conn, sql: str, params=()) -> "object":
    """One integer column as a numpy array, via a single group_concat string: parsing one
    string in C is much faster than fetching a million one-int tuples."""
    import numpy as np

    text = conn.execute(sql, params).fetchone()[0]
    if not text:
        return np.zeros(0, dtype=np.int64)
    return _parse_ints(text)


def _parse_ints(text: str):
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        values = np.fromstring(text, dtype=np.int64, sep=",")
    if values.size != text.count(",") + 1:  # never expected; fromstring stops at bad input
        values = np.array(text.split(","), dtype=np.int64)
    return values


def _read_edge_chunk(conn, low: int, high: int):
    """(citing, cited) store ids of edges whose citing id is in [low, high), in one row: both
    group_concats aggregate the same rows in the same order, so the lists stay aligned."""
    import numpy as np

    citing, cited = conn.execute(
        "SELECT group_concat(citing), group_concat(cited) FROM citation "
        "WHERE citing >= ? AND citing < ?", (low, high)).fetchone()
    if not citing:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return _parse_ints(citing), _parse_ints(cited)


def _read_edges(store, max_id: int, *, chunk: int, workers: int):
    """All edges as two aligned arrays, read in citing-id chunks (bounded memory per chunk).

    On a big store the chunks are shared among threads, each with its own read-only
    connection (the database works without the GIL), so reading takes about 1/workers of the time.
    Those connections only see committed rows, so inside an open transaction (or on a small
    store) the store's own connection reads everything."""
    import numpy as np

    bounds = list(range(0, max_id + 1, chunk))
    if workers > 1 and len(bounds) > 1 and not store.conn.in_transaction:
        from concurrent.futures import ThreadPoolExecutor

        def work(w: int):
            conn = store.reader_connection()
            try:
                return [(i, _read_edge_chunk(conn, bounds[i], bounds[i] + chunk))
                        for i in range(w, len(bounds), workers)]
            finally:
                conn.close()

        with ThreadPoolExecutor(workers) as pool:
            done = [item for part in pool.map(work, range(workers)) for item in part]
        parts = [pair for _i, pair in sorted(done, key=lambda item: item[0])]
    else:
        parts = [_read_edge_chunk(store.conn, low, low + chunk) for low in bounds]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate([c for c, _ in parts]), np.concatenate([d for _, d in parts])


def read_edges(store, *, chunk: int = 100_000, workers: int = 1):
    """Every stored citation as two aligned arrays of store ids (citing, cited), read in bulk:
    what the rank run and automatic tagging's graph evidence both need."""
    top = store.conn.execute("SELECT max(id) FROM paper").fetchone()[0] or 0
    return _read_edges(store, int(top), chunk=chunk, workers=workers)


def load_graph(store, *, chunk: int = 100_000, workers: int | None = None) -> Graph:
    """Read papers and citations into a CSR matrix with a few bulk reads (no per-edge Python)."""
    import os

    import numpy as np
    import scipy.sparse as sp

    conn = store.conn
    ids = np.sort(_int_column(conn, "SELECT group_concat(id) FROM paper"))
    n = ids.size
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if n >= 200_000 else 1
    citing, cited = _read_edges(store, int(ids[-1]) if n else 0, chunk=chunk, workers=workers)
    # Map store ids to positions 0..n-1. A crawl committing while we read can add edges whose
    # papers were stored after ``ids`` was read; such edges wait for the next computation.
    if n and ids[0] == 1 and ids[-1] == n:  # ids without gaps: position = id - 1
        keep = (citing <= n) & (cited <= n)
        citing, cited = citing - 1, cited - 1
    else:
        citing_pos = np.minimum(np.searchsorted(ids, citing), max(n - 1, 0))
        cited_pos = np.minimum(np.searchsorted(ids, cited), max(n - 1, 0))
        keep = (ids[citing_pos] == citing) & (ids[cited_pos] == cited) if n else citing < 0
        citing, cited = citing_pos, cited_pos
    if not keep.all():
        citing, cited = citing[keep], cited[keep]
    index_dtype = np.int32 if max(n, cited.size) < 2**31 - 1 else np.int64
    if citing.size < 2 or bool(np.all(citing[1:] >= citing[:-1])):
        # Chunks are read in citing order, so the edges are already laid out row by row.
        indptr = np.zeros(n + 1, dtype=index_dtype)
        np.cumsum(np.bincount(citing, minlength=n), out=indptr[1:])
        adjacency = sp.csr_matrix(
            (np.ones(cited.size), cited.astype(index_dtype), indptr), shape=(n, n))
        adjacency.sort_indices()
    else:  # pragma: no cover - only if SQLite ever scanned a range out of key order
        adjacency = sp.csr_matrix((np.ones(cited.size), (citing, cited)), shape=(n, n))
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0  # a citation is a citation, however often it was stored
    seed_ids = np.array(seed_ids_of(store), dtype=np.int64)
    seed_pos = np.searchsorted(ids, seed_ids)
    known = seed_pos < n
    seed_pos = seed_pos[known][ids[seed_pos[known]] == seed_ids[known]]
    return Graph(ids=ids, adjacency=adjacency, seeds=np.unique(seed_pos))


# -- the measures ------------------------------------------------------------------------------

def pagerank(adjacency, personalization=None, *, undirected: bool = False,
             alpha: float = ALPHA, tol: float = TOL, max_iter: int = MAX_ITER):
    """PageRank of the citation graph ``adjacency`` (i cites j when [i, j] is non-zero), by
    power iteration. Returns (vector summing to 1, iterations used).

    ``personalization`` is the restart distribution (uniform when None). Directed, a citation
    passes weight from the citing to the cited paper; ``undirected`` lets it pass both ways
    (a pair citing each other is linked twice). Either way this is exactly networkx.pagerank
    (on the DiGraph, resp. the MultiGraph, of the citations): a dangling paper, with no
    outgoing link, hands its weight to the restart distribution."""
    (x,), (iterations,) = pagerank_many(adjacency, [(personalization, undirected)],
                                        alpha=alpha, tol=tol, max_iter=max_iter)
    return x, iterations


def pagerank_many(adjacency, variants, *, alpha: float = ALPHA, tol: float = TOL,
                  max_iter: int = MAX_ITER):
    """Several PageRank vectors, one per (personalization, undirected) in ``variants``,
    iterated together: their citing-to-cited pushes share one pass over the matrix (one
    sparse times n x k product), which is what a big graph's iteration time is made of.
    Each vector stops changing once it has converged. Returns (vectors, iterations)."""
    import numpy as np

    adjacency = adjacency.tocsr()
    n = adjacency.shape[0]
    k = len(variants)
    if n == 0:
        return [np.zeros(0) for _ in range(k)], [0] * k
    out_degree = np.asarray(adjacency.sum(axis=1), dtype=np.float64).ravel()
    in_degree = np.bincount(adjacency.indices, weights=adjacency.data, minlength=n)
    restarts, inv_degrees, danglings, both_ways = [], [], [], []
    for personalization, undirected in variants:
        if personalization is None:
            p = np.full(n, 1.0 / n)
        else:
            p = np.asarray(personalization, dtype=np.float64).ravel()
            if p.shape != (n,) or np.any(p < 0) or p.sum() <= 0:
                raise ValueError("the restart distribution needs n non-negative weights, "
                                 "not all 0")
            p = p / p.sum()
        degree = out_degree + in_degree if undirected else out_degree
        inv = np.zeros(n)
        np.divide(1.0, degree, out=inv, where=degree > 0)
        restarts.append(p)
        inv_degrees.append(inv)
        danglings.append(degree == 0)
        both_ways.append(bool(undirected))
    forward = adjacency.T  # a free CSC view: pushes weight from citing to cited papers
    restart_support = []
    for p in restarts:
        if np.all(p == p[0]):
            restart_support.append((None, float(p[0])))
        else:
            where = np.flatnonzero(p)
            restart_support.append((where, p[where]))

    xs = [p.copy() for p in restarts]
    iterations = [0] * k
    active = list(range(k))
    for step in range(1, max_iter + 1):
        if not active:
            break
        shares = np.empty((n, len(active)))
        for c, i in enumerate(active):
            np.multiply(xs[i], inv_degrees[i], out=shares[:, c])
        pushed = forward @ shares if len(active) > 1 else (forward @ shares[:, 0])[:, None]
        still = []
        for c, i in enumerate(active):
            new = np.ascontiguousarray(pushed[:, c])
            if both_ways[i]:
                new += adjacency @ shares[:, c]   # and from cited back to citing papers
            new *= alpha
            # (a masked sum, not a dot product: BLAS would spin up threads for nothing)
            weight = alpha * np.sum(xs[i], where=danglings[i]) + (1.0 - alpha)
            where, values = restart_support[i]
            if where is None:   # uniform restart: one number for every paper
                new += weight * values
            else:               # restart at a few papers (the seeds): touch only those
                new[where] += weight * values
            change = np.abs(new - xs[i]).sum()
            xs[i] = new
            iterations[i] = step
            if change >= tol:
                still.append(i)
        active = still
    return [x / x.sum() for x in xs], iterations


def cocitation_with(adjacency, seeds):
    """Sum over seeds s of Salton's cosine: cocited(j, s) / sqrt(citers(j) * citers(s)).

    A seed's own score leaves out its cosine with itself (always 1)."""
    import numpy as np

    n = adjacency.shape[0]
    in_degree = np.asarray(adjacency.sum(axis=0)).ravel()
    score = np.zeros(n)
    if seeds.size == 0 or n == 0:
        return score
    v = np.zeros(n)
    cited_seeds = seeds[in_degree[seeds] > 0]
    v[cited_seeds] = 1.0 / np.sqrt(in_degree[cited_seeds])
    per_citer = adjacency @ v                # for each citing paper: sum over seeds it cites
    together = adjacency.T @ per_citer       # for each cited paper: sum over its citers
    cited = in_degree > 0
    score[cited] = together[cited] / np.sqrt(in_degree[cited])
    score[cited_seeds] -= 1.0
    return np.maximum(score, 0.0)


def seed_links(adjacency, seeds):
    """For each paper, the seeds it cites plus the seeds citing it: direct links."""
    import numpy as np

    n = adjacency.shape[0]
    if seeds.size == 0 or n == 0:
        return np.zeros(n)
    v = np.zeros(n)
    v[seeds] = 1.0
    return np.asarray(adjacency @ v).ravel() + np.asarray(adjacency.T @ v).ravel()


def coupling_with(adjacency, seeds):
    """Sum over seeds s of Adamic-Adar over shared references r: 1 / log(citers(r)).

    A seed's own score leaves out its coupling with itself."""
    import numpy as np

    n = adjacency.shape[0]
    score = np.zeros(n)
    if seeds.size == 0 or n == 0:
        return score
    in_degree = np.asarray(adjacency.sum(axis=0)).ravel()
    weight = np.zeros(n)
    shared = in_degree >= 2               # a reference two papers share has >= 2 citers
    weight[shared] = 1.0 / np.log(in_degree[shared])
    indicator = np.zeros(n)
    indicator[seeds] = 1.0
    seeds_citing = adjacency.T @ indicator   # for each reference: how many seeds cite it
    score = adjacency @ (weight * seeds_citing)
    score[seeds] -= (adjacency @ weight)[seeds]
    return np.maximum(score, 0.0)


@dataclass
class Ranks:
    ids: "object"
    pagerank: "object"
    seed_pagerank: "object"
    cocitation: "object"
    coupling: "object"
    in_citations: "object"
    in_references: "object"
    iterations: int
    seed_iterations: int
    relevance: "object" = None


def rank_graph(graph: Graph, *, alpha: float = ALPHA, tol: float = TOL,
               max_iter: int = MAX_ITER, similarity=None, recommended=None) -> Ranks:
    """All the figures for a loaded graph. With no seeds, seed-relative figures are 0.
    ``similarity`` (embedding cosine with the seeds, per paper) and ``recommended`` (how
    strongly Semantic Scholar recommends it for the seeds) feed the relevance figure.

    The seed PageRank follows citations both ways: a paper that builds on the seeds (cites
    them) is as relevant to them as one they build on, and the crawl follows both too."""
    import numpy as np

    n = graph.n
    a = graph.adjacency
    variants = [(None, False)]
    if graph.seeds.size:
        restart = np.zeros(n)
        restart[graph.seeds] = 1.0
        variants.append((restart, True))
    vectors, iterations = pagerank_many(a, variants, alpha=alpha, tol=tol, max_iter=max_iter)
    global_pr, seed_pr = vectors[0], (vectors[1] if graph.seeds.size else np.zeros(n))
    ranks = Ranks(
        ids=graph.ids,
        pagerank=global_pr,
        seed_pagerank=seed_pr,
        cocitation=cocitation_with(a, graph.seeds),
        coupling=coupling_with(a, graph.seeds),
        in_citations=np.bincount(a.indices, minlength=n).astype(np.int64),
        in_references=np.diff(a.indptr).astype(np.int64),
        iterations=iterations[0],
        seed_iterations=iterations[1] if graph.seeds.size else 0,
    )
    ranks.relevance = relevance_of(graph, ranks, similarity=similarity, recommended=recommended).score
    return ranks


def relevance_of(graph: Graph, ranks: Ranks, *, similarity=None, recommended=None):
    """kb.knowledge.relevance for a ranked graph. Seeds come first (they are what the reader
    said is relevant), in seed PageRank order; without seeds relevance is global PageRank."""
    from kb.knowledge.relevance import relevance

    if not graph.seeds.size:
        from kb.knowledge.relevance import Relevance

        return Relevance(score=ranks.pagerank.copy(), signals={})
    result = relevance(seeds=graph.seeds, seed_pagerank=ranks.seed_pagerank,
                       pagerank=ranks.pagerank, cocitation=ranks.cocitation,
                       coupling=ranks.coupling, in_citations=ranks.in_citations,
                       in_references=ranks.in_references,
                       links=seed_links(graph.adjacency, graph.seeds),
                       similarity=similarity, recommended=recommended)
    top = float(result.score.max()) if result.score.size else 0.0
    result.score[graph.seeds] = top + 1.0 + ranks.seed_pagerank[graph.seeds]
    return result


# -- storing -----------------------------------------------------------------------------------

#: How many of the best papers of each order get a stored position (kb.knowledge.query walks them).
TOP_ORDER_SLICE = 50_000


def order_positions(ids, primary, secondary=None, *, top: int):
    """Each paper's position in the order "``primary`` descending, then ``secondary``
    descending, then id ascending" (exactly the SQL listings' order), or -1 beyond the first
    ``top``. A total order, so the stored positions are a true prefix of it, ties included."""
    import numpy as np

    keys = (ids, -secondary, -primary) if secondary is not None else (ids, -primary)
    order = np.lexsort(keys)[:top]
    positions = np.full(len(ids), -1, dtype=np.int64)
    positions[order] = np.arange(len(order), dtype=np.int64)
    return positions


def write_ranks(store, ranks: Ranks, summary_fields: dict, *, embedding_lists=None) -> None:
    """Store every paper's figures (and the embeddings' nearest-neighbour index) and record
    the run, in one transaction."""
    import numpy as np

    if ranks.relevance is None:
        ranks.relevance = np.zeros(len(ranks.ids))
    seed_order = order_positions(ranks.ids, ranks.seed_pagerank, ranks.pagerank, top=TOP_ORDER_SLICE)
    pagerank_order = order_positions(ranks.ids, ranks.pagerank, top=TOP_ORDER_SLICE)
    relevance_order = order_positions(ranks.ids, ranks.relevance, ranks.seed_pagerank, top=TOP_ORDER_SLICE)
    figures = (ranks.ids, ranks.pagerank, ranks.seed_pagerank, ranks.cocitation, ranks.coupling,
               ranks.in_citations, ranks.in_references, ranks.relevance)
    n = len(ranks.ids)

    def rows(chunk: int = 100_000):
        # Python objects for one chunk at a time: a million rows at once would cost ~250 MB.
        for start in range(0, n, chunk):
            orders = ([None if x < 0 else x for x in o[start:start + chunk].tolist()]
                      for o in (seed_order, pagerank_order, relevance_order))
            yield from zip(*(c[start:start + chunk].tolist() for c in figures), *orders)

    # Upsert rather than delete-and-insert: rewriting rows in place is faster than freeing
    # and reallocating every page, and rows of deleted papers go with them (ON DELETE CASCADE).
    # The order indexes are dropped and built again: building one from the new slice is
    # cheaper than moving the old and new slices' entries one row at a time.
    with store.transaction() as conn:
        order_indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND name IN ('paper_rank_seed_order', 'paper_rank_pagerank_order', "
            "'paper_rank_relevance_order')").fetchall()
        for name, _ in order_indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.executemany(
            "INSERT INTO paper_rank (paper, pagerank, seed_pagerank, cocitation, coupling, "
            "in_citations, in_references, relevance, seed_order, pagerank_order, relevance_order) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(paper) DO UPDATE SET pagerank = excluded.pagerank, "
            "seed_pagerank = excluded.seed_pagerank, cocitation = excluded.cocitation, "
            "coupling = excluded.coupling, in_citations = excluded.in_citations, "
            "in_references = excluded.in_references, relevance = excluded.relevance, "
            "seed_order = excluded.seed_order, pagerank_order = excluded.pagerank_order, "
            "relevance_order = excluded.relevance_order", rows())
        if embedding_lists is not None:
            from kb.knowledge.embeddings import write_lists

            write_lists(conn, embedding_lists)
        for _, sql in order_indexes:
            conn.execute(sql)
        conn.execute(
            "INSERT INTO rank_run (computed_at, papers, edges, seeds, iterations, "
            "seed_iterations, seconds) VALUES (:computed_at, :papers, :edges, :seeds, "
            ":iterations, :seed_iterations, :seconds)",
            summary_fields)


def recommended_per_paper(store, ids):
    """kb.knowledge.recommendations' backing of each paper of the graph (0: not recommended)."""
    import numpy as np

    from kb.knowledge.recommendations import recommendation_counts

    out = np.zeros(ids.size)
    counts = recommendation_counts(store)
    if counts:
        papers = np.fromiter(counts, dtype=np.int64, count=len(counts))
        pos = np.searchsorted(ids, papers)
        ok = pos < ids.size
        ok[ok] = ids[pos[ok]] == papers[ok]
        out[pos[ok]] = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[ok]
    return out


def compute_ranks(store, *, alpha: float = ALPHA, tol: float = TOL,
                  max_iter: int = MAX_ITER) -> RankSummary:
    """Recompute and store every paper's ranks. The crawler calls this after each crawl."""
    if store.readonly:
        raise StoreError(f"the store {store.path} is open read-only; ranks cannot be written")
    from kb.knowledge.embeddings import scan

    t0 = time.perf_counter()
    graph = load_graph(store)
    embedded = scan(store, graph.ids, graph.ids[graph.seeds])
    t1 = time.perf_counter()
    ranks = rank_graph(graph, alpha=alpha, tol=tol, max_iter=max_iter,
                       similarity=embedded.similarity, recommended=recommended_per_paper(store, graph.ids))
    t2 = time.perf_counter()
    fields = {"computed_at": utc_now(), "papers": graph.n, "edges": int(graph.adjacency.nnz),
              "seeds": int(graph.seeds.size), "iterations": ranks.iterations,
              "seed_iterations": ranks.seed_iterations,
              "seconds": round(t2 - t0, 3)}
    write_ranks(store, ranks, fields, embedding_lists=embedded.lists)
    t3 = time.perf_counter()
    return RankSummary(
        papers=fields["papers"], edges=fields["edges"], seeds=fields["seeds"],
        iterations=ranks.iterations, seed_iterations=ranks.seed_iterations, load_seconds=round(t1 - t0, 3),
        compute_seconds=round(t2 - t1, 3), write_seconds=round(t3 - t2, 3),
        seconds=round(t3 - t0, 3), computed_at=fields["computed_at"])


def last_rank_run(store) -> dict | None:
    row = store.conn.execute("SELECT * FROM rank_run ORDER BY id DESC LIMIT 1").fetchone()
    return dict(row) if row else None
