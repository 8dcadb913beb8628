"""Finding the works a text names, offline.

People name works in many shapes: full titles in running text, sentence-case titles in quotes or
after "see", reading-list lines, link anchors, nicknames ("IOI", "the Kaplan paper"), author
references ("Hendrycks and Gimpel (2017)", "Stiennon's curve [2009.01325]"), ids and URLs.
Nothing here knows any particular document or title. Extraction has two steps:

1. Candidates, broadly: title-shaped runs, quoted spans, spans after cue words, list and
   heading lines, link anchors, coined names with a citation marker or a word like "dataset",
   author-reference grammar (``author_refs.py``), alias-table hits (``aliases.py``), ids, and
   nicknames the document defines itself ("Constitutional AI (CAI)").
2. Evidence decides: the alias table, the layout (``layout.py``: headings, bylines, lists,
   captions, emphasis), link targets (``links.py``), cue words and citation markers. Each
   mention gets a confidence, WORK (kb acts on it) or MAYBE (listed for a human), and a reason
   in words. A model or method name used as a concept ("RLHF", "GPT-4") is a MAYBE unless the
   text cites it ("the RLHF paper", "DPO [23]").

The score is how title-like a candidate is; the resolver uses it too (``seeds.py``).
"""

from __future__ import annotations

import bisect
import collections
import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.grounding import known_titles, links, listings, reference_keys, title_candidates
from kb.grounding.aliases import CITATION_MARKER, CUE_AFTER, AliasTable, cites_another
from kb.grounding.author_refs import (LazyPattern, _READING_WORDS, _AUTHORS_AFTER_QUOTE, _ET_AL, _GENERIC_ACRONYMS, _INSTITUTION,
                                     _LABS, _NAME_WORD, _NAMES, _NAMES_INITIALS, _NOT_FIRST_NAMES, _NOT_SURNAMES, _OWN_WORK,
                                     _PERSON_NAME, _PERSON_NAME_RX, _PLACE_WORDS, _REPORTING, _SENTENCE_ADVERBS,
                                     _WORK_NOUNS, _YEAR_HINT, _YEAR_RX, _author_refs, _full_names_ok,
                                     _headings_named_after_authors, _name_colon_lines, _name_year_refs, _names_ok,
                                     _people_before_their_works, a_product_in_use, credits_people, named_character,
                                     _quoted_reference_authors, _reference_around_quote, _surnames)
from kb.grounding.layout import AUTHOR_YEAR_NOTE, FIELD_LABEL, Layout

KINDS = ("title", "alias", "author-ref", "doi", "arxiv", "url")
WORK, MAYBE = "work", "maybe"

# Below this score a candidate is not worth a request; from KEEP_SCORE on, a candidate that
# matches nothing is kept as an unresolved work rather than rejected as not-a-work.
QUERY_SCORE = 0.4
KEEP_SCORE = 0.55
# Title shapes below this are not candidates at all (single capitalised words, names).
MIN_SCORE = 0.3


@dataclass
class Mention:
    file: str | None
    surface: str
    start: int
    end: int
    kind: str
    sentence: str
    id: str | None = None
    score: float = 0.5
    norm: str = ""
    truncated: bool = False             # the title is cut off ("... Real Netwo...")
    alias_title: str | None = None      # alias without an id: the exact title to match
    id_title: str | None = None         # the title an alias table gives beside its id
    alias_kind: str | None = None       # "book" / "post": a work Semantic Scholar does not hold
    topic: str | None = None            # author reference: the words that say what the work is about
    authors: list[str] = field(default_factory=list)   # surname hints from the sentence
    years: list[int] = field(default_factory=list)     # year hints from the sentence
    confidence: str = WORK              # WORK: kb acts on it; MAYBE: listed for a human to judge
    reason: str = ""                    # why it was kept, in words (``kb mentions --json``)
    url: str | None = None              # the link target that names it, when there is one

    def __post_init__(self):
        if not self.norm:
            self.norm = normalise(self.surface)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 3)
        return d


# -- text helpers ----------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}


def normalise(text: str) -> str:
    """The comparison form of a mention or title: case, accents, dashes, quotes and
    punctuation folded, so that "In-context" and "in context" are one text."""
    if not text.isascii():                # (ASCII has nothing to decompose: most texts skip 60k calls per 10k words)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_DASHES).translate(_QUOTES).lower()
    text = text.replace("...", " ").replace("\u2026", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|cf|vs|etc|Fig|fig|Dr|Mr|Ms|Prof|approx|No|Vol|p|pp|Sec|sec|Eq|eq|Ch|ch)\.|\b[A-Z]\.)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries: line breaks, and . ! ? followed by a space and a capital."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in re.finditer(r"[.!?\u2026]+[\"'\u201d\u2019)]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])", line.group(0)):
            end = line.start() + m.end()
            if m.group(0).startswith(".") and _ABBREV.search(text[max(start, end - 8):end]):
                continue
            if text[start:end].strip():
                spans.append((start, end))
            start = end
        if text[start:line.end()].strip():
            spans.append((start, line.end()))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in spans]


# -- ids -------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|(?<![\w./])(?:www\.)?(?:arxiv\.org|doi\.org|dx\.doi\.org)/)[^\s<>\"'\])}]+[^\s<>\"'\])},.;:!?]")
_DOI = re.compile(r"(?:\bdoi:\s*|\bDOI:?\s*)?\b(10\.\d{4,9}/[^\s\"'<>\[\]{},;]*[^\s\"'<>\[\]{},;.)])", re.I)
_ARXIV = re.compile(r"\barXiv(?::|\s+)\s*(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(v\d+)?", re.I)
# "arXiv:2511.01234v2 [cs.LG] 12 Mar 2025": the stamp arXiv prints in a paper's margin (its own id)
_ARXIV_STAMP = re.compile(r"[ \t]*\[[a-z\-]+\.[A-Za-z]{2}\][ \t]+\d{1,2}[ \t]+[A-Z][a-z]{2}[ \t]+(?:19|20)\d\d")
_ARXIV_BARE = re.compile(r"(?<=[\[(;,\s])(\d{4}\.\d{4,5})(v\d+)?(?=[\]);,])")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})", re.I)
_DOI_URL = re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)", re.I)
_S2_URL_HOSTS = ("semanticscholar.org", "aclanthology.org", "aclweb.org", "acm.org", "biorxiv.org")
_FORUM_HOSTS = ("lesswrong.com", "alignmentforum.org", "greaterwrong.com", "substack.com",
                "medium.com", "twitter.com", "x.com", "youtube.com")


def _doi_id(doi: str) -> str:
    doi = doi.rstrip(".")
    if doi.lower().startswith("10.48550/arxiv."):
        return "ARXIV:" + doi[len("10.48550/arXiv."):]
    return "DOI:" + doi


def find_ids(text: str) -> list[Mention]:
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: Mention):
        if any(a < m.end and m.start < b for a, b in taken):
            return
        taken.append((m.start, m.end))
        found.append(m)

    for m in _URL.finditer(text):
        url = m.group(0)
        pid, alias_kind = None, None
        target = links.classify(url)
        if (a := _ARXIV_URL.search(url)):
            pid = "ARXIV:" + a.group(1)
        elif (d := _DOI_URL.search(url)):
            pid = _doi_id(d.group(1))
        elif any(h in url for h in _S2_URL_HOSTS):
            pid = "URL:" + url
        elif any(h in url for h in _FORUM_HOSTS) or target == links.POST:
            alias_kind = "post"
        conf, why = {links.WORK: (WORK, "a link to a paper"), links.POST: (WORK, "a link to a post"),
                     links.NOT_WORK: (None, "a link to a page that is not a work"),
                     links.UNKNOWN: (MAYBE, "a link to a page that may be a work")}[target]
        if pid:
            conf, why = WORK, "a link with a paper id"
        mention = Mention(None, url, m.start(), m.end(), "url", "", id=pid, score=0.9, alias_kind=alias_kind,
                          confidence=conf or MAYBE, reason=why, url=url)
        if conf is None:
            taken.append((m.start(), m.end()))      # nothing inside a non-work URL is a work either
            continue
        add(mention)
    for m in _ARXIV.finditer(text):
        if _ARXIV_STAMP.match(text, m.end()):
            taken.append((m.start(), m.end()))      # the paper's own stamp in its margin, not a citation
            continue
        add(Mention(None, m.group(0), m.start(), m.end(), "arxiv", "", id="ARXIV:" + m.group(1), score=1.0,
                    reason="an arXiv id"))
    for m in _ARXIV_BARE.finditer(text):
        add(Mention(None, m.group(1), m.start(1), m.end(1), "arxiv", "", id="ARXIV:" + m.group(1), score=0.9,
                    reason="an arXiv id in a citation marker"))
    for m in _DOI.finditer(text):
        add(Mention(None, m.group(1), m.start(1), m.end(1), "doi", "", id=_doi_id(m.group(1)), score=1.0,
                    reason="a DOI"))
    return found


# -- title shapes ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF](?:[\w'\u2019\u00C0-\u024F\u1E00-\u1EFF]|[-\u2010\u2011\u2013](?=[\w\u00C0-\u024F\u1E00-\u1EFF]))*")

FUNCTION_WORDS = frozenset("""
a an the of in on for to with via from by as at and or is are be vs versus into through without
beyond toward towards about under over between across not can do does its their your you we our
it when what why how all than that this using within per up out
""".split())
# Capitalised words that start a new sentence or clause rather than continue a title.
_BREAKERS = frozenset("There Here This That These Those He She They We I It If When While Because But So "
                      "Then However Also Although And Or Yes No Okay Oh Yeah Well Maybe Thanks Since".split())
_WH = frozenset("What How Why When Where Who Which".split())
_PRONOUN_CAPS = frozenset("They We It You I".split())
# ... and words that do not start one.
_NO_START = _BREAKERS | frozenset("As Some Many Most Our My Your Their His Her To Let "
                                  "Crossposted Cross-posted Reposted Posted Originally".split())
# Imperatives that open a sentence before a title: "Compare with Foo Learning: ..."
_LEAD_VERBS = re.compile(r"(?:Compare(?:\s+(?:with|to))?|See(?:\s+also)?|Read|Reread|Check(?:\s+out)?|Consider|Try|"
                         r"Start\s+with|Begin\s+with|Look\s+at|Cf\.?)\s+")
_PRONOUNS = frozenset("i we me you my our us your he she they them".split())
_INTERJECTIONS = ("oh", "yeah", "yes", "no", "okay", "ok", "well", "so", "maybe", "hmm", "thanks", "sure")

# Cue phrases right before a work's name.
_STRONG_CUE_BEFORE = re.compile(
    r"(?:\b(?:see(?:\s+also)?|read|reread|rereading|recommend|cites?|citing|the\s+(?:paper|post|article|"
    r"essay|book|preprint|report|sequence|piece)|my\s+book|(?:citation\s+)?trail\s+of|"
    r"(?:post|paper|book|essay|article)\s+(?:called|titled|named))\s*[:,]?\s*)$", re.I)
# "Skinner (1969) Contingencies of ...", "Lan et al. 2019. LCA: ...": a reference's year, then its title
_YEAR_BEFORE = re.compile(r"\((?:19|20)\d\d[a-z]?\)[.,:]?[ \t]*\Z|\b(?:19|20)\d\d[a-z]?\)?\.\s+$")
_WEAK_CUE_BEFORE = re.compile(r"(?:\b(?:e\.g\.|i\.e\.|like|such\s+as|from|in|and|of|also)\s*[:,]?\s*|[(:\"\u201c]\s*)$", re.I)
_CUE_AFTER = re.compile(r"^\s*(?:paper|post|preprint|article|essay|book|report|sequence|\((?:19|20)\d\d\)|by\s+(?-i:[A-Z])|\(?(?-i:[A-Z])[\w\-]+ et al|"
                        r"https?://|"
                        # "(arXiv 2023)", "(NeurIPS, 2022)": a venue and a year; ", published at ICML 2021"
                        r"\((?-i:arXiv|[A-Z][A-Za-z]*[A-Z][A-Za-z]*|[A-Z]{2,})['\u2019]?,?\s+(?:19|20)\d\d\)|,\s+(?:published|presented)\s+(?:at|in)\s)",
                        re.I)


def _is_cap(tok: str) -> bool:
    c = tok[0]
    if c.isupper():
        return True
    if c.isdigit():
        return any(ch.isalpha() for ch in tok) or len(tok) <= 3
    return False


def _possessive(tok: str) -> bool:
    return bool(re.search(r"['\u2019]s$", tok)) and tok.lower() not in ("let's", "let\u2019s")


def _is_acronymish(tok: str) -> bool:
    """FooCLR, BARNET, GPT-2, DeepFoo: a coined name rather than an English word."""
    core = tok.replace("-", "")
    upper = sum(c.isupper() for c in core)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in core))


@dataclass
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str, a: int, b: int) -> list[_Tok]:
    """The words of ``text[a:b]``, a list of the caller's own (callers trim it)."""
    return list(_span_tokens(text, a, b))


@functools.lru_cache(maxsize=2048)
def _span_tokens(text: str, a: int, b: int) -> tuple[_Tok, ...]:
    """Several passes read the words of the same sentence (capitalised runs, sentence-case runs,
    cue spans): a 10k-word document asked for 44k words of 12k, 30 ms of its extraction. The
    tokens are shared, so nothing may change one."""
    return tuple(_Tok(m.group(0), a + m.start(), a + m.end()) for m in _TOKEN.finditer(text[a:b]))


def _gap(text: str, left: _Tok, right: _Tok) -> str:
    return text[left.end:right.start]


def _truncated_after(text: str, end: int) -> bool:
    return bool(re.match(r"(?:\.\.\.|\u2026)", text[end:end + 3]))


def _score_title(text: str, toks: list[_Tok], sent_start: int) -> float:
    words = [t.text for t in toks]
    n = len(words)
    content = [w for w in words if w.lower() not in FUNCTION_WORDS or (w[0].isupper() and w not in ("The", "A", "An"))]
    has_func = any(w in FUNCTION_WORDS for w in words[1:-1])
    has_colon = ":" in text[toks[0].start:toks[-1].end]
    if has_func and len(content) <= 2:
        score = 0.45
    elif n >= 4 and has_func:
        score = 0.7
    elif n == 3 and has_func:
        score = 0.55
    elif n >= 4:
        score = 0.6
    elif n == 3:
        score = 0.45
    elif n == 2:
        score = 0.3
    else:
        score = 0.2
    if has_colon and n >= 3:
        score += 0.15
    if any("-" in w and w[0].isupper() for w in words):
        score += 0.05
    before = text[max(0, toks[0].start - 40):toks[0].start]
    after = text[toks[-1].end:toks[-1].end + 30]
    genre = _names_its_genre(words, before, toks[0].start > sent_start)
    if _STRONG_CUE_BEFORE.search(before) or _CUE_AFTER.match(after) or _YEAR_BEFORE.search(before) or genre:
        score += 0.3
    elif _WEAK_CUE_BEFORE.search(before) and toks[0].start > sent_start:
        score += 0.05
    if toks[0].start <= sent_start:
        score -= 0.1
    elif words[0] == "The" and n >= 2:
        score += 0.25                     # a capital "The" inside a sentence belongs to a name
    elif re.search(r"\bthe\s+$", before) and not _CUE_AFTER.match(after) and not genre:
        score -= 0.2                      # "the Institute for Foo Studies": an organisation
    # "Why Can't Your Agent Book a Flight?": a question in title case is a title, its pronouns the title's
    asked = n >= 4 and text[toks[-1].end:toks[-1].end + 1] == "?" and words[0] in _WH | {"Can", "Does", "Do", "Is", "Are", "Should", "Will"} \
        and all(w[0].isupper() or w in FUNCTION_WORDS for w in words)
    if not asked and any(w.lower() in _PRONOUNS and not (i and (words[i - 1] in _WH or words[i - 1].lower() == "all"))
                         for i, w in enumerate(words)):
        score -= 0.2
    if len(content) <= 1 and n <= 2:
        score -= 0.1
    return max(0.0, min(1.0, score))


# The head noun of a single document's name: "the Alignment Risk Update", "my Mechanistic
# Interpretability Explainer", "Anthropic's Responsible Scaling Policy". A run that names its own
# genre after a determiner or a possessive is a document, as "the ... report" is (an organisation
# is an Institute or a Center; a series, a Newsletter or a Podcast, is left to _EVENT_HEAD).
_GENRE_HEAD = frozenset("""Report Update Explainer Guide Primer FAQ Handbook Glossary Tutorial Overview Survey
Review Manifesto Memo Letter Policy Framework Roadmap Whitepaper""".split())
_OWNER_BEFORE = re.compile(r"(?:\b(?i:my|our|his|her|their|its|the)|[A-Za-z]['\u2019]s)[ \t]+$")


def _names_its_genre(words: list[str], before: str, inside: bool) -> bool:
    """Three capitalised words or more, inside a sentence after "the", "my" or a possessive,
    ending in a document's genre ("in the Alignment Risk Update"; not "the Forum in this FAQ")."""
    return inside and len(words) >= 3 and words[-1] in _GENRE_HEAD and all(w[:1].isupper() for w in words[-3:]) \
        and bool(_OWNER_BEFORE.search(before))


def _runs(text: str, a: int, b: int) -> list[list[_Tok]]:
    """Maximal runs of capitalised tokens joined by function words, hyphens and colons."""
    toks = _tokens(text, a, b)
    runs: list[list[_Tok]] = []
    i = 0
    while i < len(toks):
        if not toks[i].text[0].isupper() or toks[i].text in _NO_START or _possessive(toks[i].text):
            i += 1
            continue
        run = [toks[i]]
        j = i + 1
        while j < len(toks):
            gap = _gap(text, run[-1], toks[j])
            tok = toks[j]
            if _possessive(tok.text):
                break
            after_wh = run[-1].text in _WH or run[-1].text.lower() in ("all",)
            if gap == " " and _is_cap(tok.text) and (tok.text not in _BREAKERS or after_wh and tok.text in _PRONOUN_CAPS):
                run.append(tok)
                j += 1
                continue
            if gap == " (" and _is_cap(tok.text) and j + 1 < len(toks) and _gap(text, tok, toks[j + 1]) == ") " \
                    and _is_cap(toks[j + 1].text):
                # "Language Models (Mostly) Know ..."
                run.extend(toks[j:j + 2])
                j += 2
                continue
            if gap == " " and tok.text == "by" and _names_follow(text, toks, j + 1):
                break                     # "... Networks by Smith, Jones and Lee"
            if gap == " " and tok.text.lower() in FUNCTION_WORDS and tok.text.islower():
                # function words only inside a run: look ahead for the next capitalised word
                k = j
                while k < len(toks) and toks[k].text.lower() in FUNCTION_WORDS and toks[k].text.islower() \
                        and _gap(text, toks[k - 1], toks[k]) == " ":
                    k += 1
                if k < len(toks) and k - j <= 3 and _gap(text, toks[k - 1], toks[k]) == " " \
                        and _is_cap(toks[k].text) and toks[k].text not in _BREAKERS and not _possessive(toks[k].text):
                    run.extend(toks[j:k + 1])
                    j = k + 1
                    continue
                break
            if gap in (": ", ":  ") and _is_cap(tok.text) and tok.text not in _BREAKERS \
                    and ":" not in text[run[0].start:run[-1].end]:      # a title has one colon at most
                # a colon inside a title: "FooNet: Learning Bar-Level Baz With Qux"
                rest = []
                for t in toks[j:j + 4]:
                    if not (_is_cap(t.text) or (t.text.islower() and t.text in FUNCTION_WORDS)):
                        break
                    rest.append(t)
                if sum(_is_cap(t.text) for t in rest) >= 2:
                    run.append(tok)
                    j += 1
                    continue
                break
            if gap == ", " and len(run) >= 4 and any(t.text in FUNCTION_WORDS for t in run) \
                    and _is_cap(tok.text) and tok.text not in _BREAKERS \
                    and (j + 1 >= len(toks) or not _is_cap(toks[j + 1].text) or _gap(text, tok, toks[j + 1]) != " "):
                # "Depth is Useful, Usually"
                run.append(tok)
                j += 1
                break
            break
        while run and run[-1].text.lower() in FUNCTION_WORDS and run[-1].text.islower():
            run.pop()
        # "... the AI Research Circle A community gathering": a lone "A" or "I" before a lower-case
        # word opens the next sentence (its full stop lost), it does not end a title
        if len(run) > 2 and run[-1].text in ("A", "I") and run[-2].text not in ("A", "I") \
                and re.match(r" [a-z]", text[run[-1].end:run[-1].end + 2]) and _gap(text, run[-2], run[-1]) == " " \
                and ":" not in text[run[0].start:run[-1].end]:
            run.pop()
        # a trailing year is a hint, not part of the title
        while len(run) > 1 and re.fullmatch(r"(19|20)\d\d", run[-1].text):
            run.pop()
        if run:
            runs.append(run)
        i = max(j, i + 1)
    return _split_lists(text, runs)


def _names_follow(text: str, toks: list[_Tok], k: int) -> bool:
    """After "by": one or two capitalised words, then a comma, "and", "et al." or the end."""
    n = 0
    while k < len(toks) and n < 3 and _is_cap(toks[k].text) and (n == 0 or _gap(text, toks[k - 1], toks[k]) == " "):
        n += 1
        k += 1
    if n == 0 or n > 2:
        return False
    nxt = text[toks[k - 1].end:toks[k - 1].end + 8]
    return k >= len(toks) or bool(re.match(r"(?:,|\s+and\b|\s+&|\s+et\s+al|[.;)]|\s*$)", nxt))


def _split_lists(text: str, runs: list[list[_Tok]]) -> list[list[_Tok]]:
    """Split "Ada Lovelace and Alan Turing" (two names) and "FOONET and Learning Bar ..." (a
    nickname, then a title), but not "Finding and Fixing Bugs in Networks"."""
    out = []
    for run in runs:
        pieces = [run]
        for idx, t in enumerate(run):
            if t.text not in ("and", "or") or idx == 0:
                continue
            left, right = run[:idx], run[idx + 1:]
            left_func = any(x.text in FUNCTION_WORDS for x in left)
            right_func = any(x.text in FUNCTION_WORDS for x in right)
            names = len(left) <= 3 and len(right) <= 3 and not left_func and not right_func
            coined = len(left) == 1 and _is_acronymish(left[0].text)
            # "Quiet Minds, The Drift Problem and Small Minds at Scale": after a comma that follows a
            # capitalised word, the run is the last items of a list, joined by the list's "and"
            listed_after = bool(re.search(r"[A-Z][\w\-']*,[ \t]+$", text[max(0, run[0].start - 40):run[0].start])) \
                and bool(right) and _is_cap(right[0].text)
            if names or coined or listed_after:
                pieces = [left, right]
                break
        out.extend(p for p in pieces if p)
    return out


# "his new book X", "Roe's recent paper X": the words that say which of someone's works the title names
_WHICH_WORK = (r"(?:(?:new|latest|recent|first|last|earlier|later|older|original|classic|famous|seminal|"
               r"excellent|great|short|long|previous|follow-up|companion|debut)\s+)?")
# "I elaborated on some of these mechanisms in X", "we review the evidence in X", "as I argued in X":
# a first-person clause about writing, then "in" and a capitalised span, is the writer's own earlier work
_SELF_CITED_IN = (r"(?:(?-i:\bI|\b[Ww]e)|(?<=\b[Aa]s\s)(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))(?:['\u2019]ve|\s+have|\s+had)?\s+(?:also\s+|briefly\s+|further\s+|already\s+)?"
                  r"(?:wrote|written|write|discussed|discuss|elaborated|elaborate|reviewed|review|argued|argue|explained|"
                  r"explain|described|describe|covered|cover|explored|explore|outlined|outline|detailed|sketched|sketch|"
                  r"summari[sz]ed|summari[sz]e|went\s+into|go\s+into|laid\s+out|lay\s+out|made\s+(?:this|that|the)\s+case)\b"
                  r"[^.;:!?\n()\[\]]{0,80}?\b(?-i:in)")
_SELF_CITED_IN_RX = re.compile(_SELF_CITED_IN + r"$")
_TRAILING_ADVERBS = frozenset("today yesterday again too also now later recently though anyway first instead here there "
                              "lately soon".split())


