"""Markdown reading list: grouped by theme, best-ranked first, one block per paper.

Everything that comes from the store is escaped, so a title such as ``*Attention* [is] all
<you> need`` prints as written instead of turning into emphasis, a link or raw HTML. A paper
is listed once, under its strongest theme; its other themes are named in its block. Groups
come in the order of their best-ranked paper, so the most relevant theme is first; untagged
papers are last.
"""

from __future__ import annotations

import re

from kb.output.entries import UNTAGGED, ExportEntry

# Characters that start emphasis, code, links, raw HTML, entities, tables, strikethrough or
# math inside a line (CommonMark and GitHub's extensions). Other punctuation only matters at
# the start of a line, see _BLOCK_START.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$])")
_BLOCK_START = re.compile(r"^([#+\-=>!]|\d+[.)])")


def md_escape(text: str | None) -> str:
    """Inline Markdown for literal text: characters Markdown or HTML could read as syntax are
    backslash-escaped (CommonMark allows it before any punctuation), a leading character that
    would open a heading, list or quote is escaped too, and line breaks become spaces so a
    value cannot start a new block."""
    if not text:
        return ""
    text = " ".join("".join(" " if ord(c) < 32 else c for c in str(text)).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: "\\" + m.group(0) if m.group(0)[0] in "#+-=>!"
                            else m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def format_authors(authors: list[str], limit: int = 3) -> str:
    if not authors:
        return "Unknown authors"
    if len(authors) > limit:
        return ", ".join(authors[:limit]) + " et al."
    return ", ".join(authors)


def _link(label: str, url: str) -> str:
    # URLs come from kb.output.export (percent-encoded, http/https only); <> keeps any leftover
    # parenthesis from ending the link.
    return f"[{label}](<{url}>)"


def entry_block(entry: ExportEntry, *, checklist: bool = False, number: int | None = None) -> str:
    title = md_escape(entry.title) or md_escape(entry.paper_id)
    head = f"**{title}**"
    if checklist:
        marker = "- [x] " if entry.read_at else "- [ ] "
    else:
        marker = f"{number}. " if number is not None else "- "
    indent = " " * len(marker)
    meta = md_escape(format_authors(entry.authors))
    meta += f" ({entry.year})" if entry.year else " (n.d.)"
    if entry.venue:
        meta += f". *{md_escape(entry.venue)}*"
    lines = [f"{marker}{head}", f"{indent}{meta}"]
    link_labels = {"post": "Post", "s2": "Semantic Scholar", "doi": "DOI", "arxiv": "arXiv", "pdf": "PDF"}
    links = entry.links()
    if links:
        lines.append(indent + " · ".join(_link(link_labels[k], u) for k, u in links.items()))
    if entry.tldr:
        lines.append(f"{indent}*TL;DR:* {md_escape(entry.tldr)}")
    if entry.why:
        lines.append(f"{indent}*Why it is here:* {md_escape(entry.why)}")
    others = [entry.theme_names.get(t, t) for t in entry.themes[1:]]
    if others:
        lines.append(f"{indent}*Also:* {md_escape(', '.join(others))}")
    if checklist and entry.note:
        lines.append(f"{indent}*Note:* {md_escape(entry.note)}")
    # Two trailing spaces make each line its own line in rendered Markdown.
    return "  \n".join(lines)


def group_by_theme(entries: list[ExportEntry]) -> list[tuple[str, list[ExportEntry]]]:
    groups: dict[str, list[ExportEntry]] = {}
    names: dict[str, str] = {}
    for e in entries:
        slug = e.primary_theme or ""
        groups.setdefault(slug, []).append(e)
        if slug:
            names[slug] = e.theme_names.get(slug, slug)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", min(x.position for x in kv[1])))
    return [(names.get(slug, UNTAGGED) if slug else UNTAGGED, items) for slug, items in ordered]


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    heading = md_escape(title) if title else "Reading list"
    out = [f"# {heading}", ""]
    read = sum(1 for e in entries if e.read_at)
    summary = f"{len(entries)} paper{'s' if len(entries) != 1 else ''}"
    if checklist:
        summary += f", {read} read"
    out += [f"_{summary}, grouped by theme, best-ranked first._", ""]
    for group, items in group_by_theme(entries):
        out += [f"## {md_escape(group)}", ""]
        for n, e in enumerate(items, 1):
            out += [entry_block(e, checklist=checklist, number=n), ""]
    return "\n".join(out).rstrip("\n") + "\n"
