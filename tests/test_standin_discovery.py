"""The stand-in's bulk search, autocomplete, author and recommendation endpoints, the id forms
MAG:, ACL:, PMID:, PMCID:, the shared pool, and lists that always fail, over generated data."""

from __future__ import annotations

import httpx
import pytest

from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn


@pytest.fixture(scope="module")
def served():
    corpus = generate_corpus(2500, seed=4)
    with StandIn(corpus) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            yield corpus, server, http


def common_word(corpus) -> str:
    from collections import Counter

    words = Counter(w for pid in corpus.paper_ids()
                    for w in set((corpus.record(pid)["title"] or "").lower().split()) if len(w) > 4)
    return next(w for w, n in words.most_common() if 1000 < n < 2000 or n <= 1500)


def test_bulk_search_pages_by_token_1000_at_a_time_in_paper_id_order(served):
    corpus, _, http = served
    word = common_word(corpus)
    first = http.get("/graph/v1/paper/search/bulk", params={"query": word, "fields": "title", "limit": 100}).json()
    assert set(first) == {"total", "token", "data"}
    pages, token = [first], first["token"]
    while token:
        page = http.get("/graph/v1/paper/search/bulk", params={"query": word, "token": token}).json()
        pages.append(page)
        token = page["token"]
    ids = [p["paperId"] for page in pages for p in page["data"]]
    assert len(ids) == first["total"] and ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(page["data"]) == 1000 for page in pages[:-1])  # limit=100 is ignored
    desc = http.get("/graph/v1/paper/search/bulk", params={
        "query": word, "sort": "citationCount:desc", "fields": "citationCount"}).json()["data"]
    assert [p["citationCount"] for p in desc] == sorted((p["citationCount"] for p in desc), reverse=True)
    bad = http.get("/graph/v1/paper/search/bulk", params={"query": word, "token": "PCOnotours"})
    assert bad.status_code == 400


def test_autocomplete_completes_the_last_word(served):
    corpus, _, http = served
    title = corpus.record(corpus.paper_ids()[100])["title"]
    words = title.split()
    query = " ".join(words[:2]) + " " + words[2][:3] if len(words) > 2 else title[:5]
    matches = http.get("/graph/v1/paper/autocomplete", params={"query": query}).json()["matches"]
    assert matches and len(matches) <= 10
    assert set(matches[0]) == {"id", "title", "authorsYear"}
    assert corpus.paper_ids()[100] in {m["id"] for m in matches} or len(matches) == 10


def test_authors_their_papers_batch_and_search(served):
    corpus, _, http = served
    rec = corpus.record(corpus.paper_ids()[50])
    aid, name = rec["authors"][0]["authorId"], rec["authors"][0]["name"]
    one = http.get(f"/graph/v1/author/{aid}", params={"fields": "name,paperCount"}).json()
    assert one["authorId"] == aid and one["name"] == name and one["paperCount"] >= 1
    papers = http.get(f"/graph/v1/author/{aid}/papers", params={"fields": "title", "limit": 1}).json()
    assert papers["offset"] == 0 and len(papers["data"]) == 1
    assert ("next" in papers) == (one["paperCount"] > 1)
    batch = http.post("/graph/v1/author/batch", params={"fields": "name"}, json={"ids": ["0", aid]}).json()
    assert batch[0] is None and batch[1]["authorId"] == aid
    found = http.get("/graph/v1/author/search", params={"query": name, "fields": "name"}).json()
    assert aid in {a["authorId"] for a in found["data"]} and found["total"] >= 1
    missing = http.get("/graph/v1/author/0")
    assert missing.status_code == 404 and missing.json() == {"error": "Author with id 0 not found"}


DEBATE = {"title": "AI safety via debate", "authors": ["Geoffrey Irving", "Paul Christiano", "Dario Amodei"],
          "year": 2018, "arxiv": "1805.00899", "kind": "paper"}


