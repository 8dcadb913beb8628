"""The Semantic Scholar client against the stand-in over a real socket: retries, backoff,
the limiter, batching, pagination and the 10000 cap, the API key, and clear errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from kb.errors import ApiAuthError, ApiError, ApiRequestError, NotFoundError, UsageError
from kb.sources.s2.client import S2Client
from kb.sources.s2.parse import parse_edge_page
from kb.settings import Settings
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn

KEY = "sk-test-key-0123"


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(600, seed=4, hub_citers=10_200)


def settings_for(server, **extra) -> Settings:
    values = dict(api_url=server.url, requests_per_second=1000.0, timeout_seconds=2.0,
                  max_attempts=6, backoff_base=0.001, backoff_cap=0.005)
    values.update(extra)
    return Settings(**values)


def run(coro):
    return asyncio.run(coro)


def test_a_429_storm_is_ridden_out_and_slows_the_limiter(corpus):
    pid = corpus.paper_ids()[5]
    with StandIn(corpus) as server:
        server.fail_next(4, "429")

        async def go():
            async with S2Client(settings_for(server)) as client:
                paper = await client.get_paper(pid, "title")
                return paper, client

        paper, client = run(go())
        assert paper["paperId"] == pid
        assert [r.status for r in server.log] == [429, 429, 429, 429, 200]
        assert client.retries == 4 and client.limiter.throttle_events == 4
        assert client.limiter.current_rate < client.limiter.configured_rate


def test_a_504_then_success(corpus):
    pid = corpus.paper_ids()[6]
    with StandIn(corpus) as server:
        server.fail_next(1, "504")
        answer = run(_get(server, pid))
        assert answer["paperId"] == pid and [r.status for r in server.log] == [504, 200]


async def _get(server, pid, **extra):
    async with S2Client(settings_for(server, **extra)) as client:
        return await client.get_paper(pid, "title")


@pytest.mark.parametrize("fault", ["500", "502", "503", "drop", "malformed"])
def test_each_transient_fault_is_retried(corpus, fault):
    pid = corpus.paper_ids()[7]
    with StandIn(corpus) as server:
        server.fail_next(2, fault)
        assert run(_get(server, pid))["paperId"] == pid
        assert len(server.log) == 3


def test_a_slow_answer_times_out_and_is_retried(corpus):
    pid = corpus.paper_ids()[8]
    with StandIn(corpus) as server:
        server.fail_next(1, "slow", seconds=1.0)
        assert run(_get(server, pid, timeout_seconds=0.2))["paperId"] == pid


def test_attempts_are_bounded_with_a_clear_error(corpus):
    with StandIn(corpus) as server:
        server.fail_next(100, "503")
        with pytest.raises(ApiError, match=r"after 6 attempts \(last: HTTP 503\)"):
            run(_get(server, corpus.paper_ids()[1]))
        assert len(server.log) == 6


def test_only_a_success_sent_after_a_request_first_failed_proves_the_service_works(corpus):
    """The crawler sets a failing list aside (as failing alone) only when another request has
    succeeded since; a request sent before the list first failed may have been answered just
    before an outage began, so it must not count (it made an outage set lists aside)."""
    ids = corpus.paper_ids()

    async def scenario(server):
        async with S2Client(settings_for(server)) as client:
            await client.get_paper(ids[1], "title")
            sent_before = client.last_success_sent
            server.fail_next(100, "503")
            with pytest.raises(ApiError) as failed:
                await client.get_paper(ids[2], "title")
            assert failed.value.first_failure_at > sent_before  # the earlier success proves nothing
            server.set_faults(None)
            await client.get_paper(ids[3], "title")
            assert client.last_success_sent > failed.value.first_failure_at  # a later one does

    with StandIn(corpus) as server:
        run(scenario(server))


def test_backoff_waits_grow(corpus):
    with StandIn(corpus) as server:
        server.fail_next(4, "500")
        run(_get(server, corpus.paper_ids()[2], backoff_base=0.02, backoff_cap=1.0))
        starts = [r.started for r in server.log]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        # Waits are "equal jitter" (half of base * 2^(n-1) fixed): each gap's floor. Load only
        # lengthens gaps, so floors are what can be asserted; the fourth wait's floor (0.08 s)
        # is above anything the first may draw (0.02 s), so floors alone show the waits grow.
        floors = [0.02 * 2 ** n / 2 for n in range(4)]
        assert all(gap >= floor for gap, floor in zip(gaps, floors)), gaps


def test_unreachable_api_names_the_url(tmp_path):
    settings = Settings(api_url="http://127.0.0.1:9", requests_per_second=1000, max_attempts=2,
                        backoff_base=0.001, backoff_cap=0.001, timeout_seconds=1)

    async def go():
        async with S2Client(settings) as client:
            await client.get_paper("ARXIV:2111.02080")

    with pytest.raises(ApiError, match="check the network or KB_S2_API_URL"):
        run(go())


def test_not_found_bad_request_and_forbidden_are_not_retried(corpus):
    with StandIn(corpus, api_key=KEY) as server:
        async def go(key, pid, fields="title"):
            async with S2Client(settings_for(server, api_key=key)) as client:
                return await client.get_paper(pid, fields)

        with pytest.raises(ApiAuthError, match="S2_API_KEY") as info:
            run(go("wrong-key", corpus.paper_ids()[0]))
        assert "wrong-key" not in str(info.value)
        with pytest.raises(NotFoundError):
            run(go(KEY, "CorpusId:1"))
        with pytest.raises(ApiRequestError, match="Unrecognized or unsupported fields"):
            run(go(KEY, corpus.paper_ids()[0], "title,colour"))
        assert len(server.log) == 3
        with pytest.raises(UsageError):
            run(go(KEY, "two words"))


def test_limiter_holds_the_configured_rate(corpus):
    pid = corpus.paper_ids()[3]
    with StandIn(corpus, rate_limit=25) as server:
        async def go():
            async with S2Client(settings_for(server, requests_per_second=20)) as client:
                await asyncio.gather(*(client.get_paper(pid, "title") for _ in range(21)))

        started = time.monotonic()
        run(go())
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed <= 3.0
        assert server.counters.get("status:429", 0) == 0


def test_batch_chunks_by_500_and_keeps_nulls_aligned(corpus):
    ids = corpus.paper_ids()[:520]
    asked = ids[:3] + ["CorpusId:1"] + ids[3:]
    with StandIn(corpus) as server:
        async def go():
            async with S2Client(settings_for(server)) as client:
                return await client.get_papers(asked, "title,year")

        answer = run(go())
        batches = [r for r in server.log if r.path.endswith("/paper/batch")]
        assert sorted(len(r.json()["ids"]) for r in batches) == [21, 500]
        assert len(answer) == len(asked)
        assert answer[3] is None
        assert [a["paperId"] for a in answer if a] == ids


def test_pagination_to_the_last_page_and_the_offset_cap(corpus):
    hub = corpus.hub_id
    small = next(p for p in corpus.paper_ids() if 1200 < len(corpus.citations_of(p)) < 3000) \
        if any(1200 < len(corpus.citations_of(p)) < 3000 for p in corpus.paper_ids()) else None
    with StandIn(corpus) as server:
        async def read_all(pid):
            async with S2Client(settings_for(server)) as client:
                offset, edges, truncated, pages = 0, [], False, 0
                while offset is not None:
                    data = await client.edge_page(pid, "citations", offset, fields="title")
                    page = parse_edge_page(data, pid, "citations", offset=offset)
                    edges += page.edges
                    truncated |= page.truncated
                    offset = page.next_offset
                    pages += 1
                return edges, truncated, pages

        edges, truncated, pages = run(read_all(hub))
        assert truncated and pages == 10 and len(edges) == 9999
        offsets_and_limits = [(int(r.param("offset")), int(r.param("limit"))) for r in server.log]
        assert offsets_and_limits[-1] == (9000, 999)
        assert all(o + lim < 10_000 for o, lim in offsets_and_limits)
        if small:
            edges, truncated, pages = run(read_all(small))
            assert not truncated and len(edges) == len([c for c in corpus.citations_of(small) if c])


def test_the_key_is_sent_on_every_request_by_every_path(corpus):
    pid = corpus.paper_ids()[9]
    with StandIn(corpus, api_key=KEY) as server:
        async def go():
            async with S2Client(settings_for(server, api_key=KEY)) as client:
                await client.get_paper(pid, "title")
                await client.get_papers([pid, corpus.paper_ids()[10]], "title")
                await client.edge_page(pid, "references")
                await client.match_title(corpus.record(pid)["title"])
                await client.search("interpretability", limit=3)  # through the semanticscholar package
                sch = client.semanticscholar()
                await sch.get_paper(pid)

        server.fail_next(2, "503")
        run(go())
        assert len(server.log) >= 8
        assert all(r.api_key == KEY for r in server.log)


def test_title_match_miss_and_empty_search(corpus):
    with StandIn(corpus) as server:
        async def go():
            async with S2Client(settings_for(server)) as client:
                return (await client.match_title("zzqx completely unknown words vvbn"),
                        await client.search("zzqx vvbn"))

        miss, empty = run(go())
        assert miss is None and empty["data"] == [] and empty["total"] == 0


def test_requests_leave_at_their_slots_while_the_callers_loop_is_busy(corpus):
    """Issue 13: between answers the crawler parses and stores a page (60 ms of CPU for 1000
    entries) with its event loop blocked. Requests already waiting for their slot must leave
    meanwhile, from the client's own send loop, or the crawl loses that time from its rate."""
    pid = corpus.paper_ids()[7]
    with StandIn(corpus) as server:
        async def go():
            async with S2Client(settings_for(server, requests_per_second=20.0)) as client:
                answers = [asyncio.ensure_future(client.get_paper(pid, "title")) for _ in range(6)]
                await asyncio.sleep(0)  # each is queued at the limiter
                time.sleep(1.0)         # the caller's loop is busy: 6 slots at 20/s take 0.25 s
                busy_until = time.time()
                await asyncio.gather(*answers)
                return busy_until, client.limiter.summary()

        busy_until, timing = run(go())
    assert [r.started < busy_until for r in server.log] == [True] * 6
    assert timing["sends"] == 6


def test_closing_the_send_loop_ends_the_requests_still_waiting_in_it(caplog):
    """CI once printed a traceback after a refused key: one of several concurrent requests
    failed, the client closed its send loop, and a sibling still waiting there was cancelled
    afterwards through the closed loop."""
    from kb.sources.http import SendLoop

    async def scenario():
        sender = SendLoop("kb-send-test")
        waiting = asyncio.ensure_future(sender.run(asyncio.sleep(30)))
        await asyncio.sleep(0)  # the request is handed to the send loop
        sender.stop()
        done, _ = await asyncio.wait([waiting], timeout=5)
        if not done:  # what asyncio.run does to a task left over: cancel it
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
        return waiting

    with caplog.at_level("ERROR"):
        waiting = run(scenario())
    assert waiting.cancelled()
    assert not [r for r in caplog.records if "callback" in r.getMessage()], caplog.text
