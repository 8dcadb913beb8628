"""CSL-JSON: the citation format Pandoc (``--citeproc``), Zotero and most reference managers
read. The ``id`` is the BibTeX key, so ``@key`` citations work with either file.
"""

from __future__ import annotations

import json
import re

from kb.output.entries import ExportEntry
from kb.output.formats.names import split_name

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


CSL_TYPES = {"post": "post-weblog",
             "preprint": "article",  # Zotero imports CSL "article" as a preprint
             "conference": "paper-conference", "book": "book", "chapter": "chapter",
             "dataset": "dataset", "journal": "article-journal", "other": "article"}


def issued(entry: ExportEntry) -> dict | None:
    m = _DATE.match(entry.publication_date or "")
    if m:
        parts = [int(p) for p in m.groups() if p]
        if entry.year and parts[0] != entry.year:
            parts = [int(entry.year)]
        return {"date-parts": [parts]}
    if entry.year:
        return {"date-parts": [[int(entry.year)]]}
    return None


def _text(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = " ".join("".join(" " if ord(c) < 32 else c for c in str(value)).split())
    return cleaned or None


def item(entry: ExportEntry) -> dict:
    out: dict = {"id": entry.key, "citation-key": entry.key, "type": entry.type_in(CSL_TYPES)}
    if entry.title:
        out["title"] = _text(entry.title)
    authors = [split_name(a) for a in entry.authors]
    authors = [a for a in authors if a]
    if authors:
        out["author"] = authors
    date = issued(entry)
    if date:
        out["issued"] = date
    if entry.venue and not entry.is_preprint:
        out["container-title"] = _text(entry.venue)
    if entry.is_preprint:
        out["publisher"] = "arXiv"
        out["number"] = f"arXiv:{entry.arxiv_id.strip()}"
        out["genre"] = "Preprint"
    if entry.doi:
        out["DOI"] = entry.doi.strip()
    url = entry.main_url
    if url:
        out["URL"] = url
    if entry.abstract:
        out["abstract"] = _text(entry.abstract)
    if entry.themes:
        out["keyword"] = ", ".join(entry.themes)
    notes = []
    if entry.why:
        notes.append(_text(entry.why))
    if entry.tldr:
        notes.append("TLDR: " + _text(entry.tldr))
    if entry.corpus_id:
        notes.append(f"CorpusId: {entry.corpus_id}")
    if entry.arxiv_id:
        notes.append(f"arXiv: {entry.arxiv_id.strip()}")
    if notes:
        out["note"] = "\n".join(notes)
    return out


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    return json.dumps([item(e) for e in entries], ensure_ascii=False, indent=2) + "\n"
