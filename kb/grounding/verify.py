"""Confirming an uncertain candidate by a real title: the evidence offline rules cannot give.

The extractor lists broad, low-confidence candidates ("maybe"): sentence-case spans, headings,
quoted phrases, spans after cue words. Most are furniture or prose; a false candidate, though,
rarely matches a real work's title word for word. So a maybe becomes a work when a paper's
title is that span: normalised equal, equal to the title before its colon, a title the span
runs on past ("<title> is subtle"), or, for a long span, equal but for a letter or two; or
when the sentence writes the paper's title (or its main title) over the span, word for word
at word boundaries: the broad candidates of :mod:`kb.grounding.title_candidates` are cut where
a title would end, so they may stop short of it or run past it. A confirmed mention is then
narrowed or widened to the title's extent in the sentence (:func:`refine`).

Semantic Scholar's title match returns its best fuzzy match for anything, and it holds papers
titled with almost any common phrase ("Deep Reinforcement Learning", "Turing machines",
"Related Work"). So a match alone is trusted only for a span long and specific enough: a span
of fewer than :data:`SPECIFIC_WORDS` content words also needs the sentence to agree (the
paper's year or an author's surname next to it) or the text to mark it as a title (quotes, a
cue word like "the paper"). Everything else stays a maybe for a human.

Two sources of titles, the same test: the titles already in the user's store (offline, free;
:func:`stored_matches`), and the API's title match (online; ``kb seed add``, ``kb mentions
--online``).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from kb.errors import UsageError
from kb.grounding import title_candidates
from kb.grounding.mentions import FUNCTION_WORDS, MAYBE, WORK, Mention, is_hypothesis, normalise

# A span with this many content words (not function words) is specific enough that an exact
# title match confirms it on its own.
SPECIFIC_WORDS = 4
# Spans of at least this many words may differ from the title by a letter or two (a plural, a
# hyphen the normaliser kept, a typo) and still be the title.
NEAR_WORDS = 6
NEAR_RATIO = 0.95
# How far past a title a sentence-case span may run and still be that title ("<title> is subtle").
RUN_ON_WORDS = 6


def content_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in FUNCTION_WORDS]


def title_fit(span: str, title: str) -> str | None:
    """How the span is this title, in words, or None when it is not (closely enough)."""
    a, full = normalise(span).split(), normalise(title).split()
    if not a or not full:
        return None
    main = normalise(title.split(":", 1)[0]).split() if ":" in title else []
    if a == full:
        return "the title word for word"
    if main and a == main and len(main) >= 2:
        return "the title before its colon"
    if len(full) >= 4 and a[:len(full)] == full and len(a) - len(full) <= RUN_ON_WORDS:
        return "the title, with the sentence running on"
    if len(a) >= NEAR_WORDS and SequenceMatcher(None, " ".join(a), " ".join(full), autojunk=False).ratio() >= NEAR_RATIO:
        return "the title but for a letter or two"
    return None


def _corroborated(m: Mention, year: int | None, authors: list[str]) -> str | None:
    """What beside the match says a short span is this paper: one of its authors named in the
    sentence, or its very year there while the text marks the span as a title (quotes, a cue
    word, emphasis). A year alone is too weak: many papers share a generic title, one of them
    in almost any year."""
    own = set(normalise(m.surface).split())           # "Alan Turing" by someone named Turing: no evidence
    surnames = {a.split()[-1] for a in authors if a and len(a.split()[-1]) > 2 and normalise(a.split()[-1]) not in own}
    if any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", m.sentence) for s in surnames):
        return "an author is named in the sentence"
    marked = "quoted" in m.reason or "cue" in m.reason or "emphasised" in m.reason
    if marked and isinstance(year, int) and year in m.years:
        return f"the text marks it as a title and gives its year ({year})"
    return None


def _held_by_sentence(m: Mention, title: str) -> bool:
    """The sentence holds the whole title word for word, and the span lies inside it or runs
    past it: the extractor cut the title short ("Large Language Models" of "Large Language
    Models lack essential metacognition ...") or started it late."""
    t, a = normalise(title), normalise(m.surface)
    if not (t and a) or m.sentence.count(m.surface) != 1:
        return False              # which occurrence is the mention's is not known
    return f" {t} " in f" {normalise(m.sentence)} " and (f" {a} " in f" {t} " or f" {t} " in f" {a} ")


def _fold(text: str) -> str:
    """The text case- and accent-folded one character for one, so offsets stay the text's."""
    out = []
    for c in text:
        f = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(f[:1].lower() if f else c)
    return "".join(out)


def title_extent(m: Mention, title: str) -> tuple[int, int, str] | None:
    """Where the mention's sentence writes ``title`` (whole, else its main title before a colon,
    of two words or more) over the mention, word for word at word boundaries: its document
    offsets and which of the two it is. Punctuation between the words may differ ("What's" for
    "What s", a dash for a colon)."""
    at = m.sentence.find(m.surface)
    if at < 0 or m.sentence.count(m.surface) != 1:
        return None                        # which occurrence is the mention's is not known
    base, folded = m.start - at, _fold(m.sentence)
    forms = [(title, "the title")]
    if ":" in title:
        forms.append((title.split(":", 1)[0], "the title before its colon"))
    for form, which in forms:
        words = normalise(form).split()
        if not words or (which != "the title" and len(words) < 2):
            continue
        rx = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])")
        for hit in rx.finditer(folded):
            if hit.start() < at + len(m.surface) and at < hit.end():
                return base + hit.start(), base + hit.end(), which
    return None


