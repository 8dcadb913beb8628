"""Choosing papers from the store: the filters and orderings every listing shares.

``kb search``, ``kb top``, exports, reading lists and graph exports all answer "which papers,
in what order": one :class:`PaperFilter` says it, and :func:`build_query` turns it into one SQL
statement, so a filter means the same thing in every command and none of them assembles SQL
by hand. The statement reads ``paper p`` with the rank table ``r`` (``paper_rank``) and the
crawl frontier ``cs`` (``crawl_state``) LEFT JOINed, so a paper that was never ranked or
crawled is still listed (its figures are NULL and it sorts last).

"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kb.errors import UsageError

#: Orderings a listing can ask for. ``relevance`` needs a full-text query (``kb search``);
#: ``rank``, the default, is the relevance figure of kb.knowledge.relevance.
SORTS = ("relevance", "rank", "seed", "pagerank", "cocitation", "coupling", "citations",
         "store-citations", "year", "oldest")

# What "citations" means for --min-citations and --sort citations: the larger of the count
# Semantic Scholar reported and the count of citers in the store. Id-only stubs have no S2
# count but may well be cited inside the store; the larger is always a true lower bound.
KNOWN_CITATIONS = "max(COALESCE(p.citation_count, 0), COALESCE(r.in_citations, 0))"

_NULLS_LAST = "DESC NULLS LAST"
_ORDER = {
    "rank": f"r.relevance {_NULLS_LAST}, r.seed_pagerank {_NULLS_LAST}",
    "seed": f"r.seed_pagerank {_NULLS_LAST}, r.pagerank {_NULLS_LAST}",
    "pagerank": f"r.pagerank {_NULLS_LAST}",
    "cocitation": f"r.cocitation {_NULLS_LAST}, r.seed_pagerank {_NULLS_LAST}",
    "coupling": f"r.coupling {_NULLS_LAST}, r.seed_pagerank {_NULLS_LAST}",
    "citations": f"{KNOWN_CITATIONS} DESC, r.seed_pagerank {_NULLS_LAST}",
    "store-citations": f"r.in_citations {_NULLS_LAST}, r.seed_pagerank {_NULLS_LAST}",
    "year": f"p.year {_NULLS_LAST}, r.seed_pagerank {_NULLS_LAST}",
    "oldest": f"p.year ASC NULLS LAST, r.seed_pagerank {_NULLS_LAST}",
}

#: Columns every listing row carries (plus ``score`` for full-text queries).
ROW_COLUMNS = (
    "id", "paper_id", "corpus_id", "title", "year", "venue", "authors", "doi", "arxiv_id",
    "citation_count", "detail_level", "pagerank", "seed_pagerank", "cocitation", "coupling",
    "in_citations", "in_references", "seed_distance", "relevance",
)

BM25_WEIGHTS = (10.0, 1.0, 2.0)  # title, abstract, tldr: a title hit says most about a paper


@dataclass
class PaperFilter:
    """Which papers a listing wants and in what order. ``None`` means "no constraint".

    ``seed_distance`` keeps papers at most that many citation hops from the nearest seed
    (seeds are 0; papers the crawler never reached have no known distance and are dropped).
    ``ids`` restricts the listing to those internal paper ids; ``exclude_seeds`` leaves the
    seeds out (they top every seed-relative ranking by construction).
    """

    theme: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    seed_distance: int | None = None
    min_citations: int | None = None
    ids: Sequence[int] | None = None
    limit: int | None = None
    sort: str = "rank"
    offset: int = 0
    exclude_seeds: bool = False

    def validate(self, *, fulltext: bool = False) -> None:
        if self.sort not in SORTS:
            raise UsageError(f"unknown sort {self.sort!r}; choose one of {', '.join(SORTS)}")
        if self.sort == "relevance" and not fulltext:
            raise UsageError("--sort relevance needs a search query; use `kb search`")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise UsageError(f"--year-from {self.year_from} is after --year-to {self.year_to}")
        for name in ("seed_distance", "min_citations", "limit"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"--{name.replace('_', '-')} must be 0 or more (got {value})")
        if self.offset < 0:
            raise UsageError(f"offset must be 0 or more (got {self.offset})")


def seed_distance_sql(store) -> str:
    """SQL for a paper's hops from the nearest seed: 0 for seeds (even before their first
    crawl), the crawl depth otherwise, NULL when unknown. Needs ``cs`` joined."""
    return "CASE WHEN p.id IN (SELECT paper FROM seed) THEN 0 ELSE cs.depth END"


def seed_ids_of(store) -> list[int]:
    """Store ids of the seeds: the ``seed`` table, else the depth-0 papers of the crawl."""
    rows = store.conn.execute("SELECT paper FROM seed ORDER BY paper").fetchall()
    if rows:
        return [r[0] for r in rows]
    rows = store.conn.execute("SELECT paper FROM crawl_state WHERE depth = 0 ORDER BY paper")
    return [r[0] for r in rows]


def theme_condition(store, slug: str, *, per_row: bool = False) -> tuple[str, list]:
    """The themes module's WHERE fragment for one theme."""
    from kb.knowledge.themes import theme_filter

    fragment, params = theme_filter(store, slug, per_row=per_row)
    return fragment, list(params)


