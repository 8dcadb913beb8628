"""Semantic Scholar's recommendations for the seeds, as a way into the literature that citations
do not give (`kb crawl --recommended`).

Citation trails only reach papers linked to the seeds; a paper on the same question that
neither cites nor is cited by anything crawled yet stays invisible. Semantic Scholar's
recommender (``/recommendations/v1``) proposes papers from their text and readers. Before the
crawl proper, kb asks it once for all the seeds together (``POST /papers/``: the seeds as
positive examples; kb has no notion of a paper marked irrelevant, so no negative ones) and once
per seed (``GET /papers/forpaper/{id}`` from all of computer science), best seeds first, in
at most half the crawl's request budget (the rest is for the citation trails). Every request goes through the crawl's one client
(rate limit, retries) and counts in ``--max-requests``.

The recommended papers are stored with the nested fields the recommender serves, enter the
crawl one hop from the seed they were recommended for (their details and embeddings come with
the next detail batch, their lists are expanded like any depth-1 paper), and the
``recommendation`` table keeps which seed each was recommended for and how high, for `kb show`
and for relevance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.errors import ApiRequestError, NotFoundError
from kb.sources.s2.client import RequestBudgetSpent
from kb.sources.s2.parse import NESTED_PAPER_FIELDS, parse_paper
from kb.store import utc_now

#: Recommendations asked for per request (the API's default; it allows up to 500).
PER_REQUEST = 100
#: The pool ``forpaper`` recommends from: ``recent`` would leave out anything older than a
#: few months, which is most of what a reading list needs.
POOL = "all-cs"
VIA = "recommended"


@dataclass
class Recommendations:
    """What ``kb crawl --recommended`` got before the crawl proper."""

    requests: int = 0
    seeds_asked: int = 0          # seeds whose own recommendations were fetched
    recommended: int = 0          # distinct papers recommended
    new_papers: int = 0           # of those, papers the store did not have
    new_to_crawl: int = 0         # of those, papers the crawl had not reached
    stopped_by_budget: bool = False
    unknown_seeds: list = field(default_factory=list)  # paperIds the recommender does not know

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _seeds(store) -> list[tuple[int, str]]:
    """The seeds the recommender can know (not forum posts), best seed PageRank first."""
    from kb.crawl.frontier import is_post
    from kb.knowledge.query import seed_ids_of

    ids = seed_ids_of(store)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT p.id, p.paper_id FROM paper p LEFT JOIN paper_rank r ON r.paper = p.id "
        f"WHERE p.id IN ({marks}) ORDER BY COALESCE(r.seed_pagerank, 0) DESC, p.id", ids).fetchall()
    return [(pid, paper_id) for pid, paper_id in rows if not is_post(paper_id)]


async def fetch_recommendations(store, client, frontier, run_id: int, *,
                                per_request: int = PER_REQUEST,
                                max_requests: int | None = None) -> Recommendations:
    """Ask for the seeds' recommendations (see the module docstring) and store them, in at
    most ``max_requests`` requests (retries not counted); stops quietly where the request
    budget ends."""
    out = Recommendations()
    seeds = _seeds(store)
    if not seeds:
        return out
    sent_before = client.requests_sent
    asks: list[tuple[int | None, object]] = [(None, lambda: client.recommended_for_lists(
        [pid for _, pid in seeds], (), NESTED_PAPER_FIELDS, limit=per_request))]
    asks += [(seed, (lambda paper_id=paper_id: client.recommended_for_paper(
        paper_id, NESTED_PAPER_FIELDS, limit=per_request, pool=POOL))) for seed, paper_id in seeds]
    if max_requests is not None:
        del asks[max(1, max_requests):]
    recommended: set[int] = set()
    try:
        for seed, ask in asks:
            try:
                answer = await ask()
            except (NotFoundError, ApiRequestError):
                # A seed the recommender does not know (or none of them, for the lists).
                out.unknown_seeds.append(next((p for s, p in seeds if s == seed), None))
                continue
            if seed is not None:
                out.seeds_asked += 1
            recommended |= _store_answer(store, frontier, run_id, seed, [s for s, _ in seeds], answer, out)
    except RequestBudgetSpent:
        out.stopped_by_budget = True
    out.requests = client.requests_sent - sent_before
    out.recommended = len(recommended)
    out.unknown_seeds = [p for p in out.unknown_seeds if p is not None]
    return out


def _store_answer(store, frontier, run_id: int, seed: int | None, all_seeds: list[int],
                  answer: list[dict], out: Recommendations) -> set[int]:
    records = [r for r in (parse_paper(item, detail_level=1) for item in answer) if r is not None]
    records = list({r.paper_id: r for r in records}.values())
    with store.transaction() as conn:
        before = store.internal_ids(r.paper_id for r in records)
        store.upsert_papers([r for r in records if r.paper_id not in before], run_id=run_id)
        ids = store.internal_ids(r.paper_id for r in records)
        out.new_papers += len(ids) - len(before)
        seeds = set(all_seeds)
        rows = [(ids[r.paper_id], position) for position, r in enumerate(records, 1)
                if r.paper_id in ids and ids[r.paper_id] not in seeds]
        if seed is None:
            conn.execute("DELETE FROM recommendation WHERE seed IS NULL")
        else:
            conn.execute("DELETE FROM recommendation WHERE seed = ?", (seed,))
        now = utc_now()
        conn.executemany("INSERT INTO recommendation (paper, seed, position, run, fetched_at) "
                         "VALUES (?, ?, ?, ?, ?)", [(p, seed, pos, run_id, now) for p, pos in rows])
        by_id = {ids[r.paper_id]: r for r in records if r.paper_id in ids}
        found = {p: (by_id[p].paper_id, by_id[p]) for p, _ in rows}
        seeds_of = {p: [seed] if seed is not None else list(all_seeds) for p, _ in rows}
        out.new_to_crawl += frontier.adopt(conn, found, seeds_of, VIA)
    return {p for p, _ in rows}
