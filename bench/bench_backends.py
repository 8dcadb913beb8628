"""PostgreSQL vs SQLite, in one run on one machine: ingest, search, `kb top`, PageRank load,
and two crawlers on one PostgreSQL store vs one crawler.

    python bench/bench_backends.py                     # 50k papers / 500k edges
    python bench/bench_backends.py --papers 5000 --json bench/out/backends.json

PostgreSQL is a throwaway cluster (tests/pg_cluster.py: fsync off, on 127.0.0.1), so the
figures are the backend's own cost, not a server's disk or network. Each PostgreSQL figure
comes with the SQLite figure of the same run as its baseline; the ratio is PostgreSQL / SQLite.
Not part of ``bench/run.py``: it needs PostgreSQL's server binaries.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR), str(ROOT / "tests")]

WORDS = ("reward", "hacking", "language", "models", "interpretability", "sparse", "autoencoders",
         "induction", "heads", "scaling", "laws", "alignment", "preference", "learning", "circuits")


def papers_and_edges(n_papers: int, n_edges: int):
    import numpy as np

    from kb.store.records import AuthorRef, EdgeRecord, PaperRecord
    from make_store import generate_graph

    rng = np.random.default_rng(3)
    words = np.array(WORDS)
    papers = []
    for i in range(1, n_papers + 1):
        title = " ".join(words[rng.integers(0, len(WORDS), size=6)]).capitalize() + f" {i}"
        papers.append(PaperRecord(
            paper_id=f"{i:040x}", corpus_id=i, title=title, year=1990 + i % 36,
            abstract=f"We study {title.lower()} and report results.", citation_count=int(i % 97),
            detail_level=2, authors=[AuthorRef(f"Author {i % 5000}", str(i % 5000)),
                                     AuthorRef(f"Author {(i * 7) % 5000}", str((i * 7) % 5000))]))
    citing, cited = generate_graph(n_papers, n_edges, 0)
    edges = [EdgeRecord(f"{a:040x}", f"{b:040x}", is_influential=False, intents=None, contexts=None)
             for a, b in zip(citing.tolist(), cited.tolist())]
    return papers, edges


def ingest(target, papers, edges) -> dict:
    from kb.store import Store

    with Store(target) as store:
        t0 = time.perf_counter()
        for start in range(0, len(papers), 1000):
            store.upsert_papers(papers[start:start + 1000])
        paper_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for start in range(0, len(edges), 10_000):
            store.upsert_edges(edges[start:start + 10_000])
        edge_s = time.perf_counter() - t0
        ids = [r[0] for r in store.conn.execute("SELECT id FROM paper ORDER BY id LIMIT 20")]
        with store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO seed (paper, source) VALUES (?, 'bench')", [(i,) for i in ids])
            conn.executemany("INSERT OR IGNORE INTO crawl_state (paper, depth, status) VALUES (?, 0, 'done')",
                             [(i,) for i in ids])
    return {"papers_per_s": len(papers) / paper_s, "edges_per_s": len(edges) / edge_s,
            "paper_seconds": paper_s, "edge_seconds": edge_s}


def rank(target) -> dict:
    from kb.knowledge.ranking import compute_ranks, load_graph
    from kb.store import Store

    with Store(target) as store:
        t0 = time.perf_counter()
        graph = load_graph(store)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        compute_ranks(store)
        whole = time.perf_counter() - t0
    return {"load_seconds": load, "rank_seconds": whole, "edges": int(graph.adjacency.nnz)}


def whole_process(target, args: list[str], repeat: int = 3) -> float:
    from bench_query import timed

    return timed([sys.executable, str(ROOT / "cli.py"), "--db", str(target), *args], repeat)[0]


def crawlers(url_for, n_corpus: int, processes: int, rate: float) -> dict:
    """``processes`` concurrent `kb crawl` processes on one fresh PostgreSQL store, each
    limited to ``rate`` requests/s as each machine of a group is by its own API key."""
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn
    from crawl_helpers import plant_seeds

    corpus = generate_corpus(n_corpus, seed=11)
    seeds = [p for p in corpus.paper_ids() if 20 <= len(corpus.citations_of(p)) <= 60][:5]
    target = url_for(f"crawl{processes}")
    with StandIn(corpus, max_log=1_000_000) as server:
        plant_seeds(target, corpus, seeds)
        env = dict(os.environ, KB_DB=target, KB_S2_API_URL=server.url, KB_RATE=str(rate),
                   KB_BACKOFF_BASE="0.001")
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "crawl", "--depth", "2",
                                   "--max-requests", "0", "--no-tag", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
                 for _ in range(processes)]
        outs = [p.communicate() for p in procs]
        wall = time.perf_counter() - t0
        for p, (_out, err) in zip(procs, outs):
            if p.returncode != 0:
                raise RuntimeError(err.decode()[-2000:])
        pages = [(r.path, tuple(r.query.get("offset", ["0"]))) for r in server.log
                 if r.endpoint in ("citations", "references")]
        requests = len(server.log)
    from kb.store import Store

    with Store(target, readonly=True) as store:
        papers = store.counts()["papers"]
    return {"processes": processes, "requests": requests, "list_pages": len(pages),
            "repeated_pages": len(pages) - len(set(pages)), "papers": papers, "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--edges-per-paper", type=int, default=10)
    parser.add_argument("--crawl-corpus", type=int, default=5000)
    parser.add_argument("--crawl-rate", type=float, default=5.0,
                        help="requests/s of each crawler (the real API allows 1/s per key)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import psycopg

    import pg_cluster

    work = Path(tempfile.mkdtemp(prefix="kb-bench-backends-"))
    directory, server = pg_cluster.start()  # its own temporary directory, readable by its user
    counter = iter(range(1000))

    def url_for(name: str) -> str:
        schema = f"b{next(counter)}_{name}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{server}?options=-csearch_path%3D{schema}"

    report: dict = {"papers": args.papers, "edges": args.papers * args.edges_per_paper,
                    "load_average": os.getloadavg()[0], "results": {}}
    try:
        papers, edges = papers_and_edges(args.papers, args.papers * args.edges_per_paper)
        for backend in ("sqlite", "postgresql"):
            target = work / "kb.sqlite" if backend == "sqlite" else url_for("kb")
            r = report["results"][backend] = {}
            r.update(ingest(target, papers, edges))
            r.update(rank(target))
            r["search_seconds"] = whole_process(target, ["search", "reward hacking", "--json"])
            r["top_seconds"] = whole_process(target, ["top", "--json"])
            print(backend, json.dumps(r), flush=True)
        report["crawlers"] = [crawlers(url_for, args.crawl_corpus, n, args.crawl_rate) for n in (1, 2)]
        print(json.dumps(report["crawlers"]), flush=True)
    finally:
        pg_cluster.stop(directory)
    report["load_average_after"] = os.getloadavg()[0]
    lite, pg = report["results"]["sqlite"], report["results"]["postgresql"]
    rows = [
        ("ingest papers/s", "papers_per_s", "{:,.0f}"), ("ingest edges/s", "edges_per_s", "{:,.0f}"),
        ("PageRank graph load", "load_seconds", "{:.2f} s"), ("kb rank end to end", "rank_seconds", "{:.2f} s"),
        ('kb search "reward hacking" (whole process)', "search_seconds", "{:.3f} s"),
        ("kb top (whole process)", "top_seconds", "{:.3f} s"),
    ]
    print(f"\n{args.papers:,} papers, {args.papers * args.edges_per_paper:,} edges; "
          f"load average {report['load_average']:.1f} -> {report['load_average_after']:.1f}\n")
    print("| metric | PostgreSQL | SQLite (baseline) | PostgreSQL / SQLite |\n|---|---|---|---|")
    for label, key, fmt in rows:
        print(f"| {label} | {fmt.format(pg[key])} | {fmt.format(lite[key])} | {pg[key] / lite[key]:.2f}× |")
    one, two = report["crawlers"]
    print("\n| crawl of one PostgreSQL store | requests | list pages fetched twice | papers | wall time |\n"
          "|---|---|---|---|---|")
    for c in (one, two):
        print(f"| {c['processes']} crawler(s) | {c['requests']:,} | {c['repeated_pages']} | "
              f"{c['papers']:,} | {c['wall_seconds']:.1f} s |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
