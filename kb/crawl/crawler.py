"""Budgeted, relevance-ordered, resumable citation snowballing from the seeds.

Requests are pipelined: several workers share one client, whose rate limiter decides when each
request leaves, so the crawl uses the allowed rate fully instead of waiting on each answer in
turn. Each answer is committed in one transaction together with the frontier rows it changes
and the run's counters, which is what makes ``kill -9`` at any moment safe: the next crawl loads
the frontier and continues from the stored offsets.

Request economy: citation and reference lists are fetched 1000 per page with the other paper's
fields nested, so a discovered paper needs no request of its own; only the full records the
nested form cannot give (TLDR, embedding) are fetched, 250 at a time, by batch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from kb.crawl.forum_lists import ForumLists
from kb.crawl.frontier import CITS, REFS, Entry, Frontier, FrontierRules, is_post
from kb.errors import ApiAuthError, ApiError, KbError, NotFoundError
from kb.knowledge.query import seed_ids_of
from kb.sources.http import RequestBudget
from kb.sources.s2.client import RequestBudgetSpent, S2Client, batch_size
from kb.sources.s2.parse import DETAIL_FIELDS, parse_edge_page, parse_paper
from kb.store import Store, utc_now

log = logging.getLogger("kb.crawl")

#: Lists failing with no other request answered since they began: the API is failing, not
#: the lists; the run fails (and those lists stay in the frontier) instead of emptying it.
OUTAGE_STREAK = 3
#: Papers per detail batch: their full records and SPECTER vectors must fit in one response.
DETAIL_BATCH = batch_size(DETAIL_FIELDS)


@dataclass
class CrawlBudget:
    depth: int = 2
    max_papers: int | None = None
    max_requests: int | None = 300
    max_time: float | None = None
    direction: str = "both"
    min_year: int | None = None
    hub_citations: int = 5000
    fetch_details: bool = True
    concurrency: int = 8
    retry_failed: bool = False  # try again the lists earlier runs set aside
    recommended: bool = False   # first add Semantic Scholar's recommendations for the seeds

    def rules(self) -> FrontierRules:
        return FrontierRules(max_depth=self.depth, direction=self.direction,
                             min_year=self.min_year, hub_citations=self.hub_citations)


@dataclass
class CrawlProgress:
    """What a progress display needs, refreshed after every answer."""

    requests: int = 0
    pages: int = 0
    batches: int = 0
    new_papers: int = 0
    new_edges: int = 0
    frontier: int = 0
    expanded: int = 0
    truncated_lists: int = 0
    edges_without_id: int = 0
    duplicate_entries: int = 0
    errors: int = 0
    not_found: list = field(default_factory=list)  # paperIds the API answered 404 for
    elapsed: float = 0.0
    budget_fraction: float = 0.0
    rate: float = 0.0


@dataclass
class CrawlReport:
    run_id: int
    status: str  # completed | partial | failed | interrupted
    requests: int
    pages: int
    batches: int
    new_papers: int
    new_edges: int
    truncated_lists: int
    edges_without_id: int
    errors: int
    expanded: int
    frontier_left: int
    duration: float
    rate: float
    message: str = ""
    stopped_by: str | None = None
    retries: int = 0
    statuses: dict = field(default_factory=dict)
    # Lists this run set aside after every try failed: [{"paper", "list", "error"}].
    failed_lists: list = field(default_factory=list)
    # Lists set aside (by this run or earlier ones) still waiting for `--retry-failed`.
    lists_set_aside: int = 0
    # The exit code of the error that failed the run (kb.errors), so the CLI can tell a
    # refused API key (8) from an API that stopped answering (7).
    error_code: int = 0
    # Papers the store holds that the API answered 404 for: their lists stay to fetch.
    not_found: list = field(default_factory=list)
    # List entries naming a paper their page already named: stored once, counted here.
    duplicate_entries: int = 0
    forum_requests: int = 0     # of ``requests``, those sent to the forum (posts' lists)
    # With --recommended: what the recommendations for the seeds added (kb.crawl.recommended).
    recommendations: dict | None = None
    # Semantic Scholar's limiter (AdaptiveRateLimiter.summary): sends that left late are the
    # crawler's fault, idle time means it had no request ready; 429s and the rate cuts they made.
    limiter: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Crawler:
    def __init__(self, store: Store, client: S2Client, budget: CrawlBudget | None = None, *,
                 kind: str = "crawl", progress: Callable[[CrawlProgress], None] | None = None,
                 theme_scorer=None, prepare=None, job: str | None = None, forum=None):
        self.store = store
        self.client = client
        # Forum posts' lists (body links, pingbacks) come through the forum client; without one
        # a post is a dead end.
        self.forum = forum
        self.forum_lists = ForumLists(store, client, forum)
        self.budget = budget or CrawlBudget()
        self.kind = kind
        self.on_progress = progress
        self.progress = CrawlProgress()
        self.frontier: Frontier | None = None
        self.theme_scorer = theme_scorer
        self._started = 0.0
        self._requests_at_start = 0
        self._stop_reason: str | None = None
        self._failure: KbError | None = None
        self._error_code = 0
        self._wake = asyncio.Event()
        self._active = 0
        self.run_id = 0
        self.job = job
        # Optional async step run after the run is opened and the frontier loaded (a refresh
        # uses it to re-read watched papers and reopen the lists that changed).
        self._prepare = prepare
        self._frontier_counted_at = -1e9
        self._count_cost = 0.0
        # Papers whose nested record this run already stored: later pages only add their edges.
        self._stored_this_run: set[str] = set()
        self.failed_lists: list[dict] = []
        # Lists that failed every try, not yet known to be failing alone: (entry, direction,
        # error, when their first try failed). A request sent later that succeeds proves the API works,
        # and they are set aside; OUTAGE_STREAK of them with none succeeding is an outage.
        self._suspects: list[tuple[Entry, str, ApiError, float]] = []
        self.recommendations = None

    # -- run bookkeeping -------------------------------------------------------------------------
    def _open_run(self) -> None:
        from kb.crawl.runs import open_run

        with self.store.transaction() as conn:
            self.run_id = open_run(self.store, self.kind, json.dumps(asdict(self.budget)), self.job)
            self._adopt_seeds(conn)

    def _adopt_seeds(self, conn) -> None:
        """Every seed starts the crawl at depth 0, even one the crawl had reached before."""
        conn.execute(
            """INSERT INTO crawl_state (paper, depth, priority, reached_via, seeds, updated_at)
               SELECT paper, 0, 1e6, 'seed', json_array(paper), ? FROM seed WHERE true
               ON CONFLICT(paper) DO UPDATE SET depth = 0, reached_via = 'seed',
                   reached_from = NULL, seeds = json_array(crawl_state.paper)
               WHERE crawl_state.depth != 0""", (utc_now(),))

    def _add_run_counts(self, conn, **counts: int) -> None:
        sets = ", ".join(f"{k} = {k} + ?" for k in counts)
        conn.execute(f"UPDATE crawl_run SET {sets} WHERE id = ?", (*counts.values(), self.run_id))

    def _close_run(self, status: str, message: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE crawl_run SET status = ?, finished_at = ?, message = ?, requests = ?, "
                "failed_lists = ? WHERE id = ?",
                (status, utc_now(), message, self._requests_used(),
                 json.dumps(self.failed_lists) if self.failed_lists else None, self.run_id))

    def _requests_sent(self) -> int:
        """Requests to every service the crawl uses: one budget covers papers and posts."""
        return self.client.requests_sent + (self.forum.requests_sent if self.forum is not None else 0)

    def _requests_used(self) -> int:
        return self._requests_sent() - self._requests_at_start

    # -- budget --------------------------------------------------------------------------------
    def _budget_left(self) -> bool:
        b = self.budget
        if self._failure is not None:
            return False
        if b.max_requests is not None and self._requests_used() + self._active >= b.max_requests:
            self._stop_reason = self._stop_reason or "max-requests"
            return False
        if b.max_papers is not None and self.progress.new_papers >= b.max_papers:
            self._stop_reason = self._stop_reason or "max-papers"
            return False
        if b.max_time is not None and time.monotonic() - self._started >= b.max_time:
            self._stop_reason = self._stop_reason or "max-time"
            return False
        return True

    def _budget_fraction(self) -> float:
        b = self.budget
        fractions = []
        if b.max_requests:
            fractions.append(self._requests_used() / b.max_requests)
        if b.max_papers:
            fractions.append(self.progress.new_papers / b.max_papers)
        if b.max_time:
            fractions.append((time.monotonic() - self._started) / b.max_time)
        return min(1.0, max(fractions)) if fractions else 0.0

    def _report_progress(self, final: bool = False) -> None:
        p = self.progress
        p.requests = self._requests_used()
        p.elapsed = time.monotonic() - self._started
        p.rate = p.requests / p.elapsed if p.elapsed > 0 else 0.0
        now = time.monotonic()
        # Counting the frontier is O(frontier) and it stalls the event loop, so it happens
        # only for a display, and at most once a second or 1/20 of the time, whichever is rarer.
        if self.frontier is not None and (final or (
                self.on_progress and now - self._frontier_counted_at >= max(1.0, 20 * self._count_cost))):
            p.frontier = self.frontier.pending_tasks()
            self._frontier_counted_at = time.monotonic()
            self._count_cost = self._frontier_counted_at - now
        p.budget_fraction = self._budget_fraction()
        if self.on_progress:
            self.on_progress(p)

    # -- the crawl -------------------------------------------------------------------------------
    async def run(self) -> CrawlReport:
        self._started = time.monotonic()
        self._requests_at_start = self._requests_sent()
        self._forum_at_start = self.forum.requests_sent if self.forum is not None else 0
        if self.budget.max_requests is not None:
            # Retries count, and forum requests: the clients refuse to send more than the budget.
            shared = RequestBudget(self.budget.max_requests)
            self.client.request_budget = shared
            if self.forum is not None:
                self.forum.request_budget = shared
        self._open_run()
        self.frontier = Frontier(self.store, self.budget.rules(), self.theme_scorer,
                                 retry_failed=self.budget.retry_failed)
        self.progress.expanded = sum(1 for e in self.frontier.entries.values() if e.status == "done")
        status, message = "completed", ""
        try:
            if self._prepare is not None:
                await self._prepare(self)
            if self.budget.recommended:
                await self._add_recommendations()
            workers = [asyncio.create_task(self._worker()) for _ in range(max(1, self.budget.concurrency))]
            await asyncio.gather(*workers)
            if self._failure is not None:
                raise self._failure
            if self._suspects:
                # Nothing answered since they began: no proof they fail alone, so the run
                # fails as in an outage and they stay in the frontier for the next one.
                raise self._suspects[0][2]
        except KbError as exc:
            status, message = "failed", str(exc)
            self._error_code = exc.exit_code
            for entry, direction, _, _ in self._suspects:
                self.frontier.release(entry, direction)
        except (asyncio.CancelledError, KeyboardInterrupt):
            status, message = "interrupted", "stopped by the user"
            self._close_run(status, message)
            raise
        if status == "completed" and not self.frontier.entries:
            message = "the store has no seeds yet: add some with `kb seed add`"
        if status == "completed" and self._stop_reason:
            status = "partial"
            message = f"stopped by the {self._stop_reason} budget; run `kb crawl` again to continue"
        if self.progress.not_found and status != "failed":
            gone = self.progress.not_found
            message = " ".join(filter(None, [message, (
                f"The API does not know {len(gone)} paper(s) this store holds (HTTP 404, e.g. "
                f"{gone[0]}); their lists are kept to fetch. Is KB_S2_API_URL the service that "
                "built this store?")]))
        if status in ("completed", "partial") and self.failed_lists:
            status = "incomplete"
            message = _failed_lists_summary(self.failed_lists, message)
        self._close_run(status, message)
        self._report_progress(final=True)
        p = self.progress
        return CrawlReport(
            run_id=self.run_id, status=status, requests=p.requests, pages=p.pages, batches=p.batches,
            new_papers=p.new_papers, new_edges=p.new_edges, truncated_lists=p.truncated_lists,
            edges_without_id=p.edges_without_id, errors=p.errors, expanded=p.expanded,
            frontier_left=p.frontier, duration=p.elapsed, rate=p.rate, message=message,
            stopped_by=self._stop_reason,
            retries=self.client.retries + (self.forum.retries if self.forum is not None else 0),
            statuses=dict(self.client.statuses + (self.forum.statuses if self.forum is not None else Counter())),
            error_code=self._error_code if status == "failed" else 0,
            forum_requests=(self.forum.requests_sent - self._forum_at_start) if self.forum is not None else 0,
            failed_lists=list(self.failed_lists), lists_set_aside=len(self.frontier.set_aside),
            not_found=list(p.not_found), duplicate_entries=p.duplicate_entries,
            recommendations=self.recommendations.as_dict() if self.recommendations else None,
            limiter=self.client.limiter.summary())

    async def _add_recommendations(self) -> None:
        from kb.crawl.recommended import fetch_recommendations

        budget = self.budget.max_requests
        found = await fetch_recommendations(self.store, self.client, self.frontier, self.run_id,
                                            max_requests=budget // 2 if budget else None)
        self.recommendations = found
        if found.stopped_by_budget:
            self._stop_reason = self._stop_reason or "max-requests"
        with self.store.transaction() as conn:
            self._add_run_counts(conn, new_papers=found.new_papers)
        self.progress.new_papers += found.new_papers

    async def _worker(self) -> None:
        while True:
            if not self._budget_left():
                return
            job = self._next_job()
            if job is None:
                if self._active == 0:
                    self._wake.set()
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            self._active += 1
            try:
                await job()
            except RequestBudgetSpent:
                self._stop_reason = self._stop_reason or "max-requests"
            except KbError as exc:
                self.progress.errors += 1
                if self._failure is None:
                    self._failure = exc
            finally:
                self._active -= 1
                self._wake.set()
            self._report_progress()

    def _next_job(self):
        frontier = self.frontier
        if self.budget.fetch_details and len(frontier.needs_details) >= DETAIL_BATCH:
            batch = frontier.details_batch(DETAIL_BATCH)
            return lambda: self._fetch_details(batch)
        if self.budget.fetch_details and self.forum is not None and frontier.needs_post_details:
            # A post known only from a link: a few per post crawled, each worth its request
            # (title, authors, date) before the next list of a thousand papers.
            paper, paper_id = frontier.needs_post_details.popitem()
            return lambda: self._fetch_post_details(paper, paper_id)
        while True:
            task = frontier.pop()
            if task is None:
                break
            entry, direction = task
            if frontier.skip_known_empty(entry, direction):
                continue
            return lambda: self._fetch_page(entry, direction)
        if self.budget.fetch_details and frontier.needs_details and self._active == 0:
            batch = frontier.details_batch(DETAIL_BATCH)
            return lambda: self._fetch_details(batch)
        if self._active == 0 and frontier.adopt_others_discoveries():
            return self._next_job()  # another crawl of this store found more: help with it
        return None

    async def _fetch_page(self, entry: Entry, direction: str) -> None:
        offset = entry.next_offset(direction)
        api_direction = "references" if direction == REFS else "citations"
        try:
            if is_post(entry.paper_id):
                page = await self.forum_lists.page(entry.paper_id, direction)
            else:
                data = await self.client.edge_page(entry.paper_id, api_direction, offset)
                page = parse_edge_page(data, entry.paper_id, api_direction, offset=offset,
                                       known=self._stored_this_run)
        except NotFoundError:
            # The API does not know a paper the store holds (withdrawn, or another service
            # than the one that built the store): keep its list to fetch, say so in the report,
            # and do not ask again in this run.
            self.frontier.skip_this_run(entry, direction)
            if entry.paper_id not in self.progress.not_found:  # its two lists: one paper
                self.progress.not_found.append(entry.paper_id)
            with self.store.transaction() as conn:
                self._add_run_counts(conn, errors=1)
            self.progress.errors += 1
            return
        except ApiError as exc:
            if isinstance(exc, ApiAuthError) or self.client.unreachable:
                self.frontier.release(entry, direction)
                raise
            self._list_failed(entry, direction, exc)
            return
        except BaseException:
            self.frontier.release(entry, direction)
            raise
        self._commit_page(entry, direction, page)
        self._confirm_suspects()

    def _list_failed(self, entry: Entry, direction: str, exc: ApiError) -> None:
        """One list failed every try. It is set aside once a request sent after its first failure
        has succeeded (the list fails alone); OUTAGE_STREAK lists failing with none succeeding is
        an outage, which fails the run. A success sent before that failure proves nothing: it
        may have been answered just before the outage began."""
        failed_at = getattr(exc, "first_failure_at", None) or time.monotonic()
        self._suspects.append((entry, direction, exc, failed_at))
        self._confirm_suspects()
        if len(self._suspects) >= OUTAGE_STREAK:
            raise exc

    def _confirm_suspects(self) -> None:
        self._set_aside([s for s in self._suspects if s[3] < self.client.last_success_sent])

    def _set_aside(self, failures: list) -> None:
        if not failures:
            return
        with self.store.transaction() as conn:
            for entry, direction, exc, _ in failures:
                self.frontier.set_list_aside(conn, entry, direction, self.client.policy.max_attempts,
                                             str(exc), self.run_id)
                self.failed_lists.append({"paper": entry.paper_id,
                                          "list": "references" if direction == REFS else "citations",
                                          "error": str(exc)})
            self._add_run_counts(conn, errors=len(failures))
        self.progress.errors += len(failures)
        self._suspects = [s for s in self._suspects if s not in failures]

    def _commit_page(self, entry: Entry, direction: str, page) -> None:
        try:
            self._store_page(entry, direction, page)
        finally:
            self.frontier.unclaim(entry, direction)  # after the commit: others now see the offset

    def _store_page(self, entry: Entry, direction: str, page) -> None:
        store, frontier = self.store, self.frontier
        with store.transaction() as conn:
            ids_before = store.internal_ids(p.paper_id for p in page.papers)
            store.upsert_papers(page.papers, run_id=self.run_id)
            others = store.internal_ids(page.others)
            new_ids = {others[p.paper_id] for p in page.papers if p.paper_id not in ids_before}
            existing_edges = self._existing_edges(conn, entry, direction, others)
            store.upsert_edges(page.edges)
            new_edges = len(others) - existing_edges
            records = {p.paper_id: p for p in page.papers}
            others.pop(entry.paper_id, None)  # a self-citation is an edge, not a discovery
            next_offset = page.next_offset
            if direction == CITS and entry.paper in frontier.reopened and existing_edges:
                next_offset = None  # newest first: the rest of the list is already known
            frontier.record_page(conn, entry, direction, next_offset, others, new_ids, records)
            flag = "refs" if direction == REFS else "cits"
            if page.truncated:
                conn.execute(f"UPDATE paper SET {flag}_truncated = 1 WHERE id = ?", (entry.paper,))
            if page.without_id:
                conn.execute(f"UPDATE paper SET {flag}_without_id = {flag}_without_id + ? WHERE id = ?",
                             (page.without_id, entry.paper))
            self._add_run_counts(conn, new_papers=len(new_ids), new_edges=new_edges,
                                 truncated_lists=int(page.truncated),
                                 edges_without_id=page.without_id)
        self._stored_this_run.update(p.paper_id for p in page.papers)
        p = self.progress
        p.pages += 1
        p.new_papers += len(new_ids)
        p.new_edges += new_edges
        p.truncated_lists += int(page.truncated)
        p.edges_without_id += page.without_id
        p.duplicate_entries += page.duplicates
        if entry.status == "done":
            p.expanded += 1

    @staticmethod
    def _existing_edges(conn, entry: Entry, direction: str, others: dict[str, int]) -> int:
        ids = list(others.values())
        if not ids:
            return 0
        mine, theirs = ("citing", "cited") if direction == REFS else ("cited", "citing")
        total = 0
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            total += conn.execute(
                f"SELECT count(*) FROM citation WHERE {mine} = ? AND {theirs} IN ({','.join('?' * len(chunk))})",
                (entry.paper, *chunk)).fetchone()[0]
        return total

    async def _fetch_details(self, batch: list[tuple[int, str]]) -> None:
        try:
            answers = await self.client.get_papers([pid for _, pid in batch], DETAIL_FIELDS)
        except BaseException:
            self.frontier.return_details(batch)
            raise
        records = []
        for answer in answers:
            record = parse_paper(answer, detail_level=2) if answer is not None else None
            if record is not None:
                records.append(record)
        with self.store.transaction():
            self.store.upsert_papers(records, run_id=self.run_id)
            Frontier.mark_details_fetched(self.store.conn, [paper for paper, _ in batch])
        self.progress.batches += 1
        self._confirm_suspects()

    async def _fetch_post_details(self, paper: int, paper_id: str) -> None:
        """The full record of a post known only from a link to it."""
        try:
            record = await self.forum_lists.details(paper_id)
        except BaseException:
            self.frontier.needs_post_details[paper] = paper_id
            raise
        with self.store.transaction():
            if record is not None:
                self.store.upsert_papers([record], run_id=self.run_id)
            Frontier.mark_details_fetched(self.store.conn, [paper])
        self.progress.batches += 1


def _failed_lists_summary(failed: list[dict], budget_message: str) -> str:
    """One line for a run that ended with lists still failing: what is missing, and how to
    fetch it."""
    first = failed[0]
    what = f"{first['list']} of {first['paper']} ({first['error']})"
    more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
    noun = "list" if len(failed) == 1 else "lists"
    line = (f"{len(failed)} {noun} still failing, set aside: {what}{more}; "
            "`kb crawl --retry-failed` tries them again")
    return f"{line}; {budget_message}" if budget_message else line


def _theme_scorer():
    """The theme score that boosts a paper's priority: papers on alignment themes first. Scores
    a page's records at once (keyword matching works a batch at a time, :meth:`RuleMatcher.match`)."""
    from kb.knowledge.tagging import matcher

    # Once per crawl: looking the themes file up again for each of a page's 1000 papers
    # cost a third of the scoring.
    m = matcher()

    def score(records) -> list[float]:
        if not records:
            return []
        scores, _, _ = m.match_texts([getattr(r, "title", None) or "" for r in records],
                                     [getattr(r, "abstract", None) or "" for r in records])
        return scores.max(axis=1).tolist()

    return score


