"""Shared pytest fixtures. Each helper keeps its fixtures in its own marked section."""

from __future__ import annotations

import os

import pytest

# == stand-in fixtures (stand-in helper) ========================================================
# A local Semantic Scholar stand-in (kb.standin) for every test that talks to "the API".
#
#   standin_corpus  session-scoped corpus: 1,500 generated papers + every real-works file
#                   (kb/standin/works/*.jsonl, tests/data/theme_eval.jsonl). Shared: do not
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
    theme_eval = PROJECT_ROOT / "tests" / "data" / "theme_eval.jsonl"
    if theme_eval.is_file():
        files.append(theme_eval)
    return files


@pytest.fixture(scope="session")
def standin_corpus():
    from kb.standin.corpus import generate_corpus

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


# -- long versions of the loop tests (lead) -----------------------------------------------------

def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long versions of the kill -9 and fault loops (minutes, not seconds)")


def pytest_configure(config):
    if config.getoption("--long", default=False):
        os.environ.setdefault("KB_KILL_TRIALS", "24")
        os.environ.setdefault("KB_FAULT_TRIALS", "5")
