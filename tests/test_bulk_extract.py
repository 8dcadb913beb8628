"""``kb datasets extract`` (DuckDB) and ``kb datasets update``: the seeds' neighbourhood from
bulk files, compared with a crawl of the same neighbourhood through the Graph API."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crawl_helpers import plant_seeds, run_crawl
from kb.bulk.extract import EDGE_PAGE, PAPER_PAGE, ExtractOptions, extract
from kb.bulk.update import update
from kb.crawl.crawler import CrawlBudget
from kb.settings import Settings
from kb.sources.datasets.local import LocalDatasets
from kb.sources.datasets.pull import pull
from kb.standin.corpus import default_works_files
from kb.standin.generate import generate_corpus
from kb.standin.datasets.bulk import LATEST_RELEASE, PREVIOUS_RELEASE, snapshots
from kb.standin.datasets.service import DatasetsService
from kb.standin.server import StandIn
from reliability_helpers import kb_env, run_kb

DATASETS = ["papers", "citations", "abstracts", "tldrs"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """1,300 generated papers, the seed documents' real works and 39 author-less, abstract-less
    alias works (1,469 papers, 24,652 edges): the seeds' depth-1 neighbourhood (129 papers) has
    papers without authors, abstracts or DOIs and with TLDRs, a depth-2 walk reaches about 1,200
    papers and more edges than one page of each (PAPER_PAGE, EDGE_PAGE), and the update's diff
    reaches it (test_update checks). With every real-works file (session 18) it was 2,189 papers
    and 252,494 edges, and the depth-2 extractions took most of this file's CPU."""
    works = [f for f in default_works_files() if f.name in ("seed_works.jsonl", "alias_works_s14.jsonl")]
    corpus = generate_corpus(1300, seed=11, works=works)
    service = DatasetsService(corpus, api_key="dkey")
    root = tmp_path_factory.mktemp("bulk")
    with StandIn(corpus, datasets=service) as standin:
        settings = _settings(standin.url, root / "unused.sqlite", root / "datasets")
        pull(settings, DATASETS)
        seeds = corpus.work_ids[40:42]
        yield {"corpus": corpus, "standin": standin, "service": service, "root": root,
               "settings": settings, "seeds": seeds}
    service.close()


def _settings(url, db, datasets_dir) -> Settings:
    return Settings(db_path=db, api_url=url, api_key="dkey", requests_per_second=1000,
                    backoff_base=0.001, backoff_cap=0.01, datasets_dir=datasets_dir)


def _extract(world, db, **options):
    plant_seeds(db, world["corpus"], world["seeds"])
    opts = ExtractOptions(**{"tag": False, **options})
    return extract(db, opts, settings=world["settings"])


PAPER_COLUMNS = "paper_id, corpus_id, title, year, citation_count, reference_count, authors, doi, arxiv_id, abstract"
EDGE_SQL = ("SELECT a.paper_id, b.paper_id, c.is_influential, c.intents, c.contexts FROM citation c "
            "JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited")


def _rows(db, sql):
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute(sql))
    finally:
        conn.close()


def test_extract_stores_what_a_crawl_of_the_same_neighbourhood_stores(world, tmp_path):
    api_db, bulk_db = tmp_path / "api.sqlite", tmp_path / "bulk.sqlite"
    plant_seeds(api_db, world["corpus"], world["seeds"])
    crawled = run_crawl(api_db, world["standin"].url, CrawlBudget(depth=1, max_requests=None, hub_citations=10**9))
    assert crawled.status == "completed"
    report = _extract(world, bulk_db, depth=1)
    assert report.per_hop[0] == 2 and report.expanded == 2
    papers_sql = f"SELECT {PAPER_COLUMNS} FROM paper"
    assert _rows(bulk_db, papers_sql) == _rows(api_db, papers_sql)
    assert _rows(bulk_db, EDGE_SQL) == _rows(api_db, EDGE_SQL)
    # the full records the crawl fetched by batch have the same TLDRs as the tldrs dataset
    tldr_sql = "SELECT paper_id, tldr FROM paper WHERE detail_level = 2 AND tldr IS NOT NULL"
    assert _rows(api_db, tldr_sql) <= _rows(bulk_db, "SELECT paper_id, tldr FROM paper")


def test_the_run_the_release_and_the_provenance_are_recorded(world, tmp_path):
    db = tmp_path / "kb.sqlite"
    report = _extract(world, db, depth=2)
    assert report.per_hop[2] > report.per_hop[1] > 0
    assert report.papers > PAPER_PAGE and report.edges > EDGE_PAGE  # the world's docstring
    env = kb_env(db, world["standin"].url, KB_DATASETS_DIR=str(world["root"] / "datasets"))
    runs = json.loads(run_kb("runs", "--json", env=env).stdout)
    assert runs[0]["kind"] == "bulk" and runs[0]["status"] == "completed"
    assert json.loads(runs[0]["params"])["releases"]["papers"] == LATEST_RELEASE
    assert runs[0]["new_papers"] == report.new_papers == report.papers - len(world["seeds"])
    status = json.loads(run_kb("status", "--json", env=env).stdout)
    assert status["papers_from_bulk_data"] == report.papers
    assert status["papers_from_the_api"] == 0 and status["bulk_releases"] == LATEST_RELEASE
    shown = run_kb("show", world["seeds"][0], env=env)
    assert shown.returncode == 0 and f"bulk data (release {LATEST_RELEASE})" in shown.stdout.decode()
    again = _extract(world, db, depth=2)
    assert (again.new_papers, again.new_edges) == (0, 0)


