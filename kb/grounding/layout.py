"""The layout of a document, as evidence about the phrases in it.

A capitalised phrase that fills a line of its own is usually a heading ("Why Standardized
Benchmarks Matter"), unless the next line reads like a byline (names and a year) or the line
carries an author or a year itself, as reading lists do ("Concrete Problems in AI Safety (Amodei
et al., 2016)"). A phrase right after "Figure 3:" is a caption. Emphasis (<em>, *...*, _..._)
marks titles in blog prose. Nothing here knows any particular document.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass

from kb.grounding import listings

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u00b7]|\d{1,3}[.)]|\(\w\))\s+")
_DATE_PREFIX = re.compile(r"^(?:(?:19|20)\d\d(?:[-/.]\d\d){0,2}|(?:19|20)\d\d)\s*[:\-\u2013\u2014]\s+")
_CAPTION = re.compile(r"^\s*(?:Figure|Fig\.|Table|Diagram|Image|Chart|Plot|Graph)\s*\d*[a-z]?\s*[:.\-\u2013\u2014]?\s", re.I)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+|^\s*<h[1-6][^>]*>", re.I)
_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.:]|(?:Part|Chapter|Section)\s+(?:[IVX]+|\d{1,2})[.:])\s+")
_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?!\d)")
# A blurb under a post's title in a blog's listing of its posts: one short paragraph
BLURB_WORDS = 40
_NAMEISH = re.compile(r"\b[A-Z][a-z\u00C0-\u024F'\-]+(?:\s+[A-Z][a-z\u00C0-\u024F'\-]+)?\s*(?:,|&|\band\b|\u00b7|et\s+al)")
_EMPHASIS = re.compile(r"<(em|i|cite|strong|b)>(.+?)</\1>|(?<![\w*])\*([^*\n]{3,200})\*(?![\w*])|(?<![\w_])_([^_\n]{3,200})_(?![\w_])")


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str
    heading: bool
    list_item: bool
    caption: bool
    byline_next: bool      # the next line reads like "Smith, Jones, Lee \u00b7 2021"
    between_names: bool = False   # a title in a listing that alternates author lines and title lines
    under_works_heading: bool = False   # a list item under "Related papers", "References", "Further reading"
    furniture: bool = False             # the page's own metadata or navigation: front matter, "← Back to ..."
    in_title_list: bool = False         # a heading-shaped line with no prose under it, among others like it
    in_post_listing: bool = False       # a title over a one-line blurb, among others like it (a blog's listing)


_PERSON = r"[A-Z][a-z\u00C0-\u024F'\-]+(?:\s+[A-Z]\.)*(?:\s+(?:van|von|de|der|da|di|le|la)?\s*[A-Z][a-z\u00C0-\u024F'\-]+)+"
_NAMES_LINE = re.compile(rf"(?:{_PERSON}|[A-Z][a-z]+(?=,|\s+et\s+al))(?:\s*(?:,|and|&)\s*(?:and\s+)?{_PERSON}){{0,8}}(?:,?\s+et\s+al\.?)?")


def _bylineish(s: str, after: str = "", lower_words: frozenset[str] = frozenset()) -> bool:
    """"Amodei, Olah, Steinhardt \u00b7 2016", "By Jane Doe", "Stuart Russell, Daniel Dewey, Max Tegmark",
    "Dario Amodei et al.": the line under a work's title. A lone two-word name ("Alan Turing") looks
    like a heading too, so it counts only when the prose after it names that person again. Names
    are words a document never writes in lower case: a line most of whose capitalised words the
    document also writes in lower case ("Emergent Capabilities and Scaling Laws", "Scaling Laws
    (Kaplan et al., 2020)") is a heading or a title, not a byline."""
    if _BULLET.match(s):
        return False                  # the first item of a list under a heading
    s = s.strip()
    if re.match(r"^(?:by|By|via|Via)\s+[A-Z]", s):
        return True                   # "by Jane Doe", "via Alignment Forum — This is the fourth ..."
    caps = re.findall(r"\b[A-Z][a-z\u00C0-\u024F'\-]+", s)
    if caps and sum(w.lower() in lower_words for w in caps) * 2 > len(caps):
        return False
    if not s or len(s) >= 200 or (re.match(r"[^:()]{3,80}:\s+[A-Z]", s) and not re.match(r"(?i)(?:authors?|by|written\s+by)\s*:", s)):
        return False                  # "The Precipice: Existential Risk ... (2020) — Toby Ord" is a title
    if _YEAR.search(s) and _NAMEISH.search(s) and not s.endswith((".", "?", "!")) or re.match(r"^(?:by|By|via|Via)\s+[A-Z]", s):
        return True
    if not _NAMES_LINE.fullmatch(s):
        return False
    several = bool(re.search(r",|\band\b|&|et\s+al", s))
    if several:
        return True
    if re.match(r"(?:The|A|An|This|That|These|Our|My|Their|Its)\s", s):
        return False                  # "The Transformer" over "model was first proposed in ...": no one's name
    # "Alan Turing" / "Turing's ...": the name again in the prose after it, and never as a
    # lower-case word ("Evaluation Benchmarks" / "Benchmarks provide ... No single benchmark")
    last, after = s.split()[-1], after.strip()
    common = re.search(rf"\b{re.escape(last.rstrip('s').lower())}", after)
    return len(after) >= 60 and last in after and not common


_WORKS_HEADING = re.compile(r"(?i)(?:[\w\-]+\s+){0,3}(?:papers?|references|reading(?:\s+list)?|readings|bibliography|"
                            r"see\s+also|sources|citations|literature|related\s+(?:work|posts|papers|reading))")


_LABEL_CAPS = re.compile(r"[A-Z][A-Z0-9\-]+")
# the line under a markdown heading written "Readings\n--------" (setext style)
_SETEXT_RULE = re.compile(r"=+|-+")
_ET_AL = re.compile(r"\bet\.?\s+al\b")


def _authorish(line: str) -> bool:
    """An author's line in a listing: a name of up to four capitalised words, or a handle."""
    s = line.strip()
    return bool(re.fullmatch(r"(?:[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,3}(?:\s+\([A-Z][a-z]+\))?|[a-z][a-z0-9_\-]{3,24})", s)) \
        and not _YEAR.search(s)


# "Document Type", "Degree Name", "Department", "Measuring", "System-Time Augmentation": the label of a
# form's field or a slide's box, set on its own line over its value the way a listing sets an author's
# name over a title. A person's name has no word for an act or a thing ("-tion", "-ment"), is not a
# lone gerund, and does not end on a field's head noun.
FIELD_LABEL = re.compile(r"(?:.*[A-Za-z](?:tion|sion|[a-z]{4}ment)s?\b.*|[A-Z][a-z]{3,}ing"
                          r"|.*\s(?:Type|Name|Date|Year|Number|Status|Category|Keywords|Subject|Language|Identifier))")


def _titleish(line: str) -> bool:
    s = line.strip()
    return 3 <= len(s.split()) <= 20 and not s.endswith((".", ":")) and not _BULLET.match(line)


class Layout:
    """Lines with their roles; look-ups by character offset."""

    def __init__(self, text: str):
        self.text = text
        raw = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]*", text) if m.end() > m.start() or m.start() < len(text)]
        raw = [r for r in raw if r[1] > r[0]]
        self.lines: list[Line] = []
        self.lower_words = lower_words = frozenset(re.findall(r"(?<![\w\-])[a-z][a-z'\-]+", text))
        for i, (s, e, line) in enumerate(raw):
            following = [r[2] for r in raw[i + 1:i + 5] if r[2].strip()]
            nxt = following[0] if following else ""
            stripped = line.strip()
            words = stripped.split()
            numbered = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", stripped)
            # "1. The Epistemological Crisis of the Black Box" over a paragraph: a numbered section's
            # heading, not an item of a list (the next item would follow, not prose)
            section = bool(re.match(r"\s*\d{1,2}\.\s+[A-Z]", line)) and len(nxt.strip()) >= 200 \
                and not _BULLET.match(nxt) and _titleish(numbered)
            list_item = bool(_BULLET.match(line)) and not section
            heading = bool(_MD_HEADING.match(line)) or (
                not list_item and 1 <= len(words) <= 14 and len(stripped) <= 100
                and not re.search(r"[.!,;:]$", stripped) and numbered[:1].isupper()
                and len(nxt.strip()) > 0 and not _YEAR.search(numbered))
            self.lines.append(Line(s, e, line, heading, list_item, bool(_CAPTION.match(line)),
                                   _bylineish(nxt, following[1] if len(following) > 1 else "", lower_words)))
        self._mark_author_title_listings()
        self._mark_lists_of_works()
        self._mark_furniture()
        self._mark_title_lists()
        self._starts = [ln.start for ln in self.lines]
        self.work_cells = self._paper_column_cells()
        self.source_cells = self._cells_beside_a_source()
        self.emphasis = [(m.start(m.lastindex), m.end(m.lastindex)) for m in _EMPHASIS.finditer(text)]
        self.agenda = listings.agenda_lines(text)

    def _mark_author_title_listings(self) -> None:
        """"Eliezer Yudkowsky / Local Validity as a Key to ... / Buck / Other people are wrong ...":
        listings where each title sits under its author's name. Three such pairs make the pattern."""
        rows = [ln for ln in self.lines if ln.text.strip()]
        # a line in capitals ("CLASS", "PRE-CLASS") or a field's label ("Degree Name") is a slide's, a form's
        # or a page's label, not an author; a line
        # that cites its own authors ("Roe et al. 2019 Goal drift ...") is a reference, not a title
        # under a name: neither makes the pattern
        pairs = [i for i in range(1, len(rows)) if self._named(rows[i - 1].text) and _titleish(rows[i].text)
                 and not _LABEL_CAPS.fullmatch(rows[i - 1].text.strip()) and not _ET_AL.search(rows[i].text)
                 and not FIELD_LABEL.fullmatch(rows[i - 1].text.strip())]
        if len(pairs) >= 3:
            # after an author's line comes a title, whatever its shape ("After Virtue"); more lines
            # that are not names are more titles by the same author; prose ends the listing
            marked, after_author = set(), False
            for row in rows[pairs[0] - 1:]:
                words = row.text.split()
                if len(words) > 20 or (row.text.rstrip().endswith(".") and len(words) > 8) \
                        or not re.search(r"[A-Za-z]", row.text):
                    break                 # prose, or a run of numbers ("31", "2025"): the listing is over
                if after_author or not self._named(row.text):
                    if len(re.findall(r"[A-Za-z]{2,}", row.text)) >= 2:
                        marked.add(id(row))
                    after_author = False
                else:
                    after_author = True
            self.lines = [dataclasses.replace(ln, between_names=True) if id(ln) in marked else ln for ln in self.lines]

    def _named(self, line: str) -> bool:
        """An author's line: a name or a handle, not a phrase the document also writes in lower
        case ("CoT Faithfulness", "The Idea" are headings)."""
        caps = re.findall(r"\b[A-Z][a-z\u00C0-\u024F'\-]+", line)
        return _authorish(line) and not any(w.lower() in self.lower_words for w in caps)

    def _mark_lists_of_works(self) -> None:
        """List items whose heading says they are works ("Related papers", "Further reading"). A
        markdown export's heading may be underlined ("Readings" over "--------"), and an item may go
        on under its bullet, indented (what the reading is about): neither ends the list."""
        heading, marked, in_item = "", set(), False
        for i, ln in enumerate(self.lines):
            stripped = ln.text.strip()
            if not stripped:
                continue
            if _SETEXT_RULE.fullmatch(stripped):
                continue
            if in_item and not ln.list_item and ln.text[:1] in " \t":
                continue                  # the item's own text, on the lines under its bullet
            in_item = ln.list_item
            if ln.list_item:
                if _WORKS_HEADING.fullmatch(heading) and not stripped.rstrip("*_ ").endswith(":"):
                    marked.add(i)         # (not "- Critiques:" over items of its own: a group's label)
            elif len(stripped.split()) <= 6 and not stripped.endswith("."):
                heading = stripped.lstrip("#").strip().rstrip(":")
            else:
                heading = ""
        if marked:
            self.lines = [dataclasses.replace(ln, under_works_heading=True) if i in marked else ln
                          for i, ln in enumerate(self.lines)]

    def _mark_furniture(self) -> None:
        """The page's own front matter (a block between "---" lines opening the text: its title is
        the page's, not a work it names), navigation lines ("← Back to Learning Log",
        "Skip to content") and breadcrumbs atop the page."""
        # (a metadata line is short: "Published on April 3, 2025 by Ada Roe, ..., these visionaries bring
        # ..." runs on into a paragraph of prose, whose titles are the text's)
        marked = {i for i, ln in enumerate(self.lines) if _NAVIGATION.match(ln.text)
                  or _POST_METADATA.match(ln.text) and len(ln.text.split()) <= METADATA_WORDS}
        # "Articles /Natural Language Processing /Part 3", "Home > Blog > Post": breadcrumbs atop the page
        marked |= {i for i in [i for i, ln in enumerate(self.lines) if ln.text.strip()][:3]
                   if len(self.lines[i].text) <= 120 and _BREADCRUMBS.fullmatch(self.lines[i].text)}
        first = next((i for i, ln in enumerate(self.lines) if ln.text.strip()), None)
        if first is not None and self.lines[first].text.strip() == "---":
            end = next((i for i in range(first + 1, min(len(self.lines), first + 40))
                        if self.lines[i].text.strip() == "---"), None)
            if end is not None and all(_FRONT_MATTER_FIELD.match(ln.text) or not ln.text.strip()
                                       for ln in self.lines[first + 1:end]):
                marked.update(range(first, end + 1))
        if marked:
            self.lines = [dataclasses.replace(ln, furniture=True) if i in marked else ln
                          for i, ln in enumerate(self.lines)]

    def _mark_title_lists(self) -> None:
        """A heading heads prose; a page that lists papers one title to a line ("## Alignment",
        then seven titles, then "## Applications") puts a title under a title. Lines shaped like
        headings (not markdown's) with no prose under them, three or more in a page, each of four
        words or more, are a list of titles."""
        rows = [i for i, ln in enumerate(self.lines) if ln.text.strip()]
        marked, blurbed = set(), set()

        def titleish(ln: Line) -> bool:
            return ln.heading and not _MD_HEADING.match(ln.text) and len(ln.text.split()) >= 4

        for k, i in enumerate(rows):
            ln = self.lines[i]
            nxt = self.lines[rows[k + 1]] if k + 1 < len(rows) else None
            if titleish(ln) and (nxt is None or nxt.heading or _MD_HEADING.match(nxt.text)):
                marked.add(i)
            # a blog's listing of its posts: each title over a one-line blurb, then the next title
            after = self.lines[rows[k + 2]] if k + 2 < len(rows) else None
            if titleish(ln) and "(" not in ln.text and nxt is not None and not nxt.heading and not nxt.list_item \
                    and len(nxt.text.split()) <= BLURB_WORDS and (after is None or titleish(after)):
                blurbed.add(i)
        if len(blurbed) >= 3:
            marked |= blurbed
            self.lines = [dataclasses.replace(ln, in_post_listing=True) if i in blurbed else ln
                          for i, ln in enumerate(self.lines)]
        if len(marked) >= 3:
            self.lines = [dataclasses.replace(ln, in_title_list=True) if i in marked else ln
                          for i, ln in enumerate(self.lines)]

    def _table_cells(self):
        """Each non-empty body cell of the text's markdown tables, with its table's column heads (in
        lower case): (heads, the cell's head, start, end)."""
        rows = self.lines
        for i in range(len(rows) - 1):
            if not (_TABLE_ROW.fullmatch(rows[i].text) and _TABLE_RULE.fullmatch(rows[i + 1].text)):
                continue
            heads = [h.strip(" *").lower() for h in rows[i].text.strip().strip("|").split("|")]
            for row in rows[i + 2:]:
                if not _TABLE_ROW.fullmatch(row.text):
                    break
                pos = row.start + row.text.index("|") + 1
                for k, cell in enumerate(row.text.strip().strip("|").split("|")):
                    if cell.strip() and k < len(heads):
                        a = pos + len(cell) - len(cell.lstrip())
                        yield heads, heads[k], a, a + len(cell.strip())
                    pos += len(cell) + 1

    def _paper_column_cells(self) -> list[tuple[int, int]]:
        """The cells of a markdown table's column headed "Paper", "Title", "Topic", "Reading"
        (a reading group's schedule): each names a work, whatever its shape."""
        return [(a, b) for _, head, a, b in self._table_cells() if _WORK_COLUMN.fullmatch(head)]

    def _cells_beside_a_source(self) -> list[tuple[int, int]]:
        """The cells of a markdown table that has a column headed "Source", "Citation" or "Reference",
        outside that column and any column of papers: "| Alignment Faking Without Training | Anthropic
        (Greenblatt et al., 2024) | ... |" names a finding, and the source column cites the work it is from."""
        return [(a, b) for heads, head, a, b in self._table_cells() if any(_SOURCE_COLUMN.fullmatch(h) for h in heads)
                and not _SOURCE_COLUMN.fullmatch(head) and not _WORK_COLUMN.fullmatch(head)]

    def beside_a_source(self, start: int, end: int) -> bool:
        """The span lies in a table's cell beside the column that cites its source."""
        return any(a <= start and end <= b for a, b in self.source_cells)

    def in_work_cell(self, start: int, end: int) -> bool:
        return any(a <= start and end <= b and (end - start) >= 0.6 * (b - a) for a, b in self.work_cells)

    def in_agenda(self, pos: int) -> bool:
        """The position is on an activity's line of a session's plan (``listings.agenda_lines``)."""
        return any(a <= pos < b for a, b in self.agenda)

    def furniture(self, pos: int) -> bool:
        """The position is on a line of the page's furniture, or opens a metadata label that runs
        on into prose ("Published on April 3, 2025 by ..., these visionaries bring ...")."""
        line = self.line_at(pos)
        return line is not None and (line.furniture or pos == line.start + len(line.text) - len(line.text.lstrip())
                                     and bool(_POST_METADATA.match(line.text)))

    def line_at(self, pos: int) -> Line | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if 0 <= i < len(self.lines) and self.lines[i].start <= pos <= self.lines[i].end:
            return self.lines[i]
        return None

    def fills_line(self, start: int, end: int) -> bool:
        """The span is (nearly) all of its line, bullets and dates aside."""
        line = self.line_at(start)
        if line is None:
            return False
        body = _DATE_PREFIX.sub("", _BULLET.sub("", line.text)).strip()
        # "### 10.1 Direct Answer ...", "### **1.2: Mechanisms of ...**": a heading's marks and its section's
        # number are not words of the line
        body = _SECTION_NUMBER.sub("", _MD_HEADING.sub("", body).strip(" *_")).strip(" *_")
        span = self.text[start:end].strip()
        return len(span) >= 0.8 * len(body)

    def emphasised(self, start: int, end: int) -> bool:
        return any(a <= start and end <= b and (b - a) <= (end - start) + 3 for a, b in self.emphasis)

    def after_caption_label(self, start: int) -> bool:
        line = self.line_at(start)
        if line is None or not line.caption:
            return False
        m = _CAPTION.match(line.text)
        return start - line.start <= m.end() + 1

    def item_body(self, line: Line) -> tuple[int, str]:
        """Where a list item's or a line's own text starts: after the bullet, a date and an
        "Author Name:" or "Essay:" label."""
        body = _BULLET.sub("", line.text)
        offset = line.start + (len(line.text) - len(body))
        m = _ITEM_PREFIX.match(body)
        return offset + m.end(), body[m.end():]

    def list_item_title(self, start: int, end: int) -> bool:
        """A line whose text is this span plus an author, a year or an "Author:" label, as in
        reading lists: "- 2023-05: Model evaluation for extreme risks (DeepMind)"."""
        line = self.line_at(start)
        if line is None:
            return False
        body = _BULLET.sub("", line.text)
        offset = line.start + (len(line.text) - len(body))
        before = self.text[offset:start]
        after = self.text[end:line.end]
        prefix = _ITEM_PREFIX.fullmatch(re.sub(r"(?:\*\*?|__?)$", "", before))     # "- **Title** (Roe, 2023)"
        if prefix is None:
            return False
        labelled = bool(prefix.group("label"))
        dated = bool(prefix.group("date"))
        tail = _ITEM_TAIL.match(after)
        year_at_end = bool(re.search(r"\((?:[^()]*\D)?(?:19|20)\d\d\)\s*$|\u00b7\s*(?:19|20)\d\d\b", after)) \
            or (line.list_item and bool(AUTHOR_YEAR_NOTE.match(after)))
        if tail is None and not year_at_end:
            return False
        paren = re.match(r"\s*\(([^()]*)\)", after)
        authorish = paren is not None and bool(re.search(r"(?:19|20)\d\d|et\s+al|authors?|[A-Z][\w\-]+\s+[A-Z][\w\-]+|"
                                                         r"[A-Z][\w\-]+,\s*[A-Z]", paren.group(1)))
        # "(Roe - 12 min)", "(Lee and Park, 20 mins)": a syllabus's item, its authors and how long it takes
        timed = paren is not None and bool(_NAMES_THEN_TIME.match(paren.group(1))) \
            and not any(w.lower() in self.lower_words for w in re.findall(r"[A-Z][\w'\-]+", paren.group(1)))
        evidence = labelled or dated or year_at_end or authorish or timed \
            or bool(re.match(r"\s*(?:\([^()]*\)\s*)?" + _BY_SOMEONE, after))
        return evidence and not _PERSONISH.fullmatch(self.text[start:end].strip())


