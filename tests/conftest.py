"""Shared pytest fixtures, one marked section per concept: the command line, the nickname table, the stand-in,
the long loop options, reliability figures."""

from __future__ import annotations

import os

import pytest

# == the command line ===========================================================================

@pytest.fixture()
def kb_cli():
    """Runs ``kb ARGS`` in this process: tests.cli_runner.invoke (``db=PATH`` adds ``--db``)."""
    from tests.cli_runner import invoke

    return invoke


# == the nickname table ========================================================================

@pytest.fixture(scope="session")
def aliases():
    """kb's shipped nickname table alone: a user's ``aliases.user.toml`` on this machine must not
    change what the extraction tests see."""
    from pathlib import Path

    from kb.grounding.aliases import AliasTable

    return AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))


# == stand-in fixtures ========================================================
# A local Semantic Scholar stand-in (kb.standin) for every test that talks to "the API".
#
#   standin_corpus  session-scoped corpus: 1,500 generated papers + every real-works file
#                   (kb/standin/works/*.jsonl, data/theme_labels.jsonl). Shared: do not
#                   mutate it; use ``standin_corpus.copy()`` (or your own generate_corpus) with
#                   ``make_standin`` when a test adds papers or citations.
#   standin         a running StandIn over that corpus, fresh per test (empty log, no knobs).
#   standin_env     ``standin`` plus KB_S2_API_URL pointing at it and KB_RATE=1000, so code
#                   that builds Settings.from_env() talks to it without waiting.
#   make_standin    factory: make_standin(corpus=None, **knobs) -> started StandIn, stopped at
#                   teardown (knobs: rate_limit, burst, api_key, faults, port).

STANDIN_PAPERS = 1500
STANDIN_SEED = 0


def standin_works_files():
    """The real-works files every stand-in fixture corpus includes."""
    from kb.settings import PROJECT_ROOT
    from kb.standin.corpus import default_works_files

    files = list(default_works_files())
    theme_eval = PROJECT_ROOT / "data" / "theme_labels.jsonl"
    if theme_eval.is_file():
        files.append(theme_eval)
    return files


@pytest.fixture(scope="session")
def standin_corpus():
    from kb.standin.generate import generate_corpus

    return generate_corpus(STANDIN_PAPERS, seed=STANDIN_SEED, works=standin_works_files())


@pytest.fixture()
def make_standin(standin_corpus):
    from kb.standin.server import StandIn

    started = []

    def factory(corpus=None, **knobs):
        server = StandIn(standin_corpus if corpus is None else corpus, **knobs)
        server.start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture()
def standin(make_standin):
    return make_standin()


@pytest.fixture()
def standin_env(standin, monkeypatch):
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    monkeypatch.delenv("S2_API_KEY", raising=False)
    return standin

# == end of stand-in fixtures ====================================================================


# -- scheduling ---------------------------------------------------------------------------
# scripts/test.sh runs `-n 2 --dist loadfile --no-loadscope-reorder`: each file runs whole on
# one worker, so a file's module fixtures (a crawled store, a Spark session, the README's
# stand-in store) are built once, not once per worker. A run ends when its last worker does, so
# the files that take a minute or more start first, heaviest first (measured with --durations);
# the rest keep their order. test_tagging.py (45 tests, the most CPU of any file in session 12:
# 167 s, its theme-model trainings) ran wherever it fell in the list, late on one worker.

HEAVY_FILES_FIRST = (
    "test_readme.py", "test_readme_datasets.py", "test_tagging.py", "test_crawler.py", "test_concurrency.py", "test_bench_smoke.py",
    "test_bulk_spark.py", "test_secrets.py", "test_hostile_records.py", "test_bad_input.py",
    "test_reliability_faults.py", "test_pg_concurrency.py", "test_reliability_kills.py",
    "test_crawl_promises.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(HEAVY_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files stay whole


# -- long versions of the loop tests -----------------------------------------------------

def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long versions of the kill -9 and fault loops (minutes, not seconds)")


def pytest_configure(config):
    if config.getoption("--long", default=False):
        os.environ.setdefault("KB_KILL_TRIALS", "24")
        os.environ.setdefault("KB_FAULT_TRIALS", "5")


# == reliability ===========================================================
# `pytest --long` (option above) also sizes the tests/test_reliability_*.py loops:
#
#   loop                                   default   --long
#   kill -9 of `kb crawl`, then resume       2 trials  24 trials (>= 20 random moments)
#   kill -9 of `kb export/graph -o FILE`     6 kills   24 kills
#   crawls under 20% injected faults         1 trial   5 trials (different fault seeds)
#
# `long_run` tells a test which size to use. Every reliability test adds what it did (faults
# injected and survived, kills survived, bad inputs tried) to a figures file; the totals are
# printed at the end of the run as "reliability figures" (also with -n 2: workers write, the
# controller sums).

@pytest.fixture(scope="session")
def long_run(request) -> bool:
    return bool(request.config.getoption("--long", default=False))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller chose the file (inherited environment)
    import tempfile

    handle, path = tempfile.mkstemp(prefix="kb-reliability-figures-", suffix=".jsonl")
    os.close(handle)
    os.environ["KB_RELIABILITY_FIGURES"] = path
    session.config._kb_figures = path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    import json
    from collections import defaultdict

    path = getattr(config, "_kb_figures", None)
    if not path or not os.path.exists(path):
        return
    totals: dict = defaultdict(lambda: defaultdict(int))
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            section = entry.pop("section")
            for key, value in entry.items():
                totals[section][key] += value
    os.unlink(path)
    if not totals:
        return
    terminalreporter.section("reliability figures")
    for section in sorted(totals):
        figures = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(totals[section].items()))
        terminalreporter.write_line(f"{section}: {figures}")

