"""The stand-in at the real API's scale and limits, and kb within them: the 10 MB answer cap
and the 9,999-nested-citations batch cap (with their 400s), detail batches that split when
an answer would be too large, real works with real-scale lists served lazily through the
10,000 window, fixed shares of unresolved entries, duplicates, counts that disagree with the
lists, and preprint/published duplicate records."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from crawl_helpers import fast_settings
from kb.sources.s2.client import S2Client
from kb.sources.s2.parse import DETAIL_FIELDS
from kb.standin.generate import generate_corpus
from kb.standin.server import MSG_TOO_LARGE, StandIn


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(1000, seed=5)


def test_an_answer_over_the_size_cap_is_the_documented_400(corpus):
    ids = corpus.paper_ids()[-60:]
    with StandIn(corpus, max_response_bytes=100_000) as server:
        big = httpx.post(f"{server.url}/graph/v1/paper/batch", params={"fields": DETAIL_FIELDS},
                         json={"ids": ids})
        small = httpx.post(f"{server.url}/graph/v1/paper/batch", params={"fields": "title"},
                           json={"ids": ids})
    assert big.status_code == 400 and big.json() == {"error": MSG_TOO_LARGE}
    assert small.status_code == 200 and len(small.json()) == 60


def test_a_batch_with_more_than_9999_nested_citations_is_refused(corpus):
    ids = sorted(corpus.paper_ids(), key=lambda p: -len(corpus.citations_of(p)))
    nested = lambda chosen: sum(min(len(corpus.citations_of(p)), 1000) for p in chosen)  # noqa: E731
    over = ids[:500]
    assert nested(over) > 9999
    under = ids[:3]
    with StandIn(corpus) as server:
        refused = httpx.post(f"{server.url}/graph/v1/paper/batch",
                             params={"fields": "title,citations.title"}, json={"ids": over})
        served = httpx.post(f"{server.url}/graph/v1/paper/batch",
                            params={"fields": "title,citations.title"}, json={"ids": under})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("Response would exceed maximum size")
    assert served.status_code == 200
    assert sum(len(p["citations"]) for p in served.json()) == nested(under)


def test_detail_batches_split_when_an_answer_would_be_too_large(tmp_path, corpus):
    """With embeddings a 500-paper batch weighs 8-9 MB (kb sends 250): near the cap. When an
    answer would pass it, kb halves the batch, keeps the size that fitted, and loses no record."""
    ids = corpus.paper_ids()[-200:]
    with StandIn(corpus, max_response_bytes=400_000) as server:
        async def fetch():
            async with S2Client(fast_settings(server.url, tmp_path / "kb.sqlite")) as client:
                first = await client.get_papers(ids, DETAIL_FIELDS)
                sent = client.requests_sent
                second = await client.get_papers(ids, DETAIL_FIELDS)
                return first, sent, client.requests_sent - sent, client.fitting_batch

        first, sent_first, sent_second, size = asyncio.run(fetch())
        statuses = [r.status for r in server.log]
    assert [p["paperId"] for p in first] == ids
    assert all(p["embedding"]["model"] == "specter_v2" for p in first)
    assert 400 in statuses and size < 200
    # the second time, batches are sized to fit from the start: no refused request
    assert sent_second == -(-200 // size) and statuses[sent_first:].count(400) == 0


@pytest.fixture(scope="module")
def real_scale():
    from kb.standin.corpus import default_works_files

    return generate_corpus(1500, seed=4, works=default_works_files(), real_scale=True)


def test_max_citers_caps_the_lazy_citers_and_keeps_the_rest_of_the_real_scale(real_scale):
    """tests/test_readme.py crawls a real-scale corpus whose real works have at most a few hundred
    citers: the same works, references and oddities, a fraction of the papers per request."""
    from kb.standin.corpus import default_works_files

    capped = generate_corpus(1500, seed=4, works=default_works_files(), real_scale=True, max_citers=200)
    assert capped.work_ids == real_scale.work_ids
    attention = capped.index_of("ARXIV:1706.03762")
    assert capped.list_length(attention, "citations") == 200 and capped.lazy_citers(attention) > 0
    for pid in capped.work_ids:
        i = capped.index_of(pid)
        assert capped.lazy_citers(i) <= 200 and capped.list_length(i, "references") \
            == real_scale.list_length(real_scale.index_of(pid), "references")
    from dataclasses import replace

    odd, real_odd = capped.oddities, real_scale.oddities   # the same oddities, counts above their (shorter) lists
    assert replace(odd, citation_count_above={}) == replace(real_odd, citation_count_above={})
    assert odd.citation_count_above.keys() == real_odd.citation_count_above.keys()
    for pid, served in odd.citation_count_above.items():
        assert served > capped.list_length(capped.index_of(pid), "citations")


def test_real_works_have_real_scale_counts_and_their_citers_cost_nothing_up_front(real_scale):
    corpus = real_scale
    adam = corpus.record("ARXIV:1412.6980")
    attention = corpus.record("ARXIV:1706.03762")
    # the real counts, or above them where the corpus gave the work a count above its list
    above = corpus.oddities.citation_count_above
    assert adam["citationCount"] == above.get(adam["paperId"], 190_000) >= 190_000
    assert attention["citationCount"] == above.get(attention["paperId"], 150_000) >= 150_000
    for pid, served in above.items():  # never below the list, lazy citers included
        assert served > corpus.list_length(corpus.index_of(pid), "citations")
    assert 30 <= attention["referenceCount"] <= 150
    counts = sorted(corpus.record(p)["referenceCount"] for p in corpus.work_ids)
    assert 30 <= counts[len(counts) // 2] <= 150
    # 190,000 citers exist only as a number until a page asks for some
    # (the corpus is the 1,500 generated papers and the real works, a handful more at most)
    assert len(corpus) < 1500 + len(corpus.work_ids) + 100 and not corpus._lazy_records
    # a smaller work's whole list: every generated citer and every lazy one, once each
    from kb.standin import scale

    work = next(w for w in corpus._lazy_works if 100 < corpus.list_length(w, "citations") < 2000
                and len(corpus._cits[w]) > 20)
    corpus = corpus.copy()  # an unresolved citer first: a list out of date order, as oddities make
    corpus._cits[work].insert(0, corpus.add_stub("Unpublished manuscript", year=1990))
    served = corpus._window(work, "citations", 0, corpus.list_length(work, "citations"))
    lazy = sorted(scale.split_index(j)[1] for j in served if j >= scale.LAZY_BASE)
    assert lazy == list(range(corpus.lazy_citers(work)))
    assert [j for j in served if j < scale.LAZY_BASE] == corpus._cits[work]


def test_a_hub_is_served_through_the_window_as_s2_does(real_scale):
    corpus = real_scale
    adam = corpus.record("ARXIV:1412.6980")["paperId"]
    with StandIn(corpus) as server:
        url = f"{server.url}/graph/v1/paper/{adam}/citations"
        fields = "title,publicationDate"
        last = httpx.get(url, params={"fields": fields, "offset": 8999, "limit": 1000}).json()
        again = httpx.get(url, params={"fields": fields, "offset": 8999, "limit": 1000}).json()
        beyond = httpx.get(url, params={"fields": fields, "offset": 9000, "limit": 1000})
        citer = last["data"][-1]["citingPaper"]
        alone = httpx.get(f"{server.url}/graph/v1/paper/{citer['paperId']}",
                          params={"fields": "title,corpusId,references.paperId"}).json()
        by_corpus_id = httpx.get(f"{server.url}/graph/v1/paper/CorpusId:{alone['corpusId']}").json()
    assert last == again and len(last["data"]) == 1000 and last["next"] == 9999
    titles = [d["citingPaper"]["title"] for d in last["data"] if d["citingPaper"]["paperId"] is not None]
    assert len(set(titles)) >= 0.98 * len(titles)  # a hub's citers do not share a few dozen titles
    dates = [d["citingPaper"]["publicationDate"] for d in last["data"]
             if d["citingPaper"]["paperId"] is not None]  # unresolved entries have no date
    assert dates == sorted(dates, reverse=True)
    assert 0 < 1000 - len(dates) < 20  # the recorded 0.4% of a citation list is unresolved
    assert beyond.status_code == 400
    assert beyond.json() == {"error": "The sum of offset and limit must be < 10000"}
    assert alone["title"] == citer["title"] and by_corpus_id["paperId"] == citer["paperId"]
    assert alone["references"][0]["paperId"] == adam


def test_the_crawler_flags_a_real_scale_hub_truncated(tmp_path, real_scale):
    """Against a real work with 150,000 citers: the crawl reads the window's last page,
    flags the list truncated, and stores its lazy citers like any others."""
    import sqlite3

    from crawl_helpers import crawl_last_window_page

    hub = real_scale.record("ARXIV:1706.03762")["paperId"]
    db = tmp_path / "kb.sqlite"
    with StandIn(real_scale) as server:
        report = crawl_last_window_page(db, server.url, real_scale, hub)
    with sqlite3.connect(db) as conn:
        flagged = conn.execute("SELECT cits_truncated FROM paper WHERE paper_id = ?", (hub,)).fetchone()
        citers = conn.execute("SELECT count(*) FROM citation c JOIN paper p ON p.id = c.cited "
                              "WHERE p.paper_id = ?", (hub,)).fetchone()[0]
    assert report.truncated_lists == 1 and flagged == (1,)
    assert 990 <= citers <= 1000


def test_standin_serve_with_no_options_serves_the_corpus_main_sh_uses():
    """scripts/main.sh --standin starts `kb standin serve` with only its ports (and the size,
    when KB_STANDIN_PAPERS asks): the corpus is create_standin's defaults, at real scale."""
    import inspect
    import re
    from pathlib import Path

    from kb.standin.server import DEFAULT_PAPERS, create_standin

    script = (Path(__file__).resolve().parent.parent / "scripts" / "main.sh").read_text()
    line = next(x for x in script.splitlines() if "kb standin serve" in x)
    options = set(re.findall(r"(--[a-z-]+)", line))
    assert options <= {"--port", "--forum-port", "--papers"}, line
    assert "KB_STANDIN_PAPERS:+" in line  # --papers only when the user asks
    defaults = inspect.signature(create_standin).parameters
    assert defaults["papers"].default == DEFAULT_PAPERS and defaults["seed"].default == 0
    assert defaults["real_scale"].default is True and defaults["works"].default is None


