"""``--engine spark``: the same conversion and extraction on Spark (local mode), giving the same
store as DuckDB. One Spark session for the module (starting one costs seconds)."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

from crawl_helpers import plant_seeds  # noqa: E402
from kb.bulk.extract import ExtractOptions, extract  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.sources.datasets.pull import pull  # noqa: E402
from kb.standin.generate import generate_corpus  # noqa: E402
from kb.standin.datasets.service import DatasetsService  # noqa: E402
from kb.standin.server import StandIn  # noqa: E402

# Columns that say when, not what.
TIMES = {"fetched_at", "added_at", "updated_at", "started_at", "finished_at", "params", "message", "computed_at"}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("kb-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1").config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    corpus = generate_corpus(250, seed=21)
    service = DatasetsService(corpus)
    root = tmp_path_factory.mktemp("spark")
    with StandIn(corpus, datasets=service) as standin:
        settings = Settings(db_path=root / "x.sqlite", api_url=standin.url, api_key="k",
                            requests_per_second=1000, datasets_dir=root / "raw")
        pull(settings, ["papers", "citations", "abstracts", "tldrs"])
    service.close()
    return corpus, root


def _table(db, name):
    conn = sqlite3.connect(db)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in TIMES]
        return sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {name}"), key=repr)
    finally:
        conn.close()


def test_spark_and_duckdb_build_the_same_store(bulk, spark, tmp_path):
    corpus, root = bulk
    seeds = corpus.paper_ids()[120:122]
    stores = {}
    for engine in ("duckdb", "spark"):
        folder = tmp_path / engine  # each engine converts the raw files itself
        shutil.copytree(root / "raw", folder)
        db = tmp_path / f"{engine}.sqlite"
        plant_seeds(db, corpus, seeds)
        settings = Settings(db_path=db, datasets_dir=folder)
        report = extract(db, ExtractOptions(depth=2, engine=engine, tag=False), settings=settings,
                         engine_options={"session": spark} if engine == "spark" else None)
        assert report.engine == engine and report.per_hop[2] > 0
        stores[engine] = db
    for table in ("paper", "citation", "author", "paper_author", "crawl_state", "paper_rank"):
        assert _table(stores["spark"], table) == _table(stores["duckdb"], table), table
