"""Ingest: papers/s and edges/s into a file store, against raw SQLite and against an ORM.

The records are what a crawl hands the store: full paper records (title, abstract, TLDR,
authors, BibTeX, ids) parsed from the stand-in's API answers, and citation edges with their
contexts and intents. A pool of parsed records from a generated corpus is re-used under fresh
paperIds (random 40-hex, as S2's are) to reach a million papers; the edges are
``make_store.generate_graph``'s heavy-tailed citation graph. They are written in pages, like
the crawler does: each page is one transaction of ``page`` papers, then one of their edges.

* kb: ``Store.upsert_papers`` / ``Store.upsert_edges`` (idempotent merges, edges addressed by
  paperId, authors normalised into ``author`` / ``paper_author``), for all the papers;
* raw: plain ``sqlite3`` ``executemany`` INSERTs of the same rows into the same schema (same
  indexes, same FTS triggers, same pragmas), with integer keys the loader tracks itself and no
  conflict handling: the floor for these rows in SQLite. Loading a million papers twice would
  take longer than the whole benchmark may, so raw loads two segments of the same pages,
  interleaved page by page with kb's (both then see the same machine load): the first
  ``segment`` papers into an empty store, and the last ``segment`` into a copy of kb's store
  taken just before them, so both write into B-trees of the same size;
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

FULL = dict(papers=1_000_000, edges=10_000_000, page=1000, segment=100_000, templates=20_000,
            orm_papers=1_000, seed=5)
QUICK = dict(papers=3_000, edges=30_000, page=500, segment=1_000, templates=500, orm_papers=50,
             seed=5)


def paper_id_of(i: int) -> str:
    return hashlib.sha1(b"bench:%d" % i).hexdigest()


class Records:
    """Deterministic pages of paper records and edge records for ids 1..n."""

    def __init__(self, n_papers: int, n_edges: int, n_templates: int, seed: int):
        from make_store import generate_graph

        from kb.sources.s2.parse import PAPER_FIELDS, parse_paper
        from kb.standin.corpus import _EDGE_VARIANTS, _edge_variant
        from kb.standin.generate import generate_corpus
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
        self._pids = [""] + [paper_id_of(i) for i in range(1, n_papers + 1)]

    def pid(self, i: int) -> str:
        return self._pids[i]

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
        from kb.store.records import EdgeRecord

        lo, hi = self.edge_range(start, stop)
        variants, variant_of, pids = self._variants, self._variant_of, self._pids
        out = []
        for a, b in zip(self.citing[lo:hi].tolist(), self.cited[lo:hi].tolist()):
            infl, intents, contexts = variants[variant_of(a, b)]
            out.append(EdgeRecord(citing=pids[a], cited=pids[b], is_influential=infl,
                                  intents=intents, contexts=contexts))
        return out


# -- the three writers -------------------------------------------------------------------------

class KbWriter:
    """kb's own writes: one ``upsert_papers`` and one ``upsert_edges`` per page."""

    def __init__(self, path: Path):
        from kb.store import Store

        self.store = Store(fresh_path(path))

    def write(self, start: int, stop: int, papers, edges, rec: "Records") -> tuple[float, float]:
        t0 = time.perf_counter()
        self.store.upsert_papers(papers)
        t1 = time.perf_counter()
        self.store.upsert_edges(edges)
        return t1 - t0, time.perf_counter() - t1

    def snapshot(self, copy: Path) -> None:
        """A consistent copy of the store as it is now (all committed, WAL folded in)."""
        import shutil

        self.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        fresh_path(copy)
        shutil.copyfile(self.store.path, copy)

    def close(self) -> dict:
        counts = self.store.counts()
        self.store.close()
        return counts


