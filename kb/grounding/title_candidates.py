"""Where a title may stand that no shape rule can see: broad candidates for the online check.

Why: on pages nobody had tuned on (session 8's two unseen parts) the titles kb missed were
mostly written the way people write them in prose: in sentence case or lower case run into a
sentence ("the post goodhart taxonomy", "in risks from learned optimization, Hubinger et al.
2019"), after a possessive ("Christiano's what failure looks like"), in quotes whose closing
quote the page lost, as a main title without its subtitle, as the items of a reading list.
Capitalisation and the gazetteer of known titles cannot find those, and offline nothing tells
them from prose: "the post I wrote yesterday" has the same shape as "the post embedded agency".

So these rules do not decide anything. They propose spans where a title may stand, each of
which becomes a "maybe" that only a real title confirms (:mod:`kb.grounding.verify`: the title
search returns a paper whose title the sentence holds). Offline they change nothing that
``kb mentions`` lists; online each costs at most one request, so a span is proposed only where
the text points at a work (a cue word, an author reference or a year right after it, a colon
title, an unclosed quote, a list item) and is cut where a title would end (punctuation, a
reporting verb, a relative pronoun). A span cut a little short still finds its paper (the title
match takes a query shorter than the title); the confirmed mention is then widened to the
title's extent in the sentence.

The module is self-contained (plain regexes over the text) so that the extractor can call it
without the two importing each other.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F](?:[\w'\u2019\u00C0-\u024F]|[-\u2010\u2011](?=\w))*")
_STOP = frozenset("""a an the of in on for to with via from by as at and or is are be vs into through without
about under over between across not can do does its their your you we our it when what why how all than that this
using within per up out my his her""".split())
# Where a clause ends: a title does not run past these.
_CLAUSE_END = re.compile(r"[,;()\[\]!?\u201d\u201c\"]|[.:](?=\s|$)|\s[-\u2013\u2014]\s|[\u2013\u2014]|\n")
# Words a sentence goes on with after a title it names; a title seldom holds them
_ENDS_BEFORE = frozenset("""shows showed argues argued finds found demonstrates demonstrated proposes proposed
introduces introduced reports reported suggests suggested explains explained describes described claims claimed
notes noted covers covered discusses discussed makes made gives gave says said points pointed which who whom whose
where because but since although though while whereas if unless so then""".split())
# Words after which a sentence may go on past a title, though titles hold them too ("Attention Is
# All You Need"): a span with one of them past its third word is also proposed cut before it
_GOES_ON = frozenset("is are was were has have had and or".split())
_PRONOUNS = frozenset("i we me you my our us your he she they them it this these those there here".split())
# Words a title after a cue seldom opens with: the sentence going on ("the report as a bound ...")
_NOT_OPENING = _PRONOUNS | frozenset("""as is was are were be been by and or but nor that which to has had have does did
will would can could should may might must since so than then also just still even not no yes if""".split())
# "It's", "Here's": a contraction, not a possessive
_CONTRACTED = frozenset("it here there that what who where how let he she when why".split())

# The cue decides how much a span needs: after a strong cue ("the post", "titled", a
# possessive) two words may be a title; after a weak one ("in", "from", "see") only a span with
# several content words is worth a request.
_STRONG_CUE = re.compile(
    r"(?:\b(?:the|a|an|this|that|his|her|their|my|our)\s+(?:(?:new|recent|original|classic|famous|excellent|great|"
    r"short|long|old|first|latest|earlier|later)\s+)?(?:paper|post|blog\s+post|article|essay|preprint|report|book|"
    r"piece|sequence|talk|write-?up|chapter|study|review)|"
    r"\b(?:titled|entitled|called|named)|"
    r"\b(?:reading|readings|paper|post|article|preprint|linkpost|source|original\s+post|required\s+reading|"
    r"optional\s+reading|motivating\s+paper)\s*:)"
    r"[ \t]*[,:]?[ \t]*", re.I)
_POSSESSIVE_CUE = re.compile(r"(?:\b[A-Z][\w\-]+['\u2019]s|\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir))[ \t]+")
_WEAK_CUE = re.compile(r"\b(?:in|from|see(?:\s+also)?|read|reading|cf\.|on|reread|recommend|via|compare(?:\s+(?:with|to))?|"
                       r"check\s+out|cites?|citing)[ \t]+", re.I)
# What follows a title that a reference gives: an author reference or a year.
_REF_AFTER = re.compile(
    r"[ \t]*(?:,[ \t]*|\(|\[|[ \t]+by[ \t]+|[ \t]*[-\u2013\u2014][ \t]*)"
    r"(?:(?:[A-Z][\w'\u2019\-]+(?:[ \t]+[A-Z][\w'\u2019\-]+)?)(?:,?[ \t]+(?:and|&)[ \t]+[A-Z][\w'\u2019\-]+)?"
    r"(?:[ \t]+et[ \t]+al\.?)?(?:,?[ \t]*\(?(?:19|20)\d\d[a-z]?\b)?|(?:19|20)\d\d[a-z]?\b)")
# What a sentence with a reference holds somewhere (a cheap test before the costly pattern)
_MAY_CITE = re.compile(r"\d\d|et al|\bby\s+[A-Z]")
_OPEN_QUOTE = re.compile(r"(?:(?<=\s)|^)[\"\u201c](?=\w)")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*\u2022\u00b7]|\d{1,3}[.):])[ \t]+(?=\S)", re.M)
# A line of a reading list written without bullets: short, no full stop, among others like it
_SHORT_LINE = re.compile(r"^[ \t]*([^\n]{6,160}?)[ \t]*$", re.M)
READING_LINES = 3
# A colon title: a short main title that opens a clause, then a subtitle in any case
_COLON_TITLE = re.compile(r"(?<![\w\-'\u2019])([A-Z][\w\-]*(?:[ \t]+[\w\-]+){0,5}):[ \t]+(?=[\w])")

MAX_WORDS = 20
# The order an online check spends its requests in (kb.grounding.verify.weighing_order ranks by
# score): what the text marks most clearly first. All stay below the extractor's MIN_SCORE, so
# nothing but a real title makes one a work, and above the bare sentence-case spans (0.15). Only
# a strong cue's reason says "cue": the online check takes that as the text marking a title.
CUE = "a span after a cue word"
QUOTE = "a quote the page did not close"
COLON = "a colon title"
BEFORE_REF = "a span before an author reference or a year"
BETWEEN = "a span between a preposition and a reference"
LIST_ITEM = "a list item"
POSSESSIVE = "a span after a possessive"
WEAK = "a span after a preposition or 'see'"
WEIGHT = {CUE: 0.26, QUOTE: 0.25, COLON: 0.24, BEFORE_REF: 0.23, BETWEEN: 0.23, LIST_ITEM: 0.22, POSSESSIVE: 0.2,
          WEAK: 0.18}


def _words(text: str, a: int, b: int) -> list[re.Match]:
    return list(_WORD.finditer(text, a, b))


def _content(words: list[str]) -> int:
    return sum(w.lower() not in _STOP for w in words)


def _cut(text: str, start: int, limit: int, *, colon: bool = False) -> int:
    """Where a title that starts at ``start`` would end: the clause's end, a word the sentence
    goes on with, or ``limit``. With ``colon``, one colon early in the span may open a subtitle."""
    end = limit
    pos = start
    while True:
        stop = _CLAUSE_END.search(text, pos, limit)
        if stop is None:
            break
        if colon and stop.group(0) == ":" and len(_words(text, start, stop.start())) <= 6:
            colon, pos = False, stop.end()
            continue
        end = stop.start()
        break
    for w in _words(text, start, end):
        if w.start() > start and w.group(0).lower() in _ENDS_BEFORE:
            return w.start()
    return end


def _span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span trimmed to its first and last word, or None when it holds no word."""
    ws = _words(text, start, end)
    while ws and ws[-1].group(0).lower() in _STOP:
        ws.pop()                             # "... sparse planners and" (then the sentence went on)
    if not ws:
        return None
    s, e = ws[0].start(), ws[-1].end()
    if text[e:e + 1] in ("?", "!") and text[e + 1:e + 2] in ("", " ", "\n", "\"", "\u201d"):
        e += 1                               # "What's different about X?" ends in its mark
    return s, e


