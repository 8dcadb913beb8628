"""RIS: the line-based format every reference manager imports (EndNote, Zotero, Mendeley).

Each value sits on one ``TAG  - value`` line, so newlines inside a value are collapsed: an
abstract with a line reading ``ER  -`` must not end the record early.
"""

from __future__ import annotations

import re

from kb.output.entries import ExportEntry
from kb.output.formats.names import family_first

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


RIS_TYPES = {"post": "BLOG", "preprint": "UNPB", "conference": "CPAPER", "book": "BOOK",
             "chapter": "CHAP", "dataset": "DATA", "journal": "JOUR", "other": "GEN"}


def _line(tag: str, value) -> str | None:
    if value is None:
        return None
    text = " ".join("".join(" " if (ord(c) < 32 or ord(c) == 127) else c
                            for c in str(value)).split())
    return f"{tag}  - {text}" if text else None


def record(entry: ExportEntry) -> list[str]:
    kind = entry.type_in(RIS_TYPES)
    lines = [_line("TY", kind), _line("ID", entry.key), _line("TI", entry.title)]
    lines += [_line("AU", family_first(a)) for a in entry.authors]
    if entry.year:
        lines.append(_line("PY", entry.year))
    m = _DATE.match(entry.publication_date or "")
    if m:
        lines.append(_line("DA", f"{m.group(1)}/{m.group(2)}/{m.group(3)}/"))
    if entry.venue and not entry.is_preprint:
        lines.append(_line("JO" if kind == "JOUR" else "T2", entry.venue))
    if entry.is_preprint:
        lines.append(_line("PB", "arXiv"))
        lines.append(_line("M1", f"arXiv:{entry.arxiv_id}"))
    lines.append(_line("DO", entry.doi))
    for url in entry.links().values():
        if url != entry.pdf_url:
            lines.append(_line("UR", url))
    lines.append(_line("L1", entry.pdf_url))
    lines.append(_line("AB", entry.abstract))
    lines += [_line("KW", t) for t in entry.themes]
    lines.append(_line("N1", entry.why))
    if entry.tldr:
        lines.append(_line("N1", "TLDR: " + entry.tldr))
    lines.append("ER  - ")
    return [line for line in lines if line]


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    return "".join("\n".join(record(e)) + "\n\n" for e in entries)
