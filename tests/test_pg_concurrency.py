"""Several writers on one PostgreSQL store: two crawls share the work without fetching a page
twice or losing a row, and tags and lists edited meanwhile are kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawl_helpers import plant_seeds, run_crawl, snapshot
from kb.crawl.crawler import CrawlBudget
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store

ROOT = Path(__file__).resolve().parents[1]


def _kb(env, *args, **kwargs):
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_two_crawls_share_one_store_and_keep_edits(make_target):
    corpus = generate_corpus(1500, seed=17)
    seeds = [p for p in corpus.paper_ids() if 5 <= len(corpus.citations_of(p)) <= 25][:3]
    reference, db = make_target("sqlite", "ref"), make_target("postgresql", "shared")
    with StandIn(corpus) as server:
        plant_seeds(reference, corpus, seeds)
        run_crawl(reference, server.url, CrawlBudget(depth=2, max_requests=None))
        single = sum(1 for r in server.log if r.path.endswith(("/references", "/citations")))
        plant_seeds(db, corpus, seeds)
        server.log.clear()
        env = dict(os.environ, KB_DB=db, KB_S2_API_URL=server.url, KB_RATE="200",
                   KB_BACKOFF_BASE="0.001")
        crawls = [_kb(env, "crawl", "--depth", "2", "--max-requests", "0", "--no-tag", "--json")
                  for _ in range(2)]
        # Meanwhile a reader tags a paper and files it in a reading list.
        seed = Store(db, readonly=True).paper_row(seeds[0])["paper_id"]
        edits = [_kb(env, "tag", "add", seed, "interpretability"),
                 _kb(env, "list", "create", "during"), ]
        for proc in edits:
            assert proc.wait(timeout=120) == 0, proc.stderr.read()
        added = _kb(env, "list", "add", "during", seed)
        assert added.wait(timeout=120) == 0, added.stderr.read()
        for proc in crawls:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
        pages = [(r.path, r.query.get("offset", ["0"])[0]) for r in server.log
                 if r.path.endswith(("/references", "/citations"))]
    assert len(pages) == len(set(pages)), "a page of a list was fetched twice"
    assert len(pages) == single  # together the two did exactly the work of one
    assert snapshot(db) == snapshot(reference)
    with Store(db, readonly=True) as store:
        assert store.conn.execute("SELECT count(*) FROM paper_theme WHERE source = 'manual' "
                                  "AND theme = 'interpretability'").fetchone()[0] == 1
        assert store.conn.execute("SELECT count(*) FROM reading_list_item").fetchone()[0] == 1
        runs = [tuple(r) for r in store.conn.execute("SELECT kind, status FROM crawl_run")]
        assert runs.count(("crawl", "completed")) == 2  # neither marked the other interrupted


def test_exclusive_writers_wait_for_crawls_on_postgres(pg_url):
    from kb.errors import StoreLockedError
    from kb.store.locking import writer_lock

    Store(pg_url).close()
    with writer_lock(pg_url, "kb crawl", shared=True), writer_lock(pg_url, "kb crawl", shared=True):
        try:
            with writer_lock(pg_url, "kb tag auto"):
                raise AssertionError("an exclusive writer got in beside a crawl")
        except StoreLockedError as exc:
            assert "`kb crawl`" in str(exc)


def test_a_crawl_takes_on_what_another_crawl_of_the_store_found(pg_url):
    """A crawl whose own queue runs dry picks up the papers another crawl added meanwhile, so
    two crawls share the work evenly instead of by who found what (bench_backends' figures)."""
    from kb.crawl.frontier import Frontier, FrontierRules
    from kb.store.records import PaperRecord

    ids = [f"{i:040x}" for i in range(1, 4)]
    with Store(pg_url) as store, Store(pg_url) as other:
        store.upsert_papers([PaperRecord(paper_id=pid, title=f"Paper {pid[-1]}") for pid in ids])
        known = store.internal_ids(ids)
        with store.transaction() as conn:
            conn.execute("INSERT INTO crawl_state (paper, depth, status, refs_next_offset, "
                         "cits_next_offset) VALUES (?, 0, 'done', -1, -1)", (known[ids[0]],))
        frontier = Frontier(store, FrontierRules(max_depth=2))
        assert frontier.pop() is None
        with other.transaction() as conn:  # the other crawl's page reached two more papers
            conn.executemany("INSERT INTO crawl_state (paper, depth, links) VALUES (?, 1, 1)",
                             [(known[pid],) for pid in ids[1:]])
        assert frontier.adopt_others_discoveries() == 2
        tasks = {(entry.paper_id, direction) for entry, direction in iter(frontier.pop, None)}
        assert {pid for pid, _ in tasks} == set(ids[1:]) and len(tasks) == 4
        assert frontier.adopt_others_discoveries() == 0
