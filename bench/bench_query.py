"""Query latency of whole ``kb`` processes on the big store, against the ``sqlite3`` CLI.

What a user waits for is the whole process: interpreter start, imports, opening the store, the
query, rendering. So each figure is the wall time of one ``kb ... --json`` process (best of
several runs after a warm-up, i.e. with the store in the OS page cache), and its baseline is the
``sqlite3`` command-line tool running the equivalent SQL on the same file: the cost of the
query itself with no Python at all. ``kb --help`` is compared with ``python -c pass``.

The store is the one the ingest benchmark wrote. Ranks are computed once if missing. Theme
tags are not computed by ``kb tag auto`` (training and tagging a million papers is a benchmark
of its own): papers whose title holds interpretability phrases get a synthetic ``rule`` tag
for ``interpretability`` or ``mechanistic-interpretability`` instead, written by SQL.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Metric

SEARCHES = ("reward hacking", "language models")
THEME = "interpretability"
TAGS = {
    "interpretability": 'title : ("interpretability" OR "interpretable" OR "feature attribution" '
                        'OR "probing classifiers" OR "transparent")',
    "mechanistic-interpretability": 'title : ("circuit discovery" OR "superposition" OR '
                                    '"attention heads" OR "activation patching" OR '
                                    '"sparse autoencoders")',
}
SQLITE_INSTALL = "apt-get install -y sqlite3"


def kb_command() -> list[str]:
    script = Path(sys.executable).with_name("kb")
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]


def timed(cmd: list[str], repeat: int, check=None) -> tuple[float, list[float], str]:
    """Best wall time of ``repeat`` runs after one warm-up run; the last run's stdout."""
    out = ""
    times = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
        out = proc.stdout
        if check is not None:
            check(out)
        if i:
            times.append(elapsed)
    return min(times), times, out


def prepare(store_path: Path, log=print) -> dict:
    """Ranks and synthetic theme tags on the store, unless already there."""
    from kb.knowledge.ranking import compute_ranks
    from kb.store import Store, utc_now

    info = {}
    with Store(store_path) as store:
        conn = store.conn
        if not conn.execute("SELECT 1 FROM rank_run LIMIT 1").fetchone():
            t0 = time.perf_counter()
            compute_ranks(store)
            info["rank_seconds"] = time.perf_counter() - t0
            log(f"query: ranks computed in {info['rank_seconds']:.1f}s")
        if not conn.execute("SELECT 1 FROM paper_theme LIMIT 1").fetchone():
            now = utc_now()
            with store.transaction():
                for slug, match in TAGS.items():
                    conn.execute(
                        "INSERT OR IGNORE INTO paper_theme (paper, theme, source, score, negative, "
                        "updated_at) SELECT rowid, ?, 'rule', 0.9, 0, ? FROM paper_fts "
                        "WHERE paper_fts MATCH ?", (slug, now, match))
        info["tagged"] = dict(conn.execute(
            "SELECT theme, count(*) FROM paper_theme GROUP BY theme").fetchall())
        info["papers"] = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
    return info


def _expect_results(n: int):
    def check(out: str) -> None:
        data = json.loads(out)
        rows = data.get("results", [])
        if len(rows) != n:
            raise RuntimeError(f"expected {n} results, got {len(rows)}")
    return check


def run_startup(work_dir: Path, quick: bool = False, log=print) -> dict:
    """``kb --help``: the start-up every command pays, against a bare interpreter."""
    repeat = 3 if quick else 7
    best, times, _ = timed(kb_command() + ["--help"], repeat)
    base, base_times, _ = timed([sys.executable, "-c", "pass"], repeat)
    metric = Metric("startup", "kb --help start-up", best, "s", base, "python -c pass", "s",
                    note=f"whole process, best of {repeat}")
    return {"metrics": [metric], "context": {"kb": times, "python": base_times}}


