"""Nearest neighbours over a million stored SPECTER vectors: the inverted-file index against
numpy brute force, in the same run.

    python bench/bench_embeddings.py /tmp/emb.sqlite [--papers 1000000]
    python bench/run.py --only embeddings

The store gets N papers with a 768-float16 vector each, clustered by topic like the
stand-in's (kb.standin.embedding: a topic direction plus noise), and one rank-run scan writes
the index (kb.knowledge.embeddings). Then, for a handful of query papers: the wall time of a
whole `kb similar PAPER --json` process and of a whole process doing only the nearest-neighbour
lookup, against numpy brute force (read every full vector from the store, one matrix product),
and the share of brute force's 10 nearest that the index finds (recall@10). Wall and CPU
time both: on a shared machine the wall time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import user_env  # noqa: E402 - bench/ is the script's folder

SIZES = {"full": 1_000_000, "quick": 5_000}
TOPICS = 200
QUERIES = {"full": 5, "quick": 1}


def build(path: Path, n: int, *, seed: int = 3, log=print) -> float:
    """A store of ``n`` papers with embeddings and the index; returns seconds spent."""
    import numpy as np

    from kb.store import Store
    from kb.store.records import EMBEDDING_DIM

    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPICS, EMBEDDING_DIM)).astype(np.float32)
    chunk = 50_000
    with Store(path) as store:
        with store.transaction() as conn:
            conn.executemany("INSERT INTO paper (id, paper_id, title) VALUES (?, ?, ?)",
                             ((i, f"{i:040x}", f"Paper {i}") for i in range(1, n + 1)))
            for start in range(1, n + 1, chunk):
                stop = min(start + chunk, n + 1)
                topic = rng.integers(0, TOPICS, stop - start)
                vectors = (0.9 * centres[topic]
                           + rng.standard_normal((stop - start, EMBEDDING_DIM), dtype=np.float32))
                blobs = vectors.astype("<f2")
                conn.executemany(
                    "INSERT INTO paper_embedding (paper, model, vector) VALUES (?, 'specter_v2', ?)",
                    ((start + i, blobs[i].tobytes()) for i in range(stop - start)))
        log(f"embeddings: {n:,} papers and vectors written in {time.perf_counter() - t0:.1f}s")
    index(path, n, log=log)
    return time.perf_counter() - t0


def index(path: Path, n: int, log=print) -> float:
    """What every rank run does: one scan of the vectors, the inverted-file index written."""
    import numpy as np

    from kb.knowledge.embeddings import scan, write_lists
    from kb.store import Store

    t1 = time.perf_counter()
    with Store(path) as store:
        result = scan(store, np.arange(1, n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))
        with store.transaction() as conn:
            write_lists(conn, result.lists)
        lists = store.conn.execute("SELECT count(*) FROM embedding_list").fetchone()[0]
    seconds = time.perf_counter() - t1
    log(f"embeddings: index of {n:,} vectors ({lists:,} lists) in {seconds:.1f}s")
    return seconds


_NEAREST = """
import sys, json
from kb.store import Store
from kb.knowledge.embeddings import nearest, query_vector
with Store(sys.argv[1], readonly=True) as store:
    q = int(sys.argv[2])
    print(json.dumps(nearest(store, query_vector(store, [q]), 10, exclude=[q])))
"""

_BRUTE = """
import sys, json
import numpy as np
from kb.store import Store
with Store(sys.argv[1], readonly=True) as store:
    ids, blobs = [], []
    for paper, blob in store.conn.execute("SELECT paper, vector FROM paper_embedding ORDER BY paper"):
        ids.append(paper); blobs.append(blob)
ids = np.array(ids)
m = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(ids), 768).astype(np.float32)
m /= np.linalg.norm(m, axis=1, keepdims=True)
out = {}
for q in map(int, sys.argv[2:]):
    at = np.searchsorted(ids, q)
    scores = m @ m[at]
    scores[at] = -2
    best = np.argsort(-scores)[:10]
    out[q] = [[int(ids[i]), float(scores[i])] for i in best]
print(json.dumps(out))
"""


def _timed(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + sys) and output of one whole process: on a shared
    machine the wall time includes waiting for a core, the CPU time is what the command costs."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=user_env())
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, proc.stdout


def kb_command() -> list[str]:
    """`kb` as a user runs it: the installed console script (it imports cli, so cli's bytecode
    is cached; `python cli.py` would compile its 2,000 lines on every run)."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from cli import app; app()"]


