"""Everything the store knows about one paper, gathered for ``kb show``.

A reader deciding whether a paper matters wants, in one place: what it is (bibliographic
fields and links), what it is about (themes with where each tag came from, TLDR, abstract),
how it sits in the graph (rank figures and their positions among all stored papers, distance
from the seeds, and why its relevance is high: what it shares with which seeds), why kb has it
(the seed sentences that name it), and its strongest neighbours in the store (references and
citers ordered by relevance).
"""

from __future__ import annotations

import json
import sqlite3

from kb.knowledge.query import json_list, row_to_dict, seed_distance_sql, seed_ids_of, themes_for
from kb.knowledge.recommendations import recommendation_reasons
from kb.knowledge.similar import why_relevant
from kb.knowledge.trail import seed_distance

S2_PAPER_URL = "https://www.semanticscholar.org/paper/{}"
RANK_FIGURES = ("relevance", "seed_pagerank", "pagerank", "cocitation", "coupling", "in_citations")


def links(row) -> dict:
    if row["kind"] == "post":
        return {"post": row["url"]} if row["url"] else {}
    out = {"semantic_scholar": S2_PAPER_URL.format(row["paper_id"])}
    if row["doi"]:
        out["doi"] = f"https://doi.org/{row['doi']}"
    if row["arxiv_id"]:
        out["arxiv"] = f"https://arxiv.org/abs/{row['arxiv_id']}"
    if row["open_access_pdf"]:
        out["pdf"] = row["open_access_pdf"]
    return out


def source(store, row) -> dict:
    """Where the record came from: the Graph API (a crawl, refresh or seed lookup) and/or a
    bulk datasets release (``kb datasets extract``)."""
    added_by = store.conn.execute("SELECT kind FROM crawl_run WHERE id = ?",
                                  (row["added_by_run"],)).fetchone() if row["added_by_run"] else None
    from_api = row["detail_level"] >= 1 and (row["bulk_release"] is None or
                                             (added_by is not None and added_by[0] != "bulk"))
    return {"api": bool(from_api), "bulk_release": row["bulk_release"]}


def rank_figures(store, paper: int) -> dict | None:
    """The paper's figures, each with its position among ranked papers (1 = best)."""
    row = store.conn.execute("SELECT * FROM paper_rank WHERE paper = ?", (paper,)).fetchone()
    if row is None:
        return None
    # One scan counts, for every figure at once, the papers ranked above this one.
    sums = ", ".join(f"count(*) FILTER (WHERE {name} > ?)" for name in RANK_FIGURES)
    counts = store.conn.execute(f"SELECT count(*), {sums} FROM paper_rank",
                                [row[name] for name in RANK_FIGURES]).fetchone()
    ranked = counts[0]
    figures: dict = {}
    for i, name in enumerate(RANK_FIGURES):
        figures[name] = {"value": row[name], "position": counts[i + 1] + 1, "of": ranked}
    figures["in_references"] = {"value": row["in_references"]}
    return figures


def seed_sentences(store, paper: int, *, limit: int = 20) -> list[dict]:
    """Sentences in the seed documents that name this paper."""
    rows = store.conn.execute(
        "SELECT m.sentence AS sentence, m.surface AS surface, m.status AS status, m.kind AS kind, "
        "d.path AS document FROM mention m LEFT JOIN document d ON d.id = m.document "
        "WHERE m.paper = ? AND m.status != 'rejected' ORDER BY m.id", (paper,)).fetchall()
    out, seen = [], set()
    for r in rows:  # one line per sentence, however many mentions it holds
        key = (r["document"], r["sentence"])
        if r["sentence"] and key not in seen:
            seen.add(key)
            out.append(dict(r))
    return out[:limit]


def _neighbours(store, paper: int, direction: str, limit: int) -> tuple[int, list[dict]]:
    """Papers this one cites ("references") or that cite it ("citers"), best ranked first."""
    if direction == "references":
        edge, other = "c.citing = ?", "c.cited"
    else:
        edge, other = "c.cited = ?", "c.citing"
    conn = store.conn
    total = conn.execute(f"SELECT count(*) FROM citation c WHERE {edge}", (paper,)).fetchone()[0]
    rows = conn.execute(
        f"SELECT p.id, p.paper_id, p.title, p.year, p.authors, r.relevance, r.seed_pagerank, r.pagerank, "
        f"r.in_citations, c.is_influential, {seed_distance_sql(store)} AS seed_distance "
        f"FROM citation c JOIN paper p ON p.id = {other} "
        f"LEFT JOIN paper_rank r ON r.paper = p.id "
        f"LEFT JOIN crawl_state cs ON cs.paper = p.id "
        f"WHERE {edge} ORDER BY r.relevance DESC NULLS LAST, r.seed_pagerank DESC NULLS LAST, "
        f"p.id LIMIT ?", (paper, limit)).fetchall()
    return total, [row_to_dict(r) for r in rows]


