"""Known work titles: the evidence that tells a sentence-case title in running prose from prose.

A title written in sentence case in the middle of a sentence, without quotes, a link or a cue
word ("... as shown in language models are few-shot learners, ..."), has nothing in its shape that
offline rules can see. What does tell it from prose is that it is, word for word, the title of a
known work. kb ships a gazetteer of such titles (``known_titles.tsv.gz`` beside this module,
built by ``scripts/build_known_titles.py`` from curated paper lists, the Alignment Forum's posts
and kb's own data) and :func:`find` marks where a text writes one: case-insensitive, tolerant of
punctuation and hyphens ("few-shot" / "few shot"), and of a title cut off before its colon.

A title that is also an ordinary phrase would turn prose into citations ("Deep learning",
"Attention", "Reinforcement learning: an introduction"), so the build keeps only
:func:`distinctive` titles, and a short or plain one (:func:`needs_capitals`) counts only where
the text capitalises it like a title.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER_PATH = Path(__file__).with_name("known_titles.tsv.gz")

# Titles (or the part of a title before its colon) shorter than this are phrases, not names.
MIN_WORDS = 3
# From this many words on, a title counts in any case; shorter ones must be capitalised as a
# title ("Toy Models of Superposition", not "toy models of superposition").
ANY_CASE_WORDS = 5
# A title whose every content word is common needs this many words to be more than a phrase
# ("A Survey of Large Language Models" is a phrase too).
ALL_COMMON_WORDS = 6
# The words most title lists use count as common ("learning", "models"): the build reads them,
# ranked once, from data/known_titles/common_words.txt.
COMMON_TOP = 300
KEY_WORDS = 3                     # the index is keyed by a title's first words
# A title made only of words prose uses commonly ("Goodhart's Law in reinforcement learning")
# counts in any case only from this many words on; shorter, it must be capitalised as a title.
PLAIN_ANY_CASE_WORDS = 7

# Words a title uses between its content words; a title of these alone names nothing.
TITLE_FUNCTION_WORDS = frozenset("""
a an the of in on for to with via from by as at and or is are be vs versus into through without
beyond toward towards about under over between across not can do does its their your you we our
it when what why how all than that this using within per up out i my me us he she they them his her
was were been being has have had will would should could may might must shall just so if but no yes
""".split())

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# What may stand between two words of a title as written: spaces, hyphens and dashes, a colon,
# a comma, quotes, a slash or an ampersand; not a sentence's end, a paragraph break or brackets.
_GAP = re.compile(r"[ \t\-\u2010-\u2015:,;'\"\u2018-\u201d/&*_]*(?:\n[ \t]*)?[ \t\-\u2010-\u2015:,'\"\u2018-\u201d/&*_]*")


def _fold(word: str) -> str:
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return word.lower().replace("'", "").replace("\u2019", "")


def title_words(text: str) -> list[str]:
    """The comparison form of a title: its words, folded (case, accents, apostrophes), without
    the punctuation and hyphens between them."""
    if text.isascii():                # the common case, and the same result, fast: the gazetteer's load time
        low = text.lower()
        return [w.replace("'", "") for w in _WORD.findall(low)] if "'" in low else _WORD.findall(low)
    return [_fold(w) for w in _WORD.findall(text)]


def common_words(keys) -> frozenset[str]:
    """The function words and the :data:`COMMON_TOP` words the most sources' titles share.

    ``keys`` are folded titles, or (folded title, source) pairs. A word ranks by how many
    sources use it in a title, then by how many titles: words every list writes ("learning",
    "models", "improving") are common, while the topic of one or two long lists ("unlearning",
    "jailbreak", "diffusion") is not, so adding a topical list does not turn that topic's short
    titles ("Large Language Model Unlearning") into phrases. Plain keys are each their own source.
    The build ranks them over a fixed set of reference lists, not over its sources of the day
    (``scripts/build_known_titles.py``, ``frozen_common_words``)."""
    df: Counter[str] = Counter()
    users: dict[str, set[str]] = {}
    for n, k in enumerate(keys):
        key, source = (k, n) if isinstance(k, str) else k
        for w in set(key.split()) - TITLE_FUNCTION_WORDS:
            df[w] += 1
            users.setdefault(w, set()).add(source)
    ranked = sorted(df, key=lambda w: (-len(users[w]), -df[w], w))
    return frozenset(TITLE_FUNCTION_WORDS) | set(ranked[:COMMON_TOP])


def distinctive(title: str, common: frozenset[str], phrases: frozenset[tuple[str, ...]] = frozenset()) -> str | None:
    """None when the title names a work and not a phrase, else why it is a phrase: fewer than
    :data:`MIN_WORDS` words, fewer than two content words, only common words and fewer than
    :data:`ALL_COMMON_WORDS` words, or a short title that prose uses as a phrase (``phrases``:
    the short titles a corpus of prose writes more than once, "Direct Preference Optimization")."""
    words = title_words(title)
    content = [w for w in words if w not in TITLE_FUNCTION_WORDS and not w.isdigit()]
    if len(words) < MIN_WORDS:
        return "fewer than three words"
    if len(content) < 2:
        return "fewer than two content words"
    if all(w in common for w in content) and len(words) < ALL_COMMON_WORDS:
        return "only common words"
    if len(words) < ANY_CASE_WORDS and tuple(words) in phrases:
        return "a phrase prose uses"
    return None


def needs_capitals(words: list[str], prose_common: frozenset[str]) -> bool:
    """Whether a title (its :func:`title_words`) counts only where the text capitalises it:
    fewer than :data:`ANY_CASE_WORDS` words, or only words prose uses commonly and fewer than
    :data:`PLAIN_ANY_CASE_WORDS`."""
    content = [w for w in words if w not in TITLE_FUNCTION_WORDS and not w.isdigit()]
    return len(words) < ANY_CASE_WORDS or (len(words) < PLAIN_ANY_CASE_WORDS and all(w in prose_common for w in content))


@dataclass(frozen=True)
class Known:
    title: str                    # the work's full title
    words: tuple[str, ...]        # what the text must hold (the full title, or its part before the colon)
    sources: str                  # where the title comes from ("github,alignment-forum")
    cut_off: bool = False         # ``words`` is the part before the colon
    capitals: bool = True         # counts only where the text capitalises it (:func:`needs_capitals`)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    known: Known


class Gazetteer:
    """The gazetteer's titles keyed by their first :data:`KEY_WORDS` words. A text meets a few
    hundred of its 17k keys, so a title becomes a :class:`Known` (its full words, its flags) only
    when its key is first looked up: building all of them cost 0.1 s of every ``kb mentions``."""

    def __init__(self, rows: dict[tuple[str, ...], list[tuple[str, str, str, bool]]]):
        self._rows = rows                 # key -> (title, sources, words as written, cut off) in file order
        self._known: dict[tuple[str, ...], tuple[Known, ...]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: tuple[str, ...], default: tuple = ()) -> tuple[Known, ...]:
        """The titles under a key, longest first."""
        known = self._known.get(key)
        if known is None:
            rows = self._rows.get(key)
            if rows is None:
                return default
            ks = [Known(title, tuple(title_words(written)), sources, cut_off=cut, capitals=capitals)
                  for title, sources, written, cut, capitals in rows]
            known = self._known[key] = (ks[0],) if len(ks) == 1 else tuple(sorted(ks, key=lambda k: -len(k.words)))
        return known


@lru_cache(maxsize=1)
def index(path: Path = GAZETTEER_PATH) -> Gazetteer:
    """The gazetteer keyed by its titles' first :data:`KEY_WORDS` words, longest first; read once,
    on first use (empty when the file is missing, as in a source tree not built yet). The build
    writes each title's key beside it (:func:`key_column`): working out the 21k keys here was
    half of the load, 0.04 s of every ``kb mentions``; a line without one gets it worked out.
    The index itself is kept beside kb's bytecode (:mod:`kb.pycache`), stamped with CRCs of the
    file and of this module (whose code folds the words of the keys it works out): read back in
    C, it loads in a third of the 0.045 s of CPU parsing the file takes."""
    from kb import pycache

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Gazetteer({})
    code = Path(__file__).read_bytes()
    stamp = (f"kb-gazetteer-1 {len(data)} {zlib.crc32(data)} {zlib.crc32(code)} "
             f"{unicodedata.unidata_version}").encode()
    kept = pycache.cache_path("known_titles") if path == GAZETTEER_PATH else None
    by_key = pycache.read(kept, stamp)
    if not isinstance(by_key, dict):
        by_key = _parsed(data)
        if pycache.may_write():
            pycache.write(kept, stamp, by_key)
    return Gazetteer(by_key)


def _parsed(data: bytes) -> dict[tuple[str, ...], list]:
    """The gazetteer file's titles by key, as :class:`Gazetteer` takes them."""
    by_key: dict[tuple[str, ...], list] = {}
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    for line in lines:
        if not line or line.startswith("#"):
            continue
        title, sources, main, flags, key = (line.split("\t") + ["", "", "", ""])[:5]
        by_key.setdefault(tuple(key.split(" ")) if key else _key(title), []).append(
            (title, sources, title, False, "T" in flags))
        if main:
            by_key.setdefault(_key(main), []).append((title, sources, main, True, "M" in flags))
    return by_key