def refine(m: Mention, title: str) -> Mention:
    """Narrow or widen a confirmed mention to the extent of the title its sentence writes
    ("goodhart taxonomy a lot" to "goodhart taxonomy"), in place."""
    ext = title_extent(m, title)
    if ext is not None and (ext[0], ext[1]) != (m.start, m.end):
        at = m.sentence.find(m.surface)
        base = m.start - at
        m.surface = m.sentence[ext[0] - base:ext[1] - base]
        m.start, m.end, m.norm = ext[0], ext[1], normalise(m.surface)
    return m


def _broad(m: Mention) -> bool:
    """A span only :mod:`kb.grounding.title_candidates` proposed."""
    return is_hypothesis(m) and m.reason.split(": ", 1)[-1].split(";")[0] in title_candidates.WEIGHT


def confirms(m: Mention, title: str, *, year: int | None = None, authors: list[str] = ()) -> str | None:
    """Why the paper titled ``title`` confirms the candidate ``m``, or None when it does not."""
    fit = title_fit(m.surface, title)
    if fit is None and _held_by_sentence(m, title):
        fit = "the title, which the sentence holds around it"
    held = None
    if fit is None and (held := title_extent(m, title)) is not None:
        fit = f"{held[2]}, which the sentence writes over the span"
    if fit is None:
        return None
    span_words = content_words(m.surface)
    if fit in ("the title, with the sentence running on", "the title, which the sentence holds around it"):
        span_words = content_words(title)
    need = SPECIFIC_WORDS
    if held is not None:
        # what the sentence writes is the title: a main title ("Neurons in Large Language Models")
        # is often a phrase of the field, so it must be one word more specific to stand alone
        span_words = content_words(title if held[2] == "the title" else title.split(":", 1)[0])
        need += held[2] != "the title"
    if fit != "the title word for word" and _broad(m):
        # a broad candidate (kb.grounding.title_candidates) has no evidence of its own: a title
        # the sentence writes around or inside it must be one word more specific ("Goodhart's" is one)
        span_words = [w for w in span_words if len(w) > 1]
        need += 1
    if len(span_words) >= need:
        return fit
    why = _corroborated(m, year, list(authors))
    return f"{fit}, and {why}" if why else None