def run(work_dir: Path, quick: bool = False, log=print) -> dict:
    work_dir = Path(work_dir)
    store_path = work_dir / "big.sqlite"
    if not store_path.exists():
        raise RuntimeError(f"no store at {store_path}: run the ingest benchmark first")
    repeat = 1 if quick else 5
    info = prepare(store_path, log)
    kb = kb_command() + ["--db", str(store_path)]
    sqlite_cli = shutil.which("sqlite3")
    metrics = []
    context = {"store": str(store_path), "repeat": repeat, "kb": kb[:1], "sqlite3": sqlite_cli,
               **info}

    from kb.knowledge.search import to_match_expression
    from kb.knowledge.query import BM25_WEIGHTS
    from kb.store import Store
    from kb.knowledge.themes import load_taxonomy, theme_slugs_for_filter

    weights = ", ".join(repr(w) for w in BM25_WEIGHTS)
    with Store(store_path, readonly=True) as store:
        totals = {q: store.conn.execute("SELECT count(*) FROM paper_fts WHERE paper_fts MATCH ?",
                                        (to_match_expression(q),)).fetchone()[0] for q in SEARCHES}
    context["matches"] = totals

    for query in SEARCHES:
        best, times, _ = timed(kb + ["search", query, "--limit", "20", "--json"], repeat,
                               _expect_results(min(20, totals[query])))
        expression = to_match_expression(query).replace("'", "''")
        sql = (f"SELECT p.id, p.title, -bm25(paper_fts, {weights}) AS score FROM paper_fts "
               f"JOIN paper p ON p.id = paper_fts.rowid WHERE paper_fts MATCH '{expression}' "
               "ORDER BY score DESC LIMIT 20;")
        base = None
        if sqlite_cli:
            base, base_times, _ = timed([sqlite_cli, str(store_path), sql], repeat)
        metrics.append(Metric(
            "query", f"kb search \"{query}\" ({totals[query]:,} matches)", best, "s", base,
            "sqlite3 CLI, same FTS query" if sqlite_cli else f"sqlite3 CLI missing: {SQLITE_INSTALL}",
            "s", target_on="value", target_op="<", target=0.5,
            note=f"whole process, best of {repeat}; kb also counts all matches, makes snippets "
                 "and reads themes"))
        context[f"search:{query}"] = {"kb": times, "sqlite3": base_times if sqlite_cli else None}

    slugs = theme_slugs_for_filter(load_taxonomy(), THEME)
    best, times, _ = timed(kb + ["top", "--theme", THEME, "--json"], repeat, _expect_results(20))
    marks = ", ".join(f"'{s}'" for s in slugs)
    # What kb runs (kb.knowledge.query's walk of the stored rank-order prefix, migration 0008), and the plain statement that
    # sorts every tagged paper, which kb ran before (0.80 s whole process on 2026-11-22).
    walk_sql = ("SELECT p.id, p.title, r.seed_pagerank FROM paper_rank r CROSS JOIN paper p ON p.id = r.paper "
                "WHERE r.seed_order IS NOT NULL AND EXISTS (SELECT 1 FROM paper_theme pt WHERE pt.paper = p.id "
                f"AND pt.theme IN ({marks}) AND pt.negative = 0) ORDER BY r.seed_order LIMIT 20;")
    sort_all_sql = ("SELECT p.id, p.title, r.seed_pagerank FROM paper p LEFT JOIN paper_rank r ON r.paper = p.id "
                    f"WHERE p.id IN (SELECT paper FROM paper_theme WHERE theme IN ({marks}) AND negative = 0) "
                    "ORDER BY r.seed_pagerank DESC NULLS LAST, r.pagerank DESC NULLS LAST, p.id LIMIT 20;")
    base = sort_all = None
    base_times = sort_all_times = None
    if sqlite_cli:
        base, base_times, _ = timed([sqlite_cli, str(store_path), walk_sql], repeat)
        sort_all, sort_all_times, _ = timed([sqlite_cli, str(store_path), sort_all_sql], repeat)
    tagged = sum(info["tagged"].values())
    sort_note = f"; sorting every tagged paper instead takes {sort_all:.3f} s in the sqlite3 CLI" if sort_all else ""
    metrics.append(Metric(
        "query", f"kb top --theme {THEME} ({tagged:,} tagged)", best, "s", base,
        "sqlite3 CLI, same SQL" if sqlite_cli else f"sqlite3 CLI missing: {SQLITE_INSTALL}", "s",
        target_on="value", target_op="<", target=0.5,
        note=f"whole process, best of {repeat}; walks the stored rank-order prefix{sort_note}; "
             "synthetic rule tags (see bench/README.md)"))
    context["top"] = {"kb": times, "sqlite3": base_times, "sqlite3_sort_all": sort_all_times}

    return {"metrics": metrics, "context": context}
