"""Finding the works a forum text names, offline.

Forum prose names works without quotes or links: full titles in running text, sentence-case
titles after "see", nicknames, "the Smith paper", titles cut off mid-word, and now and then a
DOI, arXiv id or URL. Nothing here knows any particular document or title: titles are found
from their shape (runs of capitalised words joined by lower-case function words, colons and
hyphens; sentence-case spans after cue phrases such as "see" or "the post"; quoted spans),
nicknames from the alias table, author references from a few patterns, ids from regexes.

Every candidate gets a score for how title-like it is. Extraction errs towards recall: a
capitalised phrase that is not a work (a name, a heading, an organisation) is left for the
resolver, whose similarity threshold rejects it, and the score decides whether it is worth a
request at all and whether a miss is kept as an unresolved work or dropped as not-a-work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.grounding.aliases import AliasTable

KINDS = ("title", "alias", "author-ref", "doi", "arxiv", "url")

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
    alias_kind: str | None = None       # "book" / "post": a work Semantic Scholar does not hold
    topic: str | None = None            # author reference: the words that say what the work is about
    authors: list[str] = field(default_factory=list)   # surname hints from the sentence
    years: list[int] = field(default_factory=list)     # year hints from the sentence

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
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_DASHES).translate(_QUOTES).lower()
    text = text.replace("...", " ").replace("\u2026", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|cf|vs|etc|Fig|fig|Dr|Mr|Ms|Prof|approx|No|Vol)\.|\b[A-Z]\.)$")


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
        if (a := _ARXIV_URL.search(url)):
            pid = "ARXIV:" + a.group(1)
        elif (d := _DOI_URL.search(url)):
            pid = _doi_id(d.group(1))
        elif any(h in url for h in _S2_URL_HOSTS):
            pid = "URL:" + url
        elif any(h in url for h in _FORUM_HOSTS):
            alias_kind = "post"
        add(Mention(None, url, m.start(), m.end(), "url", "", id=pid, score=0.9, alias_kind=alias_kind))
    for m in _ARXIV.finditer(text):
        add(Mention(None, m.group(0), m.start(), m.end(), "arxiv", "", id="ARXIV:" + m.group(1), score=1.0))
    for m in _DOI.finditer(text):
        add(Mention(None, m.group(1), m.start(1), m.end(1), "doi", "", id=_doi_id(m.group(1)), score=1.0))
    return found


# -- title shapes ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9\u00C0-\u024F](?:[\w'\u2019\u00C0-\u024F]|[-\u2010\u2011\u2013](?=[\w\u00C0-\u024F]))*")

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
_NO_START = _BREAKERS | frozenset("As Some Many Most Our My Your Their His Her To Let".split())
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
_WEAK_CUE_BEFORE = re.compile(r"(?:\b(?:e\.g\.|i\.e\.|like|such\s+as|from|in|and|of|also)\s*[:,]?\s*|[(:\"\u201c]\s*)$", re.I)
_CUE_AFTER = re.compile(r"^\s*(?:paper|post|preprint|article|essay|book|report|sequence|\((?:19|20)\d\d\)|by\s+[A-Z]|\(?[A-Z][\w\-]+ et al)", re.I)


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
    return [_Tok(m.group(0), a + m.start(), a + m.end()) for m in _TOKEN.finditer(text[a:b])]


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
    if _STRONG_CUE_BEFORE.search(before) or _CUE_AFTER.match(after):
        score += 0.3
    elif _WEAK_CUE_BEFORE.search(before) and toks[0].start > sent_start:
        score += 0.05
    if toks[0].start <= sent_start:
        score -= 0.1
    elif re.search(r"\bthe\s+$", before) and not _CUE_AFTER.match(after):
        score -= 0.2                      # "the Institute for Foo Studies": an organisation
    if any(w.lower() in _PRONOUNS and not (i and (words[i - 1] in _WH or words[i - 1].lower() == "all"))
           for i, w in enumerate(words)):
        score -= 0.2
    if len(content) <= 1 and n <= 2:
        score -= 0.1
    return max(0.0, min(1.0, score))


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
            if gap in (": ", ":  ") and _is_cap(tok.text) and tok.text not in _BREAKERS:
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
            if names or coined:
                pieces = [left, right]
                break
        out.extend(p for p in pieces if p)
    return out


def _cue_spans(text: str, a: int, b: int) -> list[tuple[int, int, float]]:
    """Sentence-case titles after a cue: "also see Loss landscapes of small networks and Why
    does pruning work?", "a research agenda: The modular brain programme."; each piece must
    start with a capital."""
    spans = []
    sent = text[a:b]
    cue = re.compile(r"\b(?:see(?:\s+also)?|also\s+see|read|reread|trail\s+of|the\s+(?:paper|post|article|essay|book|preprint)|"
                     r"my\s+book|(?:agenda|survey|overview|review|paper|post|book):)\s+(?=[A-Z])", re.I)
    for m in cue.finditer(sent):
        start = a + m.end()
        if m.group(0).rstrip().endswith(":") and m.start() < 25 and text.rfind("\n", 0, a + m.start()) >= a - 1 \
                and re.match(r"[A-Z][\w\-]*(?: [A-Z][\w\-]*)?:", sent[:m.end()].strip()):
            continue                      # "Charbel: ..." speaker labels
        stop = re.compile(r"(?:\?(?=[\s)\]]|$)|(?=[.;!)\]]\s|[.;!)\]]$|,\s|\s[-\u2013\u2014]\s|:\s[\"'\u2018\u201c]|\s\()|$)")
        end_m = stop.search(text, start, b)
        end = end_m.end() if end_m and end_m.group(0) == "?" else (end_m.start() if end_m else b)
        piece_text = text[start:end]
        # split "X and Y" lists where Y starts with a capital
        parts = []
        pos = start
        for sm in re.finditer(r"\s+(?:and|or)\s+(?=[A-Z])", piece_text):
            parts.append((pos, start + sm.start()))
            pos = start + sm.end()
        parts.append((pos, end))
        for s, e in parts:
            toks = _tokens(text, s, e)
            if not (2 <= len(toks) <= 20) or not toks[0].text[0].isupper() or toks[0].text in _BREAKERS:
                continue
            if any(t.text.lower() in _PRONOUNS for t in toks):
                continue
            if _is_cap(toks[1].text):
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
    return spans


def _quote_pairs(seg: str) -> list[tuple[int, int]]:
    """(start, end) of quoted text: straight quotes pair up in order, curly ones by shape."""
    pairs = []
    straight = [i for i, c in enumerate(seg) if c == '"']
    pairs += [(straight[i] + 1, straight[i + 1]) for i in range(0, len(straight) - 1, 2)]
    pairs += [(m.start() + 1, m.end() - 1) for m in re.finditer(r"\u201c[^\u201c\u201d]*\u201d", seg)]
    return pairs


def _quoted_spans(text: str, a: int, b: int) -> list[tuple[int, int, float]]:
    spans = []
    for qs, qe in _quote_pairs(text[a:b]):
        inner = text[a + qs:a + qe]
        s = a + qs
        if not 8 <= len(inner) <= 200:
            continue
        toks = _tokens(text, s, s + len(inner))
        if not (4 <= len(toks) <= 20) or not inner[0].isupper():
            continue
        words = [t.text.lower() for t in toks]
        if words[0] in _INTERJECTIONS or inner.rstrip().endswith((".", "!")) or "," in inner[:12] \
                or toks[0].text in _BREAKERS or words[0] in _PRONOUNS:
            continue
        score = 0.55
        if any(w in _PRONOUNS for w in words):
            score -= 0.3
        if inner.startswith("("):
            continue
        spans.append((s, s + len(inner.rstrip("?. ")) + (1 if inner.rstrip().endswith("?") else 0), score))
    return spans


# -- author references -----------------------------------------------------------------------

_HEADS = (r"paper|papers|post|posts|work|book|article|essay|report|sequence|agenda|plan|proposal|"
          r"quick\s+take|take|shortform|thread|framework|theorem|argument|transformer|results?|analysis|"
          r"survey|blog\s+post|series|write-?up|critique|talk|preprint|model|experiments?|study")
_POSSESSIVE = re.compile(
    r"(?<![\w-])((?:[A-Z][\w\u00C0-\u024F\-]+)(?:\s+[A-Z][\w\u00C0-\u024F\-]+){0,2})['\u2019]s\s+"
    r"((?:[a-z][\w\-]*\s+){0,4}?)(" + _HEADS + r")\b")
_THE_X_PAPER = re.compile(r"\b[Tt]he\s+(?:new\s+|original\s+|recent\s+)?([A-Z][\w\-]+(?:\s+(?:et\s+al\.?|and\s+[A-Z][\w\-]+|[A-Z][\w\-]+))?)"
                          r"\s+(paper|post|preprint|report|article|book)\b")
_ET_AL = re.compile(r"(?<![\w-])([A-Z][\w'\u2019\u00C0-\u024F\-]+(?:\s+(?:and|&)\s+[A-Z][\w\u00C0-\u024F\-]+)?)\s+et\s+al\.?"
                    r"(?:,?\s*\(?((?:19|20)\d\d)\)?)?")
_WORK_FROM = re.compile(r"\b(?:recent\s+)?(?:work|paper|papers)\s+(?:from|by)\s+([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+){0,2})")
_TOPIC_STOP = frozenset("the a an his her their its this that new recent old original famous quick".split())


def _author_refs(text: str, a: int, b: int) -> list[Mention]:
    out = []
    seg = text[a:b]
    for m in _POSSESSIVE.finditer(seg):
        owner = m.group(1)
        if any(c.isdigit() for c in owner) or owner.split()[0] in _BREAKERS or owner == "Let":
            continue
        topic = " ".join(w for w in m.group(2).split() if w.lower() not in _TOPIC_STOP)
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "", score=0.6,
                           topic=topic or None, authors=[owner.split()[-1]]))
    for m in _THE_X_PAPER.finditer(seg):
        name = m.group(1)
        kind = "alias" if _is_acronymish(name.split()[0]) else "author-ref"
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), kind, "", score=0.6,
                           authors=[name.split()[0]] if kind == "author-ref" else [],
                           topic=name if kind == "alias" else None))
    for m in _ET_AL.finditer(seg):
        name = m.group(1).split()[0]
        if name in _BREAKERS or name in ("The", "See"):
            continue
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "", score=0.5,
                           authors=[name], years=[int(m.group(2))] if m.group(2) else []))
    for m in _WORK_FROM.finditer(seg):
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "", score=0.45,
                           authors=[m.group(1).split()[-1]]))
    return out


def _nickname_candidates(text: str, a: int, b: int) -> list[Mention]:
    """Coined names (FooCLR, BarSpace) in a context that says they name a work."""
    out = []
    for m in re.finditer(r"(?<![\w\-])([A-Z][a-z]*[A-Z][\w\-]*|[A-Z]{3,}[\w\-]*)(?![\w\-])", text[a:b]):
        tok = m.group(1)
        s, e = a + m.start(1), a + m.end(1)
        before = text[max(a, s - 30):s]
        after = text[e:e + 20]
        if re.search(r"\b(?:works?\s+like|methods?\s+like|papers?\s+like|used\s+in|or\s+in)\s+$", before, re.I) \
                or re.match(r"\s+(?:paper|method|approach)\b", after):
            out.append(Mention(None, tok, s, e, "alias", "", score=0.55))
    return out


# -- putting it together ---------------------------------------------------------------------

def _hints(sentence: str) -> tuple[list[str], list[int]]:
    authors = [m.group(1).split()[0] for m in _ET_AL.finditer(sentence)]
    authors += [m.group(1).split()[-1] for m in re.finditer(
        r"\bby\s+([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)?)", sentence)]
    years = [int(y) for y in re.findall(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.])", sentence)]
    return authors, years


def extract(text: str, *, file: str | None = None, aliases: AliasTable | None = None) -> list[Mention]:
    """Every candidate mention in ``text``, in document order."""
    spans = sentence_spans(text)

    def sentence_of(pos: int) -> tuple[int, int]:
        for s, e in spans:
            if s <= pos < e:
                return s, e
        return pos, pos

    cands: list[Mention] = []
    cands += find_ids(text)
    if aliases is not None:
        for h in aliases.find(text):
            kind = "author-ref" if re.search(r"\bet al\b|['\u2019]s\b", h.name) else "alias"
            cands.append(Mention(None, h.name, h.start, h.end, kind, "", id=h.alias.id, score=0.9,
                                 alias_title=h.alias.title if not h.alias.id else None,
                                 alias_kind=h.alias.kind if h.alias.kind != "paper" else None))
    for s, e in spans:
        for run in _runs(text, s, e):
            cands.append(_title_mention(text, run, s))
        for cs, ce, score in _cue_spans(text, s, e) + _quoted_spans(text, s, e):
            m = Mention(None, text[cs:ce], cs, ce, "title", "", score=score)
            m.truncated = _truncated_after(text, ce)
            cands.append(m)
        cands += _author_refs(text, s, e)
        cands += _nickname_candidates(text, s, e)
    cands = [c for c in cands if c.kind != "title" or c.score >= MIN_SCORE]
    kept = _resolve_overlaps(text, cands)
    for m in kept:
        s, e = sentence_of(m.start)
        m.file = file
        m.sentence = text[s:e].strip() if e > s else text[max(0, m.start - 100):m.end + 100].strip()
        authors, years = _hints(m.sentence)
        m.authors = list(dict.fromkeys(m.authors + authors))
        m.years = list(dict.fromkeys(m.years + years))
        m.norm = normalise(m.surface)
    return kept


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
    rank = lambda c: (_PRIORITY[c.kind] if c.id is None or c.kind != "author-ref" else 4.5,
                      c.score, c.end - c.start)
    cands.sort(key=rank, reverse=True)
    kept: list[Mention] = []
    for c in cands:
        clash = [k for k in kept if k.start < c.end and c.start < k.end]
        if not clash:
            kept.append(c)
            continue
        k = clash[0]
        if c.kind == "author-ref" and k.kind == "alias" and c.start <= k.start and k.end <= c.end and len(clash) == 1:
            # "Ada Smith's parity transformer": keep the reference, take the alias's id
            c.id, c.alias_title, c.alias_kind = k.id, k.alias_title, k.alias_kind
            c.score = max(c.score, k.score)
            kept[kept.index(k)] = c
            continue
        if c.kind == "title" and len(clash) == 1 and k.kind == "alias" and c.start == k.start and k.end < c.end \
                and (k.id or k.alias_title) and re.match(r"\s*:", text[k.end:c.end]):
            # "FooNet: A Longer Title": the full title, known through its nickname
            c.id, c.alias_title, c.alias_kind, c.score = k.id, k.alias_title, k.alias_kind, max(c.score, k.score)
            kept[kept.index(k)] = c
            continue
        if c.kind == "title" and k.kind in ("alias", "author-ref") and c.score >= 0.65 \
                and all(c.start < x.start and x.end <= c.end + len(_cue_word(text, c.end)) and x.id != c.id for x in clash) \
                and len(_TOKEN.findall(c.surface)) >= 4:
            # "the Acquisition of Chess Knowledge in FooZero paper": a nickname inside a title
            for x in clash:
                kept.remove(x)
            kept.append(c)
            continue
        if c.kind == "title" and len(clash) == 1 and k.kind in ("alias", "author-ref", "doi", "arxiv", "url") \
                and c.start <= k.start and k.end <= c.end:
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
    """"Some Title of a Paper (Smith et al. 2023)": the author reference in brackets right after
    a title is a hint about that title, not a second work."""
    out: list[Mention] = []
    for m in mentions:
        if m.kind == "author-ref" and out and re.fullmatch(r"\s*\(\s*(?:the\s+)?", text[out[-1].end:m.start]) \
                and m.id in (None, out[-1].id):
            out[-1].authors = list(dict.fromkeys(out[-1].authors + m.authors))
            out[-1].years = list(dict.fromkeys(out[-1].years + m.years))
            continue
        out.append(m)
    return out


def _cue_word(text: str, end: int) -> str:
    m = re.match(r"\s+(?:paper|post|report|article|book)\b", text[end:end + 12])
    return m.group(0) if m else ""


def _trim_around(text: str, title: Mention, inner: Mention) -> Mention | None:
    left = text[title.start:inner.start]
    right = text[inner.end:title.end]
    left = re.sub(r"(?:\s+(?:and|or|the|of)|[\s,(]|\bthe)+$", "", left)
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
