"""The Semantic Scholar Academic Graph client: one connection pool, one rate limiter, one retry
policy for every request kb sends, including the ones the ``semanticscholar`` package builds.

Everything is async so that the crawler can keep several requests in flight and use the
allowed rate fully; the limiter, not the caller, decides when a request leaves. The API key
(``S2_API_KEY``) is sent as ``x-api-key`` on every request and never appears in logs or errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx

from kb.errors import ApiAuthError, ApiError, ApiRequestError, NotFoundError, UsageError
from kb.settings import Settings
from kb.sources.http import RequestBudgetSpent, ServiceClient
from kb.sources.retry import RetryPolicy
from kb.sources.s2.parse import DETAIL_FIELDS, MAX_EDGE_PAGE, NESTED_PAPER_FIELDS, PAPER_FIELDS, edge_page_limit

__all__ = ["S2Client", "RequestBudgetSpent", "BATCH_SIZE", "batch_size", "paper_path"]

GRAPH = "/graph/v1"
#: The recommendations API: same host, same key, same limits as the graph API.
RECOMMENDATIONS = "/recommendations/v1/papers"
BATCH_SIZE = 500
#: Papers per batch when their SPECTER vector is asked for too. The real API prints a vector's
#: 768 floats in full (about 16 kB of JSON a paper), so 500 papers with their records come to
#: 8-10 MB, at the 10 MB cap on a response; 250 leave room for long author lists and abstracts.
EMBEDDING_BATCH_SIZE = 250
#: What the real ``POST /paper/batch`` answers (HTTP 400) when it knows none of the ids.
NO_VALID_IDS = "No valid paper ids given"
#: The start of the 400 the real API answers when an answer would exceed 10 MB (or a batch
#: more than 9,999 nested citations): the request must be split.
TOO_LARGE = "Response would exceed maximum size"


def batch_size(fields: str) -> int:
    """Papers per ``POST /paper/batch`` for these fields (see EMBEDDING_BATCH_SIZE)."""
    return EMBEDDING_BATCH_SIZE if "embedding" in fields else BATCH_SIZE


def paper_path(paper_id: str, suffix: str = "") -> str:
    paper_id = paper_id.strip()
    if not paper_id or any(c.isspace() for c in paper_id):
        raise UsageError(f"not a paper id: {paper_id!r}")
    return f"{GRAPH}/paper/{quote(paper_id, safe=':/')}{suffix}"


class S2Client(ServiceClient):
    """Async client. Use ``async with S2Client() as client:``."""

    service = "Semantic Scholar"
    rate_limit_advice = "Semantic Scholar is rate limiting: lower KB_RATE or set S2_API_KEY"
    address_setting = "KB_S2_API_URL"
    log = logging.getLogger("kb.s2")

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        rate: float | None = None,
        burst: float = 1.0,
        policy: RetryPolicy | None = None,
        max_connections: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.settings = settings or Settings.from_env()
        headers = {"User-Agent": "kb (literature knowledge base)"}
        if self.settings.api_key:
            headers["x-api-key"] = self.settings.api_key
        super().__init__(
            base_url=self.settings.api_url, rate=rate or self.settings.requests_per_second, burst=burst,
            policy=policy or RetryPolicy(max_attempts=self.settings.max_attempts,
                                         base_delay=self.settings.backoff_base,
                                         max_delay=self.settings.backoff_cap),
            headers=headers, timeout=self.settings.timeout_seconds,
            max_connections=max_connections, transport=transport)
        # The most ids a batch request may carry: the API's 500, until an answer would have
        # exceeded its size cap (a few very long records); then the size that fitted.
        self.fitting_batch = BATCH_SIZE

    def refusal(self, status: int, response: httpx.Response, path: str) -> Exception:
        detail = _error_body(response)
        if status == 404:
            return NotFoundError(detail or f"Semantic Scholar has nothing at {path}")
        if status in (401, 403):
            return ApiAuthError(
                f"Semantic Scholar refused the request (HTTP {status} {detail or 'Forbidden'}); "
                "check S2_API_KEY")
        if status == 400:
            return ApiRequestError(f"Semantic Scholar rejected the request {path}: {detail or 'HTTP 400'}")
        return ApiError(f"Semantic Scholar answered HTTP {status} for {path}: {detail}".rstrip(": "))

    # -- endpoints ---------------------------------------------------------------------------
    async def get_paper(self, paper_id: str, fields: str = DETAIL_FIELDS) -> dict:
        return await self.request("GET", paper_path(paper_id), params={"fields": fields},
                                  validate=lambda d: isinstance(d, dict))

    async def get_papers(self, ids: Sequence[str], fields: str = DETAIL_FIELDS) -> list[dict | None]:
        """Batch lookup; the answer is aligned with ``ids`` (None for unknown ids)."""
        ids = list(ids)
        size = min(batch_size(fields), self.fitting_batch)
        chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
        answers = await asyncio.gather(*(self._batch(chunk, fields) for chunk in chunks))
        return [item for answer in answers for item in answer]

    async def _batch(self, chunk: list[str], fields: str) -> list[dict | None]:
        try:
            data = await self.request(
                "POST", f"{GRAPH}/paper/batch", params={"fields": fields}, json_body={"ids": chunk},
                validate=lambda d: isinstance(d, list) and len(d) == len(chunk))
        except ApiRequestError as exc:
            if TOO_LARGE in str(exc) and len(chunk) > 1:
                # Too big for one answer: halve it, and ask for no more than what fits from now on.
                half = (len(chunk) + 1) // 2
                self.fitting_batch = min(self.fitting_batch, half)
                self.log.info("batch of %d ids too large for one answer; splitting", len(chunk))
                first, second = await asyncio.gather(self._batch(chunk[:half], fields),
                                                     self._batch(chunk[half:], fields))
                return first + second
            if NO_VALID_IDS not in str(exc):
                raise
            return [None] * len(chunk)  # how the real API says it knows none of them
        return [item if isinstance(item, dict) else None for item in data]

    async def edge_page(self, paper_id: str, direction: str, offset: int = 0,
                        limit: int = MAX_EDGE_PAGE, fields: str | None = None) -> dict:
        """One page of a paper's ``references`` or ``citations``; the limit is clamped so that
        offset + limit stays below the API's 10000 cap."""
        if direction not in ("references", "citations"):
            raise ValueError(direction)
        from kb.sources.s2.parse import EDGE_FIELDS

        limit = edge_page_limit(offset, limit)
        if limit <= 0:
            return {"offset": offset, "data": []}
        return await self.request(
            "GET", paper_path(paper_id, f"/{direction}"),
            params={"fields": fields or EDGE_FIELDS, "offset": offset, "limit": limit},
            validate=lambda d: isinstance(d, dict) and isinstance(d.get("data", []), list))

    async def match_title(self, title: str, fields: str = PAPER_FIELDS) -> dict | None:
        """The API's best title match, or None when it has none."""
        try:
            data = await self.request(
                "GET", f"{GRAPH}/paper/search/match", params={"query": title, "fields": fields},
                validate=lambda d: isinstance(d, dict))
        except NotFoundError:
            return None
        items = data.get("data") if isinstance(data, dict) else None
        if not items or not isinstance(items[0], dict):
            return None
        return items[0]

    async def search(self, query: str, fields: str = PAPER_FIELDS, *, limit: int = 10,
                     **filters: Any) -> dict:
        """The first page of relevance search (``/paper/search``), through the
        ``semanticscholar`` package (routed through this client)."""
        sch = self.semanticscholar()
        from semanticscholar.SemanticScholarException import ObjectNotFoundException

        kwargs = {k: v for k, v in filters.items() if v is not None}
        try:
            results = await sch.search_paper(query, fields=fields.split(","), limit=limit, **kwargs)
        except ObjectNotFoundException:
            return {"total": 0, "offset": 0, "data": []}
        raw = list(results.raw_data or [])[:limit]
        answer = {"total": results.total or 0, "offset": 0, "data": raw}
        if raw and results.next:
            answer["next"] = results.next
        return answer

    async def recommended_for_paper(self, paper_id: str, fields: str, *, limit: int = 100,
                                    pool: str = "all-cs") -> list[dict]:
        """Semantic Scholar's recommendations for one paper (``pool``: ``recent`` papers only,
        or ``all-cs``), best first."""
        path = f"{RECOMMENDATIONS}/forpaper/{quote(paper_id.strip(), safe=':/')}"
        data = await self.request("GET", path, params={"fields": fields, "limit": limit, "from": pool},
                                  validate=_recommendations_shape)
        return [p for p in data["recommendedPapers"] if isinstance(p, dict)]

    async def recommended_for_lists(self, positive: Sequence[str], negative: Sequence[str] = (),
                                    fields: str = PAPER_FIELDS, *, limit: int = 100) -> list[dict]:
        """Recommendations for papers like ``positive`` and unlike ``negative``, best first."""
        data = await self.request(
            "POST", f"{RECOMMENDATIONS}/", params={"fields": fields, "limit": limit},
            json_body={"positivePaperIds": list(positive), "negativePaperIds": list(negative)},
            validate=_recommendations_shape)
        return [p for p in data["recommendedPapers"] if isinstance(p, dict)]

    async def search_authors(self, name: str, *, limit: int = 10) -> list[dict]:
        """Authors whose name holds every word of ``name`` (``/author/search``), most prolific
        first as the API orders them."""
        data = await self.request(
            "GET", f"{GRAPH}/author/search", params={"query": name, "fields": "name,paperCount", "limit": limit},
            validate=lambda d: isinstance(d, dict) and isinstance(d.get("data", []), list))
        return [a for a in data.get("data") or [] if isinstance(a, dict) and a.get("authorId")]

    async def author_papers(self, author_id: str, *, fields: str = NESTED_PAPER_FIELDS, limit: int = 500) -> list[dict]:
        """The first page of an author's papers (``/author/{id}/papers``)."""
        data = await self.request(
            "GET", f"{GRAPH}/author/{quote(author_id, safe='')}/papers", params={"fields": fields, "limit": limit},
            validate=lambda d: isinstance(d, dict) and isinstance(d.get("data", []), list))
        return [p for p in data.get("data") or [] if isinstance(p, dict) and p.get("paperId")]

    # -- the semanticscholar package, routed through this client ------------------------------
    def semanticscholar(self):
        """An ``AsyncSemanticScholar`` whose every request goes through this client's pool,
        limiter and retries (the package's own requester forgets the API key on paginated
        calls and retries 502/503 pages forever)."""
        from semanticscholar import AsyncSemanticScholar

        sch = AsyncSemanticScholar(api_url=self.settings.api_url, retry=False)
        sch._requester = _RoutedRequester(self)
        return sch


class _RoutedRequester:
    """Stands in for ``semanticscholar.ApiRequester``: same call, our transport."""

    def __init__(self, client: S2Client):
        self._client = client
        self.timeout = client.settings.timeout_seconds
        self.retry = False

    async def get_data_async(self, url: str, parameters: str, headers: dict, payload: dict | None = None):
        from semanticscholar.SemanticScholarException import ObjectNotFoundException

        base = self._client.settings.api_url
        path = url[len(base):] if url.startswith(base) else url
        params = parse_qsl(parameters.lstrip("&"), keep_blank_values=True)
        try:
            return await self._client.request("POST" if payload else "GET", path, params=params,
                                              json_body=payload)
        except NotFoundError as exc:
            raise ObjectNotFoundException(str(exc)) from None


def _recommendations_shape(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("recommendedPapers"), list)


def _error_body(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or "")
    return ""
