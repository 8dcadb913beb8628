"""Time `compute_ranks` (load, compute, write) and its peak memory on a store.

    python bench/make_store.py /tmp/big.sqlite --papers 1000000 --edges 10000000
    python bench/bench_rank.py /tmp/big.sqlite [--repeat 3]

CPU time is all threads' (loading reads the store with several). Peak memory is the process's maximum resident set size, which includes Python, numpy and
scipy themselves (about 100 MB) and SQLite's page cache and memory map of the store.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.ranking import compute_ranks  # noqa: E402
from kb.store import Store  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    runs = []
    with Store(args.path) as store:
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            summary = compute_ranks(store)
            runs.append({**summary.as_dict(), "wall_seconds": round(time.perf_counter() - t0, 3),
                         "cpu_seconds": round(time.process_time() - c0, 3)})
            print(json.dumps(runs[-1]), flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = min(runs, key=lambda r: r["seconds"])
    print(f"best of {len(runs)}: {best['seconds']:.2f}s (load {best['load_seconds']:.2f}, "
          f"compute {best['compute_seconds']:.2f}, write {best['write_seconds']:.2f}) for "
          f"{best['papers']:,} papers / {best['edges']:,} edges; CPU {best['cpu_seconds']:.2f}s; "
          f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