def test_the_oddities_are_fixed_properties_of_the_corpus(real_scale):
    odd = real_scale.oddities
    shares = {p: n / len(real_scale.references_of(p)) for p, n in odd.null_references.items()}
    assert any(s >= 0.3 for s in shares.values()) and any(s < 0.1 for s in shares.values())
    assert odd.duplicated and odd.reference_count_zero and odd.citation_count_above and odd.twins
    zero = odd.reference_count_zero[0]
    assert real_scale.record(zero)["referenceCount"] == 0 and len(real_scale.references_of(zero)) >= 20
    above, served = next(iter(odd.citation_count_above.items()))
    assert real_scale.record(above)["citationCount"] == served > len(real_scale.citations_of(above))
    preprint, venue = next(iter(odd.twins.items()))
    a, b = real_scale.record(preprint), real_scale.record(venue)
    assert a["title"] == b["title"] and a["paperId"] != b["paperId"]
    assert "ArXiv" in a["externalIds"] and "ArXiv" not in b["externalIds"]
    from kb.standin.corpus import default_works_files

    assert generate_corpus(1500, seed=4, works=default_works_files(), real_scale=True).oddities == odd


def test_kb_takes_the_oddities_in_its_stride(tmp_path, real_scale):
    """Unresolved entries are counted, duplicate entries stored once and counted, counts that
    disagree with the lists change nothing, and a preprint and its venue version are two
    papers that `kb status` notes share a title."""
    import json
    import sqlite3

    from crawl_helpers import plant_seeds, run_crawl
    from kb.crawl.crawler import CrawlBudget
    from reliability_helpers import kb_env, run_kb

    corpus, odd = real_scale, real_scale.oddities
    small = lambda p: len(corpus.citations_of(p)) < 900  # noqa: E731
    heavy = next(p for p, n in odd.null_references.items()
                 if n / len(corpus.references_of(p)) >= 0.3 and small(p))
    dup = next(p for p, where in odd.duplicated.items() if where == "references" and small(p))
    zero = next(p for p in odd.reference_count_zero if small(p))
    preprint, venue = next((a, b) for a, b in odd.twins.items() if small(a) and small(b))
    seeds = [heavy, dup, zero, preprint, venue]
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        report = run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None, fetch_details=False))
        status = json.loads(run_kb("status", "--json", env=kb_env(db, server.url, tmp=tmp_path)).stdout)
    assert report.status == "completed", report
    conn = sqlite3.connect(db)
    for seed in seeds:
        stored = {r[0] for r in conn.execute(
            "SELECT b.paper_id FROM citation c JOIN paper a ON a.id = c.citing "
            "JOIN paper b ON b.id = c.cited WHERE a.paper_id = ?", (seed,))}
        assert stored == {p for p in corpus.references_of(seed) if p}, seed
    without = conn.execute("SELECT refs_without_id FROM paper WHERE paper_id = ?", (heavy,)).fetchone()[0]
    conn.close()
    assert without == corpus.references_of(heavy).count(None) == odd.null_references[heavy]
    assert report.duplicate_entries >= 1
    assert status["same_title_papers"] >= 2


