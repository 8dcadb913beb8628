"""The API key, through the real command line: it never appears in the store (WAL included),
the logs (also with ``-vv``), the jobs log, digests, exports, error messages or ``--json``
output: every file and every output is grepped for it, also for requests that fail (400, 403,
404, 5xx, timeouts, refused). (Escaping hostile text from the API: test_hostile_records.)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from crawl_helpers import fast_settings, plant_seeds
from kb.errors import KbError
from kb.sources.s2.client import S2Client
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from reliability_helpers import (SECRET, Zygote, check_store, copy_themes,  # noqa: F401 (a fixture)
                                 crawled_store_with_citers, kb_env, record, text)


# -- the API key -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """A stand-in that requires the key, and a working directory for everything kb writes."""
    tmp = tmp_path_factory.mktemp("secrets")
    corpus = generate_corpus(600, seed=31)
    seeds = [p for p in corpus.paper_ids() if 3 <= len(corpus.citations_of(p)) <= 20][:2]
    server = StandIn(corpus, api_key=SECRET)
    server.start()
    yield tmp, corpus, seeds, server
    server.stop()


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    """The ~45 kb processes of the main test, forked from one that imported the CLI already."""
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


def _all_bytes(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_the_api_key_never_appears_in_store_logs_exports_or_output(keyed, zygote):
    tmp, corpus, seeds, server = keyed
    db = tmp / "store" / "kb.sqlite"
    db.parent.mkdir()
    plant_seeds(db, corpus, seeds)
    (tmp / "notes.txt").write_text("We build on Toy Models of Superposition (Elhage et al., 2022).\n")
    themes = copy_themes(tmp)
    env = kb_env(db, server.url, tmp=tmp, S2_API_KEY=SECRET, KB_THEMES=str(themes))
    out = tmp / "out"
    out.mkdir()
    # Theme tagging (about 11 s of CPU a run) never sees the key: it runs once, as `kb tag auto`
    # at -vv after the build (so the job finds the tags up to date and the reads after it a
    # tagged store), not also at the end of the crawl and the build (session 18: three runs).
    commands = [
        ["-vv", "crawl", "--depth", "1", "--max-requests", "0", "--no-tag", "--json"],
        ["-vv", "seed", "add", "notes.txt", "--json"],
        ["-vv", "seed", "add", "--id", f"CorpusId:{corpus.record(seeds[0]).get('corpusId')}", "--json"],
        ["-vv", "seed", "add", "--title", "Attention Is All You Need", "--json"],
        ["-vv", "crawl", "--refresh", "--older-than", "0s", "--depth", "1", "--no-tag", "--json"],
        ["-vv", "build", "notes.txt", "--max-requests", "5", "--no-tag", "--json"],
        ["-vv", "tag", "auto", "--json"],
        ["job", "add", "nightly", "--older-than", "0s", "--digest-dir", str(tmp / "digests")],
        ["-vv", "job", "run", "nightly", "--json"], ["job", "list", "--json"],
        ["status", "--json"], ["runs", "--json"], ["search", "learning", "--json"], ["top", "--json"],
        ["show", seeds[0], "--json"], ["trail", seeds[0], "--json"], ["new", "--format", "json"],
        ["new", "--format", "md"], ["seed", "list", "--json"], ["themes", "--json"],
        ["rank", "--json"], ["list", "create", "r"], ["list", "add", "r", seeds[0]],
        ["list", "export", "r", "--format", "bib", "-o", str(out / "list.bib")],
        ["alias", "add", "Seedy", "--id", seeds[0], "--json"], ["alias", "list", "--json"],
        *[["export", "--format", f, "--limit", "0"] for f in ("md", "bib", "csl-json", "ris", "csv", "json")],
        *[["export", "--format", f, "--limit", "0", "-o", str(out / f"all.{f}")]
          for f in ("md", "bib", "csl-json", "ris", "csv", "json")],
        *[["graph", "--format", f, "--limit", "0", "-o", str(out / f"graph.{f}")] for f in ("html", "graphml", "gexf")],
        ["-vv", "seed", "add", "--id", "ARXIV:0000.00000"],  # 404
    ]
    outputs = []
    for args in commands:
        proc = zygote.run(*args, env=env, cwd=tmp)
        o, e = text(proc)
        assert "Traceback" not in e, (args, e[-1500:])
        outputs.append((args, proc.stdout + proc.stderr))
    # Failing requests: a 5xx storm, and the API refusing this very key (403).
    server.set_faults(rate_503=1.0)
    failing = [zygote.run("-vv", "crawl", "--refresh", "--older-than", "0s", "--json", env=dict(env, KB_MAX_ATTEMPTS="2"),
                      cwd=tmp)]
    server.set_faults(None)
    server.set_api_key("a-different-key")
    failing += [zygote.run("-vv", "seed", "add", "--title", "Some Paper", env=env, cwd=tmp),
                zygote.run("-vv", "crawl", "--refresh", "--older-than", "0s", "--json", env=env, cwd=tmp),
                zygote.run("-vv", "job", "run", "nightly", "--json", env=env, cwd=tmp)]
    server.set_api_key(SECRET)
    assert [p.returncode for p in failing] == [7, 8, 8, 11]
    outputs += [(p.args, p.stdout + p.stderr) for p in failing]
    counters = server.counters
    assert counters.get("api_key:sent", 0) > 5 and counters.get("api_key:missing", 0) == 0
    secret = SECRET.encode()
    leaks = [args for args, blob in outputs if secret in blob]
    files = _all_bytes(tmp)
    assert any(name.endswith("kb.sqlite") for name in files) and any(name.endswith("jobs.log") for name in files)
    leaks += [name for name, blob in files.items() if secret in blob or SECRET.encode("utf-16-le") in blob]
    assert not leaks, f"the API key leaked into: {leaks}"
    check_store(db)
    record("secrets", outputs_and_files_grepped_for_the_key=len(outputs) + len(files),
           requests_carrying_the_key=counters["api_key:sent"])


@pytest.mark.parametrize("failure", ["400", "403", "404", "500", "timeout", "refused", "drop", "malformed"])
def test_failing_requests_never_show_the_key_in_errors_or_logs(keyed, failure, caplog):
    tmp, corpus, seeds, server = keyed
    settings = fast_settings(server.url, tmp / "unused.sqlite", api_key=SECRET, max_attempts=2,
                             timeout_seconds=0.2)
    if failure == "refused":
        dead = StandIn(corpus)
        dead.start()
        dead.stop()
        settings = fast_settings(dead.url, tmp / "unused.sqlite", api_key=SECRET, max_attempts=2)
    elif failure == "403":
        server.set_api_key("a-different-key")
    elif failure in ("500", "drop", "malformed"):
        server.set_faults(**{f"rate_{failure}": 1.0})
    elif failure == "timeout":
        server.set_faults(rate_slow=1.0, slow_seconds=1.0)

    async def go():
        async with S2Client(settings) as client:
            if failure == "400":
                return await client.get_paper(seeds[0], fields="paperId,notAField")
            if failure == "404":
                return await client.get_paper("ARXIV:0000.00000")
            return await client.get_paper(seeds[0])

    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(KbError) as caught:
            asyncio.run(go())
    finally:
        server.set_api_key(SECRET)
        server.set_faults(None)
    visible = [str(caught.value), repr(caught.value), repr(settings), caplog.text]
    visible += [repr(r.__dict__) for r in caplog.records]
    assert not any(SECRET in v for v in visible), failure
    record("secrets", failing_requests_checked=1)
