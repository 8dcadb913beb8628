"""The forum stand-in server: ``POST /graphql`` and ``POST /api/search`` on 127.0.0.1, with the
Semantic Scholar stand-in's knobs (rate limit, scripted and random faults, outages, request log).

Errors that are not GraphQL answers look like what a web host in front of a Next.js app sends
(an HTML page for 5xx, a plain 429): inferred, not recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.standin.forum.corpus import ForumCorpus, PaperTarget
from kb.standin.forum.graphql_api import ForumGraphQL
from kb.standin.forum.search import ForumSearch, SearchRequestError
from kb.standin.server import ApiAnswer, StandIn

RECORDED_DIR = Path(__file__).resolve().parent / "recorded"


def _html_error(status: int, text: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{status}</h1><p>{text}</p></body></html>".encode()


class ForumStandIn(StandIn):
    """A LessWrong / Alignment Forum API stand-in over a ``ForumCorpus``."""

    msg_429 = b'{"error":"Too many requests, please slow down."}'

    def __init__(self, corpus: ForumCorpus, *, recorded_html: dict[str, str] | None = None, **knobs):
        super().__init__(None, **knobs)
        self.forum = corpus
        self.graphql = ForumGraphQL(corpus, recorded_html)
        self.search = ForumSearch(corpus)

    @staticmethod
    def endpoint_name(method: str, path: str) -> str:
        return {"/graphql": "graphql", "/api/search": "search"}.get(path.rstrip("/"), "other")

    @staticmethod
    def gateway_error(status: int) -> tuple:
        text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}[status]
        return status, _html_error(status, text), "text/html; charset=utf-8", []

    def _route(self, method, path, query, body, decision):
        path = path.rstrip("/")
        if path not in ("/graphql", "/api/search"):
            return 404, _html_error(404, "This page could not be found."), []
        if method != "POST":
            raise ApiAnswer(405, "Method not allowed")
        if path == "/graphql":
            status, out = self.graphql.answer(body)
            return status, json.dumps(out).encode(), []
        try:
            payload = json.loads(body or b"null")
            results = self.search.answer(payload)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiAnswer(400, "Invalid JSON body") from None
        except SearchRequestError as exc:
            raise ApiAnswer(400, str(exc)) from None
        return 200, json.dumps(results).encode(), []


def recorded_bodies() -> dict[str, str]:
    """The real ``htmlBody`` of recorded posts, served instead of a generated one."""
    path = RECORDED_DIR / "graphql_raw_response.json"
    try:
        post = json.loads(path.read_text(encoding="utf-8"))["data"]["post"]["result"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {post["_id"]: post["htmlBody"]}


def create_forum_standin(papers: list[PaperTarget] | None = None, *, seed: int = 0, port: int = 0,
                         host: str = "127.0.0.1", rate_limit: float | None = None, faults=None) -> ForumStandIn:
    """The forum stand-in as ``kb standin serve`` runs it (not started), linking to ``papers``."""
    corpus = ForumCorpus.load(papers, seed=seed)
    return ForumStandIn(corpus, recorded_html=recorded_bodies(), port=port, host=host,
                        rate_limit=rate_limit, faults=faults)