# == end of reliability ==========================================================================


# == forum stand-in fixtures (forum helper) =====================================================
# Tests never reach the real forum: unless a test points KB_FORUM_API_URL at a forum stand-in,
# the forum source is off (as `KB_FORUM_API_URL=none` turns it off for a user).
os.environ.setdefault("KB_FORUM_API_URL", "none")

#   forum_corpus   session-scoped ForumCorpus: the real Alignment Forum posts, bodies linking
#                  into ``standin_corpus``. Do not mutate.
#   make_forum     factory: make_forum(**knobs) -> started ForumStandIn, stopped at teardown.

@pytest.fixture(scope="session")
def forum_corpus(standin_corpus):
    from kb.standin.forum.corpus import ForumCorpus, paper_targets

    return ForumCorpus.load(paper_targets(standin_corpus))


@pytest.fixture()
def make_forum(forum_corpus):
    from kb.standin.forum.server import ForumStandIn, recorded_bodies

    started = []

    def factory(**knobs):
        server = ForumStandIn(forum_corpus, recorded_html=recorded_bodies(), **knobs)
        server.start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
# == PostgreSQL backend (issue 17) ==============================================================
# Tests that take ``store_target`` run once per backend: a SQLite file, and a fresh schema in a
# throwaway PostgreSQL cluster. scripts/test.sh starts one cluster for the whole run and passes
# its URL in KB_TEST_PG; run directly, pytest starts one per worker (tests/pg_cluster.py). Only
# when no PostgreSQL server binaries exist are the PostgreSQL cases skipped, saying why.
#
#   pg_server      session: URL of the cluster's maintenance database
#   pg_database    session: URL of this worker's own database
#   pg_url         a fresh, empty schema in it, as a kb store URL (KB_DB / --db accept it)
#   store_target   parametrized: tmp_path / "kb.sqlite", then pg_url
#   new_target     session factory: new_target(backend, directory, name) -> a new empty target
#   make_target    factory: make_target(backend, name) -> a new empty store target in tmp_path

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get("KB_TEST_PG")
    if url:
        yield url
        return
    import tempfile

    import pg_cluster

    if pg_cluster.find_bindir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
                    "scripts/test.sh installs Debian's `postgresql` package")
    directory, url = pg_cluster.start(tempfile.mkdtemp(prefix="kb-pg-"))
    yield url
    pg_cluster.stop(directory)


@pytest.fixture(scope="session")
def pg_database(pg_server, worker_id):
    import psycopg

    name = f"kb_test_{worker_id}_{os.getpid()}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.rsplit("/", 1)[0] + "/" + name


_schemas = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def new_target(request):
    """Factory: new_target(backend, directory, name) -> a new, empty store target: a file in
    ``directory`` for SQLite, a fresh schema in this worker's database for PostgreSQL."""
    def factory(backend: str, directory, name: str = "kb"):
        if backend == "sqlite":
            return directory / f"{name}.sqlite"
        import psycopg

        database = request.getfixturevalue("pg_database")
        schema = f"t{next(_schemas)}_{name}"
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{database}?options=-csearch_path%3D{schema}"

    return factory


@pytest.fixture()
def make_target(tmp_path, new_target):
    return lambda backend, name="kb": new_target(backend, tmp_path, name)


@pytest.fixture()
def pg_url(make_target):
    return make_target("postgresql")


@pytest.fixture(params=BACKENDS)
def store_target(request, make_target):
    return make_target(request.param)

# == end of PostgreSQL backend ===================================================================