def _key(title: str) -> tuple[str, ...]:
    """A title's first :data:`KEY_WORDS` words: read from its first 40 characters when a word
    starts after them (then the last of those is whole), so the 17k titles load in 23 ms, not 37."""
    words = title_words(title[:40])
    return tuple((words if len(words) > KEY_WORDS else title_words(title))[:KEY_WORDS])


def key_column(title: str) -> str:
    """The gazetteer file's last column: the title's index key, its words joined by spaces (empty,
    so worked out on loading, in the odd case of a folded word holding a space)."""
    words = _key(title)
    return "" if any(" " in w for w in words) else " ".join(words)


def _title_cased(surface: str) -> bool:
    """Every content word capitalised (or a number): how a short or plain title stands out from prose."""
    return all(w[0].isupper() or w[0].isdigit() for w in _WORD.findall(surface) if _fold(w) not in TITLE_FUNCTION_WORDS)


def _clipped(surface: str) -> bool:
    """"neurons in Large Language Models": a lower-case first word before capitalised ones (an
    acronym or a subtitle after the colon aside) is the tail of a longer phrase, not a title
    written in sentence case."""
    words = [w for w in _WORD.findall(surface.split(":", 1)[0]) if _fold(w) not in TITLE_FUNCTION_WORDS]
    return bool(words) and words[0][0].islower() and any(w[0].isupper() and w[1:].islower() for w in words[1:])


