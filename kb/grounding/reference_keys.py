"""Citation keys resolved against the page's own reference list.

Papers' introductions, reports, research notes and forum posts with footnotes cite in the text with
a key ("(Shah et al., 2022)", "Hubinger et al. 2024", "Anthropic (2025)", "[3]", "...transformers[^2]")
and list the works at the end ("References", "Sources", "Bibliography", footnote definitions,
"[3] Aw et al. 2023, Title, ICLR-2023" lines). Each kind of evidence is weak alone: a capitalised
name before a year may be a model, a month or an organisation; a bracketed number may be a footnote
that only comments; a line under "References" may be a venue's name. Together they are strong: a
key that matches an entry of the page's own list (the same first author or organisation and year,
the same number, the same footnote label) is a citation of that entry's work, and the entry gives
the work's title, which is itself a mention of the work.

This module only reads the page: :func:`entries` parses the list into :class:`Entry` records
(number or label, authors or organisation, year, the title's span, the span of the rest of the
entry: venue, volume, identifiers) and :func:`citations` finds the keys in the text that match
them. ``mentions.py`` turns both into mentions. Nothing here knows any particular page or work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENTRY = "an entry of the page's reference list"
KEY = "a citation key of the page's reference list"

# "## References", "**Sources**", "References & Further Reading", "Footnotes:"
_HEADING = re.compile(
    r"^[ \t]*(?P<hashes>#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:\d+\.?[ \t]+)?"
    r"(?:References?|Bibliography|Works[ \t]+Cited|Sources|Citations|Footnotes|End[ \t]?notes|Notes|Literature(?:[ \t]+Cited)?|"
    r"Further[ \t]+Reading|Reading[ \t]+List|Key[ \t]+References|Cited[ \t]+Works|Papers[ \t]+Cited)"
    r"(?:[ \t]*(?:&|and)[ \t]*(?:Further[ \t]+Reading|Notes|Sources|Citations))?"
    r"[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*$", re.M | re.I)
_MD_HEADING = re.compile(r"^[ \t]*(#{1,6})[ \t]+\S", re.M)
_RULE = re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$", re.M)

# what opens an entry: "[3]", "[3]:", "[^label]:", "3.", "- ", "* "
_MARKER = re.compile(r"[ \t]*(?:\[(?P<num>\d{1,3})\]:?|\[\^(?P<label>[\w\-]{1,40})\]:|(?P<ord>\d{1,3})[.)]|[-*\u2022])[ \t]+")
_FOOTNOTE_DEF = re.compile(r"^[ \t]*\[\^(?P<label>[\w\-]{1,40})\]:[ \t]*\S", re.M)
_NUMBERED_LINE = re.compile(r"^[ \t]*\[(?P<num>\d{1,3})\]:?[ \t]+\S", re.M)

_NAME = r"[A-Z\u00C0-\u00DE][\w'\u2019\u00C0-\u024F\-]*"
_PARTICLE = r"(?:van|von|de|der|den|da|di|du|le|la|del|dos)"
_YEAR = r"(?:19|20)\d\d"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
# the authors' part of an entry: "Amodei, D., Olah, C., ... & Mané, D.", "Oota et al.", "Clark, Tafjord, et al.",
# "Anthropic", "OpenAI & Anthropic", "Center for AI Safety & Scale AI", "Apollo Research"
_NAMES_WORD = re.compile(rf"{_PARTICLE}|et|al\.?|and|&|for|of|the|[A-Z]\.(?:[ \t]?-?[A-Z]\.)*|\.\.\.|\u2026|{_NAME}")
# APA and its kin: "Names (2021). Title. Venue" / "Names (2025, November 17). Title" / "Names. (2025). Title"
_APA = re.compile(rf"(?P<names>[^()\n]{{1,400}}?)\.?[ \t]*\((?P<year>{_YEAR})[a-z]?(?:,[^()\n]{{1,25}})?\)[.:,]?[ \t]+(?P<rest>\S.*)")
# ACM: "Hubinger, E., van Merwijk, C., and Garrabrant, S. 2019. Title. Venue."
_ACM = re.compile(rf"(?P<names>[^()\n]{{1,400}}?\.)[ \t]+(?P<year>{_YEAR})[a-z]?\.[ \t]+(?P<rest>\S.*)")
# "Oota et al. 2022, Title, NAACL-2022" (a reviewer's list)
_NAME_YEAR_COMMA = re.compile(rf"(?P<names>{_NAME}(?:[ \t]+et[ \t]+al\.?|[ \t]+(?:and|&)[ \t]+{_NAME})?),?[ \t]+(?P<year>{_YEAR})[a-z]?,[ \t]*(?P<rest>\S.*)")
# "[2] Sohn et al. Learning Structured Output Representation .... NeurIPS 2015." (a paper's numbered list)
_TITLE_THEN_VENUE = re.compile(rf"(?P<names>[^.\n]{{1,200}}?)\.[ \t]+(?P<title>[^\n]{{5,300}}?)[.?!][ \t]+"
                               rf"(?:[A-Z][\w&.'\-]*(?:[ \t]+[\w&.'\-]+){{0,6}}[ \t]+)?(?P<year>{_YEAR})[a-z]?\.?[ \t]*$")
# 'Elhage, N., et al. "A Mathematical Framework ..." *Anthropic (2021)*' (a quoted title, the year anywhere after it)
_QUOTED = re.compile(r"(?P<names>[^\"\u201c\n]{1,300}?)\.?[ \t]+[\"\u201c](?P<title>[^\"\u201d\n]{6,300}?)[.,]?[\"\u201d](?P<rest>.*)")

# where a plain title ends: ". " (not after an initial, "vs", "e.g", "al"), "? ", "! "
_TITLE_END = re.compile(r"(?<!\b[A-Z])(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bal)(?<!\bet)\.(?=\s|$)|(?<=[?!])(?=\s|$)")
_VENUE_TAIL = re.compile(rf"(?:,[ \t]*|(?<=\?)[ \t]+)(?P<venue>[A-Z][\w&.'\- ]{{0,60}}?[ \-']?{_YEAR}|[A-Z]{{2,10}}|arXiv[^\n,]*)[ \t.]*$")


@dataclass(frozen=True)
class Entry:
    """One work of the page's list: where it stands, its key, its authors, its year and its title."""
    start: int                      # the entry's text, marker included
    end: int
    key: str | None                 # "3" for "[3]" / "3.", "^label" for a footnote, None for a bullet or a bare line
    names: tuple[str, ...]          # surnames or organisations, in order ("Amodei", "Olah"; "OpenAI", "Anthropic")
    year: int | None
    title_start: int
    title_end: int
    names_start: int
    names_end: int
    rest_end: int                   # the entry's venue, volume and identifiers end here (before a second reference it holds)
    month: int | None = None        # "(2026, February 3)", "February 2026": what an organisation-and-date key may give


