"""What Semantic Scholar's recommender said about stored papers (the ``recommendation`` table
that `kb crawl --recommended` fills, kb.crawl.recommended): for `kb show`'s reasons, and as a
relevance signal."""

from __future__ import annotations

from collections import defaultdict


def recommendation_reasons(store, paper: int) -> list[str]:
    """``kb show``'s lines for a recommended paper: for which seeds, at which place."""
    rows = store.conn.execute(
        "SELECT r.seed, r.position, p.title FROM recommendation r LEFT JOIN paper p ON p.id = r.seed "
        "WHERE r.paper = ? ORDER BY r.position, r.seed", (paper,)).fetchall()
    out = []
    for seed, position, title in rows:
        if seed is None:
            out.append(f"recommended by Semantic Scholar for the seeds together (#{position})")
        else:
            name = title if title and len(title) <= 60 else (title[:57] + "...") if title else f"#{seed}"
            out.append(f"recommended by Semantic Scholar for {name} (#{position})")
    return out


def recommendation_counts(store) -> dict[int, float]:
    """Per recommended paper, how strongly the recommender backs it: the sum over the lists it
    is on of 1 / sqrt(its place), so the first place of one seed counts 1 and a paper high
    on several seeds' lists more (a relevance signal; see kb.knowledge.relevance)."""
    totals: dict[int, float] = defaultdict(float)
    for paper, position in store.conn.execute("SELECT paper, position FROM recommendation"):
        totals[int(paper)] += 1.0 / max(int(position), 1) ** 0.5
    return dict(totals)
