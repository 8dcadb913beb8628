"""``kb datasets extract``: the k-hop neighbourhood of the seeds, from the bulk datasets, into
the store.

The walk is breadth-first and both ways (references and citers), with no cap on how many
citers a paper has: hop ``d`` is every paper that cites or is cited by a paper expanded at hop
``d - 1`` and was not reached before, optionally only papers from ``min_year`` on or with at
least ``min_citations`` citations, and (with a theme) only papers that match the theme are
expanded further. Each hop is one SQL statement over the Parquet tables, the same text for
DuckDB and Spark. The result is what a crawl to the same depth would store: every reached paper
(full records with abstract and TLDR), and every citation that touches an expanded paper.

Papers and edges are written through the store's own upserts, in corpus-id order and pages, so
two engines give byte-identical rows, and the run is recorded in ``kb runs`` (kind ``bulk``)
with the release it read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from kb.bulk.convert import convert
from kb.bulk.engines import open_engine
from kb.bulk.records import edge_record, paper_record
from kb.bulk.schema import column_types
from kb.errors import UsageError
from kb.sources.datasets.local import LocalDatasets, datasets_dir
from kb.store import Store, utc_now

REQUIRED = ("papers", "citations")
OPTIONAL = ("abstracts", "tldrs")
PAPER_PAGE = 1000
EDGE_PAGE = 5000


@dataclass
class ExtractOptions:
    depth: int = 2
    min_year: int | None = None
    min_citations: int | None = None
    theme: str | None = None
    engine: str = "duckdb"
    rank: bool = True
    tag: bool = True


@dataclass
class ExtractProgress:
    stage: str = ""
    hop: int = 0
    reached: int = 0
    papers_loaded: int = 0
    edges_loaded: int = 0


@dataclass
class ExtractReport:
    run_id: int
    engine: str
    releases: dict[str, str]
    seeds: int
    per_hop: list[int] = field(default_factory=list)
    expanded: int = 0
    papers: int = 0
    edges: int = 0
    new_papers: int = 0
    new_edges: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _filters(options: ExtractOptions) -> str:
    parts = []
    if options.min_year is not None:
        parts.append(f"(p.year IS NULL OR p.year >= {int(options.min_year)})")
    if options.min_citations is not None:
        parts.append(f"coalesce(p.citationcount, 0) >= {int(options.min_citations)}")
    return "".join(f" AND {p}" for p in parts)


def hop_sql(frontier: str, reached: str, options: ExtractOptions) -> str:
    """Papers one citation away from ``frontier`` (either way) not yet in ``reached``."""
    return (
        "SELECT DISTINCT p.corpusid FROM ("
        f"SELECT c.citedcorpusid AS corpusid FROM citations c JOIN {frontier} f "
        "ON c.citingcorpusid = f.corpusid WHERE c.citedcorpusid IS NOT NULL "
        "UNION ALL "
        f"SELECT c.citingcorpusid AS corpusid FROM citations c JOIN {frontier} f "
        "ON c.citedcorpusid = f.corpusid) n "
        "JOIN papers p ON p.corpusid = n.corpusid "
        f"WHERE NOT EXISTS (SELECT 1 FROM {reached} r WHERE r.corpusid = n.corpusid)"
        + _filters(options))


SEEDS_SQL = ("SELECT DISTINCT corpusid, 0 AS depth FROM ("
             "SELECT p.corpusid FROM papers p JOIN seed_ids s ON p.corpusid = s.corpusid "
             "UNION ALL SELECT p.corpusid FROM papers p JOIN seed_ids s ON p.paper_id = s.paper_id) x")

NODES_SQL = ("SELECT r.corpusid, r.depth, CASE WHEN e.corpusid IS NULL THEN 0 ELSE 1 END AS expanded "
             "FROM reached r LEFT JOIN expanded_ids e ON e.corpusid = r.corpusid")

PAPERS_SQL = (
    "SELECT p.corpusid, p.paper_id, p.externalids, p.url, p.title, p.authors, p.venue, p.year, "
    "p.referencecount, p.citationcount, p.influentialcitationcount, p.s2fieldsofstudy, "
    "p.publicationtypes, p.publicationdate, a.abstract, a.openaccessinfo, t.text AS tldr, "
    "n.depth, n.expanded "
    "FROM nodes n JOIN papers p ON p.corpusid = n.corpusid "
    "LEFT JOIN abstracts a ON a.corpusid = n.corpusid "
    "LEFT JOIN tldrs t ON t.corpusid = n.corpusid "
    "WHERE p.paper_id IS NOT NULL ORDER BY p.corpusid")

EDGES_SQL = (
    "SELECT c.citingcorpusid, c.citedcorpusid, c.isinfluential, c.contexts, c.intents "
    "FROM citations c JOIN nodes a ON a.corpusid = c.citingcorpusid "
    "JOIN nodes b ON b.corpusid = c.citedcorpusid "
    "WHERE a.expanded = 1 OR b.expanded = 1 "
    "ORDER BY c.citingcorpusid, c.citedcorpusid, c.citationid")


def _theme_gate(theme: str):
    """A test on (corpusid, title, abstract) rows that keeps the corpusids of the papers of the
    walk that may be expanded, matching keywords a batch of rows at a time."""
    from itertools import islice

    from kb.knowledge.tagging import matcher
    from kb.knowledge.themes import load_taxonomy, theme_slugs_for_filter

    taxonomy = load_taxonomy()
    m = matcher(taxonomy)
    wanted = set(theme_slugs_for_filter(taxonomy, theme))
    columns = [c for c, slug in enumerate(m.slugs) if slug in wanted]
    floor = taxonomy.thresholds.rule

    def passing(rows, batch: int = 20_000) -> list[tuple[int]]:
        rows, kept = iter(rows), []
        while chunk := list(islice(rows, batch)):
            scores, _, _ = m.match_texts([t or "" for _, t, _ in chunk], [a or "" for _, _, a in chunk])
            hit = (scores[:, columns] >= floor).any(axis=1) if columns else [False] * len(chunk)
            kept += [(cid,) for (cid, _, _), ok in zip(chunk, hit) if ok]
        return kept

    return passing


def register_tables(engine, local: LocalDatasets) -> dict[str, str]:
    """Views over the Parquet tables (converting what is downloaded but not yet converted);
    returns the release each table holds."""
    releases = {}
    for name in REQUIRED + OPTIONAL:
        state = local.state.get(name)
        if state is None or not state.release:
            if name in REQUIRED:
                raise UsageError(f"the {name} dataset is not downloaded: run "
                                 "`kb datasets pull papers citations abstracts tldrs` first")
            engine.view_rows(name, column_types(name), [])
            continue
        convert(engine, local, name)
        engine.view_parquet(name, local.parquet_dir(name))
        releases[name] = local.release_of(name)
    return releases


def walk(engine, seeds: list[tuple[int | None, str]], options: ExtractOptions,
         tell: Callable[[ExtractProgress], None] = lambda p: None) -> tuple[list[int], int]:
    """Run the hops; leaves the view ``nodes`` (corpusid, depth, expanded). Returns the papers
    reached per hop and the number expanded."""
    progress = ExtractProgress(stage="walk")
    engine.view_rows("seed_ids", [("corpusid", "BIGINT"), ("paper_id", "STRING")], seeds)
    per_hop = [engine.materialize("reached_0", SEEDS_SQL)]
    engine.view("frontier_0", "SELECT corpusid FROM reached_0")
    expanded = ["frontier_0"] if options.depth > 0 else []
    gate = _theme_gate(options.theme) if options.theme else None
    for hop in range(1, options.depth + 1):
        progress.hop, progress.reached = hop, sum(per_hop)
        tell(progress)
        found = engine.materialize(f"new_{hop}", hop_sql(f"frontier_{hop - 1}", f"reached_{hop - 1}", options))
        per_hop.append(found)
        engine.view(f"reached_{hop}", f"SELECT corpusid, depth FROM reached_{hop - 1} "
                                      f"UNION ALL SELECT corpusid, {hop} AS depth FROM new_{hop}")
        if hop == options.depth:
            break
        if gate is None:
            engine.view(f"frontier_{hop}", f"SELECT corpusid FROM new_{hop}")
        else:
            passing = gate(engine.rows(
                f"SELECT n.corpusid, p.title, a.abstract FROM new_{hop} n JOIN papers p ON p.corpusid = n.corpusid "
                "LEFT JOIN abstracts a ON a.corpusid = n.corpusid ORDER BY n.corpusid"))
            engine.view_rows(f"frontier_{hop}", [("corpusid", "BIGINT")], passing)
        expanded.append(f"frontier_{hop}")
    final = min(options.depth, len(per_hop) - 1)
    engine.view("reached", f"SELECT corpusid, depth FROM reached_{final}")
    if expanded:
        engine.view("expanded_ids", " UNION ALL ".join(f"SELECT corpusid FROM {f}" for f in expanded))
    else:
        engine.view_rows("expanded_ids", [("corpusid", "BIGINT")], [])
    engine.materialize("nodes", NODES_SQL)
    n_expanded = list(engine.rows("SELECT count(*) FROM nodes WHERE expanded = 1"))[0][0]
    return per_hop, n_expanded


def extract(db_path, options: ExtractOptions, *, settings=None, root=None, wait: bool = False,
            progress: Callable[[ExtractProgress], None] | None = None,
            engine_options: dict | None = None) -> ExtractReport:
    """Extract the seeds' neighbourhood into the store at ``db_path`` (under its writer lock)."""
    from kb.settings import Settings
    from kb.store.locking import writing

    settings = settings or Settings.from_env()
    local = LocalDatasets(root or datasets_dir(settings))
    tell = progress or (lambda p: None)
    with writing(db_path, "kb datasets extract", wait=wait) as store:
        seeds = [(r[0], r[1]) for r in store.conn.execute(
            "SELECT p.corpus_id, p.paper_id FROM seed s JOIN paper p ON p.id = s.paper ORDER BY p.id")]
        if not seeds:
            raise UsageError("the store has no seeds: add some with `kb seed add` first")
        engine = open_engine(options.engine, **(engine_options or {}))
        try:
            timer = time.monotonic()
            releases = register_tables(engine, local)
            seconds = {"convert": time.monotonic() - timer}
            timer = time.monotonic()
            per_hop, n_expanded = walk(engine, seeds, options, tell)
            seconds["walk"] = time.monotonic() - timer
            report = ExtractReport(run_id=0, engine=engine.name, releases=releases, seeds=len(seeds),
                                   per_hop=per_hop, expanded=n_expanded)
            timer = time.monotonic()
            load(store, engine, report, options, tell)
            seconds["load"] = time.monotonic() - timer
        finally:
            engine.close()
        timer = time.monotonic()
        if options.rank:
            from kb.crawl.crawler import rank_store

            rank_store(store)
        if options.tag:
            from kb.crawl.crawler import tag_store

            tag_store(store)
        seconds["rank_tag"] = time.monotonic() - timer
        report.seconds = {k: round(v, 3) for k, v in seconds.items()}
        return report


