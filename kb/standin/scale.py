"""Real works at the real literature's scale: tens of thousands of citers, generated lazily.

On Semantic Scholar "Attention Is All You Need" has well over 100,000 citers and 40
references; a crawler that never meets such a list never meets the 10,000-entry window, the
hub penalty or a depth-2 frontier of a million papers. Materialising 150,000 citers per hub
would cost the stand-in gigabytes, so the citers of a real work beyond those the generated
graph gives it are *lazy*: citer ``k`` of work ``w`` is a pure function of (corpus seed, w, k)
(its paperId, CorpusId, title, authors, date, references), built only when a page, a batch
or an id lookup asks for it. Citer 0 is the newest; dates run back to the work's own date,
denser in recent years (ML's citations grow year on year), and merge with the generated
citers in the newest-first order the real API serves.

A lazy citer's paperId is 28 hex digits of a hash and 12 that encode (w, k), so any id form
the crawler sends back resolves without an index; its CorpusId is ``LAZY_CORPUS_BASE + w *
1,000,000 + k``. It cites its work and a few dozen older generated papers; those papers'
own citation lists do not list it (the one asymmetry, said in README.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

#: Internal indexes at or above this are lazy citers: LAZY_BASE + (work number << 28) + k.
LAZY_BASE = 1 << 40
_K_BITS = 28
_K_MASK = (1 << _K_BITS) - 1
LAZY_CORPUS_BASE = 600_000_000
_PER_WORK = 1_000_000

#: S2's citationCount and referenceCount of well-known works, by arXiv id: the order of
#: magnitude the S2 website showed in 2025 (rounded; inferred, not recorded answers).
REAL_SCALE: dict[str, tuple[int, int]] = {
    "1706.03762": (150_000, 40),    # Attention Is All You Need
    "1412.6980": (190_000, 30),     # Adam
    "1512.03385": (220_000, 50),    # ResNet
    "1810.04805": (110_000, 60),    # BERT
    "2005.14165": (40_000, 145),    # GPT-3
    "1910.10683": (21_000, 130),    # T5
    "1406.2661": (70_000, 35),      # GAN
    "1312.6114": (35_000, 30),      # VAE
    "2006.11239": (20_000, 65),     # DDPM
    "1707.06347": (25_000, 35),     # PPO
    "1412.6572": (20_000, 30),      # FGSM
    "1312.6199": (17_000, 30),      # Intriguing properties
    "2001.08361": (5_000, 60),      # Scaling laws
    "1803.03635": (4_000, 50),      # Lottery ticket
    "2009.03300": (4_000, 40),      # MMLU
    "1706.03741": (3_500, 60),      # Deep RL from human preferences
    "1606.06565": (3_000, 150),     # Concrete problems
}


def _unit(*parts: Any) -> float:
    """A uniform number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha1(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def work_scale(work_key: str, arxiv: str | None, year: int | None) -> tuple[int, int]:
    """(citations, references) a real work has on the real API: the table above, else a
    lognormal draw fixed by the work's key, of about 40 citations per year of age (median)
    and 30-150 references."""
    if arxiv and arxiv in REAL_SCALE:
        return REAL_SCALE[arxiv]
    import math

    age = max(1, 2026 - (year or 2022))
    u1, u2 = max(_unit("cit", work_key), 1e-9), _unit("cit2", work_key)
    normal = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
    citations = int(min(8000, max(5, 40 * age * math.exp(0.9 * normal))))
    u = _unit("refs", work_key)
    references = 30 + int(u * 90) if u < 0.9 else 120 + int((u - 0.9) * 300)
    return citations, references


def unit_of(idx: int) -> float:
    """A uniform number in [0, 1) fixed by an internal index."""
    return ((idx * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) / 2 ** 64


def lazy_index(work_no: int, k: int) -> int:
    return LAZY_BASE + (work_no << _K_BITS) + k


def split_index(idx: int) -> tuple[int, int]:
    rest = idx - LAZY_BASE
    return rest >> _K_BITS, rest & _K_MASK


def lazy_paper_id(seed: int | None, work_no: int, k: int) -> str:
    head = hashlib.sha1(f"standin:citer:{seed}:{work_no}:{k}".encode()).hexdigest()[:28]
    return f"{head}{work_no:05x}{k:07x}"


def parse_lazy_paper_id(seed: int | None, paper_id: str) -> tuple[int, int] | None:
    """(work number, k) of a lazy citer's paperId, or None if it is not one."""
    pid = paper_id.lower()
    if len(pid) != 40:
        return None
    try:
        work_no, k = int(pid[28:33], 16), int(pid[33:], 16)
    except ValueError:
        return None
    return (work_no, k) if lazy_paper_id(seed, work_no, k) == pid else None


def lazy_corpus_id(work_no: int, k: int) -> int:
    return LAZY_CORPUS_BASE + work_no * _PER_WORK + k


def parse_lazy_corpus_id(corpus_id: int) -> tuple[int, int] | None:
    rest = corpus_id - LAZY_CORPUS_BASE
    if rest < 0:
        return None
    return divmod(rest, _PER_WORK)


def lazy_date(work_date: int, end: int, n: int, k: int) -> int:
    """The date ordinal of citer ``k`` of ``n`` (0 newest): non-increasing in k, from ``end``
    back to the work's date, denser in recent years."""
    span = max(0, end - work_date)
    return end - int(span * ((k + 0.5) / n) ** 1.3)


LAZY_SUBTITLES = ("{method} in {domain}", "Evidence from {domain}", "A Study with {method}",
                  "Lessons from {n} Experiments", "{method} Revisited", "The Case of {domain}",
                  "Results on {n} {domain}", "{method} at Scale")


def lazy_record(seed: int | None, work_no: int, k: int, date: int, topic: Any) -> dict:
    """The API-shaped record of one lazy citer (the corpus adds its references)."""
    from kb.standin import vocab
    from kb.standin.corpus import S2_PAPER_URL
    from kb.standin.generate import TLDR_MODEL, _TextMaker, _venue_obj

    pid = lazy_paper_id(seed, work_no, k)
    rng = random.Random(lazy_index(work_no, k) * 7919 + (seed or 0))
    title, abstract, tldr = _TextMaker(rng, set()).paper(topic, rng.random() > 0.12, rng.random() < 0.15)
    # Generated papers' titles are unique within a corpus; a lazy citer's has no corpus to check
    # against, so a subtitle keeps a hub's thousands of citers from sharing a few dozen titles.
    title = f"{title}: " + rng.choice(LAZY_SUBTITLES).format(
        method=rng.choice(vocab.METHODS), domain=rng.choice(topic.domains), n=2 + rng.randrange(40))
    day = dt.date.fromordinal(date)
    name, kind, alternates, types = rng.choice(vocab.VENUES)
    authors = []
    for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 6))):
        a = rng.randrange(200_000)
        first = vocab.FIRST_NAMES[a % len(vocab.FIRST_NAMES)]
        last = vocab.LAST_NAMES[(a // 7) % len(vocab.LAST_NAMES)]
        authors.append({"authorId": str(5_000_000 + a), "name": f"{first} {last}"})
    cid = lazy_corpus_id(work_no, k)
    return {
        "paperId": pid, "externalIds": {"CorpusId": cid}, "corpusId": cid,
        "publicationVenue": _venue_obj(name, kind, alternates), "url": S2_PAPER_URL + pid,
        "title": title, "abstract": abstract, "venue": name, "year": day.year,
        "isOpenAccess": False, "openAccessPdf": None, "fieldsOfStudy": ["Computer Science"],
        "s2FieldsOfStudy": [{"category": "Computer Science", "source": "s2-fos-model"}],
        "tldr": {"model": TLDR_MODEL, "text": tldr} if tldr else None,
        "publicationTypes": list(types), "publicationDate": day.isoformat(), "journal": None,
        "citationStyles": None, "authors": authors, "_declared": None, "_keywords": None,
        "_topic": topic.slug, "_hub": False, "_stub": False,
    }
