"""SQLModel declarations of the store's tables.

The numbered SQL migrations in ``kb/store/migrations`` are the source of truth for the schema (they
are what upgrades an old store); these classes mirror them, and a test checks that the two never
drift apart. The small tables kb reads and writes as records, reading lists and the runs history,
are read and written through these classes on both backends (:mod:`kb.store.typed`), and their
``model_dump()`` is what ``--json`` prints. Bulk writes (papers, edges, authors, the frontier) do
not go through these classes: see ``kb.store.base``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Optional

from pydantic import computed_field, field_serializer
from sqlmodel import Field, SQLModel


class Paper(SQLModel, table=True):
    __tablename__ = "paper"

    id: Optional[int] = Field(default=None, primary_key=True)
    paper_id: str = Field(unique=True)
    corpus_id: Optional[int] = None
    doi: Optional[str] = None
    arxiv_id: Optional[str] = None
    external_ids: Optional[str] = None
    title: Optional[str] = None
    abstract: Optional[str] = None
    tldr: Optional[str] = None
    year: Optional[int] = None
    publication_date: Optional[str] = None
    venue: Optional[str] = None
    authors: Optional[str] = None
    citation_count: Optional[int] = None
    reference_count: Optional[int] = None
    influential_citation_count: Optional[int] = None
    open_access_pdf: Optional[str] = None
    bibtex: Optional[str] = None
    fields_of_study: Optional[str] = None
    publication_types: Optional[str] = None
    url: Optional[str] = None
    detail_level: int = 0
    fetched_at: Optional[str] = None
    refs_truncated: int = 0
    cits_truncated: int = 0
    refs_without_id: int = 0
    cits_without_id: int = 0
    added_at: Optional[str] = None
    added_by_run: Optional[int] = None
    bulk_release: Optional[str] = None  # the bulk datasets release the record last came from
    kind: str = "paper"


class Post(SQLModel, table=True):
    """A forum post's own columns; the rest of it is its ``paper`` row (kind 'post')."""

    __tablename__ = "post"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    forum_id: str = Field(unique=True)
    slug: Optional[str] = None
    karma: Optional[int] = None
    vote_count: Optional[int] = None
    comment_count: Optional[int] = None
    word_count: Optional[int] = None
    af: Optional[int] = None
    tags: Optional[str] = None


class Author(SQLModel, table=True):
    __tablename__ = "author"

    id: Optional[int] = Field(default=None, primary_key=True)
    author_id: str = Field(unique=True)
    name: Optional[str] = None


class PaperAuthor(SQLModel, table=True):
    __tablename__ = "paper_author"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    position: int = Field(primary_key=True)
    author: Optional[int] = Field(default=None, foreign_key="author.id")
    name: Optional[str] = None


class Citation(SQLModel, table=True):
    __tablename__ = "citation"

    citing: int = Field(primary_key=True, foreign_key="paper.id")
    cited: int = Field(primary_key=True, foreign_key="paper.id")
    is_influential: Optional[int] = None
    intents: Optional[str] = None
    contexts: Optional[str] = None


class CrawlState(SQLModel, table=True):
    __tablename__ = "crawl_state"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    depth: int
    priority: float = 0.0
    links: int = 0
    status: str = "pending"
    reached_from: Optional[int] = Field(default=None, foreign_key="paper.id")
    reached_via: Optional[str] = None
    seeds: Optional[str] = None
    refs_next_offset: int = 0
    cits_next_offset: int = 0
    details_fetched: int = 0
    updated_at: Optional[str] = None
    checked_at: Optional[str] = None  # migration 0006
    recheck_open: int = 0  # migration 0007


class CrawlRun(SQLModel, table=True):
    """One crawl, refresh or job run (``kb runs``)."""

    __tablename__ = "crawl_run"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = "crawl"
    started_at: str
    finished_at: Optional[str] = None
    status: str = "running"
    params: Optional[str] = None
    requests: int = 0
    new_papers: int = 0
    new_edges: int = 0
    truncated_lists: int = 0
    edges_without_id: int = 0
    errors: int = 0
    message: Optional[str] = None
    job: Optional[str] = None  # migration 0006
    failed_lists: Optional[str] = None  # migration 0009: JSON [{"paper", "list", "error"}]

    @computed_field
    @property
    def duration_s(self) -> Optional[float]:
        if not self.started_at or not self.finished_at:
            return None
        fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
        try:
            return (datetime.strptime(self.finished_at, fmt)
                    - datetime.strptime(self.started_at, fmt)).total_seconds()
        except ValueError:
            return None

    def lists_set_aside(self) -> list[dict]:
        """The lists this run set aside after they failed every try."""
        return json.loads(self.failed_lists or "[]")

    @field_serializer("failed_lists")
    def _failed_lists_as_data(self, _value) -> list[dict]:
        return self.lists_set_aside()


class FailedList(SQLModel, table=True):
    """A list set aside after failing every try (migration 0009)."""

    __tablename__ = "failed_list"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    direction: str = Field(primary_key=True)  # refs | cits
    tries: int
    error: str
    run: Optional[int] = Field(default=None, foreign_key="crawl_run.id")
    failed_at: str


