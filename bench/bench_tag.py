"""Time `kb tag auto` against `kb rank` on the same store, in the same run.

    python bench/make_store.py /tmp/big.sqlite --papers 1000000 --edges 10000000 --abstract-words 150
    python bench/bench_tag.py /tmp/big.sqlite --priority 10    # ahead of other work on a shared machine (root)

Both run after every crawl, so automatic tagging should take no longer than ranking. Five
timings on one store, in this order:

* ``rank``: :func:`kb.knowledge.ranking.compute_ranks` (what `kb rank` runs);
* ``tag_full``: `kb tag auto --full`: rules on every paper, every theme's model trained and
  calibrated, every paper featurised and scored, graph evidence, the difference written, and
  the trained model cached beside the store; on a fresh store this is also the first run, which
  tokenises every paper's texts and keeps what they gave beside the store;
* ``tag_full_kept``: `kb tag auto --full` again, as after a model change (new labels, manual
  tags, thresholds): everything retrained and rescored, the papers' texts not read again;
* ``tag_nothing_new``: `kb tag auto` again with nothing changed (the cached model holds, no
  paper to score);
* ``tag_after_crawl``: `kb tag auto` after ``--new`` papers (1% by default) arrive with
  citations to older ones, as a crawl adds them: only those are scored.

The ratios tag/rank are the figures to compare across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_store import GENERIC, WORDS  # noqa: E402
from kb.knowledge.ranking import compute_ranks  # noqa: E402
from kb.knowledge.tagging import auto_tag  # noqa: E402
from kb.store import Store, utc_now  # noqa: E402


def peak_mb() -> int:
    """This process's peak resident memory so far (the machine is shared: report it with load)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def timed(fn) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def add_papers(store, count: int, seed: int = 1) -> None:
    """``count`` new papers like the store's own, each citing ten older ones."""
    rng = np.random.default_rng(seed)
    conn = store.conn
    top = conn.execute("SELECT max(id) FROM paper").fetchone()[0]
    words, mixed = np.array(WORDS), np.array(GENERIC * 4 + WORDS)
    now = utc_now()
    papers, edges = [], []
    for j in range(count):
        i = top + 1 + j
        title = " ".join(words[rng.integers(0, len(WORDS), size=8)]).capitalize() + f" {i}"
        body = " ".join(mixed[rng.integers(0, len(mixed), size=150)])
        papers.append((i, f"{i:040x}", i, title, f"We study {title.lower()} and report results. {body}.",
                       2026, 0, now))
        edges += [(i, int(c)) for c in set(rng.integers(1, top + 1, size=10).tolist())]
    with store.transaction():
        conn.executemany("INSERT INTO paper (id, paper_id, corpus_id, title, abstract, year, citation_count,"
                         " detail_level, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?)", papers)
        conn.executemany("INSERT INTO citation (citing, cited) VALUES (?, ?)", edges)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--new", type=float, default=0.01, help="Share of new papers before the last run.")
    parser.add_argument("--priority", type=int, default=0, metavar="N",
                        help="Run at nice -N, the session's autogroup too (root), as bench/run.py --priority.")
    args = parser.parse_args(argv)
    report: dict = {}
    if args.priority:
        from run import raise_priority

        report["priority"] = raise_priority(args.priority)
    with Store(args.path) as store:
        rank_wall, rank_cpu, _ = timed(lambda: compute_ranks(store))
        report.update(rank_seconds=round(rank_wall, 1), rank_cpu=round(rank_cpu, 1), rank_peak_rss_mb=peak_mb(),
                      rank_load_average=os.getloadavg()[0])
        print(json.dumps(report), file=sys.stderr, flush=True)
        for name, prepare in (("tag_full", None), ("tag_full_kept", None), ("tag_nothing_new", None),
                              ("tag_after_crawl", "add")):
            if prepare:
                papers = store.conn.execute("SELECT count(*) FROM paper").fetchone()[0]
                add_papers(store, int(papers * args.new))
            wall, cpu, result = timed(lambda: auto_tag(store, full=name.startswith("tag_full")))
            report.update({f"{name}_seconds": round(wall, 1), f"{name}_cpu": round(cpu, 1),
                           f"{name}_peak_rss_mb_so_far": peak_mb(), f"{name}_load_average": os.getloadavg()[0],
                           f"{name}_ratio_to_rank": round(wall / rank_wall, 2),
                           f"{name}_cpu_ratio_to_rank": round(cpu / rank_cpu, 2),
                           f"{name}_rows_added": result.rows_added, f"{name}_papers": result.papers})
            print(json.dumps(report), file=sys.stderr, flush=True)     # partial results as they come
    print(json.dumps(report))


if __name__ == "__main__":
    main()
