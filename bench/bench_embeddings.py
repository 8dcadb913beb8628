"""Nearest neighbours over a million stored SPECTER vectors: the sketch index against numpy
brute force, in the same run.

    python bench/bench_embeddings.py /tmp/emb.sqlite [--papers 1000000]
    python bench/run.py --only embeddings

The store gets N papers with a 768-float16 vector each, clustered by topic like the
stand-in's (kb.standin.embedding: a topic direction plus noise), and one rank-run scan writes
the sketch (kb.knowledge.embeddings). Then, for a handful of query papers: the wall time of a
whole `kb similar PAPER --json` process and of a whole process doing only the nearest-neighbour
lookup, against numpy brute force (read every full vector from the store, one matrix product),
and the share of brute force's 10 nearest that the sketch finds (recall@10).
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

SIZES = {"full": 1_000_000, "quick": 5_000}
TOPICS = 200
QUERIES = {"full": 5, "quick": 1}


def build(path: Path, n: int, *, seed: int = 3, log=print) -> float:
    """A store of ``n`` papers with embeddings and the sketch; returns seconds spent."""
    import numpy as np

    from kb.knowledge.embeddings import scan, write_sketch
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
        t1 = time.perf_counter()
        ids = np.arange(1, n + 1, dtype=np.int64)
        result = scan(store, ids, np.zeros(0, dtype=np.int64))
        with store.transaction() as conn:
            write_sketch(conn, result.blocks)
        log(f"embeddings: sketch of {n:,} vectors in {time.perf_counter() - t1:.1f}s")
    return time.perf_counter() - t0


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
    q = int(sys.argv[2])
    ids, blobs = [], []
    for paper, blob in store.conn.execute("SELECT paper, vector FROM paper_embedding ORDER BY paper"):
        ids.append(paper); blobs.append(blob)
ids = np.array(ids)
m = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(ids), 768).astype(np.float32)
m /= np.linalg.norm(m, axis=1, keepdims=True)
v = m[np.searchsorted(ids, q)]
scores = m @ v
scores[np.searchsorted(ids, q)] = -2
best = np.argsort(-scores)[:10]
print(json.dumps([[int(ids[i]), float(scores[i])] for i in best]))
"""


def _timed(args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return seconds, proc.stdout


def measure(path: Path, n: int, log=print, queries: int = QUERIES["full"]) -> dict:
    import random

    queries = random.Random(5).sample(range(1, n + 1), queries)
    rows = []
    for q in queries:
        t_kb, out_kb = _timed([sys.executable, str(ROOT / "cli.py"), "--db", str(path), "similar",
                               f"#{q}", "--limit", "10", "--json"])
        t_nn, out_nn = _timed([sys.executable, "-c", _NEAREST, str(path), str(q)])
        t_bf, out_bf = _timed([sys.executable, "-c", _BRUTE, str(path), str(q)])
        sketch = [p for p, _ in json.loads(out_nn)]
        brute = [p for p, _ in json.loads(out_bf)]
        similar = [r["id"] for r in json.loads(out_kb)["results"]]
        rows.append({"query": q, "kb_similar_s": t_kb, "nearest_s": t_nn, "brute_s": t_bf,
                     "recall@10": len(set(sketch) & set(brute)) / 10,
                     "kb_similar_recall@10": len(set(similar) & set(brute)) / 10})
        log(f"embeddings: query #{q}: kb similar {t_kb:.2f}s, nearest {t_nn:.2f}s, brute force "
            f"{t_bf:.2f}s, recall@10 {rows[-1]['recall@10']:.1f}")
    med = lambda key: sorted(r[key] for r in rows)[len(rows) // 2]  # noqa: E731
    return {"papers": n, "queries": rows, "kb_similar_s": med("kb_similar_s"),
            "nearest_s": med("nearest_s"), "brute_s": med("brute_s"),
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
    note = (f"{n:,} papers, median of {len(m['queries'])} queries; recall@10 of the sketch vs brute force "
            f"{m['recall@10']:.2f}; store {m['store_mb']:,.0f} MB; built in {build_seconds:.0f}s")
    metrics = [
        Metric(group="embeddings", name="nearest 10 neighbours, whole process", value=m["nearest_s"],
               unit="s", baseline=m["brute_s"], baseline_name="numpy brute force, whole process",
               baseline_unit="s", target_on="value", target_op="<=", target=0.5, note=note),
        Metric(group="embeddings", name="kb similar PAPER --json, whole process", value=m["kb_similar_s"],
               unit="s", baseline=m["brute_s"], baseline_name="numpy brute force, whole process",
               baseline_unit="s", note=f"recall@10 of its embedding neighbours {m['kb_similar_recall@10']:.2f} "
                                       "(it also ranks by citations)"),
        Metric(group="embeddings", name="recall@10 of the sketch index", value=m["recall@10"],
               baseline=1.0, baseline_name="numpy brute force", target_on="value", target_op=">=",
               target=0.9),
    ]
    return {"metrics": metrics, "context": m}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--papers", type=int, default=SIZES["full"])
    parser.add_argument("--reuse", action="store_true", help="Measure an existing store.")
    args = parser.parse_args(argv)
    if not args.reuse:
        build(args.path, args.papers)
    print(json.dumps(measure(args.path, args.papers), indent=1))


if __name__ == "__main__":
    main()