class RawWriter:
    """Plain INSERTs of the same rows with integer keys the loader tracks itself, into a fresh
    store or a copy of kb's (``fresh=False``: continue where that copy stands)."""

    def __init__(self, path: Path, fresh: bool = True):
        from kb.store.sqlite import PAPER_COLUMNS, Store, connect

        if fresh:
            with Store(fresh_path(path)):  # the same schema, migrations and pragmas
                pass
        self.conn = connect(path)
        self.conn.row_factory = None
        columns = ("id", "paper_id") + PAPER_COLUMNS + ("detail_level", "fetched_at", "added_by_run")
        self.insert_paper = (f"INSERT INTO paper ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' * len(columns))})")
        self.authors: dict[str, int] = dict(self.conn.execute("SELECT author_id, id FROM author"))
        self.next_author = max(self.authors.values(), default=0) + 1

    def write(self, start: int, stop: int, papers, edges, rec: "Records") -> tuple[float, float]:
        from kb.store.sqlite import _json, _paper_row, utc_now

        lo, hi = rec.edge_range(start, stop)
        citing, cited = rec.citing[lo:hi].tolist(), rec.cited[lo:hi].tolist()
        conn = self.conn
        t0 = time.perf_counter()
        now = utc_now()
        new_authors, links = [], []
        for i, p in zip(range(start, stop), papers):
            for pos, a in enumerate(p.authors or ()):
                key = None
                if a.author_id:
                    key = self.authors.get(a.author_id)
                    if key is None:
                        key = self.authors[a.author_id] = self.next_author
                        self.next_author += 1
                        new_authors.append((key, a.author_id, a.name))
                links.append((i, pos, key, a.name))
        conn.execute("BEGIN")
        conn.executemany(self.insert_paper, ((i,) + _paper_row(p) + (now, None)
                                             for i, p in zip(range(start, stop), papers)))
        conn.executemany("INSERT INTO author (id, author_id, name) VALUES (?, ?, ?)", new_authors)
        conn.executemany("INSERT INTO paper_author (paper, position, author, name) "
                         "VALUES (?, ?, ?, ?)", links)
        conn.execute("COMMIT")
        t1 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO citation (citing, cited, is_influential, intents, contexts) "
            "VALUES (?, ?, ?, ?, ?)",
            ((a, b, None if e.is_influential is None else int(e.is_influential),
              _json(e.intents), _json(e.contexts)) for a, b, e in zip(citing, cited, edges)))
        conn.execute("COMMIT")
        return t1 - t0, time.perf_counter() - t1

    def close(self) -> None:
        self.conn.close()


def _zero() -> dict:
    return {"papers": 0, "edges": 0, "paper_seconds": 0.0, "edge_seconds": 0.0}


def _add(total: dict, papers: int, edges: int, times: tuple[float, float]) -> None:
    total["papers"] += papers
    total["edges"] += edges
    total["paper_seconds"] += times[0]
    total["edge_seconds"] += times[1]


def ingest(big: Path, rec: Records, page: int, segment: int | None, log=print) -> dict:
    """kb loads every paper into ``big``; raw SQLite loads the same pages twice, interleaved
    page by page with kb's so that both see the same machine load: the first ``segment``
    papers into an empty store, and the last ``segment`` into a copy of kb's store taken just
    before them (so both write into B-trees of the same size). ``segment=None``: no raw."""
    work = big.parent
    kb = KbWriter(big)
    totals = {k: _zero() for k in ("kb", "kb_first", "raw_first", "kb_last", "raw_last")}
    late_start = rec.n - segment if segment else None
    raw = RawWriter(work / "raw-first.sqlite") if segment else None
    for start in range(1, rec.n + 1, page):
        stop = min(start + page, rec.n + 1)
        papers, edges = rec.papers(start, stop), rec.edges(start, stop)
        counts = (stop - start, len(edges))
        if late_start is not None and start - 1 == late_start:
            kb.snapshot(work / "raw-last.sqlite")
            raw = RawWriter(work / "raw-last.sqlite", fresh=False)
        times = kb.write(start, stop, papers, edges, rec)
        _add(totals["kb"], *counts, times)
        if segment and (stop - 1 <= segment or start - 1 >= late_start):
            which = "first" if stop - 1 <= segment else "last"
            _add(totals["kb_" + which], *counts, times)
            _add(totals["raw_" + which], *counts, raw.write(start, stop, papers, edges, rec))
            if stop - 1 == segment:
                raw.close()
                raw = None
                fresh_path(work / "raw-first.sqlite")
        if (stop - 1) % (100 * page) == 0:
            t = totals["kb"]
            log(f"ingest: kb {stop - 1:,} papers, {t['edges']:,} edges "
                f"({t['paper_seconds']:.0f}s + {t['edge_seconds']:.0f}s)")
    if raw is not None:
        raw.close()
    totals["counts"] = kb.close()
    if segment:
        totals["raw_last_bytes"] = (work / "raw-last.sqlite").stat().st_size
        fresh_path(work / "raw-last.sqlite")
    return totals


def ingest_orm(path: Path, rec: Records, n: int) -> dict:
    """One SQLModel object at a time, each committed on its own, as ORM code usually does."""
    from sqlalchemy import event
    from sqlmodel import Session, create_engine, select

    from kb.store.models import Author, Citation, Paper, PaperAuthor
    from kb.store.sqlite import Store, _json, utc_now

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

def _finish(big: Path, rec: Records, quick: bool) -> dict:
    finished = finish_store(big, rec)
    (big.parent / "big.json").write_text(json.dumps(
        {"papers": rec.n, "edges": rec.n_edges, "quick": quick, **finished}))
    return finished


def store_ready(work_dir: Path, quick: bool) -> bool:
    """Whether ``work_dir`` holds a finished big store of the size this run wants."""
    try:
        info = json.loads((Path(work_dir) / "big.json").read_text())
    except (OSError, ValueError):
        return False
    return info.get("quick") == quick and (Path(work_dir) / "big.sqlite").exists()