def _cue_spans(text: str, a: int, b: int) -> list[tuple[int, int, float]]:
    """Sentence-case titles after a cue: "also see Loss landscapes of small networks and Why
    does pruning work?", "a research agenda: The modular brain programme."; each piece must
    start with a capital."""
    spans = []
    sent = text[a:b]
    cue = re.compile(r"\b(?:see(?:\s+also)?|also\s+see|read|reread|trail\s+of|titled|entitled|(?:the|my|our|his|her|their|(?-i:[A-Z][\w\-]*)['\u2019]s)\s+(?:(?:19|20)\d\d\s+)?" + _WHICH_WORK
                     + r"(?:(?-i:[A-Z][\w\-]*)\s+){0,2}(?:paper|post|article|essay|book|preprint|report|novel|textbook)|"
                     r"(?:paper|post|article|essay|book|preprint|report|novel|sequence|piece)\s+(?:called|named)|"
                     r"my\s+book|(?:agenda|survey|overview|review|paper|post|book|books|papers|posts|essays|articles|readings):|"
                     r"(?:book|novel|essay|pick|paper)\s+(?:is|was)(?=\s+(?-i:[A-Z]))|"
                     r"(?-i:wrote|published|posted|authored)(?:\s+(?-i:the|a|an))?|"
                     # the writer pointing to their own earlier work: "I elaborated on this in Quiet Drift Revisited"
                     rf"{_SELF_CITED_IN})\s+(?=(?-i:[A-Z]))"  # (case-sensitive: "the book called X" is not "the book" then "called X")
                     # a question mid-sentence is a title: "the argument in Why honest models deceive ..."
                     r"|\b(?-i:in|from|of)\s+(?=(?-i:Why|How|What|When|Where|Which|Is|Are|Can|Does|Do|Should|Will)\s+[a-z])", re.I)
    for m in cue.finditer(sent):
        start = a + m.end()
        if m.group(0).rstrip().endswith(":") and m.start() < 25 and text.rfind("\n", 0, a + m.start()) >= a - 1 \
                and re.match(r"[A-Z][\w\-]*(?: [A-Z][\w\-]*)?:", sent[:m.end()].strip()):
            continue                      # "Charbel: ..." speaker labels
        stop = re.compile(r"(?:\?(?=[\s)\]]|$)|(?=(?<!\bvs)(?<!\bv)[.;!)\]]\s|[.;!)\]]$|[)\]][.,;:!?]|,\s|\s[-\u2013\u2014]\s|:\s[\"'\u2018\u201c]|\s\()|$)")
        end_m = stop.search(text, start, b)
        end = end_m.end() if end_m and end_m.group(0) == "?" else (end_m.start() if end_m else b)
        piece_text = text[start:end]
        # split "X and Y" lists where Y starts with a capital
        parts = []
        pos = start
        listing = bool(re.search(r"(?:books|papers|posts|essays|articles|readings):\s*$", m.group(0), re.I))
        for sm in re.finditer(r"\s+(?:and|or)\s+(?=[A-Z])" + (r"|,\s+(?=[A-Z])" if listing else ""), piece_text):
            parts.append((pos, start + sm.start()))
            pos = start + sm.end()
        parts.append((pos, end))
        # ("I wrote this in San Francisco": after the writer's own "in", two capitalised words may be a place)
        self_cited = m.group(0).rstrip().endswith("in") and bool(_SELF_CITED_IN_RX.search(sent[:m.end()].rstrip()))
        named = bool(re.search(r"\b(?:the|my|our|his|her|their)\s+(?:paper|post|article|essay|book|preprint)\s*$"
                               # "a book called Perceptrons": the work's noun and "called" name it, one word or more
                               r"|\b(?:paper|post|article|essay|book|preprint|report|novel)\s+(?:called|named)\s*$",
                               m.group(0).rstrip(), re.I))
        for s, e in parts:
            toks = _tokens(text, s, e)
            if named and (pron := next((k for k, t in enumerate(toks) if t.text.lower() in _PRONOUNS), None)) is not None:
                # "my paper Neural paths of choice and the many refs there for more than you want": after
                # the work's noun the sentence goes on past the title with "and", then someone speaking
                joint = next((k for k in range(3, pron) if toks[k].text == "and" and not _is_cap(toks[k + 1].text)), None)
                if joint is not None:
                    toks = toks[:joint]
                    e = toks[-1].end
            # the sentence goes on after the title: "titled Small minds wander shows drift", "the post
            # Drift is the default for more", "wrote Small Minds Wander in 2023"
            cut = next((k for k, t in enumerate(toks) if k >= 2 and (
                t.text in _TITLE_ENDS_BEFORE or t.text in ("in", "since") and k + 1 < len(toks)
                and re.fullmatch(r"(?:19|20)\d\d", toks[k + 1].text) and k + 2 == len(toks)
                or t.text == "for" and k + 2 == len(toks) and toks[k + 1].text in ("more", "details", "example")
                # "the post X is good": a verdict on the title, not part of it
                or t.text in ("is", "was") and k + 2 >= len(toks) - 1 and k + 1 < len(toks)
                and toks[k + 1].text.lower() in _VERDICTS
                # "See Against drift as a default for a reply"
                or t.text == "for" and len(toks) - k <= 3 and toks[-1].text.lower() in _FOR_WHAT
                and all(x.text.lower() in _FOR_WHAT | {"a", "an", "the", "more"} for x in toks[k + 1:]))), None)
            if cut is not None:
                toks = toks[:cut]
                e = toks[-1].end
            while len(toks) > 1 and toks[-1].text.lower() in _TRAILING_ADVERBS and not _is_cap(toks[-1].text):
                toks.pop()                # "the essay Hyperstition today" -> "Hyperstition"
                e = toks[-1].end
            # one capitalised word is a title only right after "the post", "the paper", ...
            if not (2 - named + self_cited <= len(toks) <= 20) or not toks[0].text[0].isupper() or toks[0].text in _BREAKERS:
                continue
            if any(t.text.lower() in _PRONOUNS for t in toks) or re.match(r"(?:I|We|You)(?:['\u2019]\w+)?$", toks[0].text):
                continue                  # ("the textbook I've been using": someone speaking)
            if len(toks) > 1 and _is_cap(toks[1].text):
                # a title-case start ends at the first lower-case word that is not a function word
                for k, t in enumerate(toks[2:], 2):
                    if t.text.islower() and t.text not in FUNCTION_WORDS:
                        toks = toks[:k]
                        while toks and toks[-1].text in FUNCTION_WORDS:
                            toks.pop()
                        e = toks[-1].end
                        break

            score = 0.7 if len(toks) >= 3 else 0.6
            spans.append((s, e, score))
    # "Her book, Quiet Minds Drifting, came out": a title set off by commas after the work's noun
    for m in _APPOSITIVE_TITLE.finditer(text, a, b):
        toks = _tokens(text, m.start(1), m.end(1))
        # (sentence case too, "Fenn's post, Small minds at scale, is a classic": the commas bound it)
        if 2 <= len(toks) <= 20 and toks[0].text not in _BREAKERS and _is_cap(toks[0].text) and (len(toks) <= 12 or all(
                _is_cap(t.text) or t.text in FUNCTION_WORDS for t in toks)) \
                and not any(t.text in _PRONOUNS or k == 0 and t.text.lower() in _PRONOUNS for k, t in enumerate(toks)):
            # (a capitalised pronoun inside is the title's: "Machines Like Me")
            spans.append((m.start(1), m.end(1), 0.7))
    return spans


_APPOSITIVE_TITLE = re.compile(r"(?:\b(?i:the|my|our|his|her|their|an?)|[A-Z][\w\-]*['\u2019]s)\s+"
                               r"(?:(?:19|20)\d\d\s+)?(?:(?i:latest|new|first|last|recent|classic|famous|debut|next|earlier|later|original|"
                               r"seminal|influential|own|follow-up|companion|previous|prior|older|newer|second|third|"
                               r"best-known|well-known|short|long|excellent|great)\s+)?(?i:paper|post|article|essay|book|preprint|"
                               r"report|novel|textbook)(?:\s+(?:on|about)\s+[\w\- ]{1,40}?)?\s*,\s+([A-Z][^,.;()\n]{2,120}?),")
# Verbs a sentence goes on with after a title it names ("titled X shows that ..."); titles seldom
# hold these in the third person
_TITLE_ENDS_BEFORE = frozenset("""shows showed argues argued finds found demonstrates demonstrated proposes proposed
introduces introduced reports reported suggests suggested explains explained describes described claims claimed
notes noted covers covered discusses discussed got gets received receives garnered drew attracted""".split())
_VERDICTS = frozenset("""good great better best excellent worth interesting long short classic fantastic useful helpful
underrated overrated brilliant wrong right terrible bad""".split())
# "... for a reply", "... for context": what a pointer to a title is for, not part of the title
_FOR_WHAT = frozenset("""reply replies response responses rebuttal critique counterpoint counterargument discussion summary
overview context background details detail example examples more""".split())


def _quote_pairs(seg: str) -> list[tuple[int, int]]:
    """(start, end) of quoted text: straight quotes pair up in order, curly ones by shape."""
    pairs = []
    straight = [i for i, c in enumerate(seg) if c == '"']
    pairs += [(straight[i] + 1, straight[i + 1]) for i in range(0, len(straight) - 1, 2)]
    pairs += [(m.start() + 1, m.end() - 1) for m in re.finditer(r"\u201c[^\u201c\u201d]*\u201d", seg)]
    # single quotes, straight or curly, whose marks cannot be apostrophes: an opening one after a
    # space or a bracket, a closing one before a space or punctuation ('a post called 'Drift is
    # not the problem' last year')
    pairs += [(m.start(1), m.end(1)) for m in _SINGLE_QUOTED.finditer(seg)]
    return pairs


_SINGLE_QUOTED = re.compile(r"(?:(?<=[\s(\[])|^)['\u2018]([A-Za-z][^'\u2018\u2019\n]*?[\w?!.])['\u2019](?=[\s.,;:!?)\]]|$)")


_QUOTE_CUE_BEFORE = re.compile(r"\b(?:titled|entitled|called|named|(?:the|my|our|his|her|their|an?|[A-Z][\w\-]*['\u2019]s)\s+(?:[A-Z][\w\-]*\s+)?(?:paper|post|article|essay|book|report|novel|"
                               r"preprint|blog\s+post|piece|sequence)s?|(?:post|paper|essay|article|book)\s+is)\s*[:,]?\s*$"
                               # a reference's authors and year, then its title: 'Perez et al. (2022): "..."'
                               # (a bare year is not enough: 'In 2019, "..." was the slogan')
                               r"|(?:\bet\s+al\.?(?:,?\s+(?:19|20)\d\d[a-z]?)?|\((?:19|20)\d\d[a-z]?\))\s*[:,.\u2014\u2013\-]*\s*$", re.I)
# ("in" or "from" alone is a scare quote's word too: 'the risk from "AI systems not doing what we wanted"';
# after a verb of writing it points to a work: 'as Roe put it in "..."', 'quoted from "..."')
_POINTS_TO_QUOTE = re.compile(r"\b(?:(?:put[ \t]+it|wrote|writes|written|argued?|argues|said|says|described|discussed|"
                              r"explained|noted|shown|showed|proposed|introduced|quoted?|quotes|excerpts?|passage)[ \t]+"
                              r"(?:in|from)|see(?:\s+also)?|cf\.?|(?:compare[sd]?|similar|related|reply|"
                              r"replies|response|responding|refers?|referring)\s+(?:it\s+|them\s+|this\s+)?to)[ \t]*\Z", re.I)
_SECTION_AFTER = re.compile(r"[ \t]*(?:above|below|earlier|later)\b", re.I)


def _names_own_section(text: str, body: str, after: int) -> bool:
    """'See "Implementation keywords" above': the quotation is a section of this text, its words
    a heading line of it ("## 3. Implementation keywords") or the quote followed by "above" or "below"."""
    return bool(_SECTION_AFTER.match(text, after)
                or re.search(r"(?m)^[ \t#*\-\d.)]*" + re.escape(body) + r"[ \t:.]*$", text))


_LINK_TAIL = re.compile(r"\]\([^()\s]{0,300}\)")
# A line of a reading list that is a quoted title and its venue: '\u201cEmbedded agency\u201d, LessWrong.'
_LIST_OPENER = re.compile(r"\s*(?:[-*\u2022\u2013\u2014\u00b7]+|\d{1,3}[.)])?\s*")
_VENUE_ONLY = re.compile(r"\s*[,.]\s*[A-Za-z][\w.\-/]*(?:[ \t]+[\w.\-/]+){0,3}\.?\s*")
_AUTHOR_ONLY = re.compile(rf"[ \t]*(?:[-\u2013\u2014,][ \t]*|by[ \t]+)?{_NAME_WORD}(?:[ \t]+[A-Z]\.)?[ \t]+"
                          rf"(?:(?:van|von|de|der|da|di|le|la)[ \t]+)?{_NAME_WORD}\.?[ \t]*")
# '\u201cWhy not wait on AI risk?\u201d, overcoming bias blog and \u201cFoom update\u201d': quoted titles in a row
_PERSON_OWNS_QUOTE = re.compile(r"(?<![\w\-])([A-Z][a-z]+)[ \t]+[A-Z][\w\-]*['\u2019]s[ \t]*$")


@functools.lru_cache(maxsize=8)
def _lower_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case ("open" in "open source": "Open Philanthropy" is no person)."""
    return frozenset(re.findall(r"(?<![\w\-])[a-z][a-z'\-]+", text))
_JOINS_QUOTES = re.compile(r"(?:[,;]?[ \t]+[\w.\-]+){0,5}?(?:,|[ \t]+(?:and|or|&))[ \t]*|[ \t]*[,;/&][ \t]*")
_QUOTE_CUE_AFTER = re.compile(r"\s*(?:was|is|has\s+been)\s+(?:submitted|published|posted|released|written|accepted|"
                              r"presented|titled)\b|\s+by\s+(?-i:[A-Z])|\s*\((?:19|20)\d\d\)|\s*\[\d+\]|\s+(?:paper|post|essay)(?![a-z])", re.I)


def _quoted_spans(text: str, a: int, b: int) -> list[tuple[int, int, float, str]]:
    """Quoted titles: "Sleeper Agents: Training Deceptive LLMs ...", or sentence case after a cue
    ('the post "Simulators"', '"Learning to summarize from human feedback" was submitted ...').
    A quoted phrase without a title's shape or a cue is a quotation, not a work."""
    spans = []
    prev_title_end = -1                   # the end of the last quoted title in this sentence
    for qs, qe in sorted(_quote_pairs(text[a:b])):
        inner = text[a + qs:a + qe]
        s = a + qs
        # '“ Situational Awareness ”': a page conversion pads a quote that held a link
        pad = len(inner) - len(inner.lstrip(" \t")) if text[s - 1] in '"\u201c' else 0
        bs = s + pad                                    # where the quoted words start
        body = inner[pad:].rstrip().rstrip(".,;")     # "... Safety Training." with the stop inside
        if not 2 <= len(body) <= 200 or inner.startswith("(") or "___" in inner:
            continue
        toks = _tokens(text, bs, bs + len(body))
        cue_before = bool(_QUOTE_CUE_BEFORE.search(text[max(0, s - 40):s - 1].rstrip("[")))
        # "Ada Roe's \u201cQuiet Minds\u201d": a person's quoted work, when written as a title
        owned = _PERSON_OWNS_QUOTE.search(text[max(0, s - 40):s - 1])
        # a lower-case title needs a cue right before it: 'his post "where I agree and disagree with X"', or
        # its reference right after it: '"steering slow agents via probes" by Roe et al.', '"..." [4]'
        q_end = a + qe + 1
        q_end = _LINK_TAIL.match(text, q_end).end() if _LINK_TAIL.match(text, q_end) else q_end
        # (a lower-case quotation with a bracketed number after it is mostly a phrase with its footnote,
        # 'a "similar but slightly different"[1] method'; its authors or its arXiv id after it make it a work)
        ref_after = len(toks) >= 3 and bool(_BY_AUTHORS_AFTER.match(text, q_end) or _AUTHOR_YEAR_AFTER.match(text, q_end)
                                            or bool((_NUMBERED_MARKER if body[:1].isupper() else _ARXIV_MARKER).match(text, q_end)))
        if not (1 <= len(toks) <= 24) or not (body[0].isupper() or (cue_before or ref_after) and body[0].islower() and len(toks) >= 3):
            continue
        words = [t.text.lower() for t in toks]
        if words[0] in _INTERJECTIONS or toks[0].text in _BREAKERS or words[0] in _PRONOUNS or body.endswith("!"):
            continue
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", a + qe)
        rest_of_line = text[a + qe + 1:line_end if line_end >= 0 else len(text)]
        # a link around the quote ('my ["Why AGI?"](./why-agi) post') is looked past
        link_tail = _LINK_TAIL.match(text, a + qe + 1)
        after_q = link_tail.end() if link_tail else a + qe + 1
        evidence = [
            ("after its authors and year", _reference_around_quote(text, s - 1, after_q)),
            ("after a cue", cue_before or bool(_QUOTE_CUE_AFTER.match(text, after_q))),
            # 'In "Simple probes catch drift", Roe and Fenn show ...': the work the authors did
            ("before its authors", bool(re.search(r"(?:^|[.!?]\s+|\n)In\s*$", text[max(0, s - 6):s - 1]))
             and bool(_AUTHORS_AFTER_QUOTE.match(text, after_q))),
            ("alone on a list's line", re.fullmatch(r"\s*[-\u2013\u2014]+\s*", text[line_start:s - 1]) is not None
             and not rest_of_line.strip()),                                    # '- "Hero Licensing"'
            ("on a list's line with its venue", _LIST_OPENER.fullmatch(text[line_start:s - 1]) is not None
             and _VENUE_ONLY.fullmatch(rest_of_line) is not None
             and not any(w in _PRONOUNS for w in rest_of_line.lower().split())),
            ("on a list's line with its author", _LIST_OPENER.fullmatch(text[line_start:s - 1]) is not None
             and _AUTHOR_ONLY.fullmatch(rest_of_line) is not None),                # '- "Title" Jane Roe'
            # 'as Roe put it in "Why slow agents drift"', 'compare it to "Recurrent probes for ..."': a
            # capitalised quotation of three words or more the sentence points to, not a scare quote
            # (not a section of the text itself: 'See "Details of the format" above', a heading's words)
            ("after a word that points to a work", body[0].isupper() and len(toks) >= 3
             and bool(_POINTS_TO_QUOTE.search(text, max(0, s - 40), s - 1)) and not _names_own_section(text, body, after_q)),
            ("before its reference", ref_after),
            ("in a row after another", prev_title_end >= 0 and _JOINS_QUOTES.fullmatch(text[prev_title_end:s - 1]) is not None),
            ("in brackets", text[s - 2:s - 1] == "(" and text[a + qe + 1:a + qe + 2] == ")"   # ("A Title"): cited
             and ", " not in body and words[-1] not in FUNCTION_WORDS),
        ]
        cue = next((why for why, present in evidence if present), "")
        caps = [t for t in toks if t.text.lower() not in FUNCTION_WORDS]
        if not cue and owned and len(caps) >= 2 and all(_is_cap(t.text) for t in caps) \
                and owned.group(1).lower() not in _lower_words(text) \
                and not re.match(r"[\u201d\"]?[ \t]+(?:project|program|programme|initiative|team|series|fund)\b", text[a + qe:a + qe + 16]):
            cue = "after its author's name"
        if not cue and text[s - 1] in "'\u2018":
            continue                      # single quotes without a cue: a label or a scare quote ("the 'Hidden Goals' leaf")
        caps = [t for t in toks if t.text.lower() not in FUNCTION_WORDS]
        title_case = len(caps) >= 2 and all(_is_cap(t.text) for t in caps)
        if cue:
            score = 0.85 if len(toks) >= 2 else 0.75
        elif title_case and len(toks) >= 3:
            # '"Instruction-Following Eval (IFEval)"': a quoted name with its short form is a name
            score = 0.7 if (":" in body or len(toks) >= 4 or re.search(r"\s\([A-Z][\w\-]{1,15}\)$", body)) else 0.5
        elif len(toks) >= 4:
            score = 0.45                 # a sentence-case quotation: maybe a title, maybe a quote
        else:
            continue
        if any(w in _PRONOUNS for w in words):
            score -= 0.3
        if body[0].islower() and not ref_after:
            score = min(score, 0.45)      # a lower-case quotation after a cue: a maybe a real title confirms
        end = bs + len(body.rstrip("? ")) + (1 if body.rstrip().endswith("?") else 0)
        spans.append((bs, end, score, f"a quoted title {cue}" if cue else "a quoted title"))
        prev_title_end = a + qe + 1 if score >= TRUST_SCORE else -1
    return spans


# -- nicknames: coined names, benchmarks, reports, link anchors ------------------------------

_NAME_NOUN_AFTER = re.compile(r"\s+(?:paper|method|approach|dataset|data\s+set|benchmark|corpus|suite|"
                              r"leaderboard|eval|evals)\b", re.I)
# "was introduced", "(harder, 10-choice variant) was proposed": a coined name whose origin the text tells
_NAME_INTRODUCED = re.compile(r"(?:\s*\([^()\n]{1,60}\))?\s+(?:was|were)\s+(?:first\s+)?(?:introduced|proposed|released|"
                              r"published|presented)\b|,?\s+(?:introduced|proposed)\s+(?:by|in)\s+[A-Z]")


# A coined name the text cites right after it: "SWEBench Jimenez et al. (2024)", "FooBench (Doe et
# al., 2023; Roe, 2024)", "BazEval [Roe et al., 2022]", the LoremNet model (Ipsum, 2020)", a footnote
# mark ("FooBench\u00b9", "BarQA^2", "BazEval[^3]")
_CITED_AFTER = LazyPattern(rf"(?:\s+(?:model|dataset|benchmark|method|suite|corpus|framework|architecture|algorithm)s?)?"
                          rf"(?:\s*[(\[]\s*(?:(?:see|e\.g\.|cf\.),?\s+)?(?P<names>{_NAMES}),?\s+{_YEAR_RX}\s*[;,)\]]"
                          rf"|\s+(?P<narrative>{_NAMES_INITIALS})\s+\({_YEAR_RX}[,;)]"
                          r"|[\u00b9\u00b2\u00b3\u2070-\u2079]+(?![\w\u00b9\u00b2\u00b3\u2070-\u2079])|\^\d{1,3}\b|\[\^\d{1,3}\])")
CITED_NAME = "a name with its citation"
# Coined names: "FooCLR", "MICrONS", "BERT", "Transformer-XL", "Llama-2", "T5" (not "Self-Attention")
_COINED = re.compile(r"(?<![\w\-])([A-Z][a-z]*[A-Z][\w\-]*|[A-Z]{3,}[\w\-]*|[A-Z][a-z]+-(?:[A-Z0-9]*\d\w*|[A-Z]{2,}\w*)"
                     r"|[A-Z]\d[\w\-]*)(?![\w\-])")
_WORD_CITED = re.compile(rf"(?<![\w\-])(?P<prep>[a-z]+|,)[ \t]+([A-Z][a-z\u00C0-\u024F]{{2,}})[ \t]*\((?:(?:see|e\.g\.),?\s+)?"
                         rf"(?P<names>{_NAMES}),?\s+(?P<year>{_YEAR_RX})[^()\n]{{0,100}}\)")
_PLACE_PREPOSITIONS = frozenset("in from across at within throughout to into near".split())
_NAMED_KIND = re.compile(r"(?<![\w\-])([A-Z][a-z\u00C0-\u024F]{2,}(?:-[A-Za-z]+)?)\s+(?:dataset|benchmark|model|corpus|suite|"
                         r"environment|architecture|agent|framework|method|algorithm|testbed)\b")
# "(iii) AQu A (Ling et al., 2017); (iv) Truthful QA (Lin et al., 2022)": an enumerated item that is a
# short capitalised name and its citation names a work, whatever its spelling
_ENUMERATED_NAME = re.compile(r"(?:\((?:[ivx]{1,4}|[a-h]|\d{1,2})\)|(?<![\w(])(?:[ivx]{1,4}|[a-h]|\d{1,2})\))[ \t]+"
                              r"([A-Z][\w\-]*(?:[ \t]+[A-Z][\w\-]*){0,2})(?=\s*[(\[])")
_NAME_THEN_ARXIV = re.compile(r"(?:^|(?<=[,;:(\u2014\u2013/]\s)|(?<=\s[-\u2014\u2013]\s)|(?<=\n))"
                              r"([\w][\w\-']*(?:[ \t]+[\w\-']+){0,3})[ \t]*[(\[](?:arXiv:?\s*)?(\d{4}\.\d{4,5})(?:v\d+)?[)\]]",
                              re.M)
_EXPANDED_AFTER = re.compile(r"(?<![\w\-])([A-Z][A-Za-z0-9\-]{1,11})[ \t]*\(((?:[A-Z0-9][\w&\-]*[ \t]+){1,8}"
                            r"(?:Challenge|Benchmark|Dataset|Corpus|Test|Evaluation|Suite|Questions|Answering|"
                            r"Understanding|Q&A|QA))\)")


def _abbreviates(name: str, long_form: str) -> bool:
    """"ARC" for "AI2 Reasoning Challenge", "GPQA" for "Graduate-Level Google-Proof Q&A": the
    name's capitals are, in order, initials of the long form's words (or of their hyphenated parts)."""
    letters = [c for c in name if c.isupper()]
    initials = [w[0].upper() for w in re.split(r"[\s\-&]+", long_form) if w and w[0].isalnum()]
    if len(letters) < 2 or not initials or letters[0] != initials[0]:
        return False
    it = iter(initials)
    return all(any(c == i for i in it) for c in letters)


_FOOTNOTE_GLUED = re.compile(r"(?<![\w\-])([A-Z][a-z]*[A-Z][A-Za-z]*)(\d{1,2})(?=[A-Z][a-z]+[ \t])")
_NOTE_REF = re.compile(rf"(?<![\w\-])({_NAMES}),?\s+({_YEAR_RX})(?![\w\-])")
_SUPERSCRIPTS = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"