@dataclass(frozen=True)
class Citation:
    """A key in the text that names an entry of the page's list."""
    start: int
    end: int
    entry: Entry
    how: str                        # "number", "footnote", "author-year"
    ambiguous: bool = False         # another entry has the same first author and year ("Sun et al. 2023")


def _sections(text: str) -> list[tuple[int, int]]:
    """The spans under a references-like heading, each up to the next heading of its level or above
    (any heading when the list's own heading is not a markdown one) or a horizontal rule."""
    out = []
    for h in _HEADING.finditer(text):
        level = len(h.group("hashes").strip()) if h.group("hashes") else 7
        end = len(text)
        for nxt in _MD_HEADING.finditer(text, h.end()):
            if len(nxt.group(1)) <= level:
                end = nxt.start()
                break
        if (rule := _RULE.search(text, h.end(), end)) is not None:
            end = rule.start()
        out.append((h.end(), end))
    return out


def _paragraphs(text: str, a: int, b: int):
    """The entries of a list's span, one a line: an indented line or one in lower case continues the
    entry before it (a wrapped reference)."""
    cur = None
    pos = a
    for line in text[a:b].split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if not line.strip():
            if cur:
                yield cur
            cur = None
            continue
        if cur is None or _MARKER.match(line) or not line[:1].isspace() and not line[:1].islower():
            if cur:
                yield cur
            cur = [s, e]
        else:
            cur[1] = e
    if cur:
        yield cur


def _names_ok(names: str) -> bool:
    """Does this read as a reference's authors or an organisation (not a sentence)?"""
    words = names.replace(",", " ").split()
    if not words or len(words) > 80:
        return False
    if not (words[0][0].isupper() or re.fullmatch(_PARTICLE, words[0]) and len(words) > 1 and words[1][0].isupper()):
        return False
    bad = [w for w in words if not (_NAMES_WORD.fullmatch(w.strip(";:")) or _NAMES_WORD.fullmatch(w.strip(".;:")))]
    if bad:
        return False
    lower = [w for w in words if w in ("for", "of", "the")]
    return len(lower) <= 2 and sum(w[0].isupper() for w in words) >= 1