_CLAUSE_END = re.compile(r"[,;!?()\[\]\"\u201c\u201d]|[.:](?:\s|$)|\s[\u2013\u2014-]\s")


def clause_around(m: Mention) -> str | None:
    """The clause of the sentence the span sits in, up to the punctuation either side, when it
    is longer than the span: the text a clipped title may fill."""
    at = m.sentence.find(m.surface)
    if at < 0 or m.sentence.count(m.surface) != 1:
        return None
    before = [x.end() for x in _CLAUSE_END.finditer(m.sentence, 0, at)]
    start = before[-1] if before else 0
    after = _CLAUSE_END.search(m.sentence, at + len(m.surface))
    clause = m.sentence[start:after.start() if after else len(m.sentence)].strip()
    if normalise(clause) == m.norm or not 2 <= len(clause.split()) <= 24:
        return None
    return clause


def worth_checking(m: Mention) -> bool:
    """A maybe a title could settle: a title-shaped span of two words or more (one word only
    when quoted), without an id or a link target (those are decided already)."""
    if m.confidence != MAYBE or m.kind != "title" or m.id or m.url or m.alias_kind:
        return False
    words = normalise(m.surface).split()
    return 2 <= len(words) <= 30 or (len(words) == 1 and "quoted" in m.reason and len(words[0]) >= 4)


def accept(m: Mention, why: str, where: str) -> Mention:
    """Make the maybe a work, saying which title confirmed it and where it was found."""
    m.confidence = WORK
    m.reason = f"{m.reason}; confirmed: {why} ({where})"
    return m


def stored_matches(store, mentions: list[Mention]) -> dict[int, tuple[dict, str]]:
    """The maybes whose span is the title of a paper already in the store, by their index in
    ``mentions``: (the paper, why it confirms the span), from a phrase search of the store's
    titles, offline and cheap."""
    from kb.knowledge.query import PaperFilter
    from kb.knowledge.search import search_papers

    out: dict[int, dict] = {}
    asked: dict[str, list[dict]] = {}
    for i, m in enumerate(mentions):
        if not worth_checking(m):
            continue
        words = normalise(m.surface).split()
        key = " ".join(words)
        if key not in asked:
            try:
                asked[key] = search_papers(store, 'title:"' + key + '"', PaperFilter(sort="relevance", limit=5))
            except UsageError:            # a phrase the search syntax cannot hold: no evidence
                asked[key] = []
        for p in asked[key]:
            why = confirms(m, p.get("title") or "", year=p.get("year"), authors=_author_names(p))
            if why:
                out[i] = (p, why)
                break
    return out


def _author_names(paper: dict) -> list[str]:
    authors = paper.get("authors") or []
    if isinstance(authors, str):
        return [authors]
    return [(a or {}).get("name") or "" if isinstance(a, dict) else str(a) for a in authors]


def check_stored(store, mentions: list[Mention]) -> list[Mention]:
    """Confirm the maybes whose span is a title the store already holds (in place)."""
    for i, (p, why) in stored_matches(store, mentions).items():
        refine(accept(mentions[i], why, f"in the store: #{p.get('id')}"), p.get("title") or "")
    return mentions


_PART_SEPARATOR = re.compile(r"\s*:\s+|\s+[|\u2013\u2014-]\s+")


def title_parts(span: str) -> list[str]:
    """The parts of a span that joins a title to words a page added ("<title>: CoastRunners
    Boat Example", "Enterprise AI Analysis: <title>"), longest first: each specific enough to
    be confirmed alone."""
    pieces = _PART_SEPARATOR.split(span)
    if len(pieces) < 2:
        return []
    return sorted((p for p in pieces if len(content_words(p)) >= SPECIFIC_WORDS), key=len, reverse=True)