def _nickname_candidates(text: str, a: int, b: int) -> list[Mention]:
    """Coined names (FooCLR, BarSpace, MICrONS) in a context that says they name a work: a
    citation marker after them, a word like "dataset" or "benchmark", or "works like"."""
    out = []
    for m in _COINED.finditer(text[a:b]):
        tok = m.group(1).rstrip(_SUPERSCRIPTS)        # "FooBench\u00b9": a footnote mark after the name
        s, e = a + m.start(1), a + m.start(1) + len(tok)
        if tok in _GENERIC_ACRONYMS or re.fullmatch(r"(?:[A-Z][a-z]{2,}){2,}", tok) and s == text.rfind("\n", 0, s) + 1:
            continue                      # "LLM evaluation"; "LimitationsSignificant" (words glued by a scraper)
        before = text[max(a, s - 30):s]
        end_paren = e + 1 if text[e:e + 1] == ")" and text[s - 1:s] == "(" else e
        if CITATION_MARKER.match(text, end_paren):
            out.append(Mention(None, tok, s, e, "alias", "", score=0.7, reason="a name with a citation marker"))
        elif (cite := _CITED_AFTER.match(text, end_paren)) and (cite.group("names") is None or _names_ok(cite.group("names"))) \
                and not re.fullmatch(r"[A-Z]{2,}s", tok):       # "a wide class of MDPs (Turner et al., 2021)": a kind
            out.append(Mention(None, tok, s, e, "alias", "", score=0.7, reason=CITED_NAME,
                               years=[int(y) for y in _YEAR_HINT.findall(cite.group(0))[:1]]))
        elif (noun_m := _NAME_NOUN_AFTER.match(text, e)) and not _OUR_OWN.search(text[max(a, s - 60):s]) \
                and not re.match(r"[ \t]+[A-Z][a-z]", text[noun_m.end():noun_m.end() + 3]):   # "EleutherAI Eval Harness": a tool's name
            noun = _NAME_NOUN_AFTER.match(text, e).group(0).strip().lower()
            out.append(Mention(None, tok, s, e, "alias", "", score=0.6, reason=f"a name followed by \"{noun}\""))
        elif _NAME_INTRODUCED.match(text, e):
            out.append(Mention(None, tok, s, e, "alias", "", score=0.6, reason="a name the text says was introduced"))
        elif re.search(r"\b(?:works?\s+like|methods?\s+like|papers?\s+like|datasets?\s+like|benchmarks?\s+like|"
                       r"used\s+in|or\s+in)\s+$", before, re.I):
            out.append(Mention(None, tok, s, e, "alias", "", score=0.55, reason="a name in a list of works"))
    for m in _FOOTNOTE_GLUED.finditer(text, a, b):
        # "CoT2Provides intermediate reasoning steps ... Wei 2022 \u2197": a footnote's number and its
        # text flattened into the line after the name; the footnote cites the name's work
        note = text[m.end(2):m.end(2) + 300].split("\n", 1)[0]
        ref = _NOTE_REF.search(note)
        if ref and _names_ok(ref.group(1)) and not _FOOTNOTE_GLUED.search(note, 0, ref.start()):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "alias", "", score=0.7,
                               reason=CITED_NAME, years=[int(ref.group(2)[:4])]))
    for m in _NAME_THEN_ARXIV.finditer(text, a, b):
        # "..., weak-to-strong (2312.09390) ...": a short name, then the arXiv id of its paper
        name = m.group(1)
        words = name.split()
        if words[0].lower() in FUNCTION_WORDS or len(name) < 3 or not re.search(r"[A-Za-z]", name) \
                or all(w.lower() in FUNCTION_WORDS for w in words):
            continue
        out.append(Mention(None, name, m.start(1), m.end(1), "alias", "", id=f"ARXIV:{m.group(2)}", score=0.7,
                           reason="a name and its paper's arXiv id"))
    for m in _EXPANDED_AFTER.finditer(text, a, b):
        # "ARC (AI2 Reasoning Challenge)", "FooQA (Foo Question Answering Benchmark)": a benchmark's
        # name spelled out after it, the spelling's words naming a benchmark or a dataset
        if _abbreviates(m.group(1), m.group(2)) and m.group(1) not in _GENERIC_ACRONYMS:
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "alias", "", score=0.6,
                               reason="a benchmark's name spelled out after it"))
    for m in _ENUMERATED_NAME.finditer(text, a, b):
        cite = _CITED_AFTER.match(text, m.end(1))
        if cite and cite.group("names") is not None and _names_ok(cite.group("names")) \
                and m.group(1) not in _GENERIC_ACRONYMS and not re.fullmatch(r"[A-Z]{2,}s", m.group(1)):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "alias", "", score=0.7,
                               reason=f"{CITED_NAME}, an enumerated item",
                               years=[int(y) for y in _YEAR_HINT.findall(cite.group(0))[:1]]))
    for m in _WORD_CITED.finditer(text, a, b):
        # "... compared with Gopher (Rae et al., 2021) and Sparrow (Glaese et al., 2022)": one
        # capitalised word inside a sentence, its citation right after it (not a place: "in Europe (...)")
        word = m.group(2)
        if word in _NOT_SURNAMES or word in _BREAKERS or word in _SENTENCE_ADVERBS or word.endswith("ly") \
                or word in m.group("names") or not _names_ok(m.group("names")) or m.group("prep").lower() in _PLACE_PREPOSITIONS \
                or m.group("prep") in FUNCTION_WORDS and re.search(r"[A-Z][\w\-]*[ \t]+$", text[max(0, m.start() - 30):m.start()]):
            continue                      # "Toy Models of Superposition (Elhage et al., 2022)": a title's last word
        out.append(Mention(None, word, m.start(2), m.end(2), "alias", "", score=0.7, reason=CITED_NAME,
                           years=[int(m.group("year")[:4])]))
    for m in _NAMED_KIND.finditer(text, a, b):
        # "the Wombat benchmark (Lee et al., 2020)", "the Quokka dataset [14]": a plain word is a
        # work's name when the text calls it a dataset or a model and cites it
        cite = CITATION_MARKER.match(text, m.end()) or _CITED_AFTER.match(text, m.end())
        if cite and m.start(1) > a and m.group(1) not in _NOT_SURNAMES and m.group(1) not in _BREAKERS \
                and (m.group(1) != m.group(1).capitalize() or text[m.start(1) - 1] == " ") \
                and not _OUR_OWN.search(text[max(a, m.start() - 60):m.start()]):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "alias", "", score=0.7, reason=CITED_NAME,
                               years=[int(y) for y in _YEAR_HINT.findall(cite.group(0))[:1]]))
    return out


# "the system card for Claude Opus 4.6", "the Gemini technical report", "Llama 3 model card"
_REPORT_FOR = re.compile(r"\b(?:system|model)\s+card\s+(?:for|of)\s+(?:[A-Z](?:[\w.\-]*\w)?)(?:\s+(?:[A-Z](?:[\w.\-]*\w)?|\d(?:[\w.]*\w)?)){0,3}"
                         r"|\b(?:[A-Z](?:[\w.\-]*\w)?)(?:\s+(?:[A-Z](?:[\w.\-]*\w)?|\d(?:[\w.]*\w)?)){0,3}\s+(?:[Tt]echnical\s+[Rr]eport|"
                         r"[Ss]ystem\s+[Cc]ard|[Mm]odel\s+[Cc]ard)\b"
                         # "Claude 4's system card": a versioned model's possessive (a lab's is no one report)
                         r"|\b(?:[A-Z](?:[\w.\-]*\w)?)(?:\s+(?:[A-Z](?:[\w.\-]*\w)?)){0,2}(?:\s+\d(?:[\w.]*\w)?|(?<=\d)|(?<=\d[a-z]))"
                         r"['\u2019]s\s+(?:[Tt]echnical\s+[Rr]eport|[Ss]ystem\s+[Cc]ard|[Mm]odel\s+[Cc]ard)\b")
# "scored 86% on Cybench", "accuracy on FooQA": a benchmark named by what models score on it
_SCORED_ON = re.compile(r"\b(?:scor(?:ed|es|e|ing)|accuracy|performance|results?|sota|state of the art)\s+(?:of\s+)?"
                        r"(?:[~\u2248]?\d[\d.,]*\s*%?\s+)?on\s+(?:the\s+)?((?-i:[A-Z][\w\-]{2,}))(?![\w\-])", re.I)


def _coined_or_caps(name: str) -> bool:
    """A coined name (AgentDrift, Long-Wander, GSM8K, DRIFT): capitals past its first letter or a digit."""
    return bool(re.search(r"[A-Z0-9]", name[1:])) and len(name) >= 3


_KIND_LIST = re.compile(r"\b(?:benchmarks|datasets|data\s+sets|corpora|suites|environments|evals|evaluations)[ \t]*,?[ \t]+"
                        r"(?:such[ \t]+as|like|including|e\.g\.,?|namely)[ \t]+"
                        r"(?P<items>[A-Z][\w\-]*(?:(?:,[ \t]+|,?[ \t]+(?:and|or)[ \t]+)[A-Z][\w\-]*){0,12})")
_PERCENT_ON = re.compile(r"\d[\d.,]*[ \t]*%[ \t]+on[ \t]+(?:the[ \t]+)?([A-Z][\w\-]{2,})(?![\w\-])")
_NAME_A_KIND = re.compile(r"(?<![\w\-])((?:[A-Z][\w\-]*[ \t]+){0,2}[A-Z][\w\-]{2,}),[ \t]+an?[ \t]+(?:(?:new|large|small|novel|public|open|"
                          r"curated|synthetic|multilingual|challenging|[\w\-]+-(?:scale|source|ended))[ \t]+){0,2}"
                          r"(dataset|benchmark|corpus|suite|testbed|data[ \t]+set)\b")


# '"Intelligence explosion microeconomics", MIRI technical report': the venue of the quoted title
_VENUE_AFTER_QUOTE = re.compile(r"[\u201d\"][.,]?[ \t]+(?:(?:[A-Z][\w\-]*|and|of|for|the|on)[ \t]+)*$")


# A name coined for a benchmark, a dataset or an environment carries its kind in its last part:
# "QuokkaBench", "Quokka-Bench", "TrickQA", "WombatEval", "DriftGym", "Agent-Arena", "Liars' Bench"
# (a capitalised word before the suffix; "QA" alone, "Bench" alone or "Eval" alone is no name)
BENCHMARK_SHAPED = "a benchmark's name"
_BENCHMARK_SHAPED = re.compile(r"(?<![\w\-'\u2019])([A-Z][A-Za-z0-9]*[a-z0-9][A-Za-z0-9]*(?:-?(?:Bench|bench|QA|Eval|Arena|Gym))"
                               r"(?:-[A-Z0-9][A-Za-z0-9]*)?|[A-Z][a-z]+s['\u2019][ \t]+Bench)(?![\w\-])")


def _report_and_benchmark_names(text: str, a: int, b: int) -> list[Mention]:
    """A model's report or card, and benchmarks named by what models score on them."""
    out = []
    for m in _REPORT_FOR.finditer(text, a, b):
        if m.group(0).split()[0] in _NO_START or _VENUE_AFTER_QUOTE.search(text, max(0, m.start() - 120), m.start()):
            continue
        if re.fullmatch(r"[A-Z]{2,6}\s+technical\s+report", m.group(0)) and re.search(r"[.,]\s*$", text[max(0, m.start() - 3):m.start()]):
            continue                      # "Reframing Superintelligence. FHI technical report.": a reference's venue
        out.append(Mention(None, m.group(0), m.start(), m.end(), "alias", "", score=0.6, topic=m.group(0),
                           reason="a model's report or card"))
    for m in _BENCHMARK_SHAPED.finditer(text, a, b):
        name = m.group(1)
        if name.split("-")[0] in _NOT_SURNAMES or name in _GENERIC_ACRONYMS or re.match(r":[ \t]+[A-Z]", text[m.end():m.end() + 3]):
            # ("TruthfulQA: Measuring how models ...": the head of a title, which the title shapes take whole)
            continue                      # "QuokkaBench", "Wombat-Eval", "TrickQA", "Liars' Bench": a benchmark by its name
        out.append(Mention(None, name, m.start(1), m.end(1), "alias", "", score=0.6, topic=name,
                           reason=BENCHMARK_SHAPED))
    for m in _KIND_LIST.finditer(text, a, b):
        # "benchmarks such as AgentDrift, LongWander and QuokkaArena", "80% on DRIFT-Hard and 60% on
        # WANDER", "Roe et al. introduced Wanderlust, a dataset of ...": names the text calls benchmarks
        for q in re.finditer(r"[A-Z][\w\-]*", m.group("items")):
            name = q.group(0)
            if _coined_or_caps(name) and name not in _GENERIC_ACRONYMS and name not in _NOT_SURNAMES:
                s = m.start("items") + q.start()
                out.append(Mention(None, name, s, s + len(name), "alias", "", score=0.6, topic=name,
                                   reason="a name in a list of benchmarks"))
    for m in _PERCENT_ON.finditer(text, a, b):
        name = m.group(1)
        if name not in _GENERIC_ACRONYMS and name not in _NOT_SURNAMES and name not in _BREAKERS:
            out.append(Mention(None, name, m.start(1), m.end(1), "alias", "", score=0.55, topic=name,
                               reason="a benchmark models score on"))
    for m in _NAME_A_KIND.finditer(text, a, b):
        name = m.group(1)
        if name.split()[0] not in _NOT_SURNAMES | _BREAKERS and name not in _GENERIC_ACRONYMS \
                and not (m.start(1) == a or re.search(r"[.!?:]\s*$", text[max(0, m.start(1) - 3):m.start(1)])):
            out.append(Mention(None, name, m.start(1), m.end(1), "alias", "", score=0.6, topic=name,
                               reason=f"a name the text calls a {m.group(2)}"))
    for m in _SCORED_ON.finditer(text, a, b):
        name = m.group(1)
        if name in _GENERIC_ACRONYMS or name in _NOT_SURNAMES or name in _BREAKERS:
            continue
        out.append(Mention(None, name, m.start(1), m.end(1), "alias", "", score=0.55, topic=name,
                           reason="a benchmark models score on"))
        pos = m.end(1)
        while (more := _MORE_NAMES.match(text, pos, b)) and _coined_or_caps(more.group(1)) \
                and more.group(1) not in _GENERIC_ACRONYMS:
            out.append(Mention(None, more.group(1), more.start(1), more.end(1), "alias", "", score=0.55,
                               topic=more.group(1), reason="a benchmark models score on"))
            pos = more.end(1)             # "Results on HellaDrift and DriftMath"
    for m in _WORD_MARKER.finditer(text, a, b):
        word = m.group(1)
        prev = re.search(r"([\w\-]+)[,;&]?[ \t]*$", text[max(0, m.start(1) - 30):m.start(1)])
        if prev and (not prev.group(1).islower() or prev.group(1) in ("via", "at", "from", "on")):
            continue                      # "Alignment Forum [999]", "via Substack [3]": a longer name, a venue
        if word in _NOT_SURNAMES or word in _BREAKERS or word in _GENERIC_ACRONYMS or word.lower() in FUNCTION_WORDS \
                or word in _SENTENCE_ADVERBS or re.match(r"(?:Fig|Tab|Eq|Sec|App|Thm|Lem|Def|Alg|Ref|Chap)", word):
            continue
        # "... (FooQA) [12] and Wombat [13]": a capitalised word inside a sentence with a numbered
        # citation is what is cited: a coined name, or an author's surname
        surname = bool(re.fullmatch(r"[A-Z][a-z\u00C0-\u024F'\-]+", word))
        out.append(Mention(None, text[m.start(1):m.end()] if surname else word, m.start(1), m.end() if surname else m.end(1),
                           "author-ref" if surname else "alias", "", score=0.55, topic=None if surname else word,
                           authors=[word] if surname else [], reason="a word inside a sentence with a numbered citation"))
    return out


_MORE_NAMES = re.compile(r"(?:,[ \t]+|,?[ \t]+(?:and|or)[ \t]+)(?:on[ \t]+)?([A-Z][\w\-]{2,})(?![\w\-])")
# (after a lower-case word or a comma, never glued to the next entry: "... Models[2] DSPA: ...")
_WORD_MARKER = re.compile(r"(?:(?<=[\s(][a-z]{2})|(?<=[a-z]{3})|(?<=[,;&]))[ \t]+([A-Z][\w\-]{2,})[ \t]+"
                          r"\[\d{1,3}(?:[,\u2013\-][ \t]*\d{1,3})*\](?![A-Za-z])")


def _link_mentions(text: str, found: list[links.Link]) -> list[Mention]:
    """A link's anchor names the work its target is, when the target is a work ("[Sleeper
    Agents](https://arxiv.org/abs/2401.05566)")."""
    out = []
    for link in found:
        anchor = text[link.anchor_start:link.anchor_end]
        if link.target in (links.NOT_WORK, links.UNKNOWN) or links.generic_anchor(anchor) \
                or "<" in anchor or not anchor.strip():
            continue
        pid = None
        if (a := _ARXIV_URL.search(link.url)):
            pid = "ARXIV:" + a.group(1)
        elif (d := _DOI_URL.search(link.url)):
            pid = _doi_id(d.group(1))
        out.append(Mention(None, anchor, link.anchor_start, link.anchor_end, "title", "", id=pid, score=0.85,
                           alias_kind="post" if link.target == links.POST and not pid else None, url=link.url,
                           reason=f"the anchor of a link to a {link.target}"))
    return out


# -- putting it together ---------------------------------------------------------------------

def _hints(sentence: str) -> tuple[list[str], list[int]]:
    authors = [m.group(1).split()[0] for m in _ET_AL.finditer(sentence)]
    authors += [m.group(1).split()[-1] for m in re.finditer(
        r"\bby\s+([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)?)", sentence)]
    years = [int(y) for y in re.findall(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.])", sentence)]
    return authors, years


# "our Activation Addition (ActAdd) method"; "We introduce MoJE (Mixture of Jailbreak Expert)": the
# text's own work (a paper that coins a name the alias table knows is that paper, not a citation of it)
_OUR_OWN = re.compile(r"\b[Oo]ur\s+(?:[A-Z][\w\-]*\s+){0,3}\(?\s*$"
                      r"|\b[Ww]e\s+(?:introduce|propose|present|release|develop)\s+(?:(?:a|an|the)\s+(?:new\s+)?"
                      r"(?:method|benchmark|dataset|framework|approach|technique|model|suite)\s*,?\s+(?:called\s+|named\s+)?)?$")