_LINE_OPENER = re.compile(r"[ \t]*(?:[-*\u2022]|\d{1,3}[.):])?[ \t]*\Z")
_LINE_CLOSER = re.compile(r"[ \t]*[.:]?[ \t]*(?:\n|\Z)")


def _alone_on_its_line(text: str, start: int, end: int) -> bool:
    """"1: What is ambitious value learning?" on a line of its own: a line holding nothing but the
    title (a bullet or a number before it) sets it apart from prose as capitals would."""
    return bool(_LINE_OPENER.match(text[text.rfind("\n", 0, start) + 1:start])) and bool(_LINE_CLOSER.match(text, end))


def find(text: str, path: Path = GAZETTEER_PATH) -> list[Hit]:
    """Where the text writes a known title, left to right, the longest title at each place."""
    idx = index(path)
    if not idx:
        return []
    toks = list(_WORD.finditer(text))
    words = [_fold(t.group()) for t in toks]
    out: list[Hit] = []
    i = 0
    while i <= len(toks) - KEY_WORDS:
        for k in idx.get(tuple(words[i:i + KEY_WORDS]), ()):
            n = len(k.words)
            if tuple(words[i:i + n]) != k.words:
                continue
            if any(not _GAP.fullmatch(text, toks[j].end(), toks[j + 1].start()) for j in range(i, i + n - 1)):
                continue
            start, end = toks[i].start(), toks[i + n - 1].end()
            if not k.cut_off and k.title[-1:] in "?!" and text[end:end + 1] == k.title[-1]:
                end += 1                  # "How likely is deceptive alignment?"
            surface = text[start:end]
            if (k.capitals and not _title_cased(surface) and not _alone_on_its_line(text, start, end)) or _clipped(surface):
                continue
            out.append(Hit(start, end, k))
            i += n - 1
            break
        i += 1
    return out
