"""The forum stand-in's GraphQL API: the part of ForumMagnum's schema kb uses, executed by
graphql-core (the Python port of graphql-js, which ForumMagnum runs), so that a query the real
server would refuse is refused here with the same message, location and status.

Recorded (``tests/data/forum/``): the ``post(input: {selector: {_id}})`` answer shape, and the
HTTP 400 ``GRAPHQL_VALIDATION_FAILED`` body for a ``slug`` selector. Built from the published
schema and views (ForumMagnum ``packages/lesswrong/lib/collections/posts/views.ts``, the generated
GraphQL schema): ``posts(input: {terms: {...}})`` with the views ``new``, ``old``, ``top``,
``alignmentForum``, ``tagRelevance``, ``userPosts`` and ``pingbackPosts`` (posts that link to
``postId``, karma above 0, best first), ``limit`` at most 1000, ``offset`` at most
``MAX_OFFSET``. Inferred: the error text for a missing post, an unknown view or a too large
offset.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLScalarType,
    build_schema,
    graphql_sync,
    parse,
    validate,
)

from kb.standin.forum.corpus import ForumCorpus, ForumPost, slugify

MAX_LIMIT = 1000
MAX_OFFSET = 2000
VIEWS = ("new", "old", "top", "alignmentForum", "tagRelevance", "userPosts", "pingbackPosts")

SDL = """
scalar JSON
scalar Date

type Query {
  post(input: SinglePostInput): SinglePostOutput
  posts(input: MultiPostInput): MultiPostOutput
}

input SelectorInput {
  _id: String
  documentId: String
}

input SinglePostInput {
  selector: SelectorInput
  resolverArgs: JSON
  allowNull: Boolean
}

input MultiPostInput {
  terms: JSON
  resolverArgs: JSON
  enableTotal: Boolean
  enableCache: Boolean
}

type SinglePostOutput {
  result: Post
}

type MultiPostOutput {
  results: [Post!]!
  totalCount: Int
}

type Revision {
  html: String
  wordCount: Int
  plaintextDescription: String
}

type User {
  _id: String
  username: String
  displayName: String
  slug: String
  karma: Int
}

type Tag {
  _id: String
  name: String
  slug: String
}

type Post {
  _id: String
  slug: String
  title: String
  pageUrl: String
  postedAt: Date
  baseScore: Int
  score: Float
  voteCount: Int
  commentCount: Int
  af: Boolean
  afBaseScore: Int
  wordCount: Int
  url: String
  htmlBody: String
  contents: Revision
  user: User
  userId: String
  coauthors: [User]
  tags: [Tag]
  pingbacks: JSON
}
"""


class PostView:
    """One post as GraphQL fields; the body is generated only when a query asks for it."""

    def __init__(self, corpus: ForumCorpus, post: ForumPost, recorded_html: dict[str, str]):
        self._corpus = corpus
        self._post = post
        self._recorded_html = recorded_html
        p = post
        self._id = p._id
        self.slug = p.slug
        self.title = p.title
        self.pageUrl = p.page_url or f"https://www.lesswrong.com/posts/{p._id}/{p.slug}"
        self.postedAt = p.posted_at
        self.baseScore = p.karma
        self.score = round(p.karma / 100.0, 6)
        self.voteCount = p.vote_count
        self.commentCount = p.comment_count
        self.af = p.af
        self.afBaseScore = p.karma if p.af else 0
        self.wordCount = p.word_count
        self.url = None
        self.userId = p.user_id
        self.coauthors: list = []

    @property
    def htmlBody(self) -> str:
        return self._recorded_html.get(self._id) or self._corpus.html_body(self._post)

    @property
    def contents(self) -> dict:
        body = self.htmlBody
        return {"html": body, "wordCount": self._post.word_count,
                "plaintextDescription": self._post.summary}

    @property
    def user(self) -> dict:
        p = self._post
        return {"_id": p.user_id, "username": p.author.replace(" ", "_"), "displayName": p.author,
                "slug": p.author_slug, "karma": None}

    @property
    def tags(self) -> list[dict]:
        return [{"_id": self._corpus.tag_ids[t], "name": t, "slug": slugify(t)} for t in self._post.tags]

    @property
    def pingbacks(self) -> dict:
        return {"Posts": [o._id for o in self._corpus.links_of(self._post)[1]], "Users": []}


def _parse_json_literal(node, variables=None):
    from graphql.utilities import value_from_ast_untyped

    return value_from_ast_untyped(node, variables)


def _date(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


class ForumGraphQL:
    """Executes GraphQL requests against a ``ForumCorpus``."""

    def __init__(self, corpus: ForumCorpus, recorded_html: dict[str, str] | None = None):
        self.corpus = corpus
        self.recorded_html = recorded_html or {}
        schema = build_schema(SDL)
        json_type = schema.type_map["JSON"]
        assert isinstance(json_type, GraphQLScalarType)
        json_type.parse_literal = _parse_json_literal
        json_type.serialize = lambda v: v
        json_type.parse_value = lambda v: v
        date_type = schema.type_map["Date"]
        date_type.serialize = _date
        schema.query_type.fields["post"].resolve = self._resolve_post
        schema.query_type.fields["posts"].resolve = self._resolve_posts
        self.schema = schema

    # -- HTTP-level answer -------------------------------------------------------------------

    def answer(self, body: bytes) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one POST /graphql body."""
        try:
            payload = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return 400, _errors([{"message": "POST body sent invalid JSON."}], "BAD_REQUEST")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, _errors([{"message": "GraphQL operations must contain a non-empty `query` "
                                             "or a `persistedQuery` extension."}], "BAD_REQUEST")
        variables = payload.get("variables") or {}
        try:
            document = parse(payload["query"])
        except GraphQLError as exc:
            return 400, _errors([exc.formatted], "GRAPHQL_PARSE_FAILED")
        problems = validate(self.schema, document)
        if problems:
            return 400, _errors([e.formatted for e in problems], "GRAPHQL_VALIDATION_FAILED")
        result = graphql_sync(self.schema, payload["query"], variable_values=variables,
                              operation_name=payload.get("operationName"))
        out: dict[str, Any] = {}
        if result.errors:
            out["errors"] = [dict(e.formatted, extensions={"code": "INTERNAL_SERVER_ERROR"})
                             for e in result.errors]
            if result.data is None:
                return 400, out
        out["data"] = result.data
        return 200, out

    # -- resolvers ---------------------------------------------------------------------------

    def _view(self, post: ForumPost) -> PostView:
        return PostView(self.corpus, post, self.recorded_html)

    def _resolve_post(self, _root, _info, input: dict | None = None):  # noqa: A002 - schema name
        selector = (input or {}).get("selector") or {}
        pid = selector.get("_id") or selector.get("documentId")
        post = self.corpus.by_id.get(pid) if pid else None
        if post is None:
            if (input or {}).get("allowNull"):
                return {"result": None}
            raise GraphQLError("app.missing_document")
        return {"result": self._view(post)}

    def _resolve_posts(self, _root, _info, input: dict | None = None):  # noqa: A002
        terms = (input or {}).get("terms") or {}
        if not isinstance(terms, dict):
            raise GraphQLError("terms must be an object")
        posts = select_posts(self.corpus, terms)
        offset = _term_int(terms, "offset", 0)
        limit = _term_int(terms, "limit", 20)
        if limit > MAX_LIMIT:
            raise GraphQLError(f"Exceeded maximum value for limit: {MAX_LIMIT}")
        if offset > MAX_OFFSET:
            raise GraphQLError(f"Exceeded maximum value for offset: {MAX_OFFSET}; page by date "
                               "(after/before) instead")
        page = posts[offset:offset + limit]
        out: dict[str, Any] = {"results": [self._view(p) for p in page]}
        if (input or {}).get("enableTotal"):
            out["totalCount"] = len(posts)
        return out


