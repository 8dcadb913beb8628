"""One work as every export format sees it: the record the formats in ``kb.output.formats`` render.

Kept apart from ``kb.output.export`` (which chooses and gathers entries) so that the formats
depend only on this record, never on the code that calls them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, urlsplit

_SHA = re.compile(r"^[0-9a-f]{40}$")
_ARXIV = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.\-]+/\d{7})(?:v\d+)?$", re.I)
UNTAGGED = "Untagged"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe to embed in any format, or None.

    Other schemes (``javascript:``, ``data:``, ``file:``) are dropped: a stored URL came from
    an API answer and must never run code or reach the reader's disk when clicked.
    Characters that end a link in Markdown or HTML (spaces, quotes, brackets) are
    percent-encoded."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#@!$&*+,;=%~.-_")


@dataclass
class ExportEntry:
    """One paper as every export format sees it."""

    id: int
    paper_id: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    publication_date: str | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    corpus_id: int | None = None
    abstract: str | None = None
    tldr: str | None = None
    citation_count: int | None = None
    reference_count: int | None = None
    influential_citation_count: int | None = None
    open_access_pdf: str | None = None
    bibtex: str | None = None
    fields_of_study: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    url: str | None = None
    themes: list[str] = field(default_factory=list)
    theme_names: dict[str, str] = field(default_factory=dict)
    position: int = 0
    seed_pagerank: float | None = None
    pagerank: float | None = None
    seed_distance: int | None = None
    is_seed: bool = False
    why: str | None = None
    read_at: str | None = None
    note: str | None = None
    key: str | None = None  # the citation key, set by kb.output.formats.bibtex.assign_keys
    kind: str = "paper"     # "paper" | "post" (a LessWrong / Alignment Forum post)

    # -- links -----------------------------------------------------------------------------
    @property
    def s2_url(self) -> str | None:
        if _SHA.match(self.paper_id or ""):
            return f"https://www.semanticscholar.org/paper/{self.paper_id}"
        return None

    @property
    def doi_url(self) -> str | None:
        if self.doi and self.doi.strip():
            return "https://doi.org/" + quote(self.doi.strip(), safe="/:;._-")
        return None

    @property
    def arxiv_url(self) -> str | None:
        if self.arxiv_id and _ARXIV.match(self.arxiv_id.strip()):
            return "https://arxiv.org/abs/" + self.arxiv_id.strip()
        return None

    @property
    def pdf_url(self) -> str | None:
        return safe_url(self.open_access_pdf)

    @property
    def post_url(self) -> str | None:
        """A forum post's own page."""
        return safe_url(self.url) if self.kind == "post" else None

    @property
    def main_url(self) -> str | None:
        """The one URL a citation carries: the post's page, else arXiv, DOI, PDF, Semantic Scholar."""
        return self.post_url or self.arxiv_url or self.doi_url or self.pdf_url or self.s2_url

    def links(self) -> dict[str, str]:
        """The reader-facing links, in the order they are shown; absent ones are left out."""
        pairs = (("post", self.post_url), ("s2", self.s2_url), ("doi", self.doi_url), ("arxiv", self.arxiv_url),
                 ("pdf", self.pdf_url))
        return {k: v for k, v in pairs if v}

    @property
    def primary_theme(self) -> str | None:
        return self.themes[0] if self.themes else None

    @property
    def is_preprint(self) -> bool:
        """Only on arXiv: no venue, or the venue is arXiv itself."""
        venue = (self.venue or "").strip().lower()
        return bool(self.arxiv_id) and (not venue or venue in ("arxiv", "arxiv.org")
                                        or venue.startswith("arxiv"))

    def type_in(self, names: dict[str, str]) -> str:
        """What kind of work this is, in one format's words: the first of post, preprint,
        conference, book, chapter, dataset and journal that fits and that ``names`` has a word
        for, else ``names["other"]``. One order for every format, so BibTeX, RIS and CSL-JSON
        never disagree about what a work is."""
        types = set(self.publication_types or [])
        fits = (("post", self.kind == "post"), ("preprint", self.is_preprint),
                ("conference", "Conference" in types), ("book", "Book" in types),
                ("chapter", "BookSection" in types), ("dataset", "Dataset" in types),
                ("journal", "JournalArticle" in types or "Review" in types or bool(self.venue)))
        return next((names[kind] for kind, fit in fits if fit and kind in names), names["other"])

    def to_dict(self) -> dict:
        out = asdict(self)
        out["links"] = self.links()
        out["read"] = self.read_at is not None
        return out
