"""Whole-graph PageRank over the bulk citations, in SQL both engines run.

``kb rank`` ranks the papers in the store; this ranks every paper of the release (hundreds of
millions on a cluster), so that a reader can see which papers matter in the whole literature,
not only in the neighbourhood kb has stored. Power iteration, one SQL statement per step: a
paper's new rank is (1 - d)/N plus d times the rank flowing in from the papers that cite it
(each citer's rank split over its references), plus d times its share of the rank held by papers
that cite nothing (spread uniformly, as networkx does). Stops when the L1 change is below
``tol`` or after ``iterations`` steps. The result is written as Parquet beside the datasets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kb.sources.datasets.local import LocalDatasets


@dataclass
class PageRankReport:
    papers: int
    edges: int
    iterations: int
    delta: float
    top: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _scalar(engine, sql: str):
    return list(engine.rows(sql))[0][0]


def pagerank(engine, local: LocalDatasets, *, damping: float = 0.85, iterations: int = 50,
             tol: float = 1e-8, top: int = 20) -> PageRankReport:
    from kb.bulk.extract import register_tables

    register_tables(engine, local)
    n = engine.materialize("pr_nodes", "SELECT DISTINCT corpusid FROM papers")
    if n == 0:
        return PageRankReport(0, 0, 0, 0.0)
    edges = engine.materialize(
        "pr_edges",
        "SELECT DISTINCT c.citingcorpusid AS src, c.citedcorpusid AS dst FROM citations c "
        "JOIN pr_nodes a ON a.corpusid = c.citingcorpusid JOIN pr_nodes b ON b.corpusid = c.citedcorpusid "
        "WHERE c.citingcorpusid <> c.citedcorpusid")
    engine.materialize("pr_out", "SELECT src, count(*) AS outdeg FROM pr_edges GROUP BY src")
    engine.materialize("pr_0", f"SELECT corpusid, CAST(1.0 AS DOUBLE) / {n} AS rank FROM pr_nodes")
    step, delta = 0, float("inf")
    while step < iterations and delta >= tol:
        step += 1
        prev, cur = f"pr_{step - 1}", f"pr_{step}"
        dangling = _scalar(engine, f"SELECT coalesce(sum(r.rank), 0) FROM {prev} r WHERE NOT EXISTS "
                                   "(SELECT 1 FROM pr_out o WHERE o.src = r.corpusid)")
        base = (1.0 - damping) / n + damping * float(dangling) / n
        engine.materialize(cur, (
            f"SELECT n.corpusid, {base!r} + {damping!r} * coalesce(s.incoming, 0) AS rank FROM pr_nodes n "
            "LEFT JOIN (SELECT e.dst AS corpusid, sum(r.rank / o.outdeg) AS incoming FROM pr_edges e "
            f"JOIN {prev} r ON r.corpusid = e.src JOIN pr_out o ON o.src = e.src GROUP BY e.dst) s "
            "ON s.corpusid = n.corpusid"))
        delta = float(_scalar(engine, f"SELECT sum(abs(a.rank - b.rank)) FROM {cur} a JOIN {prev} b "
                                      "ON a.corpusid = b.corpusid"))
        engine.drop(prev)
    final = f"pr_{step}"
    engine.write_parquet(f"SELECT corpusid, rank FROM {final}", local.root / "pagerank")
    best = [dict(zip(("corpusid", "paper_id", "title", "year", "pagerank"), row)) for row in engine.rows(
        f"SELECT r.corpusid, p.paper_id, p.title, p.year, r.rank FROM {final} r "
        f"JOIN papers p ON p.corpusid = r.corpusid ORDER BY r.rank DESC, r.corpusid LIMIT {int(top)}")]
    return PageRankReport(papers=n, edges=edges, iterations=step, delta=delta, top=best)
