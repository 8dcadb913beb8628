"""Pages that list works: the shape of the page says which lines are titles.

A forum user's page, a topic or sequence page, a comment feed, a roundup or a podcast's show
notes name works without a sentence around them. A line there IS an item, its title written in
sentence case ("Reward is not the optimization target") and glued to the page's furniture: karma
("94Reward is ..."), dates ("30 Jul 2020 10:30 UTC", "· 2019-11-19T14:38:40.423Z"), points and
comment counts, site tags ("· LW · GW"), "Comment by someone on ...". Title-case shape and the
heading rule of ``layout.py`` ("a capitalised phrase that fills a line of its own is a heading")
read such a page wrongly: the items are in sentence case, and a title on a line of its own looks
like a heading.

The evidence here is repetition, which no single line has: several lines with furniture of one
shape (each title over a date and a points line, each line opening with karma, each ending in
"· date · LW · GW", each over a handle, an age and a karma count) are a list, and what is left of
each line once the furniture is stripped is the item's text, a work. A run of bare short lines (a
sequence's titles one to a line, an archive's titles over one-line summaries, list items "Title:
what it is about") is a list of works only when its heading says so ("Posts in this sequence",
"Everything filed under ...", "Readings"); otherwise its items are "maybe"s an online check can
settle. Some shapes say it in one line: show notes name a work before the address that serves
it ("A title: arxiv.org/abs/..."), a reference line puts the title between the year and the
publisher, "Author(s): ..." sits under a title, a shared link's preview card is title, sentence,
site, a forum mirror closes a linked post's title with "[LW · GW]", a session's plan labels its
readings ("Reading: Source - Title (20 minutes)") and times its activities (whose capitalised
names are not works), and a review page names the work it reviews in its own title ("Review:
...", "A Review of ..."). Nothing here knows any particular page or title.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kb.grounding import links

LISTED = "an item of a listing"


@dataclass(frozen=True)
class Item:
    start: int
    end: int
    strong: bool          # the page's shape says it lists works; otherwise a "maybe"
    why: str


_MONTH = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?")
_DATE = (rf"(?:\d{{1,2}}\s+{_MONTH}\s+(?:19|20)\d\d|{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d\d|"
         r"(?:19|20)\d\d-\d\d-\d\d(?:T[\d:.]+Z?)?|\d{1,2}/\d{1,2}/(?:19|20)?\d\d)"
         r"(?:,?\s+\d{1,2}:\d\d(?::\d\d)?\s*(?:UTC|GMT|[AP]M)?)?")
_AGO = r"\d+\s*(?:y|yr|mo|w|d|h|m|years?|months?|weeks?|days?|hours?|minutes?)\s+ago"
_COUNT = r"[\d,.]+k?\s*(?:points?|karma|votes?|comments?|replies|reply|min(?:ute)?s?\s+read|upvotes?|likes?|views?|Ω)"
_SITE = r"(?:LW|GW|AF|EA|EAF|Ω|link|Link\s+post|Linkpost|Curated|Frontpage|Personal\s+Blog)"
_LENGTH = r"\d{1,2}h(?:\s*\d{1,2}\s*min)?|\d{1,3}\s*min"
_AGE = r"\d{1,2}(?:y|mo|w|d|h)"                  # "3y", "5mo": how old a post or a comment is
# a bare number is a whole run of digits: split anywhere, a long run ("79228162514264337593543950336" in a
# table of literals) gave the line's pattern exponentially many ways to fail
_PIECE = rf"(?:{_DATE}|{_AGO}|{_COUNT}|{_SITE}|{_LENGTH}|{_AGE}|\(\d+\)|(?<!\d)\d{{1,5}}(?!\d))"
_SEP = r"[\s\u00b7\u2022|,()\[\]\u2013\u2014-]*"
# a line that is nothing but furniture: "30 Jul 2020 10:30 UTC", "115 points", "· LW · GW"
# "post by Jane Roe · 2019-06-14T19:03:58.782Z · LW · GW · 32 comments", "by jroe · 3 min read": a byline
# that carries a date or a count is furniture too
_BYLINE = rf"(?:(?:post|comment|answer)\s+)?by\s+[^\s\u00b7|]+(?:\s+[^\s\u00b7|]+){{0,2}}(?=\s*[\u00b7|\u2022])"
FURNITURE_LINE = re.compile(rf"{_SEP}(?:{_BYLINE}{_SEP})?(?:{_PIECE}{_SEP})+")
# furniture closing a line: "... · 2019-11-19T14:38:40.423Z · LW · GW", "... (12 comments)", "... 3 Feb 2019 21 points"
_TAIL = re.compile(rf"(?:\s*[\u00b7\u2022|]\s*(?:{_PIECE}|[\w\-]{{2,30}}))+\s*$|\s*\((?:{_COUNT}|{_DATE})\)\s*$|"
                   rf"\s+[\u2013\u2014-]\s+(?:{_DATE}|{_COUNT}|{_AGO})\s*$|(?:\s+(?:{_DATE}|{_COUNT}|{_AGO}))+\s*$")
# karma glued to the title or before it: "94Reward is not the optimization target", "94 Reward is ..." (not a year)
_GLUED_KARMA = re.compile(r"(?!(?:19|20)\d\d\b)\d{1,4}\s?(?=[A-Z][a-z]|[AI]\s+[a-z])")
_COMMENT_HEADER = re.compile(r"^[ \t]*(?:Comment|Reply|Answer|Response)\s+by\s+[^\s\u00b7]+(?:\s[^\s\u00b7]+)?\s+on\s+"
                             r"(?P<title>[^\n\u00b7|]+?)\s*(?:[\u00b7|\u2022]|\s[\u2013\u2014]\s|$)", re.M)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u00b7]|\d{1,3}[.)])\s+|^\s*#{1,6}\s+")


def items(text: str) -> list[Item]:
    """Every item title the page's shape shows, strong or weak, in document order."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    found = _comment_headers(text) + _items_over_furniture(text, lines) + _glued_items(text, lines) \
        + _show_note_links(text) + _reviewed_work(text, lines) + labelled_readings(text) \
        + reference_lines(text) + link_cards(text, lines) + titles_over_author_labels(text, lines) \
        + titles_before_notes(text, lines) + mirror_marked(text) + site_suffixed(text)
    # the weakest evidence last, and only on lines no other rule read
    found += title_runs(text, [(a, b) for a, b in lines if not any(a <= it.start < b for it in found)])
    found.sort(key=lambda it: (it.start, -it.end))
    out: list[Item] = []
    for it in found:
        if not any(o.start <= it.start and it.end <= o.end for o in out):
            out.append(it)
    return out


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1] in " \t*_":
        b -= 1
    return a, b


