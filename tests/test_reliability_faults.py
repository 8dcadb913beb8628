"""Faults through the real command line: 20% of requests fail (429, 500, 502, 504, answers
slower than the timeout, dropped connections, truncated JSON, duplicated edges) and the store
ends exactly as a clean run leaves it; a stand-in stopped mid-crawl ends the run with one clear
line and exit 7, and the next run finishes the work; no request is retried forever.

tests/test_crawler.py proves the fault loop for the crawler called in-process; these tests go
through ``kb crawl`` (and refresh, seeding, jobs) as a user runs them. ``pytest --long`` runs
5 fault trials with different fault seeds instead of 1.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from crawl_helpers import plant_seeds, snapshot
from kb.standin.server import StandIn
from reliability_helpers import (two_seed_graph, uninterrupted_crawl, assert_one_clear_line, authors_snapshot, check_store, copy_store,
                                 frontier_snapshot, kb_env, record, run_kb, start_kb, text,
                                 wait_until)

CRAWL = ["crawl", "--depth", "2", "--max-requests", "0", "--no-tag", "--json"]
FAULT_KINDS = ("429", "500", "502", "504", "slow", "drop", "malformed")


@pytest.fixture(scope="module")
def graph():
    return two_seed_graph()


def state(db: Path) -> dict:
    papers, edges = snapshot(db)
    return {"papers": papers, "edges": edges, "frontier": frontier_snapshot(db),
            "authors": authors_snapshot(db)}


@pytest.fixture(scope="module")
def clean(graph, tmp_path_factory):
    db, requests, _ = uninterrupted_crawl(graph, tmp_path_factory.mktemp("clean") / "kb.sqlite", *CRAWL)
    return state(db), requests


def test_cli_crawl_under_20_percent_faults_ends_with_the_clean_store(tmp_path, graph, clean, long_run):
    corpus, seeds = graph
    expected, _ = clean
    trials = 5 if long_run else 1
    injected: Counter = Counter()
    for trial in range(trials):
        db = tmp_path / f"faulty{trial}.sqlite"
        with StandIn(corpus) as server:
            server.set_faults(rate=0.2, seed=100 + trial, statuses=(429, 500, 502, 504),
                              timeout_share=0.15, drop_share=0.12, malformed_share=0.12,
                              timeout_seconds=0.8, duplicate_edges=0.03)
            plant_seeds(db, corpus, seeds)
            proc = run_kb(*CRAWL, env=kb_env(db, server.url, KB_TIMEOUT="0.3", KB_MAX_ATTEMPTS="12"))
            counters = server.counters
        assert proc.returncode == 0, text(proc)[1][-2000:]
        report = json.loads(proc.stdout)
        assert report["status"] == "completed"
        faults = counters.get("faults", 0)
        kinds = {k: counters.get(f"fault:{k}", 0) for k in FAULT_KINDS}
        assert faults >= 0.1 * counters["requests"], counters
        assert report["retries"] >= faults - 8, (report["retries"], faults)  # each fault cost a retry
        check_store(db)
        got = state(db)
        for part, value in expected.items():
            assert got[part] == value, f"trial {trial}: {part} differ from the clean crawl ({kinds})"
        injected.update(kinds)
        injected["requests"] += counters["requests"]
    record("faults", crawl_faults_injected_and_survived=sum(injected[k] for k in FAULT_KINDS),
           crawl_requests_under_faults=injected["requests"], fault_trials=trials,
           **{f"injected_{k}": injected[k] for k in FAULT_KINDS})


def test_refresh_and_seeding_under_faults_match_clean_runs(tmp_path, graph, clean, make_standin):
    """`kb crawl --refresh` after the corpus grew, and `kb seed add` of real seed documents
    (title matching and search), with 20% faults: the same result as without them."""
    from kb.settings import PROJECT_ROOT

    corpus, seeds = graph
    base = tmp_path / "base.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(base, corpus, seeds)
        assert run_kb(*CRAWL, env=kb_env(base, server.url)).returncode == 0
    grown = corpus.copy()
    for i in range(4):
        pid = grown.add_paper(title=f"New evidence on deceptive alignment {i}", year=2026,
                              publicationDate=f"2026-10-{i + 10}", abstract="We test deception.")
        grown.add_citation(pid, seeds[i % 2])
    refresh = ["crawl", "--refresh", "--older-than", "0s", "--depth", "1", "--no-tag", "--json"]
    results, faults = [], 0
    for faulty in (False, True):
        db = copy_store(base, tmp_path / f"refresh-{faulty}.sqlite")
        with StandIn(grown) as server:
            if faulty:
                server.set_faults(rate=0.2, seed=7, statuses=(429, 500, 502, 504), drop_share=0.15,
                                  malformed_share=0.15)
            proc = run_kb(*refresh, env=kb_env(db, server.url, KB_MAX_ATTEMPTS="12"))
            faults += server.counters.get("faults", 0)
        assert proc.returncode == 0, text(proc)[1][-2000:]
        check_store(db)
        results.append(state(db))
    assert results[0] == results[1]

    docs = [str(p) for p in sorted((PROJECT_ROOT / "data" / "seeds").glob("*.txt"))[:2]]
    seeded = []
    for faulty in (False, True):
        db = tmp_path / f"seeded-{faulty}.sqlite"
        server = make_standin()
        if faulty:
            server.set_faults(rate=0.2, seed=11, statuses=(429, 500, 502, 504), drop_share=0.15,
                              malformed_share=0.15)
        proc = run_kb("seed", "add", *docs, "--json", env=kb_env(db, server.url, tmp=tmp_path,
                                                                 KB_MAX_ATTEMPTS="12"))
        faults += server.counters.get("faults", 0)
        assert proc.returncode == 0, text(proc)[1][-2000:]
        check_store(db)
        conn = sqlite3.connect(db)
        seeded.append((
            set(conn.execute("SELECT p.paper_id FROM seed s JOIN paper p ON p.id = s.paper")),
            set(conn.execute('SELECT m.start, m."end", m.status, p.paper_id FROM mention m '
                             "LEFT JOIN paper p ON p.id = m.paper"))))
        conn.close()
    assert seeded[0][0] and seeded[0] == seeded[1]
    assert faults > 0
    record("faults", refresh_and_seeding_faults_injected_and_survived=faults)


def test_stand_in_stopped_mid_crawl_fails_clearly_and_the_next_run_finishes(tmp_path, graph, clean):
    corpus, seeds = graph
    expected, total = clean
    db = tmp_path / "kb.sqlite"
    server = StandIn(corpus)
    server.start()
    try:
        plant_seeds(db, corpus, seeds)
        env = kb_env(db, server.url, KB_MAX_ATTEMPTS="4", KB_BACKOFF_BASE="0.05", KB_BACKOFF_CAP="0.2",
                     KB_TIMEOUT="2")
        proc = start_kb(*CRAWL, env=env)
        assert wait_until(lambda: len(server.log) >= total // 3 or proc.poll() is not None, timeout=60)
        server.stop()  # the outage: refused connections, open ones cut
        stopped = time.monotonic()
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - stopped
        line = assert_one_clear_line(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), {7})
        assert "did not answer" in line and "attempts" in line, line
        assert took < 20, f"the run took {took:.1f} s to give up"
        assert json.loads(out)["status"] == "failed"
        counts = check_store(db)
        assert counts["papers"] > len(seeds)  # what was committed before the outage is kept
        conn = sqlite3.connect(db)
        status, message = conn.execute(
            "SELECT status, message FROM crawl_run ORDER BY id DESC LIMIT 1").fetchone()
        conn.close()
        assert status == "failed" and "did not answer" in message
        server.start()  # same port: the API is back
        again = run_kb(*CRAWL, env=env)
        assert again.returncode == 0, text(again)[1][-2000:]
        assert json.loads(again.stdout)["status"] == "completed"
    finally:
        server.stop()
    check_store(db)
    assert state(db) == expected
    record("faults", outages_survived=1)


@pytest.mark.parametrize("command", [
    ["seed", "add", "--id", "CorpusId:1"],
    ["seed", "add", "--title", "Attention Is All You Need"],
    ["crawl", "--json"],
    ["crawl", "--refresh", "--older-than", "0s", "--json"],
    ["build", "--max-requests", "5", "--json"],
], ids=["seed-id", "seed-title", "crawl", "refresh", "build"])
def test_every_api_command_fails_clearly_when_the_api_is_down(tmp_path, graph, clean, command):
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    before = snapshot(db)
    server = StandIn(corpus)
    server.start()
    server.stop()  # a port nobody listens on any more
    env = kb_env(db, server.url, tmp=tmp_path, KB_MAX_ATTEMPTS="3", KB_BACKOFF_BASE="0.01")
    if command[0] == "build":
        doc = tmp_path / "doc.txt"
        doc.write_text("As shown in Attention Is All You Need (Vaswani et al., 2017), attention works.\n")
        command = ["build", str(doc), *command[1:]]
    started = time.monotonic()
    proc = run_kb(*command, env=env, cwd=tmp_path)
    line = assert_one_clear_line(proc, {7})
    assert "did not answer" in line and "KB_S2_API_URL" in line, line
    assert time.monotonic() - started < 20
    assert snapshot(db) == before
    check_store(db)


def test_a_job_run_during_an_outage_exits_11_and_the_next_run_completes(tmp_path, graph):
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    server = StandIn(corpus)
    server.start()
    try:
        plant_seeds(db, corpus, seeds)
        env = kb_env(db, server.url, tmp=tmp_path, KB_MAX_ATTEMPTS="3")
        assert run_kb("crawl", "--depth", "1", "--no-tag", "--json", env=env).returncode == 0
        # --no-tag: the job's outage and recovery are the point; retraining the theme models
        # (the store was crawled --no-tag, so its tags are stale) was most of this test's CPU
        assert run_kb("job", "add", "nightly", "--older-than", "0s", "--no-tag", env=env).returncode == 0
        server.stop()
        failed = run_kb("job", "run", "nightly", "--json", env=env)
        assert failed.returncode == 11, text(failed)
        assert "Traceback" not in text(failed)[1]
        assert json.loads(failed.stdout)[0]["status"] == "failed"
        server.start()
        ok = run_kb("job", "run", "nightly", "--json", env=env)
        assert ok.returncode == 0, text(ok)
    finally:
        server.stop()
    log = (tmp_path / "kb.jobs.log").read_text().splitlines()
    assert [json.loads(line)["status"] for line in log] == ["failed", "completed"]
    check_store(db)


@pytest.mark.parametrize("fault,words", [
    ("slow", "timed out"),
    ("429", "rate limit"),
    ("503", "HTTP 503"),
    ("drop", "connection dropped"),
    ("malformed", "malformed JSON"),
])
def test_no_request_is_retried_forever(tmp_path, graph, fault, words):
    """Every answer fails the same way, for ever: each request is tried KB_MAX_ATTEMPTS times,
    the run ends within seconds with one clear line, and nothing is stored wrong."""
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    before = snapshot(db)
    with StandIn(corpus) as server:
        if fault == "slow":
            server.set_faults(rate_slow=1.0, slow_seconds=5.0)
        else:
            server.set_faults(**{f"rate_{fault}": 1.0})
        started = time.monotonic()
        proc = run_kb(*CRAWL, env=kb_env(db, server.url, KB_MAX_ATTEMPTS="3", KB_TIMEOUT="0.25"))
        took = time.monotonic() - started
    # A slow answer is logged when it is finally sent: at the latest when the stand-in stops.
    wait_until(lambda: len(server.log) >= json.loads(proc.stdout)["requests"], timeout=5)
    log = list(server.log)
    line = assert_one_clear_line(proc, {7})
    assert words in line, line
    assert took < 20, took
    attempts = Counter((r.method, r.path, r.param("offset")) for r in log)
    assert attempts and max(attempts.values()) <= 3, attempts.most_common(3)
    assert snapshot(db) == before
    check_store(db)
    record("faults", endless_fault_runs_ended=1, endless_faults_injected=len(log))


def test_a_list_that_always_fails_is_set_aside_and_retried_later(tmp_path, graph, clean):
    """One paper's citation list answers 500 for ever while everything else works: the list is
    tried exactly KB_MAX_ATTEMPTS times and set aside, the others are all fetched, the run
    exits 7 naming it, `kb runs` and `kb status` report it, a plain crawl leaves it alone, and
    `kb crawl --retry-failed` (fault gone) completes the store."""
    corpus, seeds = graph
    expected, _ = clean
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        target = seeds[0]
        server.set_faults(fail_next=1_000_000, statuses=(500,), rule_path=f"{target}/citations")
        env = kb_env(db, server.url, KB_MAX_ATTEMPTS="4")
        proc = run_kb(*CRAWL, env=env)
        line = assert_one_clear_line(proc, {7})
        assert target in line and "HTTP 500" in line and "--retry-failed" in line, line
        report = json.loads(proc.stdout)
        assert report["status"] == "incomplete" and report["frontier_left"] == 0, report
        assert [f["paper"] for f in report["failed_lists"]] == [target]
        tries = sum(1 for r in server.log if r.path.endswith(f"{target}/citations"))
        assert tries == 4, tries
        runs = json.loads(run_kb("runs", "--json", env=env).stdout)
        assert runs[0]["failed_lists"][0]["paper"] == target and runs[0]["status"] == "incomplete"
        assert json.loads(run_kb("status", "--json", env=env).stdout)["lists_set_aside"] == 1
        server.log.clear()
        plain = run_kb(*CRAWL, env=env)
        assert plain.returncode == 0, text(plain)[1][-2000:]
        assert not any(r.path.endswith(f"{target}/citations") for r in server.log)
        server.set_faults(None)
        again = run_kb(*CRAWL, "--retry-failed", env=env)
        assert again.returncode == 0, text(again)[1][-2000:]
        assert json.loads(run_kb("status", "--json", env=env).stdout)["lists_set_aside"] == 0
    check_store(db)
    assert state(db) == expected
    record("faults", permanent_failures_set_aside=1)
