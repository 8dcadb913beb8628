"""CSV for spreadsheets, with cells that cannot become formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection: a paper titled
``=HYPERLINK("http://evil", "x")``). Such cells get a leading apostrophe, which spreadsheets
show as text and hide.
"""

from __future__ import annotations

import csv
import io

from kb.output.entries import ExportEntry

COLUMNS = ("position", "key", "title", "authors", "year", "venue", "themes", "citations",
           "seed_distance", "seed_pagerank", "doi", "arxiv", "s2_url", "pdf_url", "tldr", "why",
           "paper_id", "kind", "post_url")
LIST_COLUMNS = ("read", "read_at", "note")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def guard(value) -> str:
    """The cell text for ``value``, defused if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def row(entry: ExportEntry, checklist: bool) -> list[str]:
    values = {
        "position": entry.position, "key": entry.key, "title": entry.title,
        "authors": "; ".join(entry.authors), "year": entry.year, "venue": entry.venue,
        "themes": ", ".join(entry.themes), "citations": entry.citation_count,
        "seed_distance": entry.seed_distance, "seed_pagerank": entry.seed_pagerank,
        "doi": entry.doi, "arxiv": entry.arxiv_id, "s2_url": entry.s2_url,
        "pdf_url": entry.pdf_url, "tldr": entry.tldr, "why": entry.why,
        "kind": entry.kind, "post_url": entry.post_url,
        "paper_id": entry.paper_id, "read": entry.read_at is not None,
        "read_at": entry.read_at, "note": entry.note,
    }
    columns = COLUMNS + (LIST_COLUMNS if checklist else ())
    return [guard(values[c]) for c in columns]


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS + (LIST_COLUMNS if checklist else ()))
    for e in entries:
        writer.writerow(row(e, checklist))
    return buffer.getvalue()