def test_namesakes_share_the_real_authors_surnames_as_on_the_real_api():
    """A surname search answers every person of that surname, as the recorded "turing" does (59
    authors): the real author among namesakes who write other papers, some prolific; an
    author's papers come newest first, in pages."""
    corpus = generate_corpus(1500, seed=2, works=[DEBATE, dict(DEBATE, title="Scalable agent alignment via reward "
                             "modeling", authors=["Jan Leike", "David Krueger", "Paul Christiano"], arxiv="1811.07871")],
                             namesakes=True)
    assert generate_corpus(1500, seed=2, works=[DEBATE], namesakes=True).namesake_slots > 0
    with StandIn(corpus) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        found = http.get("/graph/v1/author/search", params={"query": "Irving", "fields": "name,paperCount",
                                                            "limit": 100}).json()
        names = [a["name"] for a in found["data"]]
        assert found["total"] == len(names) >= 2 and all(n.split()[-1] == "Irving" for n in names)
        assert len(set(names)) >= 2 and ("Geoffrey Irving" in names or "G. Irving" in names)
        counts = [a["paperCount"] for a in found["data"]]
        assert counts == sorted(counts, reverse=True)
        christiano = http.get("/graph/v1/author/search", params={"query": "Christiano", "fields": "name"}).json()
        paul = [a for a in christiano["data"] if a["name"] == "Paul Christiano"]
        assert paul and len(christiano["data"]) >= 2
        papers = http.get(f"/graph/v1/author/{paul[0]['authorId']}/papers",
                          params={"fields": "title,year,publicationDate", "limit": 100}).json()["data"]
        years = [p["year"] for p in papers]
        assert len(papers) >= 2 and years == sorted(years, reverse=True)
        assert {"AI safety via debate", "Scalable agent alignment via reward modeling"} & {p["title"] for p in papers}


def test_recommendations_for_a_paper_and_for_lists(served):
    corpus, _, http = served
    pid = max(corpus.paper_ids()[:500], key=lambda p: len(corpus.citations_of(p)))
    recs = http.get(f"/recommendations/v1/papers/forpaper/{pid}", params={"fields": "title", "limit": 20}).json()
    assert set(recs) == {"recommendedPapers"} and 0 < len(recs["recommendedPapers"]) <= 20
    assert pid not in {p["paperId"] for p in recs["recommendedPapers"]}
    lists = http.post("/recommendations/v1/papers/", params={"fields": "title"},
                      json={"positivePaperIds": [pid], "negativePaperIds": None}).json()
    assert lists["recommendedPapers"]
    none = http.post("/recommendations/v1/papers/", params={"fields": "title"},
                     json={"positivePaperIds": [], "negativePaperIds": [pid]})
    assert none.status_code == 400 and none.json() == {"error": "No positive paper examples given"}


@pytest.mark.parametrize("form,key", [("MAG", "MAG"), ("ACL", "ACL"), ("PMID", "PubMed"),
                                      ("PMCID", "PubMedCentral")])
def test_every_id_form_the_real_api_takes(form, key):
    corpus = generate_corpus(50, seed=1)
    pid = corpus.paper_ids()[7]
    value = {"MAG": "2963403868", "ACL": "N19-1423", "PubMed": "31415926", "PubMedCentral": "6513712"}[key]
    corpus.add_paper(paperId=pid, externalIds={**corpus.record(pid)["externalIds"], key: value})
    with StandIn(corpus) as server:
        answer = httpx.get(f"{server.url}/graph/v1/paper/{form}:{value}", params={"fields": "title"})
        unknown = httpx.get(f"{server.url}/graph/v1/paper/{form}:1")
    assert answer.status_code == 200 and answer.json()["paperId"] == pid
    assert unknown.status_code == 404


def test_a_batch_of_only_unknown_ids_is_a_400_like_the_real_api(served):
    _, _, http = served
    answer = http.post("/graph/v1/paper/batch", json={"ids": ["DOI:10.9999/none", "CorpusId:1"]})
    assert answer.status_code == 400 and answer.json() == {"error": "No valid paper ids given"}


def test_a_list_that_always_fails_and_the_shared_pool(served):
    corpus, server, http = served
    pid = corpus.paper_ids()[3]
    server.fail_list_always(pid, "citations")
    try:
        assert all(http.get(f"/graph/v1/paper/{pid}/citations").status_code == 500 for _ in range(5))
        assert http.get(f"/graph/v1/paper/{pid}/references").status_code == 200
    finally:
        server.clear_faults()
    server.set_shared_pool(1.0)
    try:
        assert http.get(f"/graph/v1/paper/{pid}").status_code == 429
    finally:
        server.set_shared_pool(None)
    assert http.get(f"/graph/v1/paper/{pid}").status_code == 200