def extract(text: str, *, file: str | None = None, aliases: AliasTable | None = None) -> list[Mention]:
    """Every work the text names, in document order, each with a confidence (WORK or MAYBE) and
    the reason it was kept. Candidates come from every shape a work's name takes; the layout,
    link targets and cue words decide which of them are works."""
    original, text = text, _same_length_spellings(text)
    spans = sentence_spans(text)
    sent_starts = [s for s, _ in spans]
    layout = Layout(text)
    found_links = links.find_links(text)

    def sentence_of(pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(sent_starts, pos) - 1
        if i >= 0 and spans[i][0] <= pos < spans[i][1]:
            return spans[i]
        return pos, pos

    cands: list[Mention] = []
    anchors = _link_mentions(text, found_links)
    link_urls = [(lk.anchor_end, lk.end) for lk in found_links]
    # the URL of a link whose anchor names the work is part of that mention, not a second one
    cands += [m for m in find_ids(text)
              if not any(a <= m.start and m.end <= b and any(x.end == a for x in anchors) for a, b in link_urls)]
    cands += anchors
    if aliases is not None:
        hits = aliases.find(text, uncued=True)
        # "our Activation Addition (ActAdd) method ... We demonstrate ActAdd": a name the text
        # calls its own is its own wherever it stands
        ours = {h.name for h in hits if _OUR_OWN.search(text[max(0, h.start - 60):h.start])
                and not CUE_AFTER.match(text, h.end)}
        # "a task called indirect object identification (IOI)": a name the text spells out in lower
        # case is a term there and wherever else the text uses it without a cue
        terms_here = {h.name for h in hits if _term_spelled_out(text, h.start, h.end, h.name)}
        for h in hits:
            if _concept_phrase(text, h.start, h.end, h.name) and h.cued:
                # "shard theory is ...", "leading power-seeking theorems": an idea's name in lower
                # case is the idea, unless the text says it stands for a work
                whole = bool(h.alias.title) and normalise(h.name) == normalise(h.alias.title)
                cands.append(Mention(None, h.name, h.start, h.end, "title" if whole else "alias", "", id=h.alias.id,
                                     score=0.45, alias_title=h.alias.title if not h.alias.id else None, confidence=MAYBE,
                                     reason=f"{IDEA_IN_LOWER_CASE}, not a citation of it "
                                            f"(alias table: {h.alias.title or h.name})"))
                continue
            if h.name in terms_here and h.cued and not CUE_AFTER.match(text, h.end) \
                    and not re.search(r"\b(?:paper|report|post|preprint|article|essay|book)$", h.name, re.I):
                cands.append(Mention(None, h.name, h.start, h.end, "alias", "", id=h.alias.id, score=0.45,
                                     alias_title=h.alias.title if not h.alias.id else None, confidence=MAYBE,
                                     reason=f"a term the text spells out in lower case, not a citation "
                                            f"(alias table: {h.alias.title or h.name})"))
                continue
            kind = "author-ref" if re.search(r"\bet al\b|['\u2019]s\b", h.name) else "alias"
            title = h.alias.title or h.name
            if h.alias.title and normalise(h.name) == normalise(h.alias.title):
                kind = "title"                # a known work's full title, in whatever case
            # "our Activation Addition (ActAdd) method": the text's own work, introduced, not cited
            own = h.name in ours and not CUE_AFTER.match(text, h.end) and not re.search(
                r"\b(?:paper|report|post|preprint|article|essay|book)$", h.name, re.I)
            cued = h.cued and not own
            cands.append(Mention(None, h.name, h.start, h.end, kind, "", id=h.alias.id, score=0.9 if cued else 0.5,
                                 alias_title=h.alias.title if not h.alias.id else None,
                                 id_title=h.alias.title if h.alias.id else None,
                                 alias_kind=h.alias.kind if h.alias.kind != "paper" else None,
                                 confidence=WORK if cued else MAYBE,
                                 reason=f"alias table: {title}" + (", glued to the next cell of a table copied as text"
                                                                   if h.glued else "") if cued else
                                 f"the text's own method (our ...), not a citation of it (alias table: {title})" if own else
                                 f"a model or method name used without a citation (alias table: {title})"))
    cands += _known_titles(text)
    for s, e in spans:
        if (it := _IN_TITLE_NAME_VERB.match(text, s + len(text[s:e]) - len(text[s:e].lstrip()), e)):
            # "In The Quiet Drift, Roe argues that ...": what a named author argues in
            cands.append(Mention(None, it.group(1), it.start(1), it.end(1), "title", "", score=0.7,
                                 reason="a title the sentence says its author writes in"))
        for run in _runs(text, s, e):
            c = _title_mention(text, run, s)
            if not c.reason and len(run) >= 2 and _TERM_INTRODUCED_BY.match(text, c.end):
                # "Drift Probing (DP) was introduced by Roe et al. (2023)": the name of what a cited work made
                c.score, c.reason = max(c.score, 0.7), INTRODUCED_BY
            cands.append(c)
        for cs, ce, score in _cue_spans(text, s, e):
            m = Mention(None, text[cs:ce], cs, ce, "title", "", score=score, reason="a title after a cue word")
            m.truncated = _truncated_after(text, ce)
            cands.append(m)
        for cs, ce, score, why in _quoted_spans(text, s, e):
            cands.append(Mention(None, text[cs:ce], cs, ce, "title", "", score=score, reason=why))
        cands += _author_refs(text, s, e)
        cands += _name_year_refs(text, s, e)
        cands += _nickname_candidates(text, s, e)
        cands += _lead_in_titles(text, s, e)
        cands += _sentence_case_spans(text, s, e)
        cands += _report_and_benchmark_names(text, s, e)
        cands += _sentence_titled_by_what_follows(text, s, e)
        cands += _one_word_titles_by_people(text, s, e)
        cands += _titles_bracketed_after_a_work(text, s, e)
        cands += _works_listed_in_brackets(text, s, e)
        cands += _sentence_and_lower_case_titles(text, s, e)
    cands += _titles_the_next_sentence_reports(text, spans)
    cands += _titles_by_people_run_together(text)
    cands += _authors_after_titles(text, cands)
    cands += _titles_before_their_people(text, cands)
    cands += _headings_named_after_authors(text, layout)
    cands += _line_titles(text, layout)
    cands += [Mention(None, text[it.start:it.end], it.start, it.end, "title", "", score=0.8 if it.strong else 0.45,
                      reason=f"{listings.LISTED}: {it.why}") for it in listings.items(text)]
    cands += _title_by_author_lines(text)
    cands += _reference_lines(text)
    cands += _lines_ending_in_authors(text)
    cands += _quoted_reference_authors(text)
    cands += [c for c in _name_colon_lines(text, aliases.lookup if aliases is not None else None)
              if not layout.in_agenda(c.start)]   # "Pair Work: ..."
    cands += [Mention(None, text[a:b], a, b, "title", "", score=0.65, reason="a cell of a table's column of papers")
              for a, b in layout.work_cells if len(_TOKEN.findall(text[a:b])) >= 2]
    cands += _emphasised_works_by(text)
    cands = _reference_list_mentions(text, cands)
    for c in cands:
        if c.kind == "author-ref":
            _take_initials(text, c)
    blocked = [(lk.anchor_start, lk.anchor_end) for lk in found_links if lk.target == links.NOT_WORK]
    if aliases is not None:
        # a name the alias table says needs a cue (a method, a model) takes only the table's cues:
        # "used in RLHF", "Then RLHF was introduced" name the method; "(RLHF) (Ziegler et al.
        # 2019)" cites another paper
        cands = [c for c in cands if not (c.kind == "alias" and c.id is None and c.reason.startswith("a name ")
                                          and (al := aliases.lookup(c.surface)) and c.surface in al.needs_cue
                                          and (c.reason not in ("a name with a citation marker", CITED_NAME)
                                               or cites_another(al, text, c.end)
                                               or bool(c.years and al.year and abs(c.years[0] - al.year) > 1)))]
    cands = [c for c in cands if (c.kind != "title" or c.score >= MIN_SCORE)
             and (c.reason.startswith("alias table") or not any(a <= c.start and c.end <= b for a, b in blocked))]
    # (a known work's name stays one when it links to a page that is not a work: "[age of em](wikipedia)")
    kept = _resolve_overlaps(text, cands)

    def place(m: Mention) -> Mention:
        s, e = sentence_of(m.start)
        m.file = file
        m.sentence = text[s:e].strip() if e > s else text[max(0, m.start - 100):m.end + 100].strip()
        authors, years = _hints(m.sentence)
        m.authors = list(dict.fromkeys(m.authors + authors))
        m.years = list(dict.fromkeys(m.years + years))
        m.norm = normalise(m.surface)
        return m

    terms = _term_acronyms(aliases) | _defined_acronyms(text)
    judged = [m for m in map(place, kept) if _judge(text, m, layout, terms)]
    if (owners := _people_before_their_works(text, judged)):
        judged = [m for m in judged if not (m.kind in ("title", "author-ref") and m.confidence != WORK and any(
            o.start <= m.start and m.end <= o.end for o in owners))]     # ("Ada Roe" as a maybe title)
        judged = sorted(judged + [place(m) for m in owners], key=lambda m: (m.start, m.end))
    if (owners := _owned_beside_owned_works(text, judged)):
        judged = sorted(judged + [place(m) for m in owners], key=lambda m: (m.start, m.end))
    if _prose_in_title_case(text, spans):
        # "Honestly the Drift Handbook is a Great Place to Start": a writer who capitalises every
        # word gives capitals no weight, so a title's shape alone is a maybe
        for m in judged:
            if m.kind == "title" and m.reason == "a title's shape" and m.confidence == WORK:
                m.confidence, m.score = MAYBE, min(m.score, 0.45)
                m.reason += ", but the prose around it is written in title case"
    _headings_naming_works(judged)
    _ideas_listed_among_works(text, judged)
    # a nickname takes the confidence its definition earned ("Large Language Models (LLMs)" is a term)
    final = [m if m.sentence else place(m) for m in _defined_nicknames(text, judged)]
    final = [m if m.sentence else place(m) for m in _names_after_references(text, final)]
    final = [m if m.sentence else place(m) for m in _initialisms_of_named_works(text, final, terms, aliases)]
    for m in final:
        if m.kind == "alias" and m.confidence == WORK and not m.reason.startswith("alias table") \
                and _PLURAL_ACRONYM.fullmatch(m.surface):
            # "NLAs convert a model's activations into text", "used in RNNs": the plural names things of
            # a kind (a method's instances, a family of models), never one work
            m.confidence, m.score = MAYBE, min(m.score, 0.45)
            m.reason += ", but an acronym in the plural names things of a kind"
    extra = [place(m) for m in _only_a_title_can_confirm(text, spans, layout, final)]
    if (short := _short_names_given_a_nickname(text, extra + final, final)):
        # the work's short name is a work, and the nickname defined for it is a mention of it too
        extra = [m for m in extra if all(m is not x for x in short)]
        final = sorted([m for m in final if all(m is not x for x in short)] + short, key=lambda m: (m.start, m.end))
        for m in final:
            if m.confidence == MAYBE and any(m.reason == f"a nickname the document defines for {x.surface}" for x in short):
                m.confidence, m.score = WORK, max(m.score, TRUST_SCORE)
        final = [m if m.sentence else place(m) for m in _defined_nicknames(text, final)]
    out = sorted(final + extra, key=lambda m: (m.start, m.end)) if extra else final
    if text != original:                  # what the reader wrote, not the spelling the grammar read
        for m in out:
            m.surface = original[m.start:m.end]
            s, e = sentence_of(m.start)
            m.sentence = original[s:e].strip() if e > s else m.sentence
    return out


def _reference_list_mentions(text: str, cands: list[Mention]) -> list[Mention]:
    """The page's own reference list (``reference_keys.py``): each entry's title is a work, each key
    in the text that matches an entry (a number, a footnote marker, a first author or organisation
    and a year) is a citation of that entry's work, resolved by the entry's title; the rest of an
    entry (its venue, volume, publisher) names no work of its own."""
    found = reference_keys.entries(text)
    if not found:
        return cands
    def venue_part(c: Mention) -> bool:
        return c.kind in ("title", "alias", "author-ref") and any(
            en.start <= c.start and c.end <= en.rest_end and not (en.title_start < c.end and c.start < en.title_end)
            and not (en.names_start < c.end and c.start < en.names_end) for en in found)

    out = [c for c in cands if not venue_part(c)]
    own = {(c.start, c.end) for c in cands if c.kind == "title" and "reference" in c.reason}
    for en in found:
        if (en.title_start, en.title_end) in own:
            continue                       # the reference-line grammar found it already, and says so
        title = text[en.title_start:en.title_end]
        out.append(Mention(None, title, en.title_start, en.title_end, "title", "", score=0.95,
                           reason=reference_keys.ENTRY))
    for k in reference_keys.citations(text, found):
        title = text[k.entry.title_start:k.entry.title_end]
        out.append(Mention(None, text[k.start:k.end], k.start, k.end, "author-ref" if k.how == "author-year" else "alias",
                           "", score=0.9, alias_title=None if k.ambiguous else title,
                           years=[k.entry.year] if k.entry.year else [],
                           reason=f"{reference_keys.KEY}: " + ("one of its entries of that author and year"
                                                               if k.ambiguous else title)))
    return out


HEADING_NAMES_A_WORK = "a heading that names a work the text names elsewhere"


def _headings_naming_works(judged: list[Mention]) -> None:
    """"Situational Awareness: Reflections on the Future of AI" over a review that speaks of
    Aschenbrenner's "Situational Awareness" report; a cached page's heading over its own title
    "Faulty reward functions in the wild | OpenAI": a heading is a section's or a page's label,
    unless what it says (whole, or its main title before the colon) is a work the text names
    elsewhere as a work; then the page is about that work and the heading names it."""
    works = {}
    for w in judged:
        if w.confidence == WORK and w.kind in ("title", "alias"):
            works.setdefault(normalise(w.surface), []).append(w)
    for m in judged:
        if m.kind != "title" or m.confidence == WORK or ", but a heading" not in m.reason:
            continue
        names = {normalise(m.surface), normalise(m.surface.split(":")[0])}
        if any(len(n.split()) >= 2 and any(not (w.start < m.end and m.start < w.end) for w in works.get(n, ()))
               for n in names):
            m.confidence, m.score = WORK, max(m.score, TRUST_SCORE)
            m.reason += f", {HEADING_NAMES_A_WORK}"


OWNED_BESIDE_OWNED = "a title after someone's possessive, beside another person's work so named"
_PERSONS_POSSESSIVE_BEFORE = re.compile(r"(?<![\w\-])([A-Z][a-z][\w\-]*(?:[ \t]+[A-Z][a-z][\w\-]*)?)['\u2019]s[ \t]+$")


def _owned_beside_owned_works(text: str, judged: list[Mention]) -> list[Mention]:
    """"like Ada Roe's Quiet Minds - a polemic - or Fenn's Brave Old Words - a sales pitch": a
    title-case run that only its shape supports, after a possessive, is that person's work when
    the same sentence names another work after a person's possessive (the author found before it):
    a list of people's works. The run becomes a work; what is returned are their authors."""
    owned = [w for w in judged if w.confidence == WORK and w.kind in ("title", "alias")
             and any(a.kind == "author-ref" and a.confidence == WORK and 0 <= w.start - a.end <= 3 for a in judged)]
    out = []
    for m in judged if owned else ():
        if m.kind != "title" or m.confidence == WORK or m.reason != "a title's shape" or len(m.surface.split()) < 2:
            continue
        o = _PERSONS_POSSESSIVE_BEFORE.search(text, max(0, m.start - 40), m.start)
        if not o or o.group(1) in _LABS or _ORG_WORDS.search(o.group(1)) or o.group(1).split()[0] in _BREAKERS \
                or any(a.start < m.start and o.start(1) < a.end for a in judged if a is not m):
            continue
        other = next((w for w in owned if w is not m and w.sentence == m.sentence), None)
        if other:
            m.confidence, m.score = WORK, max(m.score, TRUST_SCORE)
            m.reason = f"{OWNED_BESIDE_OWNED} ({other.surface})"
            out.append(Mention(None, text[o.start(1):o.end()].rstrip(), o.start(1), o.start(1) + len(text[o.start(1):o.end()].rstrip()),
                               "author-ref", "", score=0.6, authors=[o.group(1).split()[-1]], topic=m.surface,
                               alias_title=m.surface, reason=f"{OWNED_BESIDE_OWNED}: the person ({m.surface})"))
    return out


SHORT_NAME_GIVEN_A_NICKNAME = "a part of a work's title the text names, given a nickname"
_NICKNAME_GIVEN = re.compile(r"[ \t]*\((?:hereafter|henceforth|hereinafter|from[ \t]+(?:here|now)[ \t]+on)?,?[ \t]*"
                             r"([A-Z][A-Za-z\-]{1,9})\)")


def _short_names_given_a_nickname(text: str, candidates: list[Mention], works: list[Mention]) -> list[Mention]:
    """"What A Compute-Centric Framework Says About Takeoff Speeds" named as a work, then
    "Compute-Centric Framework (from here on CCF) ...": a title-case run of two words or more
    that only a real title could confirm is the work's short name where it repeats, word for word,
    a part of a title the text trusts as a work and the text gives it a nickname (its initials, or
    "from here on"). Those it promotes, each a work."""
    titles = [w for w in works if w.confidence == WORK and w.kind == "title"]
    out = []
    for m in candidates if titles else ():
        if m.kind != "title" or not (is_hypothesis(m) or m.confidence == MAYBE and m.reason == "a title's shape") \
                or len(m.surface.split()) < 2 \
                or not all(_is_cap(w) or w in FUNCTION_WORDS for w in _TOKEN.findall(m.surface)):
            continue
        d = _NICKNAME_GIVEN.match(text, m.end)
        if d and re.match(r"[ \t]+(?:method|approach|technique|algorithm|metric|objective|loss|procedure|score)s?\b", text[d.end():d.end() + 12]):
            continue                      # "the Loss Change Allocation (LCA) method": a method the work names
        if not d or not (d.group(0).lstrip(" \t(").lower().startswith(("here", "hence", "from")) or d.group(1).upper() in _initial_forms(m.surface)):
            continue
        part = normalise(m.surface)
        whole = next((w for w in titles if not (w.start < m.end and m.start < w.end)
                      and re.search(rf"(?<!\w){re.escape(part)}(?!\w)", normalise(w.surface))), None)
        if whole:
            m.confidence, m.score = WORK, max(m.score, TRUST_SCORE)
            m.reason = f"{SHORT_NAME_GIVEN_A_NICKNAME} ({whole.surface})"
            out.append(m)
    return out


IDEA_IN_LOWER_CASE = "an idea's name in lower case"
LISTED_AMONG_WORKS = "an item of a list whose other items are works"
# the items of a list written on one line: commas, semicolons, a colon and a space (show notes'
# "Title:  Title:  ..."), a list's bullet
_LIST_ITEM_SEP = re.compile(r"[,;][ \t]*|:[ \t]+|^[ \t]*(?:[-*\u2022][ \t]+)?|[ \t]+(?:and|or)[ \t]+(?=\S+$)")


def _ideas_listed_among_works(text: str, judged: list[Mention]) -> None:
    """"Examples: Risks from learned optimization, inaccessible information, ...": an idea's name
    in lower case (a known work's name, kept a maybe: "shard theory is ...") is that work where it
    stands as a whole item of a list on one line, three items or more, beside another item that is
    a work the rules trusted: the writer lists works, not ideas."""
    for m in judged:
        if m.confidence == WORK or not m.reason.startswith(IDEA_IN_LOWER_CASE):
            continue
        a = text.rfind("\n", 0, m.start) + 1
        b = text.find("\n", m.end)
        b = len(text) if b < 0 else b
        line = text[a:b]
        cuts = [0] + [x for sep in _LIST_ITEM_SEP.finditer(line) for x in (sep.start(), sep.end())] + [len(line)]
        items = [(a + cuts[i], a + cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        items = [(s + len(text[s:e]) - len(text[s:e].lstrip()), s + len(text[s:e].rstrip(" \t."))) for s, e in items]
        items = [(s, e) for s, e in items if e > s]
        if len(items) < 3 or (m.start, m.end) not in items:
            continue
        others = [w for w in judged if w is not m and w.confidence == WORK and w.kind in ("title", "alias")
                  and any(s == w.start and (e == w.end or text.startswith(" (", w.end)) for s, e in items)]
        if others:
            m.confidence, m.score = WORK, max(m.score, TRUST_SCORE)
            m.reason = f"{LISTED_AMONG_WORKS} ({others[0].surface}); {m.reason}"


# A sentence that opens with a title in sentence case, known by what follows it: its citation
# right after a subtitle ("Quiet minds drifting: goal drift in agents (Roe et al., 2023) shows
# ...") or where it was published ("Small minds wander in long tasks, published at NeurIPS 2023,")
_OPENING_TITLE_CITED = re.compile(rf"([A-Z][^.;:()\[\]\n]{{3,120}}:[ \t]+[^.;:()\[\]\n]{{3,150}}?)[ \t]*"
                                  rf"\((?:{_NAMES}),?[ \t]+{_YEAR_RX}\)")
_OPENING_TITLE_PUBLISHED = re.compile(r"([A-Z][^.;:,()\[\]\n]{10,150}?),[ \t]+(?:published|presented|accepted)[ \t]+(?:at|in)[ \t]+"
                                      r"(?:[A-Z][\w\-]*|the[ \t])")


# words that say which work, not what it is called: "... the main paper", "... the original post"
_WHICH_ONE = frozenset("""main new original full latest same whole recent first last previous next present current
above below following cited linked accompanying companion earlier later follow-up""".split())
# words that point into the text itself: "the Transformer challenge in this follow-up post" names no title
_POINTS_HERE = frozenset("this that these those".split())
SENTENCE_CASE_BEFORE_WORK = "a sentence-case title between \"the\" and the noun for a work"
LOWER_CASE_TITLED = "a lower-case title after \"titled\""
# "The Gradient paths for slow agents paper is long": a capitalised span with a function word inside
# between "the" and a work's noun; "the Anthropic sleeper agents paper" is a nickname's business
_SENTENCE_CASE_THE_PAPER = re.compile(r"\b[Tt]he[ \t]+([A-Z][a-z][\w\-]*(?:[ \t]+[a-z0-9][\w\-]*){2,12})[ \t]+"
                                      r"(?:paper|preprint|post|essay|article|report)\b")
# "a paper titled scaling slow probes to large agents, which ...": "titled" says where it starts
_LOWER_CASE_TITLED = re.compile(r"\b(?:titled|entitled)[ \t]+([a-z][\w\-]*(?:[ \t]+[\w\-]+){2,20}?)"
                                r"(?=[ \t]*[,.;:!?)\n]|[ \t]+(?:which|that|by|and\s+(?:it|was|is)|in\s+(?:19|20)\d\d)\b|[ \t]*$)")


def _sentence_and_lower_case_titles(text: str, a: int, b: int) -> list[Mention]:
    out = []
    for m in _SENTENCE_CASE_THE_PAPER.finditer(text, a, b):
        words = m.group(1).split()
        # (not a part of the text or the paper: "The Results in the main paper", "The Appendix of the full report")
        if any(w in FUNCTION_WORDS for w in words[1:-1]) and words[-1] not in FUNCTION_WORDS | _WHICH_ONE \
                and not any(w.lower() in _PRONOUNS or w in _POINTS_HERE for w in words) and words[0] not in _BREAKERS \
                and not _SECTION_LABEL.fullmatch(words[0]) and not _UNIT_LABEL.match(m.group(1)):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.6,
                               reason=SENTENCE_CASE_BEFORE_WORK))
    for m in _LOWER_CASE_TITLED.finditer(text, a, b):
        words = m.group(1).split()
        # ("titled with care": a verb's sense of the word, not a title after it)
        if words[-1] not in FUNCTION_WORDS and not any(w in _PRONOUNS for w in words) \
                and (words[0] not in FUNCTION_WORDS or words[0] in ("a", "an", "the")):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.6, reason=LOWER_CASE_TITLED))
    return out


RUN_TOGETHER = "a title by its author, in a list a page conversion ran together"
# "Recommendations: Crystal Nights by Greg EganThe Last Question by Isaac AsimovThe ...": show notes
# whose list lost its line breaks, each author's surname glued to the next title
_TITLE_BY_GLUED = re.compile(r"(?:(?<=[a-z.!?])|(?<=[a-z]:[ \t]))([A-Z][\w'\u2019\-]*(?:[ \t]+(?:[A-Z][\w'\u2019\-]*|of|the|a|an|"
                             r"and|for|in|on|to|with|from|at))*)[ \t]+by[ \t]+([A-Z][a-z]+(?:[ \t]+[A-Z]\.)?[ \t]+"
                             r"[A-Z][a-z]{2,})(?=[A-Z][a-z]+[ \t]|[\u201c\"])")


def _titles_by_people_run_together(text: str) -> list[Mention]:
    """Entries "Title by First Last" glued one to the next: two or more in a line, each author's
    surname glued to the next entry's first capital or quote (a name like "McClellan" is one glue
    at most, never the run)."""
    out = []
    by_line: dict[int, list[re.Match]] = {}
    for m in _TITLE_BY_GLUED.finditer(text):
        by_line.setdefault(text.rfind("\n", 0, m.start()), []).append(m)
    for found in by_line.values():
        if len(found) < 2:
            continue
        for m in found:
            toks = _tokens(text, m.start(1), m.end(1))
            if not 1 <= len(toks) <= 12 or toks[0].text in _BREAKERS:
                continue
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.7, reason=RUN_TOGETHER))
            out.append(Mention(None, m.group(2), m.start(2), m.end(2), "author-ref", "", score=0.7,
                               authors=[m.group(2).split()[-1]], reason="the person a title is by, in a list run together"))
    return out


LISTED_IN_BRACKETS = "an item of a bracketed list after the works' noun"
_WORKS_THEN_BRACKET = re.compile(r"\b(?:books|papers|essays|novels|textbooks|articles|posts|preprints|readings)[ \t]*\(([^()\n]{5,300})\)")
_BRACKET_ITEM_SEP = re.compile(r"[ \t]*(?:,|;)[ \t]*(?:(?:and|or)[ \t]+)?|[ \t]+(?:and|or)[ \t]+")


def _works_listed_in_brackets(text: str, a: int, b: int) -> list[Mention]:
    """"a series of technical ML books (Linear Algebra Done Right, Deep Learning, and Reinforcement
    Learning)": the bracket after a plural noun for works lists them, each item a title whatever
    its words (a plain one like "Deep Learning" too). Every item must be capitalised and short, and
    none a reference or a note ("e.g.", "Roe et al.", "2019"), or the bracket is something else."""
    out = []
    for m in _WORKS_THEN_BRACKET.finditer(text, a, b):
        items, pos = [], m.start(1)
        for sep in list(_BRACKET_ITEM_SEP.finditer(text, m.start(1), m.end(1))) + [None]:
            end = sep.start() if sep else m.end(1)
            items.append((pos, end))
            pos = sep.end() if sep else pos
        if len(items) < 2:
            continue
        toks = [_tokens(text, s, e) for s, e in items]
        # (one-word items are names of models or sites, "posts (LessWrong, Alignment Forum)" are sites)
        if not all(2 <= len(t) <= 12 and _is_cap(t[0].text) and t[0].text not in _BREAKERS
                   and not _ORG_WORDS.search(text[t[0].start:t[-1].end])
                   and all(_is_cap(x.text) or x.text in FUNCTION_WORDS for x in t) for t in toks) \
                or _ET_AL.search(m.group(1)) or re.search(r"\d|\be\.g\.|\bi\.e\.", m.group(1)):
            continue
        out += [Mention(None, text[t[0].start:t[-1].end], t[0].start, t[-1].end, "title", "", score=0.6,
                        reason=LISTED_IN_BRACKETS) for t in toks]
    return out


TITLE_THE_NEXT_SENTENCE_REPORTS = "a title standing as a sentence, the next one saying what it argues"
# what a work does and a topic or a method does not: "It argues that ...", "The post lays out ..."
_WORK_REPORTED_NEXT = re.compile(r"[ \t]*(?:\n[ \t]*)?(?:It|(?:This|The)[ \t]+(?:paper|post|essay|piece|article|book|report|"
                                 r"preprint|sequence|author|authors))[ \t]+(?:(?:also|then|first|basically|essentially)[ \t]+)?"
                                 r"(?:argues|proposes|introduces|presents|makes[ \t]+the[ \t]+case|lays[ \t]+out|outlines|"
                                 r"surveys|summari[sz]es|reviews|recounts|walks[ \t]+through)\b")


def _titles_the_next_sentence_reports(text: str, spans: list[tuple[int, int]]) -> list[Mention]:
    """"... start with something short:\nAlignment by Default. It argues that ...": a capitalised
    phrase standing as a sentence of its own at a line's start or after a colon, that the next
    sentence says argues, proposes or lays out something, is the title of what it argues in
    (whatever its words: "by Default" is no author's name here)."""
    out = []
    for (a, b), (c, _) in zip(spans, spans[1:]):
        head = a + len(text[a:b]) - len(text[a:b].lstrip())
        body = text[head:b].rstrip()
        if not body.endswith(".") or not _WORK_REPORTED_NEXT.match(text, b if text[b:c].strip() == "" else c):
            continue
        if not re.search(r"(?:^|\n|:)[ \t*#\-]*$", text[max(0, head - 40):head]):
            continue
        toks = _tokens(text, head, head + len(body) - 1)
        if not 2 <= len(toks) <= 15 or toks[0].text in _BREAKERS or toks[0].text in _NO_START or _LEAD_VERBS.match(body) \
                or not all(_is_cap(t.text) or t.text in FUNCTION_WORDS for t in toks) \
                or sum(_is_cap(t.text) for t in toks) < 2 or any(t.text.lower() in _PRONOUNS for t in toks):
            continue
        out.append(Mention(None, text[toks[0].start:toks[-1].end], toks[0].start, toks[-1].end, "title", "",
                           score=0.65, reason=TITLE_THE_NEXT_SENTENCE_REPORTS))
    return out


# "Gradient paths for slow agents (Roe et al., 2024) shows that ...": what a work does, said of the
# span its citation follows (a claim's subject, "Models trained on code (Roe, 2023) are better",
# is not said to show or propose)
_DESCRIBES_WORK = re.compile(r"(?i)\b(?:work|works|stud(?:y|ies)|research|papers?|literature|authors?|researchers|"
                             r"others|experiments?|analys[ie]s|results?|approach(?:es)?|methods?|evidence|survey)\b")
_OPENING_TITLE_REPORTED = LazyPattern(
    rf"([A-Z][^.;:,()\[\]\n]{{10,150}}?)[ \t]*(?:\((?:{_NAMES}),?[ \t]+{_YEAR_RX}\)|\[\d{{1,3}}(?:[ \t]*[,\-\u2013][ \t]*\d{{1,3}})*\])"
    r"[ \t]+(?:shows?|showed|demonstrates?|demonstrated|argues?|argued|proposes?|proposed|introduces?|introduced|"
    r"finds|found|presents?|presented)[ \t]+(?:that|a|an|the|how|why)\b")
_LABEL_NOUNS = frozenset("""finding result takeaway idea point claim lesson insight conclusion question answer note
example reading summary update problem goal observation tldr tl;dr caveat warning tip hypothesis motivation
background context definition method approach contribution limitation step""".split())


def _sentence_titled_by_what_follows(text: str, a: int, b: int) -> list[Mention]:
    out = []
    s = a + len(text[a:b]) - len(text[a:b].lstrip())
    for rx, why in ((_OPENING_TITLE_CITED, "a sentence-case title and its citation"),
                    (_OPENING_TITLE_PUBLISHED, "a sentence-case title and where it was published"),
                    (_OPENING_TITLE_REPORTED, "a sentence-case title, its citation and what it showed")):
        m = rx.match(text, s, b)
        head = m.group(1).split(":")[0].split() if m else []
        if head and (head[-1].lower().rstrip("s") in _LABEL_NOUNS or len(head) == 1 and head[0] in _BREAKERS):
            continue                      # "Key finding: Models learn to deceive (Roe, 2024)": a label and a claim
        if m and rx is _OPENING_TITLE_REPORTED and _DESCRIBES_WORK.search(m.group(1)):
            continue                      # "Recent work on probes [4] shows that ...": a description, not a title
        if m and 3 <= len(_tokens(text, m.start(1), m.end(1))) <= 24 \
                and not any(w in _PRONOUNS for w in m.group(1).lower().split()) \
                and m.group(1).split()[0] not in _BREAKERS:
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.7, reason=why))
    return out


# "The Symbolic Species by Terrence Deacon", "... by Ada Roe and Bo Lin": the people a title is by
# ("... be? by Roe and Fenn": two surnames, checked as surnames by _authors_after_titles)
_BY_PEOPLE = LazyPattern(rf"(?:[ \t]*\((?:19|20)\d\d\))?[ \t]*,?[ \t]+by[ \t]+((?:{_PERSON_NAME_RX}|{_NAME_WORD}[ \t]+et[ \t]+al\.?)"
                        rf"(?:(?:,[ \t]+|,?[ \t]+(?:and|&)[ \t]+){_PERSON_NAME_RX}){{0,4}}"
                        rf"|{_NAME_WORD}[ \t]+(?:and|&)[ \t]+{_NAME_WORD}(?![ \t]+[A-Z]))(?![\w\-])")


# "Their latest post (Quiet drift in small agents) is good": a work's noun, then its title in brackets
_WORK_THEN_BRACKET = re.compile(r"\b(?:paper|preprint|post|blog[ \t]+post|essay|article|book|report|piece|sequence)"
                                r"[ \t]+\(([A-Z][^()\[\]\n;]{8,150}?)\)")


def _titles_bracketed_after_a_work(text: str, a: int, b: int) -> list[Mention]:
    """A bracket right after "paper", "post", "book" ... that holds three words or more starting
    with a capital is the work's title, as quotes after a cue are, whatever its case (not a
    reference's authors and year, a pointer into the text or a note)."""
    out = []
    for m in _WORK_THEN_BRACKET.finditer(text, a, b):
        inner = m.group(1).rstrip(" .,")
        words = _TOKEN.findall(inner)
        if len(words) < 3 or len([w for w in words if w.lower() not in FUNCTION_WORDS]) < 2 \
                or re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)|\bet\s+al\b|\b(?:pp?|pages?|PDF|min(?:ute)?s?)\b|,", inner) \
                or _POINTER.match(inner) or words[0] in _BREAKERS or words[0].lower() in _PRONOUNS \
                or any(w.lower() in _PRONOUNS for w in words) \
                or all(w[0].isupper() or w in ("and", "&") for w in words) and "and" in words:
            continue                      # ("sequence (Diffractor and Vanessa Kosoy)": its authors)
        s = m.start(1)
        out.append(Mention(None, inner, s, s + len(inner), "title", "", score=0.7,
                           reason="a title in brackets after a cue (a work's noun)"))
    return out