def _reference_names(names: str, dotted: bool) -> bool:
    """Authors written as a reference writes them: initials, "et al.", two or more names, or an
    organisation closed by its full stop ("Anthropic. (2025)"); a lone name before a plain title
    may be a sentence's subject."""
    return dotted or bool(re.search(r"\b[A-Z]\.|\bet[ \t]+al\b|&|\band\b|,", names))


def _surnames(names: str) -> tuple[str, ...]:
    """The surnames (or organisations) of an entry's authors, first author first."""
    names = names.strip(" ,")
    if re.search(r"(?:^|[\s,])[A-Z]$", names):
        names += "."                   # "Bostrom, N" (the initial's dot taken as the names' end)
    apa = re.findall(rf"((?:{_PARTICLE}[ \t]+)*{_NAME}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME})*),[ \t]+(?:[A-Z]\.[ \t]?-?)+", names)
    if apa:
        return tuple(apa)
    head = re.split(r",?[ \t]+et[ \t]+al\b", names)[0]
    parts = [p.strip(" .") for p in re.split(r"[ \t]*(?:,|&|\band\b|\+)[ \t]*", head) if p.strip(" .")]
    return tuple(p for p in parts if p[:1].isupper())


def _plain_title(rest: str) -> tuple[int, int, bool] | None:
    """Where the title stands in what follows the authors and year: a quoted, emphasised or
    linked title whole, else up to the sentence's end."""
    m = re.match(r"[ \t]*\[[\"\u201c]?(?P<t>[^\]\"\u201d\n]{4,300}?)[.,]?[\"\u201d]?\]\(", rest)     # ["Title."](url)
    if m:
        return m.start("t"), m.end("t"), True
    m = re.match(r"[ \t]*[\"\u201c](?P<t>[^\"\u201d\n]{4,300}?)[.,]?[\"\u201d]", rest)                 # "Title."
    if m:
        return m.start("t"), m.end("t"), True
    m = re.match(r"[ \t]*(?:\*\*?|_)(?P<t>[^*_\n]{4,300}?)[.,]?(?:\*\*?|_)(?![\w*])", rest)            # *Title*
    if m:
        return m.start("t"), m.end("t"), True
    end = _TITLE_END.search(rest)
    stop = end.start() + (1 if rest[end.start():end.start() + 1] in "?!" else 0) if end else len(rest.rstrip())
    if end is None and (v := _VENUE_TAIL.search(rest)):
        stop = v.start()
    lead = len(rest) - len(rest.lstrip())
    return (lead, stop, False) if stop - lead >= 4 else None


def _without_venue(title: str) -> str:
    """"Quiet gardens of inference, Some Institute, May 3": a title run on into its publisher and
    date (no full stop between them) ends before the comma-separated tail whose last part has a
    number; "Superintelligence: Paths, Dangers, Strategies" has none and stays whole."""
    parts = title.split(", ")
    if len(parts) < 2 or not re.search(r"\d", parts[-1]):
        return title
    for i in range(1, len(parts)):
        if all(len(p.split()) <= 5 and p[:1].isupper() or p[:1].isdigit() for p in parts[i:]):
            return ", ".join(parts[:i])
    return title


# "... The Lego block example is from Popov, I., et al. (2017). *Title*.": a second reference inside an entry
_SECOND_REFERENCE = re.compile(rf"{_NAME},?(?:[ \t]+[A-Z]\.)*,?(?:[ \t]+et[ \t]+al\.,?)?[ \t]+\({_YEAR}[a-z]?\)\.[ \t]+[*_\"\u201cA-Z]")


def _month_number(word: str) -> int | None:
    low = word[:3].lower()
    return _MONTHS.index(low) + 1 if low in _MONTHS else None


def _month(seg: str, year: int | None) -> int | None:
    """The month an entry dates its work by: "(2026, February 3)", "February 2026", "3 Feb 2026"."""
    if year is None:
        return None
    m = re.search(rf"\({year}[a-z]?,[ \t]*({_MONTH})|({_MONTH})[ \t]+(?:\d{{1,2}},?[ \t]+)?{year}", seg)
    return _month_number(m.group(1) or m.group(2)) if m else None