def _titleish(s: str) -> bool:
    words = s.split()
    return 1 <= len(words) <= 30 and bool(re.match(r"[\"'\u201c\u2018]?[A-Z0-9]", s)) and not s.endswith((".", ",", ";")) \
        and len(re.findall(r"[A-Za-z]{2,}", s)) >= 1


def _comment_headers(text: str) -> list[Item]:
    """"Comment by someone on The post's title · 2019-11-19T14:38 · LW · GW": a forum's comment
    feed heads each comment with the title of the post it answers."""
    return _titles_matched(_COMMENT_HEADER, text, "the post a listed comment answers")


def _titles_matched(pattern: re.Pattern, text: str, why: str, *, words: tuple[int, int] = (1, 200)) -> list[Item]:
    """The "title" group of each match of a pattern whose shape alone says a work stands there,
    trimmed, when it reads as a title of ``words`` (fewest, most) words."""
    out = []
    for m in pattern.finditer(text):
        a, b = _trimmed(text, m.start("title"), m.end("title"))
        if _titleish(text[a:b]) and words[0] <= len(text[a:b].split()) <= words[1]:
            out.append(Item(a, b, True, why))
    return out


def _body(text: str, a: int, b: int) -> tuple[int, int]:
    """A line without its bullet or markdown heading mark, glued karma and closing furniture."""
    line = text[a:b]
    m = _BULLET.match(line)
    s = a + (m.end() if m else 0)
    g = _GLUED_KARMA.match(text, s, b)
    if g:
        s = g.end()
    t = _TAIL.search(text, s, b)
    e = t.start() if t and t.start() > s else b
    return _trimmed(text, s, e)


