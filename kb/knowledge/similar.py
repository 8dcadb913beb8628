"""Papers like given papers, with the reasons: the ranked-list form of Connected Papers' map.

Three signals, each against every query paper, computed from the store's neighbourhood of the
query papers only (a few SQL reads, however big the store):

* co-citation: papers cited by the same papers as a query paper, as Salton's cosine
  (shared citers / sqrt(citers of one * citers of the other));
* bibliographic coupling: papers citing the same references, each shared reference weighted
  1/log(its citers) (Adamic-Adar: sharing an obscure reference says more than sharing Adam);
* embedding: cosine of the SPECTER v2 vectors (kb.knowledge.embeddings), for the papers near
  the query papers' mean vector, found through the inverted-file index.

Each signal is turned into [0, 1) as in kb.knowledge.relevance (x / (x + median)), and the
similarity is their sum with the relevance weights. The same breakdown, against the seeds,
explains in `kb show` why a paper's relevance is high.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field

EMBEDDING_CANDIDATES = 200


@dataclass
class Signals:
    """Per candidate paper: the signal totals and, per query paper, what it shares with it."""

    cocitation: dict = field(default_factory=lambda: defaultdict(float))
    coupling: dict = field(default_factory=lambda: defaultdict(float))
    embedding: dict = field(default_factory=dict)
    shared_citers: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    shared_refs: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    cites: dict = field(default_factory=lambda: defaultdict(set))      # candidate cites query
    cited_by: dict = field(default_factory=lambda: defaultdict(set))   # query cites candidate


def _pairs(store, sql: str, ids) -> list[tuple[int, int]]:
    if not ids:
        return []
    return store.conn.execute(sql, (json.dumps(sorted(int(i) for i in ids)),)).fetchall()


def _citers_count(store, ids) -> dict[int, int]:
    rows = _pairs(store, "SELECT cited, count(*) FROM citation WHERE cited IN "
                         "(SELECT value FROM json_each(?)) GROUP BY cited", ids)
    return {a: b for a, b in rows}


_CITERS_OF = "SELECT citing, cited FROM citation WHERE cited IN (SELECT value FROM json_each(?))"
_REFERENCES_OF = "SELECT citing, cited FROM citation WHERE citing IN (SELECT value FROM json_each(?))"


@dataclass
class _TwoSteps:
    """Papers two citation steps from the query papers, through a paper in the middle."""

    direct: dict     # middle paper (a candidate too) -> the query papers it links to directly
    through: dict    # middle paper -> the query papers it links to
    steps: list      # (middle, far) pairs, far a candidate
    degree: dict     # middle paper -> its links to the far side, counted before filtering


def _two_steps(store, q: set, keep: set | None, *, via_citers: bool) -> _TwoSteps:
    """Through the query papers' citers to what else they cite (co-citation), or through their
    references to who else cites them (coupling): the one walk, in either direction."""
    first = _pairs(store, _CITERS_OF if via_citers else _REFERENCES_OF, q)
    through: dict[int, set] = defaultdict(set)
    direct: dict[int, set] = defaultdict(set)
    for citing, cited in first:
        middle, s = (citing, cited) if via_citers else (cited, citing)
        through[middle].add(s)
        if middle not in q and (keep is None or middle in keep):
            direct[middle].add(s)
    degree: dict[int, int] = defaultdict(int)
    steps = []
    for citing, cited in _pairs(store, _REFERENCES_OF if via_citers else _CITERS_OF, through):
        middle, far = (citing, cited) if via_citers else (cited, citing)
        degree[middle] += 1
        if far not in q and (keep is None or far in keep):
            steps.append((middle, far))
    return _TwoSteps(direct=direct, through=through, steps=steps, degree=degree)


def signals(store, query: list[int], *, candidates: list[int] | None = None,
            embedding_candidates: int = EMBEDDING_CANDIDATES) -> Signals:
    """Co-citation, coupling and embedding cosine of papers with the ``query`` papers
    (restricted to ``candidates`` when given)."""
    from kb.knowledge.embeddings import nearest, query_vector, vectors_of

    q = set(query)
    keep = set(candidates) if candidates is not None else None
    out = Signals()
    # co-citation: the query papers' citers, and what else they cite (Salton's cosine)
    walk = _two_steps(store, q, keep, via_citers=True)
    out.cites = walk.direct
    for citer, paper in walk.steps:
        for s in walk.through[citer]:
            out.shared_citers[paper][s] += 1
    counts = _citers_count(store, set(out.shared_citers) | q)
    for paper, per_query in out.shared_citers.items():
        for s, n in per_query.items():
            out.cocitation[paper] += n / math.sqrt(max(counts.get(paper, 1), 1) * max(counts.get(s, 1), 1))
    # coupling: the query papers' references, and who else cites them (Adamic-Adar)
    walk = _two_steps(store, q, keep, via_citers=False)
    out.cited_by = walk.direct
    for reference, paper in walk.steps:
        citers = walk.degree[reference]
        weight = 1.0 / math.log(citers) if citers >= 2 else 0.0
        for s in walk.through[reference]:
            out.shared_refs[paper][s] += 1
            out.coupling[paper] += weight
    # embedding: nearest neighbours of the query's mean direction, and every candidate
    centre = query_vector(store, q)
    if centre is not None:
        if keep is None:
            for paper, cos in nearest(store, centre, embedding_candidates, exclude=q):
                out.embedding[paper] = cos
        pool = (keep if keep is not None else
                set(out.cocitation) | set(out.coupling) | set(out.cites) | set(out.cited_by)) - q
        for paper, vector in vectors_of(store, pool - set(out.embedding)).items():
            out.embedding[paper] = float(vector @ centre)
    return out


def combine(sig: Signals) -> dict[int, float]:
    """One similarity per candidate: the relevance weights over the saturated signals, plus
    one lift step for each direct citation link with a query paper."""
    import numpy as np

    from kb.knowledge.relevance import WEIGHTS, saturate

    papers = sorted(set(sig.cocitation) | set(sig.coupling) | set(sig.embedding)
                    | set(sig.cites) | set(sig.cited_by))
    if not papers:
        return {}
    cocit = saturate([sig.cocitation.get(p, 0.0) for p in papers])
    coupl = saturate([sig.coupling.get(p, 0.0) for p in papers])
    emb = np.maximum([sig.embedding.get(p, 0.0) for p in papers], 0.0)
    links = saturate([len(sig.cites.get(p, ())) + len(sig.cited_by.get(p, ())) for p in papers])
    score = (WEIGHTS["cocitation"] * cocit + WEIGHTS["coupling"] * coupl
             + WEIGHTS["embedding"] * emb + WEIGHTS["lift"] * links)
    return dict(zip(papers, score.tolist()))


def reasons(sig: Signals, paper: int, names: dict[int, str]) -> list[str]:
    """Plain sentences saying what ``paper`` shares with which query papers."""
    out = []
    for s in sorted(sig.cites.get(paper, ())):
        out.append(f"cites {names.get(s, s)}")
    for s in sorted(sig.cited_by.get(paper, ())):
        out.append(f"cited by {names.get(s, s)}")
    for s, n in sorted(sig.shared_citers.get(paper, {}).items(), key=lambda t: -t[1])[:3]:
        out.append(f"co-cited with {names.get(s, s)} by {n} paper{'s' if n != 1 else ''}")
    for s, n in sorted(sig.shared_refs.get(paper, {}).items(), key=lambda t: -t[1])[:3]:
        out.append(f"shares {n} reference{'s' if n != 1 else ''} with {names.get(s, s)}")
    if paper in sig.embedding:
        out.append(f"embedding cosine {sig.embedding[paper]:.2f}")
    return out


def _names(store, ids) -> dict[int, str]:
    rows = _pairs(store, "SELECT id, title FROM paper WHERE id IN (SELECT value FROM json_each(?))", ids)
    return {i: (t if t and len(t) <= 60 else (t[:57] + "...") if t else f"#{i}") for i, t in rows}


def similar_papers(store, query: list[int], *, limit: int | None = 20) -> list[dict]:
    """Papers most like the ``query`` papers, best first: id, similarity, the three signals
    and the reasons.

    The ``limit`` nearest by embedding are enough: a paper found by its embedding alone scores
    its weighted cosine, and the ``limit`` papers nearer than it score at least as much."""
    sig = signals(store, query, embedding_candidates=limit or EMBEDDING_CANDIDATES)
    scores = combine(sig)
    ranked = sorted(scores, key=lambda p: (-scores[p], p))
    if limit:
        ranked = ranked[:limit]
    names = _names(store, set(query))
    return [{"id": p, "similarity": round(scores[p], 4),
             "cocitation": round(sig.cocitation.get(p, 0.0), 4),
             "coupling": round(sig.coupling.get(p, 0.0), 4),
             "embedding": round(sig.embedding[p], 4) if p in sig.embedding else None,
             "reasons": reasons(sig, p, names)} for p in ranked]


def why_relevant(store, paper: int, seeds: list[int]) -> list[str]:
    """Why ``paper`` scores high on relevance: what it shares with which seeds."""
    if not seeds or paper in seeds:
        return []
    sig = signals(store, seeds, candidates=[paper])
    return reasons(sig, paper, _names(store, seeds))


def similar_listing(store, query: list[int], *, limit: int = 20) -> list[dict]:
    """:func:`similar_papers` with each paper's listing fields (title, year, ids, figures)."""
    from kb.knowledge.query import PaperFilter, query_papers

    found = similar_papers(store, query, limit=limit)
    rows = {r["id"]: r for r in query_papers(store, PaperFilter(ids=[s["id"] for s in found]))}
    return [{**rows[s["id"]], **s} for s in found if s["id"] in rows]


def like_papers(store, query: list[int], f) -> list[dict]:
    """The listing ``f`` selects among the papers like ``query``, in order of similarity
    (``kb top --like``): its filters apply, its sort does not."""
    import dataclasses

    from kb.knowledge.query import query_papers

    found = similar_papers(store, query, limit=None)
    order = {s["id"]: s["similarity"] for s in found}
    rows = query_papers(store, dataclasses.replace(f, ids=list(order), limit=None, offset=0))
    rows.sort(key=lambda r: (-order[r["id"]], r["id"]))
    for r in rows:
        r["similarity"] = order[r["id"]]
    return rows[f.offset:f.offset + f.limit] if f.limit else rows[f.offset:]