_NAVIGATION = re.compile(r"\s*(?:[\u2190\u2192\u00ab\u00bb\u2039\u203a\u27f5\u27f6\u21d0\u21d2]|&larr;|&laquo;|"
                         r"(?:Back|Return|Go\s+back|Skip)\s+to\b)", re.I)
# "Published Date: May 28, 2026", "Last updated on 3 June 2024", "Reading time: 6 min": the post's own metadata
METADATA_WORDS = 30
_POST_METADATA = re.compile(r"\s*(?:Published|Posted|Updated|Last\s+updated|Last\s+modified|Date\s+published|"
                            r"Reading\s+time|Read\s+time)(?:\s+(?:date|on|at))?\s*(?::\s*|\s+(?=\d|(?:Jan|Feb|Mar|Apr|May|Jun|"
                            r"Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d))", re.I)
_TABLE_ROW = re.compile(r"\s*\|.*\|\s*")
_TABLE_RULE = re.compile(r"\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?\s*)?")
_WORK_COLUMN = re.compile(r"(?:papers?|titles?|topics?|readings?|works?|articles?|publications?|essays?|posts?)"
                          r"(?:\s*(?:/|and|&)\s*\w+)?")
_SOURCE_COLUMN = re.compile(r"(?:sources?|citations?|references?|refs?\.?|cited\s+(?:in|from)|evidence)")
_BREADCRUMBS = re.compile(r"\s*[^/>\u203a\u00bb\n]{1,50}(?:(?:\s+[/>\u203a\u00bb]\s*|\s*[/>\u203a\u00bb]\s+)[^/>\u203a\u00bb\n]{1,50}){2,}\s*")
_FRONT_MATTER_FIELD = re.compile(r"\s*(?:[A-Za-z_][\w\-]*\s*:|-\s|#)")
_ITEM_PREFIX = re.compile(r"\s*(?P<date>(?:19|20)\d\d(?:[-/.]\d\d){0,2}\s*[:\-\u2013\u2014]\s+)?"
                          r"(?P<label>(?!(?:The|A|An)\s)(?:[A-Z][\w.\-]+\s+){1,3}[A-Z][\w.\-]+:\s+|(?:Essay|Paper|Post|Book|Report|Article|"
                          r"Video|Podcast|Talk|Blog(?:\s+post)?|Preprint):\s+)?")
