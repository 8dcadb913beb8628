"""The stand-in's endpoints beyond one paper's graph: bulk search, title autocomplete, authors
and recommendations, with the shapes of the recorded real answers (see README.md in this
folder for what is recorded and what is inferred).

Each function takes the corpus and the parsed request and returns ``(status, body bytes)``;
errors are raised as ``ApiAnswer`` exactly like the paper endpoints in ``server.py``.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from kb.standin.corpus import Corpus, normalize_title
from kb.standin.fields import FieldsError, parse_author_fields, parse_paper_fields

#: Recorded: /paper/search/bulk answers 1000 papers per page whatever ``limit`` says.
BULK_PAGE = 1000
#: Recorded: /author/{id}/papers pages (limit up to 1000 per the API documentation).
AUTHOR_PAPERS_MAX_LIMIT = 1000
AUTHOR_BATCH_MAX_IDS = 1000
RECOMMENDATIONS_DEFAULT = 100
RECOMMENDATIONS_MAX = 500
AUTOCOMPLETE_MATCHES = 10


class ApiAnswer(Exception):
    """An error answer (status and ``{"error": ...}`` body); ``server.ApiAnswer`` is this."""

    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status = status
        self.body = (json.dumps({"error": error}, separators=(",", ":")) + "\n").encode()


def _json(obj: Any) -> bytes:
    return (json.dumps(obj) + "\n").encode()


def _paper_spec(raw: str | None):
    try:
        return parse_paper_fields(raw)
    except FieldsError as exc:
        raise ApiAnswer(400, str(exc)) from None


def _author_fields(raw: str | None):
    try:
        return parse_author_fields(raw)
    except FieldsError as exc:
        raise ApiAnswer(400, str(exc)) from None


def _int(raw: str | None, name: str, default: int, minimum: int = 0) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiAnswer(400, f"Unacceptable query params: [{name}={raw}]") from None
    if value < minimum:
        raise ApiAnswer(400, f"Unacceptable query params: [{name}={raw}]")
    return value


def batch_ids(body: bytes, kind: str, most: int) -> list:
    """The ``ids`` of a POST batch body, or the API's 400 for a body it cannot use."""
    try:
        payload = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiAnswer(400, "Unable to parse the request body as JSON") from None
    ids = payload.get("ids") if isinstance(payload, dict) else None
    if not isinstance(ids, list):
        raise ApiAnswer(400, f'Missing required field: "ids" (a list of {kind} ids)')
    if len(ids) > most:
        raise ApiAnswer(400, f"Cannot process more than {most} {kind} ids at a time")
    return ids


# -- bulk search ---------------------------------------------------------------------------

def _token(query: str, sort: str, offset: int) -> str:
    """Opaque, like the real base32 tokens ("PCO..."), and tied to its query and order."""
    raw = json.dumps([query, sort, offset]).encode()
    return "PCO" + base64.b32encode(raw).decode().rstrip("=")


def _untoken(token: str, query: str, sort: str) -> int:
    try:
        body = token[3:] + "=" * (-len(token[3:]) % 8)
        q, s, offset = json.loads(base64.b32decode(body))
    except Exception:  # any token we did not make
        raise ApiAnswer(400, "Invalid token") from None
    if q != query or s != sort or not isinstance(offset, int):
        raise ApiAnswer(400, "Invalid token")
    return offset


_SORTABLE = {"paperId", "publicationDate", "citationCount"}


