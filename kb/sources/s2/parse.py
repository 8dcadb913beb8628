"""Turning Semantic Scholar JSON into checked records.

Strict about shape, lenient about content: an answer that is not the expected kind of object
is an error (the caller retries or reports it), but missing, null or mistyped fields inside a
record, extra fields, null paperIds in edge lists and duplicate edges are normal in real
answers and are absorbed here, so nothing downstream has to guess.
"""

from __future__ import annotations

import re
from typing import Any

from kb.store.records import EMBEDDING_DIM, EMBEDDING_MODEL, AuthorRef, EdgePage, EdgeRecord, PaperRecord

# Fields asked for when a paper's full record is wanted (batch or single lookups).
PAPER_FIELDS = (
    "paperId,corpusId,externalIds,url,title,abstract,tldr,year,publicationDate,venue,authors,"
    "citationCount,referenceCount,influentialCitationCount,openAccessPdf,citationStyles,"
    "fieldsOfStudy,publicationTypes"
)
# What the crawler's detail batches (and seed lookups) ask for: the full record and its SPECTER
# v2 embedding, which costs no extra request (the search endpoints do not serve it).
DETAIL_FIELDS = PAPER_FIELDS + ",embedding.specter_v2"
# Paper fields the API can nest inside citation/reference lists (no tldr there).
NESTED_PAPER_FIELDS = (
    "paperId,corpusId,externalIds,url,title,abstract,year,publicationDate,venue,authors,"
    "citationCount,referenceCount,influentialCitationCount,openAccessPdf,citationStyles,"
    "fieldsOfStudy,publicationTypes"
)
EDGE_FIELDS = "contexts,intents,isInfluential," + NESTED_PAPER_FIELDS

# The API refuses offset + limit >= 10000 on citation and reference lists.
EDGE_OFFSET_CAP = 10_000
MAX_EDGE_PAGE = 1000

# Longest text kept for one field: real records never come near it, broken ones might.
MAX_TEXT = 20_000

_SHA = re.compile(r"^[0-9a-f]{40}$")
# Control characters, and lone UTF-16 surrogates: JSON can spell them ("\ud800"), Python
# keeps them, and SQLite (UTF-8) refuses to store them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class ResponseShapeError(ValueError):
    """The answer is not the kind of JSON value the endpoint returns."""


def clean_text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """A display-safe string or None: control characters removed, length bounded."""
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return None
    value = _CONTROL.sub("", value).strip()
    if not value:
        return None
    return value[:limit]


_INT_MAX = 2**63 - 1  # SQLite's INTEGER


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    number = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        try:
            number = int(value.strip())
        except ValueError:
            return None
    if number is None or abs(number) > _INT_MAX:
        return None
    return number


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [s for s in (clean_text(v, 2000) for v in value) if s]


def valid_paper_id(value: Any) -> str | None:
    if isinstance(value, str) and _SHA.match(value.strip().lower()):
        return value.strip().lower()
    return None