def test_filters_leave_papers_out(world, tmp_path):
    db = tmp_path / "kb.sqlite"
    _extract(world, db, depth=2, min_year=2020, min_citations=1)
    seeds = set(world["seeds"])
    rows = _rows(db, "SELECT paper_id, year, citation_count FROM paper")
    assert rows and all(pid in seeds or ((year is None or year >= 2020) and count >= 1)
                        for pid, year, count in rows)


def test_update_applies_the_diffs_and_extracts_as_the_latest(world, tmp_path):
    old_dir = tmp_path / "old"
    settings = _settings(world["standin"].url, tmp_path / "x.sqlite", old_dir)
    pull(settings, ["papers", "citations"], release=PREVIOUS_RELEASE)
    report = update(settings)
    local = LocalDatasets(old_dir)
    assert report.datasets["papers"]["to"] == LATEST_RELEASE and report.datasets["papers"]["diffs"] == 1
    assert local.release_of("citations") == LATEST_RELEASE
    updated_db, fresh_db = tmp_path / "updated.sqlite", tmp_path / "fresh.sqlite"
    plant_seeds(updated_db, world["corpus"], world["seeds"])
    extract(updated_db, ExtractOptions(depth=2, tag=False), settings=settings)
    _extract(world, fresh_db, depth=2)
    papers_sql = "SELECT paper_id, corpus_id, title, year, citation_count, authors FROM paper"
    assert _rows(updated_db, papers_sql) == _rows(fresh_db, papers_sql)
    assert _rows(updated_db, EDGE_SQL) == _rows(fresh_db, EDGE_SQL)
    # The comparisons see the diff only where it touches the walk: a paper the previous release
    # still had (withdrawn since) cites an expanded paper, and retitled papers are reached.
    previous = snapshots(world["service"].corpus)[PREVIOUS_RELEASE]
    records = world["corpus"].records_view()
    expanded = {pid for (pid,) in _rows(fresh_db, "SELECT p.paper_id FROM crawl_state s "
                                                  "JOIN paper p ON p.id = s.paper WHERE s.depth <= 1")}
    reached = {pid for (pid,) in _rows(fresh_db, "SELECT paper_id FROM paper")}
    assert {records[i]["paperId"] for w in previous.withdrawn for i in w["cites"]} & expanded, \
        "the world's diff deletes nothing the walk reaches: choose other seeds or corpus size"
    assert {records[i]["paperId"] for i in previous.retitled} & reached, "no retitled paper is reached"


def test_user_errors_are_one_line(world, tmp_path):
    env = kb_env(tmp_path / "kb.sqlite", world["standin"].url, KB_DATASETS_DIR=str(tmp_path / "none"))
    plant_seeds(tmp_path / "kb.sqlite", world["corpus"], world["seeds"])
    result = run_kb("datasets", "extract", env=env)
    assert result.returncode == 2 and b"kb datasets pull" in result.stderr
    assert result.stderr.decode().strip().count("\n") == 0
    env = kb_env(tmp_path / "empty.sqlite", world["standin"].url, KB_DATASETS_DIR=str(world["root"] / "datasets"))
    result = run_kb("datasets", "extract", "--engine", "nope", env=env)
    assert result.returncode == 2
    result = run_kb("datasets", "extract", env=env)
    assert result.returncode == 2 and b"no seeds" in result.stderr


def test_whole_graph_pagerank_matches_networkx(world):
    import duckdb
    import networkx as nx

    root = world["root"] / "datasets"
    env = kb_env(world["root"] / "pr.sqlite", world["standin"].url, KB_DATASETS_DIR=str(root))
    result = run_kb("datasets", "pagerank", "--iterations", "200", "--top", "5", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    con = duckdb.connect()
    edges = con.execute(f"SELECT citingcorpusid, citedcorpusid FROM read_parquet('{root}/parquet/citations/*.parquet') "
                        "WHERE citedcorpusid IS NOT NULL AND citingcorpusid <> citedcorpusid").fetchall()
    nodes = [n for (n,) in con.execute(f"SELECT corpusid FROM read_parquet('{root}/parquet/papers/*.parquet')").fetchall()]
    ours = dict(con.execute(f"SELECT corpusid, rank FROM read_parquet('{root}/pagerank/*.parquet')").fetchall())
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    expected = nx.pagerank(graph, alpha=0.85, tol=1e-12, max_iter=500)
    assert report["papers"] == len(nodes) and report["edges"] == graph.number_of_edges()
    assert sum(abs(ours[n] - expected[n]) for n in nodes) < 1e-6
    assert [r["corpusid"] for r in report["top"]] == sorted(expected, key=lambda n: (-expected[n], n))[:5]