# "books in this category include Enshittification by Cory Doctorow": one capitalised word inside a
# sentence about books or reading, right before "by" and a person's full name
_ONE_WORD_BEFORE_BY = re.compile(r"(?<=[a-z,:;][ \t])([A-Z][a-z\u00C0-\u024F'\u2019\-]{3,})(?=[ \t]*,?[ \t]+by[ \t]+[A-Z])")
_CREDIT_WORDS = frozenset("""Written Posted Edited Hosted Narrated Produced Directed Presented Published Translated
Illustrated Photo Photos Image Images Illustration Illustrations Art Artwork Cover Design Music Video Audio Recording
Transcript Talk Interview Episode Comment Reply Answer Post Review Summary Notes Slides Foreword Introduction Preface
Afterword Sponsored Supported Funded Led Organised Organized Moderated Curated Made Built Created Designed""".split())


def _one_word_titles_by_people(text: str, a: int, b: int) -> list[Mention]:
    """A single capitalised word no rule proposes as a title becomes one when the sentence speaks
    of books or reading and the word is followed by "by" and a person's full name (a word the
    text also writes in lower case, a credit's label or a place is no title)."""
    seg = text[a:b]
    if " by " not in seg or not _READING_WORDS.search(seg):
        return []
    out = []
    for m in _ONE_WORD_BEFORE_BY.finditer(text, a, b):
        word = m.group(1)
        before = re.search(r"(\S+)[ \t]+$", text[max(a, m.start(1) - 40):m.start(1)])
        if before and _is_cap(before.group(1).lstrip("(\"\u201c")):
            continue                      # "Invisible Women by ...": the end of a longer run, which has its own rule
        if before and before.group(1).lower() in _PLACE_PREPOSITIONS | {"on", "of", "for", "with", "by", "over", "under"}:
            continue                      # "launched in Berlin by Jane Smith": a place or a thing, not a title
        by = _BY_PEOPLE.match(text, m.end(1))
        if not by or word in _CREDIT_WORDS or word in _BREAKERS or word.lower() in _lower_words(text) \
                or not _full_names_ok(by.group(1)) or word in _PLACE_WORDS | _LABS:
            continue
        out.append(Mention(None, word, m.start(1), m.end(1), "title", "", score=0.65,
                           reason="a one-word title before its author's full name, in a sentence about books"))
    return out


def _authors_after_titles(text: str, cands: list[Mention]) -> list[Mention]:
    """A title candidate followed by "by" and people's full names: those people are its authors,
    an author reference to the same work (the title itself is judged on its own evidence)."""
    from kb.grounding.author_refs import _a_surname
    out, seen = [], set()
    for c in cands:
        if c.kind not in ("title", "alias") or c.end in seen or c.score < MIN_SCORE or not (m := _BY_PEOPLE.match(text, c.end)) \
                or c.kind == "alias" and not c.reason.startswith("alias table"):
            continue                      # (not "Co-facilitated by ...": a weak candidate is no title)
        seen.add(c.end)
        names, names_end = m.group(1), m.end(1)
        if (nxt := re.search(r"(?:,[ \t]+(?:and[ \t]+)?|[ \t]+(?:and|&)[ \t]+)([^,&]+)$", names)) \
                and re.match(r"[ \t]+by[ \t]+[A-Z]", text[names_end:names_end + 6]):
            # "X by Cory Doctorow and Invisible Women by ...": the last "name" is the next title
            names, names_end = names[:nxt.start()], m.start(1) + nxt.start()
        people = [n for n in re.split(r",[ \t]+(?:and[ \t]+)?|[ \t]+(?:and|&)[ \t]+", names) if n]
        if not _full_names_ok(names) or _INSTITUTION.search(names) \
                or any(n.split()[0] in _PLACE_WORDS | _BREAKERS | _LABS | _NOT_FIRST_NAMES for n in people) \
                or all(" " not in n for n in people) and not all(_a_surname(text, n) for n in people):
            continue                      # ("by Roe and Fenn": words the text never writes in lower case)
        out.append(Mention(None, names, m.start(1), names_end, "author-ref", "", score=0.65,
                           authors=[n.split()[-1] if "et al" not in n else n.split()[0] for n in people][:3],
                           reason="the people a title is by"))
        # ... and a capitalised run of two words or more right before its authors' full names is a title
        for d in cands:
            if d.kind == "title" and d.end == c.end and not d.reason and len(_tokens(text, d.start, d.end)) >= 2 \
                    and all(_is_cap(w.text) or w.text in FUNCTION_WORDS for w in _tokens(text, d.start, d.end)):
                d.score, d.reason = max(d.score, 0.7), "a title before its authors' names"
    return out


TITLE_BEFORE_ITS_PERSON = "a phrase in a list of works, then the person it is by"


def _titles_before_their_people(text: str, cands: list[Mention]) -> list[Mention]:
    """"... Intelligence Explosion Microeconomics by Ada Roe or Takeoff rates by Bo Fenn (arguing
    ...)": where the grammar of author references took the full name after "by" for the author of
    the capitalised phrase before it (``author_refs._LISTED_TITLE_BY``: after "or", "and" or a
    comma, not a verb in the passive), that phrase is the work's title, in whatever case."""
    from kb.grounding.author_refs import _LISTED_TITLE_BY

    people = {c.start for c in cands if c.kind == "author-ref"}
    out = []
    for m in _LISTED_TITLE_BY.finditer(text) if people and " by " in text else ():
        if m.start(2) in people and 2 <= len(toks := _tokens(text, m.start(1), m.end(1))) \
                and toks[0].text not in _BREAKERS | _WH and not any(t.text.lower() in _PRONOUNS for t in toks):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.65,
                               reason=TITLE_BEFORE_ITS_PERSON))
    return out


def _prose_in_title_case(text: str, spans: list[tuple[int, int]]) -> bool:
    """A writer who capitalises every word: the little words of running prose (verbs like "Was",
    "Want", pronouns like "It", "Me") capitalised inside sentences, five times or more and more
    often than the text writes them in lower case. Names and titles do not do that ("Attention Is
    All You Need" is one title among lower-case prose)."""
    capital = lower = 0
    for s, e in spans:
        words = re.findall(r"[A-Za-z][\w'\u2019]*", text[s:e])[1:]
        capital += sum(1 for w in words if w in _PROSE_WORDS_CAPITALISED)
        lower += sum(1 for w in words if w.capitalize() in _PROSE_WORDS_CAPITALISED and w.islower())
    return capital >= 5 and capital > lower


_PROSE_WORDS_CAPITALISED = frozenset("""Is Are Was Were Have Has Had Do Does Did Will Would Can Could Should Get Got Make
Made Think Want Know It They You Me My Them Their Very Really Just Too Also Then""".split())


# "Marlow et. al", "Marlow et.al.": a misplaced full stop in "et al."; rewritten to the spelling
# the grammar reads, in as many characters, so that every offset still points into the text
_DOUBLED_COMMA = re.compile(r"(?<=[\w.]),,(?=[ \t])")
_ET_AL_MISSPELT = re.compile(r"(?<=\s)et\.\s?al\b\.?")


def _same_length_spellings(text: str) -> str:
    def fix(m: re.Match) -> str:
        return ("et al." + " " * len(m.group(0)))[:len(m.group(0))]
    # "(Roe et al.,, 2024)": a reference manager's doubled comma
    return _DOUBLED_COMMA.sub(", ", _ET_AL_MISSPELT.sub(fix, text))


_INITIALS_BEFORE = re.compile(r"(?<![\w.])(?:([A-Z][a-z\u00C0-\u024F\u1E00-\u1EFF'\-]+)[ \t]+)?(?:[A-Z]\.[ \t\-]?){1,3}[ \t]?$")


def _take_initials(text: str, m: Mention) -> None:
    """"D. Ziegler et al.", "A. Radford et al. (2019)", "Jack W. Rae et al.": the initials, and the
    given name before a middle initial, belong to the reference."""
    if m.surface[:1].isupper() and (i := _INITIALS_BEFORE.search(text, max(0, m.start - 30), m.start)):
        given = i.group(1)
        start = i.start() if not given or given not in _NOT_SURNAMES and given not in _BREAKERS else \
            i.end(1) + len(text[i.end(1):m.start]) - len(text[i.end(1):m.start].lstrip())   # "In A. Smith"
        m.start, m.surface = start, text[start:m.end]


# A known work's title (``known_titles.py``) is strong evidence, but still a title: the layout
# rules (headings, captions, terms spelled out) weigh it like any other.
KNOWN_TITLE_SCORE = 0.8
KNOWN_TITLE = "a known work's title"


def _known_titles(text: str) -> list[Mention]:
    """Where the text writes a title of the shipped gazetteer, in any case for a long title:
    the sentence-case title in running prose that no shape rule can tell from prose."""
    out = []
    for h in known_titles.find(text):
        k = h.known
        out.append(Mention(None, text[h.start:h.end], h.start, h.end, "title", "", score=KNOWN_TITLE_SCORE,
                           alias_title=k.title if k.cut_off else None,
                           reason=f"{KNOWN_TITLE} ({k.sources})" + (", cut off before its colon" if k.cut_off else "")))
    return out


# Title-case runs scoring from here up to MIN_SCORE are too weak for the rules, but a real title
# may still confirm them (kb.grounding.verify).
VERIFY_ONLY_SCORE = 0.15
HYPOTHESIS = "only a real title can confirm it"


def is_hypothesis(m: Mention) -> bool:
    """A candidate nothing but a real title makes a work: unconfirmed, it is neither listed for
    a human nor stored."""
    return m.confidence == MAYBE and m.reason.startswith(HYPOTHESIS)


def _only_a_title_can_confirm(text: str, spans: list[tuple[int, int]], layout: Layout,
                              kept: list[Mention]) -> list[Mention]:
    """Candidates the rules would drop but a real title may confirm, where no mention stands:
    weak title-case runs ("read section 5.2.3 in the Alignment Risk Update") and whole heading
    lines ("Why Should I Trust You?"). Always "maybe"; scored below QUERY_SCORE, so nothing but a
    title match makes one a work."""
    taken = [(m.start, m.end) for m in kept]
    out: list[Mention] = []

    def add(start: int, end: int, why: str) -> None:
        if end > start and not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            out.append(Mention(None, text[start:end], start, end, "title", "", score=VERIFY_ONLY_SCORE,
                               confidence=MAYBE, reason=f"{HYPOTHESIS}: {why}"))

    for line in layout.lines:
        if line.heading and not line.caption:
            toks = _tokens(text, line.start, line.end)
            if 2 <= len(toks) <= 20:
                add(toks[0].start, toks[-1].end + (text[toks[-1].end:toks[-1].end + 1] == "?"), "a heading")
    for s, e in spans:
        for run in _runs(text, s, e):
            if len(run) >= 2 and VERIFY_ONLY_SCORE <= _score_title(text, run, s) < MIN_SCORE:
                add(run[0].start, run[-1].end, "a weak title-case run")
        for start, end in _sentence_case_runs(text, s, e):
            add(start, end, "a sentence-case span")
    # broader spans where a title may stand (kb.grounding.title_candidates): beside maybes, not works
    works = [(m.start, m.end) for m in kept if m.confidence == WORK]
    seen = {(m.start, m.end) for m in kept + out}
    for start, end, why in title_candidates.spans(text, spans):
        if (start, end) not in seen and not any(a < end and start < b for a, b in works):
            seen.add((start, end))
            out.append(Mention(None, text[start:end], start, end, "title", "", score=title_candidates.WEIGHT[why],
                               confidence=MAYBE, reason=f"{HYPOTHESIS}: {why}"))
    return out


_SENTENCE_CASE_GAP = re.compile(r"\s+|\s*:\s+|-")


def _sentence_case_runs(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """"Sleeper agents: Training deceptive LLMs that persist through safety training" as a
    sentence opens or inside it: a capitalised word, then lower-case words, acronyms and
    numbers (a colon may start a capitalised subtitle), up to other punctuation or another
    capitalised word. Five words at least, four of them content words (shorter ones need more
    evidence than a title match anyway); the longest run from each start."""
    toks = _tokens(text, a, b)
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if not (t.text[0].isupper() and (len(t.text) == 1 or t.text[1:].islower() or _is_acronymish(t.text))) \
                or (i and not toks[i - 1].text.islower() and _gap(text, toks[i - 1], t).strip() == ""):
            i += 1
            continue
        j = i + 1
        while j < len(toks):
            gap, nxt = _gap(text, toks[j - 1], toks[j]), toks[j].text
            if not _SENTENCE_CASE_GAP.fullmatch(gap):
                break
            if ":" in gap:
                if not nxt[0].isupper() or j - i < 2:
                    break                 # "... said: see": a colon opens a subtitle, or nothing
            elif not (nxt.islower() or nxt.isdigit() or _is_acronymish(nxt)):
                break
            j += 1
        run = toks[i:j]
        if 5 <= len(run) <= 24 and run[-1].text.lower() not in FUNCTION_WORDS \
                and sum(x.text.lower() not in FUNCTION_WORDS for x in run) >= 4:
            out.append((t.start, run[-1].end))
        i = j
    return out


_LINE_TITLE_END = re.compile(rf"\s+[([]|\s+by\s+[A-Z]|,\s+(?={_NAME_WORD}\s+{_NAME_WORD}\s*(?:\(|,|$))|\s+[-\u2013\u2014]\s+|[.;]\s|[.;]?$|:\s+(?=[a-z])")


_TITLE_BY_AUTHOR_LINE = re.compile(r"^[ \t]*(?:[-*\u2022]\s+)?([^\n.!?:;()]{3,120}?)\s+by\s+((?:[\w'\u2019\-]+\.?\s+){0,2}[\w'\u2019\-]+"
                                   r"(?:\s+et\s+al)?)\.(?:\s|$)", re.M)


# "These were also introduced", "Discussion led": a clause in the passive before "by", not a title
_PASSIVE_END = re.compile(r"\b(?:is|was|are|were|been)\s+(?:\w+ly\s+|also\s+|first\s+)?\w+(?:ed|en|wn|led|ught)\s*$|"
                          r"\b(?:led|run|hosted|given|presented|organi[sz]ed|moderated|chaired)\s*$")


def _title_by_author_lines(text: str) -> list[Mention]:
    """"concrete problems in AI safety by amodei et al. the 2016 paper that ...": reading lists
    written in lower case, each entry a line that opens with a title and its author. Two or more
    such lines make the pattern; one could be any sentence."""
    hits = [m for m in _TITLE_BY_AUTHOR_LINE.finditer(text)
            if len(m.group(1).split()) <= 12 and m.group(1).split()[0].lower() not in _PRONOUNS
            and not re.search(r"\b(?:is|was|are|were|written|made|built|posted|published)\s*$", m.group(1))
            # "These were also introduced by Ian Goodfellow.", "Discussion led by Dan.": a clause
            # in the passive, not a title
            and not _PASSIVE_END.search(m.group(1))
            and m.group(1).split()[0] not in _BREAKERS]
    if len(hits) < 2:
        return []
    return [Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.65,
                    reason="a line that opens with a title and its author") for m in hits]


# "The AI Con: How to Fight Big Tech's Hype by Emily Bender and Alex Hanna (May 2025)": a list's line
# that ends in its authors' full names and, maybe, a date
_LINE_ENDS_IN_AUTHORS = re.compile(
    rf"^[ \t]*(?:[-*\u2022][ \t]+|\d{{1,3}}[.)][ \t]+)?(?P<title>[A-Z0-9][^\n]{{3,200}}?)[ \t]+by[ \t]+"
    rf"(?P<names>{_PERSON_NAME_RX}(?:(?:,[ \t]+|,?[ \t]+(?:and|&)[ \t]+){_PERSON_NAME_RX}){{0,5}})"
    r"[ \t]*(?:\([^()\n]{0,30}\)|,[ \t]*(?:19|20)\d\d)?[ \t]*$", re.M)


LINE_ENDS_IN_AUTHORS = "a list's line that ends in its authors"
_SERIES_WORD = re.compile(r"(?i)\b(?:podcast|newsletter|blog|show|series|channel|webinar|talk|course)\b")


def _lines_ending_in_authors(text: str) -> list[Mention]:
    out = []
    for m in _LINE_ENDS_IN_AUTHORS.finditer(text):
        title, names = m.group("title"), m.group("names")
        first = title.split()[0]
        if first in _BREAKERS or first.lower() in _PRONOUNS or _PASSIVE_END.search(title) \
                or not _full_names_ok(names) or len(_TOKEN.findall(title)) < 2 \
                or re.search(r"\b(?:is|was|are|were|written|made|built|posted|published|given)\s*$", title) \
                or _SERIES_WORD.search(title) or _EVENT_HEAD.search(title):
            continue                      # "The talk was given by Ada Roe": a sentence, not a listing; "X - A
            # podcast by Y": a series
        out.append(Mention(None, title, m.start("title"), m.end("title"), "title", "", score=0.7,
                           reason=LINE_ENDS_IN_AUTHORS))
        out.append(Mention(None, names, m.start("names"), m.end("names"), "author-ref", "", score=0.7,
                           authors=_surnames(names)[:3], reason="the authors a list's line ends in"))
    return out


# "Turner, A., Smith, L., & Shah, R. (2021). Optimal policies tend to seek power. In NeurIPS.": a
# reference list's line, its authors and year, then the title in whatever case up to its stop.
_REFERENCE_LINE = re.compile(r"^[ \t]*(?:[-*\u2022]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s+)?"
                            r"(?:(?:19|20)\d\d(?:[-/.]\d\d){0,2}[ \t]*[:\-\u2013\u2014][ \t]+)?"
                            r"(?P<names>(?:(?:van|von|de|der|den|da|di|le|la)[ \t]+)*[A-Z][\w'\u2019\u00C0-\u024F\u1E00-\u1EFF\-]*(?:,?[ \t]+(?:[A-Z]\.(?:[ \t]?[A-Z]\.)*|&|and|et[ \t]+al\.?|"
                            r"(?:van|von|de|der|da|di|le|la)|[A-Z][\w'\u2019\u00C0-\u024F\u1E00-\u1EFF\-]*),?){0,40})"
                            r"(?:[ \t]*\((?:19|20)\d\d[a-z]?(?:,[^()\n]{1,20})?\)[.:,]?|,[ \t]*(?:19|20)\d\d[a-z]?[.:,])[ \t]+"
                            r"(?P<title>[A-Z0-9\u00C0-\u024F\u1E00-\u1EFF][^\n]*?)(?:[.](?=\s|$)|(?<=\?)(?=\s|$)|$)", re.M)


# "[3] A. Roe and B. Fenn. Small minds wander in long tasks. In NeurIPS, 2023.": a numbered
# reference, its authors' initials first, its title between full stops, then its venue and year
_INITIAL_NAME = r"(?:[A-Z]\.[ \t\-]?){1,3}[ \t]*" + _NAME_WORD
_NUMBERED_REFERENCE = re.compile(
    rf"^[ \t]*(?:\[\d{{1,3}}\]|\d{{1,3}}\.)[ \t]+(?P<names>{_INITIAL_NAME}(?:(?:,[ \t]+|,?[ \t]+and[ \t]+){_INITIAL_NAME}){{0,12}}"
    r"(?:,?[ \t]+et[ \t]+al\.?)?)\.?[ \t]+(?P<title>[A-Z0-9][^\n]{5,250}?(?:\?|(?=\.)))\.?[ \t]+(?=(?:In[ \t]|arXiv|Proc|Advances|Journal|"
    r"[A-Z][\w.&\-]*[ \t]*,?[ \t]*(?:19|20)\d\d)[^\n]*(?:19|20)\d\d)", re.M)


_BRACKETED_REFERENCE_LINE = re.compile(
    r"^[ \t]*(?:[-*\u2022][ \t]+|\d{1,3}[.)][ \t]+)?\((?P<names>[A-Z][^()\n]{1,80}?),?[ \t]*(?:19|20)\d\d[a-z]?\)[ \t]+"
    r"(?P<title>[A-Z0-9][^\n]{3,200}?)(?=[ \t]*(?:[.;](?:[ \t]|$)|:[ \t]|,[ \t]+[a-z]|[ \t]+[-\u2013\u2014][ \t]|$))", re.M)
# "Value Learning sequence" on a line of its own (a notes page's heading): a LessWrong sequence,
# its last word the cue a heading otherwise lacks
SEQUENCE_LINE = "a sequence of posts named on a line of its own"
_SEQUENCE_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+)?((?:[A-Z][\w\-'\u2019]*[ \t]+){1,6}[Ss]equence)[ \t]*$", re.M)


# "Citation: Roe, A., Fenn, B., ... & Lund, C. (2019). Quiet drift in agents. arXiv:...": an APA reference
# wherever it stands (after a label, with its author list elided): an initial or "et al." right before
# "(2019)." says so, and the title runs to its full stop
_APA_TITLE = re.compile(r"(?:(?<![\w.])[A-Z]\.|\bet[ \t]+al\.)[ \t]*\((?:19|20)\d\d[a-z]?\)\.[ \t]+"
                        r"(?P<title>[A-Z0-9\u00C0-\u024F][^\n]{3,250}?(?:\?|(?=\.(?:[ \t]|$))))", re.M)


def _reference_lines(text: str) -> list[Mention]:
    """The title of a reference in author-year style: what follows "(2021)." on a line that opens
    with its authors. The authors and the year before it are the evidence, whatever its case."""
    out = []
    for m in _REFERENCE_LINE.finditer(text):
        names = m.group("names")
        if not _names_ok(re.sub(r"\b[A-Z]\.", "", names)) or not re.search(r"[a-z]", names) \
                or not re.search(r"\b[A-Z]\.|\bet\s+al\b|[A-Z][\w'\u2019\-]+[ \t]+[A-Z][\w'\u2019\-]+", names):
            continue                      # "Ngo, R.", "Ngo et al.", "Richard Ngo": a reference's authors
        first = names.split()[0].rstrip(",")
        if first in _BREAKERS or first in _SENTENCE_ADVERBS or first.endswith("ly"):
            continue                      # "Later Smith (2020). Results were good."
        start, end = m.start("title"), m.end("title")
        toks = _tokens(text, start, end)
        if not 2 <= len(toks) <= 30 or toks[0].text in _BREAKERS or any(t.text.lower() in _PRONOUNS for t in toks):
            continue
        out.append(Mention(None, text[start:end], start, end, "title", "", score=0.8,
                           reason="a title after its authors and year (a reference)"))
    for m in _BRACKETED_REFERENCE_LINE.finditer(text):
        # "- (Carlini et al., 2023) Are aligned neural networks adversarially aligned?": whatever its case
        names = m.group("names")
        if not (_names_ok(names) or re.fullmatch(r"[A-Z]{2,6}", names) and names not in _GENERIC_ACRONYMS | _NOT_SURNAMES
                or _INSTITUTION.search(names)):
            continue
        start, end = m.start("title"), m.end("title")
        toks = _tokens(text, start, end)
        if 2 <= len(toks) <= 30 and not any(t.text.lower() in _PRONOUNS for t in toks):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.75,
                               reason="a title after its reference on a list line"))
    for m in _SEQUENCE_LINE.finditer(text):
        out.append(Mention(None, m.group(1), m.start(1), m.end(1), "title", "", score=0.7,
                           reason=SEQUENCE_LINE))
    for m in _APA_TITLE.finditer(text) if "). " in text else ():
        start, end = m.start("title"), m.end("title")
        toks = _tokens(text, start, end)
        if 2 <= len(toks) <= 30 and toks[0].text not in _BREAKERS and not any(t.text.lower() in _PRONOUNS for t in toks) \
                and not any(o.start <= start < o.end for o in out):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.8,
                               reason="a title after its authors' initials and year (an APA reference)"))
    for m in _NUMBERED_REFERENCE.finditer(text):
        start, end = m.start("title"), m.end("title")
        toks = _tokens(text, start, end)
        if 2 <= len(toks) <= 30 and not any(t.text.lower() in _PRONOUNS for t in toks) \
                and not any(o.start <= start < o.end for o in out):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.8,
                               reason="a title after its authors in a numbered reference"))
    return out


# "**AI 2041** by Kai-Fu Lee", "<em>Human compatible</em> by Stuart Russell": a name set off by
# emphasis, then its author.
_EMPHASIS_BY = re.compile(r"(?:(?<![\w*])\*\*?|(?<![\w_])__?|<(?:em|i|b|strong|cite)>)([A-Z0-9\u00C0-\u024F\u1E00-\u1EFF][^*_<>\n]{0,150}?)"
                          r"(?:\*\*?(?![\w*])|__?(?![\w_])|</(?:em|i|b|strong|cite)>),?\s+by\s+"
                          r"(?:[A-Z]\.\s*)*[A-Z][\w'\u2019\u00C0-\u024F\u1E00-\u1EFF\-]+(?:\s+(?:[A-Z]\.\s*)*[A-Z][\w'\u2019\u00C0-\u024F\u1E00-\u1EFF\-]+)+")


def _emphasised_works_by(text: str) -> list[Mention]:
    """A name in bold or italics followed by "by" and a person's name is a book or a post."""
    out = []
    for m in _EMPHASIS_BY.finditer(text):
        start, end = m.start(1), m.start(1) + len(m.group(1).rstrip(" ,.;:"))
        toks = _tokens(text, start, end)
        if 1 <= len(toks) <= 20 and toks[0].text not in _BREAKERS and not any(t.text.lower() in _PRONOUNS for t in toks):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.8,
                               reason="a name in bold or italics with its author after it"))
    return out


# "Jane Roe and Bo Lin \u2014 Goal drift in small agents": a list item that opens with its authors
_AUTHORS_DASH = re.compile(rf"{_PERSON_NAME}(?:\s*(?:,|,?\s+and|&)\s+{_PERSON_NAME}){{0,5}}(?:\s+et\s+al\.?)?\s+[-\u2013\u2014]\s+(?=[A-Z0-9])")


_SURNAMES_DASH = re.compile(rf"({_NAME_WORD}\s+(?:&|and)\s+{_NAME_WORD}|{_NAME_WORD}\s+et\s+al\.?)"
                            r"\s+[\u2013\u2014]\s+(?=[A-Z0-9])")


