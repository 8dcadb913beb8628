"""Keeping a crawled store fresh at a cost proportional to what changed.

A refresh watches the seeds and the top-ranked papers. It re-reads their records in batches of
500 (one request per 500 papers: counts, TLDR, venue and new journal versions come with it),
and only for papers whose citation count went up does it re-read the citation list, newest
first, stopping at the first page that holds a citer already known. The new citers then enter
the frontier and are expanded within the usual budget. A refresh with nothing new therefore
costs one request per 500 watched papers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kb.crawl.crawler import (
    CrawlBudget,
    Crawler,
    CrawlProgress,
    CrawlReport,
    crawl_session,
)
from kb.crawl.frontier import is_post
from kb.sources.s2.parse import DETAIL_FIELDS, parse_paper
from kb.store import Store, utc_now


@dataclass
class RefreshOptions:
    top: int = 50
    older_than_seconds: float = 7 * 86400


def watched_papers(store: Store, options: RefreshOptions) -> list[tuple[int, str, int | None]]:
    """Seeds plus the top-ranked papers, not re-checked within ``older_than``:
    (store id, paperId, stored citation count)."""
    conn = store.conn
    ids: dict[int, None] = {}
    ids.update((r[0], None) for r in conn.execute("SELECT paper FROM seed"))
    ids.update((r[0], None) for r in conn.execute("SELECT paper FROM crawl_state WHERE depth = 0"))
    if options.top > 0:
        top = conn.execute("SELECT paper FROM paper_rank ORDER BY seed_pagerank DESC LIMIT ?",
                           (options.top,))
        ids.update((r[0], None) for r in top)
    if not ids:
        return []
    cutoff = _iso_seconds_ago(options.older_than_seconds)
    rows = []
    id_list = list(ids)
    for start in range(0, len(id_list), 900):
        chunk = id_list[start:start + 900]
        rows += conn.execute(
            f"""SELECT p.id, p.paper_id, p.citation_count FROM paper p
                JOIN crawl_state s ON s.paper = p.id
                WHERE p.id IN ({','.join('?' * len(chunk))})
                  AND (s.checked_at IS NULL OR s.checked_at <= ? OR s.recheck_open = 1)""",
            (*chunk, cutoff)).fetchall()
    return [tuple(r) for r in rows]


def _iso_seconds_ago(seconds: float) -> str:
    from datetime import datetime, timedelta, timezone

    moment = datetime.now(timezone.utc) - timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def _recheck(crawler: Crawler, watched: list[tuple[int, str, int | None]]) -> None:
    """Re-read the watched papers' records; reopen the citation lists of those cited more
    often since, and go on with lists an earlier refresh reopened but did not finish (it has
    already stored the new counts, so comparing them again would find nothing)."""
    store, client, frontier = crawler.store, crawler.client, crawler.frontier
    # Forum posts have no count of citers to compare: their pingbacks are read again (one forum
    # request each), and Semantic Scholar is never asked about them.
    posts = [w for w in watched if is_post(w[1])]
    papers = [w for w in watched if not is_post(w[1])]
    answers = await client.get_papers([pid for _, pid, _ in papers], DETAIL_FIELDS) if papers else []
    fresh = [parse_paper(a, detail_level=2) if a is not None else None for a in answers]
    changed, resumed = [], []
    for paper, _pid, _count in posts:
        if paper in frontier.reopened:
            resumed.append(paper)
        elif crawler.forum is not None:
            changed.append(paper)
    for (paper, _pid, old_count), record in zip(papers, fresh):
        new_count = record.citation_count if record is not None else None
        if paper in frontier.reopened:
            resumed.append(paper)
        elif record is not None and (old_count is None or new_count is None or new_count > old_count):
            changed.append(paper)
    now = utc_now()
    with store.transaction() as conn:
        store.upsert_papers([r for r in fresh if r is not None], run_id=crawler.run_id)
        conn.executemany("UPDATE crawl_state SET checked_at = ? WHERE paper = ?",
                         ((now, paper) for paper, _, _ in watched))
        for paper in changed:
            frontier.reopen_citations(conn, paper)
    for paper in resumed:
        frontier.resume_citations(paper)
    frontier.restrict_to(set(changed) | set(resumed))


def refresh(db_path, budget: CrawlBudget | None = None, options: RefreshOptions | None = None, *,
            settings=None, wait: bool = False, progress: Callable[[CrawlProgress], None] | None = None,
            job: str | None = None, rank: bool = True, tag: bool = False) -> CrawlReport:
    """Re-check the watched papers for new citers and expand what is new, under the writer lock."""
    options = options or RefreshOptions()

    async def prepare(crawler: Crawler) -> None:
        watched = watched_papers(crawler.store, options)
        if watched:
            await _recheck(crawler, watched)
        else:
            crawler.frontier.restrict_to(set())

    return crawl_session(db_path, budget or CrawlBudget(depth=1), kind="refresh",
                         what=f"kb refresh{' ' + job if job else ''}", settings=settings,
                         wait=wait, progress=progress, prepare=prepare, job=job, rank=rank,
                         tag=tag)
