"""Write a synthetic kb store of N papers and about M citation edges, fast.

Benchmarks need a store the size of a real large crawl (a million papers, ten million edges)
without crawling anything. The store has the real schema (it is opened through ``kb.store``,
so every migration is applied) and a citation graph shaped like a real one: papers only cite
older papers, old papers collect most citations (heavy-tailed in-degree), a few papers are
seeds, and ``crawl_state`` holds every paper's hop distance from the nearest seed.

Writes are raw ``executemany`` over numpy-generated columns inside one transaction; the FTS
triggers and the reverse edge index are dropped during the load and rebuilt once at the end,
which is far faster than maintaining them row by row.

    python bench/make_store.py /tmp/big.sqlite --papers 1000000 --edges 10000000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.store import Store, utc_now  # noqa: E402

WORDS = (
    "alignment reward model language learning agent policy safety interpretability deceptive "
    "inner outer optimization mesa objective corrigibility oversight scalable debate human "
    "feedback preference value specification gaming robustness adversarial training neural "
    "network circuits features superposition transformer attention emergent capabilities "
    "evaluation benchmark risk catastrophic existential forecasting governance goal "
    "misgeneralization distribution shift uncertainty inverse reinforcement imitation "
    "cooperative multi game theory decision embedded agency logical induction"
).split()


# Abstract filler is mostly the words any paper uses, with a topical word in every ten or so,
# so that keyword rules fire about as often as on a real crawl rather than on every paper.
GENERIC = (
    "we propose method results show data model approach performance task tasks experiments "
    "evaluate analysis framework study learning training large set sets using based new two "
    "different improve improves compared existing work paper present provide problem problems "
    "efficient simple general several across both our this that these which can also such"
).split()


def generate_graph(n_papers: int, n_edges: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(citing, cited) 1-based ids, sorted by (citing, cited), no duplicates, no self loops."""
    rng = np.random.default_rng(seed)
    mean_out = n_edges / max(n_papers - 1, 1)
    # Oversample a little: duplicates are removed below, then trim to the target.
    out = rng.poisson(mean_out * 1.08, size=n_papers).astype(np.int64)
    ids = np.arange(1, n_papers + 1, dtype=np.int64)
    out = np.minimum(out, ids - 1)
    citing = np.repeat(ids, out)
    # Older papers are cited more: the cited id is citing * u^2, u uniform (heavy-tailed).
    u = rng.random(citing.size)
    cited = 1 + np.floor((citing - 1) * u * u).astype(np.int64)
    key = np.sort(citing * (n_papers + 1) + cited)  # np.sort + mask: np.unique is slow here
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    if key.size > n_edges:
        keep = np.sort(rng.choice(key.size, size=n_edges, replace=False))
        key = key[keep]
    return key // (n_papers + 1), key % (n_papers + 1)


def seed_depths(n_papers: int, citing: np.ndarray, cited: np.ndarray,
                seeds: np.ndarray) -> np.ndarray:
    """Hops from the nearest seed over citations in either direction (-1 when unreached)."""
    import scipy.sparse as sp

    a = sp.csr_matrix((np.ones(citing.size, dtype=np.int8), (citing - 1, cited - 1)),
                      shape=(n_papers, n_papers))
    both = (a + a.T).tocsr()
    depth = np.full(n_papers, -1, dtype=np.int64)
    frontier = np.unique(seeds - 1)
    depth[frontier] = 0
    level = 0
    while frontier.size:
        level += 1
        mask = np.zeros(n_papers, dtype=bool)
        mask[frontier] = True
        reached = both.T @ mask.astype(np.int32)
        frontier = np.flatnonzero((reached > 0) & (depth < 0))
        depth[frontier] = level
    return depth


def _fill_values(conn, table: str, known: dict) -> tuple[list[str], list]:
    """Column names and constant values for a table owned by another part of kb."""
    names, values = [], []
    for _cid, name, decl, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if name in known:
            names.append(name)
            values.append(known[name])
        elif notnull and default is None and not pk:
            names.append(name)
            values.append(0 if "INT" in (decl or "").upper() else "")
    return names, values