def parse_paper(obj: Any, detail_level: int = 2) -> PaperRecord | None:
    """One paper object; None when it has no usable paperId (counted by callers)."""
    if not isinstance(obj, dict):
        return None
    paper_id = valid_paper_id(obj.get("paperId"))
    if paper_id is None:
        return None
    ext = obj.get("externalIds") if isinstance(obj.get("externalIds"), dict) else None
    external_ids = None
    doi = arxiv = None
    if ext is not None:
        external_ids = {clean_text(str(k), 100): clean_text(v, 300) if isinstance(v, str) else v
                        for k, v in ext.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
        external_ids = {k: v for k, v in external_ids.items() if k and v is not None}
        doi = clean_text(external_ids.get("DOI"), 300)
        arxiv = clean_text(external_ids.get("ArXiv"), 100)
    tldr = obj.get("tldr")
    tldr_text = clean_text(tldr.get("text")) if isinstance(tldr, dict) else None
    oa = obj.get("openAccessPdf")
    oa_url = clean_text(oa.get("url"), 2000) if isinstance(oa, dict) else None
    styles = obj.get("citationStyles")
    bibtex = clean_text(styles.get("bibtex")) if isinstance(styles, dict) else None
    authors = None
    if isinstance(obj.get("authors"), list):
        authors = []
        for a in obj["authors"]:
            if isinstance(a, dict):
                author_id = a.get("authorId")
                authors.append(AuthorRef(
                    name=clean_text(a.get("name"), 500),
                    author_id=clean_text(author_id, 100) if author_id is not None else None))
    fields_of_study = _str_list(obj.get("fieldsOfStudy"))
    year = _int(obj.get("year"))
    if year is not None and not (1000 <= year <= 3000):
        year = None
    return PaperRecord(
        paper_id=paper_id,
        corpus_id=_int(obj.get("corpusId")) if "corpusId" in obj else _int((ext or {}).get("CorpusId")),
        doi=doi,
        arxiv_id=arxiv,
        external_ids=external_ids,
        title=clean_text(obj.get("title"), 2000),
        abstract=clean_text(obj.get("abstract")),
        tldr=tldr_text,
        year=year,
        publication_date=clean_text(obj.get("publicationDate"), 40),
        venue=clean_text(obj.get("venue"), 500),
        authors=authors,
        citation_count=_int(obj.get("citationCount")),
        reference_count=_int(obj.get("referenceCount")),
        influential_citation_count=_int(obj.get("influentialCitationCount")),
        open_access_pdf=oa_url,
        bibtex=bibtex,
        fields_of_study=fields_of_study,
        publication_types=_str_list(obj.get("publicationTypes")),
        url=clean_text(obj.get("url"), 2000),
        detail_level=detail_level,
        embedding=parse_embedding(obj.get("embedding")),
    )


def parse_embedding(value: Any) -> bytes | None:
    """A ``{"model": "specter_v2", "vector": [768 numbers]}`` as float16 bytes; anything else
    (another model, a short or non-numeric vector, values beyond float16) is no embedding."""
    import struct

    if not isinstance(value, dict) or value.get("model") != EMBEDDING_MODEL:
        return None
    vector = value.get("vector")
    if not isinstance(vector, list) or len(vector) != EMBEDDING_DIM:
        return None
    try:
        # struct itself refuses what is not a number: checking each value's type first cost
        # four times the packing, on 250 vectors a detail batch
        return struct.pack(f"<{EMBEDDING_DIM}e", *vector)
    except (struct.error, OverflowError, TypeError):
        return None


def parse_edge_page(obj: Any, paper_id: str, direction: str, *, offset: int = 0,
                    known: set[str] | frozenset[str] = frozenset()) -> EdgePage:
    """One page of ``/paper/{id}/references`` (direction 'references') or ``/citations``.

    Duplicate edges inside the page collapse to one; edges whose other end has no paperId are
    counted in ``without_id``. ``next_offset`` is None when the list is complete, and
    ``truncated`` is set when more remain beyond the API's 10000-offset cap. Papers whose ids
    are in ``known`` were stored from an earlier page of the same crawl: only their edge is
    kept, not a second copy of the same nested record.
    """
    if not isinstance(obj, dict) or not isinstance(obj.get("data", []), list):
        raise ResponseShapeError(f"expected an object with a data list for {direction} of {paper_id}")
    nested_key = "citedPaper" if direction == "references" else "citingPaper"
    page = EdgePage()
    seen: dict[str, int] = {}
    for item in obj.get("data") or []:
        if not isinstance(item, dict):
            page.without_id += 1
            continue
        nested = item.get(nested_key)
        other_id = valid_paper_id(nested.get("paperId")) if isinstance(nested, dict) else None
        if other_id is None:
            page.without_id += 1
            continue
        other = None if other_id in known else parse_paper(nested, detail_level=1)
        if direction == "references":
            edge = EdgeRecord(citing=paper_id, cited=other_id)
        else:
            edge = EdgeRecord(citing=other_id, cited=paper_id)
        influential = item.get("isInfluential")
        edge.is_influential = influential if isinstance(influential, bool) else None
        edge.intents = _str_list(item.get("intents"))
        edge.contexts = _str_list(item.get("contexts"))
        if other_id in seen:
            page.duplicates += 1
            continue
        seen[other_id] = len(page.edges)
        page.edges.append(edge)
        page.others.append(other_id)
        if other is not None:
            page.papers.append(other)
    next_offset = _int(obj.get("next"))
    if next_offset is not None and next_offset <= offset:
        next_offset = None  # a broken `next` must not loop forever
    if next_offset is not None and next_offset >= EDGE_OFFSET_CAP - 1:
        page.truncated = True
        next_offset = None
    page.next_offset = next_offset
    return page


def edge_page_limit(offset: int, limit: int = MAX_EDGE_PAGE) -> int:
    """The largest page the API allows at ``offset`` (offset + limit must stay below 10000)."""
    return max(0, min(limit, EDGE_OFFSET_CAP - 1 - offset))
