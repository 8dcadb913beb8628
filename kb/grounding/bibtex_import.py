"""Seeds from a BibTeX file: each entry becomes a mention, resolved by DOI, then arXiv id, then
title, like a mention in prose.

A small parser rather than a dependency: seeding needs only a few fields of each entry, and it
must cope with the brace-nested, half-valid .bib files that reference managers and people
write, skipping what it cannot read instead of refusing the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import UsageError
from kb.grounding.mentions import Mention

_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v\d+)?", re.I)


@dataclass
class BibEntry:
    type: str
    key: str
    fields: dict[str, str] = field(default_factory=dict)
    start: int = 0
    end: int = 0


def _clean(value: str) -> str:
    value = re.sub(r"\\[a-zA-Z]+\s*", "", value)         # \emph, \textit ...
    value = value.replace("{", "").replace("}", "").replace("~", " ")
    return " ".join(value.split())


def _read_value(text: str, i: int) -> tuple[str, int]:
    """One field value starting at ``i``: {braced}, "quoted", a number or a macro, joined with #."""
    parts = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        c = text[i]
        if c == "{":
            depth, j = 0, i
            while j < len(text):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            parts.append(text[i + 1:j])
            i = j + 1
        elif c == '"':
            depth, j = 0, i + 1
            while j < len(text) and not (text[j] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            parts.append(text[i + 1:j])
            i = j + 1
        else:
            m = re.match(r"[^,}#\s]+", text[i:])
            if not m:
                break
            parts.append(m.group(0))
            i += m.end()
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        break
    return "".join(parts), i


def parse_bibtex(text: str) -> list[BibEntry]:
    entries = []
    for m in re.finditer(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)\s*,", text):
        etype = m.group(1).lower()
        if etype in ("comment", "string", "preamble"):
            continue
        entry = BibEntry(etype, m.group(2), start=m.start())
        i = m.end()
        while i < len(text):
            fm = re.match(r"\s*([A-Za-z][\w\-:.]*)\s*=\s*", text[i:])
            if not fm:
                break
            value, i = _read_value(text, i + fm.end())
            entry.fields[fm.group(1).lower()] = _clean(value)
            while i < len(text) and text[i] in " \t\r\n,":
                i += 1
            if i < len(text) and text[i] in "})":
                i += 1
                break
        entry.end = i
        entries.append(entry)
    return entries


def entry_id(entry: BibEntry) -> tuple[str | None, str]:
    """(paper id, kind) from the entry's DOI or arXiv fields; (None, 'title') otherwise."""
    f = entry.fields
    doi = f.get("doi", "").strip()
    if doi:
        doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi, flags=re.I)
        if doi.lower().startswith("10.48550/arxiv."):
            return "ARXIV:" + doi[len("10.48550/arXiv."):], "arxiv"
        if doi.startswith("10."):
            return "DOI:" + doi, "doi"
    eprint = f.get("eprint", "")
    if eprint and (f.get("archiveprefix", "").lower() == "arxiv" or _ARXIV_ID.fullmatch(eprint.strip())):
        m = _ARXIV_ID.search(eprint)
        if m:
            return "ARXIV:" + m.group(1), "arxiv"
    for name in ("url", "journal", "note", "howpublished"):
        value = f.get(name, "")
        m = re.search(r"arxiv(?:\.org/(?:abs|pdf)/|:\s*|\s+preprint\s+arxiv:\s*|\s+)" + _ARXIV_ID.pattern, value, re.I)
        if m:
            return "ARXIV:" + m.group(1), "arxiv"
    return None, "title"


def bib_mentions(path: Path) -> tuple[str, list[Mention]]:
    """The file's text and one mention per usable entry."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    entries = parse_bibtex(text)
    if not entries:
        raise UsageError(f"{path} has no BibTeX entries")
    out = []
    for e in entries:
        pid, kind = entry_id(e)
        title = e.fields.get("title", "")
        if not pid and not title:
            continue
        year = e.fields.get("year", "")
        sentence = f"@{e.type}{{{e.key}}}: {title}" + (f" ({year})" if year else "")
        surface = pid or title
        m = Mention(str(path), surface, e.start, e.end, kind, sentence, id=pid, score=1.0)
        if year.isdigit():
            m.years = [int(year)]
        authors = e.fields.get("author", "")
        m.authors = [a.split(",")[0].split()[-1] for a in re.split(r"\s+and\s+", authors) if a.strip()][:3]
        out.append(m)
    return text, out