def import_seconds(args: list[str]) -> float:
    """Seconds the process spends importing modules (``python -X importtime``: the top-level
    imports' cumulative times added up)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True,
                          cwd=ROOT, env=user_env())
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total += int(parts[1])
    return total / 1e6


def load_average() -> float:
    return os.getloadavg()[0]


def measure(path: Path, n: int, log=print, queries: int = QUERIES["full"]) -> dict:
    import random

    queries = random.Random(5).sample(range(1, n + 1), queries)
    kb = kb_command()
    as_python_args = kb if len(kb) == 1 else kb[1:]  # the same command after `python -X importtime`
    arguments = lambda q: ["--db", str(path), "similar", f"#{q}", "--limit", "10", "--json"]  # noqa: E731
    _timed([*kb, *arguments(queries[0])])  # warm-up: bytecode written, the index's pages in the cache
    # Brute force answers every query in one process (reading a million vectors is its cost,
    # the matrix products are cheap): its time is the baseline for one query.
    t_bf, cpu_bf, out_bf = _timed([sys.executable, "-c", _BRUTE, str(path), *map(str, queries)])
    brute_of = {int(q): [p for p, _ in found] for q, found in json.loads(out_bf).items()}
    log(f"embeddings: numpy brute force, {len(queries)} queries in one process: {t_bf:.1f}s (CPU {cpu_bf:.1f}s)")
    rows = []
    for q in queries:
        load = load_average()
        t_kb, cpu_kb, out_kb = _timed([*kb, *arguments(q)])
        t_nn, cpu_nn, out_nn = _timed([sys.executable, "-c", _NEAREST, str(path), str(q)])
        t_np, cpu_np, _ = _timed([sys.executable, "-c", "import numpy"])  # the floor
        imports = import_seconds([*as_python_args, *arguments(q)])
        found = [p for p, _ in json.loads(out_nn)]
        brute = brute_of[q]
        similar_ids = [r["id"] for r in json.loads(out_kb)["results"]]
        rows.append({"query": q, "load": load, "kb_similar_s": t_kb, "nearest_s": t_nn,
                     "kb_similar_cpu_s": cpu_kb, "nearest_cpu_s": cpu_nn,
                     "kb_similar_import_s": imports,
                     "numpy_import_s": t_np, "numpy_import_cpu_s": cpu_np,
                     "recall@10": len(set(found) & set(brute)) / 10,
                     "kb_similar_recall@10": len(set(similar_ids) & set(brute)) / 10})
        log(f"embeddings: query #{q} (load {load:.1f}): kb similar {t_kb:.2f}s (CPU {cpu_kb:.2f}s, "
            f"imports {imports:.2f}s), nearest {t_nn:.2f}s (CPU {cpu_nn:.2f}s), recall@10 {rows[-1]['recall@10']:.1f}")
    med = lambda key: sorted(r[key] for r in rows)[len(rows) // 2]  # noqa: E731
    return {"papers": n, "queries": rows, "kb_similar_s": med("kb_similar_s"),
            "nearest_s": med("nearest_s"), "brute_s": t_bf,
            "kb_similar_cpu_s": med("kb_similar_cpu_s"), "nearest_cpu_s": med("nearest_cpu_s"),
            "brute_cpu_s": cpu_bf, "numpy_import_s": med("numpy_import_s"),
            "kb_similar_import_s": med("kb_similar_import_s"), "load": med("load"),
            "numpy_import_cpu_s": med("numpy_import_cpu_s"),
            "recall@10": sum(r["recall@10"] for r in rows) / len(rows),
            "kb_similar_recall@10": sum(r["kb_similar_recall@10"] for r in rows) / len(rows),
            "store_mb": path.stat().st_size / 1e6}


# -- as part of `python bench/run.py` ----------------------------------------------------------

def run(work_dir, quick: bool = False, log=print) -> dict:
    from common import Metric

    n = SIZES["quick" if quick else "full"]
    path = Path(work_dir) / f"embeddings-{n}.sqlite"
    build_seconds = build(path, n, log=log)
    m = measure(path, n, log=log, queries=QUERIES["quick" if quick else "full"])
    note = (f"{n:,} papers, median of {len(m['queries'])} queries; recall@10 of the index vs brute force "
            f"{m['recall@10']:.2f}; store {m['store_mb']:,.0f} MB; built in {build_seconds:.0f}s")
    metrics = [
        Metric(group="embeddings", name="nearest 10 neighbours, whole process", value=m["nearest_s"],
               unit="s", baseline=m["brute_s"], baseline_name="numpy brute force, whole process",
               baseline_unit="s", target_on="value", target_op="<=", target=0.5, note=note),
        Metric(group="embeddings", name="nearest 10 neighbours, whole process (CPU user+sys)",
               value=m["nearest_cpu_s"], unit="s", baseline=m["brute_cpu_s"],
               baseline_name="numpy brute force, CPU", baseline_unit="s", target_on="value",
               target_op="<=", target=0.5, note="what the lookup costs when it has a core; "
               f"`python -c 'import numpy'` alone: {m['numpy_import_s']:.2f} s wall, "
               f"{m['numpy_import_cpu_s']:.2f} s CPU"),
        Metric(group="embeddings", name="kb similar PAPER --json, whole process", value=m["kb_similar_s"],
               unit="s", baseline=m["brute_s"], baseline_name="numpy brute force, whole process",
               baseline_unit="s", target_on="value", target_op="<=", target=0.5,
               note=f"the installed `kb` script; load average {m['load']:.1f} (median at the queries); "
                    f"recall@10 of its embedding neighbours {m['kb_similar_recall@10']:.2f} "
                    "(it also ranks by citations)"),
        Metric(group="embeddings", name="kb similar PAPER --json, whole process (CPU user+sys)",
               value=m["kb_similar_cpu_s"], unit="s", baseline=m["brute_cpu_s"],
               baseline_name="numpy brute force, CPU", baseline_unit="s", target_on="value",
               target_op="<=", target=0.5,
               note=f"of which imports {m['kb_similar_import_s']:.2f} s (python -X importtime, wall)"),
        Metric(group="embeddings", name="recall@10 of the inverted-file index", value=m["recall@10"],
               baseline=1.0, baseline_name="numpy brute force", target_on="value", target_op=">=",
               target=0.9),
    ]
    return {"metrics": metrics, "context": m}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--papers", type=int, default=SIZES["full"])
    parser.add_argument("--reuse", action="store_true", help="Measure an existing store.")
    parser.add_argument("--reindex", action="store_true",
                        help="Keep an existing store's vectors, rebuild the index, measure.")
    args = parser.parse_args(argv)
    log = lambda message: print(message, file=sys.stderr)  # noqa: E731 - stdout is the JSON
    if args.reindex:
        index(args.path, args.papers, log=log)
    elif not args.reuse:
        build(args.path, args.papers, log=log)
    print(json.dumps(measure(args.path, args.papers, log=log), indent=1))


if __name__ == "__main__":
    main()
