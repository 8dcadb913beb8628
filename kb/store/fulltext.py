"""Each backend's full-text search, as the SQL fragments kb's queries are built from.

SQLite uses an FTS5 table (``paper_fts``, porter stemming, bm25 with per-column weights);
PostgreSQL a ``tsvector`` table with a GIN index (English stemming, ``ts_rank`` with title,
TLDR and abstract as weights A, B and C). The user's query is parsed once
(:func:`kb.knowledge.search.parse_query`) and written in the backend's own query language
(``dialect`` selects the compiler), so phrases, prefixes, AND/OR/NOT and field filters mean the
same on both.

Every fragment takes the compiled expression as exactly one ``?`` parameter, placed before any
parameter of the WHERE clause, so a query builder can treat both backends alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FullText:
    dialect: str

    def joined(self, weights: Sequence[float]) -> tuple[str, str | None, str]:
        """(FROM clause joining the matches to ``paper p``, WHERE condition or None, score
        column, higher is better)."""
        if self.dialect == "sqlite":
            return ("paper_fts JOIN paper p ON p.id = paper_fts.rowid", "paper_fts MATCH ?",
                    f"-bm25(paper_fts, {_list(weights)}) AS score")
        return ("to_tsquery('english', ?) q JOIN paper_fts ON paper_fts.document @@ q "
                "JOIN paper p ON p.id = paper_fts.paper", None,
                f"ts_rank({_pg_weights(weights)}, paper_fts.document, q) AS score")

    def matches(self, weights: Sequence[float]) -> str:
        """SELECT of (rowid, score) for every match, best first (ties by rowid)."""
        if self.dialect == "sqlite":
            return (f"SELECT rowid, -bm25(paper_fts, {_list(weights)}) AS score FROM paper_fts "
                    "WHERE paper_fts MATCH ? ORDER BY score DESC, rowid")
        return (f"SELECT paper_fts.paper AS rowid, ts_rank({_pg_weights(weights)}, "
                "paper_fts.document, q) AS score FROM to_tsquery('english', ?) q "
                "JOIN paper_fts ON paper_fts.document @@ q ORDER BY score DESC, rowid")

    def count(self) -> str:
        if self.dialect == "sqlite":
            return "SELECT count(*) FROM paper_fts WHERE paper_fts MATCH ?"
        return "SELECT count(*) FROM paper_fts WHERE document @@ to_tsquery('english', ?)"

    def snippets(self) -> str:
        """(paper id, best passage «marked») for the papers in the JSON list given second."""
        if self.dialect == "sqlite":
            return ("SELECT rowid, snippet(paper_fts, -1, '«', '»', '…', 16) FROM paper_fts "
                    "WHERE paper_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))")
        return ("SELECT p.id, ts_headline('english', concat_ws(' … ', p.title, p.tldr, p.abstract), "
                "q, 'StartSel=«, StopSel=», MaxWords=16, MinWords=6, MaxFragments=1, "
                "FragmentDelimiter=…') FROM to_tsquery('english', ?) q JOIN paper p "
                "ON p.id IN (SELECT value FROM json_each(?))")

    def is_query_error(self, text: str) -> bool:
        """Whether a database error is the backend refusing the search expression."""
        if self.dialect == "sqlite":
            return "fts5" in text or "syntax error" in text or "MATCH" in text
        return "tsquery" in text


def _list(weights: Sequence[float]) -> str:
    return ", ".join(repr(float(w)) for w in weights)


def _pg_weights(weights: Sequence[float]) -> str:
    """ts_rank's weight array {D, C, B, A} from kb's (title, abstract, tldr) weights."""
    title, abstract, tldr = (float(w) for w in weights)
    top = max(title, abstract, tldr) or 1.0
    c, b, a = abstract / top, tldr / top, title / top
    return f"'{{{c!r}, {c!r}, {b!r}, {a!r}}}'::float4[]"


FTS5 = FullText("sqlite")
POSTGRES_TEXT_SEARCH = FullText("postgresql")