_OBJECT_PRONOUNS = frozenset("us them me".split())
# what credits a reading right after its title: its authors in brackets, "by" someone, a dash and a name
_CREDIT_AFTER = re.compile(r"[ \t]*[.,:]?[ \t]*(?:\(|by[ \t]+[A-Z]|[\u2013\u2014\-][ \t]*[A-Z])")
_CREDITED_THEN_NOTE = re.compile(r"[^()\n:]{8,200}?[ \t]\([^()\n]{1,80}?(?<!\d)(?:19|20)\d\d\)[ \t]*:[ \t]+\S")


def _line_titles(text: str, layout: Layout) -> list[Mention]:
    """The text of a list item or a line up to its author, year or description: reading lists
    write titles in sentence case ("- 2022-09: The alignment problem from a deep learning
    perspective"). Only the layout's evidence (``list_item_title``) makes one a work."""
    out = []
    for line in layout.lines:
        if layout.in_agenda(line.start):
            continue                      # a session plan's activity, not a reading list's entry
        # a line that is a title whole: under its author's name in a listing, in a blog's listing
        # of its posts (over its blurb, whatever words it opens or ends with: "What's different
        # about X?", "Notes on Y, part 1"), or over a line of authors
        whole = ((0.75, "a title under its author's name in a listing") if line.between_names else
                 (0.6, "a line in a list of titles") if line.in_post_listing and not line.byline_next else
                 (0.75, "a heading over a line of authors") if line.heading and line.byline_next else None)
        if whole:
            start = line.start + len(line.text) - len(line.text.lstrip())
            end = line.start + len(line.text.rstrip())
            if line.between_names or 2 <= len(_tokens(text, start, end)) <= 24:
                out.append(Mention(None, text[start:end], start, end, "title", "", score=whole[0], reason=whole[1]))
            continue
        start, body = layout.item_body(line)
        head = text[line.start:start]
        if (lab := re.search(r"((?:[A-Z][\w.\-]+[ \t]+){1,3}[A-Z][\w.\-]+):[ \t]+$", head)) and body[:1].isupper() \
                and any(w.lower() in layout.lower_words for w in lab.group(1).split()):
            # "- Inoculation Prompting: Eliciting traits ... (Roe et al.)": a colon title's main part, not an
            # "Author Name:" label (a person's name is not written in lower case elsewhere in the text)
            start, body = line.start + lab.start(1), text[line.start + lab.start(1):line.end]
        bold = re.match(r"(?:\*\*?|__?)(?=[A-Z])", body)       # "1. **How ChatGPT Works** (Roe, 2023)"
        if bold and line.list_item:
            start, body = start + bold.end(), body[bold.end():]
        # a syllabus's item with its author, year and a note after it: its title may open with a
        # digit or a word that opens clauses ("1. But what is a neural network? (3Blue1Brown, 2017)")
        noted = line.list_item and bool(AUTHOR_YEAR_NOTE.search(body))
        # "Title (Ada Roe, May 2024): what it argues, at length": a guide's entry, its credit then a colon
        credited = bool(_CREDITED_THEN_NOTE.match(body))
        if not (body[:1].isupper() or noted and body[:1].isdigit()) or (not line.list_item and not credited
                                                                        and len(body.split()) > 30):
            continue                      # a paragraph of prose is not a reading-list entry
        by_first = _AUTHORS_DASH.match(body)
        surnames = _SURNAMES_DASH.match(body)
        if surnames and len(_tokens(body, surnames.end(), len(body))) >= 2:
            # "Lenat & Marcus — Title": a reference's surnames, then its title
            names = surnames.group(1)
            out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.6,
                               authors=re.findall(r"[A-Z][\w'\-]+", names)[:2],
                               reason="authors before a dash and a title, on a list's line"))
            start, body = start + surnames.end(), body[surnames.end():]
        elif by_first and len(_tokens(body, by_first.end(), len(body))) >= 2:
            start, body = start + by_first.end(), body[by_first.end():]   # "Jane Roe - Title": the title
        end_m = _LINE_TITLE_END.search(body)
        end = start + (end_m.start() if end_m else len(body))
        toks = _tokens(text, start, end)
        one_word_by_person = len(toks) == 1 and len(toks[0].text) >= 4 and bool(
            re.match(r"\s*\([A-Z][\w.\-]+(?:\s+[A-Z][\w.\-]+){1,3}\)\s*$", text[end:line.end]))
        if all(t.text.lower() in FUNCTION_WORDS or t.text.lower() in _WORK_NOUNS for t in toks):
            continue                      # "The paper by Travis LaCroix, July 2022.": a word for a work, not its title
        if not (2 <= len(toks) <= 24 or one_word_by_person) or toks[0].text in _BREAKERS and not noted \
                or toks[0].text.lower() in _PRONOUNS:
            continue
        if any(t.text.lower() in _PRONOUNS for t in toks) and (any(t.text.lower() in _PRONOUNS - _OBJECT_PRONOUNS for t in toks)
                                                               or not _CREDIT_AFTER.match(text, toks[-1].end, line.end)
                                                               or not layout.list_item_title(start, toks[-1].end)):
            continue                      # (a reading's credit after it makes "us" and "them" the title's: "... all of us
            # (Roe - 12 min)"; "if you are someone who ...", "I recommend ...", "Ada Roe: Sounds right to me.": someone speaking)
        end = toks[-1].end + (1 if text[toks[-1].end:toks[-1].end + 1] == "?" else 0)
        if re.match(r"\s+by\s+[A-Z][\w\-]*(?:\s+(?:et\s+al\.?|[A-Z][\w\-]*))*\s*(?:\[\d+\])?\s+[a-z]", text[end:line.end]):
            continue                      # "In a model discussed by Anthropic [10] a neuron ...": prose
        if not line.list_item and re.match(r"(?:The|This|That|My|Our|It|There)\b[^\n]*?\s(?:is|are|was|were)\s+[A-Z]", body) \
                and len(toks) >= 5:
            continue                      # "The first book on the list is Quiet Minds (2019)": a sentence naming it
        if line.under_works_heading and not layout.list_item_title(start, end):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.65,
                               reason="an item of a list of works (by its heading)"))
        elif layout.list_item_title(start, end):
            out.append(Mention(None, text[start:end], start, end, "title", "", score=0.65,
                               reason="a line of a reading list (with an author, a year or a label)"))
    return out


_SPAN_END = re.compile(r"[,;:!?()\[\]\"\u201c\u201d]|\.(?:\s|$)|\s[-\u2013\u2014]\s")


CITED_SENTENCE_CASE = "a sentence-case title with its reference right after it"


def _sentence_case_spans(text: str, a: int, b: int) -> list[Mention]:
    """Sentence-case titles with no cue ("... as argued in Reward is not the optimization target
    by ..."): a capitalised word inside a sentence followed by lower-case words, up to the next
    punctuation. Only a title match online can tell these from a name starting a clause, so they
    are "maybe" candidates for ``kb seed add`` to weigh, never works offline."""
    out = []
    toks = _tokens(text, a, b)
    for i, t in enumerate(toks[1:], 1):
        prev = toks[i - 1]
        if not (t.text[0].isupper() and t.text[1:].islower()) or t.text in _NO_START or t.text in _NOT_SURNAMES \
                or re.match(r"I\b|I['\u2019]", t.text) \
                or t.text in _WH or not prev.text.islower() or _possessive(t.text) \
                or _gap(text, prev, t) != " " and not re.search(r"\b(?:e\.g|i\.e|cf)\.,?[ \t]\Z", text[max(0, t.start - 7):t.start]):
            continue
        stop = _SPAN_END.search(text, t.end, b)
        end = stop.start() if stop else b
        span = [x for x in toks[i:] if x.end <= end]
        # "... relate to Representation drift in agents by Roe et al.?": the span ends before its authors
        by = next((k for k in range(2, len(span) - 1) if span[k].text == "by" and _is_cap(span[k + 1].text)), None)
        if by is not None and _BY_AUTHORS_AFTER.match(text, span[by - 1].end):
            span = span[:by]
        if not 4 <= len(span) <= 16 or any(_is_cap(x.text) for x in span[1:]) \
                or any(x.text.lower() in _PRONOUNS for x in span) or span[-1].text in FUNCTION_WORDS:
            continue
        if (prev.text in _CITED_AFTER_WORD or _POINTS_TO_A_WORK.search(text, max(a, t.start - 40), t.start)) \
                and span[-1].text.lower() not in _WORK_NOUN_LAST \
                and (_AUTHOR_YEAR_AFTER.match(text, span[-1].end) or _NUMBERED_MARKER.match(text, span[-1].end)
                     or _BY_AUTHORS_AFTER.match(text, span[-1].end) or _NAMES_YEAR_AFTER.match(text, span[-1].end)):
            # "As discussed in Drift is the default (Roe, 2023), ...", "builds on Slow probes of quiet
            # drift [12]", "e.g. Gradient paths for agents (Roe et al., 2024)": the reference right after it says so
            out.append(Mention(None, text[t.start:span[-1].end], t.start, span[-1].end, "title", "", score=0.6,
                               reason=CITED_SENTENCE_CASE))
            continue
        if by is not None and len(span) == by:
            continue                      # cut before its authors only to be cited: "the team led by Ada Roe"
        out.append(Mention(None, text[t.start:span[-1].end], t.start, span[-1].end, "title", "", score=0.4,
                           confidence=MAYBE, reason="a sentence-case span inside a sentence"))
    return out


# The words after which a capitalised span followed by its reference is a title the sentence
# points to ("in", "see", "builds on", "the approach of", "similar to", "following"), not a claim
# the reference supports ("shows that Models drift over time (Roe, 2023)").
_CITED_AFTER_WORD = frozenset("in see from read on of to following like cf".split())
# "a link on Twitter to a fun and informative 2015 blog post by Tim Dettmers": a span that ends in a
# work's noun describes the work its reference names, it is not the work's title
_WORK_NOUN_LAST = frozenset("paper papers post posts preprint article essay book report blog thread sequence talk".split())
# what else points to a work before its title: "e.g.", "such as", "compare with", "resembles", "extends",
# and "and" after a title just cited ("Slow probes [3] and Quiet drift at scale [4]")
_POINTS_TO_A_WORK = re.compile(r"(?:\b(?:e\.g\.|i\.e\.|such[ \t]+as|including|with|than|extends|resembles|revisits|replicates|"
                               r"reproduces|adapts|adopts|generali[sz]es)|(?:\]|(?:19|20)\d\d[a-z]?\))[ \t]+(?:and|or))[ \t,]*\Z")
_BY_AUTHORS_AFTER = LazyPattern(rf"[ \t]+by[ \t]+(?:{_NAME_WORD}[ \t]+et[ \t]+al\b|{_NAME_WORD}[ \t]+(?:and|&)[ \t]+{_NAME_WORD}\b"
                                rf"|{_PERSON_NAME_RX}(?=[ \t]*[.,;:?!)]|[ \t]*$))")
_NAMES_YEAR_AFTER = LazyPattern(rf",[ \t]+(?:{_NAMES}),?[ \t]+\(?{_YEAR_RX}\)?(?![\w\-])")
# its arXiv id in brackets is its reference too: "(arXiv:2401.01234)", "[2401.01234]"
_ARXIV_MARKER = re.compile(r"[ \t]*[(\[](?:arXiv[: \t]*)?\d{4}\.\d{4,5}(?:v\d+)?[)\]]", re.I)
_NUMBERED_MARKER = re.compile(r"[ \t]*\[\d{1,3}(?:[ \t]*[,\-\u2013][ \t]*\d{1,3})*\]|" + _ARXIV_MARKER.pattern, re.I)


_LEAD_IN = re.compile(r"[^()\n]{0,60}?\b(?:is|are|was|were)\s+(?=[A-Z])"
                      # "Core reading: Title (Roe, 2021)": a reading list's label, then the title
                      r"|(?:[A-Z][a-z]+\s+){0,2}(?i:readings?|papers?|posts?|articles?|essays?|books?|resources?|required|"
                      r"optional|core|further|recommended|see(?:\s+also)?|sources?|references?)(?:\s+[a-z]+){0,2}\s*:\s+(?=[A-Z])")
_AUTHOR_YEAR_AFTER = re.compile(r"\s*\([^()\n]{0,120}(?:19|20)\d\d[a-z]?\)")


def _lead_in_titles(text: str, a: int, b: int) -> list[Mention]:
    """"A nice follow-up is Probing the geometry of refusal directions (Lee & Park, 2024)", "Core
    reading: Why reward drifts (Roe, 2021)": a sentence-case span after "is" or a reading list's
    label, up to the authors and year in brackets that cite it."""
    lead = _LEAD_IN.match(text, a, b)
    if not lead:
        return []
    start = lead.end()
    paren = text.find("(", start, b)
    if paren < 0 or not _AUTHOR_YEAR_AFTER.match(text, paren - 1 if text[paren - 1] == " " else paren):
        return []
    toks = _tokens(text, start, paren)
    if not 3 <= len(toks) <= 24 or any(t.text.lower() in _PRONOUNS for t in toks) or toks[0].text in _BREAKERS:
        return []
    after = "a reading list's label" if lead.group(0).rstrip().endswith(":") else "\"is\""
    return [Mention(None, text[start:toks[-1].end], start, toks[-1].end, "title", "", score=0.6,
                    reason=f"a title after {after}, with its authors and year")]


# -- deciding --------------------------------------------------------------------------------

# A title-shaped candidate is trusted from this score on; below it, it is listed as "maybe".
TRUST_SCORE = 0.55
_ORG_WORDS = re.compile(r"(?:^|\s)(?:of|at|from)?\s*(?:OpenAI|DeepMind|Google(?:\s+DeepMind)?|Anthropic|Meta|Microsoft|"
                        r"University|Institute|Center|Centre|Lab|Labs|Laboratory|Foundation|Inc|Ltd|College|School|"
                        r"Department|Society|Association|Committee|Council|Agency|Corporation|Forum|Newsletter|Podcast|Wiki|"
                        r"Magazine|Journal|Gazette)\b(?![\-\u2010\u2011])[\w\s\-]*$")   # not "Google-Proof"
# a programme's name ("The Ezra Klein Show", "The Inside View Podcast"): its episodes are the works
_SHOW_HEAD = re.compile(r"(?<![\w\-])(?:Show|Podcast)s?(?=\s*:|\s*$)")
# A name whose head noun (its last word, or the last before its colon) is a gathering, a course, a
# series or a site ("the MyST Documentation") is not a work, quoted or not; nor is a name the text describes as one ("- A podcast by").
_EVENT_HEAD = re.compile(r"(?<![\w\-])(?:Bootcamp|Camp|Course|Workshop|Conference|Summit|Symposium|Hackathon|Fellowship|"
                         r"Program|Programme|Club|Circle|Meetup|Retreat|Seminar|Webinar|Community|"
                         r"Cohort|Accelerator|Residency|Festival|Expo|Meeting|Podcast|Newsletter|"
                         r"Documentation|Docs|Website|Homepage|Discord|Slack|Dashboard|Portal)s?"
                         r"(?=\s*:|\s*$)")
# The labels of a page's sections, never a work's title.
_SECTION_LABEL = re.compile(r"(?i)(?:abstract|introduction|conclusions?|summary|overview|contents|table\s+of\s+contents|"
                            r"references|bibliography|citations|acknowledge?ments|authors?|presented\s+by|written\s+by|"
                            r"background|methods?|methodology|results|discussion|limitations|future\s+work|appendix|"
                            r"related\s+(?:work|papers|posts|articles|reading)|similar\s+(?:papers|posts|articles)|"
                            r"further\s+reading|see\s+also|key\s+(?:contributions|takeaways|findings)|tl;?dr)")
_REPO_FILE = re.compile(r"(?:README|LICENSE|LICENCE|CHANGELOG|CONTRIBUTING|CODE_OF_CONDUCT)(?:\.\w+)?\b")
_SERIES_AFTER = re.compile(r"\s*[-\u2013\u2014:|]\s*(?:an?|the)\s+(?:[\w\-]+\s+){0,2}(?:podcast|newsletter|blog|show|series|"
                           r"channel|course|community|club|event|meetup|conference|workshop|magazine|webinar)\b", re.I)
_MD_HEADING = re.compile(r"\s*#{1,6}\s+\S|\s*<h[1-6]\b", re.I)
_GLUED_DIGITS = re.compile(r"[a-z]\d+\b|\b\d+[A-Z][a-z]")
_SHOUTED = re.compile(r"\b(?:NOT|AND|OR|BUT|ALL|ONLY|NO|NEVER|ALWAYS|VERY|MUST|THE|IS|ARE)\b")


# What a text says right after a method's name when it explains the method, not a work.
_TERM_EXPLAINED = re.compile(r"\s+(?:involves|involve|refers\s+to|means|denotes|is\s+(?:a|an)\s+(?:\w+\s+)?(?:method|technique|"
                             r"approach|framework|family|way|process|procedure|paradigm|field|term))\b")
# The paragraph under a heading that names a work speaks of it as one, or opens its abstract.
_THE_WORK_AGAIN = re.compile(r"(?i:\bthe)\s+(?:book|paper|essay|novel|report|preprint)\b")
_CALLED_THIS = re.compile(r"\s*\n\s*[^\n]{0,200}?\b(?:this|the)\s+(?:book|paper|essay|novel|report|preprint)\b"
                          r"|\s*\n\s*(?:Abstract\b|(?-i:We)\s+(?:introduce|present|propose|study|investigate|describe)\b|"
                          r"In\s+this\s+(?:paper|work|report)\b)", re.I)


def _term_acronyms(aliases: AliasTable | None) -> frozenset[str]:
    """Acronyms of terms and methods ("LLM", "NLP", "RLHF", "DPO"): generic ones and the alias
    table's names that cite a paper only with a cue."""
    names = {a.rstrip("s") for a in _GENERIC_ACRONYMS}
    for alias in aliases.aliases if aliases is not None else ():
        names.update(n for n in alias.needs_cue if re.fullmatch(r"[A-Z]{3,6}", n))
    return frozenset(n for n in names if len(n) >= 3 and n.isupper())


# The look-behind changes no match (a match starting after a letter has one starting at that
# letter, further left) but saves trying one at every letter inside a word: 21 -> 6 ms on 10k words.
_ACRONYM_DEFINED = re.compile(r"(?<![A-Za-z])((?:[A-Za-z][\w\-]*[ \t]+){1,8}?)\(([A-Z][A-Za-z\-]{1,9})\)")


def _defined_acronyms(text: str) -> frozenset[str]:
    """Acronyms the document defines by spelling a term out ("Reinforcement Learning from AI
    Feedback (RLAIF) is a method ..."): the long form without its acronym elsewhere in the same
    document ("How Reinforcement Learning from AI Feedback works") names the term, not a work."""
    out = set()
    for m in _ACRONYM_DEFINED.finditer(text):
        letters = "".join(c for c in m.group(2).rstrip("s") if c.isupper())
        words = m.group(1).split()
        if len(letters) >= 3 and any(letters in _initial_forms(" ".join(words[i:])) for i in range(len(words))):
            out.add(letters)
    return frozenset(out)


# What a page of notes on one paper says about it: "The paper proposes", "the authors", "Key
# Contributions", "Abstract", "Presented by".
_ABOUT_A_PAPER = re.compile(r"\b(?:[Tt]his|[Tt]he)\s+(?:paper|preprint|study|article)\s+(?:proposes|presents|introduces|shows|"
                            r"demonstrates|argues|investigates|studies|finds|describes|explores|examines|addresses|"
                            r"tackles|develops|reports)\b|\bKey\s+[Cc]ontributions\b|(?m:^\s*Abstract\b|^[ \t]*(?:TL;\s*DR|\u6458\u8981)[ \t]*$)|"
                            r"\bPresented\s+[Bb]y\b|\b[Ii]n\s+this\s+(?:paper|work)\s*,?\s+(?:we|the\s+authors)\b|"
                            # a review of the paper: "The authors propose ...", "this submission proposes"
                            r"\b[Tt]he\s+authors\s+(?:propose|present|introduce|tackle|address|study|investigate|"
                            r"show|claim|argue|develop)\b|\b[Tt]his\s+(?:submission|manuscript)\b")


# "Week 5: Causal Localization", "Lesson 3 - ...": a unit of a course, not a work
_A_DAY = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?(?:,?[ \t]+\d{4})?")
_UNIT_LABEL = re.compile(r"(?:Week|Day|Lesson|Module|Session|Unit|Part|Chapter|Lecture|Class|Episode|Ep\.?|Step|Stage|Phase)\s+\d+\b")


# What a newsletter says a paper did, right after its title opens a paragraph.
_REPORTED_BY_A_WORK = re.compile(r"[ \t]+(?:proposed|proposes|introduced|introduces|showed|shows|found|finds|used|uses|"
                                 r"extracted|removed|demonstrated|demonstrates|presented|presents|studied|studies|"
                                 r"evaluated|evaluates|trained|trains|developed|develops|examined|examines|explored|"
                                 r"explores|identified|identifies|measured|measures|argued|argues|investigated|"
                                 r"investigates)[ \t]+[a-z]")


def _starts_paragraph(text: str, start: int) -> bool:
    return not text[text.rfind("\n", 0, start) + 1:start].strip()


def _first_line(text: str, line) -> bool:
    """The line is the first of the text that holds a word, or the first that holds more than a
    site's banner: a paper's page opens with its site's name, scores and venue ("PaperHub", "5.0",
    "/10", "ICLR 2025") on lines of a few words each, then the paper's title."""
    before = [ln for ln in text[:line.start].split("\n") if re.search(r"\w", ln)]
    # (not the value under a form's label: "Document Type\n\nOpen Access Senior Thesis")
    return not before or len(before) <= PAGE_BANNER_LINES and len(line.text.split()) > 3 \
        and all(len(ln.split()) <= 3 for ln in before) and not FIELD_LABEL.fullmatch(before[-1].strip())


PAGE_BANNER_LINES = 20


# "what Conjecture uses for cognitive emulation", "what Ought is doing with factored cognition":
# an idea attributed to the group that works on it names that group's agenda, which is a work
_MAKERS_AGENDA = re.compile(r"\b(?:[Ww]hat|[Hh]ow)\s+(?:[A-Z][\w\-]+\s+){1,2}(?:[a-z]+\s+){1,3}$")


def _concept_phrase(text: str, start: int, end: int, name: str) -> bool:
    """A known name written in lower case, of one to three words with no function word ("shard
    theory", "weak-to-strong generalization"), with nothing that makes it a work: no word for a
    work after it, no "paper on" or "the ... paper" before it, no citation, no group it is
    attributed to ("what Ought is doing with factored cognition"). A name with a number in it is
    no idea's ("11 proposals", "200 open problems"): it counts the parts of one work."""
    words = name.split()
    if any(c.isupper() or c.isdigit() for c in name) or not 1 < len(words) <= 3 or any(w in FUNCTION_WORDS for w in words) \
            or re.search(r"\b(?:paper|post|report|article|essay|book|sequence)$", name):
        return False
    before = text[max(0, start - 40):start]
    return not (CUE_AFTER.match(text, end) or _CITED_AFTER.match(text, end)
                or re.search(r"\b(?:paper|post|article|essay|report|book|preprint|work)s?\s+(?:on|about|introducing)\s+$", before, re.I)
                or re.search(r"[\"\u201c\u2018']\s*$", before)
                or _MAKERS_AGENDA.search(before))


def _term_spelled_out(text: str, start: int, end: int, name: str) -> bool:
    """"a task called indirect object identification (IOI)", "eliciting latent knowledge (ELK)":
    lower-case words right before the name's bracket, whose initials are the name, that the text
    calls a task, a problem or a behaviour, or that name an activity by its gerund: a concept. (A method spelled out, "the fast gradient sign method (FGSM)", still
    names the paper that introduced it.)"""
    if text[start - 1:start] != "(" or text[end:end + 1] != ")" or not re.fullmatch(r"[A-Z]{2,8}s?|[A-Z][a-z]*[A-Z][A-Za-z]{0,6}", name):
        return False
    caps = name.rstrip("s") if name.rstrip("s").isupper() else "".join(c for c in name if c.isupper())   # "RepE": R, E
    window = text[max(0, start - 120):start]
    words = re.search(r"((?:[a-z][a-z\-]*\s+){1,6}?)[*_]*\s*\($", window)
    if not words:
        return False
    # the shortest run of words whose initials are the name: "... task called indirect object identification"
    toks = words.group(1).split()
    for k in range(1, len(toks) + 1):
        long_form = " ".join(toks[-k:])
        if _initials(long_form.replace("-", " ")) == caps:
            break
    else:
        return False
    lead = window[:window.rfind(long_form)]
    if re.search(r"\b(?:paper|report|post|article|essay|book|preprint)\s+(?:on|about|called|titled)\s+$", lead):
        return False                  # "a technical report on eliciting latent knowledge (ELK)": the work
    concept = re.search(r"\b(?:task|problem|phenomenon|behaviou?r|capability|ability|property)\s+(?:called\s+|named\s+|of\s+)?$", lead) \
        or re.search(r"\b(?:approach|technique|direction|paradigm|agenda|area|field)(?:e?s)?\b[^.;:!?]{0,160}?"
                     r"\b(?:such\s+as|like|including)\s+$", lead)     # "approaches ... such as representation engineering (RepE)"
    # "by directly eliciting latent knowledge (ELK)": an activity, named by its gerund
    return bool(concept) or long_form.split()[0].endswith("ing")


# a possessive's "s" makes no initial ("Humanity's Last Exam" is HLE)
_POSSESSIVE_S = re.compile(r"(?<=\w)['\u2019]s\b")


def _initials(words: str, *, function_words: bool = False) -> str:
    """Each content word's first letter; with ``function_words``, every word's ("What Failure Looks
    Like", WFLL)."""
    words = _POSSESSIVE_S.sub("", words)
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w\-]*", words)
                   if function_words or w.lower() not in FUNCTION_WORDS).upper()