def make_store(path: Path, n_papers: int, n_edges: int, *, n_seeds: int = 50, seed: int = 0,
               abstracts: bool = False, abstract_words: int = 0, log=print) -> dict:
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(str(path) + ".themes", ignore_errors=True)   # kb tag auto's cached model
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed + 1)
    citing, cited = generate_graph(n_papers, n_edges, seed)
    log(f"graph: {n_papers:,} papers, {citing.size:,} edges ({time.perf_counter() - t0:.1f}s)")
    seeds = np.sort(rng.choice(np.arange(1, n_papers + 1), size=min(n_seeds, n_papers),
                               replace=False))
    depth = seed_depths(n_papers, citing, cited, seeds)

    store = Store(path)
    conn = store.conn
    conn.execute("PRAGMA synchronous = OFF")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'paper'"
    ).fetchall()
    index_sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'citation_cited'"
    ).fetchone()[0]
    now = utc_now()
    with store.transaction():
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP INDEX citation_cited")

        words = np.array(WORDS)
        n_words = rng.integers(4, 11, size=n_papers)
        title_words = words[rng.integers(0, len(WORDS), size=int(n_words.sum()))]
        bounds = np.concatenate([[0], np.cumsum(n_words)])
        years = (1990 + (np.arange(n_papers) * 36) // n_papers).astype(int)
        counts = np.bincount(cited, minlength=n_papers + 1)[1:]
        s2_counts = counts + rng.integers(0, 50, size=n_papers)

        def papers():
            tw = title_words.tolist()
            b = bounds.tolist()
            y = years.tolist()
            c = s2_counts.tolist()
            mixed = np.array(GENERIC * 4 + WORDS)
            filler = (mixed[rng.integers(0, len(mixed), size=(4096, abstract_words))].tolist()
                      if abstract_words else None)
            for i in range(n_papers):
                title = " ".join(tw[b[i]:b[i + 1]]).capitalize() + f" {i + 1}"
                abstract = (f"We study {title.lower()} and report results." if abstracts
                            else None)
                if filler:
                    abstract = f"{abstract} " + " ".join(filler[(i * 7919) % 4096]) + "."
                yield (i + 1, f"{i + 1:040x}", i + 1, title, abstract, y[i], c[i], now)

        conn.executemany(
            "INSERT INTO paper (id, paper_id, corpus_id, title, abstract, year, citation_count, "
            "detail_level, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?)", papers())
        log(f"papers written ({time.perf_counter() - t0:.1f}s)")
        conn.executemany("INSERT INTO citation (citing, cited) VALUES (?, ?)",
                         zip(citing.tolist(), cited.tolist()))
        log(f"edges written ({time.perf_counter() - t0:.1f}s)")
        conn.execute(index_sql)
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("INSERT INTO paper_fts(paper_fts) VALUES ('rebuild')")
        log(f"indexes rebuilt ({time.perf_counter() - t0:.1f}s)")

        reached = np.flatnonzero(depth >= 0)
        conn.executemany(
            "INSERT INTO crawl_state (paper, depth, status, reached_via, updated_at) "
            "VALUES (?, ?, 'done', ?, ?)",
            ((int(i) + 1, int(depth[i]), "seed" if depth[i] == 0 else "refs", now)
             for i in reached))
        seed_columns = [r[1] for r in conn.execute("PRAGMA table_info(seed)")]
        if seed_columns:
            names, values = _fill_values(conn, "seed", {"added_at": now, "source": "bench"})
            cols = ", ".join(["paper"] + names)
            marks = ", ".join("?" * (len(names) + 1))
            conn.executemany(f"INSERT INTO seed ({cols}) VALUES ({marks})",
                             ([int(s)] + values for s in seeds))
    store.close()
    seconds = time.perf_counter() - t0
    log(f"done: {path} ({path.stat().st_size / 1e6:.0f} MB) in {seconds:.1f}s")
    return {"papers": n_papers, "edges": int(citing.size), "seeds": seeds.tolist(),
            "reached": int(reached.size), "seconds": seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument("--abstracts", action="store_true", help="Give papers a short abstract.")
    parser.add_argument("--abstract-words", type=int, default=0,
                        help="Lengthen each abstract by this many random topical words (real ones run ~150-250).")
    args = parser.parse_args(argv)
    make_store(args.path, args.papers, args.edges, n_seeds=args.seeds, seed=args.random_seed,
               abstracts=args.abstracts or bool(args.abstract_words), abstract_words=args.abstract_words)


if __name__ == "__main__":
    main()