def load(store: Store, engine, report: ExtractReport, options: ExtractOptions,
         tell: Callable[[ExtractProgress], None]) -> None:
    """Write the walk's papers and edges through the store's upserts, as one ``bulk`` run."""
    release = report.releases.get("papers")
    params = {"engine": report.engine, "releases": report.releases, "depth": options.depth,
              "min_year": options.min_year, "min_citations": options.min_citations,
              "theme": options.theme, "seeds": report.seeds}
    from kb.crawl.runs import open_run

    with store.transaction() as conn:
        report.run_id = open_run(store, "bulk", json.dumps(params, sort_keys=True))
    before = store.counts()
    progress = ExtractProgress(stage="papers")
    paper_ids: dict[int, str] = {}
    page: list[tuple] = []  # (record, depth, expanded)
    for row in engine.rows(PAPERS_SQL):
        record = paper_record(row)
        if record is None:
            continue
        page.append((record, row[-2], row[-1]))
        paper_ids[row[0]] = record.paper_id
        if len(page) >= PAPER_PAGE:
            _store_papers(store, page, report.run_id, release, progress, tell)
            page = []
    _store_papers(store, page, report.run_id, release, progress, tell)
    progress.stage = "edges"
    edges = []
    for row in engine.rows(EDGES_SQL):
        edge = edge_record(row, paper_ids)
        if edge is not None:
            edges.append(edge)
        if len(edges) >= EDGE_PAGE:
            store.upsert_edges(edges)
            progress.edges_loaded += len(edges)
            tell(progress)
            edges = []
    store.upsert_edges(edges)
    progress.edges_loaded += len(edges)
    after = store.counts()
    report.papers, report.new_papers = len(paper_ids), after["papers"] - before["papers"]
    report.new_edges = after["edges"] - before["edges"]
    report.edges = store.conn.execute(
        "SELECT count(*) FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
        "WHERE a.bulk_release IS NOT NULL AND b.bulk_release IS NOT NULL").fetchone()[0]
    with store.transaction() as conn:
        conn.execute("UPDATE crawl_run SET status = 'completed', finished_at = ?, new_papers = ?, "
                     "new_edges = ?, message = ? WHERE id = ?",
                     (utc_now(), report.new_papers, report.new_edges,
                      f"bulk release {release} via {report.engine}: {report.papers:,} papers, "
                      f"depth {options.depth}", report.run_id))


