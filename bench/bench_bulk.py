"""Bulk datasets: conversion to Parquet and a depth-2 extraction, DuckDB and Spark, against a
crawl of the same neighbourhood through the API at 1 request/s.

The release is generated here (untimed) by DuckDB straight into the datasets folder, in the real
file format (gzipped JSON lines with S2's field names and nulls, 8 files per dataset): papers
with abstracts (60%) and TLDRs (40%), and a citation graph where every paper cites ``refs``
older papers chosen with a bias towards the oldest (a heavy-tailed in-degree: the oldest papers
are cited tens of thousands of times), 2% of references unresolved (``citedcorpusid: null``).

Figures: conversion rows/s (baseline: Python reading the same files line by line with
``json.loads``, the naive way, on a sample); depth-2 extraction seconds from 10 seeds
(baseline: the requests a crawl of the same neighbourhood needs, one per 1000 entries of each
expanded paper's two lists within the API's 10,000 window plus one batch per 250 papers, at
1 request/s); disk used (raw, Parquet, store); Spark local against DuckDB on the same files.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import sqlite3
import time
from pathlib import Path

from common import Metric

RELEASE = "2026-11-24"
SHARDS = 8
_WORDS = ("Sparse", "Reward", "Scaling", "Interpretable", "Robust", "Adversarial", "Causal",
          "Latent", "Emergent", "Deceptive", "Circuit", "Preference", "Language", "Agent")


def generate_release(root: Path, papers: int, refs: int, log=print) -> dict:
    """Write papers, citations, abstracts and tldrs of one release into ``root`` (a datasets
    folder kb reads), with ``state.json``; returns row counts."""
    import duckdb

    from kb.sources.datasets.local import DatasetState, LocalDatasets

    shutil.rmtree(root, ignore_errors=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    words = "[" + ", ".join(f"'{w}'" for w in _WORDS) + "]"
    n = int(papers)
    # u(i, salt): a deterministic uniform in [0, 1) per row
    u = "(CAST(hash({x} * 7919 + {salt}) % 1000003 AS DOUBLE) / 1000003.0)"
    con.execute(f"""
        CREATE TEMP TABLE cit AS
        SELECT c AS citationid, 1 + c // {refs} AS citingcorpusid,
               CASE WHEN hash(c) % 50 = 0 THEN NULL
                    ELSE 1 + CAST(floor((c // {refs}) * pow({u.format(x='c', salt=1)}, 2.2)) AS BIGINT) END
                 AS citedcorpusid,
               hash(c) % 10 = 0 AS isinfluential,
               CASE WHEN hash(c) % 3 = 0 THEN ['We build on the framework of [' || (c % 60) || '].'] END AS contexts,
               CASE WHEN hash(c) % 3 = 0 THEN ['background'] END AS intents
        FROM range({n * refs}) t(c)
        WHERE c // {refs} > 0""")
    con.execute("CREATE TEMP TABLE counts AS SELECT citedcorpusid AS corpusid, count(*) AS n, "
                "sum(CAST(isinfluential AS INT)) AS infl FROM cit WHERE citedcorpusid IS NOT NULL GROUP BY 1")
    local = LocalDatasets(root)
    queries = {
        "papers": f"""
            SELECT i AS corpusid,
              {{'ACL': NULL, 'DBLP': NULL, 'ArXiv': CASE WHEN i % 3 = 0 THEN printf('%02d%02d.%05d', 10 + i % 15, 1 + i % 12, i % 100000) END,
                'MAG': CAST(2000000000 + i AS VARCHAR), 'CorpusId': CAST(i AS VARCHAR), 'PubMed': NULL,
                'DOI': CASE WHEN i % 2 = 0 THEN '10.5555/bench.' || i END, 'PubMedCentral': NULL}} AS externalids,
              'https://www.semanticscholar.org/paper/' || md5(CAST(i AS VARCHAR)) || substr(md5(CAST(-i AS VARCHAR)), 1, 8) AS url,
              {words}[CAST(1 + hash(i) % {len(_WORDS)} AS BIGINT)] || ' ' || lower({words}[CAST(1 + hash(i + 1) % {len(_WORDS)} AS BIGINT)]) || ' models for ' ||
                lower({words}[CAST(1 + hash(i + 2) % {len(_WORDS)} AS BIGINT)]) || ' systems ' || i AS title,
              [{{'authorId': CAST(1000000 + hash(i) % 200000 AS VARCHAR), 'name': 'A. Author' || hash(i) % 200000}},
               {{'authorId': NULL, 'name': 'B. Writer'}}] AS authors,
              CASE WHEN i % 5 = 0 THEN '' ELSE 'Journal of Things' END AS venue, NULL AS publicationvenueid,
              1990 + CAST(floor(36.0 * i / {n}) AS INT) AS year,
              {refs} AS referencecount, coalesce(c.n, 0) AS citationcount, coalesce(c.infl, 0) AS influentialcitationcount,
              i % 4 = 0 AS isopenaccess,
              [{{'category': 'Computer Science', 'source': 'external'}}, {{'category': 'Computer Science', 'source': 's2-fos-model'}}] AS s2fieldsofstudy,
              CASE WHEN i % 7 = 0 THEN NULL ELSE ['JournalArticle'] END AS publicationtypes,
              CASE WHEN i % 6 = 0 THEN NULL ELSE printf('%d-03-01', 1990 + CAST(floor(36.0 * i / {n}) AS INT)) END AS publicationdate,
              CASE WHEN i % 5 = 0 THEN NULL ELSE {{'name': 'Journal of Things', 'pages': '1-10', 'volume': '7'}} END AS journal,
              '{RELEASE}T00:00:00.000Z' AS updated
            FROM range(1, {n} + 1) t(i) LEFT JOIN counts c ON c.corpusid = i""",
        "citations": "SELECT citationid, citingcorpusid, citedcorpusid, isinfluential, contexts, intents, "
                     f"'{RELEASE}T00:00:00.000Z' AS updated FROM cit",
        "abstracts": f"""SELECT i AS corpusid, {{'externalids': {{'MAG': NULL, 'ACL': NULL, 'DOI': NULL, 'PubMedCentral': NULL, 'ArXiv': NULL}},
                         'license': NULL, 'url': NULL, 'status': NULL}} AS openaccessinfo,
                         'We study ' || lower({words}[CAST(1 + hash(i) % {len(_WORDS)} AS BIGINT)]) || ' behaviour in large models and report ' || i || ' findings about alignment.' AS abstract,
                         '{RELEASE}T00:00:00.000Z' AS updated
                         FROM range(1, {n} + 1) t(i) WHERE hash(i) % 10 < 6""",
        "tldrs": f"""SELECT i AS corpusid, 'tldr@v2.0.0' AS model, 'This paper shows ' || i || ' things.' AS text
                     FROM range(1, {n} + 1) t(i) WHERE hash(i * 3) % 10 < 4""",
    }
    counts = {}
    for name, sql in queries.items():
        folder = local.raw_dir(RELEASE, name)
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(f"CREATE OR REPLACE TEMP TABLE out AS {sql}")
        key = "citationid" if name == "citations" else "corpusid"
        files = {}
        for s in range(SHARDS):
            path = folder / f"{RELEASE.replace('-', '')}_{s}.gz"
            con.execute(f"COPY (SELECT * FROM out WHERE {key} % {SHARDS} = {s}) TO '{path}' "
                        "(FORMAT JSON, COMPRESSION GZIP)")
            files[path.name] = path.stat().st_size
        counts[name] = con.execute("SELECT count(*) FROM out").fetchone()[0]
        local.state[name] = DatasetState(release=RELEASE, files=files, expected=sorted(files))
        log(f"generated {name}: {counts[name]:,} rows")
    local.save()
    con.close()
    return counts


def choose_seeds(root: Path, n_seeds: int, refs: int) -> list[int]:
    """Mid-life papers with a typical number of citers, spread over the timeline."""
    import duckdb

    pattern = str(root / "parquet" / "papers" / "*.parquet")
    con = duckdb.connect()
    rows = con.execute(f"SELECT corpusid FROM read_parquet('{pattern}') WHERE citationcount BETWEEN {refs // 2} "
                       f"AND {refs * 5} AND year BETWEEN 2010 AND 2022 ORDER BY hash(corpusid) LIMIT {n_seeds}").fetchall()
    con.close()
    return [r[0] for r in rows]


def plant(db: Path, root: Path, seeds: list[int]) -> None:
    import duckdb

    from kb.store import Store
    from kb.store.records import PaperRecord

    pattern = str(root / "parquet" / "papers" / "*.parquet")
    con = duckdb.connect()
    ids = con.execute(f"SELECT corpusid, paper_id FROM read_parquet('{pattern}') WHERE corpusid IN "
                      f"({', '.join(map(str, seeds))})").fetchall()
    con.close()
    with Store(db) as store:
        store.upsert_papers([PaperRecord(paper_id=pid, corpus_id=cid) for cid, pid in ids])
        with store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO seed (paper, source) SELECT id, 'id' FROM paper WHERE paper_id = ?",
                             [(pid,) for _, pid in ids])


def naive_rows_per_second(files: list[Path], limit: int) -> float:
    """Python reading gzipped JSON lines one by one (json.loads), the way a script would."""
    started, rows = time.perf_counter(), 0
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                json.loads(line)
                rows += 1
                if rows >= limit:
                    return rows / (time.perf_counter() - started)
    return rows / (time.perf_counter() - started)


def api_requests(db: Path) -> tuple[int, int, int]:
    """Requests a crawl of the stored neighbourhood needs: pages of 1000 of each expanded
    paper's references and citers (the API stops at 10,000), plus the crawler's detail batches
    (kb.crawl.crawler.DETAIL_BATCH full records each); and the citers the API cannot give at all."""
    from kb.crawl.crawler import DETAIL_BATCH

    conn = sqlite3.connect(db)
    expanded = conn.execute(
        "SELECT p.reference_count, p.citation_count FROM crawl_state s JOIN paper p ON p.id = s.paper "
        "WHERE s.status = 'done'").fetchall()
    papers = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
    conn.close()
    pages = sum(math.ceil(min(r or 0, 9999) / 1000) + math.ceil(min(c or 0, 9999) / 1000) for r, c in expanded)
    beyond = sum(max(0, (c or 0) - 9999) for _, c in expanded)
    return pages + math.ceil(papers / DETAIL_BATCH), len(expanded), beyond


def _dir_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _convert_all(engine_name: str, root: Path, engine_options: dict | None = None) -> tuple[float, int]:
    from kb.bulk.convert import convert
    from kb.bulk.engines import open_engine
    from kb.sources.datasets.local import LocalDatasets

    local = LocalDatasets(root)
    engine = open_engine(engine_name, **(engine_options or {}))
    started, rows = time.perf_counter(), 0
    try:
        for name in ("papers", "citations", "abstracts", "tldrs"):
            done = convert(engine, local, name)
            rows += done.rows
    finally:
        engine.close()
    return time.perf_counter() - started, rows


def _extract(engine_name: str, root: Path, db: Path, seeds: list[int]):
    from kb.bulk.extract import ExtractOptions, extract
    from kb.settings import Settings

    plant(db, root, seeds)
    started = time.perf_counter()
    report = extract(db, ExtractOptions(depth=2, engine=engine_name, rank=False, tag=False),
                     settings=Settings(db_path=db, datasets_dir=root))
    return time.perf_counter() - started, report


def _spark_copy(root: Path, target: Path) -> None:
    """The same raw files (linked), no Parquet yet: Spark converts them itself."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    os.symlink(root / "raw", target / "raw")
    state = json.loads((root / "state.json").read_text())
    for item in state["datasets"].values():
        item["parquet_release"] = item["parquet_rows"] = None
    (target / "state.json").write_text(json.dumps(state))


def run(work_dir: Path, quick: bool = False, log=print, spark: bool | None = None) -> dict:
    """The quick (smoke) run leaves Spark out: its start-up alone outlasts the smoke budget."""
    spark = (not quick) if spark is None else spark
    papers, refs = (20_000, 10) if quick else (int(os.environ.get("KB_BENCH_BULK_PAPERS", 1_000_000)), 10)
    root = work_dir / "bulk" / "datasets"
    t0 = time.perf_counter()
    counts = generate_release(root, papers, refs, log=log)
    log(f"release generated in {time.perf_counter() - t0:.0f}s (untimed)")
    raw_bytes = _dir_bytes(root / "raw")
    total_rows = sum(counts.values())

    seconds, rows = _convert_all("duckdb", root)
    log(f"duckdb conversion: {rows:,} rows in {seconds:.1f}s")
    parquet_bytes = _dir_bytes(root / "parquet")
    sample = 20_000 if quick else 300_000
    naive = naive_rows_per_second(sorted((root / "raw" / RELEASE / "citations").iterdir()), sample)

    seeds = choose_seeds(root, 10, refs)
    db = work_dir / "bulk" / "duckdb.sqlite"
    for p in db.parent.glob("duckdb.sqlite*"):
        p.unlink()
    extract_seconds, report = _extract("duckdb", root, db, seeds)
    log(f"duckdb extraction: {report.papers:,} papers, {report.edges:,} edges in {extract_seconds:.1f}s")
    requests, expanded, beyond = api_requests(db)
    store_bytes = db.stat().st_size

    size = f"{counts['papers']:,} papers / {counts['citations']:,} citations"
    metrics = [
        Metric("bulk", f"DuckDB conversion to Parquet, {size}", rows / seconds, "rows/s",
               baseline=naive, baseline_name="Python json.loads per line, on the citations",
               baseline_unit="rows/s",
               note=f"{rows:,} rows (papers, citations, abstracts, tldrs) in {seconds:.1f}s; baseline on "
                    f"{sample:,} lines, parse only (it writes nothing)"),
        Metric("bulk", "depth-2 extraction from 10 seeds (DuckDB, into the store)", extract_seconds, "s",
               baseline=requests, baseline_name="API crawl of the same neighbourhood at 1 req/s",
               baseline_unit="s",
               note=f"{report.papers:,} papers, {report.edges:,} edges, {expanded:,} papers expanded; "
                    f"hops {' / '.join(f'{n:,}' for n in report.per_hop)}; the crawl needs {requests:,} "
                    f"requests (extrapolated) and cannot get {beyond:,} citers past the 10,000 window; "
                    f"walk {report.seconds['walk']:.1f}s, load {report.seconds['load']:.1f}s"),
        Metric("bulk", "disk: Parquet tables", parquet_bytes / 1e6, "MB", baseline=raw_bytes / 1e6,
               baseline_name="downloaded gzipped JSON lines", baseline_unit="MB",
               note=f"store after the extraction: {store_bytes / 1e6:,.0f} MB"),
    ]
    context = {"counts": counts, "raw_bytes": raw_bytes, "parquet_bytes": parquet_bytes,
               "extract": report.as_dict(), "requests": requests, "seeds": seeds}
    if spark:
        spark_root = work_dir / "bulk" / "spark"
        _spark_copy(root, spark_root)
        s_seconds, s_rows = _convert_all("spark", spark_root)
        log(f"spark conversion: {s_rows:,} rows in {s_seconds:.1f}s")
        s_db = work_dir / "bulk" / "spark.sqlite"
        for p in s_db.parent.glob("spark.sqlite*"):
            p.unlink()
        s_extract, s_report = _extract("spark", spark_root, s_db, seeds)
        log(f"spark extraction: {s_extract:.1f}s")
        same = (s_report.papers, s_report.edges) == (report.papers, report.edges)
        metrics += [
            Metric("bulk", "Spark local conversion, same files", s_rows / s_seconds, "rows/s",
                   baseline=rows / seconds, baseline_name="DuckDB", baseline_unit="rows/s",
                   note=f"local[*] on {os.cpu_count()} cores; {s_seconds:.1f}s with the session start"),
            Metric("bulk", "Spark local depth-2 extraction, same seeds", s_extract, "s",
                   baseline=extract_seconds, baseline_name="DuckDB", baseline_unit="s",
                   note=f"same papers and edges as DuckDB: {'yes' if same else 'NO'}; "
                        f"walk {s_report.seconds['walk']:.1f}s, load {s_report.seconds['load']:.1f}s"),
        ]
        context["spark_extract"] = s_report.as_dict()
    return {"metrics": metrics, "context": context}


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, default=Path("bench/out/work"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    out = run(args.work_dir, quick=args.quick, log=lambda m: print(m, file=sys.stderr, flush=True),
              spark=False if args.no_spark else None)
    for m in out["metrics"]:
        print(m.as_dict())
