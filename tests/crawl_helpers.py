"""Helpers shared by the crawler, refresh and reliability tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.crawl.crawler import CrawlBudget, crawl
from kb.crawl.frontier import SEED_PRIORITY
from kb.sources.s2.parse import parse_paper
from kb.settings import Settings
from kb.store import Store, utc_now


def fast_settings(url: str, db: Path, **extra) -> Settings:
    values = dict(db_path=db, api_url=url, requests_per_second=1000.0, timeout_seconds=5.0,
                  max_attempts=8, backoff_base=0.001, backoff_cap=0.01)
    values.update(extra)
    return Settings(**values)


def plant_seeds(db: Path, corpus, paper_ids: list[str]) -> None:
    """Put papers in the store as depth-0 crawl roots, as seed resolution does."""
    with Store(db) as store:
        store.upsert_papers([parse_paper(corpus.record(pid), detail_level=2) for pid in paper_ids])
        ids = store.internal_ids(paper_ids)
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO crawl_state (paper, depth, priority, reached_via, seeds, details_fetched, updated_at)"
                " VALUES (?, 0, ?, 'seed', json_array(?), 1, ?)",
                [(ids[pid], SEED_PRIORITY, ids[pid], utc_now()) for pid in paper_ids])
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'seed'").fetchone():
                conn.executemany("INSERT OR IGNORE INTO seed (paper, added_at, source) VALUES (?, ?, 'test')",
                                 [(ids[pid], utc_now()) for pid in paper_ids])


def snapshot(db) -> tuple[set, set]:
    """Papers and edges by paperId: the same content compares equal on either backend."""
    if not str(db).startswith("postgresql://"):
        conn = sqlite3.connect(db)
    else:
        from kb.store.postgres import PgConnection

        conn = PgConnection(db)
    papers = {tuple(r) for r in conn.execute(
        "SELECT paper_id, title, year, citation_count, tldr, detail_level FROM paper")}
    edges = {tuple(r) for r in conn.execute(
        "SELECT a.paper_id, b.paper_id, c.is_influential, c.intents, c.contexts FROM citation c "
        "JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited")}
    conn.close()
    return papers, edges



def run_crawl(db: Path, url: str, budget: CrawlBudget, **settings_extra):
    return crawl(db, budget, settings=fast_settings(url, db, **settings_extra))




def crawl_last_window_page(db: Path, url: str, corpus, hub: str):
    """Seed ``hub`` as if its citations' first nine pages were stored, and crawl the last page
    the API's 10,000 window serves."""
    plant_seeds(db, corpus, [hub])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE crawl_state SET cits_next_offset = 8999")
    conn.close()
    return run_crawl(db, url, CrawlBudget(depth=1, max_requests=None, direction="cits",
                                          fetch_details=False))
