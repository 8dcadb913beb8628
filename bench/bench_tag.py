"""Time `kb tag auto` against `kb rank` on the same store, in the same run.

    python bench/make_store.py /tmp/big.sqlite --papers 1000000 --edges 10000000 --abstracts
    python bench/bench_tag.py /tmp/big.sqlite

The target is that automatic tagging (rules, the learned model trained and calibrated per
theme, graph evidence, writing the difference) takes no longer than ranking the same store:
both run after every crawl. The ratio tag/rank is the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.knowledge.ranking import compute_ranks  # noqa: E402
from kb.knowledge.tagging import auto_tag  # noqa: E402
from kb.store import Store  # noqa: E402


def timed(fn) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    with Store(args.path) as store:
        rank_wall, rank_cpu, _ = timed(lambda: compute_ranks(store))
        tag_wall, tag_cpu, result = timed(lambda: auto_tag(store))
    report = {"papers": result.papers, "rank_seconds": round(rank_wall, 1), "rank_cpu": round(rank_cpu, 1),
              "tag_seconds": round(tag_wall, 1), "tag_cpu": round(tag_cpu, 1),
              "ratio_tag_to_rank": round(tag_wall / rank_wall, 2), "rows_added": result.rows_added,
              "themes_trained": len(result.trained)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
