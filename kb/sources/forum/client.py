"""The forum client (LessWrong / Alignment Forum, the ForumMagnum API): one connection pool, one
rate limiter, one retry policy for every request kb sends to the forum's host, through the same
request loop as the Semantic Scholar client (``kb.sources.http``): the same backoff, request
budget and quick give-up when the host does not answer.

Two endpoints: GraphQL (``POST /graphql``: ``post`` by id, ``posts`` lists by view) and full-text
search (``POST /api/search``, Algolia multi-query form), the only way to find a post by its
title. 1 request/s by default (``KB_FORUM_RATE``); the base URL is ``KB_FORUM_API_URL``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from kb.errors import ApiError, ForumApiError, ForumRequestError
from kb.settings import Settings
from kb.sources.forum.parse import POST_FIELDS
from kb.sources.http import ServiceClient
from kb.sources.retry import RetryPolicy

#: LessWrong's search index names: the site prefix "test_" plus the collection (inferred from
#: ForumMagnum's searchUtil.ts and the site's public settings).
SEARCH_INDEX = "test_posts"
PINGBACK_LIMIT = 100
POST_QUERY = ("query KbPost($id: String) { post(input: {selector: {_id: $id}, allowNull: true}) "
              "{ result { %s htmlBody } } }" % POST_FIELDS)
POSTS_QUERY = ("query KbPosts($terms: JSON) { posts(input: {terms: $terms}) "
               "{ results { %s } } }" % POST_FIELDS)


class ForumClient(ServiceClient):
    """Async client. Use ``async with ForumClient() as forum:``."""

    service = "the forum"
    rate_limit_advice = "lower KB_FORUM_RATE"
    address_setting = "KB_FORUM_API_URL"
    log = logging.getLogger("kb.forum")

    def __init__(self, settings: Settings | None = None, *, rate: float | None = None, burst: float = 1.0,
                 policy: RetryPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings or Settings.from_env()
        super().__init__(
            base_url=self.settings.forum_api_url, rate=rate or self.settings.forum_requests_per_second,
            burst=burst,
            policy=policy or RetryPolicy(max_attempts=self.settings.max_attempts,
                                         base_delay=self.settings.backoff_base,
                                         max_delay=self.settings.backoff_cap),
            headers={"User-Agent": "kb (literature knowledge base)", "Content-Type": "application/json"},
            timeout=self.settings.timeout_seconds, max_connections=4, transport=transport)

    def refusal(self, status: int, response: httpx.Response, path: str) -> Exception:
        return _refusal(status, response, path)

    def give_up_error(self, message: str) -> ApiError:
        return ForumApiError(message)

    async def post_json(self, path: str, body: Any, validate: Callable[[Any], bool]) -> Any:
        """POST one JSON body, retrying what is worth retrying; returns the parsed answer."""
        return await self.request("POST", path, json_body=body, validate=validate)

    async def graphql(self, query: str, variables: dict) -> dict:
        """The ``data`` of a GraphQL answer; an answer with errors and no data is an error."""
        answer = await self.post_json("/graphql", {"query": query, "variables": variables},
                                      lambda d: isinstance(d, dict) and ("data" in d or "errors" in d))
        data = answer.get("data")
        if not isinstance(data, dict) or (answer.get("errors") and None in data.values()):
            raise ForumApiError(f"the forum answered a GraphQL query with an error: {_first_error(answer)}")
        return data

    # -- endpoints ---------------------------------------------------------------------------
    async def post(self, forum_id: str) -> dict | None:
        """One post with its body, or None when the forum has no such post."""
        data = await self.graphql(POST_QUERY, {"id": forum_id})
        single = data.get("post")
        result = single.get("result") if isinstance(single, dict) else None
        if result is not None and not isinstance(result, dict):
            raise ForumApiError(f"the forum answered post {forum_id} in a shape kb cannot read")
        return result

    async def posts(self, terms: dict) -> list[dict]:
        """One page of a post list (``terms``: view, limit, offset, after, before, ...)."""
        data = await self.graphql(POSTS_QUERY, {"terms": terms})
        multi = data.get("posts")
        results = multi.get("results") if isinstance(multi, dict) else None
        if not isinstance(results, list):
            raise ForumApiError("the forum answered a post list in a shape kb cannot read")
        return [r for r in results if isinstance(r, dict)]

    async def pingbacks(self, forum_id: str, limit: int = PINGBACK_LIMIT) -> list[dict]:
        """Posts whose bodies link to this post (the forum's ``pingbackPosts`` view)."""
        return await self.posts({"view": "pingbackPosts", "postId": forum_id, "limit": limit})

    async def search(self, query: str, *, hits: int = 10) -> list[dict]:
        """Search hits for posts (title, author and body words)."""
        body = {"options": {"emptyStringSearchResults": "empty"},
                "queries": [{"indexName": SEARCH_INDEX, "params": {"query": query, "hitsPerPage": hits}}]}
        answer = await self.post_json("/api/search", body, lambda d: isinstance(d, list) and len(d) == 1
                                    and isinstance(d[0], dict) and isinstance(d[0].get("hits"), list))
        return [h for h in answer[0]["hits"] if isinstance(h, dict)]


@asynccontextmanager
async def open_forum(settings: Settings | None = None) -> AsyncIterator[ForumClient | None]:
    """A forum client, or None when ``KB_FORUM_API_URL=none`` turned the forum off."""
    settings = settings or Settings.from_env()
    if not settings.forum_api_url:
        yield None
        return
    async with ForumClient(settings) as forum:
        yield forum


def _first_error(answer: Any) -> str:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or "no message")[:300]
    return "no message"


def _refusal(status: int, response: httpx.Response, path: str) -> ForumApiError:
    try:
        detail = _first_error(response.json())
    except ValueError:
        detail = f"HTTP {status}"
    if status == 400:
        return ForumRequestError(f"the forum refused the request {path}: {detail}")
    return ForumApiError(f"the forum answered HTTP {status} for {path}: {detail}")
