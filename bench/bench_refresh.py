"""Requests a refresh costs on a store of 10,000+ papers: with nothing new, and with 50 new
citers of the watched papers. The baseline is what a full re-crawl of the same store costs
(every expanded paper's lists again), computed from the same store in the same run.

    python bench/bench_refresh.py [--papers 30000] [--store-papers 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from crawl_helpers import fast_settings, plant_seeds  # noqa: E402

from kb.crawl.crawler import CrawlBudget, crawl  # noqa: E402
from kb.crawl.refresh import RefreshOptions, refresh  # noqa: E402
from kb.standin.generate import generate_corpus  # noqa: E402
from kb.standin.server import StandIn  # noqa: E402


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=30_000)
    parser.add_argument("--store-papers", type=int, default=10_000)
    parser.add_argument("--new-citers", type=int, default=50)
    args = parser.parse_args()

    corpus = generate_corpus(args.papers, seed=7)
    rng = random.Random(3)
    candidates = [p for p in corpus.paper_ids() if 20 <= len(corpus.citations_of(p)) <= 200]
    seeds = rng.sample(candidates, 10)
    db = Path(tempfile.mkdtemp()) / "kb.sqlite"
    result: dict = {}
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        settings = fast_settings(server.url, db)
        built = crawl(db, CrawlBudget(depth=2, max_requests=None, max_papers=args.store_papers), settings=settings)
        conn = sqlite3.connect(db)
        stored = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
        expanded = conn.execute(
            "SELECT p.reference_count, p.citation_count FROM crawl_state s JOIN paper p ON p.id = s.paper "
            "WHERE s.status = 'done'").fetchall()
        conn.close()
        recrawl = sum(math.ceil(min(r or 0, 9999) / 1000) + math.ceil(min(c or 0, 9999) / 1000)
                      for r, c in expanded)
        result.update(store_papers=stored, build_requests=built.requests, recrawl_lower_bound=recrawl)

        options = RefreshOptions(top=50, older_than_seconds=0)
        budget = CrawlBudget(depth=1, max_requests=None)
        server.log.clear()
        started = time.monotonic()
        quiet = refresh(db, budget, options, settings=settings)
        result.update(no_change_requests=quiet.requests, no_change_new_papers=quiet.new_papers,
                      no_change_seconds=round(time.monotonic() - started, 2))

        for i in range(args.new_citers):
            pid = corpus.add_paper(title=f"Fresh work {i} on interpretability of reward models", year=2026,
                                   publicationDate=f"2026-11-{(i % 20) + 1:02d}")
            corpus.add_citation(pid, seeds[i % len(seeds)])
        started = time.monotonic()
        busy = refresh(db, budget, options, settings=settings)
        result.update(new_citers=args.new_citers, with_new_requests=busy.requests,
                      with_new_new_papers=busy.new_papers, with_new_new_edges=busy.new_edges,
                      with_new_seconds=round(time.monotonic() - started, 2),
                      with_new_paths=sorted({r.path.rsplit("/", 1)[-1] for r in server.log}))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
