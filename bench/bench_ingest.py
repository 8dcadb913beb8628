"""Ingest: papers/s and edges/s into a file store, against raw SQLite and against an ORM.

The records are what a crawl hands the store: full paper records (title, abstract, TLDR,
authors, BibTeX, ids) parsed from the stand-in's API answers, and citation edges with their
contexts and intents. A pool of parsed records from a generated corpus is re-used under fresh
paperIds (random 40-hex, as S2's are) to reach a million papers; the edges are
``make_store.generate_graph``'s heavy-tailed citation graph. They are written in pages, like
the crawler does: each page is one transaction of ``page`` papers, then one of their edges.

* kb: ``Store.upsert_papers`` / ``Store.upsert_edges`` (idempotent merges, edges addressed by
  paperId, authors normalised into ``author`` / ``paper_author``);
* raw: plain ``sqlite3`` ``executemany`` INSERTs of the same rows into the same schema (same
  indexes, same FTS triggers), with integer keys the loader tracks itself and no conflict
  handling: the floor for these rows in SQLite;
* ORM: SQLModel, one object added and committed at a time, on a small prefix of the same
  records, as a rate.

The kb store is kept (``big.sqlite``) for the query and ranking benchmarks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from common import Metric, fresh_path

FULL = dict(papers=1_000_000, edges=10_000_000, page=1000, templates=20_000, orm_papers=2_000,
            seed=5)
QUICK = dict(papers=4_000, edges=40_000, page=1000, templates=1_000, orm_papers=100, seed=5)


def paper_id_of(i: int) -> str:
    return hashlib.sha1(b"bench:%d" % i).hexdigest()


class Records:
    """Deterministic pages of paper records and edge records for ids 1..n."""

    def __init__(self, n_papers: int, n_edges: int, n_templates: int, seed: int):
        from make_store import generate_graph

        from kb.s2_parse import PAPER_FIELDS, parse_paper
        from kb.standin.corpus import _EDGE_VARIANTS, _edge_variant, generate_corpus
        from kb.standin.fields import parse_paper_fields

        corpus = generate_corpus(n_templates, seed=seed)
        spec = parse_paper_fields(PAPER_FIELDS)
        templates = [parse_paper(json.loads(corpus.render(i, spec)))
                     for i in range(len(corpus.records_view()))]
        self.templates = [t for t in templates if t is not None]
        self.n = n_papers
        self.citing, self.cited = generate_graph(n_papers, n_edges, seed)
        self.n_edges = int(self.citing.size)
        self._variants = [(v["isInfluential"], v["intents"] or None, v["contexts"] or None)
                          for v in _EDGE_VARIANTS]
        self._variant_of = _edge_variant
        self._ids: dict[int, str] = {}

    def pid(self, i: int) -> str:
        return paper_id_of(i)

    def papers(self, start: int, stop: int):
        """Records of papers start..stop-1 (1-based ids)."""
        t = self.templates
        k = len(t)
        out = []
        for i in range(start, stop):
            base = t[(i - 1) % k]
            pid = self.pid(i)
            ext = dict(base.external_ids or {})
            ext["CorpusId"] = 400_000_000 + i
            out.append(dataclasses.replace(
                base, paper_id=pid, corpus_id=400_000_000 + i, external_ids=ext,
                url="https://www.semanticscholar.org/paper/" + pid))
        return out

    def edge_range(self, start: int, stop: int) -> tuple[int, int]:
        """Slice of the edge arrays whose citing paper is in start..stop-1."""
        lo, hi = np.searchsorted(self.citing, [start, stop])
        return int(lo), int(hi)

    def edges(self, start: int, stop: int):
        from kb.records import EdgeRecord

        lo, hi = self.edge_range(start, stop)
        variants, variant_of, pid = self._variants, self._variant_of, self.pid
        out = []
        for a, b in zip(self.citing[lo:hi].tolist(), self.cited[lo:hi].tolist()):
            infl, intents, contexts = variants[variant_of(a, b)]
            out.append(EdgeRecord(citing=pid(a), cited=pid(b), is_influential=infl,
                                  intents=intents, contexts=contexts))
        return out


# -- the three writers -------------------------------------------------------------------------

def ingest_kb(path: Path, rec: Records, page: int, limit: int | None = None, log=print) -> dict:
    from kb.store import Store

    n = rec.n if limit is None else min(limit, rec.n)
    t_papers = t_edges = 0.0
    edges = 0
    with Store(fresh_path(path)) as store:
        for start in range(1, n + 1, page):
            stop = min(start + page, n + 1)
            papers = rec.papers(start, stop)
            page_edges = rec.edges(start, stop)
            t0 = time.perf_counter()
            store.upsert_papers(papers)
            t1 = time.perf_counter()
            store.upsert_edges(page_edges)
            t2 = time.perf_counter()
            t_papers += t1 - t0
            t_edges += t2 - t1
            edges += len(page_edges)
            if start // page % 100 == 0 and start > 1:
                log(f"ingest kb: {start - 1:,} papers, {edges:,} edges "
                    f"({t_papers:.0f}s + {t_edges:.0f}s)")
        counts = store.counts()
    return {"papers": n, "edges": edges, "paper_seconds": t_papers, "edge_seconds": t_edges,
            "counts": counts}


def ingest_raw(path: Path, rec: Records, page: int, limit: int | None = None, log=print) -> dict:
    """Plain INSERTs of the same rows; the loader keeps the integer keys itself."""
    from kb.store import PAPER_COLUMNS, Store, _json, _paper_row, utc_now

    n = rec.n if limit is None else min(limit, rec.n)
    with Store(fresh_path(path)) as store:  # the same schema, migrations and pragmas
        pass
    import sqlite3

    from kb.store import connect

    conn: sqlite3.Connection = connect(path)
    columns = ("id", "paper_id") + PAPER_COLUMNS + ("detail_level", "fetched_at", "added_by_run")
    insert_paper = (f"INSERT INTO paper ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})")
    insert_author = "INSERT INTO author (id, author_id, name) VALUES (?, ?, ?)"
    insert_paper_author = "INSERT INTO paper_author (paper, position, author, name) VALUES (?, ?, ?, ?)"
    insert_edge = ("INSERT INTO citation (citing, cited, is_influential, intents, contexts) "
                   "VALUES (?, ?, ?, ?, ?)")
    authors: dict[str, int] = {}
    t_papers = t_edges = 0.0
    edges = 0
    for start in range(1, n + 1, page):
        stop = min(start + page, n + 1)
        papers = rec.papers(start, stop)
        page_edges = rec.edges(start, stop)
        lo, hi = rec.edge_range(start, stop)
        citing = rec.citing[lo:hi].tolist()
        cited = rec.cited[lo:hi].tolist()
        t0 = time.perf_counter()
        now = utc_now()
        new_authors, links = [], []
        for i, p in zip(range(start, stop), papers):
            for pos, a in enumerate(p.authors or ()):
                key = None
                if a.author_id:
                    key = authors.get(a.author_id)
                    if key is None:
                        key = authors[a.author_id] = len(authors) + 1
                        new_authors.append((key, a.author_id, a.name))
                links.append((i, pos, key, a.name))
        conn.execute("BEGIN")
        conn.executemany(insert_paper, ((i,) + _paper_row(p) + (now, None)
                                        for i, p in zip(range(start, stop), papers)))
        conn.executemany(insert_author, new_authors)
        conn.executemany(insert_paper_author, links)
        conn.execute("COMMIT")
        t1 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(insert_edge, (
            (a, b, None if e.is_influential is None else int(e.is_influential),
             _json(e.intents), _json(e.contexts))
            for a, b, e in zip(citing, cited, page_edges)))
        conn.execute("COMMIT")
        t2 = time.perf_counter()
        t_papers += t1 - t0
        t_edges += t2 - t1
        edges += len(page_edges)
        if start // page % 100 == 0 and start > 1:
            log(f"ingest raw: {start - 1:,} papers, {edges:,} edges ({t_papers:.0f}s + {t_edges:.0f}s)")
    conn.close()
    return {"papers": n, "edges": edges, "paper_seconds": t_papers, "edge_seconds": t_edges}


def ingest_orm(path: Path, rec: Records, n: int) -> dict:
    """One SQLModel object at a time, each committed on its own, as ORM code usually does."""
    from sqlalchemy import event
    from sqlmodel import Session, create_engine, select

    from kb.models import Author, Citation, Paper, PaperAuthor
    from kb.store import Store, _json, utc_now

    with Store(fresh_path(path)):
        pass
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # the store's own durability settings, to be fair
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    papers = rec.papers(1, n + 1)
    edges = rec.edges(1, n + 1)
    with Session(engine) as session:
        t0 = time.perf_counter()
        for p in papers:
            row = Paper(
                paper_id=p.paper_id, corpus_id=p.corpus_id, doi=p.doi, arxiv_id=p.arxiv_id,
                external_ids=_json(p.external_ids), title=p.title, abstract=p.abstract,
                tldr=p.tldr, year=p.year, publication_date=p.publication_date, venue=p.venue,
                authors=_json([{"authorId": a.author_id, "name": a.name} for a in p.authors or ()]),
                citation_count=p.citation_count, reference_count=p.reference_count,
                influential_citation_count=p.influential_citation_count,
                open_access_pdf=p.open_access_pdf, bibtex=p.bibtex,
                fields_of_study=_json(p.fields_of_study),
                publication_types=_json(p.publication_types), url=p.url,
                detail_level=p.detail_level, fetched_at=utc_now(), added_at=utc_now())
            session.add(row)
            session.commit()
            for pos, a in enumerate(p.authors or ()):
                author = None
                if a.author_id:
                    author = session.exec(select(Author).where(Author.author_id == a.author_id)).first()
                    if author is None:
                        author = Author(author_id=a.author_id, name=a.name)
                        session.add(author)
                        session.commit()
                session.add(PaperAuthor(paper=row.id, position=pos,
                                        author=author.id if author else None, name=a.name))
                session.commit()
        t1 = time.perf_counter()
        for e in edges:
            citing = session.exec(select(Paper.id).where(Paper.paper_id == e.citing)).one()
            cited = session.exec(select(Paper.id).where(Paper.paper_id == e.cited)).one()
            session.add(Citation(citing=citing, cited=cited, is_influential=int(e.is_influential),
                                 intents=_json(e.intents), contexts=_json(e.contexts)))
            session.commit()
        t2 = time.perf_counter()
    engine.dispose()
    return {"papers": n, "edges": len(edges), "paper_seconds": t1 - t0, "edge_seconds": t2 - t1}


def finish_store(path: Path, rec: Records, n_seeds: int = 50, seed: int = 0) -> dict:
    """Make the ingested store look crawled (not timed): seeds, and a frontier row with the hop
    distance from the nearest seed for every reached paper, as ``make_store`` does."""
    from make_store import seed_depths

    from kb.store import Store, utc_now

    rng = np.random.default_rng(seed)
    seeds = np.sort(rng.choice(np.arange(1, rec.n + 1), size=min(n_seeds, rec.n), replace=False))
    depth = seed_depths(rec.n, rec.citing, rec.cited, seeds)
    reached = np.flatnonzero(depth >= 0)
    now = utc_now()
    with Store(path) as store:
        ids = store.internal_ids(rec.pid(int(i) + 1) for i in reached)
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO crawl_state (paper, depth, status, reached_via, updated_at, "
                "details_fetched) VALUES (?, ?, 'done', ?, ?, 1)",
                ((ids[rec.pid(int(i) + 1)], int(depth[i]), "seed" if depth[i] == 0 else "refs", now)
                 for i in reached))
            conn.executemany("INSERT INTO seed (paper, added_at, source) VALUES (?, ?, 'bench')",
                             ((ids[rec.pid(int(s))], now) for s in seeds))
    return {"seeds": int(seeds.size), "reached": int(reached.size)}


# -- the benchmark -----------------------------------------------------------------------------

def run(work_dir: Path, quick: bool = False, log=print) -> dict:
    p = QUICK if quick else FULL
    work_dir = Path(work_dir)
    t0 = time.perf_counter()
    rec = Records(p["papers"], p["edges"], p["templates"], p["seed"])
    log(f"ingest: {len(rec.templates):,} record templates, graph of {rec.n:,} papers / "
        f"{rec.n_edges:,} edges ready in {time.perf_counter() - t0:.1f}s")

    orm = ingest_orm(work_dir / "orm.sqlite", rec, p["orm_papers"])
    log(f"ingest orm: {orm['papers']} papers in {orm['paper_seconds']:.1f}s, "
        f"{orm['edges']} edges in {orm['edge_seconds']:.1f}s")
    raw_path = work_dir / "raw.sqlite"
    raw = ingest_raw(raw_path, rec, p["page"], log=log)
    raw_size = raw_path.stat().st_size
    log(f"ingest raw: {raw['paper_seconds']:.1f}s papers, {raw['edge_seconds']:.1f}s edges")
    fresh_path(raw_path)
    (work_dir / "orm.sqlite").unlink(missing_ok=True)
    big = work_dir / "big.sqlite"
    kb = ingest_kb(big, rec, p["page"], log=log)
    log(f"ingest kb: {kb['paper_seconds']:.1f}s papers, {kb['edge_seconds']:.1f}s edges")
    finished = finish_store(big, rec)
    (work_dir / "big.json").write_text(json.dumps(
        {"papers": kb["papers"], "edges": kb["edges"], "path": str(big), "quick": quick, **finished}))

    kb_total = kb["paper_seconds"] + kb["edge_seconds"]
    raw_total = raw["paper_seconds"] + raw["edge_seconds"]
    page_note = f"{p['page']:,} papers (+ their ~{rec.n_edges // rec.n * p['page']:,} edges) per page"
    metrics = [
        Metric("ingest", f"papers/s, {kb['papers']:,} papers", kb["papers"] / kb["paper_seconds"],
               "papers/s", raw["papers"] / raw["paper_seconds"], "raw executemany", "papers/s",
               ratio=kb["paper_seconds"] / raw["paper_seconds"], ratio_of="kb time / raw time",
               target_on="ratio", target_op="<=", target=1.5,
               note=f"kb {kb['paper_seconds']:.0f}s vs raw {raw['paper_seconds']:.0f}s; with "
                    f"authors and the FTS index; {page_note}"),
        Metric("ingest", f"edges/s, {kb['edges']:,} edges", kb["edges"] / kb["edge_seconds"],
               "edges/s", raw["edges"] / raw["edge_seconds"], "raw executemany", "edges/s",
               ratio=kb["edge_seconds"] / raw["edge_seconds"], ratio_of="kb time / raw time",
               target_on="ratio", target_op="<=", target=1.5,
               note=f"kb {kb['edge_seconds']:.0f}s vs raw {raw['edge_seconds']:.0f}s; kb resolves "
                    "paperIds, raw inserts integer keys"),
        Metric("ingest", "whole ingest (papers + edges)", kb_total, "s", raw_total,
               "raw executemany", "s", target_on="ratio", target_op="<=", target=1.5,
               note=f"store file {big.stat().st_size / 1e9:.2f} GB (raw {raw_size / 1e9:.2f} GB)"),
        Metric("ingest", "papers/s vs one ORM object at a time", kb["papers"] / kb["paper_seconds"],
               "papers/s", orm["papers"] / orm["paper_seconds"], "SQLModel, commit per object",
               "papers/s",
               note=f"ORM rate measured on the first {orm['papers']:,} papers (with their authors)"),
        Metric("ingest", "edges/s vs one ORM object at a time", kb["edges"] / kb["edge_seconds"],
               "edges/s", orm["edges"] / orm["edge_seconds"], "SQLModel, commit per object",
               "edges/s", note=f"ORM rate measured on their {orm['edges']:,} edges"),
    ]
    return {"metrics": metrics,
            "context": {"params": p, "kb": kb, "raw": raw, "orm": orm,
                        "store": str(big), "store_bytes": big.stat().st_size}}