def _initial_forms(words: str) -> set[str]:
    """The acronyms a run of words can make: each content word's first letter ("RLHF"), an acronym
    inside the run kept whole ("Reinforcement Learning from AI Feedback", RLAIF), each part of a
    hyphenated word ("Mixture-of-Experts", MOE)."""
    words = _POSSESSIVE_S.sub("", words)
    tokens = [w for w in re.findall(r"[A-Za-z][\w\-]*", words) if w.lower() not in FUNCTION_WORDS]
    whole = "".join(w if re.fullmatch(r"[A-Z]{2,5}s?", w) and w.rstrip("s").isupper() else w[0]
                    for w in (w.rstrip("s") if w.endswith("s") and w[:-1].isupper() else w for w in tokens))
    parts = "".join(p[0] for w in tokens for p in w.split("-") if p and p.lower() not in FUNCTION_WORDS)
    return {_initials(words), whole.upper(), parts.upper()}


# The forms a page offers a work in ("Text Version", "Illustrated Version", "PDF edition", "Audio
# transcript"): labels of links to the work, never its name.
_FIELD_OF = re.compile(r"[ \t]+(?:techniques|methods|approaches|protocols|settings|measures|strategies|tools|agendas|"
                       r"researchers)\b")
_MODEL_SIZE = re.compile(r"[ \t]*\(?[ \t]*~?\d+(?:\.\d+)?[ \t]?[BMT]\b")
_FORMAT_HEADS = frozenset("version versions edition editions transcript transcripts slides recording narration".split())
_FORMAT_WORDS = _FORMAT_HEADS | frozenset("""text illustrated audio video pdf html epub print printable kindle web online
full short shorter long longer abridged unabridged annotated interactive original updated english narrated
paperback hardcover ebook""".split())


def _judge(text: str, m: Mention, layout: Layout, terms: frozenset[str] = frozenset()) -> bool:
    """Set the mention's confidence and reason from the evidence around it; False drops it."""
    if m.kind == "alias" and m.reason.startswith("alias table") and m.confidence == WORK \
            and (line := layout.line_at(m.start)) is not None and line.heading and not line.byline_next \
            and _MD_HEADING.match(line.text) and layout.fills_line(m.start, m.end):
        # "## Induction Heads": a section named after a topic, not a citation of the paper named so
        m.confidence, m.score = MAYBE, min(m.score, 0.45)
        m.reason += ", but a section heading"
        return True
    if m.kind in ("alias", "title") and not m.url and m.confidence == WORK and layout.beside_a_source(m.start, m.end) \
            and (m.reason.startswith("alias table") or not m.reason):
        # "| Alignment Faking Without Training | Anthropic (Greenblatt et al., 2024) |": a finding's name in
        # a table whose source column cites the work (a name or a title's shape; not a cue or a quote)
        m.confidence, m.score = MAYBE, min(m.score, 0.45)
        m.reason = (m.reason or "a title's shape") + ", but a table's cell beside the column that cites its source"
        return True
    if m.kind == "alias" and m.reason.startswith("alias table") and m.confidence == WORK \
            and (_FIELD_OF.match(text, m.end) or _MODEL_SIZE.match(text, m.end)):
        # "to complement AI Control techniques": the name of the field a work named, not the work;
        # "Chinchilla (70B) beat Gopher (280B)": the models, by their sizes, not their papers
        m.confidence, m.score = MAYBE, min(m.score, 0.45)
        m.reason += ", but the field of the techniques after it" if _FIELD_OF.match(text, m.end) else ", but a model by its size"
        return True
    if m.kind in ("doi", "arxiv", "url", "author-ref") or m.reason.startswith(("alias table", "a model")):
        return True
    if m.kind == "alias":                      # coined names and "the X paper"
        if m.confidence == WORK and m.score < 0.55:
            m.confidence = MAYBE
        if m.confidence == WORK and m.reason.startswith("a name followed by") and len(m.surface) <= 2:
            # "a typical MI approach", "the standard EM eval": two letters before "approach" or "eval" are
            # a field's or a term's initials (ML, RL, MI), too short to name one work without a citation
            m.confidence, m.score = MAYBE, min(m.score, 0.45)
            m.reason += ", but two letters name a field or a term"
        return True
    # titles
    if m.url:
        return True
    words = [w.lower() for w in _TOKEN.findall(m.surface)]
    if words and all(w in _FORMAT_WORDS for w in words) and any(w in _FORMAT_HEADS for w in words):
        return False                      # "( Text Version — Illustrated Version )": the forms a work comes in
    if m.reason.startswith(reference_keys.ENTRY):
        m.confidence = WORK                # the page's own list says it is a work and where its title stands
        return True
    if m.reason.startswith(listings.LISTED):
        # the page's shape decided it (``listings.py``): a heading's or a label's look says nothing here
        m.confidence = WORK if m.score >= TRUST_SCORE else MAYBE
        return True
    if layout.furniture(m.start):
        m.score, m.confidence = min(m.score, 0.3), MAYBE
        m.reason = (m.reason or "a title's shape") + ", but the page's own front matter or navigation"
        return True
    shape = not m.reason                   # nothing but a title's shape speaks for it
    score, why = m.score, [m.reason or "a title's shape"]
    clipped = shape and m.start > 0 and (text[m.start - 1].isalnum() or text[m.start - 1] in "&/+" and m.start > 1
                                         and text[m.start - 2].isalnum())
    if shape and re.match(r"(?:I|We|You)(?:['\u2019](?:m|ve|re|d|ll))?\s", m.surface):
        score = min(score, 0.3)           # "I'm a Software Engineer at ...": someone speaking
        why.append("but a sentence in the first or second person")
    if clipped:
        score = min(score, 0.3)           # "Q&A Session with ...": the span starts inside a word
        why.append("but it starts inside a word")
    if layout.emphasised(m.start, m.end) and "bold or italics" not in m.reason:
        score += 0.2
        why.append("emphasised")
    if layout.list_item_title(m.start, m.end) and "reading list" not in m.reason:
        score += 0.3
        why.append("a list item with an author or a year")
    line = layout.line_at(m.start)
    # "- (Roe et al., 2023) Responsible Drift Policies (RDPs)": a list line's reference cues its title
    after_ref = line is not None and bool(_REFERENCE_OPENS_LINE.fullmatch(text, line.start, m.start))
    cue = "cue" in m.reason or "quoted" in m.reason or after_ref or m.reason == SEQUENCE_LINE
    if after_ref and len(_TOKEN.findall(m.surface)) >= 2:
        score = max(score, 0.6)
        why.append("after its reference on a list line")
    if line is not None and line.in_title_list and layout.fills_line(m.start, m.end) and not line.byline_next \
            and not clipped:
        score = max(score, 0.6)           # "## Alignment\n\nTitle one\n\nTitle two\n\n...": a list of titles
        why.append("a line in a list of titles (no prose under it)")
    elif line is not None and line.heading and not line.byline_next and not cue and (
            layout.fills_line(m.start, m.end) or _one_title_case_run(line.text)):
        if (called := _CALLED_THIS.match(text, line.end)) and layout.fills_line(m.start, m.end) \
                and not (_THE_WORK_AGAIN.search(called.group(0)) and not _first_line(text, line)):
            # ("The Slime Mold in the Datacenter\n\nThe first thing the paper ...": a section of notes on
            # a paper the text named before its heading, "the paper" being the one under review)
            score = max(score, 0.7)       # "Human Compatible: AI and ...\n\nThis goal of this book is ..."
            why.append("a heading the text goes on to call a book or paper")
        elif _first_line(text, line) and layout.fills_line(m.start, m.end) and len(_TOKEN.findall(m.surface)) >= 3 \
                and not _UNIT_LABEL.match(m.surface) and _ABOUT_A_PAPER.search(text, line.end, line.end + 1500):
            score = max(score, 0.7)       # a page of notes on one paper, under the paper's title
            why.append("the page's title, and the page reads as notes on a paper")
        else:
            score = min(score, 0.45)
            why.append("but a heading")
    elif line is not None and line.heading and line.byline_next and layout.fills_line(m.start, m.end):
        score += 0.3
        why.append("a heading over a byline")
    if shape and not cue and layout.in_agenda(m.start):
        score = min(score, 0.45)          # "Partner Discussion: Timeline Perspectives (20 minutes)"
        why.append("but an activity in a session's plan")
    if line is not None and line.between_names and layout.fills_line(m.start, m.end):
        score = max(score, 0.75)
        why.append("a title under its author's name in a listing")
    if layout.in_work_cell(m.start, m.end):
        score = max(score, 0.65)          # "| Feb 3 | Activation Oracles | Federico |" under "| Date | Topic | ..."
        why.append("a cell of a table's column of papers")
    elif line is not None and re.fullmatch(r"\s*\|.*\|\s*", line.text) and not cue \
            and (line.text.count("|") >= 3 or len(line.text.split()) <= 40) \
            and not re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)|\bet\s+al\b", line.text):
        score = min(score, 0.45)          # "| Sycophancy Feedback Loop Model | Analysis | 53.0 |" (not one long
        # "| ... |" around a paragraph of prose: a comment a mirror wrapped in a table's bars)
        why.append("but a table cell without a year or authors")
    if layout.after_caption_label(m.start) or (line is not None and line.caption and not cue):
        score = min(score, 0.3)
        why.append("but a figure caption")
    words = m.surface.split()
    org = _ORG_WORDS.search(m.surface)
    if org and (len(words) <= 6 or len(m.surface[org.start():].split()) <= 6) and not cue:
        score -= 0.35
        why.append("but an organisation's name")
    if shape and line is not None and re.fullmatch(r"[^:\n]+:\s*", line.text) and layout.fills_line(m.start, m.end) \
            and not _one_title_case_run(text[line.end + 1:].split("\n", 1)[0]):
        # (not "Exploring Multilingual Probing in Large Language Models:" over its subtitle's line)
        score = min(score, 0.45)          # "Classic RL vs LLM-agent:" over a table: a label
        why.append("but a label introducing what follows")
    of_work = re.match(rf"{_UNIT_LABEL.pattern}\s+of\s+(?=(?:The\s+|A\s+|An\s+)?[A-Z][\w\-]*\s+[A-Z])", m.surface)
    if of_work:                           # "Chapter 7 of A Brief History of ...": the work is what it is part of
        m.start += of_work.end()
        m.surface = text[m.start:m.end]
        m.norm = normalise(m.surface)
    if re.match(r"\s+by\s", text[m.end:m.end + 4]) and _PASSIVE_END.search(m.surface):
        score = min(score, 0.3)           # "Discussion led by Dan."
        why.append("but a clause in the passive")
    label = re.sub(r"^[#\s]*(?:\d+(?:\.\d+)*\.?\s+)?", "", m.surface).strip(" :*")
    labelled = re.sub(r"^[A-Z][\w \-]{0,30}:\s+", "", label)     # "Focus: Section 3", "Published Date: May 28"
    if _SECTION_LABEL.fullmatch(label) or _UNIT_LABEL.match(re.sub(r"^(?:Goal|Topic|Agenda|Plan|Today|Notes?|Focus|Theme|Subject):\s+", "", label)) \
            or labelled != label and (_POINTER.match(labelled) and len(labelled.split()) <= 3 or _A_DAY.fullmatch(labelled)):
        score = min(score, 0.3)           # "## Presented By", "Similar Papers", "Goal: Day 4 of ARBOx"
        why.append("but a section's or a course unit's label")
    if credits_people(text, m.start, m.end) or named_character(text, m.start):
        score = min(score, 0.3)           # "By Ada Roe", "Guest speaker: Ada Roe", 'a character named "Bob"'
        why.append("but people named as people")
    if shape and not cue and a_product_in_use(m.surface):
        score = min(score, 0.3)           # "Claude Code with Opus 4": products in use
        why.append("but products and their versions")
    if _REPO_FILE.match(m.surface):
        score = min(score, 0.3)           # "(see README disclaimer)": a file of the repository
        why.append("but a file of a code repository")
    if _EVENT_HEAD.search(m.surface) or _SERIES_AFTER.match(text, m.end):
        score -= 0.35                     # "the Bluedot “AI Safety Operations Bootcamp”", "Foo: Bar - A podcast by ..."
        why.append("but the name of an event, a course, a series or a site")
    if _SHOW_HEAD.search(m.surface) and not m.reason.startswith(KNOWN_TITLE):
        score = min(score, 0.45)          # "The Ezra Klein Show", quoted or not: a programme, not one of its episodes
        why.append("but the name of a show")
    by_people = bool(_BY_PEOPLE_AFTER_ACRONYM.match(text, m.end))
    if by_people:
        score = max(score, 0.6)           # "Parallel Distributed Processing (PDP) by Ada Roe, Bo Fenn, ...": a work by people
        why.append("its short form, then the people it is by")
    artefact = by_people or bool(_ARTEFACT_AFTER_ACRONYM.match(text, m.end) or _A_WORK_AFTER_TERM.match(text, m.end))
    if not cue and m.reason != INTRODUCED_BY and not artefact and _spells_out_acronym(text, m):
        score = min(score, 0.45)          # "Reinforcement Learning from Human Feedback (RLHF)": a term
        why.append("but a term introducing its acronym")
    if shape and not cue and not artefact and ":" not in m.surface and (long_form := _initial_forms(m.surface) & terms):
        score = min(score, 0.45)          # "Reinforcement Learning from Human Feedback" without "(RLHF)"
        why.append(f"but the long form of a term ({min(long_form)})")
    if not cue and _INSTITUTION_NAME.fullmatch(m.surface.strip()):
        score = min(score, 0.3)           # "The Chinese University of Hong Kong": an affiliation
        why.append("but an institution's name")
    if shape and not cue and _ORG_HEAD.search(m.surface):
        score = min(score, 0.45)          # "Open Philanthropy and the Long-Term Future Fund": funders, not works
        why.append("but an organisation's name")
    if _LICENCE_OR_DEGREE.search(m.surface):
        score = min(score, 0.3)           # "License: CC BY 4.0", "a second-year ML PhD at Berkeley"
        why.append("but a licence or a person's degree")
    if shape and not cue and words and words[-1].lower() in _WORKS_OF_A_KIND | {"readings", "resources"} \
            and words[-1][0].isupper() and line is not None and layout.fills_line(m.start, m.end):
        score = min(score, 0.3)           # "Foundational AI Safety Papers" over a list: the list's name
        why.append("but a line naming a collection of works")
    if re.search(r"[a-z]\*+(?:\s+[a-z]|$)", m.surface):
        score = min(score, 0.45)          # "Concealment emerges naturally** from reward hacking ...": a claim in bold
        why.append("but it runs across the end of bold or italics")
    if shape and _A_DAY.match(m.surface):
        score = min(score, 0.3)           # "March 12 from Unexplainable and Future Perfect": a date
        why.append("but it opens on a date")
    if _POINTER.match(m.surface) or _ENDS_ON_POINTER.search(m.surface):
        score = min(score, 0.3)           # "(see Table 2 and Figure 3 [4])": a part of this text
        why.append("but a pointer to a figure, a table or a section")
    if _OF_THIS_TEXT.match(text, m.end):
        score = min(score, 0.3)           # "Continuing on from Part 1 of this post": a part of this text
        why.append("but a part of the text itself")
    if shape and not cue and (_CALL_TO_FOLLOW.search(m.surface) or _ROLE_OF_A_PERSON.search(m.surface)):
        score = min(score, 0.3)           # "Follow Ada on Twitter", "Research Scientist Ada Roe", "Engineer at Wombat"
        why.append("but a person's role or a call to follow a show")
    if shape and not cue and _speakers_turn(text, m.start):
        score = min(score, 0.3)           # "Russ Roe: Today is March 25th, and my guest is ...": a transcript
        why.append("but a speaker's turn in a transcript")
    if shape and not cue and _run_in_label(text, m.start, m.end):
        score = min(score, 0.45)          # "1. **The Simulation Default:** LLMs will ...": the label of its item
        why.append("but the bold or italic label that opens its paragraph or item")
    if shape and not cue and _FORUM_LABEL.match(m.surface) and _SUMMARY_VERB.match(text, m.end):
        score = min(score, 0.3)           # "TL;DR: Simulator Theory is now well supported": a summary's subject
        why.append("but the subject of a labelled summary sentence")
    if shape and not cue and (_TOOL_NAME.search(m.surface) or _HOSTED_ON.match(text, m.end)):
        score = min(score, 0.45)          # "the Drift Detection Toolkit on GitHub": software, not a work
        why.append("but a tool or a repository")
    if shape and not cue and _TOPIC_IN_FIELD.fullmatch(m.surface) and not re.search(r"[:?]\s*$", text[max(0, m.start - 3):m.start]):
        score = min(score, 0.45)          # "it reminded me of Beam Search in NLP": a method and its field
        why.append("but a topic and its field")
    if (shape or m.reason.startswith(KNOWN_TITLE)) and not cue and _qualifies_words_after(text, m):
        score -= 0.3                      # "Week 3 of the AI alignment curriculum"
        why.append("but it qualifies the lower-case words after it")
    if shape and line is not None and not line.heading and _starts_paragraph(text, m.start) \
            and len(_TOKEN.findall(m.surface)) >= 4 and _REPORTED_BY_A_WORK.match(text, m.end):
        score += 0.1                      # "Large Language Model Unlearning used gradient ascent to ..."
        why.append("the subject of a paragraph that reports what it did")
    if _TERM_EXPLAINED.match(text, m.end) and not cue and ":" not in m.surface:
        score -= 0.3                      # "Reinforcement Learning from Human Feedback involves humans rating ..."
        why.append("but a term the text explains")
    if m.surface.count(":") >= 2:
        score -= 0.4                      # "Patreon: Ko-fi: Transcript:"
        why.append("but a run of labels")
    if _GLUED_DIGITS.search(m.surface):
        score -= 0.4
        why.append("but names with footnote digits")
    if _SHOUTED.search(m.surface) and not m.surface.isupper():   # an all-caps title is a PDF's title
        score -= 0.3
        why.append("but shouted words")
    if m.reason == "" and len(words) >= 8 and not any(w.lower() in FUNCTION_WORDS for w in words) and ":" not in m.surface:
        score -= 0.3                      # "Toby Shevlane Google DeepMind Sebastian Farquhar ...": a list of names
        why.append("but a run of names without a function word")
    if m.reason == "" and sum(any(c.isalpha() for c in w) and w[0].isupper() for w in words) < 2 and len(words) > 1:
        score -= 0.2                      # "Day 34 of 60": a title's shape needs two capitalised words
    m.score = max(0.0, min(1.0, score))
    m.confidence = WORK if m.score >= TRUST_SCORE else MAYBE
    m.reason = ", ".join(why)
    return True


# "Follow Ada and Bo on Twitter", "Listen on Apple Podcasts": a show's notes telling the reader where to
# find it, not a work
_CALL_TO_FOLLOW = re.compile(r"^(?:Follow|Listen|Watch|Subscribe|Find)\b.*\b(?:on|to)[ \t]+(?:Twitter|X|YouTube|Spotify|"
                             r"Apple|Google|LinkedIn|Substack|Bluesky|Mastodon|Instagram|Facebook|TikTok|Threads|Patreon)\b(?!-)")
# "Senior Research Scientist at Netflix", "Research Director Ada Roe": a person's job, before the place
# they work or their name
_ROLE_OF_A_PERSON = re.compile(r"\b(?:Scientist|Engineer|Director|Researcher|Professor|Lecturer|Fellow|Manager|Founder|"
                               r"Co-?[Ff]ounder|CEO|CTO|Intern)(?:[ \t]+at[ \t]+[A-Z]|[ \t]+[A-Z][a-z]+[ \t]+[A-Z][a-z\-]+$)")


_PLURAL_ACRONYM = re.compile(r"[A-Z][A-Z0-9\-]*[A-Z0-9]s")
_SPEAKER = re.compile(r"[ \t]*([A-Z][\w\-'\u2019]*(?:[ \t]+[A-Z][\w\-'\u2019]*){0,2}):[ \t]+\S")


def _speakers_turn(text: str, start: int) -> bool:
    """"Russ Roe: Today is March 25th, 2025, and my guest is ...", "Been: In the 1980s, folks were ...": a
    line of prose that opens on a speaker's name and a colon, a name that opens another line the same
    way: a transcript's turn, whatever the capitals after the colon. (A list of "Paper: Title" lines has
    short lines; a turn runs on.)"""
    ls = text.rfind("\n", 0, start) + 1
    turn = _SPEAKER.match(text, ls)
    if turn is None or start > turn.end() or start < turn.start(1):
        return False
    le = text.find("\n", ls)
    if len(text[ls:le if le >= 0 else len(text)].split()) < 15:
        return False
    return _line_openers(text)[turn.group(1)] >= 2


@functools.lru_cache(maxsize=4)
def _line_openers(text: str) -> collections.Counter:
    """How many lines of the text open on each "Name:" (a transcript's speakers), counted once per text."""
    return collections.Counter(m.group(1) for m in re.finditer(
        r"(?m)^[ \t]*([A-Z][\w\-'\u2019]*(?:[ \t]+[A-Z][\w\-'\u2019]*){0,2}):[ \t]", text))


def _run_in_label(text: str, start: int, end: int) -> bool:
    """"1. **The Simulation Default:** LLMs will ...", "**The Open LLM Landscape.** Even if ...",
    "**Before Deploying:**" over a list: bold or italics that open a line and close on a colon or a
    full stop are a run-in heading, the label of the paragraph or the item they open. (A reading list
    that writes "**Title:** what it says" gets its trust from the list line's author or year.)"""
    ls = text.rfind("\n", 0, start) + 1
    lead = re.fullmatch(r"[ \t]*(?:(?:[-*\u2022]|\d{1,3}[.)])[ \t]+)?(\*\*|__|\*|_)", text[ls:start])
    if not lead:
        return False
    mark = re.escape(lead.group(1))
    return re.match(rf"(?:[:.]{mark}|{mark}[:.])", text[end:end + len(lead.group(1)) + 1]) is not None


# "Part 1 of this post", "... of my sequence": the text's own parts, not another work
_OF_THIS_TEXT = re.compile(r"[ \t]+of[ \t]+(?:this|my|our)[ \t]+(?:post|series|sequence|essay|article|piece|thread|"
                           r"newsletter|blog|book|review|write-?up)\b")
# the labels forum posts open a line with ("TL;DR: ...", "Edit: ...") and the verb after a summary's subject
_FORUM_LABEL = re.compile(r"(?:TL;?\s*)?DR\s*:|(?:Tl;?\s*)?dr\s*:|TLDR\s*:|(?:Edit|EDIT|Update|UPDATE|PS|P\.S\.|NB|Summary|"
                          r"Disclosure|Note|Caveat|Correction|Clarification)\s*:")
_SUMMARY_VERB = re.compile(r"[ \t]+(?:is|are|was|were|has|have|had|will|can|does|do|seems?|remains?)\b")


# What may follow a title in prose without the title being part of a longer phrase: a word for a
# work or a part of one, a preposition, an adverb, a verb ("... showed", "... is", "... explored").
_PART_NOUNS = frozenset("chap chapter chapters section sections appendix part parts page pages pp".split())
_PREPOSITIONS = frozenset("""after before since until during against among around behind beside besides despite except
inside outside onto upon near like unlike last next""".split())
_VERB_SHAPED = re.compile(r"[a-z]+(?:s|ed|en)|can|could|will|would|shall|should|may|might|must|did|do|had|got|made|said|"
                          r"took|gave|went|came|ran|won|lost|read|wrote|felt|kept|left|meant|built|found|held|taught|"
                          r"thought|brought|sought|grew|drew|knew|threw|put|set|let|led|hit|cut")
_WORD_AFTER = re.compile(r"[ \t]([a-z][a-z\-]*)(?![\w'\u2019])")


def _qualifies_words_after(text: str, m: Mention) -> bool:
    """"Week 3 of the AI alignment curriculum", "Purple-teaming LLMs with Adversarial Defender
    training (PAD)", "Does this Language Model newcomer lack ...": a capitalised run the clause
    goes on from with a lower-case noun is a modifier of that noun or the clipped end of a
    longer phrase, not a title. A title in prose is followed by punctuation or by a function
    word, a preposition, an adverb, a verb or a word for a work ("... paper", "... chap 3")."""
    after = _WORD_AFTER.match(text, m.end)
    if after is None:
        return False
    word = after.group(1)
    if word in _WORKS_OF_A_KIND:
        return True                   # "the best ML Safety papers of 2023", "Harry Potter books": a topic
    return not (len(word) < 3 or word in FUNCTION_WORDS or word in _PREPOSITIONS or word in _TRAILING_ADVERBS
                or word.endswith("ly") or word in _WORK_NOUNS or word in _PART_NOUNS or _VERB_SHAPED.fullmatch(word))


# Plural words for works: a capitalised run before one names what the works are about, not a work.
_WORKS_OF_A_KIND = frozenset("papers posts books articles essays reports preprints publications textbooks novels".split())


_ORG_HEAD = re.compile(r"(?<![\w\-])(?:Fund|Foundation|Institute|University|Council|Commission|Ministry|Committee|"
                       r"Association|Philanthropy|Inc|Ltd|LLC|Corporation|Company)\.?$")
# "The Chinese University of Hong Kong", "Institute of Science of Tokyo": a place of work by its full name
_INSTITUTION_NAME = re.compile(r"(?:[Tt]he[ \t]+)?(?:[A-Z][\w\-]*[ \t]+){0,3}(?:University|Institute|College|Academy|School|"
                               r"Polytechnic)[ \t]+(?:of|for)[ \t]+(?:(?:[A-Z][\w\-]*|and|of|the|&)[ \t]*){1,6}")
_REFERENCE_OPENS_LINE = re.compile(r"[ \t]*(?:[-*\u2022]|\d{1,3}[.)])?[ \t]*\([^()\n]{2,80}?,?[ \t]*(?:19|20)\d\d[a-z]?\)[ \t]*")
_LICENCE_OR_DEGREE = re.compile(r"(?i:\blicen[cs]e\s*:|\bcreative\s+commons\b)|\bCC[ \-]BY\b|"
                                r"\b(?:PhD|Ph\.D\.?|DPhil|MPhil|MSc|BSc)(?:[ \t]+(?:student|candidate))?[ \t]+(?:at|from)[ \t]+[A-Z]")
