"""``--engine spark``: the same SQL on Spark (local mode) gives the same store, the same Parquet
tables and the same PageRank as DuckDB. One Spark session for the module (starting one costs
seconds), and as few Spark jobs as the checks allow: each costs a second even on tiny data."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

from crawl_helpers import plant_seeds  # noqa: E402
from kb.bulk.convert import convert  # noqa: E402
from kb.bulk.engines import open_engine  # noqa: E402
from kb.bulk.extract import ExtractOptions, extract  # noqa: E402
from kb.bulk.pagerank import pagerank  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.sources.datasets.local import LocalDatasets  # noqa: E402
from kb.sources.datasets.pull import pull  # noqa: E402
from kb.standin.generate import generate_corpus  # noqa: E402
from kb.standin.datasets.service import DatasetsService  # noqa: E402
from kb.standin.server import StandIn  # noqa: E402

# Columns that say when, not what.
TIMES = {"fetched_at", "added_at", "updated_at", "started_at", "finished_at", "params", "message", "computed_at"}
DATASETS = ["papers", "citations", "abstracts", "tldrs"]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("kb-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.adaptive.enabled", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    """Raw files of a small release, and the same converted to Parquet by DuckDB."""
    corpus = generate_corpus(250, seed=21)
    service = DatasetsService(corpus)
    root = tmp_path_factory.mktemp("spark")
    with StandIn(corpus, datasets=service) as standin:
        settings = Settings(db_path=root / "x.sqlite", api_url=standin.url, api_key="k",
                            requests_per_second=1000, datasets_dir=root / "raw")
        pull(settings, DATASETS)
    service.close()
    shutil.copytree(root / "raw", root / "converted")
    local = LocalDatasets(root / "converted")
    engine = open_engine("duckdb")
    for name in DATASETS:
        convert(engine, local, name)
    engine.close()
    return corpus, root


def _table(db, name):
    conn = sqlite3.connect(db)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in TIMES]
        return sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {name}"), key=repr)
    finally:
        conn.close()


def _engine(name, spark):
    return open_engine(name, **({"session": spark} if name == "spark" else {}))


def test_spark_extraction_builds_the_same_store_as_duckdb(bulk, spark, tmp_path):
    corpus, root = bulk
    seeds = corpus.paper_ids()[120:122]
    stores = {}
    for name in ("duckdb", "spark"):
        db = tmp_path / f"{name}.sqlite"
        plant_seeds(db, corpus, seeds)
        report = extract(db, ExtractOptions(depth=2, engine=name, tag=False),
                         settings=Settings(db_path=db, datasets_dir=root / "converted"),
                         engine_options={"session": spark} if name == "spark" else None)
        assert report.engine == name and report.per_hop[2] > 0
        stores[name] = db
    for table in ("paper", "citation", "author", "paper_author", "crawl_state", "paper_rank"):
        assert _table(stores["spark"], table) == _table(stores["duckdb"], table), table


def test_spark_converts_to_the_same_parquet_tables(bulk, spark, tmp_path):
    import duckdb

    _, root = bulk
    shutil.copytree(root / "raw", tmp_path / "spark")
    local = LocalDatasets(tmp_path / "spark")
    engine = _engine("spark", spark)
    converted = {name: convert(engine, local, name).rows for name in ("papers", "tldrs")}
    con = duckdb.connect()
    for name, rows in converted.items():
        ours = con.execute(f"SELECT * FROM read_parquet('{tmp_path}/spark/parquet/{name}/*.parquet') "
                           "ORDER BY corpusid").fetchall()
        theirs = con.execute(f"SELECT * FROM read_parquet('{root}/converted/parquet/{name}/*.parquet') "
                             "ORDER BY corpusid").fetchall()
        assert rows == len(theirs) > 0
        # nested fields are JSON text: the same values, whatever the spacing each engine keeps
        assert [_normal(r) for r in ours] == [_normal(r) for r in theirs], name


def _normal(row):
    import json

    out = []
    for value in row:
        if isinstance(value, str) and value[:1] in ("[", "{"):
            value = json.loads(value)
        out.append(value)
    return out


def test_spark_pagerank_equals_duckdb(bulk, spark, tmp_path):
    _, root = bulk
    ranks = {}
    for name in ("duckdb", "spark"):
        shutil.copytree(root / "converted", tmp_path / name)
        engine = _engine(name, spark)
        try:
            report = pagerank(engine, LocalDatasets(tmp_path / name), iterations=2, top=5)
        finally:
            engine.close()
        ranks[name] = [(r["corpusid"], r["pagerank"]) for r in report.top]
    assert [c for c, _ in ranks["spark"]] == [c for c, _ in ranks["duckdb"]]
    assert all(abs(a[1] - b[1]) < 1e-12 for a, b in zip(ranks["spark"], ranks["duckdb"]))
