"""SPECTER v2 embeddings in the store: similarity to the seeds, and nearest neighbours fast.

The crawler stores each paper's vector (768 float16, ``paper_embedding``) from the detail
batches it sends anyway. Two things read them:

* the rank run (:func:`scan`) streams every vector once, in id chunks: the cosine of each with
  the seeds' mean direction (a relevance signal), and a 64-dimensional random projection of
  each unit vector, written as the ``embedding_sketch`` blocks (ids + float16 sketches, 65,536
  papers a row);
* :func:`nearest` reads the sketch blocks (a million papers: 16 rows, 128 MB), scores every
  paper against the query's projection in one matrix product, and re-scores the best
  ``RERANK`` candidates with their full vectors. The projection keeps cosines to about
  +-0.1, so the true nearest neighbours are among the candidates; bench/bench_embeddings.py
  measures the recall and time against exact numpy brute force over the full vectors.

Papers embedded after the last rank run are not in the sketch until the next one (every crawl
ends with one).
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.store.records import EMBEDDING_DIM

SKETCH_DIM = 64
BLOCK = 65_536
RERANK = 1_000
_PROJECTION_SEED = 20261130


def projection():
    """The fixed random projection (768 x 64): the same for every store and every query."""
    import numpy as np

    rng = np.random.default_rng(_PROJECTION_SEED)
    return (rng.standard_normal((EMBEDDING_DIM, SKETCH_DIM)) / np.sqrt(SKETCH_DIM)).astype(np.float32)


def decode(blob: bytes):
    import numpy as np

    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def unit_rows(matrix):
    import numpy as np

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def vectors_of(store, ids) -> dict[int, "object"]:
    """Unit vectors of the given store ids that have one."""
    import json

    rows = store.conn.execute(
        "SELECT paper, vector FROM paper_embedding WHERE paper IN (SELECT value FROM json_each(?))",
        (json.dumps([int(i) for i in ids]),)).fetchall()
    out = {}
    for paper, blob in rows:
        v = decode(blob)
        norm = float((v ** 2).sum() ** 0.5)
        if norm > 0:
            out[int(paper)] = v / norm
    return out


def query_vector(store, ids):
    """Mean unit vector of the papers' embeddings (None when none of them has one)."""
    import numpy as np

    vectors = list(vectors_of(store, ids).values())
    if not vectors:
        return None
    centre = np.mean(vectors, axis=0)
    norm = float(np.linalg.norm(centre))
    return centre / norm if norm else None


@dataclass
class Scan:
    similarity: "object"    # cosine with the seeds' mean direction, per graph position (0: none)
    present: "object"       # bool per graph position: has an embedding
    blocks: list            # (ids bytes, sketch bytes) rows for embedding_sketch


def scan(store, graph_ids, seed_ids, *, chunk: int = 50_000) -> Scan:
    """One pass over every stored vector (see the module docstring)."""
    import numpy as np

    n = graph_ids.size
    similarity = np.zeros(n)
    present = np.zeros(n, dtype=bool)
    centre = query_vector(store, seed_ids.tolist()) if len(seed_ids) else None
    proj = projection()
    all_ids, sketches = [], []
    last = -1
    while True:
        rows = store.conn.execute(
            "SELECT paper, vector FROM paper_embedding WHERE paper > ? ORDER BY paper LIMIT ?",
            (last, chunk)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = unit_rows(np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2")
                           .reshape(len(rows), EMBEDDING_DIM).astype(np.float32))
        pos = np.searchsorted(graph_ids, ids)
        known = pos < n
        known[known] = graph_ids[pos[known]] == ids[known]
        present[pos[known]] = True
        if centre is not None:
            similarity[pos[known]] = matrix[known] @ centre
        all_ids.append(ids)
        sketches.append((matrix @ proj).astype("<f2"))
    blocks = []
    if all_ids:
        ids = np.concatenate(all_ids)
        sketch = np.concatenate(sketches)
        for start in range(0, ids.size, BLOCK):
            blocks.append((ids[start:start + BLOCK].astype("<i8").tobytes(),
                           sketch[start:start + BLOCK].tobytes()))
    return Scan(similarity=similarity, present=present, blocks=blocks)


def write_sketch(conn, blocks: list) -> None:
    conn.execute("DELETE FROM embedding_sketch")
    conn.executemany("INSERT INTO embedding_sketch (block, ids, sketch) VALUES (?, ?, ?)",
                     [(i, ids, sketch) for i, (ids, sketch) in enumerate(blocks)])


def nearest(store, query, k: int = 20, *, exclude=(), rerank: int = RERANK) -> list[tuple[int, float]]:
    """The ``k`` stored papers whose embeddings are closest (cosine) to the unit vector
    ``query``, best first, as (store id, cosine); ``exclude`` ids are skipped."""
    import numpy as np

    rows = store.conn.execute("SELECT ids, sketch FROM embedding_sketch ORDER BY block").fetchall()
    if not rows or query is None:
        return []
    ids = np.concatenate([np.frombuffer(r[0], dtype="<i8") for r in rows])
    sketch = np.concatenate([np.frombuffer(r[1], dtype="<f2") for r in rows]).reshape(-1, SKETCH_DIM)
    q = (np.asarray(query, dtype=np.float32) @ projection()).astype(np.float32)
    approx = sketch.astype(np.float32) @ q
    take = min(ids.size, rerank + len(exclude))
    best = np.argpartition(-approx, take - 1)[:take] if take < ids.size else np.arange(ids.size)
    skip = {int(i) for i in exclude}
    candidates = [int(i) for i in ids[best] if int(i) not in skip]
    exact = vectors_of(store, candidates)
    scored = sorted(((float(v @ query), pid) for pid, v in exact.items()), key=lambda t: (-t[0], t[1]))
    return [(pid, cos) for cos, pid in scored[:k]]
