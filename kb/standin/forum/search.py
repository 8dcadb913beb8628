"""The forum stand-in's full-text search: ``POST /api/search`` in the Algolia multi-query form.

No recorded real answer exists, so this is built from ForumMagnum's published code: the
request schema (``lib/search/NativeSearchClient.ts``: a list of ``{indexName, params: {query,
hitsPerPage, page, facetFilters, numericFilters}}`` or ``{options, queries}``), the answer (a
JSON list of one ``SearchResult`` per query, ``server/search/elastic/SearchResult.ts``), and the
posts index (``ElasticConfig.ts``: fields ``title^3``, ``authorDisplayName^4``, ``body``, a
karma ranking, only posts with karma >= 0). Index names are a site prefix plus ``posts``,
``comments``, ``users``, ``sequences`` or ``tags``; only posts are served, the others answer
with no hits. Matching is simpler than Elasticsearch's: words (lightly stemmed) in any of the
fields, at least two thirds of the query's words, scored by field weight and karma.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from datetime import datetime

from kb.standin.forum.corpus import ForumCorpus, ForumPost

INDEXES = ("comments", "posts", "users", "sequences", "tags")
MAX_HITS_PER_PAGE = 100
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the of in on for to with and or by as at from is are be it this that".split())


class SearchRequestError(ValueError):
    """The body does not follow the multi-query schema (the real server answers 400)."""


@functools.lru_cache(maxsize=None)
def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms_of(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


_INDEX_LOCK = threading.Lock()


def _word_set(text: str) -> set[str]:
    return {_stem(w) for w in set(_WORD.findall(text.lower())) if w not in _STOP}


def post_index(corpus: ForumCorpus) -> dict[str, dict[int, float]]:
    """word -> {post position: field weight}, built once per corpus (servers share it)."""
    with _INDEX_LOCK:
        index = getattr(corpus, "_search_index", None)
        if index is None:
            index = {}
            for i, p in enumerate(corpus.posts):
                if p.karma < 0:
                    continue
                for field_text, weight in ((p.summary, 1.0), (p.title, 3.0), (f"{p.author} {p.author_slug}", 4.0)):
                    for t in _word_set(field_text):
                        slot = index.setdefault(t, {})
                        if slot.get(i, 0.0) < weight:
                            slot[i] = weight
            corpus._search_index = index
        return index


class ForumSearch:
    def __init__(self, corpus: ForumCorpus):
        self.corpus = corpus

    def hits(self, query: str) -> list[ForumPost]:
        index = post_index(self.corpus)
        words = list(dict.fromkeys(terms_of(query)))
        if not words:
            return []
        need = max(1, math.ceil(len(words) * 2 / 3))
        n = max(1, len(self.corpus.posts))
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for w in words:
            postings = index.get(w, {})
            idf = math.log(1 + n / (1 + len(postings)))
            for i, weight in postings.items():
                scores[i] = scores.get(i, 0.0) + weight * idf
                matched[i] = matched.get(i, 0) + 1
        posts = self.corpus.posts
        ranked = [(s * (1 + 0.1 * math.log1p(max(posts[i].karma, 0))), i)
                  for i, s in scores.items() if matched[i] >= need]
        ranked.sort(key=lambda x: (-x[0], posts[x[1]]._id))
        return [posts[i] for _, i in ranked]

    def answer(self, payload) -> list[dict]:
        """One SearchResult per query of a multi-query body."""
        queries = payload.get("queries") if isinstance(payload, dict) else payload
        if not isinstance(queries, list):
            raise SearchRequestError("expected a list of queries or {options, queries}")
        return [self._one(q) for q in queries]

    def _one(self, q) -> dict:
        started = time.monotonic()
        if not isinstance(q, dict) or not isinstance(q.get("indexName"), str) or not isinstance(q.get("params"), dict):
            raise SearchRequestError("each query needs indexName and params")
        index = q["indexName"]
        params = q["params"]
        kind = next((k for k in INDEXES if index.endswith(k)), None)
        if kind is None:
            raise SearchRequestError(f"Invalid index name: {index}")
        text = params.get("query") or ""
        per_page = params.get("hitsPerPage", 20)
        page = params.get("page", 0)
        if not isinstance(text, str) or not isinstance(per_page, int) or not isinstance(page, int) \
                or per_page < 0 or page < 0:
            raise SearchRequestError("params.query must be a string, hitsPerPage and page non-negative integers")
        per_page = min(per_page, MAX_HITS_PER_PAGE)
        found = self.hits(text) if kind == "posts" else []
        found = _filter(found, params.get("facetFilters"), self.corpus)
        chunk = found[page * per_page:(page + 1) * per_page]
        return {
            "hits": [self._hit(p, text) for p in chunk],
            "nbHits": len(found),
            "page": page,
            "nbPages": math.ceil(len(found) / per_page) if per_page else 0,
            "hitsPerPage": per_page,
            "exhaustiveNbHits": True,
            "exhaustiveType": True,
            "exhaustive": {"nbHits": True, "typo": True},
            "query": text,
            "params": f"query={text}&hitsPerPage={per_page}&page={page}",
            "index": index,
            "processingTimeMS": int((time.monotonic() - started) * 1000),
            "processingTimingsMS": {"request": {"roundTrip": 0}},
            "serverTimeMS": int((time.monotonic() - started) * 1000) + 1,
        }

    def _hit(self, p: ForumPost, query: str) -> dict:
        try:
            ms = int(datetime.fromisoformat(p.posted_at.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            ms = 0
        return {
            "objectID": p._id, "_id": p._id, "userId": p.user_id, "url": None,
            "title": p.title, "slug": p.slug, "baseScore": p.karma, "status": 2, "curated": False,
            "legacy": False, "commentCount": p.comment_count, "postedAt": p.posted_at,
            "publicDateMs": ms, "isFuture": False, "isEvent": False, "viewCount": 0,
            "lastCommentedAt": p.posted_at, "draft": False, "af": p.af,
            "tags": [self.corpus.tag_ids[t] for t in p.tags],
            "authorSlug": p.author_slug, "authorDisplayName": p.author, "authorFullName": None,
            "feedName": None, "feedLink": None, "body": p.summary,
            "_snippetResult": {"body": {"value": p.summary[:200], "matchLevel": "partial"}},
            "_highlightResult": {"title": {"value": p.title, "matchLevel": "full",
                                           "matchedWords": terms_of(query)}},
        }


def _filter(posts: list[ForumPost], facet_filters, corpus: ForumCorpus) -> list[ForumPost]:
    """``facetFilters`` ([["af:true"], ["tags:ID"], ["userId:ID"]]): AND of ORs."""
    if not facet_filters:
        return posts
    if not isinstance(facet_filters, list):
        raise SearchRequestError("facetFilters must be a list of lists")
    for group in facet_filters:
        group = group if isinstance(group, list) else [group]
        wanted = [str(f).split(":", 1) for f in group if ":" in str(f)]

        def ok(p: ForumPost) -> bool:
            for key, value in wanted:
                if key == "af" and str(p.af).lower() == value.lower():
                    return True
                if key == "tags" and value in {corpus.tag_ids[t] for t in p.tags}:
                    return True
                if key == "userId" and p.user_id == value:
                    return True
                if key == "authorSlug" and p.author_slug == value:
                    return True
            return False

        posts = [p for p in posts if ok(p)]
    return posts