def _store_papers(store: Store, page, run_id: int, release: str | None, progress, tell) -> None:
    """One page of papers, their provenance and their place in the walk, in one transaction."""
    if not page:
        return
    now = utc_now()
    with store.transaction() as conn:
        store.upsert_papers([p for p, _, _ in page], run_id=run_id)
        conn.executemany("UPDATE paper SET bulk_release = ? WHERE paper_id = ?",
                         [(release, p.paper_id) for p, _, _ in page])
        rows = [(p.paper_id, depth, "done" if expanded else "pending", -1 if expanded else 0,
                 "seed" if depth == 0 else "bulk", now) for p, depth, expanded in page]
        # Expanded papers' lists are complete (bulk data has no 10,000 cap): a later crawl
        # does not fetch them again; the boundary stays pending for a deeper crawl.
        conn.executemany(
            "INSERT INTO crawl_state (paper, depth, status, refs_next_offset, cits_next_offset, "
            "reached_via, seeds, details_fetched, updated_at) "
            "SELECT id, ?2, ?3, ?4, ?4, ?5, CASE WHEN ?2 = 0 THEN json_array(id) ELSE '[]' END, 1, ?6 "
            "FROM paper WHERE paper_id = ?1 "
            "ON CONFLICT(paper) DO UPDATE SET depth = min(crawl_state.depth, excluded.depth), "
            "status = CASE WHEN excluded.status = 'done' THEN 'done' ELSE crawl_state.status END, "
            "refs_next_offset = CASE WHEN excluded.status = 'done' THEN -1 ELSE crawl_state.refs_next_offset END, "
            "cits_next_offset = CASE WHEN excluded.status = 'done' THEN -1 ELSE crawl_state.cits_next_offset END, "
            "details_fetched = 1, updated_at = excluded.updated_at", rows)
    progress.papers_loaded += len(page)
    tell(progress)
