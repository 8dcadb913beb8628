"""SPECTER v2 embeddings in the store: similarity to the seeds, and nearest neighbours fast.

The crawler stores each paper's vector (768 float16, ``paper_embedding``) from the detail
batches it sends anyway. Two things read them:

* the rank run (:func:`scan`) streams every vector once, in id chunks: the cosine of each with
  the seeds' mean direction (a relevance signal), and an inverted-file index of them all
  (``embedding_list``): the papers are split into lists of about ``LIST_SIZE`` by k-means on a
  64-dimensional random projection of their unit vectors, and each list row holds its
  centroid, its papers' ids and their unit vectors quantised to int8 (768 bytes a paper, half
  the float16 originals), stored together so that a query reads a list in one row;
* :func:`nearest` ranks the list centroids against the query (a thousand dot products for a
  million papers), reads the nearest lists until they hold ``PROBE`` papers, scores those
  papers against the full query in one int8 matrix product, and re-scores the best
  ``RERANK`` (or k, when more are asked for) with their float16 vectors: on a million papers
  re-scoring 30, 50, 100 or 2,000 gave the same 10 nearest in 30 queries out of 30.
  Reading the papers of a list from ``paper_embedding`` one row at a time instead costs about
  60 µs a paper (a second for 16,000), which is why the lists keep their own copy.
  bench/bench_embeddings.py measures the recall and time against exact numpy brute force over
  the full vectors.

A random projection alone (scoring every paper on 64 dimensions, then re-scoring the best
1,000) found the right topic but only 20% of brute force's 10 nearest on a million papers: it
keeps cosines to about +-0.1, and the nearest neighbours inside a topic differ by less.

Papers embedded after the last rank run are not in the index until the next one (every crawl
ends with one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kb.store.records import EMBEDDING_DIM

SKETCH_DIM = 64
LIST_SIZE = 1_000          # papers per list, on average
PROBE = 10_000             # papers a query scores (the nearest lists until they hold this many)
RERANK = 50                # of those, at least, re-scored with their float16 vectors
KMEANS_SAMPLE = 50_000
KMEANS_ROUNDS = 8
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

    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    norms[norms == 0] = 1.0
    return matrix / norms


def vectors_of(store, ids) -> dict[int, "object"]:
    """Unit vectors of the given store ids that have one."""
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
    lists: "object"         # embedding_list rows, made as write_lists stores them (once)


def quantise(unit):
    """int8 codes and one float32 scale per row: row ~= codes * scale."""
    import numpy as np

    scale = np.abs(unit).max(axis=1)
    scale[scale == 0] = 1.0
    scaled = unit * (127.0 / scale)[:, None]
    np.rint(scaled, out=scaled)
    return scaled.astype(np.int8), (scale / 127.0).astype(np.float32)


def unit_chunks(store, chunk: int = 50_000, total: int | None = None):
    """(store ids, float32 unit vectors) of every stored embedding, ``chunk`` papers at a time in
    id order: a million vectors held at once as float32 are 3 GB."""
    import numpy as np

    last, seen = -1, 0
    while total is None or seen < total:
        size = chunk if total is None else min(chunk, total - seen)
        rows = store.conn.execute(
            "SELECT paper, vector FROM paper_embedding WHERE paper > ? ORDER BY paper LIMIT ?",
            (last, size)).fetchall()
        if not rows:
            return
        last, seen = rows[-1][0], seen + len(rows)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        yield ids, unit_rows(np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2")
                             .reshape(len(rows), EMBEDDING_DIM).astype(np.float32))


def scan(store, graph_ids, seed_ids, *, chunk: int = 50_000, list_size: int = LIST_SIZE) -> Scan:
    """One pass over every stored vector (see the module docstring)."""
    import numpy as np

    n = graph_ids.size
    similarity = np.zeros(n)
    present = np.zeros(n, dtype=bool)
    centre = query_vector(store, seed_ids.tolist()) if len(seed_ids) else None
    proj = projection()
    # Filled in place: at a million papers the codes are 768 MB, and a second copy of them
    # (joining chunks, sorting by list) would double the rank run's memory.
    total = store.conn.execute("SELECT count(*) FROM paper_embedding").fetchone()[0]
    ids_all = np.zeros(total, dtype=np.int64)
    sketch = np.zeros((total, SKETCH_DIM), dtype=np.float32)
    codes = np.zeros((total, EMBEDDING_DIM), dtype=np.int8)
    scales = np.zeros(total, dtype=np.float32)
    filled = 0
    for ids, matrix in unit_chunks(store, chunk, total):
        pos = np.searchsorted(graph_ids, ids)
        known = pos < n
        known[known] = graph_ids[pos[known]] == ids[known]
        present[pos[known]] = True
        if centre is not None:
            similarity[pos[known]] = matrix[known] @ centre
        stop = filled + len(ids)
        ids_all[filled:stop] = ids
        sketch[filled:stop] = matrix @ proj
        codes[filled:stop], scales[filled:stop] = quantise(matrix)
        filled = stop
    lists = build_lists(ids_all[:filled], sketch[:filled], codes[:filled], scales[:filled],
                        list_size=list_size) if filled else []
    return Scan(similarity=similarity, present=present, lists=lists)


def _assign(points, centroids, chunk: int = 20_000):
    import numpy as np

    return np.concatenate([np.argmax(points[i:i + chunk] @ centroids.T, axis=1)
                           for i in range(0, len(points), chunk)]) if len(points) else np.zeros(0, int)


def kmeans(points, k: int, *, rounds: int = KMEANS_ROUNDS, sample: int = KMEANS_SAMPLE):
    """Spherical k-means on a reproducible sample of ``points``: ``k`` unit centroids."""
    import numpy as np

    rng = np.random.default_rng(_PROJECTION_SEED)
    pool = points[rng.choice(len(points), min(len(points), max(sample, 20 * k)), replace=False)]
    centroids = unit_rows(pool[rng.choice(len(pool), k, replace=False)].copy())
    for _ in range(rounds):
        label = _assign(pool, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, label, pool)
        filled = np.bincount(label, minlength=k) > 0
        centroids[filled] = unit_rows(sums[filled])
    return centroids


def build_lists(ids, sketch, codes, scales, *, list_size: int = LIST_SIZE):
    """The inverted-file index rows, (list, centroid, size, ids, scales, codes) bytes, made one
    list at a time as they are written (a list's codes are copied only for its own row)."""
    import numpy as np

    k = max(1, min(len(ids), -(-len(ids) // list_size)))
    centroids = kmeans(sketch, k) if k > 1 else unit_rows(sketch.mean(axis=0, keepdims=True))
    label = _assign(sketch, centroids) if k > 1 else np.zeros(len(ids), dtype=np.int64)
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(k + 1))

    def rows():
        number = 0
        for i in range(k):
            members = order[bounds[i]:bounds[i + 1]]
            if not members.size:
                continue
            yield (number, centroids[i].astype("<f4").tobytes(), int(members.size),
                   ids[members].astype("<i8").tobytes(), scales[members].astype("<f4").tobytes(),
                   codes[members].tobytes())
            number += 1

    return rows()


def write_lists(conn, lists) -> None:
    conn.execute("DELETE FROM embedding_list")
    conn.executemany("INSERT INTO embedding_list (list, centroid, size, ids, scales, codes) "
                     "VALUES (?, ?, ?, ?, ?, ?)", lists)


def nearest(store, query, k: int = 20, *, exclude=(), probe: int = PROBE,
            rerank: int = RERANK) -> list[tuple[int, float]]:
    """The ``k`` stored papers whose embeddings are closest (cosine) to the unit vector
    ``query``, best first, as (store id, cosine); ``exclude`` ids are skipped."""
    import numpy as np

    if query is None:
        return []
    heads = store.conn.execute("SELECT list, centroid, size FROM embedding_list").fetchall()
    if not heads:
        return []
    query = np.asarray(query, dtype=np.float32)
    centroids = np.frombuffer(b"".join(h[1] for h in heads), dtype="<f4").reshape(len(heads), SKETCH_DIM)
    closest = np.argsort(-(centroids @ (query @ projection())), kind="stable")
    sizes = np.array([h[2] for h in heads])[closest]
    take = int(np.searchsorted(np.cumsum(sizes), probe)) + 1
    wanted = [heads[i][0] for i in closest[:take]]
    rows = store.conn.execute(
        "SELECT ids, scales, codes FROM embedding_list WHERE list IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),)).fetchall()
    # In integers, without BLAS: converting the codes to float32 for a matrix product costs
    # more (a fresh 60 MB array, and BLAS threads waking on a busy machine) than the product.
    # Each list is scored where SQLite left its bytes: joining them first copies 8 MB.
    q_codes = quantise(query[None, :])[0][0].astype(np.int32)
    ids = np.concatenate([np.frombuffer(r[0], dtype="<i8") for r in rows])
    approx = np.concatenate([
        np.einsum("ij,j->i", np.frombuffer(r[2], dtype=np.int8).reshape(-1, EMBEDDING_DIM), q_codes,
                  dtype=np.int32) * np.frombuffer(r[1], dtype="<f4") for r in rows])
    skip = {int(i) for i in exclude}
    count = min(ids.size, max(rerank, k) + len(skip))
    best = np.argpartition(-approx, count - 1)[:count] if count < ids.size else np.arange(ids.size)
    candidates = [int(i) for i in ids[best] if int(i) not in skip]
    exact = vectors_of(store, candidates)
    scored = sorted(((float(v @ query), pid) for pid, v in exact.items()), key=lambda t: (-t[0], t[1]))
    return [(pid, cos) for cos, pid in scored[:k]]
