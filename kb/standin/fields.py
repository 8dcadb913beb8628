"""Which fields a stand-in request may ask for, parsed the way the real S2 Graph API does.

The real API answers only the fields named in ``fields`` (plus ``paperId``), rejects unknown or
misplaced names with a 400, and treats the nested paper of a citation/reference edge
differently from a top-level paper (no ``tldr``, ``embedding``, ``citations`` or
``references`` there). Clients get these rules wrong in ways that only show against a server
that enforces them, so the stand-in parses them strictly, once per distinct ``fields`` string
(parsing is cached because crawlers repeat the same string thousands of times).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: Every paper field of the real API, in the order the real API emits keys.
PAPER_FIELDS: tuple[str, ...] = (
    "paperId", "externalIds", "corpusId", "publicationVenue", "url", "title", "abstract",
    "venue", "year", "referenceCount", "citationCount", "influentialCitationCount",
    "isOpenAccess", "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "tldr",
    "publicationTypes", "publicationDate", "journal", "citationStyles", "embedding",
    "authors", "citations", "references",
)
#: Paper fields the real API refuses on a paper nested in an edge or in citations/references.
NOT_NESTABLE = frozenset({"tldr", "embedding", "citations", "references"})
NESTED_PAPER_FIELDS: tuple[str, ...] = tuple(f for f in PAPER_FIELDS if f not in NOT_NESTABLE)
AUTHOR_FIELDS: tuple[str, ...] = (
    "authorId", "externalIds", "url", "name", "affiliations", "homepage", "paperCount",
    "citationCount", "hIndex",
)
#: Edge-level fields of /citations and /references, in the order the stand-in emits them.
EDGE_FIELDS: tuple[str, ...] = ("contexts", "intents", "contextsWithIntent", "isInfluential")
EMBEDDING_MODELS: tuple[str, ...] = ("specter_v1", "specter_v2")

_PAPER_ORDER = {f: i for i, f in enumerate(PAPER_FIELDS)}
_AUTHOR_ORDER = {f: i for i, f in enumerate(AUTHOR_FIELDS)}
_EDGE_ORDER = {f: i for i, f in enumerate(EDGE_FIELDS)}
DEFAULT_AUTHOR_FIELDS = ("authorId", "name")


class FieldsError(ValueError):
    """A ``fields`` value the real API would answer with 400; ``str()`` is its exact message."""

    def __init__(self, bad: list[str]):
        self.bad = list(bad)
        super().__init__(f"Unrecognized or unsupported fields: [{', '.join(self.bad)}]")


@dataclass(frozen=True)
class PaperSpec:
    """What to render for one paper; hashable so rendered JSON can be cached per spec."""

    fields: tuple[str, ...] = ("paperId", "title")
    author_fields: tuple[str, ...] = DEFAULT_AUTHOR_FIELDS
    citations: "PaperSpec | None" = None
    references: "PaperSpec | None" = None
    embedding: str = "specter_v1"


@dataclass(frozen=True)
class EdgeSpec:
    """What to render for one citation/reference edge: edge fields plus the nested paper."""

    edge_fields: tuple[str, ...]
    paper: PaperSpec


DEFAULT_PAPER = PaperSpec()
DEFAULT_NESTED = PaperSpec()


def _split(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [t.strip() for t in raw.split(",") if t.strip()]


def _author_fields(subs: list[str], plain: bool) -> tuple[str, ...]:
    if not subs:
        return DEFAULT_AUTHOR_FIELDS
    wanted = {"authorId", *subs}
    if plain:
        wanted.add("name")
    return tuple(sorted(wanted, key=_AUTHOR_ORDER.__getitem__))


def _order(fields: set[str]) -> tuple[str, ...]:
    return tuple(sorted({"paperId", *fields}, key=_PAPER_ORDER.__getitem__))


@lru_cache(maxsize=1024)
def parse_paper_fields(raw: str | None) -> PaperSpec:
    """The spec for /paper/{id}, /paper/batch, /paper/search and /paper/search/match."""
    tokens = _split(raw)
    if not tokens:
        return DEFAULT_PAPER
    top: set[str] = set()
    bad: list[str] = []
    author_subs: list[str] = []
    author_plain = False
    nested: dict[str, list[str]] = {"citations": [], "references": []}
    embedding = "specter_v1"
    for token in tokens:
        head, dot, rest = token.partition(".")
        if not dot:
            if token in _PAPER_ORDER:
                top.add(token)
                author_plain |= token == "authors"
            else:
                bad.append(token)
        elif head == "authors" and rest in _AUTHOR_ORDER:
            top.add("authors")
            author_subs.append(rest)
        elif head in nested and rest in NESTED_PAPER_FIELDS:
            top.add(head)
            nested[head].append(rest)
        elif head == "embedding" and rest in EMBEDDING_MODELS:
            top.add("embedding")
            embedding = rest
        else:
            bad.append(token)
    if bad:
        raise FieldsError(bad)
    return PaperSpec(
        fields=_order(top),
        author_fields=_author_fields(author_subs, author_plain),
        citations=(PaperSpec(fields=_order(set(nested["citations"])) if nested["citations"]
                             else DEFAULT_NESTED.fields)
                   if "citations" in top else None),
        references=(PaperSpec(fields=_order(set(nested["references"])) if nested["references"]
                              else DEFAULT_NESTED.fields)
                    if "references" in top else None),
        embedding=embedding,
    )


@lru_cache(maxsize=1024)
def parse_edge_fields(raw: str | None, direction: str) -> EdgeSpec:
    """The spec for /paper/{id}/citations (``citingPaper``) or /references (``citedPaper``).

    Paper fields apply to the nested paper, bare or prefixed (``citingPaper.title``); the
    prefix of the other direction, and fields not allowed on a nested paper, are refused.
    """
    prefix = ("citingPaper." if direction == "citations" else "citedPaper.")
    tokens = _split(raw)
    edge: set[str] = set()
    paper: set[str] = set()
    author_subs: list[str] = []
    author_plain = False
    bad: list[str] = []
    for token in tokens:
        if token in _EDGE_ORDER:
            edge.add(token)
            continue
        name = token[len(prefix):] if token.startswith(prefix) else token
        head, dot, rest = name.partition(".")
        if not dot and name in NESTED_PAPER_FIELDS:
            paper.add(name)
            author_plain |= name == "authors"
        elif dot and head == "authors" and rest in _AUTHOR_ORDER:
            paper.add("authors")
            author_subs.append(rest)
        else:
            bad.append(token)
    if bad:
        raise FieldsError(bad)
    paper_spec = (PaperSpec(fields=_order(paper),
                            author_fields=_author_fields(author_subs, author_plain))
                  if paper else DEFAULT_NESTED)
    return EdgeSpec(edge_fields=tuple(sorted(edge, key=_EDGE_ORDER.__getitem__)), paper=paper_spec)


@lru_cache(maxsize=256)
def parse_author_fields(raw: str | None) -> tuple[str, ...]:
    """Fields for /paper/{id}/authors (author fields only; ``papers`` is not served here)."""
    tokens = _split(raw)
    if not tokens:
        return DEFAULT_AUTHOR_FIELDS
    bad = [t for t in tokens if t not in _AUTHOR_ORDER]
    if bad:
        raise FieldsError(bad)
    return tuple(sorted({"authorId", *tokens}, key=_AUTHOR_ORDER.__getitem__))