def filter_where(store, f: PaperFilter, *, per_row: bool = False) -> tuple[list[str], list]:
    """The WHERE conditions (on aliases p, r, cs) and their parameters for a filter;
    ``per_row`` when an index drives the query and each row is checked as it comes."""
    conditions: list[str] = []
    params: list = []
    if f.year_from is not None:
        conditions.append("p.year >= ?")
        params.append(f.year_from)
    if f.year_to is not None:
        conditions.append("p.year <= ?")
        params.append(f.year_to)
    if f.min_citations is not None:
        conditions.append(f"{KNOWN_CITATIONS} >= ?")
        params.append(f.min_citations)
    if f.seed_distance is not None:
        conditions.append(f"({seed_distance_sql(store)}) <= ?")
        params.append(f.seed_distance)
    if f.exclude_seeds:
        conditions.append("p.id NOT IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(seed_ids_of(store)))
    if f.ids is not None:
        conditions.append("p.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in f.ids]))
    if f.theme:
        fragment, theme_params = theme_condition(store, f.theme, per_row=per_row)
        conditions.append(f"({fragment})")
        params.extend(theme_params)
    return conditions, params


def _row_columns(store) -> list[str]:
    """The select list for :data:`ROW_COLUMNS` over aliases p, r and cs."""
    return ["p.id", "p.paper_id", "p.corpus_id", "p.title", "p.year", "p.venue", "p.authors",
            "p.doi", "p.arxiv_id", "p.citation_count", "p.detail_level", "r.pagerank",
            "r.seed_pagerank", "r.cocitation", "r.coupling", "r.in_citations",
            "r.in_references", f"{seed_distance_sql(store)} AS seed_distance", "r.relevance"]


def build_query(store, f: PaperFilter, *, match: str | None = None,
                bm25_weights: Sequence[float] = BM25_WEIGHTS,
                count: bool = False) -> tuple[str, list]:
    """One SELECT returning :data:`ROW_COLUMNS` (and ``score``, higher is better, when
    ``match`` is a full-text MATCH expression, which must already be safe: see ``kb.knowledge.search``).
    With ``count``, the statement returns just how many papers the filter selects."""
    f.validate(fulltext=match is not None)
    if count:
        columns = ["count(*)"]
    else:
        columns = _row_columns(store)
    params: list = []
    conditions, where_params = filter_where(store, f)
    if match is not None and not conditions and (count or f.sort == "relevance"):
        return _text_only_query(store, columns, match, bm25_weights, f, count)
    source = "paper p"
    if match is not None:
        source, condition, score = store.fulltext.joined(bm25_weights)
        if not count:
            columns.append(score)
        if condition:
            conditions.insert(0, condition)
        params.append(match)
    sql = (f"SELECT {', '.join(columns)}\nFROM {source}\n"
           "LEFT JOIN paper_rank r ON r.paper = p.id\n"
           "LEFT JOIN crawl_state cs ON cs.paper = p.id")
    params.extend(where_params)
    if conditions:
        sql += "\nWHERE " + "\n  AND ".join(conditions)
    if count:
        return sql, params
    order = "score DESC" if f.sort == "relevance" else _ORDER[f.sort]
    sql += f"\nORDER BY {order}, p.id"
    if f.limit is not None or f.offset:
        sql += "\nLIMIT ? OFFSET ?"
        params.extend([-1 if f.limit is None else f.limit, f.offset])
    return sql, params


# Sorts whose order kb.knowledge.ranking stores as positions for the best papers (migration 0008).
_ORDER_COLUMNS = {"rank": "relevance_order", "seed": "seed_order", "pagerank": "pagerank_order"}
# Below this many tagged papers a theme's own papers are the cheaper place to start: walking
# the ordered prefix for a rare theme would read all of it only to find too few.
RANK_WALK_MIN_TAGGED = 2000
RANK_WALK_MAX_ROWS = 5000


def _ordered_prefix_query(store, f: PaperFilter) -> tuple[str, list]:
    """The filter over the stored prefix of its rank order, walked by the partial index so
    SQLite stops after the first ``offset + limit`` matches."""
    column = _ORDER_COLUMNS[f.sort]
    columns = _row_columns(store)
    conditions, params = filter_where(store, f, per_row=True)
    conditions.insert(0, f"r.{column} IS NOT NULL")
    # CROSS JOIN keeps paper_rank outermost, read in the order of its index.
    sql = (f"SELECT {', '.join(columns)}\nFROM paper_rank r CROSS JOIN paper p ON p.id = r.paper\n"
           "LEFT JOIN crawl_state cs ON cs.paper = p.id\nWHERE " + "\n  AND ".join(conditions)
           + f"\nORDER BY r.{column}\nLIMIT ?")
    return sql, params + [f.offset + f.limit]


def _walks_rank_order(store, f: PaperFilter) -> bool:
    """Whether a listing is a short, rank-ordered page of the whole store (``kb top``), which
    the stored rank order can answer, rather than a text search or a list of given papers."""
    if f.sort not in _ORDER_COLUMNS or f.limit is None or f.ids is not None:
        return False
    if f.offset + f.limit > RANK_WALK_MAX_ROWS:
        return False
    if f.theme:
        from kb.knowledge.themes import tagged_at_least

        return tagged_at_least(store, f.theme, RANK_WALK_MIN_TAGGED)
    return True


def select_papers(store, f: PaperFilter) -> list[sqlite3.Row]:
    """The rows a filter selects, in its order. A short rank-ordered page is looked for in the
    stored prefix of the rank order first; it is the answer when it fills the page (the prefix
    is the head of the full order, ties included). Otherwise, :func:`build_query`'s one
    statement decides."""
    f.validate()
    if _walks_rank_order(store, f):
        sql, params = _ordered_prefix_query(store, f)
        rows = store.conn.execute(sql, params).fetchall()
        if len(rows) == f.offset + f.limit:
            return rows[f.offset:]
    sql, params = build_query(store, f)
    return store.conn.execute(sql, params).fetchall()


def _text_only_query(store, columns: list[str], match: str, weights: Sequence[float],
                     f: PaperFilter, count: bool) -> tuple[str, list]:
    """A text query with no other filter: the full-text index counts, scores and cuts to the
    page on its own before anything is joined, which on a large store is several times
    faster than joining every match first."""
    if count:
        return store.fulltext.count(), [match]
    inner = store.fulltext.matches(weights)
    params: list = [match]
    if f.limit is not None or f.offset:
        inner += " LIMIT ? OFFSET ?"
        params.extend([-1 if f.limit is None else f.limit, f.offset])
    sql = (f"SELECT {', '.join(columns + ['m.score AS score'])}\n"
           f"FROM ({inner}) m JOIN paper p ON p.id = m.rowid\n"
           "LEFT JOIN paper_rank r ON r.paper = p.id\n"
           "LEFT JOIN crawl_state cs ON cs.paper = p.id\n"
           "ORDER BY score DESC, p.id")
    return sql, params


def count_papers(store, f: PaperFilter, *, match: str | None = None) -> int:
    """How many papers the filter selects, ignoring its limit and offset."""
    sql, params = build_query(store, f, match=match, count=True)
    return store.conn.execute(sql, params).fetchone()[0]


def json_list(value) -> list:
    """A JSON-list column (authors, fields of study, tags) as a list; [] for an empty or
    unreadable value, so one odd row never breaks a whole view or export."""
    if not value:
        return []
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


def row_to_dict(row: sqlite3.Row) -> dict:
    """A listing row as plain data: authors as a list of names, figures as numbers."""
    out = dict(row)
    authors = out.get("authors")
    if isinstance(authors, str):
        try:
            out["authors"] = [a.get("name") for a in json.loads(authors) if a.get("name")]
        except (ValueError, AttributeError):
            out["authors"] = []
    elif authors is None:
        out["authors"] = []
    return out


def query_papers(store, f: PaperFilter, *, match: str | None = None) -> list[dict]:
    """The papers a filter (and full-text ``match``) selects, as dicts, in the filter's order."""
    if match is None:
        return [row_to_dict(r) for r in select_papers(store, f)]
    sql, params = build_query(store, f, match=match)
    return [row_to_dict(r) for r in store.conn.execute(sql, params)]


def filter_ids(store, f: PaperFilter) -> list[int]:
    """Just the internal ids a filter selects, in its order (for exports of whole subsets)."""
    return [r[0] for r in select_papers(store, f)]


def attach_themes(store, rows: list[dict]) -> list[dict]:
    """Add ``themes`` (list of slugs, best first) to each row, if kb has theme tagging."""
    themes = themes_for(store, [r["id"] for r in rows])
    for r in rows:
        r["themes"] = [slug for slug, _score, _source in themes.get(r["id"], [])]
    return rows


def themes_for(store, paper_ids: Sequence[int]) -> dict[int, list[tuple]]:
    """Each paper's effective themes, best first (``kb.knowledge.themes.themes_of``)."""
    if not paper_ids:
        return {}
    from kb.knowledge.themes import themes_of

    return themes_of(store, list(paper_ids)) or {}


__all__ = [
    "SORTS", "ROW_COLUMNS", "KNOWN_CITATIONS", "BM25_WEIGHTS", "PaperFilter", "build_query",
    "count_papers",
    "filter_where", "filter_ids", "query_papers", "row_to_dict", "attach_themes", "themes_for",
    "seed_distance_sql", "seed_ids_of",
]
