"""Plain records passed between the API parser, the crawler and the store.

They are the shape of the data once it has been checked, independent of both the API's JSON
and the SQL schema, so that each side can change without the other noticing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class AuthorRef:
    name: str | None
    author_id: str | None = None


#: The embedding kb fetches and stores (Semantic Scholar's SPECTER v2, 768 dimensions).
EMBEDDING_MODEL = "specter_v2"
EMBEDDING_DIM = 768


@dataclass(slots=True)
class PaperRecord:
    """One paper as known from one API answer. ``None`` means "this answer did not say"."""

    paper_id: str
    corpus_id: int | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    external_ids: dict | None = None
    title: str | None = None
    abstract: str | None = None
    tldr: str | None = None
    year: int | None = None
    publication_date: str | None = None
    venue: str | None = None
    authors: list[AuthorRef] | None = None
    citation_count: int | None = None
    reference_count: int | None = None
    influential_citation_count: int | None = None
    open_access_pdf: str | None = None
    bibtex: str | None = None
    fields_of_study: list[str] | None = None
    publication_types: list[str] | None = None
    url: str | None = None
    detail_level: int = 0
    # SPECTER v2 embedding as 768 little-endian float16 values (kb.knowledge.embeddings)
    embedding: bytes | None = None


@dataclass(slots=True)
class PostRecord(PaperRecord):
    """A forum post (LessWrong / Alignment Forum) stored as a work of kind ``post``: the paper
    columns it shares (title, authors, date, url, summary as abstract) plus what only posts
    have. ``paper_id`` is ``FORUM:<forum id>``."""

    forum_id: str = ""
    slug: str | None = None
    karma: int | None = None
    vote_count: int | None = None
    comment_count: int | None = None
    word_count: int | None = None
    af: bool | None = None
    tags: list[str] | None = None


@dataclass(slots=True)
class EdgeRecord:
    """``citing`` cites ``cited``; both are Semantic Scholar paperIds."""

    citing: str
    cited: str
    is_influential: bool | None = None
    intents: list[str] | None = None
    contexts: list[str] | None = None


@dataclass(slots=True)
class EdgePage:
    """One page of a paper's references or citations, as parsed from the API.

    ``others`` lists the paperIds at the other end of every edge; ``papers`` holds the nested
    records that were parsed (not those the caller already had)."""

    papers: list[PaperRecord] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    edges: list[EdgeRecord] = field(default_factory=list)
    without_id: int = 0
    duplicates: int = 0  # entries naming a paper the page already listed (real lists have them)
    next_offset: int | None = None
    truncated: bool = False
