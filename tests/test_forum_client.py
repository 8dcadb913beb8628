"""The forum client against the forum stand-in: its endpoints, its limiter and retry policy,
and one clear error for every kind of bad answer; body links classified without a request."""

from __future__ import annotations

import asyncio

import pytest

from kb.errors import ForumApiError, ForumRequestError
from kb.settings import Settings
from kb.sources.forum.client import ForumClient
from kb.sources.forum.links import body_links, classify
from kb.sources.forum.parse import parse_post
from kb.sources.retry import RetryPolicy


def settings_for(url: str) -> Settings:
    return Settings(forum_api_url=url, forum_requests_per_second=1000, max_attempts=3, backoff_base=0.01)


def run(forum_server, coro_fn, **kw):
    async def go():
        async with ForumClient(settings_for(forum_server.url), policy=RetryPolicy(3, 0.01, 0.02), **kw) as client:
            return await coro_fn(client), client
    return asyncio.run(go())


def test_post_posts_pingbacks_and_search(make_forum):
    forum = make_forum()

    async def calls(c):
        post = await c.post("LNA8mubrByG7SFacm")
        missing = await c.post("nonexistentpost01")
        new = await c.posts({"view": "alignmentForum", "limit": 5})
        backs = await c.pingbacks("vJFdjigzmcXMhNTsx")
        hits = await c.search("How likely is deceptive alignment?")
        return post, missing, new, backs, hits

    (post, missing, new, backs, hits), client = run(forum, calls)
    record = parse_post(post)
    assert record.paper_id == "FORUM:LNA8mubrByG7SFacm" and record.venue == "AI Alignment Forum"
    assert record.authors[0].name == "Charbel-Raphaël" and record.year == 2023 and record.karma == 331
    assert missing is None
    assert len(new) == 5 and all(p["af"] for p in new)
    assert backs and all(parse_post(p) for p in backs)
    assert parse_post(hits[0]).title == "How likely is deceptive alignment?"
    assert client.requests_sent == 5


def test_retries_faults_then_answers(make_forum):
    forum = make_forum()
    forum.fail_next(2, 503)
    post, client = run(forum, lambda c: c.post("LNA8mubrByG7SFacm"))
    assert post["_id"] == "LNA8mubrByG7SFacm" and client.requests_sent == 3 and client.retries == 2
    forum.fail_next(1, "malformed")
    post, client = run(forum, lambda c: c.post("LNA8mubrByG7SFacm"))
    assert post and client.retries == 1


@pytest.mark.parametrize("fault", ["503", "429", "malformed", "drop"])
def test_bad_answers_end_in_one_clear_error(make_forum, fault):
    forum = make_forum()
    forum.fail_next(10, fault)
    with pytest.raises(ForumApiError) as err:
        run(forum, lambda c: c.post("LNA8mubrByG7SFacm"))
    message = str(err.value)
    assert "\n" not in message and "the forum did not answer" in message and err.value.exit_code == 9


def test_a_refused_query_is_a_request_error(make_forum):
    forum = make_forum()
    with pytest.raises(ForumRequestError) as err:
        run(forum, lambda c: c.graphql('{ post(input: {selector: {slug: "x"}}) { result { _id } } }', {}))
    assert 'Field "slug" is not defined by type "SelectorInput".' in str(err.value)
    with pytest.raises(ForumApiError, match="Unknown view"):
        run(forum, lambda c: c.posts({"view": "nonsense"}))


def test_nothing_listening_is_one_line():
    async def go():
        async with ForumClient(settings_for("http://127.0.0.1:9"), policy=RetryPolicy(2, 0.01, 0.01)) as c:
            await c.search("x")
    with pytest.raises(ForumApiError, match="KB_FORUM_API_URL"):
        asyncio.run(go())


def test_body_links_classify_papers_and_posts():
    html = ('<p><a href="https://arxiv.org/abs/2211.00593v2">IOI</a> and <a href="https://arxiv.org/pdf/2211.00593">'
            'again</a>, <a href="https://doi.org/10.48550/arXiv.2203.15556">Chinchilla</a>, '
            '<a href="http://dx.doi.org/10.1073/pnas.2300445120">PNAS</a>, '
            '<a href="https://www.semanticscholar.org/paper/Some-Title/0123456789abcdef0123456789abcdef01234567">S2</a>, '
            '<a href="https://www.lesswrong.com/posts/vJFdjigzmcXMhNTsx/simulators">Simulators</a>, '
            '<a href="https://www.alignmentforum.org/posts/5bd75cc58225bf0670374f04/forum-digest">legacy</a>, '
            '<a href="https://www.lesswrong.com/s/abcdefghijklmnopq/p/LNA8mubrByG7SFacm">in a sequence</a>, '
            '<a href="#fn1">1</a> <a href="https://en.wikipedia.org/wiki/X">wiki</a> '
            '<a href="https://www.lesswrong.com/posts/SELFSELFSELFSELF1/me">me</a></p>')
    got = [(link.kind, link.key) for link in body_links(html, own_id="SELFSELFSELFSELF1")]
    assert got == [("paper", "ARXIV:2211.00593"), ("paper", "ARXIV:2203.15556"), ("paper", "DOI:10.1073/pnas.2300445120"),
                   ("paper", "0123456789abcdef0123456789abcdef01234567"), ("post", "vJFdjigzmcXMhNTsx"),
                   ("post", "5bd75cc58225bf0670374f04"), ("post", "LNA8mubrByG7SFacm")]
    assert classify("https://twitter.com/x") is None


def test_recorded_body_links(forum_corpus):
    import json

    from kb.standin.forum.server import RECORDED_DIR

    body = json.loads((RECORDED_DIR / "graphql_raw_response.json").read_text())["data"]["post"]["result"]["htmlBody"]
    got = [(link.kind, link.key) for link in body_links(body)]
    assert got == [("post", "j9Q8bRmwCgXRYAgcJ"), ("post", "5bd75cc58225bf0670374f04")]
