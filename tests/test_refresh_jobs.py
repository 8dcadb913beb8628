"""Periodic refresh, named jobs, and what is new: against the stand-in, whose corpus grows
between runs."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kb.crawl.crawler import CrawlBudget
from kb.errors import ConfigError
from kb.crawl.jobs import (EXIT_FAILED, EXIT_LOCKED, EXIT_OK, Job, is_due, load_jobs, log_path, run_job,
                     save_jobs)
from kb.store.locking import writer_lock
from kb.crawl.refresh import RefreshOptions, refresh
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store
from kb.crawl.whats_new import Since, digest_markdown, new_papers, parse_since
from crawl_helpers import fast_settings, plant_seeds, run_crawl, snapshot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def world(tmp_path):
    """A crawled store (depth 1 from two seeds) and the stand-in that served it."""
    corpus = generate_corpus(1200, seed=21)
    seeds = [pid for pid in corpus.paper_ids() if 5 <= len(corpus.citations_of(pid)) <= 40][:2]
    db = tmp_path / "kb.sqlite"
    server = StandIn(corpus)
    server.start()
    plant_seeds(db, corpus, seeds)
    run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None))
    yield corpus, seeds, db, server
    server.stop()


def add_new_citers(corpus, cited: str, n: int, year: int = 2026) -> list[str]:
    new = []
    for i in range(n):
        pid = corpus.add_paper(title=f"A fresh result on monosemantic features {i}", year=year,
                               publicationDate=f"{year}-11-{(i % 27) + 1:02d}",
                               abstract="We study features in sparse autoencoders.")
        corpus.add_citation(pid, cited)
        new.append(pid)
    return new


def do_refresh(db, server, **options):
    return refresh(db, CrawlBudget(depth=1, max_requests=None),
                   RefreshOptions(top=options.get("top", 5), older_than_seconds=0),
                   settings=fast_settings(server.url, db))


def test_refresh_with_nothing_new_costs_one_batch_and_adds_nothing(world):
    corpus, seeds, db, server = world
    before = snapshot(db)
    server.log.clear()
    report = do_refresh(db, server)
    assert report.status == "completed"
    assert report.requests == 1 == len(server.log)  # one batch re-reads every watched paper
    assert server.log[0].path.endswith("/paper/batch")
    assert report.new_papers == 0 and report.new_edges == 0
    assert snapshot(db) == before


def test_new_citers_of_a_seed_appear_in_kb_new(world):
    corpus, seeds, db, server = world
    fresh = add_new_citers(corpus, seeds[0], 3)
    server.log.clear()
    report = do_refresh(db, server)
    assert report.status == "completed" and report.new_papers >= 3
    # One batch, then the seed's citation list from the newest page only; new citers at depth 1
    # are stored, not expanded (depth 1 budget), plus one batch for their full records.
    paths = [r.path for r in server.log]
    assert sum(p.endswith(f"{seeds[0]}/citations") for p in paths) == 1
    assert not any(p.endswith(f"{seeds[1]}/citations") for p in paths)
    with Store(db, readonly=True) as store:
        rows = new_papers(store, parse_since(store, "last"))
    found = {r["paper_id"]: r for r in rows}
    assert set(fresh) <= set(found)
    assert found[fresh[0]]["why"] == "cites 1 of your seeds"
    md = digest_markdown(rows, Since(run_id=report.run_id))
    assert "A fresh result on monosemantic features 0" in md and "cites 1 of your seeds" in md


def test_refresh_cost_follows_what_changed(world):
    corpus, seeds, db, server = world
    add_new_citers(corpus, seeds[1], 50)
    server.log.clear()
    report = do_refresh(db, server)
    assert report.new_papers >= 50
    # batch + one citation page + one batch of details for the 50 new papers
    assert report.requests == 3, [r.path for r in server.log]


def test_refresh_skips_papers_checked_recently(world):
    corpus, seeds, db, server = world
    do_refresh(db, server)
    server.log.clear()
    report = refresh(db, CrawlBudget(depth=1), RefreshOptions(top=5, older_than_seconds=3600),
                     settings=fast_settings(server.url, db))
    assert report.requests == 0 and len(server.log) == 0


def test_overlapping_job_runs_are_refused(world, tmp_path):
    corpus, seeds, db, server = world
    job = Job(name="nightly", older_than="0s", max_requests=100)
    with writer_lock(db, "kb job run nightly"):
        result = run_job(db, job, settings=fast_settings(server.url, db))
    assert result.status == "locked" and result.exit_code == EXIT_LOCKED
    assert "being written by" in result.message


def test_failed_job_loses_nothing_and_the_next_run_completes_it(world):
    corpus, seeds, db, server = world
    fresh = add_new_citers(corpus, seeds[0], 4)
    before = snapshot(db)
    job = Job(name="nightly", older_than="0s", max_requests=100, tag=False)  # tags: not the point here
    server.stop()
    result = run_job(db, job, settings=fast_settings(server.url, db, max_attempts=2))
    assert result.status == "failed" and result.exit_code == EXIT_FAILED
    assert "did not answer" in result.message
    assert snapshot(db) == before
    server.start()
    result = run_job(db, job, settings=fast_settings(server.url, db))
    assert result.status == "completed" and result.exit_code == EXIT_OK
    with Store(db, readonly=True) as store:
        stored = {r[0] for r in store.conn.execute("SELECT paper_id FROM paper")}
    assert set(fresh) <= stored
    lines = log_path(db).read_text().splitlines()
    assert len(lines) == 2 and '"failed"' in lines[0] and '"completed"' in lines[1]


def test_job_writes_a_digest(world, tmp_path):
    corpus, seeds, db, server = world
    add_new_citers(corpus, seeds[0], 2)
    job = Job(name="weekly", older_than="0s", digest_dir=str(tmp_path / "digests"), tag=False)
    result = run_job(db, job, settings=fast_settings(server.url, db))
    assert result.digest and Path(result.digest).read_text().count("cites 1 of your seeds") == 2


def test_jobs_file_round_trip_and_due(tmp_path):
    path = tmp_path / "jobs.toml"
    jobs = {"nightly": Job(name="nightly", every="1d", theme="interpretability", digest_dir="/tmp/x"),
            "hourly": Job(name="hourly", every="1h", depth=0, tag=False)}
    save_jobs(path, jobs)
    assert load_jobs(path) == jobs
    db = tmp_path / "kb.sqlite"
    with Store(db) as store:
        assert is_due(store, jobs["nightly"])
        finished = (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        store.conn.execute("INSERT INTO crawl_run (kind, started_at, finished_at, status, job) "
                           "VALUES ('refresh', ?, ?, 'completed', 'nightly')", (finished, finished))
        store.conn.execute("INSERT INTO crawl_run (kind, started_at, finished_at, status, job) "
                           "VALUES ('refresh', ?, ?, 'completed', 'hourly')", (finished, finished))
        assert not is_due(store, jobs["nightly"])
        assert is_due(store, jobs["hourly"])


def test_malformed_jobs_file_is_one_clear_error(tmp_path):
    path = tmp_path / "jobs.toml"
    path.write_text("[job.nightly]\nevery = \n")
    with pytest.raises(ConfigError, match="jobs.toml"):
        load_jobs(path)
    path.write_text("[job.nightly]\nevery = '1d'\ncolour = 'red'\n")
    with pytest.raises(ConfigError, match="unknown keys: colour"):
        load_jobs(path)
    path.write_text("[job.nightly]\ntag = 'no'\n")
    with pytest.raises(ConfigError, match="tag must be true or false"):
        load_jobs(path)


def test_a_job_retags_after_a_change_unless_told_not_to(world, monkeypatch):
    """`kb job add --no-tag`: the job refreshes and ranks but leaves the theme tags to
    `kb tag auto`; by default it re-tags like `kb crawl` (the tagging itself stubbed here)."""
    corpus, seeds, db, server = world
    tagged = []
    monkeypatch.setattr("kb.crawl.crawler.tag_store", lambda store: tagged.append(store))
    settings = fast_settings(server.url, db)
    add_new_citers(corpus, seeds[0], 2)
    result = run_job(db, Job(name="quiet", older_than="0s", tag=False), settings=settings)
    assert result.status == "completed" and result.new_papers >= 2 and tagged == []
    add_new_citers(corpus, seeds[1], 2)
    result = run_job(db, Job(name="nightly", older_than="0s"), settings=settings)
    assert result.status == "completed" and result.new_papers >= 2 and len(tagged) == 1


def test_cli_job_add_list_run_and_exit_codes(world, tmp_path):
    corpus, seeds, db, server = world
    env = dict(os.environ, KB_DB=str(db), KB_S2_API_URL=server.url, KB_RATE="1000",
               KB_BACKOFF_BASE="0.001", KB_JOBS=str(tmp_path / "jobs.toml"))

    def kb(*args):
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env,
                              capture_output=True, text=True, timeout=120)

    # --no-tag: nothing here reads tags, and retraining the theme models was most of this test's CPU
    assert kb("job", "add", "nightly", "--every", "1d", "--older-than", "0s", "--no-tag").returncode == 0
    listed = kb("job", "list", "--json")
    assert listed.returncode == 0 and '"nightly"' in listed.stdout and '"due": true' in listed.stdout
    assert '"tag": false' in listed.stdout
    ran = kb("job", "run", "--due", "--json")
    assert ran.returncode == 0, ran.stderr
    again = kb("job", "run", "--due")
    assert again.returncode == 0 and "no job is due" in again.stdout
    with writer_lock(db, "kb crawl"):
        locked = kb("job", "run", "nightly")
    assert locked.returncode == EXIT_LOCKED
    assert kb("job", "run", "nope").returncode == 4
    new = kb("new", "--since", "run:1", "--format", "json")
    assert new.returncode == 0 and new.stdout.startswith("[")
    bad = kb("new", "--since", "yesterday-ish")
    assert bad.returncode == 2 and bad.stderr.startswith("kb: error:") and "Traceback" not in bad.stderr


def test_refresh_leaves_an_earlier_crawls_leftover_work_alone(tmp_path):
    corpus = generate_corpus(1500, seed=8)
    seeds = [pid for pid in corpus.paper_ids() if 30 <= len(corpus.citations_of(pid)) <= 120][:3]
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        first = run_crawl(db, server.url, CrawlBudget(depth=2, max_requests=4, concurrency=1))
        assert first.status == "partial" and first.frontier_left > 0
        server.log.clear()
        report = do_refresh(db, server)
        assert report.requests == 1 and [r.path for r in server.log] == ["/graph/v1/paper/batch"]