# -- seeds (migration 0002) --------------------------------------------------------------------

class Document(SQLModel, table=True):
    __tablename__ = "document"

    id: Optional[int] = Field(default=None, primary_key=True)
    path: str = Field(unique=True)
    sha256: str
    added_at: str
    kind: str = "text"


class Mention(SQLModel, table=True):
    __tablename__ = "mention"

    id: Optional[int] = Field(default=None, primary_key=True)
    document: int = Field(foreign_key="document.id")
    surface: str
    start: int
    end: int
    kind: str
    sentence: Optional[str] = None
    norm_text: str
    status: str = "unresolved"
    paper: Optional[int] = Field(default=None, foreign_key="paper.id")
    candidates: Optional[str] = None
    resolved_by: Optional[str] = None
    score: Optional[float] = None
    note: Optional[str] = None


class ResolutionCache(SQLModel, table=True):
    __tablename__ = "resolution_cache"

    norm_text: str = Field(primary_key=True)
    kind: str
    paper_id: Optional[str] = None
    status: str
    candidates: Optional[str] = None
    resolved_by: Optional[str] = None
    fetched_at: str


class Seed(SQLModel, table=True):
    __tablename__ = "seed"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    added_at: str
    source: str


# -- themes (migration 0003) -------------------------------------------------------------------

class Theme(SQLModel, table=True):
    __tablename__ = "theme"

    slug: str = Field(primary_key=True)
    name: str
    description: Optional[str] = None
    parent: Optional[str] = None
    keywords: Optional[str] = None
    retired: int = 0
    updated_at: Optional[str] = None


class PaperTheme(SQLModel, table=True):
    __tablename__ = "paper_theme"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    theme: str = Field(primary_key=True)
    source: str = Field(primary_key=True)
    score: float = 1.0
    negative: int = 0
    updated_at: str
    signals: Optional[str] = None      # JSON: the signals that gave an automatic tag


class TagRun(SQLModel, table=True):
    __tablename__ = "tag_run"

    id: Optional[int] = Field(default=None, primary_key=True)
    started_at: str
    finished_at: Optional[str] = None
    params: Optional[str] = None
    added: int = 0
    removed: int = 0
    changed: int = 0


# -- ranking and reading lists (migration 0004) ------------------------------------------------

class PaperRank(SQLModel, table=True):
    __tablename__ = "paper_rank"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    pagerank: float
    seed_pagerank: float
    cocitation: float
    coupling: float
    in_citations: int
    in_references: int
    seed_order: Optional[int] = None  # migration 0008
    pagerank_order: Optional[int] = None
    relevance: Optional[float] = None  # migration 0011
    relevance_order: Optional[int] = None


class PaperEmbedding(SQLModel, table=True):
    __tablename__ = "paper_embedding"

    paper: int = Field(primary_key=True, foreign_key="paper.id")
    model: str
    vector: bytes


class Recommendation(SQLModel, table=True):
    __tablename__ = "recommendation"

    id: Optional[int] = Field(default=None, primary_key=True)
    paper: int = Field(foreign_key="paper.id")
    seed: Optional[int] = Field(default=None, foreign_key="paper.id")
    position: int
    run: Optional[int] = Field(default=None, foreign_key="crawl_run.id")
    fetched_at: str


class EmbeddingList(SQLModel, table=True):
    __tablename__ = "embedding_list"

    list: int = Field(primary_key=True)
    centroid: bytes
    size: int
    ids: bytes
    scales: bytes
    codes: bytes


class RankRun(SQLModel, table=True):
    __tablename__ = "rank_run"

    id: Optional[int] = Field(default=None, primary_key=True)
    computed_at: str
    papers: int
    edges: int
    seeds: int
    iterations: int
    seed_iterations: int
    seconds: float


# -- reading lists (migration 0005) ------------------------------------------------------------

class ReadingListBase(SQLModel):
    name: str = Field(unique=True)
    description: Optional[str] = None
    created_at: Optional[str] = None


class ReadingList(ReadingListBase, table=True):
    __tablename__ = "reading_list"

    id: Optional[int] = Field(default=None, primary_key=True)


class ReadingListSummary(ReadingListBase):
    """A list with how many papers it holds and how many are read (``kb list show``)."""

    id: int
    papers: int = 0
    read: int = 0

    @computed_field
    @property
    def unread(self) -> int:
        return self.papers - self.read


class ReadingListItem(SQLModel, table=True):
    __tablename__ = "reading_list_item"

    list: int = Field(primary_key=True, foreign_key="reading_list.id")
    paper: int = Field(primary_key=True, foreign_key="paper.id")
    position: int
    added_at: Optional[str] = None
    read_at: Optional[str] = None
    note: Optional[str] = None


# -- copies between backends (migration 0014) --------------------------------------------------

class StoreCopy(SQLModel, table=True):
    """Which store ``kb db copy`` filled this one from, and whether it finished."""

    __tablename__ = "store_copy"

    id: Optional[int] = Field(default=None, primary_key=True)
    source: str
    started_at: str
    finished_at: Optional[str] = None
