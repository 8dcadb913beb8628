"""What a run added: the digest a researcher reads after a periodic crawl.

Papers are those first stored by a run (``paper.added_by_run``) or after a date, ranked by
relevance to the seeds, grouped by theme, each with the reason it came in ("cites 3 of your
seeds", or the hop that reached it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from kb.errors import NotFoundError, UsageError
from kb.store import Store


UNTAGGED = "Untagged"


@dataclass
class Since:
    run_id: int | None = None
    date: str | None = None

    def describe(self) -> str:
        return f"run #{self.run_id}" if self.run_id is not None else f"{self.date}"


def parse_since(store: Store, text: str) -> Since:
    """``last`` (the latest run that added papers: a refresh that found nothing new does not
    hide what the run before it added), ``run:N``, or a date ``YYYY-MM-DD[THH:MM]``."""
    text = (text or "last").strip()
    if text == "last":
        row = store.conn.execute(
            "SELECT id FROM crawl_run WHERE status != 'running' AND new_papers > 0 "
            "ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            raise NotFoundError("no run has added papers yet; run `kb crawl` first")
        return Since(run_id=row[0])
    match = re.fullmatch(r"(?:run:)?#?(\d+)", text)
    if match and text.startswith(("run:", "#")):
        return Since(run_id=int(match.group(1)))
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return Since(date=moment.strftime("%Y-%m-%dT%H:%M:%S"))
    raise UsageError(f"--since takes 'last', 'run:N' or a date like 2026-11-01, not {text!r}")


def new_papers(store: Store, since: Since, *, theme: str | None = None, limit: int | None = None) -> list[dict]:
    conn = store.conn
    where, params = [], []
    if since.run_id is not None:
        where.append("p.added_by_run >= ?")
        params.append(since.run_id)
    else:
        where.append("p.added_at >= ?")
        params.append(since.date)
    if theme:
        from kb.knowledge.themes import theme_filter

        fragment, theme_params = theme_filter(store, theme)
        where.append(fragment)
        params += theme_params
    seed_source = "SELECT paper FROM seed"
    # Ordered outside: an ORDER BY expression may use output columns only in a subquery.
    sql = f"""
        SELECT * FROM (
        SELECT r.relevance AS rank_value, p.id, p.paper_id, p.title, p.year, p.venue, p.authors, p.citation_count, p.added_at,
               p.added_by_run, s.depth, s.reached_via, rf.title AS reached_from_title,
               (SELECT count(*) FROM citation c WHERE c.citing = p.id AND c.cited IN ({seed_source})) AS cites_seeds,
               (SELECT count(*) FROM citation c WHERE c.cited = p.id AND c.citing IN ({seed_source})) AS cited_by_seeds
        FROM paper p
        LEFT JOIN crawl_state s ON s.paper = p.id
        LEFT JOIN paper rf ON rf.id = s.reached_from
        LEFT JOIN paper_rank r ON r.paper = p.id
        WHERE {' AND '.join(where)}
        ) w
        ORDER BY rank_value DESC NULLS LAST, (cites_seeds + cited_by_seeds) DESC,
                 citation_count DESC, id
    """
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = [dict(r) for r in conn.execute(sql, params)]
    for row in rows:
        del row["rank_value"]
    themes_by_paper = _themes(store, [r["id"] for r in rows])
    names = {slug: name for slug, name in conn.execute("SELECT slug, name FROM theme")}
    for row in rows:
        row["authors"] = [a.get("name") for a in json.loads(row["authors"])] if row["authors"] else []
        row["why"] = _why(row)
        row["themes"] = themes_by_paper.get(row["id"], [])
        row["theme_names"] = [names.get(slug, slug) for slug in row["themes"]]
    return rows


def _themes(store: Store, ids: list[int]) -> dict[int, list[str]]:
    from kb.knowledge.themes import themes_of

    return {pid: [t[0] for t in tags] for pid, tags in themes_of(store, ids).items()}


def _why(row: dict) -> str:
    parts = []
    if row["cites_seeds"]:
        parts.append(f"cites {row['cites_seeds']} of your seeds")
    if row["cited_by_seeds"]:
        parts.append(f"cited by {row['cited_by_seeds']} of your seeds")
    if not parts and row.get("reached_from_title"):
        verb = "cited by" if row.get("reached_via") == "refs" else "cites"
        parts.append(f"{verb} {row['reached_from_title']}")
    return "; ".join(parts) or "found by the crawl"


def group_by_theme(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        for theme in (row["theme_names"][:1] or [UNTAGGED]):
            groups.setdefault(theme, []).append(row)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == UNTAGGED, -len(kv[1]), kv[0])))


def digest_markdown(rows: list[dict], since: Since) -> str:
    lines = [f"# New in the knowledge base since {since.describe()}", "",
             f"{len(rows)} new papers.", ""]
    for theme, items in group_by_theme(rows).items():
        lines += [f"## {theme} ({len(items)})", ""]
        for r in items:
            names = [str(a) for a in r["authors"] or [] if a]  # an API author may have no name
            authors = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
            title = _md_escape(r["title"] or r["paper_id"])
            link = f"https://www.semanticscholar.org/paper/{r['paper_id']}"
            meta = ", ".join(str(x) for x in (authors, r["year"], r["venue"]) if x)
            lines.append(f"- [{title}]({link}){' — ' + _md_escape(meta) if meta else ''}  ")
            lines.append(f"  Why: {_md_escape(r['why'])}")
        lines.append("")
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", str(text))