# "Figure 3", "Fig 4:", "Appendix C", "see Table 5 in the Appendix", "Theorem 1": a part of this text, by
# its number or its letter
_POINTER = re.compile(r"(?:(?:[Ss]ee|[Cc]f\.?)[ \t]+)?(?:Figure|Fig\.?|Table|Section|Sec\.|Appendix|Chapter|Equation|Eq\.|"
                      r"Algorithm|Listing|Theorem|Lemma|Proposition|Corollary|Definition)[ \t]+(?:[A-Z]?\d|[A-Z](?![\w\-]))")
# "W1-W3 of Theorem 1", "the bound in Appendix B": a span that ends on such a part
_ENDS_ON_POINTER = re.compile(rf"[ \t](?:of|in)[ \t]+(?:{_POINTER.pattern})\W*$")
_TOOL_NAME = re.compile(r"(?:Toolkit|Toolbox|Library|Package|SDK|API|Plugin|Plug-in|Extension|Repository|Repo|CLI|Dashboard|"
                        r"App)(?:[ \t]+on[ \t]+(?:GitHub|GitLab|Hugging[ \t]?Face|PyPI))?$|[ \t]on[ \t]+(?:GitHub|GitLab|PyPI)$")
_HOSTED_ON = re.compile(r"[ \t]+on[ \t]+(?:GitHub|GitLab|PyPI)\b")
# "Beam Search in NLP", "Attention for RL", "Transformers in Practice": a short capitalised
# topic and the field or setting it is in reads as a topic, not a work's title
_TOPIC_IN_FIELD = re.compile(r"(?:[A-Z][\w\-]*[ \t]+){0,2}[A-Z][\w\-]*[ \t]+(?:in|for)[ \t]+"
                             r"(?:NLP|ML|RL|CV|DL|Python|PyTorch|Practice|Production)")


# (a title of three words or more may hold a comma: "In If Anyone Builds It, Everyone Dies, Ada Roe and
# Bo Fenn argue ..."; its authors may be two)
_IN_TITLE_PERSON = rf"(?:{_NAME_WORD}[ \t]+)?{_NAME_WORD}(?:[ \t]+et[ \t]+al\.?)?"
_IN_TITLE_NAME_VERB = re.compile(rf"In[ \t]+((?:The|A|An)[ \t]+[A-Z][\w\-']*(?:[ \t]+(?:[A-Z][\w\-']*|of|the|and|in|for|to|a|an|on|with)){{0,8}}"
                                 rf"|(?!(?:{'|'.join(sorted(_PLACE_WORDS))})\b)[A-Z][\w\-'\u2019]*(?:,?[ \t]+(?:[A-Z][\w\-'\u2019]*|of|the|and|in|for|to|a|an|on|with)){{1,8}}"
                                 rf"[ \t]+[A-Z][\w\-'\u2019]*),"
                                 rf"[ \t]+{_IN_TITLE_PERSON}(?:[ \t]+(?:and|&)[ \t]+{_IN_TITLE_PERSON})?[ \t]+(?:also[ \t]+)?(?:"
                                 + _REPORTING + r"|writes|wrote|explains|explained|describes|lays|sets)\b")
INTRODUCED_BY = "a name the text says a cited work introduced"
_TERM_INTRODUCED_BY = LazyPattern(rf"[ \t]*(?:\([A-Z][A-Za-z\-]{{1,9}}\)[ \t]*)?,?[ \t]+(?:was|were)[ \t]+(?:first[ \t]+)?"
                                 rf"(?:introduced|proposed|developed|presented|defined)[ \t]+(?:by|in)[ \t]+"
                                 rf"(?:{_NAMES}[ \t]*[(\[,]?[ \t]*{_YEAR_RX}|{_NAMES}[ \t]*\[\d{{1,3}}\]|\[\d{{1,3}}\])")


# "The Model Alignment between Statements and Knowledge (MASK) benchmark": a long form spelled
# out before its acronym names a benchmark or a data set, which cites its paper, not a method
_ARTEFACT_AFTER_ACRONYM = re.compile(r"[ \t]*\([A-Z][A-Za-z0-9\-]{1,10}\)[ \t]+(?:benchmark|dataset|data[ \t]+set|"
                                     r"test[ \t]+suite|suite|corpus|leaderboard|paper|preprint|report)s?\b")
# "(PDP) by David Rumelhart, James McClellan, and ...": what people wrote, not a term they use
_BY_PEOPLE_AFTER_ACRONYM = re.compile(r"[ \t]*\([A-Z][A-Za-z0-9\-]{1,10}\)[ \t]*,?[ \t]+by[ \t]+[A-Z][a-z]+[ \t]+(?:[A-Z]\.[ \t]+)?"
                                      r"[A-Z][a-z][\w\-]*(?=[,;.]|[ \t]+(?:and|&|et)\b)")
# "the Eliciting Latent Knowledge report": a term's long form with a word for a work after it cites
# the work, as "the RLHF paper" does
_A_WORK_AFTER_TERM = re.compile(r"[ \t]+(?:paper|preprint|report|post|essay|article)\b")


def _spells_out_acronym(text: str, m: Mention) -> bool:
    """"Reinforcement Learning from Human Feedback (RLHF)", "MoJE (Mixture of Jailbreak Expert)":
    words whose initials are exactly the acronym beside them name a method or a term, not a work."""
    after = re.match(r"\s*\(([A-Z][A-Za-z\-]{1,9})\)", text[m.end:m.end + 14])
    before = re.search(r"(?<![\w\-])([A-Z][A-Za-z\-]{1,9})\s*\($", text[max(0, m.start - 14):m.start]) \
        if text[m.end:m.end + 1] == ")" else None
    acro = (after or before).group(1) if (after or before) else ""
    letters = "".join(c for c in acro.rstrip("s") if c.isupper())
    return len(letters) >= 2 and letters in _initial_forms(m.surface)


def _one_title_case_run(line: str) -> bool:
    """"Scaling Laws and Emergent Capabilities": a line that is one run of capitalised words, so
    each piece the run is split into is part of the heading too."""
    words = _TOKEN.findall(line)
    return len(words) >= 2 and re.fullmatch(r"[#\s\w'\u2019\-]+", line) is not None \
        and all(_is_cap(w) or w in FUNCTION_WORDS for w in words)


_CALL_IT = re.compile(r"(?:,?\s+(?:which|that)\s+we(?:'ll|\s+will)?\s+(?:call|term|refer\s+to\s+as|denote(?:\s+(?:as|by))?)"
                      r"|,\s*(?:hereafter|henceforth)(?:\s+(?:called|referred\s+to\s+as))?,?)\s+(?:the\s+)?[\"\u201c]?"
                      r"([\w\-]+(?:\s+[\w\-]+){0,2}?)[\"\u201d]?(?=[\s,.;:)]|$)")
_CLAUSE_END = re.compile(r"[.!?;](?=\s+[A-Z(\[\"\u201c]|\s*$)|\n")


_NAME_BEFORE_TITLE = re.compile(r"(?<![\w\-])([A-Z][\w\-]{1,20})\s*\(\s*$")


def _defined_nicknames(text: str, mentions: list[Mention]) -> list[Mention]:
    """Nicknames a document defines for a work it names ("Constitutional AI (CAI)", "..., which
    we call FooNet"): their later uses are mentions of that work."""
    defined: dict[str, Mention] = {}
    named_before: dict[str, int] = {}        # "EVE (Weak Teacher Evaluation of ...)": the name's place
    for m in mentions:
        if m.kind not in ("title", "alias", "author-ref"):
            continue
        b = _NAME_BEFORE_TITLE.search(text, max(0, m.start - 30), m.start)
        if m.kind == "title" and b and text.startswith(")", m.end) and _is_acronymish(b.group(1)) \
                and b.group(1) not in _COMMON_ACRONYMS and b.group(1) not in defined:
            # "the authors propose EVE (Weak Teacher Evaluation of Strong Student Demonstrations)": a
            # coined name with the work's title spelled out in brackets after it
            defined[b.group(1)], named_before[b.group(1)] = m, b.start(1)
            continue
        d = re.match(r"\s*\((?:hereafter|henceforth|hereinafter|from\s+(?:here|now)\s+on|or)?,?\s*[\"\u201c]?"
                     r"([A-Z](?:[\w\-]|[&:](?=[A-Z])){1,20})[\"\u201d]?\)", text[m.end:m.end + 40])
        if not d:
            # "..., which we call FooNet"; "Smith et al. (2021) propose a benchmark, which we call
            # QuokkaBench", "(Lee et al., 2022), hereafter LEE22": later in the same clause, when
            # nothing between speaks of the text's own work or names another work
            rest = text[m.end:m.end + 160]
            rest = rest[:(stop.start() if (stop := _CLAUSE_END.search(rest)) else len(rest))]
            d = _CALL_IT.search(rest)
            if d and d.start() and (_OWN_WORK.search(rest, 0, d.start()) or not d.group(1)[:1].isupper()
                                    or any(m.end < o.start < m.end + d.start() for o in mentions)):
                d = None
        if not d:
            continue
        name = d.group(1)
        initials = _initials(m.surface)
        every = _initials(m.surface, function_words=True)
        if d.group(0).lstrip().startswith("(") and not ((_is_acronymish(name) or re.fullmatch(r"[A-Z]+(?:[&:][A-Z]+)+", name))
                                                        and (re.sub(r"[&:]", "", name).upper() in (initials, every)
                                                             or name.upper()[0] == initials[:1])):
            continue
        defined.setdefault(name, m)
    if not defined:
        return mentions
    # a name found by its shape alone ("QuokkaBench": a benchmark's name) gives way to the same
    # name defined for a work the text cites (which gives it authors and a year)
    # (so does a maybe title the nickname opens: "WFLL part 1 is about ..." is no title)
    shaped = {id(m) for m in mentions if m.reason == BENCHMARK_SHAPED
              or m.kind == "title" and m.confidence != WORK and m.reason.startswith("only a real title can confirm it")}
    out = list(mentions)
    taken = [(m.start, m.end) for m in mentions if id(m) not in shaped]
    pattern = re.compile(r"(?<![\w\-])(" + "|".join(re.escape(n) for n in sorted(defined, key=len, reverse=True)) + r")(?![\w\-])")
    for hit in pattern.finditer(text):
        src = defined[hit.group(1)]
        at_definition = src.confidence == WORK and src.kind == "title" and hit.start() < src.end + 3   # (not a nickname's)
        if (hit.start() < src.end + 3 and hit.start() != named_before.get(hit.group(1)) and not at_definition) \
                or any(a < hit.end() and hit.start() < b for a, b in taken):
            continue
        out = [m for m in out if not (id(m) in shaped and m.start < hit.end() and hit.start() < m.end)]
        out.append(Mention(None, hit.group(1), hit.start(), hit.end(), "alias", "", id=src.id, score=0.8,
                           alias_title=src.alias_title or (src.surface if src.kind == "title" else None),
                           alias_kind=src.alias_kind, topic=src.topic, authors=list(src.authors), years=list(src.years),
                           confidence=src.confidence, reason=f"a nickname the document defines for {src.surface}"))
    return sorted(out, key=lambda m: m.start)


# "Bricken et al. (2023) — Monosemanticity;": a reference with its year, a dash or a colon, and a
# capitalised name that runs to the end of the item (a semicolon, the line's end, a full stop)
_NAME_AFTER_REFERENCE = re.compile(r"[ \t]*(?:[\u2014\u2013:]|[ \t]-)[ \t]*"
                                   r"((?:[A-Z0-9][\w\-']*)(?:[ \t]+(?:[A-Z0-9][\w\-']*|of|and|in|for|the|a|on|to|with)){0,5})"
                                   r"(?=[ \t]*(?:[;\n]|$|\.(?:\s|$)))")
NAME_AFTER_REFERENCE = "the name a reference list gives the work it cites"


def _names_after_references(text: str, mentions: list[Mention]) -> list[Mention]:
    """A reading list's "Elhage et al. (2021) — Transformer Circuits; Bricken et al. (2023) —
    Monosemanticity": the capitalised name after a dated reference, running to the item's end, is
    the name the list gives that work. A title's shape there is trusted; a name no rule proposed
    (one word) becomes a mention of the reference's work. One word must be a name, not a
    sentence's first word: it must end the item and be long or coined."""
    out = list(mentions)
    for m in mentions:
        if m.kind != "author-ref" or not m.years or m.confidence != WORK:
            continue
        d = _NAME_AFTER_REFERENCE.match(text, m.end)
        if not d:
            continue
        a, b = d.span(1)
        name = d.group(1)
        if name.split()[-1] in FUNCTION_WORDS or (" " not in name and not (len(name) >= 8 or _is_acronymish(name))):
            continue
        there = [x for x in out if x.start < b and a < x.end]
        if there:
            for x in there:
                if x.start >= a and x.end <= b and x.kind == "title" and x.confidence == MAYBE:
                    x.confidence, x.score = WORK, max(x.score, TRUST_SCORE)
                    x.reason = NAME_AFTER_REFERENCE
                    x.authors, x.years = x.authors or list(m.authors), x.years or list(m.years)
            continue
        out.append(Mention(None, name, a, b, "title", "", id=m.id, score=TRUST_SCORE, alias_title=m.alias_title,
                           alias_kind=m.alias_kind, authors=list(m.authors), years=list(m.years), reason=NAME_AFTER_REFERENCE))
    return sorted(out, key=lambda m: m.start) if len(out) > len(mentions) else out


# Initials with a meaning of their own, never taken for a work's initials.
_COMMON_ACRONYMS = frozenset("""EA US UK EU UN AM PM OK TV ID IQ PR HR IT CS CV SL UL HF VC PC OS UI UX PS NB CEO CTO
PhD MSc BSc USA FAQ TBD TLDR DM DMs PDF""".split())


def _initialism_forms(m: Mention) -> set[str]:
    """The initials a reader may call a work by: "HC" for Human Compatible, "S:PDS" for
    Superintelligence: Paths, Dangers, Strategies, "A&M" for Armstrong and Mindermann."""
    surface = m.surface.strip("\"\u201c\u201d")
    if m.kind == "author-ref":
        pair = re.fullmatch(rf"({_NAME_WORD})\s+(?:and|&)\s+({_NAME_WORD})", surface)
        return {f"{pair.group(1)[0]}&{pair.group(2)[0]}"} if pair else set()
    if len(_TOKEN.findall(surface)) < 2:
        return set()
    forms = {f for f in _initial_forms(surface) if len(f) >= 2}
    if surface.count(":") == 1:
        head, tail = surface.split(":")
        if _initials(head) and _initials(tail):
            forms.add(f"{_initials(head)}:{_initials(tail)}")
    return forms


def _initialisms_of_named_works(text: str, mentions: list[Mention], terms: frozenset[str],
                                aliases: AliasTable | None) -> list[Mention]:
    """A work the document names, later called by its initials without a definition ("Human
    Compatible ... HC is just better", "A&M's argument"): those initials name that work. Not an
    acronym the alias table or the text makes a term of, nor one of a field ("AI", "ML")."""
    sources: dict[str, Mention] = {}
    for m in mentions:
        if m.confidence != WORK or m.kind not in ("title", "alias", "author-ref") or m.score < 0.55:
            continue
        for form in _initialism_forms(m):
            if form not in _GENERIC_ACRONYMS | _COMMON_ACRONYMS and form not in terms and form.rstrip("s") not in terms \
                    and not (aliases is not None and aliases.lookup(form)):
                sources.setdefault(form, m)
    if not sources:
        return mentions
    pattern = re.compile(r"(?<![\w\-&:])(" + "|".join(re.escape(f) for f in sorted(sources, key=len, reverse=True))
                         + r")(?![\w\-&]|:\w)")
    hits = list(pattern.finditer(text))
    # not initials the text used before it named the work ("EA" for effective altruism before
    # "Embedded Agency")
    first_use: dict[str, int] = {}
    for hit in hits:
        first_use.setdefault(hit.group(1), hit.start())
    sources = {f: m for f, m in sources.items() if first_use.get(f, m.start) >= m.start}
    taken = [(m.start, m.end) for m in mentions]
    out = list(mentions)
    for hit in hits:
        if hit.group(1) not in sources:
            continue
        src = sources[hit.group(1)]
        if hit.start() < src.end or any(a < hit.end() and hit.start() < b for a, b in taken):
            continue
        out.append(Mention(None, hit.group(1), hit.start(), hit.end(), "alias", "", id=src.id, score=0.7,
                           alias_title=src.alias_title or (src.surface if src.kind == "title" else None),
                           alias_kind=src.alias_kind, topic=src.topic, authors=list(src.authors), years=list(src.years),
                           reason=f"the initials of a work the document names ({src.surface})"))
    return sorted(out, key=lambda m: m.start)


def _title_mention(text: str, run: list[_Tok], sent_start: int) -> Mention:
    lead = _LEAD_VERBS.match(text, run[0].start) if run[0].start <= sent_start else None
    if lead:
        rest = [t for t in run if t.start >= lead.end()]
        if len(rest) >= 2:
            run, sent_start = rest, -1
    s, e = run[0].start, run[-1].end
    m = Mention(None, text[s:e], s, e, "title", "", score=_score_title(text, run, sent_start))
    if _truncated_after(text, e):
        m.truncated = True
        m.score = min(1.0, m.score + 0.1)
    if len(run) == 1:
        m.score = min(m.score, 0.2)
    return m


_PRIORITY = {"doi": 5, "arxiv": 5, "url": 5, "alias": 4, "author-ref": 3, "title": 2}


def _resolve_overlaps(text: str, cands: list[Mention]) -> list[Mention]:
    """One mention per stretch of text: ids, then alias hits, then author references, then
    the best-scoring title shape. An author reference that contains an alias hit takes the
    alias's id; a title run that swallowed an alias hit is cut back to the rest."""
    cands = [c for c in cands if c.end > c.start]
    rank = lambda c: (4.6 if c.url and c.kind == "title" else _PRIORITY[c.kind] if c.id is None or c.kind != "author-ref"
                      else 4.5, c.score, c.end - c.start)
    cands.sort(key=rank, reverse=True)
    kept: list[Mention] = []
    for c in cands:
        clash = [k for k in kept if k.start < c.end and c.start < k.end]
        if not clash:
            kept.append(c)
            continue
        k = clash[0]
        if k.url and k.kind == "title" and c.kind == "alias" and k.id is None:
            k.id, k.alias_title, k.alias_kind = c.id, c.alias_title, c.alias_kind or k.alias_kind   # a linked nickname
            continue
        if c.kind == "author-ref" and k.kind == "alias" and c.start <= k.start and k.end <= c.end and len(clash) == 1:
            # "Ada Smith's parity transformer": keep the reference, take the alias's id
            c.id, c.alias_title, c.alias_kind = k.id, k.alias_title, k.alias_kind
            c.score = max(c.score, k.score)
            if k.confidence == WORK and k.reason.startswith("alias table"):
                c.confidence = WORK           # ("Bostrom's Superintelligence": a known work's name, whoever owns it)
            kept[kept.index(k)] = c
            continue
        if c.kind == "author-ref" and k.kind == "author-ref" and k.reason.startswith("alias table") and c.id is None \
                and c.start <= k.start and k.end <= c.end and len(clash) == 1 and c.years:
            # "Kaplan et al. 2020", "Hoffmann et al. (DeepMind, 2022)": the whole reference with its
            # year, known through the alias table's "Kaplan et al."
            c.id, c.alias_title, c.alias_kind = k.id, k.alias_title, k.alias_kind
            c.score, c.reason = max(c.score, k.score), f"{c.reason} ({k.reason})"
            kept[kept.index(k)] = c
            continue
        if c.kind == "title" and c.reason.startswith("alias table") and len(clash) == 1 and k.kind == "author-ref" \
                and k.id is None and k.start < c.start < k.end < c.end:
            # "Dario Amodei's Machines of Loving Grace": a known work's full name after its author's
            # possessive, which took only the name's first word
            kept[kept.index(k)] = c
            continue
        if c.kind == "title" and len(clash) == 1 and k.kind == "alias" and c.start == k.start and k.end < c.end \
                and (k.id or k.alias_title) and re.match(r"\s*:", text[k.end:c.end]):
            # "FooNet: A Longer Title": the full title, known through its nickname
            c.id, c.alias_title, c.alias_kind, c.score = k.id, k.alias_title, k.alias_kind, max(c.score, k.score)
            kept[kept.index(k)] = c
            continue
        if c.reason == LINE_ENDS_IN_AUTHORS and all(x.kind in ("title", "author-ref") and x.id is None and not x.url
                                                    and c.start <= x.start and x.end <= c.end for x in clash):
            # "Empire of AI: Dreams and Nightmares in Sam Altman's OpenAI by Karen Hao": the line's whole
            # title, over a possessive inside it and a shorter title-case run
            for x in clash:
                kept.remove(x)
            kept.append(c)
            continue
        if c.kind == "title" and k.kind in ("alias", "author-ref") and c.score >= 0.65 and len(clash) == 1 \
                and all(c.start < x.start and x.end <= c.end + len(_cue_word(text, c.end)) and x.id != c.id for x in clash) \
                and len(_TOKEN.findall(c.surface)) >= 4:
            # "the Acquisition of Chess Knowledge in FooZero paper": a nickname inside a title
            for x in clash:
                kept.remove(x)
            kept.append(c)
            continue
        if c.kind == "title" and len(clash) == 1 and k.kind == "url" and c.start < k.start < c.end <= k.end:
            # a title glued to the URL after it (scraped text): the title is what comes before
            head = re.sub(r"\W+$", "", text[c.start:k.start])
            if len(_TOKEN.findall(head)) >= 2:
                kept.append(Mention(None, head, c.start, c.start + len(head), "title", "", score=c.score,
                                    reason=c.reason))
            continue
        if c.kind == "title" and len(clash) == 1 and k.kind in ("alias", "author-ref", "doi", "arxiv", "url") \
                and c.start <= k.start and (k.end <= c.end or k.kind == "author-ref" and k.start > c.start
                                            and re.search(r"\sby\s+$", text[c.start:k.start]) is not None):
            # ("Title by Forster" and "Forster (1997)": the title before its author)
            rest = _trim_around(text, c, k)
            if rest is not None:
                kept.append(rest)
            continue
        if c.kind == "alias" and k.kind == "author-ref" and k.start <= c.start and c.end <= k.end and k.id is None:
            k.id, k.alias_title, k.alias_kind = c.id, c.alias_title, c.alias_kind
            k.score = max(c.score, k.score)
            continue
    kept.sort(key=lambda m: m.start)
    return _fold_parentheticals(text, kept)


def _fold_parentheticals(text: str, mentions: list[Mention]) -> list[Mention]:
    """"Some Title of a Paper (Smith et al. 2023)": the author reference in brackets right after a
    work's name is a hint about that work, not a second one: the name takes its authors and year,
    and the reference is resolved as that same work."""
    for prev, m in zip(mentions, mentions[1:]):
        if m.kind == "author-ref" and prev.kind != "author-ref" and re.fullmatch(r"\s*\(\s*(?:the\s+)?", text[prev.end:m.start]) \
                and m.id in (None, prev.id):
            prev.authors = list(dict.fromkeys(prev.authors + m.authors))
            prev.years = list(dict.fromkeys(prev.years + m.years))
            m.id, m.alias_kind = prev.id, prev.alias_kind
            m.alias_title = prev.alias_title or (prev.surface if prev.kind == "title" and not prev.id else None)
            m.reason = (m.reason or "authors and a year") + f", for {prev.surface}"
    return mentions


def _cue_word(text: str, end: int) -> str:
    m = re.match(r"\s+(?:paper|post|report|article|book)\b", text[end:end + 12])
    return m.group(0) if m else ""


def _trim_around(text: str, title: Mention, inner: Mention) -> Mention | None:
    left = text[title.start:inner.start]
    right = text[inner.end:title.end]
    left = re.sub(r"(?:\s+(?:and|or|the|of|by)|[\s,(]|\bthe)+$", "", left)      # "Title by Forster (1997)": the title
    right = re.sub(r"^(?:\s*(?:and|or|paper|post)\b|[\s,)])+", "", right)
    best = max((left, title.start), (right, title.end - len(right)), key=lambda x: len(x[0]))
    words = _TOKEN.findall(best[0])
    if len(words) < 2 or not best[0][:1].isupper():
        return None
    start = best[1] if best[0] is right else title.start
    m = Mention(None, best[0], start, start + len(best[0]), "title", "", score=title.score - 0.05,
                truncated=title.truncated if best[0] is right else False)
    return m


def extract_files(paths: list[Path], aliases: AliasTable | None = None) -> list[Mention]:
    out = []
    for path in paths:
        text = read_text(path)
        out += extract(text, file=str(path), aliases=aliases)
    return out


# Forum posts and papers' text are kilobytes to a few megabytes; anything larger is almost
# certainly the wrong file, and extraction time grows with the text.
MAX_DOCUMENT_BYTES = 5_000_000


def read_text(path: Path) -> str:
    """A document's text. Invalid UTF-8 bytes become U+FFFD (forum exports are often mixed);
    binary files and oversized files are refused with a clear message."""
    from kb.errors import UsageError

    try:
        size = Path(path).stat().st_size
        if size > MAX_DOCUMENT_BYTES and not Path(path).is_dir():
            raise UsageError(f"{path} is {size / 1e6:.0f} MB; seed documents are texts of at most "
                             f"{MAX_DOCUMENT_BYTES / 1e6:.0f} MB (split it, or extract the text first)")
        data = Path(path).read_bytes()
        if b"\x00" in data[:65536]:
            raise UsageError(f"{path} looks like a binary file, not text (convert it to text first)")
        return data.decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory; give the text files in it") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def listed(mentions: list[Mention], *, include_maybe: bool = False) -> list[Mention]:
    """The mentions kb acts on (confidence WORK); with ``include_maybe`` the ones a human
    should judge too."""
    return [m for m in mentions if m.confidence == WORK or (include_maybe and not is_hypothesis(m))]