def build_store(work_dir: Path, quick: bool = False, log=print) -> None:
    """The big store alone (no baselines), for a query or ranking run without the ingest one."""
    p = QUICK if quick else FULL
    rec = Records(p["papers"], p["edges"], p["templates"], p["seed"])
    big = Path(work_dir) / "big.sqlite"
    (big.parent / "big.json").unlink(missing_ok=True)
    ingest(big, rec, p["page"], None, log)
    _finish(big, rec, quick)


def run(work_dir: Path, quick: bool = False, log=print) -> dict:
    p = QUICK if quick else FULL
    work_dir = Path(work_dir)
    t0 = time.perf_counter()
    rec = Records(p["papers"], p["edges"], p["templates"], p["seed"])
    log(f"ingest: {len(rec.templates):,} record templates, graph of {rec.n:,} papers / "
        f"{rec.n_edges:,} edges ready in {time.perf_counter() - t0:.1f}s")

    orm = ingest_orm(work_dir / "orm.sqlite", rec, p["orm_papers"])
    fresh_path(work_dir / "orm.sqlite")
    log(f"ingest: ORM {orm['papers']} papers in {orm['paper_seconds']:.1f}s, "
        f"{orm['edges']} edges in {orm['edge_seconds']:.1f}s")
    big = work_dir / "big.sqlite"
    (work_dir / "big.json").unlink(missing_ok=True)
    t = ingest(big, rec, p["page"], p["segment"], log)
    kb, first, last = t["kb"], (t["kb_first"], t["raw_first"]), (t["kb_last"], t["raw_last"])
    _finish(big, rec, quick)
    size = big.stat().st_size

    def ratio(pair, what):
        return pair[0][what + "_seconds"] / pair[1][what + "_seconds"]

    seg = p["segment"]
    whole = kb["paper_seconds"] + kb["edge_seconds"]
    first_total = first[0]["paper_seconds"] + first[0]["edge_seconds"]
    metrics = []
    for label, pair, where in (("last", last, f"into a copy of the store at {rec.n - seg:,} papers"),
                               ("first", first, "into an empty store")):
        k, r = pair
        metrics.append(Metric(
            "ingest", f"papers/s, the {label} {seg:,} of {rec.n:,} papers", k["papers"] / k["paper_seconds"],
            "papers/s", r["papers"] / r["paper_seconds"], "raw executemany", "papers/s",
            ratio=ratio(pair, "paper"), ratio_of="kb time / raw time", target_on="ratio",
            target_op="<=", target=1.5,
            note=f"{where}; kb {k['paper_seconds']:.1f}s vs raw {r['paper_seconds']:.1f}s; full "
                 f"records with authors, FTS index; pages of {p['page']:,} papers"))
        metrics.append(Metric(
            "ingest", f"edges/s, their {k['edges']:,} edges", k["edges"] / k["edge_seconds"],
            "edges/s", r["edges"] / r["edge_seconds"], "raw executemany", "edges/s",
            ratio=ratio(pair, "edge"), ratio_of="kb time / raw time", target_on="ratio",
            target_op="<=", target=1.5,
            note=f"kb {k['edge_seconds']:.1f}s vs raw {r['edge_seconds']:.1f}s; kb upserts by "
                 "paperId, raw inserts integer keys; with contexts and intents"))
    metrics += [
        Metric("ingest", f"whole load, {rec.n:,} papers / {kb['edges']:,} edges", whole, "s",
               first_total * rec.n / seg, f"first {seg:,} papers x {rec.n // seg}", "s",
               note=f"kb overall {kb['papers'] / kb['paper_seconds']:,.0f} papers/s and "
                    f"{kb['edges'] / kb['edge_seconds']:,.0f} edges/s; ratio above 1: the store "
                    f"slows down as it grows; file {size / 1e9:.2f} GB"),
        Metric("ingest", "papers/s vs one ORM object at a time", kb["papers"] / kb["paper_seconds"],
               "papers/s", orm["papers"] / orm["paper_seconds"], "SQLModel, commit per object",
               "papers/s",
               note=f"kb over the whole load; ORM on the first {orm['papers']:,} papers (with "
                    "their authors), as a rate"),
        Metric("ingest", "edges/s vs one ORM object at a time", kb["edges"] / kb["edge_seconds"],
               "edges/s", orm["edges"] / orm["edge_seconds"], "SQLModel, commit per object",
               "edges/s", note=f"ORM on their {orm['edges']:,} edges, as a rate"),
    ]
    return {"metrics": metrics,
            "context": {"params": p, **t, "orm": orm, "store": str(big), "store_bytes": size}}
