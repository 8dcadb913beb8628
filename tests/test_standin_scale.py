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
    """With embeddings a 500-paper batch weighs 8-9 MB: near the cap. When an answer would
    pass it, kb halves the batch, keeps the size that fitted, and loses no record."""
    ids = corpus.paper_ids()[-200:]
    with StandIn(corpus, max_response_bytes=400_000) as server:
        async def fetch():
            async with S2Client(fast_settings(server.url, tmp_path / "kb.sqlite")) as client:
                first = await client.get_papers(ids, DETAIL_FIELDS)
                sent = client.requests_sent
                second = await client.get_papers(ids, DETAIL_FIELDS)
                return first, sent, client.requests_sent - sent, client.batch_size

        first, sent_first, sent_second, size = asyncio.run(fetch())
        statuses = [r.status for r in server.log]
    assert [p["paperId"] for p in first] == ids
    assert all(p["embedding"]["model"] == "specter_v2" for p in first)
    assert 400 in statuses and size < 200
    # the second time, batches are sized to fit from the start: no refused request
    assert sent_second == -(-200 // size) and statuses[sent_first:].count(400) == 0