def _fits(text: str, s: int, e: int, *, min_words: int, min_content: int) -> bool:
    ws = [w.group(0) for w in _words(text, s, e)]
    if not min_words <= len(ws) <= MAX_WORDS or _content(ws) < min_content:
        return False
    if ws[0].lower() in _NOT_OPENING or ws[-1].lower() in _STOP:
        return False
    return True


def sentence_spans(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """Spans of the sentence ``text[a:b]`` where a title may stand, each with why it was proposed."""
    out: list[tuple[int, int, str]] = []

    def add(s: int, e: int, why: str, *, min_words: int, min_content: int, hedge: bool = False) -> None:
        sp = _span(text, s, e)
        if sp and _fits(text, *sp, min_words=min_words, min_content=min_content):
            out.append((sp[0], sp[1], why))
            if hedge:
                # "Roe's drift probes: a survey is still the best": the sentence may go on after
                # a verb or a conjunction a title could also hold; ask for the span before it too
                ws = _words(text, *sp)
                at = next((w.start() for w in ws[3:] if w.group(0).lower() in _GOES_ON), None)
                short = _span(text, sp[0], at) if at else None
                if short and _fits(text, *short, min_words=min_words, min_content=min_content):
                    out.append((short[0], short[1], why))

    strong_ends = set()
    for cue in _STRONG_CUE.finditer(text, a, b):
        end = _cut(text, cue.end(), b, colon=True)
        strong_ends.add(end)
        add(cue.end(), end, CUE, min_words=1, min_content=1, hedge=True)
    for cue in _POSSESSIVE_CUE.finditer(text, a, b):
        if re.split(r"['\u2019]", cue.group(0))[0].lower() in _CONTRACTED:
            continue
        add(cue.end(), _cut(text, cue.end(), b, colon=True), POSSESSIVE, min_words=3, min_content=2, hedge=True)
    weak_ends = set()
    for cue in _WEAK_CUE.finditer(text, a, b):
        end = _cut(text, cue.end(), b, colon=True)
        if end in strong_ends or end in weak_ends:
            continue                         # the span an earlier cue opened holds this one
        weak_ends.add(end)
        add(cue.end(), end, WEAK, min_words=4, min_content=3)
    # "..., risks from learned optimization (Hubinger et al., 2019)": what a reference follows
    refs = _REF_AFTER.finditer(text, a, b) if _MAY_CITE.search(text, a, b) else ()
    for ref in refs:
        if ref.start() <= a or not re.search(r"(?:19|20)\d\d|et al|[A-Z]", ref.group(0)):
            continue
        before = [m.end() for m in _CLAUSE_END.finditer(text, a, ref.start())]
        start = before[-1] if before else a
        add(start, ref.start(), BEFORE_REF, min_words=2, min_content=2)
        cues = [m.end() for m in _WEAK_CUE.finditer(text, start, ref.start())]
        if cues:
            add(cues[0], ref.start(), BETWEEN, min_words=2, min_content=2)
    for col in _COLON_TITLE.finditer(text, a, b) if ":" in text[a:b] else ():
        before = text[max(a, col.start() - 2):col.start()]
        if col.start() > a and not re.search(r"[.;:,(\[\"\u201c]\s*$|^\s*$", before):
            continue                         # a main title opens its clause
        add(col.start(), _cut(text, col.end(), b), COLON, min_words=3, min_content=3)
    for q in _OPEN_QUOTE.finditer(text, a, b) if re.search(r"[\"\u201c]", text[a:b]) else ():
        rest = text[q.end():b]
        if re.search(r"[\"\u201d]", rest):
            continue                         # a closed quote is the quote rules' business
        add(q.end(), _cut(text, q.end(), b, colon=True), QUOTE, min_words=1, min_content=1, hedge=True)
    return out


def _item(text: str, start: int, line_end: int) -> tuple[int, int] | None:
    """An item's opening words, up to where a reference's other parts begin ("by", a bracket, a dash)."""
    end = _cut(text, start, line_end, colon=True)
    by = re.search(r"\s+by\s+[A-Z]", text[start:end])
    if by:
        end = start + by.start()
    sp = _span(text, start, end)
    return sp if sp and _fits(text, *sp, min_words=2, min_content=2) else None


def line_spans(text: str) -> list[tuple[int, int, str]]:
    """The items of a list ("- risks from learned optimization - Hubinger et al.") and the lines
    of a reading list written without bullets (three short lines or more in a row, none ending
    in a full stop): each item's opening words."""
    out = []
    for item in _LIST_ITEM.finditer(text):
        line_end = text.find("\n", item.end())
        if (sp := _item(text, item.end(), len(text) if line_end < 0 else line_end)):
            out.append((sp[0], sp[1], LIST_ITEM))
    run: list[re.Match] = []
    for line in [*_SHORT_LINE.finditer(text), None]:
        short = line is not None and len(line.group(1).split()) <= 15 and not line.group(1).endswith(".") \
            and (not run or text.count("\n", run[-1].end(), line.start()) == 1)
        if short:
            run.append(line)
            continue
        if len(run) >= READING_LINES:
            out += [(sp[0], sp[1], LIST_ITEM) for ln in run if (sp := _item(text, ln.start(1), ln.end(1)))]
        run = [line] if line is not None and len(line.group(1).split()) <= 15 and not line.group(1).endswith(".") else []
    return out


def spans(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Every proposed span of the text, once each, in document order."""
    found: dict[tuple[int, int], str] = {}
    for a, b in sentences:
        for s, e, why in sentence_spans(text, a, b):
            found.setdefault((s, e), why)
    for s, e, why in line_spans(text):
        found.setdefault((s, e), why)
    return [(s, e, why) for (s, e), why in sorted(found.items())]