def _term_int(terms: dict, name: str, default: int) -> int:
    value = terms.get(name, default)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise GraphQLError(f"terms.{name} must be a number") from None
    if value < 0:
        raise GraphQLError(f"terms.{name} must not be negative")
    return value


def _day(value: Any, name: str) -> str:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc) \
            .strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise GraphQLError(f"terms.{name} is not a date: {value!r}") from None


def select_posts(corpus: ForumCorpus, terms: dict) -> list[ForumPost]:
    """The posts a ``terms`` object selects, in the view's order."""
    view = terms.get("view") or "new"
    if view not in VIEWS:
        raise GraphQLError(f"Unknown view: {view}")
    posts = corpus.posts
    if view == "pingbackPosts":
        ids = set(corpus.pingbacks(str(terms.get("postId") or "")))
        posts = [p for p in posts if p._id in ids and p.karma > 0]
    if view == "alignmentForum" or terms.get("af"):
        posts = [p for p in posts if p.af]
    if terms.get("userId"):
        posts = [p for p in posts if p.user_id == terms["userId"]]
    elif view == "userPosts":
        raise GraphQLError("the userPosts view needs terms.userId")
    if terms.get("tagId"):
        names = {n for n, tid in corpus.tag_ids.items() if tid == terms["tagId"]}
        posts = [p for p in posts if names.intersection(p.tags)]
    elif view == "tagRelevance":
        raise GraphQLError("the tagRelevance view needs terms.tagId")
    if terms.get("karmaThreshold") is not None:
        threshold = _term_int(terms, "karmaThreshold", 0)
        posts = [p for p in posts if p.karma >= threshold]
    if terms.get("after"):
        after = _day(terms["after"], "after")
        posts = [p for p in posts if p.posted_at[:19] >= after]
    if terms.get("before"):
        before = _day(terms["before"], "before")
        posts = [p for p in posts if p.posted_at[:19] < before]
    if view in ("top", "tagRelevance", "pingbackPosts"):
        return sorted(posts, key=lambda p: (-p.karma, p._id))
    if view == "old":
        return list(posts)
    return list(reversed(posts))


def _errors(errors: list[dict], code: str) -> dict:
    """graphql-core quotes names with ' where graphql-js (ForumMagnum's server) uses \"."""
    return {"errors": [dict(e, message=_QUOTED.sub(r'"\1"', e["message"]), extensions={"code": code})
                       for e in errors]}


_QUOTED = re.compile(r"'([^'\s]*)'")