def test_the_benchmarks_whole_crawl_plan_is_what_the_crawler_sends(tmp_path):
    """bench/standin_proc.crawl_plan (the benchmark's 'whole crawl' figures) counts the
    requests a crawl that runs to the end sends, oddities included."""
    import sys
    from pathlib import Path

    from crawl_helpers import plant_seeds, run_crawl
    from kb.crawl.crawler import CrawlBudget

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from standin_proc import crawl_plan

    corpus = generate_corpus(600, seed=8, real_scale=True)
    seeds = sorted(corpus.paper_ids(), key=lambda p: -len(corpus.references_of(p)))[:3]
    plan = crawl_plan(corpus, seeds, depth=2, direction="refs")
    with StandIn(corpus) as server:
        plant_seeds(tmp_path / "kb.sqlite", corpus, seeds)
        report = run_crawl(tmp_path / "kb.sqlite", server.url,
                           CrawlBudget(depth=2, max_requests=None, direction="refs"))
    assert report.status == "completed"
    assert plan["requests"] <= report.requests <= 1.05 * plan["requests"] + 1, (plan, report)
    import sqlite3

    conn = sqlite3.connect(tmp_path / "kb.sqlite")
    assert conn.execute("SELECT count(*) FROM paper").fetchone()[0] == plan["papers"]
    conn.close()