# "1. Visualizing the deep learning revolution (Ngo, 2023). 15 min.": a syllabus's item, its
# author and year in brackets, then how long it takes or what it is ("Video; 20 mins.")
AUTHOR_YEAR_NOTE = re.compile(r"\s*(?:\*\*?)?\s*\([^()\n]{1,60}?,\s*(?:19|20)\d\d\)[.,;]?\s*(?:\d+(?:\.\d+)?\s*(?:min|mins|minutes|"
                               r"hours?|hrs?|pages?|pp)\b|(?:Watch|Read|Skim|Listen|Video|Audio|Podcast|Optional|Required)\b)", re.I)
_NAMES_THEN_TIME = re.compile(r"\s*[A-Z][\w'\-]+(?:(?:,[ \t]*|[ \t]+(?:and|&)[ \t]+)[A-Z][\w'\-]+)*(?:[ \t]+et[ \t]+al\.?)?"
                              r"[ \t]*[-\u2013\u2014,:][ \t]*\d+(?:\.\d+)?[ \t]*(?:min|mins|minutes|hours?|hrs?|pages?|pp)\b")
# "by Jane Roe", not "Apply here by Saturday, September 14"
_BY_SOMEONE = (r"by\s+(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|"
               r"July|August|September|October|November|December|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
               r"Sep|Sept|Oct|Nov|Dec)\b)[A-Z]")
_ITEM_TAIL = re.compile(r"\s*(?:\([^()\n]{1,120}\)\s*){0,2}(?:" + _BY_SOMEONE + r"|\[|[-\u2013\u2014:]\s+\S|[.,]?\s*$)")
_PERSONISH = re.compile(r"[A-Z][a-z\u00C0-\u024F'\-]+\s+[A-Z][a-z\u00C0-\u024F'\-]+(?:\s+(?:and|&)\s+[A-Z][a-z\u00C0-\u024F'\-]+\s+[A-Z][a-z\u00C0-\u024F'\-]+)?")
