"""The Semantic Scholar stand-in: API behaviour, knobs, outages, and the generated corpus.

Every client and crawler test trusts the stand-in to behave like the real API, so each rule
it enforces (fields, id forms, limits, pagination, error bodies) and each knob (rate limit,
faults, latency, outage) has a test here that fails if the behaviour drifts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from kb.errors import UsageError
from kb.standin.corpus import Corpus, load_works, normalize_title, standin_paper_id
from kb.standin.generate import generate_corpus
from kb.standin.faults import Faults, parse_fault_rates
from kb.standin.fields import FieldsError, parse_edge_fields, parse_paper_fields
from kb.standin.server import MSG_429

ROOT = Path(__file__).resolve().parents[1]
G = "/graph/v1"
CLIENT: httpx.Client = None  # set by the module fixture below


@pytest.fixture(scope="module", autouse=True)
def client():
    """One pooled client for the module: creating an httpx client per request costs ~30 ms."""
    global CLIENT
    with httpx.Client() as CLIENT:
        yield CLIENT


def get(server, path, timeout=5.0, **params):
    return CLIENT.get(server.url + G + path, params=params or None, timeout=timeout)


def post_batch(server, ids, timeout=5.0, **params):
    return CLIENT.post(server.url + G + "/paper/batch", params=params or None, json={"ids": ids},
                       timeout=timeout)


@pytest.fixture(scope="module")
def small():
    """A small corpus this module may look at freely (never mutated)."""
    return generate_corpus(600, seed=4)


@pytest.fixture(scope="module")
def hub_corpus():
    return generate_corpus(150, seed=9, hub_citers=10_050)


def busiest(corpus, direction="citations"):
    lists = corpus._cits if direction == "citations" else corpus._refs
    return corpus.paper_id(max((i for i in range(len(lists)) if corpus.paper_id(i)),
                               key=lambda i: len(lists[i])))


# -- fields ------------------------------------------------------------------------------------

def test_default_fields_are_paper_id_and_title(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[10]
    r = get(standin, f"/paper/{pid}")
    assert r.status_code == 200
    assert r.json() == {"paperId": pid, "title": standin_corpus.record(pid)["title"]}


def test_only_requested_fields_come_back_in_api_order(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[-5]
    r = get(standin, f"/paper/{pid}", fields="year,title,citationCount,externalIds,authors.url")
    body = r.json()
    assert list(body) == ["paperId", "externalIds", "title", "year", "citationCount", "authors"]
    assert body["citationCount"] == len(standin_corpus.citations_of(pid))
    assert all(set(a) == {"authorId", "url"} for a in body["authors"])


def test_every_paper_field_is_served(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[-1]
    fields = ("paperId,corpusId,externalIds,url,title,abstract,venue,publicationVenue,year,"
              "referenceCount,citationCount,influentialCitationCount,isOpenAccess,openAccessPdf,"
              "fieldsOfStudy,s2FieldsOfStudy,publicationTypes,publicationDate,journal,"
              "citationStyles,authors,tldr,embedding,citations,references")
    body = get(standin, f"/paper/{pid}", fields=fields).json()
    assert set(body) == set(fields.split(","))
    assert body["citationStyles"]["bibtex"].startswith("@")
    assert body["embedding"]["model"] == "specter_v1" and len(body["embedding"]["vector"]) == 768
    assert [c["paperId"] for c in body["references"]] == standin_corpus.references_of(pid)[:1000]
    assert all(set(c) == {"paperId", "title"} for c in body["references"])
    nested = get(standin, f"/paper/{pid}", fields="references.year,references.authors,embedding.specter_v2").json()
    assert all(set(c) == {"paperId", "year", "authors"} for c in nested["references"])
    assert nested["embedding"]["model"] == "specter_v2"


def test_unknown_fields_are_a_400_with_the_real_message(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[0]
    r = get(standin, f"/paper/{pid}", fields="title,unknown,authors.creditCardNumber")
    assert r.status_code == 400
    assert r.json() == {"error": "Unrecognized or unsupported fields: [unknown, authors.creditCardNumber]"}
    # Like the real API, an unknown id is reported before bad fields.
    r = get(standin, "/paper/0", fields="t,i,t,l,e")
    assert r.status_code == 404 and r.json() == {"error": "Paper with id 0 not found"}


def test_edge_fields_prefixes_and_refusals():
    spec = parse_edge_fields("contexts,citingPaper.title,year,isInfluential", "citations")
    assert spec.edge_fields == ("contexts", "isInfluential")
    assert spec.paper.fields == ("paperId", "title", "year")
    for bad in ("tldr", "citations", "references", "embedding", "citedPaper.title", "abstract.x"):
        with pytest.raises(FieldsError):
            parse_edge_fields(bad, "citations")
    with pytest.raises(FieldsError, match=r"\[nope\]"):
        parse_paper_fields("title,nope")


# -- ids ---------------------------------------------------------------------------------------

def test_every_id_form_resolves_to_the_same_paper(standin, standin_corpus):
    corpus = standin_corpus
    idx = next(i for i, r in enumerate(corpus.records_view())
               if r["paperId"] and r["externalIds"].get("ArXiv") and r["externalIds"].get("DOI"))
    rec = corpus.record(idx)
    pid, ext = rec["paperId"], rec["externalIds"]
    forms = [pid, pid.upper(), f"CorpusId:{rec['corpusId']}", f"corpusid:{rec['corpusId']}",
             f"DOI:{ext['DOI']}", f"doi:{ext['DOI'].upper()}", ext["DOI"], f"ARXIV:{ext['ArXiv']}",
             f"arXiv:{ext['ArXiv']}v3", f"URL:https://arxiv.org/abs/{ext['ArXiv']}",
             f"URL:https://www.semanticscholar.org/paper/Some-Title/{pid}"]
    for form in forms:
        r = get(standin, f"/paper/{form}", fields="corpusId")
        assert r.status_code == 200, form
        assert r.json()["paperId"] == pid, form
    r = get(standin, "/paper/DOI:10.1101/2024.04.01.587366")
    assert r.status_code == 404
    assert r.json() == {"error": "Paper with id DOI:10.1101/2024.04.01.587366 not found"}


def test_real_works_are_served_under_their_derived_ids(standin):
    from kb.standin.corpus import default_works_files

    files = default_works_files() + [ROOT / "data" / "theme_labels.jsonl"]
    works = [w for f in files for w in load_works(f)]
    if not works:
        pytest.skip("no real-works files present")
    for work in works[:40]:
        pid = standin_paper_id(work)
        body = get(standin, f"/paper/{pid}", fields="title,externalIds,year").json()
        assert body["title"] == work["title"]
        if work.get("arxiv"):
            alt = get(standin, f"/paper/ARXIV:{work['arxiv']}").json()
            assert alt["paperId"] == pid


# -- batch -------------------------------------------------------------------------------------

def test_batch_is_aligned_with_the_ids_and_null_for_unknown(standin, standin_corpus):
    ids = standin_corpus.paper_ids()[:3]
    r = post_batch(standin, ["CorpusId:1", ids[0], "nonsense", ids[1].upper(), ids[2]], fields="year")
    body = r.json()
    assert r.status_code == 200 and len(body) == 5
    assert body[0] is None and body[2] is None
    assert [b["paperId"] for b in (body[1], body[3], body[4])] == ids
    assert set(body[1]) == {"paperId", "year"}


def test_batch_limits(standin, standin_corpus):
    ids = (standin_corpus.paper_ids() * 2)[:500]
    assert len(post_batch(standin, ids).json()) == 500
    r = post_batch(standin, ids + ids[:1])
    assert r.status_code == 400 and "500" in r.json()["error"]
    r = CLIENT.post(standin.url + G + "/paper/batch", json={"papers": []})
    assert r.status_code == 400 and "error" in r.json()
    r = post_batch(standin, ids[:2], fields="bogus")
    assert r.status_code == 400 and r.json()["error"] == "Unrecognized or unsupported fields: [bogus]"


# -- citations / references --------------------------------------------------------------------

def test_citation_pages_walk_to_the_last_page(standin, standin_corpus):
    corpus = standin_corpus
    pid = busiest(corpus)
    expected = corpus.citations_of(pid)
    assert len(expected) > 250
    seen, offset, pages = [], 0, 0
    while True:
        body = get(standin, f"/paper/{pid}/citations", fields="title,publicationDate,year",
                   offset=offset, limit=100).json()
        pages += 1
        assert body["offset"] == offset and "total" not in body
        seen += [d["citingPaper"]["paperId"] for d in body["data"]]
        if "next" not in body:
            break
        assert body["next"] == offset + 100
        offset = body["next"]
    assert seen == expected and pages == -(-len(expected) // 100)
    # newest first
    dates = [corpus.date_key(corpus.index_of(p)) for p in seen]
    assert dates == sorted(dates, reverse=True)


def test_edge_pages_default_limit_fields_and_bounds(standin, standin_corpus):
    pid = busiest(standin_corpus, "references")
    body = get(standin, f"/paper/{pid}/references").json()
    assert len(body["data"]) == min(100, len(standin_corpus.references_of(pid)))
    assert all(set(d) == {"citedPaper"} and set(d["citedPaper"]) == {"paperId", "title"} for d in body["data"])
    body = get(standin, f"/paper/{pid}/references", fields="contexts,intents,contextsWithIntent,isInfluential,citedPaper.year").json()
    item = body["data"][0]
    assert set(item) == {"contexts", "intents", "contextsWithIntent", "isInfluential", "citedPaper"}
    assert set(item["citedPaper"]) == {"paperId", "year"} and isinstance(item["isInfluential"], bool)
    assert [d["citedPaper"]["paperId"] for d in body["data"]] == standin_corpus.references_of(pid)[:100]
    r = get(standin, f"/paper/{pid}/references", limit=1001)
    assert r.status_code == 400 and r.json() == {"error": "'limit' must be <= 1000"}
    r = get(standin, f"/paper/{pid}/references", limit=0)
    assert r.status_code == 400 and r.json() == {"error": "Unacceptable query params: [limit=0]"}
    r = get(standin, f"/paper/{pid}/citations", fields="tldr")
    assert r.status_code == 400 and r.json() == {"error": "Unrecognized or unsupported fields: [tldr]"}
    r = get(standin, f"/paper/{pid}/references", offset=5000)
    assert r.json() == {"offset": 5000, "data": []}
    assert get(standin, "/paper/0/citations").status_code == 404


def test_the_ten_thousand_window_of_a_hub(make_standin, hub_corpus):
    hub = hub_corpus.hub_id
    assert len(hub_corpus.citations_of(hub)) == 10_050
    server = make_standin(hub_corpus)
    r = get(server, f"/paper/{hub}/citations", offset=9000, limit=1000)
    assert r.status_code == 400 and r.json() == {"error": "The sum of offset and limit must be < 10000"}
    body = get(server, f"/paper/{hub}/citations", offset=9000, limit=999).json()
    assert len(body["data"]) == 999 and body["next"] == 9999
    assert get(server, f"/paper/{hub}/citations", offset=9999, limit=1).status_code == 400
    first = get(server, f"/paper/{hub}/citations", limit=1000).json()
    assert len(first["data"]) == 1000 and first["next"] == 1000
    assert get(server, f"/paper/{hub}", fields="citationCount").json()["citationCount"] == 10_050


# -- search and match --------------------------------------------------------------------------

def test_search_ranks_by_overlap_and_pages_like_the_real_api(standin, standin_corpus):
    corpus = standin_corpus
    rec = corpus.record(corpus.paper_ids()[-30])
    body = get(standin, "/paper/search", query=rec["title"], fields="title,year", limit=5).json()
    assert body["data"][0]["paperId"] == rec["paperId"]
    assert body["offset"] == 0 and body["total"] >= 1 and len(body["data"]) <= 5
    assert set(body["data"][0]) == {"paperId", "title", "year"}
    broad = get(standin, "/paper/search", query="language models", limit=100).json()
    assert broad["total"] > 100 and broad["next"] == 100
    page2 = get(standin, "/paper/search", query="language models", offset=100, limit=100).json()
    assert {d["paperId"] for d in page2["data"]}.isdisjoint(d["paperId"] for d in broad["data"])
    year = get(standin, "/paper/search", query="language models", year="2019-2020", fields="year").json()
    assert year["total"] and all(2019 <= d["year"] <= 2020 for d in year["data"])
    assert get(standin, "/paper/search", query="zzqx qvvz xjjq").json() == {"total": 0, "offset": 0}
    r = get(standin, "/paper/search", query="language", limit=101)
    assert r.status_code == 400 and r.json() == {"error": "'limit' must be <= 100"}
    r = get(standin, "/paper/search", query="language", offset=950, limit=100)
    assert r.status_code == 400


def test_title_match_finds_close_titles_and_refuses_garbage(standin, standin_corpus):
    corpus = standin_corpus
    work = next(corpus.record(p) for p in corpus.work_ids if len(normalize_title(corpus.record(p)["title"]).split()) >= 6)
    words = work["title"].split()
    for query in (work["title"], work["title"].upper(), " ".join(words[:-1])):
        r = get(standin, "/paper/search/match", query=query, fields="title,year")
        assert r.status_code == 200, query
        (hit,) = r.json()["data"]
        assert hit["paperId"] == work["paperId"] and isinstance(hit["matchScore"], float)
        assert set(hit) == {"paperId", "title", "year", "matchScore"}
    r = get(standin, "/paper/search/match", query="askldjrq3rjaw938h")
    assert r.status_code == 404 and r.json() == {"error": "Title match not found"}


def test_paper_authors_endpoint(standin, standin_corpus):
    pid = next(p for p in standin_corpus.paper_ids() if len(standin_corpus.record(p)["authors"]) >= 3)
    body = get(standin, f"/paper/{pid}/authors", fields="name,paperCount,hIndex", limit=2).json()
    assert body["offset"] == 0 and body["next"] == 2 and len(body["data"]) == 2
    assert set(body["data"][0]) == {"authorId", "name", "paperCount", "hIndex"}


# -- auth, rate limit, log ---------------------------------------------------------------------

def test_api_key_is_enforced_and_logged(make_standin, standin_corpus):
    server = make_standin(api_key="s3cret")
    pid = standin_corpus.paper_ids()[0]
    r = get(server, f"/paper/{pid}")
    assert r.status_code == 403 and r.content == b'{"message":"Forbidden"}'
    assert r.headers["x-amzn-ErrorType"] == "ForbiddenException"
    r = CLIENT.get(f"{server.url}{G}/paper/{pid}", headers={"x-api-key": "wrong"})
    assert r.status_code == 403
    with httpx.Client(headers={"x-api-key": "s3cret"}) as client:
        for _ in range(3):
            assert client.get(f"{server.url}{G}/paper/{pid}").status_code == 200
    log = server.log
    assert [r.status for r in log] == [403, 403, 200, 200, 200]
    assert [r.api_key for r in log] == [None, "wrong", "s3cret", "s3cret", "s3cret"]
    assert [r.has_api_key for r in log] == [False, True, True, True, True]
    assert server.counters["api_key:sent"] == 3 and server.counters["api_key:missing"] == 1
    rec = log[-1]
    assert rec.method == "GET" and rec.path == f"{G}/paper/{pid}" and rec.endpoint == "paper"
    server.reset()
    assert server.log == [] and server.counters == {}


def test_rate_limit_answers_429_without_retry_after(make_standin, standin_corpus):
    server = make_standin(rate_limit=5, burst=3)
    pid = standin_corpus.paper_ids()[0]
    with httpx.Client() as client:
        statuses = [client.get(f"{server.url}{G}/paper/{pid}") for _ in range(10)]
    codes = [r.status_code for r in statuses]
    assert codes[:3] == [200, 200, 200] and 429 in codes
    limited = next(r for r in statuses if r.status_code == 429)
    assert limited.content == MSG_429 and "retry-after" not in limited.headers
    assert limited.json()["code"] == "429"
    assert server.counters["rate_limited"] == codes.count(429)
    time.sleep(0.25)  # one token refills in 0.2 s
    assert get(server, f"/paper/{pid}").status_code == 200
    server.set_rate_limit(None)
    assert all(get(server, f"/paper/{pid}").status_code == 200 for _ in range(10))


# -- faults ------------------------------------------------------------------------------------

def test_fail_next_gives_exactly_n_gateway_errors(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[0]
    standin.fail_next(3, 504)
    codes = [get(standin, f"/paper/{pid}") for _ in range(4)]
    assert [r.status_code for r in codes] == [504, 504, 504, 200]
    assert codes[0].json() == {"message": "Endpoint request timed out"}
    for status, message in ((500, "Internal server error"), (502, "Internal server error"),
                            (503, "Service Unavailable")):
        standin.fail_next(1, status)
        r = get(standin, f"/paper/{pid}")
        assert r.status_code == status and r.json() == {"message": message}
    standin.fail_next(5, 429)
    storm = [get(standin, f"/paper/{pid}") for _ in range(6)]
    assert [r.status_code for r in storm] == [429] * 5 + [200]
    assert storm[0].content == MSG_429
    assert standin.counters["faults"] == 11 and standin.counters["fault:429"] == 5


def test_scripted_faults_can_target_a_path_and_start_later(standin, standin_corpus):
    pid = busiest(standin_corpus)
    standin.fail_next(2, 503, path=r"/citations$")
    assert get(standin, f"/paper/{pid}").status_code == 200
    assert get(standin, f"/paper/{pid}/citations").status_code == 503
    assert get(standin, f"/paper/{pid}/references").status_code == 200
    assert get(standin, f"/paper/{pid}/citations").status_code == 503
    assert get(standin, f"/paper/{pid}/citations").status_code == 200
    standin.set_faults(fail_next=2, statuses=(502, 504), after=2)
    codes = [get(standin, f"/paper/{pid}").status_code for _ in range(5)]
    assert codes == [200, 200, 502, 504, 200]
    standin.fail_next(5, 500)
    standin.set_faults(None)
    assert get(standin, f"/paper/{pid}").status_code == 200 and standin.pending_faults == []


def test_dropped_connection_and_truncated_body(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[0]
    standin.fail_next(1, "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        get(standin, f"/paper/{pid}")
    standin.fail_next(1, "malformed")
    r = get(standin, f"/paper/{pid}", fields="title,abstract")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    assert get(standin, f"/paper/{pid}").status_code == 200
    assert standin.log[0].status is None and standin.counters["status:dropped"] == 1


def test_latency_can_trip_a_client_timeout(standin, standin_corpus):
    pid = standin_corpus.paper_ids()[0]
    standin.fail_next(1, "slow", seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        get(standin, f"/paper/{pid}", timeout=0.2)
    standin.set_faults(latency=0.05)
    started = time.monotonic()
    assert get(standin, f"/paper/{pid}").status_code == 200
    assert time.monotonic() - started >= 0.05
    standin.clear_faults()


def test_duplicate_and_null_edges(standin, standin_corpus):
    pid = busiest(standin_corpus)
    clean = get(standin, f"/paper/{pid}/citations", limit=20).json()["data"]
    standin.fail_next(1, "duplicate", fraction=1.0)
    doubled = get(standin, f"/paper/{pid}/citations", limit=20).json()["data"]
    assert doubled == [d for d in clean for _ in range(2)]
    standin.fail_next(1, "nullids", fraction=1.0)
    nulled = get(standin, f"/paper/{pid}/citations", fields="title", limit=20).json()["data"]
    assert len(nulled) == 20 and all(d["citingPaper"]["paperId"] is None for d in nulled)
    assert [d["citingPaper"]["title"] for d in nulled] == [d["citingPaper"]["title"] for d in clean]
    standin.set_faults(duplicate_edges=0.2, null_paper_ids=0.2, seed=1)
    noisy = get(standin, f"/paper/{pid}/citations", limit=100).json()["data"]
    assert len(noisy) > 100 or any(d["citingPaper"]["paperId"] is None for d in noisy)


def test_probabilistic_faults_are_reproducible_per_seed(make_standin, standin_corpus):
    pid = standin_corpus.paper_ids()[0]

    def run(seed):
        server = make_standin(faults=Faults(rate_503=0.3, rate_429=0.2, seed=seed))
        return [get(server, f"/paper/{pid}").status_code for _ in range(60)]

    a, b, c = run(5), run(5), run(6)
    assert a == b and a != c
    assert 5 < a.count(503) < 35 and 2 < a.count(429) < 25 and a.count(200) > 10
    shares = make_standin()
    shares.set_faults(rate=1.0, statuses=(500,), drop_share=0.5, seed=2)
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(get(shares, f"/paper/{pid}").status_code)
        except httpx.RemoteProtocolError:
            outcomes.append("drop")
    assert set(outcomes) == {500, "drop"} and shares.counters["faults"] == 20


def test_parse_fault_rates():
    faults = parse_fault_rates(["504=0.1", "drop=0.05", "0.1"], seed=3, latency=0.01)
    assert faults.rate_504 == pytest.approx(0.12) and faults.rate_429 == pytest.approx(0.02)
    assert faults.rate_drop == 0.05 and faults.seed == 3 and faults.latency == 0.01
    for bad in (["x=0.1"], ["504=2"], ["lots"], ["500=0.6", "502=0.6"]):
        with pytest.raises(UsageError):
            parse_fault_rates(bad)


# -- outage ------------------------------------------------------------------------------------

def test_stop_refuses_and_cuts_connections_and_start_reuses_the_port(make_standin, standin_corpus):
    server = make_standin()
    pid = standin_corpus.paper_ids()[0]
    port = server.port
    with httpx.Client() as client:
        assert client.get(f"{server.url}{G}/paper/{pid}").status_code == 200  # keep-alive open
        server.fail_next(1, "slow", seconds=30)
        outcome = {}

        def slow_request():
            try:
                outcome["r"] = httpx.get(f"{server.url}{G}/paper/{pid}", timeout=10)
            except httpx.HTTPError as exc:
                outcome["r"] = exc

        t = threading.Thread(target=slow_request)
        t.start()
        deadline = time.monotonic() + 5
        while len(server.log) < 1 or not server.pending_faults == []:
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        t.join(5)
        assert time.monotonic() - started < 3 and isinstance(outcome["r"], httpx.HTTPError)
        with pytest.raises(httpx.TransportError):
            client.get(f"{server.url}{G}/paper/{pid}", timeout=2)
    with pytest.raises(httpx.ConnectError):
        get(server, f"/paper/{pid}")
    server.start()
    assert server.port == port and get(server, f"/paper/{pid}").status_code == 200


def test_concurrent_clients_are_all_served_and_counted(standin, standin_corpus):
    ids = standin_corpus.paper_ids()[:50]
    errors = []

    def worker():
        with httpx.Client() as client:
            for pid in ids:
                r = client.get(f"{standin.url}{G}/paper/{pid}/citations", params={"limit": 50})
                if r.status_code != 200:
                    errors.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and standin.counters["requests"] == 300 == len(standin.log)
    assert standin.counters["endpoint:citations"] == 300


# -- corpus ------------------------------------------------------------------------------------

def test_generation_is_deterministic_per_seed():
    a, b, c = generate_corpus(400, seed=3), generate_corpus(400, seed=3), generate_corpus(400, seed=4)
    assert a.paper_ids() == b.paper_ids() and list(a.edges()) == list(b.edges())
    assert [a.record(i) for i in range(0, 400, 37)] == [b.record(i) for i in range(0, 400, 37)]
    assert a.paper_ids() != c.paper_ids()


def test_generated_graph_is_realistic(small):
    corpus = small
    n = len(corpus)
    counts = sorted((len(corpus.citations_of(p)) for p in corpus.paper_ids()), reverse=True)
    total = sum(counts)
    assert 10 * n <= total <= 30 * n                       # ~20 references per paper
    assert sum(counts[: n // 100]) > 0.08 * total             # a heavy tail ...
    assert counts[0] > 10 * counts[n // 2]                     # ... far above the median
    assert counts.count(0) > 0.05 * n                         # and papers nobody cites
    records = [corpus.record(p) for p in corpus.paper_ids()]
    assert all(1990 <= r["year"] <= 2026 for r in records)
    for citing, cited in corpus.edges():
        assert corpus.date_key(corpus.index_of(cited)) <= corpus.date_key(corpus.index_of(citing))
    assert any(r["abstract"] is None for r in records) and any(r["tldr"] for r in records)
    assert any("DOI" in r["externalIds"] for r in records) and any("ArXiv" in r["externalIds"] for r in records)
    assert any(not r["references"] for r in [{"references": corpus.references_of(p)} for p in corpus.paper_ids()])
    assert len({normalize_title(r["title"]) for r in records}) == n
    years = [r["year"] for r in records]
    assert sum(y >= 2015 for y in years) > sum(y < 2005 for y in years)  # output grows


def test_bibtex_is_parseable(small):
    import bibtexparser

    recs = [small.record(p) for p in small.paper_ids()[:40]]
    library = bibtexparser.parse_string("\n".join(r["citationStyles"]["bibtex"] for r in recs))
    assert len(library.entries) == 40 and not library.failed_blocks


def test_hub_paper(hub_corpus):
    hub = hub_corpus.hub_id
    rec = hub_corpus.record(hub)
    assert rec["citationCount"] == 10_050 and hub_corpus.index_of(hub) == 0
    assert all(hub_corpus.record(p)["year"] >= rec["year"] for p in hub_corpus.citations_of(hub)[:50])


def test_real_works_are_wired_into_the_graph(tmp_path):
    works = tmp_path / "works.jsonl"
    lines = [
        {"title": "Concrete Problems in AI Safety", "authors": ["Dario Amodei", "Chris Olah"], "year": 2016,
         "venue": "arXiv", "arxiv": "1606.06565", "doi": None, "abstract": "Five problems.", "tldr": "Five problems.",
         "publication_date": "2016-06-21", "kind": "paper"},
        {"title": "Superintelligence", "authors": ["Nick Bostrom"], "year": 2014, "kind": "book"},
        {"title": "AI safety via debate", "authors": ["Geoffrey Irving"], "year": 2018, "arxiv": "1805.00899v2",
         "kind": "paper"},
        {"title": "Risks from Learned Optimization in Advanced Machine Learning Systems", "year": 2019,
         "doi": "10.48550/ARXIV.1906.01820", "kind": "paper"},
        {"title": "An untitled essay", "year": 2020, "kind": "post"},
    ]
    works.write_text("\n".join(json.dumps(w) for w in lines) + "\n\n", encoding="utf-8")
    corpus = generate_corpus(300, seed=1, works=[works, works], work_cite_prob=1.0)
    assert len(corpus.work_ids) == 3 and len(corpus) == 303
    ids = {w["title"]: standin_paper_id(w) for w in lines if w["kind"] == "paper"}
    assert set(corpus.work_ids) == set(ids.values())
    for title, pid in ids.items():
        assert corpus.record(pid)["title"] == title
        assert len(corpus.citations_of(pid)) >= 3
        assert corpus.references_of(pid) or title.startswith("Concrete")
    assert ids["Concrete Problems in AI Safety"] in corpus.references_of(ids["AI safety via debate"])
    assert corpus.resolve("ARXIV:1805.00899") == corpus.index_of(ids["AI safety via debate"])
    assert corpus.resolve("DOI:10.48550/arxiv.1906.01820") == corpus.index_of(ids[lines[3]["title"]])
    rec = corpus.record(ids["Concrete Problems in AI Safety"])
    assert rec["tldr"] == {"model": "tldr@v2.0.0", "text": "Five problems."}
    assert rec["externalIds"]["DOI"] == "10.48550/arXiv.1606.06565" and rec["publicationDate"] == "2016-06-21"


def test_standin_paper_id_and_load_works(tmp_path):
    a = standin_paper_id({"title": "X", "arxiv": "2111.02080v2", "doi": "10.1/x"})
    assert a == standin_paper_id({"title": "Other", "arxiv": "arXiv:2111.02080"})
    assert re.fullmatch(r"[0-9a-f]{40}", a)
    assert standin_paper_id({"title": "X", "doi": "10.1/ABC"}) == standin_paper_id({"title": "Y", "doi": "10.1/abc"})
    assert standin_paper_id({"title": "Attention Is All You Need!"}) == standin_paper_id({"title": "attention is all you need"})
    assert load_works(tmp_path / "missing.jsonl") == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "kind": "paper"}\n{not json\n', encoding="utf-8")
    with pytest.raises(UsageError, match="bad.jsonl:2"):
        load_works(bad)


def test_generation_speed():
    started = time.perf_counter()
    corpus = generate_corpus(1000, seed=5)
    assert time.perf_counter() - started < 2.0 and len(corpus) == 1000


# -- mutation ----------------------------------------------------------------------------------

def test_new_citers_are_served_first_and_counts_follow(make_standin, small):
    corpus = small.copy()
    server = make_standin(corpus)
    target = busiest(corpus)
    before = get(server, f"/paper/{target}", fields="citationCount").json()["citationCount"]
    get(server, f"/paper/{target}/citations", limit=5)  # warm the render cache
    new = corpus.add_paper(title="A Fresh Look at Sparse Autoencoders", year=2026,
                           publicationDate="2026-12-30", authors=["Ada Lovelace"])
    assert corpus.add_citation(new, target) and not corpus.add_citation(new, target)
    assert get(server, f"/paper/{target}", fields="citationCount").json()["citationCount"] == before + 1
    first = get(server, f"/paper/{target}/citations", fields="title", limit=1).json()["data"][0]
    assert first["citingPaper"] == {"paperId": new, "title": "A Fresh Look at Sparse Autoencoders"}
    assert get(server, f"/paper/{new}/references").json()["data"][0]["citedPaper"]["paperId"] == target
    # upsert, stub references, verbatim edge metadata
    corpus.add_paper(paperId=new, title="A Fresher Look")
    assert get(server, f"/paper/{new}").json()["title"] == "A Fresher Look"
    stub = corpus.add_stub("Some Unresolvable Tech Report")
    corpus.add_citation(new, stub, contexts=["as shown in [3]"], intents=["result"], is_influential=True)
    refs = get(server, f"/paper/{new}/references", fields="title,contexts,isInfluential,contextsWithIntent").json()["data"]
    assert refs[-1] == {"contexts": ["as shown in [3]"], "isInfluential": True,
                        "contextsWithIntent": [{"context": "as shown in [3]", "intents": ["result"]}],
                        "citedPaper": {"paperId": None, "title": "Some Unresolvable Tech Report"}}
    assert get(server, "/paper/search/match", query="A Fresher Look").json()["data"][0]["paperId"] == new
    # the original corpus is untouched
    assert small.resolve(new) is None and len(small) == 600


def test_cli_serve_prints_one_line_and_serves(tmp_path):
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "standin", "serve", "--port", "0",
                             "--papers", "120", "--works", str(tmp_path / "none.jsonl"),
                             "--fault-rate", "504=0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)
        # 120 generated papers, plus the venue versions of a few preprints (real scale)
        assert re.search(r"\b12\d papers", line), line
        r = httpx.get(f"{url}{G}/paper/search", params={"query": "language models", "limit": 3})
        assert r.status_code == 200 and r.json()["total"] > 0
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_record_has_every_flat_field(small):
    rec = small.record(small.paper_ids()[0])
    assert {"paperId", "corpusId", "externalIds", "title", "abstract", "tldr", "year", "authors",
            "citationCount", "referenceCount", "influentialCitationCount", "citationStyles",
            "publicationDate", "openAccessPdf", "fieldsOfStudy", "publicationTypes", "url"} <= set(rec)
    assert isinstance(rec["corpusId"], int) and rec["externalIds"]["CorpusId"] == rec["corpusId"]
    assert dt.date.fromisoformat(rec["publicationDate"]) if rec["publicationDate"] else True
    assert isinstance(Corpus(), Corpus)


def test_standin_env_points_settings_at_the_stand_in(standin_env):
    from kb.settings import Settings

    settings = Settings.from_env()
    assert settings.api_url == standin_env.url and settings.requests_per_second == 1000
    assert settings.api_key is None
    r = CLIENT.get(f"{settings.api_url}/graph/v1/paper/search/match", params={"query": "zzzz qqqq"})
    assert r.status_code == 404 and standin_env.log[-1].endpoint == "match"