def crawl_session(db_path, budget: CrawlBudget | None = None, *, kind: str = "crawl",
                  what: str | None = None, settings=None, wait: bool = False,
                  progress: Callable[[CrawlProgress], None] | None = None,
                  before: Callable[..., Awaitable[None]] | None = None,
                  prepare=None, job: str | None = None, rank: bool = True,
                  tag: bool = False) -> CrawlReport:
    """One crawl of the store at ``db_path``: under its writer lock, with one API client and
    one forum client (so the rate limit and request count cover ``before(store, client,
    forum)``, e.g. seeding, and the crawl together), then ranks and (with ``tag``) automatic
    tags brought in step. ``prepare(crawler)`` narrows the frontier before the crawl starts (a
    refresh). Crawls of one PostgreSQL store may run together: each claims the lists it
    fetches, and they take turns for the ranks and tags."""
    from kb.sources.forum.client import open_forum
    from kb.store.locking import finishing_lock, writing

    what = what or f"kb {kind}"
    with writing(db_path, what, wait=wait, shared=kind == "crawl" and before is None) as store:
        async def go() -> CrawlReport:
            async with S2Client(settings) as client, open_forum(settings) as forum:
                if before is not None:
                    await before(store, client, forum)
                if not seed_ids_of(store):
                    raise NotFoundError(f"the store {db_path} has no seeds yet, so there is nothing "
                                        "to crawl from; add some with `kb seed add` (or run `kb build`)")
                crawler = Crawler(store, client, budget, kind=kind, progress=progress,
                                  theme_scorer=_theme_scorer(), prepare=prepare, job=job, forum=forum)
                return await crawler.run()

        report = asyncio.run(go())
        with finishing_lock(db_path, f"{what}: rank and tag"):
            after_crawl(store, report, rank=rank, tag=tag)
        return report


