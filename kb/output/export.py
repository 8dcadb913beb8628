"""Reading-list exports: which papers, everything a reader needs about each, in one format.

An export is three steps kept apart so each can be tested alone: choose paper ids (the same
:class:`kb.knowledge.query.PaperFilter` as ``kb search``, or a saved reading list), gather one
:class:`ExportEntry` per paper (bibliographic fields, links, themes, rank and the "why it is
here" line), then render the entries in a format (``kb.output.formats``). Rendering returns text;
writing it anywhere is the caller's business (``kb.output.atomic_write``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from kb.errors import UsageError
from kb.knowledge.query import (
    PaperFilter,
    filter_ids,
    json_list,
    seed_distance_sql,
    seed_ids_of,
    themes_for,
)
from kb.output.entries import UNTAGGED, ExportEntry, safe_url  # noqa: F401  (re-exported)

#: Format names accepted by ``kb export --format`` and ``kb list export --format``.
FORMATS = ("md", "bib", "csl-json", "ris", "csv", "json")
FORMAT_ALIASES = {
    "markdown": "md", "bibtex": "bib", "csljson": "csl-json", "csl": "csl-json",
    "csl_json": "csl-json",
}
#: The file name extension each format conventionally has (for suggestions and tests).
EXTENSIONS = {"md": ".md", "bib": ".bib", "csl-json": ".json", "ris": ".ris", "csv": ".csv",
              "json": ".json"}

def normalise_format(name: str) -> str:
    key = (name or "").strip().lower()
    key = FORMAT_ALIASES.get(key, key)
    if key not in FORMATS:
        raise UsageError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return key


# -- choosing papers ---------------------------------------------------------------------------

def select_ids(store, f: PaperFilter, *, query: str | None = None) -> list[int]:
    """The ids a filter selects, in its order; with ``query``, the papers ``kb search``
    finds for it (by relevance unless the filter sorts otherwise)."""
    if query is None or not query.strip():
        if f.sort == "relevance":
            f.sort = "rank"
        return filter_ids(store, f)
    from kb.knowledge.search import search_papers

    return [int(r["id"]) for r in search_papers(store, query, f)]


# -- gathering entries -------------------------------------------------------------------------

def _author_names(row: sqlite3.Row) -> list[str]:
    names = []
    for a in json_list(row["authors"]):
        if isinstance(a, dict) and a.get("name"):
            names.append(" ".join(str(a["name"]).split()))
        elif isinstance(a, str) and a.strip():
            names.append(" ".join(a.split()))
    return names


def _chunks(ids: Sequence[int], size: int = 900):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _rows_by_id(store, sql_template: str, ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    out: dict[int, sqlite3.Row] = {}
    for chunk in _chunks(list(ids)):
        marks = ",".join("?" * len(chunk))
        for row in store.conn.execute(sql_template.format(marks=marks), chunk):
            out[row[0]] = row
    return out


def theme_names(store) -> dict[str, str]:
    """Display names of themes from the store's mirror of the taxonomy (slug -> name)."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT slug, name FROM theme")}


def collect_entries(store, ids: Sequence[int], *, list_items: dict[int, sqlite3.Row] | None = None
                    ) -> list[ExportEntry]:
    """One entry per id, in the order given (ids missing from the store are skipped)."""
    ids = [int(i) for i in dict.fromkeys(ids)]
    if not ids:
        return []
    distance = seed_distance_sql(store)
    rows = _rows_by_id(
        store,
        "SELECT p.id, p.*, r.seed_pagerank AS _seed_pagerank, r.pagerank AS _pagerank, "
        f"{distance} AS _seed_distance "
        "FROM paper p LEFT JOIN paper_rank r ON r.paper = p.id "
        "LEFT JOIN crawl_state cs ON cs.paper = p.id WHERE p.id IN ({marks})",
        ids)
    themes = themes_for(store, ids)
    names = theme_names(store)
    seeds = seed_ids(store)
    why = why_lines(store, ids, seeds=seeds)
    entries: list[ExportEntry] = []
    for i in ids:
        row = rows.get(i)
        if row is None:
            continue
        ext = None
        try:
            ext = json.loads(row["external_ids"]) if row["external_ids"] else None
        except ValueError:
            ext = None
        slugs = [t[0] for t in themes.get(i, [])]
        entry = ExportEntry(
            id=i, paper_id=row["paper_id"], title=_clean(row["title"]),
            authors=_author_names(row), year=row["year"],
            publication_date=row["publication_date"], venue=_clean(row["venue"]),
            doi=row["doi"], arxiv_id=row["arxiv_id"], corpus_id=row["corpus_id"],
            abstract=row["abstract"], tldr=row["tldr"], citation_count=row["citation_count"],
            reference_count=row["reference_count"],
            influential_citation_count=row["influential_citation_count"],
            open_access_pdf=row["open_access_pdf"], bibtex=row["bibtex"],
            fields_of_study=[str(x) for x in json_list(row["fields_of_study"])],
            publication_types=[str(x) for x in json_list(row["publication_types"])],
            url=row["url"], themes=slugs, theme_names={s: names.get(s, s) for s in slugs},
            position=len(entries) + 1, seed_pagerank=row["_seed_pagerank"],
            pagerank=row["_pagerank"], seed_distance=row["_seed_distance"],
            is_seed=i in seeds, why=why.get(i), kind=row["kind"],
        )
        if ext and not entry.arxiv_id and isinstance(ext, dict) and ext.get("ArXiv"):
            entry.arxiv_id = str(ext["ArXiv"])
        if list_items and i in list_items:
            item = list_items[i]
            entry.read_at = item["read_at"]
            entry.note = item["note"]
        entries.append(entry)
    return entries


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(str(text).split()) or None