def _rest_end(text: str, title_end: int, end: int) -> int:
    """Where the rest of an entry (venue, volume, publisher: names of no work) ends: at a second
    reference the entry holds, whose title names a work of its own, or at the entry's end."""
    second = _SECOND_REFERENCE.search(text, title_end, end)
    return second.start() if second else end


def _parse(text: str, s: int, e: int) -> Entry | None:
    """One entry's key, authors, year and title, or None when the text is not a reference."""
    mk = _MARKER.match(text, s, e)
    body = mk.end() if mk else s + len(text[s:e]) - len(text[s:e].lstrip())
    key = None
    if mk and (mk.group("num") or mk.group("ord")):
        key = mk.group("num") or mk.group("ord")
    elif mk and mk.group("label"):
        key = "^" + mk.group("label")
    seg = text[body:e]
    for shape in (_APA, _ACM, _NAME_YEAR_COMMA, _QUOTED):
        m = shape.match(seg)
        if m is None:
            continue
        names = m.group("names").strip()
        if shape is _ACM:
            names = names[:-1]             # its full stop closes the names, it is not an initial's
        if not _names_ok(names):
            continue
        if shape is _QUOTED:
            years = re.findall(rf"(?<!\d)({_YEAR})(?!\d)", m.group("rest"))
            ts, te = m.start("title"), m.end("title")
            year = int(years[0]) if years else None
        else:
            span = _plain_title(m.group("rest"))
            if span is None:
                continue
            dotted = shape is _ACM or seg[m.end("names"):m.end("names") + 1] == "."
            if not span[2] and not _reference_names(names, dotted):
                continue                   # "Smith (2020). Results were good.": a sentence, not a reference
            ts, te = m.start("rest") + span[0], m.start("rest") + span[1]
            if shape is _NAME_YEAR_COMMA and (v := _VENUE_TAIL.search(seg, ts, te + 1)) and v.start() > ts:
                te = v.start()
            year = int(m.group("year"))
        if shape is not _QUOTED:
            te = ts + len(_without_venue(seg[ts:te]))
        title = seg[ts:te].strip()
        if len(re.findall(r"[A-Za-z]{2,}", title)) < 2 or title.startswith(("http", "www.")):
            continue
        te = ts + len(seg[ts:te].rstrip(" .,;:"))
        return Entry(s, e, key, _surnames(names), year, body + ts, body + te, body + m.start("names"),
                     body + m.start("names") + len(names), _rest_end(text, body + te, e), _month(seg, year))
    if key is not None and not key.startswith("^") and (m := _TITLE_THEN_VENUE.match(seg)) is not None:
        names = m.group("names").strip()
        title = m.group("title").strip()
        if _names_ok(names) and _reference_names(names, False) and len(re.findall(r"[A-Za-z]{2,}", title)) >= 2:
            te = body + m.start("title") + len(title)
            return Entry(s, e, key, _surnames(names), int(m.group("year")), body + m.start("title"), te,
                         body + m.start("names"), body + m.start("names") + len(names), _rest_end(text, te, e))
    return None


def entries(text: str) -> list[Entry]:
    """The works the page lists: every paragraph under a references-like heading that parses as a
    reference, every footnote definition and every "[n]" line that does (a footnote that only
    comments is not an entry, nor is a numbered step)."""
    spans: dict[int, int] = {}
    for a, b in _sections(text):
        for s, e in _paragraphs(text, a, b):
            spans.setdefault(s, e)
    for rx in (_FOOTNOTE_DEF, _NUMBERED_LINE):
        for m in rx.finditer(text):
            s = m.start()
            if s not in spans:
                e = text.find("\n", s)
                spans[s] = len(text) if e < 0 else e
    out = []
    for s in sorted(spans):
        if (en := _parse(text, s, spans[s])) is not None:
            out.append(en)
    return out


_NUMBER_KEYS = re.compile(r"(?<![\w\]\[^])\[(?P<nums>\d{1,3}(?:[ \t]*[,\u2013\-][ \t]*\d{1,3}){0,8})\](?![:(\[])")
_FOOTNOTE_KEY = re.compile(r"\[\^(?P<label>[\w\-]{1,40})\](?!:)")
# "Shah et al., 2022", "Taylor et al. (2025)", "Hubinger et al. 2024", "Anthropic, 2025", "OpenAI + Apollo (2025)",
# "Järviniemi & Hubinger, 2024", "Apollo Research 2024"
_AUTHOR_YEAR = re.compile(
    rf"(?<![\w\-])(?P<names>{_NAME}(?:[ \t]+{_NAME})?(?:[ \t]+et[ \t]+al\.?|[ \t]*(?:&|and|\+)[ \t]*{_NAME}(?:[ \t]+{_NAME})?)?)"
    rf"(?:,[ \t]*|[ \t]+\(|[ \t]+)(?:(?P<month>{_MONTH})[ \t]+)?(?P<year>{_YEAR})(?P<letter>[a-z])?(?P<close>\))?(?![\w\-])")