def crawl(db_path, budget: CrawlBudget | None = None, *, settings=None, wait: bool = False,
          progress: Callable[[CrawlProgress], None] | None = None, kind: str = "crawl",
          rank: bool = True, tag: bool = False) -> CrawlReport:
    """Run one crawl on the store at ``db_path``; ranks (and, with ``tag``, re-tags) afterwards."""
    return crawl_session(db_path, budget, kind=kind, settings=settings, wait=wait,
                         progress=progress, rank=rank, tag=tag)


def after_crawl(store: Store, report: CrawlReport, *, rank: bool, tag: bool) -> None:
    """Keep ranks and automatic tags in step with a graph that just changed, or that an
    earlier run changed but was killed before it could rank or tag (so that resuming after
    ``kill -9`` ends where an uninterrupted run would)."""
    if report.status == "failed":
        return
    changed = bool(report.new_papers or report.new_edges or report.pages)
    if rank and (changed or _ranks_stale(store)):
        rank_store(store)
    if tag and (changed or _tags_stale(store)):
        tag_store(store)


def _ranks_stale(store: Store) -> bool:
    """The last rank run saw a different graph than the store holds now."""
    conn = store.conn
    last = conn.execute("SELECT papers, edges FROM rank_run ORDER BY id DESC LIMIT 1").fetchone()
    papers = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
    edges = conn.execute("SELECT count(*) FROM citation").fetchone()[0]
    if last is None:
        return edges > 0
    return (last[0], last[1]) != (papers, edges)


def _tags_stale(store: Store) -> bool:
    """A crawl page was committed after the last automatic tagging run."""
    conn = store.conn
    last_page = conn.execute("SELECT max(updated_at) FROM crawl_state WHERE depth > 0").fetchone()[0]
    last_tag = conn.execute("SELECT max(started_at) FROM tag_run").fetchone()[0]
    return last_page is not None and (last_tag is None or last_page > last_tag)


def tag_store(store: Store) -> None:
    """Rewrite automatic theme tags (the store's kept theme model scores new papers; it is
    trained again when it no longer holds, :mod:`kb.knowledge.theme_cache`)."""
    from kb.knowledge.tagging import auto_tag

    auto_tag(store)


def rank_store(store: Store) -> None:
    """Recompute the rank columns after the graph changed."""
    from kb.knowledge.ranking import compute_ranks

    compute_ranks(store)