def _items_over_furniture(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """"# The title\\n\\n30 Jul 2020 10:30 UTC\\n115 points": a topic or user page gives each post a
    line and puts its date, points or comment count on the lines under it. Three such lines with
    furniture under each make a list of posts."""
    cands = []
    for i, (a, b) in enumerate(lines):
        if FURNITURE_LINE.fullmatch(text, a, b):
            continue
        under = []
        # the furniture's lines, and the author's name or handle among them ("jroe / 3y / 12")
        for c, d in lines[i + 1:i + 5]:
            if not (FURNITURE_LINE.fullmatch(text, c, d) or _PERSON_OR_HANDLE.fullmatch(text[c:d].strip())):
                break
            under.append(text[c:d])
        if not under or not any(re.fullmatch(rf"{_SEP}(?:(?:{_DATE}|{_COUNT}|{_AGO}|{_AGE}){_SEP})+", u)
                                or re.search(rf"{_DATE}|{_COUNT}|{_AGO}", u) for u in under):
            continue
        s, e = _body(text, a, b)
        if _titleish(text[s:e]) and len(text[s:e].split()) <= 30:
            cands.append((tuple(_furniture_kind(u) for u in under), Item(s, e, True, "a post listed with its date or points under it")))
    # the list is the items whose furniture has one shape (a page's own title over its byline is not one);
    # of shapes as common as each other, the first on the page: an item heads its block, and a line
    # inside the block ("Paper" over "12 points") repeats as often but comes after it. A tie broken by
    # a set's order gave the same page different items from one run to the next.
    shapes = [shape for shape, _ in cands]
    common = Counter(shapes).most_common(1)[0][0] if shapes else None
    cands = [it for shape, it in cands if shape == common]
    if len(cands) < 3:
        return []
    # the page's copy may end inside the next item, before its furniture: the last line, marked up as
    # the items are ("# ..."), is one more item, cut off
    a, b = lines[-1]
    marks = {_mark(text[slice(*_line_of(text, it.start))]) for it in cands}
    if cands[-1].start < a and _mark(text[a:b]) and marks == {_mark(text[a:b])}:
        s, e = _body(text, a, b)
        if _titleish(text[s:e]):
            cands.append(Item(s, e, True, "a post listed as the others are, cut off where the page's copy ends"))
    return cands


def _furniture_kind(line: str) -> str:
    """The shape of a furniture line: which of a date, a count, an age, a site, a byline, a name it holds."""
    if not FURNITURE_LINE.fullmatch(line):
        return "name"
    return "".join(k for k, pat in (("b", _BYLINE), ("d", _DATE), ("c", _COUNT), ("a", f"{_AGO}|{_AGE}\\b"),
                                    ("s", rf"\b{_SITE}\b")) if re.search(pat, line)) or "n"


def _mark(line: str) -> str:
    m = _BULLET.match(line)
    return m.group(0).strip() if m else ""


def _line_of(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, len(text) if b < 0 else b


def _glued_items(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """"94Reward is not the optimization target", "A title · 3y ago · 12 comments": lines that
    carry a post's furniture glued to them. Three lines with the same kind of furniture are a
    list; section numbers glued the same way ("1Introduction", "2Background") count up by one
    and are not karma."""
    karma, tails = [], []
    for a, b in lines:
        line = text[a:b]
        if FURNITURE_LINE.fullmatch(line):
            continue
        m = _BULLET.match(line)
        s = a + (m.end() if m else 0)
        g = _GLUED_KARMA.match(text, s, b)
        t = _TAIL.search(text, s, b)
        if t and not re.search(rf"{_DATE}|{_COUNT}|{_AGO}|\b{_SITE}\b", t.group(0)):
            t = None
        if not (g or t):
            continue
        bs, be = _body(text, a, b)
        if not _titleish(text[bs:be]) or len(text[bs:be].split()) > 30:
            continue
        if g:
            karma.append((int(g.group(0)), Item(bs, be, True, "a post listed with its karma")))
        if t:
            tails.append(Item(bs, be, True, "a post listed with its date, points or site"))
    out = []
    numbers = [n for n, _ in karma]
    if len(karma) >= 3 and not all(y == x + 1 for x, y in zip(numbers, numbers[1:])):
        out += [it for _, it in karma]
    if len(tails) >= 3:
        out += tails
    return out


# "- Learning to wait in noisy worlds: arxiv.org/abs/2101.0", "- A title (arxiv.org/abs/...)",
# "- A title - example.org/posts/...": a work named before the address (scheme-less, so it survives as
# text) that serves it
_NOTE_LINK = re.compile(r"(?:^|(?<=\s[-\u2013\u2014\u2022]\s)|(?<=\n))[ \t]*(?:[-\u2022*][ \t]+)?"
                        r"(?P<title>[A-Z\"\u201c][^\n:()]{6,160}?)(?::|\s[\u2013\u2014-]|\s\()\s*"
                        r"(?P<url>(?:https?://)?(?:www\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)+/[^\s)]+)")
_NOT_A_TITLE_LABEL = re.compile(r"(?i)^(?:link|links|source|transcript|website|twitter|video|audio|slides|code|"
                                r"website|homepage|subscribe|apply)\b|\blink\s+to\b|[\u2019']s\s+(?:twitter|website|homepage|blog)\b")


def _show_note_links(text: str) -> list[Item]:
    """Show notes and link roundups: "Title: arxiv.org/abs/..." names the work the address serves.
    Only an address that serves a paper or a post counts ("Jane's twitter account: twitter.com/..."
    does not)."""
    out = []
    for m in _NOTE_LINK.finditer(text):
        title = m.group("title").strip()
        if _NOT_A_TITLE_LABEL.search(title) or links.classify(m.group("url")) not in (links.WORK, links.POST):
            continue
        a, b = _trimmed(text, m.start("title"), m.end("title"))
        out.append(Item(a, b, True, "a work named before the address that serves it"))
    return out


# "More Was Possible: A Review of The Book", "Review: The Book", "Book review - The Book"
_REVIEW_TITLE = re.compile(r"(?:^|:\s+|[\u2013\u2014-]\s+)(?:An?\s+|My\s+)?(?:(?:Book\s+)?Review(?:ed)?|Read|Reading|Notes)"
                           r"(?:\s+of|\s*:|\s+[\u2013\u2014-])\s+(?P<work>[A-Z\"\u201c\u2018].{2,120})$", re.I)


def _reviewed_work(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """A review page's title names the work it reviews ("Review: The Book", "A Review of The
    Book"). Only the page's first line counts, and only when the body names the work again;
    then each time it does is that work."""
    if not lines:
        return []
    a, b = lines[0]
    m = _REVIEW_TITLE.search(text, a, b)
    if not m or not re.fullmatch(r"[A-Z\"\u201c\u2018]", m.group("work")[0]):
        return []
    s, e = _trimmed(text, m.start("work"), m.end("work"))
    work = text[s:e].rstrip(" .")
    e = s + len(work)
    if len(work.split()) > 16 or text.count(work) < 2:
        return []
    return [Item(m.start(), m.end(), True, "the work a review page names in its title")
            for m in re.finditer(re.escape(work), text)]


# "Reading: Some Institute - The Garden Profile (20 minutes)": an agenda's reading, its source (capitalised
# words) before a dash, how long it takes after it; "Reading: Bounded agents — a primer" is one title
_READING_LABEL = re.compile(r"^[ \t]*(?:[-*\u2022\u2013]\s+|\d{1,2}[.)]\s+)?(?:(?:Required|Optional|Core|Further|Pre-?)\s*)?"
                            r"(?:Readings?|Read|Paper|Watch|Listen)\s*:\s*"
                            r"(?:(?P<src>(?-i:(?:[A-Z0-9][\w,.'\u2019&]*\s+){0,4}[A-Z0-9][\w,.'\u2019&]*))\s+[-\u2013\u2014]\s+)?(?P<title>[^\n]+?)"
                            r"\s*(?:\([^()\n]*\)\s*)?$", re.M | re.I)
# "(5 minutes)", "(~20 min)": how long an activity of a session takes (not "(27m video, 2024)", a work's length)
_DURATION = re.compile(r"\((?:~\s*|about\s+)?\d{1,3}(?:\.\d)?\s*(?:min|mins|minutes|hours?|hrs?)\)", re.I)
_YEAR_OR_AUTHORS = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\bet\s+al\b")


def labelled_readings(text: str) -> list[Item]:
    """"Reading: Source - Title (20 minutes)": what a schedule labels a reading is a work."""
    return _titles_matched(_READING_LABEL, text, "a reading an agenda labels so", words=(1, 20))


def agenda_lines(text: str) -> list[tuple[int, int]]:
    """A session's plan ("1. Welcome and Introduction (5 minutes)", "Partner Discussion: Timeline
    Perspectives (20 minutes)") gives its activities durations: on a page with three such lines,
    a line's capitalised words name an activity unless a label says it is a reading (or the line
    cites a year or "et al.", as a reading list's items do). The spans
    of those lines, for the title rules to weigh (a title's shape alone is a maybe there)."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    if sum(bool(_DURATION.search(text, a, b)) for a, b in lines) < 3:
        return []
    return [(a, b) for a, b in lines if not _READING_LABEL.match(text, a, b) and not _YEAR_OR_AUTHORS.search(text, a, b)]


# "Roe, Jane & Ann Doe (2019) A slow look at grants, Some Institute, May 3.": a topic page's "Further
# reading" entry, its title in sentence case between the year and the publisher
_NAME = r"[A-Z][\w'\u2019\-]+"
_REFERENCE_LINE = re.compile(rf"^[ \t]*(?:[-*\u2022]\s+)?{_NAME},\s+{_NAME}(?:\s+{_NAME}|\s+[A-Z]\.)*"
                             rf"(?:\s*(?:,|&|and)\s+{_NAME}(?:\s+{_NAME}|\s+[A-Z]\.)*){{0,5}}(?:\s+et\s+al\.?)?"
                             r"\s+\((?:19|20)\d\d[a-z]?\)[.:]?\s+(?P<title>[\"\u201c]?[A-Z][^\n]*?)"
                             r"(?=,\s+[\w\u201c\"]|\.\s|[.,]?\s*$)", re.M)


def reference_lines(text: str) -> list[Item]:
    """"Surname, Given (Year) Title, Publisher": a reference's title after its author and year."""
    return _titles_matched(_REFERENCE_LINE, text, "a reference's title after its author and year", words=(2, 200))


_SITE_NAME = re.compile(r"[ \t]*(?:[A-Z][A-Z0-9&]{2,}(?:\s+[A-Z][A-Z0-9&]+)?|[\w\-]+(?:\.[\w\-]+)*\.(?:com|org|net|io|pub|ai|co|news|"
                        r"co\.uk))[ \t]*")
_BARE_URL_LINE = re.compile(r"[ \t]*(?:https?://|www\.)\S+[ \t]*")


def link_cards(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """A shared link's preview as a post or a chat copies it: the address, the page's title, its
    one-sentence description, the site's name ("WIRED", "example.com"). The title line is a work's
    title however it is cased; the site's line (in capitals, or a domain) or the address over it
    says it is a card and not a heading over a paragraph."""
    out = []
    for i in range(len(lines) - 2):
        (a, b), (c, d), (e, f) = lines[i], lines[i + 1], lines[i + 2]
        title, blurb, site = text[a:b].strip(), text[c:d].strip(), text[e:f].strip()
        if not (_titleish(title) and 3 <= len(title.split()) <= 20):
            continue
        if not (8 <= len(blurb.split()) <= 80 and blurb.endswith((".", "\u2026", "!"))):
            continue
        last = i + 2 == len(lines) - 1 or "\n\n" in text[f:lines[i + 3][0] + 1]
        url_over = i > 0 and bool(_BARE_URL_LINE.fullmatch(text, *lines[i - 1]))
        if (_SITE_NAME.fullmatch(site) and last) or url_over:
            s, t = _trimmed(text, a, b)
            out.append(Item(s, t, True, "the title of a shared link's preview"))
    return out


# what a page that lists works calls itself or the list ("Posts in this sequence", "Everything filed under ...")
_LISTING_WORD = re.compile(r"(?i)\b(?:posts?|sequences?|archive|filed|tagged|articles?|essays?|writings?|"
                           r"episodes?|readings?|papers?|chapters?|entries|bibliography|resources)\b")   # not "contents": a post's sections


_PERSON_OR_HANDLE = re.compile(r"[A-Z][a-z\u00C0-\u024F'\-]+(?:\s+(?:[A-Z]\.\s*)*[A-Z][a-z\u00C0-\u024F'\-]+){0,2}|"
                               r"(?:[A-Z]\.\s*)+[A-Z][a-z\-]+|[a-z][a-z0-9_\-]{2,24}")


def _bare(text: str, a: int, b: int) -> bool:
    """A line that can be an item of a list of titles: short, no sentence's end, no bullet."""
    line = text[a:b].strip()
    return _titleish(line) and len(line.split()) <= 16 and len(line) <= 110 and not _BULLET.match(text[a:b]) \
        and not line.endswith((":", "!")) and not FURNITURE_LINE.fullmatch(line) and not _BARE_URL_LINE.fullmatch(line)


def _summary(title: str, line: str) -> bool:
    """A post's one-line summary under its title: one sentence of 5 to 35 words, longer than the title
    (a paragraph of several sentences is prose under a heading)."""
    words = line.split()
    return 5 <= len(words) <= 35 and len(words) > len(title.split()) and not _BULLET.match(line) \
        and not re.search(r"[.!?]\s+[A-Z]", line.strip())


def title_runs(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """A sequence's or an archive's titles one to a line ("Posts in this sequence", then a title a
    line), or each over its one-line summary: four bare lines in a row, or three title-and-summary
    pairs. What makes them titles rather than headings is that no prose sits under them (or one
    line at most, shorter than a paragraph). They are works when the page says it lists works (a
    word like "posts", "sequence", "archive", "filed under" just over the run or atop the page),
    "maybe"s otherwise."""
    out: list[Item] = []
    i = 0
    while i < len(lines):
        # bare titles
        j = i
        while j < len(lines) and _bare(text, *lines[j]):
            j += 1
        run = lines[i:j]
        if len(run) < 4 or sum(len(text[a:b].split()) for a, b in run) < 2.5 * len(run):
            run = []
        # titles each over a one-line summary
        k, pairs, bare_summaries = i, [], 0
        while k + 1 < len(lines) and _bare(text, *lines[k]) and _summary(text[slice(*lines[k])], text[slice(*lines[k + 1])]):
            pairs.append(lines[k])
            bare_summaries += _bare(text, *lines[k + 1])
            k += 2
        if len(pairs) < 3 or bare_summaries * 2 > len(pairs):
            pairs = []
        chosen = run if len(run) >= 2 * len(pairs) else pairs
        if not chosen:
            i += 1
            continue
        if len({len(text[a:b]) - len(text[a:b].lstrip()) for a, b in chosen}) > 1:
            i += 1                        # indented at several depths: a table of a post's own sections
            continue
        if sum(bool(_PERSON_OR_HANDLE.fullmatch(text[a:b].strip())) for a, b in chosen) * 4 > len(chosen):
            i += 1                        # authors' lines among the titles: a listing by author (``layout.py``)
            continue
        # the list's own heading, just over it or atop the page: "Posts in this sequence"
        head = [(a, b) for a, b in lines[max(0, i - 1):i] if len(text[a:b].split()) <= 8]
        if i <= 1 and lines and len(text[slice(*lines[0])].split()) <= 8:
            head.append(lines[0])
        strong = any(_LISTING_WORD.search(text[a:b]) for a, b in head)
        why = "a title in a run of titles, one to a line" if chosen is run else "a title over its one-line summary, in a run of them"
        for a, b in chosen:
            s, e = _trimmed(text, a, b)
            out.append(Item(s, e, strong, why))
        i = j if chosen is run else k
    return out


# "Author(s): Jane Roe", "Written by Jane Roe": the label a podcast's or a library's page puts under a title
_AUTHOR_LABEL = re.compile(r"[ \t]*(?:Author\(s\)|Authors?|By|Written\s+by)\s*:\s*[A-Z]")


def titles_over_author_labels(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """"A title" over "Author(s): Jane Roe": the line over an author's label is a work's title."""
    out = []
    for i in range(len(lines) - 1):
        if _AUTHOR_LABEL.match(text, *lines[i + 1]) and not _AUTHOR_LABEL.match(text, *lines[i]):
            s, e = _body(text, *lines[i])
            if _titleish(text[s:e]) and 2 <= len(text[s:e].split()) <= 25:
                out.append(Item(s, e, True, "a title over its author's label"))
    return out


# "- Pausing is not enough: why a moratorium needs ...": a list's item, its title before a colon or a
# dash and what it is about after
_HEAD_THEN_NOTE = re.compile(r"[ \t]*(?:[-*\u2022\u2013]|\d{1,2}[.)])[ \t]+(?P<head>[\"\u201c]?[A-Z][^:\n\u2013\u2014]{3,150}?)"
                             r"(?::|\s[\u2013\u2014-])\s+(?P<note>\S[^\n]*)")
_UNIT = re.compile(r"(?i)(?:week|session|day|part|module|unit|step|lecture|class|chapter|section|phase|round|"
                   r"q|question|task|exercise|goal|note|tip)\s*\d*\b")


def titles_before_notes(text: str, lines: list[tuple[int, int]]) -> list[Item]:
    """Three list items in a row shaped "Title: what it is about" (or "Title - ..."): the heads are
    titles, works when the list's heading says it lists works ("Readings", "Papers"), "maybe"s
    otherwise. A head that is a course's unit ("Week 2", "Session 3") is not a title."""
    out: list[Item] = []
    run: list[Item] = []

    def close(k: int) -> None:
        if len(run) >= 3:
            first = next(j for j, (a, b) in enumerate(lines) if a <= run[0].start < b)
            head = [text[a:b] for a, b in lines[max(0, first - 1):first] if len(text[a:b].split()) <= 8]
            strong = any(_LISTING_WORD.search(h) for h in head)
            out.extend(Item(it.start, it.end, strong, it.why) for it in run)
        run.clear()

    for k, (a, b) in enumerate(lines):
        m = _HEAD_THEN_NOTE.fullmatch(text, a, b)
        if m and 2 <= len(m.group("head").split()) <= 16 and len(m.group("note").split()) >= 4 \
                and not _UNIT.match(m.group("head")):
            s, e = _trimmed(text, m.start("head"), m.end("head"))
            run.append(Item(s, e, False, "a list's item, its title before what it is about"))
        else:
            close(k)
    close(len(lines))
    return out


# "Followed by: What comes after the garden? [LW · GW]": a forum mirror marks each post it links with
# the sites that hold it, right after the post's title
_MIRROR_MARK = re.compile(r"(?:^|(?<=:\s)|(?<=[-\u2022*]\s))(?P<title>[\"\u201c]?[A-Z0-9][^\n\[\]:]{2,150}?)\s*"
                          r"\[(?:LW|AF|EA|GW)(?:\(p\))?(?:\s*\u00b7\s*(?:LW|AF|EA|GW)(?:\(p\))?)+\]", re.M)


def mirror_marked(text: str) -> list[Item]:
    """A line's (or a label's) text right before "[LW · GW]" is the title of the post it links."""
    return _titles_matched(_MIRROR_MARK, text, "a post a forum mirror marks with the sites that hold it", words=(1, 25))


# "Faulty reward functions in the wild | OpenAI", "Why I'm not a doomer - LessWrong": a page's title
# as a browser's tab, a cache or a shared link writes it, closed by the name of the lab, forum or
# blog that published it. The publishers are sites whose pages are works (papers, posts, essays);
# a site of reference pages, code or products (Wikipedia, GitHub) is not one.
_PUBLISHER = (r"(?:Anthropic|OpenAI|Google\s+DeepMind|DeepMind|Google\s+Research|Meta\s+AI|Microsoft\s+Research|"
              r"LessWrong(?:\s+2\.0)?|(?:AI\s+)?Alignment\s+Forum|EA\s+Forum|Effective\s+Altruism\s+Forum|GreaterWrong|"
              r"Cold\s+Takes|Redwood\s+Research(?:\s+blog)?|METR|Apollo\s+Research|AI\s+Impacts|Epoch\s+AI|Distill|"
              r"Transformer\s+Circuits(?:\s+Thread)?|Astral\s+Codex\s+Ten|Slate\s+Star\s+Codex|Overcoming\s+Bias|"
              r"Forethought|Machine\s+Intelligence\s+Research\s+Institute|MIRI|Center\s+for\s+AI\s+Safety|"
              r"Future\s+of\s+Life\s+Institute|AI\s+Security\s+Institute|arXiv(?:\.org)?)")
_SITE_SUFFIXED = re.compile(rf"^[ \t]*(?:[-*\u2022][ \t]+)?(?P<title>[\"\u201c]?[A-Z0-9][^\n|\\\u2013\u2014]{{8,200}}?)"
                            rf"[ \t]+(?:\||\\|\u2013|\u2014|-|\u00b7)[ \t]+{_PUBLISHER}[ \t]*$", re.M)
# what a site calls its own pages: "Careers | Anthropic", "Research - Google DeepMind"
_SITE_PAGE = re.compile(r"(?i)(?:home|about(?:\s+us)?|careers?|jobs|research|blog|news(?:room)?|team|contact|"
                        r"privacy\s+policy|terms(?:\s+of\s+(?:use|service))?|search|log\s*in|sign\s*up|all\s+posts|"
                        r"frontpage|library|concepts|tags?|events?|community|company|products?|pricing)")


def site_suffixed(text: str) -> list[Item]:
    """A line that is a title, a separator and its publisher's name: the page's title."""
    return [it for it in _titles_matched(_SITE_SUFFIXED, text, "a page's title before its publisher's name", words=(3, 30))
            if not _SITE_PAGE.fullmatch(text[it.start:it.end])]
