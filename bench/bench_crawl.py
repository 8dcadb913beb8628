"""Crawl economy, sustained request rate and crawler memory, against the stand-in API.

A depth-limited crawl from a handful of seeds runs to completion against a generated graph,
with the stand-in (in its own process) enforcing the same rate limit the client is configured
for, as Semantic Scholar does. Then:

* requests / lower bound: the lower bound for the papers the crawl expanded is one request per
  1000 entries of each of their two lists (the API's page cap, within its 10,000 window) plus
  one batch request per 250 papers whose full record was fetched (kb.crawl.crawler.DETAIL_BATCH);
* the same crawl done the naive way with the ``semanticscholar`` package (one call per paper
  for its details, its references and its citations, default page size 100), against the same
  server: every list page is fetched for real; details calls are one per paper, so they are
  run for a random sample and scaled up (said in the table);
* sustained rate / configured limit after a warm-up, and the 429s the server sent after it;
* wall time against the ideal (lower bound / rate) and peak RSS of the crawling process;
* useful answers per second when 10% of requests fail at random (429, 500, 504 in equal
  shares, as the real API's shared pool and gateways do), against rate x (1 - fault share):
  the issue-13 bar is 0.8. A second crawl from the same seeds, into a fresh store, cut after
  ``fault_requests`` requests;
* a depth-2 crawl from the seeds of the five seed documents (data/seeds), as `kb build` makes
  it, on the real-scale corpus (real works with their real citation counts): what the whole
  crawl would send (``standin_proc.crawl_plan``, both directions and references only), and
  a `kb build` with a request budget of ``docs_requests`` for papers, truncated lists and the
  time at 1 req/s, the default keyed rate.

The corpus is the real-scale one (``generate_corpus(..., real_scale=True)``: real works with
tens of thousands of lazy citers, unresolved and duplicate entries, counts that disagree,
preprint/venue twins); the hubs' 10,000-entry windows are rendered once before the crawl
(untimed) so that the stand-in making up lazy citers does not slow the measured rate.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import sqlite3
import time
from pathlib import Path

from common import Metric, current_rss_mb, fresh_path, vm_hwm_mb

FULL = dict(papers=50_000, corpus_seed=7, seeds=10, seed_citations=(10, 40), depth=2, rate=10.0,
            warmup=2.0, details_sample=300, lists_sample=40, naive_concurrency=8,
            fault_share=0.1, fault_requests=600, fault_backoff=None, docs_papers=20_000,
            docs_requests=300, docs_rate=50.0)
# A loaded shared machine cannot give the crawler the CPU 10 req/s of 1000-entry pages need
# (~60 ms each): KB_BENCH_CRAWL_RATE measures the same crawl at a rate it can.
FULL["rate"] = float(os.environ.get("KB_BENCH_CRAWL_RATE", FULL["rate"]))
QUICK = dict(papers=1_000, corpus_seed=7, seeds=2, seed_citations=(3, 20), depth=2, rate=100.0,
             warmup=0.2, details_sample=20, lists_sample=5, naive_concurrency=8,
             fault_share=0.1, fault_requests=20, fault_backoff=0.02)


def plant_seeds(db: Path, records: list[dict]) -> None:
    """Seeds as seed resolution leaves them: full records, depth-0 frontier rows, seed rows."""
    from kb.crawl.frontier import SEED_PRIORITY
    from kb.sources.s2.parse import parse_paper
    from kb.store import Store, utc_now

    with Store(db) as store:
        papers = [parse_paper(r, detail_level=2) for r in records]
        store.upsert_papers(papers)
        ids = store.internal_ids(p.paper_id for p in papers)
        now = utc_now()
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO crawl_state (paper, depth, priority, reached_via, seeds, "
                "details_fetched, updated_at) VALUES (?, 0, ?, 'seed', json_array(?), 1, ?)",
                [(i, SEED_PRIORITY, i, now) for i in ids.values()])
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'seed'").fetchone():
                conn.executemany("INSERT OR IGNORE INTO seed (paper, added_at, source) "
                                 "VALUES (?, ?, 'bench')", [(i, now) for i in ids.values()])


def pages(n: int, per_page: int = 1000) -> int:
    return math.ceil(min(n, 9999) / per_page)


def naive_pages(n: int) -> int:
    """Requests the ``semanticscholar`` package sends to read a list of ``n`` entries: pages
    of 100 up to the 10,000 window, and one request even for an empty list."""
    return max(1, math.ceil(min(n, 9999) / 100))


def lower_bound(counts: list[tuple[int, int]], details: int) -> dict:
    list_pages = sum(pages(r) + pages(c) for r, c in counts)
    from kb.crawl.crawler import DETAIL_BATCH

    batches = math.ceil(details / DETAIL_BATCH)
    return {"list_pages": list_pages, "batches": batches, "total": list_pages + batches}


def sustained_rate(log: list[tuple], warmup: float, rate: float | None = None) -> dict:
    """Requests per second from the end of the warm-up to the last request, the worst 10 s
    window inside that span, the 429s sent during it and, given the configured ``rate``, the
    time lost to requests leaving later than their slot (gaps longer than 1/rate)."""
    starts = sorted(t for t, *_ in log)
    if len(starts) < 2:
        return {"rate": None, "requests": len(starts), "span": 0.0, "worst_10s": None,
                "429_after_warmup": 0, "429_total": 0, "late_seconds": 0.0, "gap_p99": None}
    begin = starts[0] + warmup
    steady = [t for t in starts if t >= begin]
    span = (steady[-1] - begin) if steady else 0.0
    measured = (len(steady) / span) if span > 0 else None
    worst = None
    if span >= 10:
        j = 0
        for i, t in enumerate(steady):
            while steady[j] < t - 10:
                j += 1
            if t - begin >= 10:
                n = i - j + 1
                worst = n / 10 if worst is None else min(worst, n / 10)
    gaps = sorted(b - a for a, b in zip(steady, steady[1:]))
    late = sum(g - 1 / rate for g in gaps if g > 1 / rate) if rate and gaps else 0.0
    throttled = [t for t, status, *_ in log if status == 429]
    return {"rate": measured, "requests": len(steady), "span": span, "worst_10s": worst,
            "429_after_warmup": sum(1 for t in throttled if t >= begin),
            "429_total": len(throttled), "late_seconds": late,
            "gap_p50": gaps[len(gaps) // 2] if gaps else None,
            "gap_p99": gaps[int(len(gaps) * 0.99)] if gaps else None}


async def naive_crawl(url: str, expanded: list[str], detail_ids: list[str], concurrency: int) -> None:
    """What a script written against the ``semanticscholar`` package does: one call per paper
    for its details, and every page (default size) of its references and its citations."""
    from semanticscholar import AsyncSemanticScholar

    from kb.sources.s2.parse import PAPER_FIELDS

    sch = AsyncSemanticScholar(api_url=url)
    gate = asyncio.Semaphore(concurrency)
    fields = PAPER_FIELDS.split(",")

    async def lists(pid: str) -> None:
        async with gate:
            for get in (sch.get_paper_references, sch.get_paper_citations):
                results = await get(pid)
                async for _ in results:
                    pass

    async def details(pid: str) -> None:
        async with gate:
            await sch.get_paper(pid, fields=fields)

    await asyncio.gather(*(lists(p) for p in expanded), *(details(p) for p in detail_ids))


def run(work_dir: Path, quick: bool = False, log=print) -> dict:
    from standin_proc import RemoteStandIn

    from kb.sources.s2.parse import EDGE_FIELDS

    p = QUICK if quick else FULL
    db = fresh_path(Path(work_dir) / "crawl.sqlite")
    # the quick (smoke) run keeps to a tidy corpus: real-scale hubs take minutes to serve
    with RemoteStandIn(p["papers"], seed=p["corpus_seed"], real_scale=not quick) as server:
        log(f"crawl: {'tidy' if quick else 'real-scale'} stand-in serving {server.papers:,} "
            f"papers / {server.edges:,} citations (generated in {server.gen_seconds:.1f}s)")
        if not quick:
            t0 = time.perf_counter()
            hubs = server.warm(EDGE_FIELDS)
            log(f"crawl: {hubs} hub windows rendered in {time.perf_counter() - t0:.0f}s (untimed)")
        result = _measure(server, db, p, log)
    if quick:
        return result
    with RemoteStandIn(p["docs_papers"], seed=0, real_scale=True) as server:
        docs = _seed_documents(server, Path(work_dir), p, log)
    result["metrics"].extend(docs.pop("metrics"))
    result["context"]["seed_documents"] = docs
    return result


def _seed_documents(server, work_dir: Path, p: dict, log) -> dict:
    """A depth-2 crawl from the five seed documents' seeds on the corpus `kb standin serve`
    serves: the whole crawl computed (both directions; references only), and a `kb build` cut
    at ``docs_requests`` requests, measured."""
    from kb.build import build
    from kb.crawl.crawler import CrawlBudget
    from kb.settings import Settings

    db = fresh_path(work_dir / "docs.sqlite")
    settings = Settings(db_path=db, api_url=server.url, requests_per_second=p["docs_rate"])
    t0 = time.perf_counter()
    report = build(db, budget=CrawlBudget(depth=2, max_requests=p["docs_requests"]),
                   settings=settings, tag=False)
    wall = time.perf_counter() - t0
    conn = sqlite3.connect(db)
    seeds = [r[0] for r in conn.execute("SELECT p.paper_id FROM seed s JOIN paper p ON p.id = s.paper")]
    stored = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
    conn.close()
    crawl = report.crawl
    both, refs = server.plan(seeds, 2, "both"), server.plan(seeds, 2, "refs")
    log(f"crawl: seed documents: {len(seeds)} seeds; whole depth-2 crawl {both['requests']:,} "
        f"requests ({both['papers']:,} papers), references only {refs['requests']:,}; budgeted "
        f"build: {crawl.requests} requests, {stored:,} papers, {crawl.truncated_lists} truncated")
    hours = lambda n: n / 3600  # noqa: E731 - at 1 req/s, one request is one second
    metrics = [
        Metric("crawl", "depth-2 from the 5 seed documents, both directions (whole crawl)",
               both["requests"], "requests", None,
               note=f"{len(seeds)} seeds, {both['expanded']:,} papers expanded, {both['papers']:,} "
                    f"papers reached, {both['truncated_lists']} truncated lists (past the 10,000 "
                    f"window); {both['list_pages']:,} pages + {both['batches']:,} batches: "
                    f"{hours(both['requests']):,.1f} h at 1 req/s (computed from the corpus)"),
        Metric("crawl", "depth-2 from the 5 seed documents, references only (whole crawl)",
               refs["requests"], "requests", None,
               note=f"{refs['expanded']:,} papers expanded, {refs['papers']:,} papers reached, "
                    f"{refs['truncated_lists']} truncated lists; {hours(refs['requests']):,.2f} h "
                    "at 1 req/s (computed from the corpus)"),
        Metric("crawl", f"`kb build` depth 2, --max-requests {p['docs_requests']}",
               crawl.requests, "requests", None,
               note=f"{crawl.status}: {stored:,} papers stored, {crawl.new_edges:,} edges, "
                    f"{crawl.pages} pages, {crawl.batches} batches, {crawl.truncated_lists} "
                    f"truncated lists, {crawl.edges_without_id:,} unresolved entries, "
                    f"{crawl.duplicate_entries} duplicate entries; {crawl.requests / 60:,.0f} min "
                    f"at 1 req/s ({wall:.0f}s here at {p['docs_rate']:g} req/s with seeding and ranking)"),
    ]
    return {"metrics": metrics, "seeds": len(seeds), "plan_both": both, "plan_refs": refs,
            "build": {"requests": crawl.requests, "papers": stored, "status": crawl.status,
                      "truncated_lists": crawl.truncated_lists, "wall_seconds": wall}}


def _measure(server, db: Path, p: dict, log) -> dict:
    from kb.crawl.crawler import CrawlBudget, crawl
    from kb.settings import Settings

    seeds = server.pick_seeds(p["seeds"], *p["seed_citations"])
    plant_seeds(db, server.records(seeds))
    rate = p["rate"]
    server.set_rate_limit(rate)
    server.reset()
    settings = Settings(db_path=db, api_url=server.url, requests_per_second=rate)
    idle_rss = current_rss_mb()
    t0, cpu0 = time.perf_counter(), time.process_time()
    report = crawl(db, CrawlBudget(depth=p["depth"], max_requests=None), settings=settings, rank=False)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - t0
    crawl_peak = vm_hwm_mb()
    crawl_log = server.log()
    log(f"crawl: {report.status}, {report.requests} requests, {report.new_papers:,} papers, "
        f"{report.new_edges:,} edges in {report.duration:.1f}s ({report.rate:.2f} req/s)")

    conn = sqlite3.connect(db)
    expanded = [r[0] for r in conn.execute(
        "SELECT p.paper_id FROM crawl_state s JOIN paper p ON p.id = s.paper WHERE s.status = 'done'")]
    detail_ids = [r[0] for r in conn.execute(
        "SELECT p.paper_id FROM crawl_state s JOIN paper p ON p.id = s.paper "
        "WHERE s.details_fetched = 1 AND s.depth > 0")]
    stored = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
    conn.close()
    counts = server.counts(expanded)
    bound = lower_bound(counts, len(detail_ids))
    served = len(crawl_log)
    steady = sustained_rate(crawl_log, p["warmup"], rate)

    # The naive way, same server, no rate limit (the package sleeps 5-60 s on a 429). It costs
    # ~25 ms of client CPU per request (a new HTTP client each time), so it runs on a random
    # sample of the expanded papers and of the full records, and is scaled up with the
    # package's page arithmetic, which the sample checks.
    server.set_rate_limit(None)
    rng = random.Random(3)
    list_sample = expanded if len(expanded) <= p["lists_sample"] else rng.sample(expanded, p["lists_sample"])
    sample = detail_ids if len(detail_ids) <= p["details_sample"] else rng.sample(detail_ids, p["details_sample"])
    server.reset()
    t1 = time.perf_counter()
    asyncio.run(naive_crawl(server.url, list_sample, sample, p["naive_concurrency"]))
    naive_seconds = time.perf_counter() - t1
    naive_log = server.log()
    list_requests = sum(1 for _, _, endpoint, _ in naive_log if endpoint in ("references", "citations"))
    detail_requests = sum(1 for _, _, endpoint, _ in naive_log if endpoint == "paper")
    naive_errors = sum(1 for _, status, *_ in naive_log if status != 200)
    all_counts = dict(zip(expanded, counts))
    predicted_sample = sum(naive_pages(r) + naive_pages(c) for r, c in (all_counts[x] for x in list_sample))
    naive_lists = sum(naive_pages(r) + naive_pages(c) for r, c in all_counts.values())
    per_paper = detail_requests / len(sample) if sample else 0.0
    naive_total = naive_lists + round(per_paper * len(detail_ids))
    log(f"crawl: naive package: {list_requests} list pages for {len(list_sample)} of "
        f"{len(expanded)} expanded papers (predicted {predicted_sample}), {detail_requests} "
        f"details calls for {len(sample)} of {len(detail_ids)} papers, in {naive_seconds:.1f}s")

    faulty = _under_random_faults(server, db, seeds, settings, p, log)

    ideal = bound["total"] / rate
    sends = report.limiter
    rate_ok = steady["rate"] is not None and steady["rate"] / rate >= 0.95 \
        and steady["429_after_warmup"] == 0
    sampled = len(sample) < len(detail_ids) or len(list_sample) < len(expanded)
    metrics = [
        Metric("crawl", "requests / lower bound", served, "requests", bound["total"],
               "lower bound", "requests", target_on="ratio", target_op="<=", target=1.05,
               note=f"{len(expanded)} papers expanded, {len(detail_ids):,} full records "
                    f"({bound['list_pages']} pages + {bound['batches']} batches)"),
        Metric("crawl", "requests vs naive semanticscholar", served, "requests", naive_total,
               "naive package", "requests",
               note=f"naive: {naive_lists:,} list pages at 100/page + "
                    f"{per_paper * len(detail_ids):,.0f} get_paper"
                    + (f" (run on {len(list_sample)} papers' lists and {len(sample)} details, "
                       f"scaled up)" if sampled else "")
                    + ("" if list_requests == predicted_sample else
                       f"; WARNING: sample sent {list_requests} list requests, "
                       f"arithmetic predicted {predicted_sample}")),
        Metric("crawl", f"sustained rate / limit ({rate:g} req/s enforced)", steady["rate"],
               "req/s", rate, "configured limit", "req/s", target_on="ratio", target_op=">=",
               target=0.95,
               note=f"{steady['429_after_warmup']} x 429 after a {p['warmup']:g}s warm-up "
                    f"({steady['429_total']} in all); worst 10 s window "
                    + (f"{steady['worst_10s']:.2f} req/s" if steady["worst_10s"] else "n/a")
                    + f"; {steady['late_seconds']:.1f}s lost to requests leaving after their slot "
                      f"(gap p50 {1000 * (steady['gap_p50'] or 0):.0f} ms, p99 "
                      f"{1000 * (steady['gap_p99'] or 0):.0f} ms)"),
        Metric("crawl", "sends that left more than 10 ms after their slot", sends["late_sends"],
               "sends", sends["sends"], "sends", "sends",
               note=f"{sends['late_seconds']:.1f}s late in all; the limiter's slots were idle "
                    f"{sends['idle_seconds']:.1f}s (no request ready: the crawler was parsing or "
                    "storing, or had no list to fetch); independent of the machine's load"),
        Metric("crawl", "requests per CPU second of the crawling process", report.requests / cpu,
               "req/s", rate, "configured limit", "req/s",
               note=f"{cpu:.1f}s of CPU (all threads) for {report.requests} requests, "
                    f"{1000 * cpu / report.requests:.0f} ms each: the crawl keeps {rate:g} req/s "
                    f"only with {rate * cpu / report.requests:.0%} of a core to itself"),
        Metric("crawl", f"crawl wall time at {rate:g} req/s", report.duration, "s", ideal,
               "lower bound / rate", "s",
               note=f"naive package at the same rate: {naive_total / rate:,.0f}s"),
        Metric("memory", "peak RSS of the crawl", crawl_peak, "MB", idle_rss,
               "same process before crawling", "MB",
               note=f"{stored:,} papers stored, {report.new_edges:,} edges; the stand-in runs "
                    "in another process"),
    ]
    metrics.insert(3, faulty.pop("metric"))
    metrics[2].met = rate_ok
    return {
        "metrics": metrics,
        "context": {
            "corpus_papers": server.papers, "corpus_edges": server.edges, "seeds": len(seeds),
            "depth": p["depth"], "rate": rate, "status": report.status,
            "requests_reported": report.requests, "requests_served": served,
            "retries": report.retries, "statuses": report.statuses,
            "new_papers": report.new_papers, "new_edges": report.new_edges,
            "expanded": len(expanded), "details": len(detail_ids), "lower_bound": bound,
            "steady": steady, "crawl_seconds": report.duration, "wall_seconds": wall,
            "naive": {"list_sample": len(list_sample), "list_requests": list_requests,
                      "list_requests_predicted": predicted_sample, "list_pages_all": naive_lists,
                      "detail_sample": len(sample), "detail_requests": detail_requests,
                      "estimated_total": naive_total, "seconds": naive_seconds,
                      "seconds_per_request": naive_seconds / max(1, len(naive_log)),
                      "non_200": naive_errors},
            "peak_rss_mb": crawl_peak, "idle_rss_mb": idle_rss, "cpu_seconds": cpu,
            "limiter": report.limiter,
            "random_faults": faulty,
        },
    }


def _under_random_faults(server, db: Path, seeds: list[str], settings, p: dict, log) -> dict:
    """The same crawl with ``fault_share`` of requests failing at random: useful answers/s
    between the first and the last request, against rate x (1 - fault share)."""
    from dataclasses import replace

    from kb.crawl.crawler import CrawlBudget, crawl

    rate, share = p["rate"], p["fault_share"]
    fault_db = fresh_path(db.with_name("crawl-faults.sqlite"))
    plant_seeds(fault_db, server.records(seeds))
    server.set_rate_limit(rate)
    server.set_faults(rate_429=share / 3, rate_500=share / 3, rate_504=share / 3, seed=5)
    server.reset()
    report = crawl(fault_db, CrawlBudget(depth=p["depth"], max_requests=p["fault_requests"]),
                   settings=replace(settings, db_path=fault_db, **(
                       {"backoff_base": p["fault_backoff"]} if p["fault_backoff"] else {})),
                   rank=False)
    flog = server.log()
    server.set_faults()
    server.set_rate_limit(None)
    starts = sorted(t for t, *_ in flog)
    span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
    useful = sum(1 for _, status, *_ in flog if status == 200)
    failed = {s: sum(1 for _, status, *_ in flog if status == s) for s in (429, 500, 504)}
    useful_rate = (useful - 1) / span if span > 0 else None
    log(f"crawl: under {share:.0%} random faults: {len(flog)} requests, {useful} useful in "
        f"{span:.1f}s, {failed}")
    metric = Metric("crawl", f"useful answers/s under {share:.0%} random 429/500/504", useful_rate,
                    "answers/s", rate * (1 - share), "rate x (1 - fault share)", "answers/s",
                    target_on="ratio", target_op=">=", target=0.8,
                    note=f"{len(flog)} requests at {rate:g} req/s enforced: {useful} answered, "
                         f"{failed[429]} x 429, {failed[500]} x 500, {failed[504]} x 504; "
                         f"{report.retries} retries; the old halve-on-every-429 limiter got 0.08")
    return {"metric": metric, "requests": len(flog), "useful": useful, "span": span,
            "failed": failed, "status": report.status}
