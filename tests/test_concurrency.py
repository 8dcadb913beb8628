"""Several processes on one store: writers are serialised with a clear message, readers always
see a consistent store, nothing is lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawl_helpers import plant_seeds, run_crawl, snapshot
from kb.crawl.crawler import CrawlBudget
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn

ROOT = Path(__file__).resolve().parents[1]


def start_crawl(db: Path, url: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, KB_DB=str(db), KB_S2_API_URL=url, KB_RATE="40", KB_BACKOFF_BASE="0.001")
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "crawl", "--max-requests", "0",
                             "--no-tag", "--json", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def wait_for_requests(server, n: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(server.log) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def test_writers_are_serialised_and_readers_stay_consistent(tmp_path):
    corpus = generate_corpus(1500, seed=17)
    seeds = [p for p in corpus.paper_ids() if 5 <= len(corpus.citations_of(p)) <= 25][:2]
    db, reference = tmp_path / "kb.sqlite", tmp_path / "ref.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(reference, corpus, seeds)
        run_crawl(reference, server.url, CrawlBudget(depth=2, max_requests=None))
        plant_seeds(db, corpus, seeds)
        server.log.clear()
        crawl = start_crawl(db, server.url)
        wait_for_requests(server, 3, crawl)
        env = dict(os.environ, KB_DB=str(db), KB_S2_API_URL=server.url)

        # A second crawl and a tagging run are refused while the first one writes.
        for args in (["crawl", "--max-requests", "5"], ["tag", "auto"], ["build", "--max-requests", "1"]):
            other = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env,
                                   capture_output=True, text=True, timeout=60)
            assert other.returncode == 6, (args, other.stderr)
            assert other.stderr.startswith("kb: error:") and "being written by `kb crawl`" in other.stderr

        # Readers, meanwhile, always see a store whose rows hang together.
        checks = 0
        papers_seen = 0
        while crawl.poll() is None or checks < 3:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            with conn:
                conn.execute("BEGIN")
                orphans = conn.execute(
                    "SELECT count(*) FROM citation c LEFT JOIN paper a ON a.id = c.citing "
                    "LEFT JOIN paper b ON b.id = c.cited WHERE a.id IS NULL OR b.id IS NULL").fetchone()[0]
                state_orphans = conn.execute(
                    "SELECT count(*) FROM crawl_state s LEFT JOIN paper p ON p.id = s.paper "
                    "WHERE p.id IS NULL").fetchone()[0]
                papers = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
                run_edges = conn.execute("SELECT coalesce(sum(new_edges), 0) FROM crawl_run").fetchone()[0]
                edges = conn.execute("SELECT count(*) FROM citation").fetchone()[0]
            conn.close()
            assert orphans == 0 and state_orphans == 0
            assert papers >= papers_seen
            assert run_edges == edges  # the run's counters commit with the page they count
            papers_seen = papers
            checks += 1
            if crawl.poll() is not None and checks >= 3:
                break
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 0, err
        assert checks >= 3
    assert snapshot(db) == snapshot(reference)


def test_wait_flag_queues_a_second_writer(tmp_path):
    from kb.store.locking import writer_lock

    db = tmp_path / "kb.sqlite"
    env = dict(os.environ, KB_DB=str(db))
    with writer_lock(db, "kb crawl"):
        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "crawl", "--wait", "--json"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting for the lock
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert '"status": "completed"' in out