def bulk_search(corpus: Corpus, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /graph/v1/paper/search/bulk``: every match, 1000 per page, in paperId order or
    ``sort=field[:asc|desc]``, paged by an opaque ``token`` (null on the last page)."""
    query = params.get("query")
    if query is None:
        raise ApiAnswer(400, "Missing required parameter: 'query'")
    spec = _paper_spec(params.get("fields"))
    sort = params.get("sort") or "paperId"
    field, _, order = sort.partition(":")
    if field not in _SORTABLE or order not in ("", "asc", "desc"):
        raise ApiAnswer(400, f"Unacceptable query params: [sort={sort}]")
    filters = {k: v for k, v in params.items() if k in (
        "year", "publicationDateOrYear", "venue", "fieldsOfStudy", "publicationTypes",
        "openAccessPdf", "minCitationCount")}
    hits = corpus.search(query, filters) if query.strip() else []

    def key(idx: int):
        if field == "citationCount":
            return (corpus.count(idx, "citationCount"), corpus.paper_id(idx))
        if field == "publicationDate":
            return (corpus.date_key(idx), corpus.paper_id(idx))
        return corpus.paper_id(idx)

    hits = sorted(hits, key=key, reverse=order == "desc")
    offset = _untoken(params["token"], query, sort) if params.get("token") else 0
    page = hits[offset:offset + BULK_PAGE]
    nxt = offset + BULK_PAGE
    token = _token(query, sort, nxt) if nxt < len(hits) else None
    items = ", ".join(corpus.render(i, spec) for i in page)
    head = f'{{"total": {len(hits)}, "token": {json.dumps(token)}, "data": ['
    return 200, (head + items + "]}\n").encode()


# -- autocomplete --------------------------------------------------------------------------

def autocomplete(corpus: Corpus, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /graph/v1/paper/autocomplete``: up to 10 titles completing the query (the API
    documentation's shape; no recording exists): ``{"matches": [{id, title, authorsYear}]}``."""
    query = params.get("query")
    if query is None:
        raise ApiAnswer(400, "Missing required parameter: 'query'")
    words = normalize_title(query[:100]).split()
    matches = []
    if words:
        *whole, last = words
        for rec in corpus.records_view():
            if rec.get("paperId") is None:
                continue
            title_words = normalize_title(rec.get("title") or "").split()
            if all(w in title_words for w in whole) and any(t.startswith(last) for t in title_words):
                matches.append(rec)
        matches.sort(key=lambda r: (-corpus.count(corpus.resolve(r["paperId"]), "citationCount"),
                                    r["paperId"]))
    out = []
    for rec in matches[:AUTOCOMPLETE_MATCHES]:
        authors = rec.get("authors") or []
        lead = (authors[0]["name"].split()[-1] if authors and authors[0].get("name") else "")
        who = f"{lead} et al." if len(authors) > 2 else " and ".join(
            a["name"].split()[-1] for a in authors if a.get("name"))
        year = rec.get("year")
        out.append({"id": rec["paperId"], "title": rec.get("title") or "",
                    "authorsYear": ", ".join(x for x in (who, str(year) if year else "") if x)})
    return 200, _json({"matches": out})


# -- authors -------------------------------------------------------------------------------

class AuthorIndex:
    """authorId -> (the author's record as papers list it, the papers' indexes), built once
    per corpus version."""

    def __init__(self, corpus: Corpus):
        self.version = corpus.version
        self.authors: dict[str, dict] = {}
        self.papers: dict[str, list[int]] = {}
        for idx, rec in enumerate(corpus.records_view()):
            if rec.get("paperId") is None:
                continue
            for a in rec.get("authors") or []:
                aid = a.get("authorId")
                if aid:
                    self.authors.setdefault(aid, a)
                    self.papers.setdefault(aid, []).append(idx)


_index_lock = threading.Lock()
_indexes: dict[int, AuthorIndex] = {}


def author_index(corpus: Corpus) -> AuthorIndex:
    with _index_lock:
        index = _indexes.get(id(corpus))
        if index is None or index.version != corpus.version:
            index = _indexes[id(corpus)] = AuthorIndex(corpus)
        return index


def _author(corpus: Corpus, index: AuthorIndex, aid: str, fields) -> dict:
    return corpus.author_obj(index.authors[aid], fields)


def author(corpus: Corpus, author_id: str, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /graph/v1/author/{id}``."""
    index = author_index(corpus)
    if author_id not in index.authors:  # recorded: an unknown id is a 404 before bad fields
        raise ApiAnswer(404, f"Author with id {author_id} not found")
    fields = _author_fields(params.get("fields"))
    return 200, _json(_author(corpus, index, author_id, fields))


def author_papers(corpus: Corpus, author_id: str, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /graph/v1/author/{id}/papers``: offset/limit pages like the edge lists."""
    index = author_index(corpus)
    if author_id not in index.authors:
        raise ApiAnswer(404, f"Author with id {author_id} not found")
    spec = _paper_spec(params.get("fields"))
    offset = _int(params.get("offset"), "offset", 0)
    limit = _int(params.get("limit"), "limit", 100, minimum=1)
    if limit > AUTHOR_PAPERS_MAX_LIMIT:
        raise ApiAnswer(400, f"'limit' must be <= {AUTHOR_PAPERS_MAX_LIMIT}")
    # newest first, as the recorded lists are (A. Turing's 60 papers, author 1723755's 875)
    papers = sorted(index.papers[author_id], key=lambda i: (-corpus.date_key(i), corpus.paper_id(i)))
    page = papers[offset:offset + limit]
    head = f'{{"offset": {offset}, '
    if offset + limit < len(papers):
        head += f'"next": {offset + limit}, '
    return 200, (head + '"data": [' + ", ".join(corpus.render(i, spec) for i in page) + "]}\n").encode()


def author_batch(corpus: Corpus, params: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """``POST /graph/v1/author/batch``: aligned with the ids, null for unknown ones."""
    index = author_index(corpus)
    fields = _author_fields(params.get("fields"))
    ids = batch_ids(body, "author", AUTHOR_BATCH_MAX_IDS)
    return 200, _json([_author(corpus, index, str(a), fields) if str(a) in index.authors else None
                       for a in ids])


def author_search(corpus: Corpus, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /graph/v1/author/search``: authors whose name holds every query word."""
    query = params.get("query")
    if query is None:
        raise ApiAnswer(400, "Missing required parameter: 'query'")
    index = author_index(corpus)
    fields = _author_fields(params.get("fields"))
    offset = _int(params.get("offset"), "offset", 0)
    limit = _int(params.get("limit"), "limit", 100, minimum=1)
    if limit > AUTHOR_PAPERS_MAX_LIMIT:
        raise ApiAnswer(400, f"'limit' must be <= {AUTHOR_PAPERS_MAX_LIMIT}")
    words = normalize_title(query).split()
    hits = sorted((aid for aid, a in index.authors.items()
                   if words and all(w in normalize_title(a.get("name") or "").split() for w in words)),
                  key=lambda aid: (-len(index.papers[aid]), aid))
    out: dict[str, Any] = {"total": len(hits), "offset": offset}
    if offset + limit < len(hits):
        out["next"] = offset + limit
    out["data"] = [_author(corpus, index, aid, fields) for aid in hits[offset:offset + limit]]
    return 200, _json(out)


# -- recommendations -----------------------------------------------------------------------

def _neighbours(corpus: Corpus, idx: int) -> list[int]:
    return corpus.neighbour_indexes(idx)


def _recommend(corpus: Corpus, positives: list[int], negatives: list[int], limit: int,
               recent_only: bool) -> list[int]:
    """Papers co-cited with or citing the positives, scored by shared links, minus anything
    near the negatives; newest first among equals (the real pool ``recent`` holds new papers)."""
    scores: dict[int, float] = {}
    for p in positives:
        for n in _neighbours(corpus, p):
            scores[n] = scores.get(n, 0.0) + 1.0
            for m in _neighbours(corpus, n):
                scores[m] = scores.get(m, 0.0) + 0.1
    for q in negatives:
        for n in [q, *_neighbours(corpus, q)]:
            scores.pop(n, None)
    for p in positives:
        scores.pop(p, None)
    ranked = sorted((i for i in scores if corpus.paper_id(i) is not None),
                    key=lambda i: (-scores[i], -corpus.date_key(i), i))
    if recent_only:
        newest = sorted(ranked, key=lambda i: -corpus.date_key(i))[:max(limit * 5, 50)]
        keep = set(newest)
        ranked = [i for i in ranked if i in keep]
    return ranked[:limit]


def _recommendation_limit(params: dict[str, str]) -> int:
    limit = _int(params.get("limit"), "limit", RECOMMENDATIONS_DEFAULT, minimum=1)
    if limit > RECOMMENDATIONS_MAX:
        raise ApiAnswer(400, f"'limit' must be <= {RECOMMENDATIONS_MAX}")
    return limit


def _recommended(corpus: Corpus, picks: list[int], spec) -> bytes:
    return ('{"recommendedPapers": [' + ", ".join(corpus.render(i, spec) for i in picks) + "]}\n").encode()


def recommend_for_paper(corpus: Corpus, paper_id: str, params: dict[str, str]) -> tuple[int, bytes]:
    """``GET /recommendations/v1/papers/forpaper/{id}?from=recent|all-cs``."""
    spec = _paper_spec(params.get("fields"))
    limit = _recommendation_limit(params)
    pool = params.get("from") or "recent"
    if pool not in ("recent", "all-cs"):
        raise ApiAnswer(400, f"Unacceptable query params: [from={pool}]")
    idx = corpus.resolve(paper_id)
    if idx is None:
        raise ApiAnswer(404, f"Paper with id {paper_id} not found")
    return 200, _recommended(corpus, _recommend(corpus, [idx], [], limit, pool == "recent"), spec)


def recommend_for_lists(corpus: Corpus, params: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """``POST /recommendations/v1/papers`` with ``positivePaperIds`` and ``negativePaperIds``."""
    spec = _paper_spec(params.get("fields"))
    limit = _recommendation_limit(params)
    try:
        payload = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiAnswer(400, "Unable to parse the request body as JSON") from None
    payload = payload if isinstance(payload, dict) else {}
    positives = [corpus.resolve(str(p)) for p in payload.get("positivePaperIds") or []]
    negatives = [corpus.resolve(str(p)) for p in payload.get("negativePaperIds") or []]
    positives = [p for p in positives if p is not None]
    if not positives:
        raise ApiAnswer(400, "No positive paper examples given")
    picks = _recommend(corpus, positives, [n for n in negatives if n is not None], limit, False)
    return 200, _recommended(corpus, picks, spec)