def _numbers(spec: str) -> list[str]:
    out = []
    for part in re.split(r"[ \t]*,[ \t]*", spec):
        ends = re.split(r"[ \t]*[\u2013\-][ \t]*", part)
        if len(ends) == 2 and ends[0].isdigit() and ends[1].isdigit() and 0 < int(ends[1]) - int(ends[0]) < 30:
            out += [str(n) for n in range(int(ends[0]), int(ends[1]) + 1)]
        else:
            out += [p for p in ends if p.isdigit()]
    return out


def _names_key(key: str, en: Entry) -> bool:
    """Does a key's first word name this entry's first author or organisation: "Hubinger", "Apollo"
    for "Apollo Research", a short form of an organisation ("Ant" for "Anthropic", "OAI" for
    "OpenAI", its capitals)?"""
    firsts = _first_names(en)
    if key in firsts:
        return True
    org = en.names[0] if en.names else ""
    return len(key) >= 3 and org.startswith(key) or len(key) >= 2 and key.isupper() and key == "".join(re.findall(r"[A-Z]", org))


def _first_names(en: Entry) -> set[str]:
    """The words a key may use for an entry's first author: "Hubinger"; "Apollo" for "Apollo Research"."""
    if not en.names:
        return set()
    first = en.names[0]
    out = {first, first.split()[0], first.split()[-1]}
    return {w for w in out if len(w) >= 2}


def citations(text: str, found: list[Entry] | None = None) -> list[Citation]:
    """The keys in the text that name an entry of the page's list: a number in brackets with an
    entry of that number, a footnote marker with a definition that is a reference, a name and a
    year that are an entry's first author (or organisation) and year. A key inside an entry is the
    entry's own, not a citation."""
    found = entries(text) if found is None else found
    if not found:
        return []
    inside = [(en.start, en.end) for en in found]

    def in_entry(a: int) -> bool:
        return any(s <= a < e for s, e in inside)

    by_key = {en.key: en for en in found if en.key}
    out: list[Citation] = []
    numbered = sum(1 for en in found if en.key and en.key.isdigit())
    if numbered >= 2:
        for m in _NUMBER_KEYS.finditer(text):
            if in_entry(m.start()):
                continue
            nums = _numbers(m.group("nums"))
            hits = [by_key[n] for n in nums if n in by_key]
            if hits and len(hits) == len(nums):
                out.append(Citation(m.start(), m.end(), hits[0], "number"))
    for m in _FOOTNOTE_KEY.finditer(text):
        en = by_key.get("^" + m.group("label"))
        if en is not None and not in_entry(m.start()):
            out.append(Citation(m.start(), m.end(), en, "footnote"))
    by_year: dict[int, list[Entry]] = {}
    for en in found:
        if en.year:
            by_year.setdefault(en.year, []).append(en)
    for m in _AUTHOR_YEAR.finditer(text):
        if in_entry(m.start()):
            continue
        names, month = m.group("names"), m.group("month")
        if len(names.split()) > 1 and re.fullmatch(_MONTH, names.split()[-1]):
            names, month = names.rsplit(None, 1)      # "OAI Feb 2026": the organisation, then the date
        lead = re.split(r"[ \t]+et[ \t]+al|[ \t]*(?:&|and|\+)[ \t]*", names)[0]     # "Apollo Research", "OpenAI"
        when = _month_number(month) if month else None
        hits = [en for en in by_year.get(int(m.group("year")), [])
                if (_names_key(names.split()[0], en) or _names_key(lead, en))
                and not (when and en.month and when != en.month)]
        exact = [en for en in hits if {names.split()[0], lead} & _first_names(en)]
        hits = exact or hits
        if not hits:
            continue
        # "(Shah et al., 2022)": the bracket closing the key is the sentence's, "Anthropic (2025)" keeps its own
        end = m.end() - 1 if m.group("close") and "(" not in text[m.start():m.end()] else m.end()
        out.append(Citation(m.start(), end, hits[0], "author-year", ambiguous=len(hits) > 1))
    out.sort(key=lambda c: c.start)
    return out
