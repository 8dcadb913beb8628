"""The crawler against the stand-in: economy, faults, resumption after kill -9, the lock."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.crawl.crawler import DETAIL_BATCH, CrawlBudget
from kb.errors import StoreLockedError
from kb.store.locking import writer_lock
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store
from crawl_helpers import plant_seeds, run_crawl, snapshot
from reliability_helpers import check_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph():
    corpus = generate_corpus(3000, seed=11)
    rng = random.Random(5)
    ids = [pid for pid in corpus.paper_ids() if 3 <= len(corpus.citations_of(pid)) <= 25]
    return corpus, rng.sample(ids, 2)


def lower_bound(corpus, db: Path) -> tuple[int, int, int]:
    """Pages of both lists of every expanded paper, plus batches for papers lacking details."""
    with Store(db, readonly=True) as store:
        expanded = [r[0] for r in store.conn.execute(
            "SELECT p.paper_id FROM crawl_state s JOIN paper p ON p.id = s.paper WHERE s.status = 'done'")]
        needing = store.conn.execute(
            "SELECT count(*) FROM crawl_state WHERE details_fetched = 1 AND depth > 0").fetchone()[0]

    def pages(n):
        return math.ceil(min(n, 9999) / 1000)

    page_count = sum(pages(len(corpus.references_of(p))) + pages(len(corpus.citations_of(p))) for p in expanded)
    return page_count, math.ceil(needing / DETAIL_BATCH), len(expanded)


def test_depth_two_crawl_meets_the_request_lower_bound(store_target, graph):
    corpus, seeds = graph
    db = store_target
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        report = run_crawl(db, server.url, CrawlBudget(depth=2, max_requests=None))
        served = len(server.log)
    assert report.status == "completed"
    pages, batches, expanded = lower_bound(corpus, db)
    bound = pages + batches
    assert expanded > len(seeds)
    assert report.requests == served
    assert bound <= served <= math.ceil(bound * 1.05), (served, pages, batches)
    # Every paper within two hops of a seed is stored, with its full record.
    within = set(seeds)
    frontier = set(seeds)
    for _ in range(2):
        nxt = set()
        for pid in frontier:
            nxt |= {x for x in corpus.references_of(pid) + corpus.citations_of(pid) if x}
        within |= nxt
        frontier = nxt
    papers, edges = snapshot(db)
    assert {p[0] for p in papers} == within
    assert all(p[5] == 2 for p in papers)
    with Store(db) as store:
        row = store.conn.execute("SELECT * FROM crawl_run WHERE id = ?", (report.run_id,)).fetchone()
        assert row["status"] == "completed" and row["new_edges"] == len(edges)


def test_second_crawl_of_a_finished_store_sends_nothing(tmp_path, graph):
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None))
        before = len(server.log)
        report = run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None))
        assert len(server.log) == before
    assert report.requests == 0 and report.status == "completed"


FAULT_TRIALS = int(os.environ.get("KB_FAULT_TRIALS", "1"))


def test_faults_do_not_change_the_result(tmp_path, graph):
    corpus, seeds = graph
    clean_db = tmp_path / "clean.sqlite"
    budget = CrawlBudget(depth=2, max_requests=None)
    with StandIn(corpus) as server:
        plant_seeds(clean_db, corpus, seeds)
        run_crawl(clean_db, server.url, budget)
    for trial in range(FAULT_TRIALS):
        faulty_db = tmp_path / f"faulty{trial}.sqlite"
        with StandIn(corpus) as server:
            server.set_faults(rate=0.2, seed=3 + trial, statuses=(429, 500, 502, 503, 504),
                              timeout_share=0.15, drop_share=0.1, malformed_share=0.1, timeout_seconds=0.6)
            plant_seeds(faulty_db, corpus, seeds)
            report = run_crawl(faulty_db, server.url, budget, timeout_seconds=0.3, max_attempts=12)
            faults = server.counters.get("faults", 0)
        assert report.status == "completed"
        assert faults > 10 and report.retries >= faults * 0.8
        assert snapshot(clean_db) == snapshot(faulty_db), f"trial {trial}"
        print(f"fault trial {trial}: {faults} faults injected, {report.retries} retries, same store")


def test_budget_stops_the_crawl_and_the_next_run_continues(tmp_path, graph):
    corpus, seeds = graph
    db, reference = tmp_path / "kb.sqlite", tmp_path / "ref.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(reference, corpus, seeds)
        run_crawl(reference, server.url, CrawlBudget(depth=2, max_requests=None))
        plant_seeds(db, corpus, seeds)
        server.log.clear()
        first = run_crawl(db, server.url, CrawlBudget(depth=2, max_requests=7, concurrency=4))
        assert first.status == "partial" and first.requests <= 7 and first.stopped_by == "max-requests"
        start = len(server.log)
        second = run_crawl(db, server.url, CrawlBudget(depth=2, max_requests=None))
        assert second.status == "completed"
        # No page is fetched twice across the two runs.
        pages = [(r.path, r.param("offset")) for r in server.log if r.method == "GET"]
        assert len(pages) == len(set(pages))
        assert len(server.log) - start == second.requests
    assert snapshot(db) == snapshot(reference)


def test_seeds_expand_first_and_hub_citers_last(tmp_path):
    corpus = generate_corpus(400, seed=2, hub_citers=10_500)
    hub = corpus.hub_id
    small = next(pid for pid in corpus.paper_ids()
                 if pid != hub and 2 <= len(corpus.citations_of(pid)) <= 30 and hub in corpus.references_of(pid))
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, [hub, small])
        report = run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None, concurrency=1,
                                                     hub_citations=5000, fetch_details=False))
        log = [r.path for r in server.log]
    assert report.status == "completed"
    hub_cit_pages = [i for i, p in enumerate(log) if p.endswith(f"{hub}/citations")]
    other_pages = [i for i, p in enumerate(log) if "/paper/" in p and not p.endswith(f"{hub}/citations")
                   and "batch" not in p]
    assert hub_cit_pages and max(other_pages) < min(hub_cit_pages)
    assert len(hub_cit_pages) == 10  # 0..9000: the API's 10000-offset cap
    assert report.truncated_lists == 1
    with Store(db) as store:
        assert store.paper_row(hub)["cits_truncated"] == 1


def test_a_concurrent_crawl_is_refused(tmp_path, graph):
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        with writer_lock(db, "kb crawl"):
            with pytest.raises(StoreLockedError, match="kb crawl"):
                run_crawl(db, server.url, CrawlBudget(depth=1))
            env = dict(os.environ, KB_DB=str(db), KB_S2_API_URL=server.url)
            proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "crawl"], env=env,
                                  capture_output=True, text=True, timeout=60)
        assert proc.returncode == 6
        assert proc.stderr.count("\n") == 1 and "being written by" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_long_outage_fails_clearly_and_the_next_run_finishes(tmp_path, graph):
    corpus, seeds = graph
    db, reference = tmp_path / "kb.sqlite", tmp_path / "ref.sqlite"
    budget = CrawlBudget(depth=2, max_requests=None, concurrency=2)
    with StandIn(corpus) as server:
        plant_seeds(reference, corpus, seeds)
        run_crawl(reference, server.url, budget)
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        server.set_faults(fail_next=10_000, statuses=(503,), after=6)
        report = run_crawl(db, server.url, budget, max_attempts=3)
        assert report.status == "failed" and "503" in report.message
        papers_after_failure = snapshot(db)[0]
        assert papers_after_failure  # what was committed before the outage is kept
        server.set_faults(None)
        report = run_crawl(db, server.url, budget)
        assert report.status == "completed"
    assert snapshot(db) == snapshot(reference)


KILL_TRIALS = int(os.environ.get("KB_KILL_TRIALS", "4"))
PG_KILL_TRIALS = 1  # PostgreSQL's own recovery is not under test; kb's commit boundaries are


@pytest.fixture(scope="module")
def uninterrupted(graph, tmp_path_factory):
    """The store of a crawl of ``graph`` that nothing interrupted, and the requests it took:
    what every killed-and-resumed crawl must end with (one for both backends)."""
    corpus, seeds = graph
    reference = tmp_path_factory.mktemp("uninterrupted") / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(reference, corpus, seeds)
        run_crawl(reference, server.url, CrawlBudget(depth=2, max_requests=None))
        return snapshot(reference), len(server.log)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_minus_nine_then_resume_gives_the_same_store(make_target, graph, uninterrupted, backend):
    corpus, seeds = graph
    expected, total = uninterrupted
    budget = CrawlBudget(depth=2, max_requests=None)
    rng = random.Random(99)
    with StandIn(corpus) as server:
        for trial in range(KILL_TRIALS if backend == "sqlite" else PG_KILL_TRIALS):
            db = make_target(backend, f"kill{trial}")
            plant_seeds(db, corpus, seeds)
            env = dict(os.environ, KB_DB=str(db), KB_S2_API_URL=server.url, KB_RATE="1000",
                       KB_BACKOFF_BASE="0.001")
            server.log.clear()
            kill_after = rng.randint(1, max(2, total - 2))
            proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "crawl", "--max-requests", "100000",
                                     "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while len(server.log) < kill_after and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            check_store(db)
            report = run_crawl(db, server.url, budget)
            assert report.status == "completed"
            assert snapshot(db) == expected, f"trial {trial}, killed after {kill_after} requests"
            with Store(db) as store:
                statuses = [r[0] for r in store.conn.execute("SELECT status FROM crawl_run ORDER BY id")]
            assert statuses[-1] == "completed" and "running" not in statuses


def test_a_paper_the_api_does_not_know_is_reported_and_kept_to_fetch(tmp_path, standin, kb_cli,
                                                                      monkeypatch):
    """A store crawled against another service (or a withdrawn paper): the 404 is reported,
    the paper's lists stay to fetch, and the crawl of the papers it does know goes on."""
    from kb.store.records import PaperRecord

    known = [p for p in standin.corpus.paper_ids() if 2 <= len(standin.corpus.citations_of(p)) <= 20][:1]
    db = tmp_path / "kb.sqlite"
    plant_seeds(db, standin.corpus, known)
    stranger = "ab" * 20
    with Store(db) as store:
        store.upsert_papers([PaperRecord(stranger, title="Only in another service", detail_level=2)])
        sid = store.internal_ids([stranger])[stranger]
        with store.transaction() as conn:
            conn.execute("INSERT INTO crawl_state (paper, depth, status, reached_via) "
                         "VALUES (?, 0, 'pending', 'seed')", (sid,))
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    out = kb_cli("crawl", "--depth", "1", "--no-tag", "--json", db=db)
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["not_found"] == [stranger] and report["new_papers"] > 0
    assert "does not know 1 paper" in report["message"] and stranger in report["message"]
    with Store(db, readonly=True) as store:
        state = store.conn.execute("SELECT status FROM crawl_state WHERE paper = ?", (sid,)).fetchone()
    assert state[0] == "pending"  # kept to fetch, not marked done