async def match_confirming(client, m: Mention, *, budget: int = 3) -> tuple[dict | None, str | None, dict | None, int]:
    """Ask the API's title match for the span, then for its parts: (the confirming paper, why,
    the best answer seen, requests made)."""
    first = None
    asked = 0
    queries = [m.surface] + title_parts(m.surface)
    clause = clause_around(m)
    if clause:
        queries.append(clause)
    if _broad(m):
        budget = 1        # a broad candidate is cut at its clause already: one request, the span
    for query in list(dict.fromkeys(queries))[:budget]:
        found = await client.match_title(query)
        asked += 1
        if not (found and found.get("paperId")):
            continue
        first = first or found
        part = m if query in (m.surface, clause) else Mention(m.file, query, m.start, m.end, m.kind, m.sentence,
                                                              score=m.score, reason=m.reason, years=m.years)
        why = confirms(part, found.get("title") or "", year=found.get("year"), authors=_author_names(found))
        if why:
            return found, why if part is m else f"a part of it is {why}", found, asked
    return None, None, first, asked


def weighing_order(maybes: list[Mention]) -> list[Mention]:
    """The maybes in the order an online check spends its budget on them, likeliest
    confirmation first. A span of :data:`SPECIFIC_WORDS` content words or more (or a coined
    name or an author) can be confirmed by the match alone, a shorter title needs the sentence
    to agree as well: on the development documents every confirmed maybe was a specific span,
    and none of the 547 shorter ones was. Then the rules' maybes before the candidates only a
    title can confirm, and within those tiers each document's best before any document's next,
    so that many documents checked at once share the budget instead of the first one spending
    it."""
    def tier(m: Mention) -> tuple[bool, bool]:
        return m.kind == "title" and len(content_words(m.surface)) < SPECIFIC_WORDS, is_hypothesis(m)

    ranked: list[tuple[tuple, int, Mention]] = []
    by_file: dict[str | None, list[Mention]] = {}
    for m in maybes:
        by_file.setdefault(m.file, []).append(m)
    for ms in by_file.values():
        for rank, m in enumerate(sorted(ms, key=lambda m: (tier(m), -m.score))):
            ranked.append((tier(m), rank, m))
    return [m for _, _, m in sorted(ranked, key=lambda x: (x[0], x[1]))]


async def check_online(client, mentions: list[Mention], *, budget: int) -> int:
    """Confirm maybes by the API's title match (in place), in :func:`weighing_order`, at most
    ``budget`` distinct candidates (up to three requests each); the number of requests made."""
    todo = weighing_order([m for m in mentions if worth_checking(m)])
    answers: dict[str, tuple[dict | None, str | None]] = {}
    spent = 0
    for m in todo:
        if m.norm not in answers:
            if len(answers) >= budget:
                break
            paper, why, _, asked = await match_confirming(client, m)
            spent += asked
            answers[m.norm] = (paper, why)
        paper, why = answers[m.norm]
        if paper is not None:
            refine(accept(m, why, f"Semantic Scholar: {paper.get('title')}"), paper.get("title") or "")
    return spent


def verify_mentions(mentions: list[Mention], *, store=None, settings=None, budget: int = 0) -> dict:
    """`kb mentions`: confirm maybes by the titles already in ``store`` (offline) and, given
    ``settings``, by Semantic Scholar's title match (at most ``budget`` requests). Changes the
    mentions in place; returns how many each source confirmed and the requests made."""
    def works() -> int:
        return sum(m.confidence == WORK for m in mentions)

    before = works()
    if store is not None:
        check_stored(store, mentions)
    in_store = works() - before
    requests = 0
    if settings is not None:             # asyncio and the client only online: 0.06 s of every offline run
        import asyncio

        from kb.sources.s2.client import S2Client

        async def run() -> int:
            async with S2Client(settings) as client:
                return await check_online(client, mentions, budget=budget)

        requests = asyncio.run(run())
    return {"confirmed_in_store": in_store, "confirmed_online": works() - before - in_store, "requests": requests}