def paper_view(store, row: sqlite3.Row, *, neighbours: int = 8, sentences: int = 20) -> dict:
    """All of ``kb show`` for the paper ``row`` (a ``paper`` row, e.g. from resolve_paper)."""
    pid = row["id"]
    conn = store.conn
    view = {
        "id": pid,
        "paper_id": row["paper_id"],
        "corpus_id": row["corpus_id"],
        "title": row["title"],
        "authors": row_to_dict(row)["authors"],
        "year": row["year"],
        "publication_date": row["publication_date"],
        "venue": row["venue"],
        "doi": row["doi"],
        "arxiv_id": row["arxiv_id"],
        "citation_count": row["citation_count"],
        "reference_count": row["reference_count"],
        "influential_citation_count": row["influential_citation_count"],
        "fields_of_study": json_list(row["fields_of_study"]),
        "publication_types": json_list(row["publication_types"]),
        "detail_level": row["detail_level"],
        "links": links(row),
        "source": source(store, row),
        "tldr": row["tldr"],
        "abstract": row["abstract"],
        "kind": row["kind"],
        # Lists longer than the API's 10,000-entry window: only their start could be fetched.
        "truncated_lists": [name for name, flag in (("references", row["refs_truncated"]),
                                                    ("citations", row["cits_truncated"])) if flag],
        "failing_lists": [{"list": "references" if d == "refs" else "citations", "error": e}
                          for d, e in conn.execute(
                              "SELECT direction, error FROM failed_list WHERE paper = ?", (pid,))],
    }
    if row["kind"] == "post":
        post = conn.execute("SELECT forum_id, slug, karma, vote_count, comment_count, word_count, af, tags "
                            "FROM post WHERE paper = ?", (pid,)).fetchone()
        if post is not None:
            view["post"] = dict(post, af=None if post["af"] is None else bool(post["af"]),
                                tags=json_list(post["tags"]))
    view["themes"] = [{"theme": slug, "score": score, "source": source}
                      for slug, score, source in themes_for(store, [pid]).get(pid, [])]
    signals = _tag_signals(conn, pid)
    for t in view["themes"]:
        if t["source"] != "manual" and t["theme"] in signals:
            t["signals"] = signals[t["theme"]]
    is_seed = conn.execute("SELECT 1 FROM seed WHERE paper = ?", (pid,)).fetchone() is not None
    crawl = conn.execute("SELECT depth, status, reached_via, reached_from FROM crawl_state "
                         "WHERE paper = ?", (pid,)).fetchone()
    view["is_seed"] = is_seed or bool(crawl and crawl["depth"] == 0)
    # The hops `kb trail` shows, from the stored graph: the crawl's own depth goes stale when
    # a seed is added later.
    view["seed_distance"] = 0 if view["is_seed"] else seed_distance(store, pid)
    view["crawl"] = dict(crawl) if crawl else None
    if crawl and crawl["reached_from"] is not None:
        reached = conn.execute("SELECT paper_id, title FROM paper WHERE id = ?",
                               (crawl["reached_from"],)).fetchone()
        if reached:
            view["crawl"]["reached_from_paper"] = dict(reached)
    view["ranks"] = rank_figures(store, pid)
    view["why"] = ([*why_relevant(store, pid, seed_ids_of(store)), *recommendation_reasons(store, pid)]
                   if not view["is_seed"] else [])
    view["seed_sentences"] = seed_sentences(store, pid, limit=sentences)
    view["references_in_store"], view["references"] = _neighbours(store, pid, "references",
                                                                  neighbours)
    view["citers_in_store"], view["citers"] = _neighbours(store, pid, "citers", neighbours)
    return view


def _tag_signals(conn, pid: int) -> dict[str, dict]:
    """Per theme, the signals that gave the paper's automatic tag (kb tag auto records them)."""
    out: dict[str, dict] = {}
    for theme, signals in conn.execute(
            "SELECT theme, signals FROM paper_theme WHERE paper = ? AND source != 'manual'"
            " AND signals IS NOT NULL", (pid,)):
        out.setdefault(theme, json.loads(signals))
    return out