def seed_ids(store) -> set[int]:
    """The papers the user named as seeds (see ``kb.knowledge.query.seed_ids_of``)."""
    return set(seed_ids_of(store))


# -- why it is here ----------------------------------------------------------------------------

def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _seed_sentences(store, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """For each seed paper: the first sentence of a seed document that names it, and the
    document's path. Ids and titles typed on the command line have no sentence worth quoting
    (their "sentence" is the command itself), so they are not used."""
    out: dict[int, tuple[str, str | None]] = {}
    for chunk in _chunks(list(ids)):
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            "SELECT m.paper, m.sentence, d.path FROM mention m "
            "JOIN document d ON d.id = m.document "
            f"WHERE m.paper IN ({marks}) AND m.sentence IS NOT NULL AND m.sentence != '' "
            "AND d.kind != 'manual' ORDER BY m.paper, d.path, m.id", chunk)
        for row in rows:
            out.setdefault(row[0], (row[1], row[2]))
    return out


def why_lines(store, ids: Sequence[int], *, seeds: set[int] | None = None,
              max_hops: int = 8) -> dict[int, str]:
    """Why each paper is in the store, in one line: the seed sentence that named a seed, or
    the crawl step that reached it ("cited by “X”") and the seed that step descends from.

    It follows ``crawl_state.reached_from`` (one row per paper), which is cheap; the full
    trail is ``kb trail``."""
    seeds = seed_ids(store) if seeds is None else seeds
    sentences = _seed_sentences(store, [i for i in ids if i in seeds])
    out: dict[int, str] = {}
    titles: dict[int, str] = {}

    def title_of(pid: int) -> str:
        if pid not in titles:
            row = store.conn.execute("SELECT title, paper_id FROM paper WHERE id = ?",
                                     (pid,)).fetchone()
            titles[pid] = _short(row[0] if row and row[0] else (row[1] if row else str(pid)), 90)
        return titles[pid]

    def step(pid: int):
        return store.conn.execute(
            "SELECT reached_from, reached_via FROM crawl_state WHERE paper = ?", (pid,)).fetchone()

    for pid in ids:
        if pid in seeds:
            sentence = sentences.get(pid)
            if sentence:
                text, path = sentence
                where = f" in {path.rsplit('/', 1)[-1]}" if path else ""
                out[pid] = f"Seed, named{where}: “{_short(text, 280)}”"
            else:
                out[pid] = "Seed paper."
            continue
        first = step(pid)
        if first is None or first[0] is None:
            continue
        parent, via = first[0], first[1]
        relation = "cited by" if via == "refs" else "cites" if via == "cits" else "reached from"
        line = f"{relation} “{title_of(parent)}”"
        hops, current, seen = 1, parent, {pid}
        while current not in seeds and hops < max_hops and current not in seen:
            seen.add(current)
            nxt = step(current)
            if nxt is None or nxt[0] is None:
                break
            current = nxt[0]
            hops += 1
        if current in seeds and current != parent:
            line += f", {hops} hops from the seed “{title_of(current)}”"
        elif current == parent and parent in seeds:
            line += " (a seed)"
        out[pid] = line[0].upper() + line[1:] + "."
    return out


# -- rendering ---------------------------------------------------------------------------------

def render(entries: list[ExportEntry], fmt: str, *, title: str | None = None,
           checklist: bool = False) -> str:
    """The text of ``entries`` in format ``fmt``. ``checklist`` marks read/unread (lists)."""
    from kb.output.formats import RENDERERS
    from kb.output.formats.bibtex import assign_keys

    fmt = normalise_format(fmt)
    assign_keys(entries)
    return RENDERERS[fmt](entries, title=title, checklist=checklist)


def export_papers(store, f: PaperFilter, fmt: str, *, query: str | None = None,
                  title: str | None = None) -> tuple[str, int]:
    """Select, gather and render; returns (text, number of papers)."""
    fmt = normalise_format(fmt)
    ids = select_ids(store, f, query=query)
    entries = collect_entries(store, ids)
    return render(entries, fmt, title=title), len(entries)
