"""Synthetic corpora: a citation graph shaped like the real literature, of any size, per seed.

Crawler, ranking and benchmark behaviour depends on the shape of the graph far more than on
its text: a heavy-tailed citation count distribution (a few hubs, many papers cited once or
never), citations that only point back in time, a growth in output over the years, papers
with no references, and a hub past the API's 10,000-citation window. Preferential attachment
with a recency mix gives that shape cheaply: each new paper draws its references from an
"urn" where every citation received adds another ticket. Real works (from the JSONL files)
are placed in the same timeline, cite older real works, and attract generated citers, so a
crawl seeded from a real work walks into a real-looking graph.

Everything random comes from the seed, so a corpus is reproducible, and numpy does the
per-edge work so that 50,000 papers and a million edges take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import random
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from kb.standin import vocab
from kb.standin.corpus import (
    S2_PAPER_URL,
    Corpus,
    load_works,
    normalize_arxiv,
    normalize_title,
    standin_paper_id,
    work_key,
)

_VENUE_NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
TLDR_MODEL = "tldr@v2.0.0"


@functools.lru_cache(maxsize=512)
def _venue_id(name: str) -> str:
    return str(uuid.uuid5(_VENUE_NS, name))


def _venue_obj(name: str, kind: str | None, alternates: list[str]) -> dict:
    return {"id": _venue_id(name), "name": name, "type": kind,
            "alternate_names": list(alternates), "url": None}


_VENUE_BY_NAME = {}
for _name, _kind, _alts, _types in vocab.VENUES:
    for _key in [_name, *_alts]:
        _VENUE_BY_NAME[_key.casefold()] = (_name, _kind, _alts, _types)


def _collect_works(works: Iterable[str | Path | dict] | None) -> list[dict]:
    out: list[dict] = []
    seen: set[str] = set()
    for item in works or ():
        batch = [item] if isinstance(item, dict) else load_works(item)
        for w in batch:
            if (w.get("kind") or "paper") != "paper":
                continue
            pid = standin_paper_id(w)
            if pid not in seen:
                seen.add(pid)
                out.append(w)
    return out


def _author_id_for_name(name: str) -> str:
    return str(3_000_000_000 + int(hashlib.sha1(name.casefold().encode()).hexdigest()[:7], 16))


def _work_record(work: dict, corpus_id: int) -> dict:
    pid = standin_paper_id(work)
    ext: dict[str, Any] = {}
    arxiv = normalize_arxiv(str(work["arxiv"])) if work.get("arxiv") else None
    if arxiv:
        ext["ArXiv"] = arxiv
        ext["DBLP"] = "journals/corr/abs-" + arxiv.replace(".", "-").replace("/", "-")
    if work.get("doi"):
        ext["DOI"] = str(work["doi"]).strip()
    elif arxiv:
        ext["DOI"] = f"10.48550/arXiv.{arxiv}"
    ext["CorpusId"] = corpus_id
    venue = (work.get("venue") or "").strip() or ("arXiv.org" if arxiv else "")
    known = _VENUE_BY_NAME.get(re.sub(r"\s*'?\b(?:19|20)?\d{2}$", "", venue).strip().casefold())
    if known:
        venue = known[0]
        publication_venue = _venue_obj(known[0], known[1], known[2])
        types = list(known[3])
    else:
        publication_venue = _venue_obj(venue, None, []) if venue else None
        types = ["JournalArticle"]
    date = work.get("publication_date") or None
    year = work.get("year")
    if year is None and date:
        year = int(str(date)[:4])
    authors = [{"authorId": _author_id_for_name(n), "name": n} for n in work.get("authors") or []
               if isinstance(n, str) and n.strip()]
    journal = ({"name": "ArXiv", "volume": f"abs/{arxiv}"} if arxiv and not known
               else ({"name": venue} if venue else None))
    aliases = work.get("aliases") or []
    return {
        "paperId": pid, "externalIds": ext, "corpusId": corpus_id,
        "publicationVenue": publication_venue, "url": S2_PAPER_URL + pid,
        "title": work["title"], "abstract": work.get("abstract") or None, "venue": venue,
        "year": year, "isOpenAccess": bool(arxiv),
        "openAccessPdf": ({"url": f"https://arxiv.org/pdf/{arxiv}", "status": "GREEN", "license": None}
                          if arxiv else None),
        "fieldsOfStudy": ["Computer Science"],
        "s2FieldsOfStudy": [{"category": "Computer Science", "source": "external"},
                            {"category": "Computer Science", "source": "s2-fos-model"}],
        "tldr": {"model": TLDR_MODEL, "text": work["tldr"]} if work.get("tldr") else None,
        "publicationTypes": types, "publicationDate": date, "journal": journal,
        "citationStyles": None, "authors": authors,
        "_declared": None,
        "_keywords": " ".join(a for a in aliases if isinstance(a, str)) or None,
    }


class _TextMaker:
    """Titles, abstracts and tldrs from a topic's vocabulary, reproducible per seed."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = taken

    def _pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def _slots(self, topic: "Topic") -> dict[str, str]:
        pick = self._pick
        phrases = topic.phrases
        c1, c2 = pick(phrases), pick(phrases)
        if c2 == c1 and len(phrases) > 1:
            c2 = phrases[(phrases.index(c1) + 1) % len(phrases)]
        alignment = topic.group == "alignment"
        adj = pick(vocab.ADJECTIVES if alignment else vocab.NEUTRAL_ADJECTIVES)
        method = pick(vocab.METHODS if alignment else vocab.NEUTRAL_METHODS)
        prop, domain = pick(vocab.PROPERTIES), pick(topic.domains)
        acronym = pick(vocab.ACRONYM_PARTS) + pick(vocab.ACRONYM_PARTS) + pick(("", "", "-2", "++", "X"))
        rnd = self.rng.random
        return {"adj": adj, "concept": c1, "concept2": c2, "prop": prop, "domain": domain,
                "method": method, "acronym": acronym, "adj_l": adj.lower(), "concept_l": c1.lower(),
                "concept2_l": c2.lower(), "prop_l": prop.lower(), "domain_l": domain.lower(),
                "method_l": method.lower(), "n": str(8 + int(rnd() * 293)), "pct": str(3 + int(rnd() * 59))}

    def paper(self, topic: "Topic", with_abstract: bool,
              with_tldr: bool) -> tuple[str, str | None, str | None]:
        pick = self._pick
        for _ in range(50):
            slots = self._slots(topic)
            title = pick(vocab.TITLE_PATTERNS).format(**slots)
            key = normalize_title(title)
            if key not in self.taken:
                break
        else:  # pragma: no cover - the title space is far larger than any corpus
            title = f"{title} {len(self.taken)}"
            key = normalize_title(title)
        self.taken.add(key)
        abstract = None
        if with_abstract:
            alignment = topic.group == "alignment"
            openers = vocab.ABSTRACT_OPENERS[1:] if not alignment else vocab.ABSTRACT_OPENERS
            closers = vocab.ABSTRACT_CLOSERS if alignment else vocab.NEUTRAL_CLOSERS
            parts = [pick(openers), pick(vocab.ABSTRACT_MIDDLES),
                     pick(vocab.ABSTRACT_RESULTS), pick(closers)]
            text = " ".join(p.format(**slots) for p in parts if p)
            abstract = text[0].upper() + text[1:]
        tldr = pick(vocab.TLDR_PATTERNS).format(**slots) if with_tldr else None
        return title, abstract, tldr


# -- topics ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Topic:
    """One community of the generated literature: papers of a topic mostly cite each other
    and share its vocabulary (and, in their embeddings, its direction)."""

    slug: str
    group: str                 # "alignment" | "ml" | "other" | "generic" (the method hubs)
    share: float               # relative share of generated papers
    phrases: tuple[str, ...]   # what titles and abstracts talk about
    domains: tuple[str, ...]
    parent: str | None = None


GENERIC = "generic-methods"


_ACRONYMS = {"ai", "rl", "rlhf", "llm", "llms", "cot", "rlct", "waic", "mlp", "ntk", "sae", "saes"}


def _title_case(phrase: str) -> str:
    return " ".join(w.upper() if w in _ACRONYMS else w if w.isupper() else w[:1].upper() + w[1:]
                    for w in phrase.split())


def topic_table() -> list[Topic]:
    """The alignment themes of data/themes.toml (phrases: their whole-word keywords and name),
    then general ML and unrelated fields (kb.standin.vocab), then the generic method hubs."""
    from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy

    themes = list(load_taxonomy(DEFAULT_THEMES_FILE).themes.values())
    topics = []
    for theme in themes:
        phrases = [_title_case(k) for k in theme.keywords if "*" not in k and len(k) > 3]
        phrases.append(theme.name.split(" and ")[0].split(",")[0])
        topics.append(Topic(theme.slug, "alignment", vocab.ALIGNMENT_SHARE / len(themes),
                            tuple(dict.fromkeys(phrases)), vocab.DOMAINS, theme.parent))
    for slug, group, share, phrases, domains in vocab.OTHER_TOPICS:
        topics.append(Topic(slug, group, share, phrases, domains))
    topics.append(Topic(GENERIC, "generic", 0.0, ("Deep Learning",), vocab.DOMAINS))
    return topics


def _work_topic(work: dict, topics: list[Topic]) -> int:
    """The alignment topic whose phrases a real work's title and abstract name most often
    (title hits count double); works that name none are spread over the themes by their key."""
    title = normalize_title(work.get("title"))
    body = normalize_title(" ".join(str(work.get(k) or "") for k in ("abstract", "tldr")))
    best, best_score = None, 0.0
    for t, topic in enumerate(topics):
        if topic.group != "alignment":
            continue
        score = 0.0
        for phrase in topic.phrases:
            key = normalize_title(phrase)
            score += 2.0 * (f" {key} " in f" {title} ") + (f" {key} " in f" {body} ")
        if score > best_score:
            best, best_score = t, score
    if best is None:
        alignment = [t for t, topic in enumerate(topics) if topic.group == "alignment"]
        best = alignment[int(hashlib.sha1(work_key(work).encode()).hexdigest()[:8], 16) % len(alignment)]
    return best


def paper_topics(corpus: Corpus) -> dict[str, tuple[str | None, bool]]:
    """paperId -> (topic slug, is a generic method hub) for every generated or real paper:
    the answer key a ranking benchmark scores against. Not served to API clients."""
    return {rec["paperId"]: (rec.get("_topic"), bool(rec.get("_hub")))
            for rec in corpus._records if rec["paperId"] is not None}


def _cross_topic_weights(topics: list[Topic]):
    """Row t: where paper of topic t sends the references that leave its topic. Alignment
    papers cite their parent and sibling themes and general ML; ML cites ML and a little
    alignment; unrelated fields mostly each other; nobody's cross references go to the hubs
    (those are drawn separately)."""
    import numpy as np

    n = len(topics)
    w = np.zeros((n, n))
    for a, ta in enumerate(topics):
        for b, tb in enumerate(topics):
            if a == b or tb.group == "generic":
                continue
            if ta.group == "alignment":
                related = tb.slug in (ta.parent,) or (tb.parent is not None and tb.parent in (ta.parent, ta.slug))
                w[a, b] = {"alignment": 3.0 if related else 0.6, "ml": 1.0}.get(tb.group, 0.05)
            elif ta.group in ("ml", "generic"):
                w[a, b] = {"ml": 1.0, "alignment": 0.15, "other": 0.05}[tb.group]
            else:
                w[a, b] = {"other": 1.0, "ml": 0.5, "alignment": 0.02}[tb.group]
            w[a, b] *= max(tb.share, 0.5)
    return w / w.sum(axis=1, keepdims=True)


def _draw_references(rng, topics: list[Topic], node_topic, node_date, node_hub, attraction, *,
                     mean_refs: float, homophily: float, hub_share: float, recent_years: float,
                     first_citable: int) -> list:
    """Each paper's reference list (indices of older papers), drawn chunk by chunk.

    Papers are in date order; a chunk of consecutive papers draws from the papers before it
    with the citation counts as they stood, so the work is a few numpy calls per chunk and
    topic rather than per paper (20,000 papers take well under a second)."""
    import numpy as np

    total = node_topic.size
    n_topics = len(topics)
    chunk = max(8, min(128, total // 200))
    sigma = 0.75
    k = np.rint(rng.lognormal(np.log(max(mean_refs, 0.1)) - sigma ** 2 / 2, sigma, total)).astype(np.int64)
    k[rng.random(total) < 0.03] = 0
    k = np.minimum(k, np.maximum(np.arange(total) - first_citable, 0))
    k[node_topic < 0] = 0
    group_of = np.array([{"alignment": 0, "ml": 0, "generic": 0}.get(t.group, 1) for t in topics])
    p_hub = np.where(group_of[np.maximum(node_topic, 0)] == 0, hub_share, hub_share / 10)
    is_generic = node_topic == n_topics - 1
    p_same = np.where(is_generic, 0.0, homophily)
    cross = np.cumsum(_cross_topic_weights(topics), axis=1)
    members = [np.flatnonzero(node_topic == t) for t in range(n_topics)]
    hub_pos = np.flatnonzero(node_hub >= 0)
    hub_weight = 1.0 / (node_hub[hub_pos] + 1.0) ** 1.1
    hub_cum = np.cumsum(hub_weight)
    cites = np.zeros(total, dtype=np.float64)
    # some papers are simply more citable than others of their age (and many are never cited)
    fitness = rng.lognormal(-0.72, 1.2, total)
    day = 365.25
    half_window = 0.5 * day
    citing_parts, cited_parts = [], []
    for start in range(first_citable, total, chunk):
        stop = min(start + chunk, total)
        ks = k[start:stop]
        if not ks.any():
            continue
        draws = 2 * ks + 1                            # oversample: duplicates are dropped below
        citing = np.repeat(np.arange(start, stop), draws)
        u = rng.random(citing.size)
        hub_draw = u < p_hub[citing]
        same = ~hub_draw & (rng.random(citing.size) < p_same[citing])
        own = node_topic[citing]
        target_topic = own.copy()
        other = ~hub_draw & ~same
        if other.any():
            rows = cross[own[other]]
            target_topic[other] = np.minimum(
                (rows < rng.random(other.sum())[:, None]).sum(axis=1), n_topics - 1)
        cited = np.full(citing.size, -1, dtype=np.int64)
        # hubs: Zipf weights among the hubs already published
        n_old_hubs = int(np.searchsorted(hub_pos, start))
        if hub_draw.any() and n_old_hubs:
            where = np.flatnonzero(hub_draw)
            pick = np.searchsorted(hub_cum[:n_old_hubs], rng.random(where.size) * hub_cum[n_old_hubs - 1],
                                   side="right")
            cited[where] = hub_pos[np.minimum(pick, n_old_hubs - 1)]
        # topics: an age first, then rich-get-richer among the papers of about that age
        ages = np.where(rng.random(citing.size) < 6 / 7,
                        rng.exponential(recent_years * day, citing.size),
                        rng.exponential(4 * recent_years * day, citing.size))
        wanted = node_date[citing] - ages
        for t in np.unique(target_topic[~hub_draw]).tolist():
            mem = members[t][:int(np.searchsorted(members[t], start))]
            if t == n_topics - 1 or not mem.size:
                continue
            where = np.flatnonzero(~hub_draw & (target_topic == t))
            cum = np.cumsum((cites[mem] + attraction[mem]) * fitness[mem])
            dates = node_date[mem]
            hi = np.searchsorted(dates, wanted[where] + half_window, side="right")
            lo = np.searchsorted(dates, wanted[where] - half_window, side="left")
            hi = np.clip(hi, 1, mem.size)
            lo = np.minimum(lo, hi - 1)
            low = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
            x = low + rng.random(where.size) * (cum[hi - 1] - low)
            cited[where] = mem[np.minimum(np.searchsorted(cum, x, side="right"), mem.size - 1)]
        ok = cited >= 0
        citing, cited = citing[ok], cited[ok]
        # one edge per pair, at most k per paper, in the order drawn
        key = citing * total + cited
        _, first = np.unique(key, return_index=True)
        first.sort()
        citing, cited = citing[first], cited[first]
        rank = np.arange(citing.size) - np.searchsorted(citing, citing, side="left")
        keep = rank < k[citing]
        citing, cited = citing[keep], cited[keep]
        np.add.at(cites, cited, 1.0)
        citing_parts.append(citing)
        cited_parts.append(cited)
    empty = np.empty(0, dtype=np.int64)
    citing = np.concatenate(citing_parts) if citing_parts else empty
    cited = np.concatenate(cited_parts) if cited_parts else empty
    offsets = np.concatenate(([0], np.cumsum(np.bincount(citing, minlength=total))))
    return [cited[offsets[i]:offsets[i + 1]] for i in range(total)]


def generate_corpus(n_papers: int, seed: int = 0, works: Iterable[str | Path | dict] | None = None,
                    hub_citers: int | None = None, *, mean_refs: float = 20.0,
                    work_cite_prob: float = 0.2, work_attraction: int = 25,
                    min_work_citers: int = 3, base_attraction: int = 2,
                    start_year: int = 1990, end_year: int = 2026, homophily: float = 0.8,
                    hub_share: float = 0.12, hubs: int | None = None,
                    recent_years: float = 2.0, real_scale: bool = False, namesakes: bool = False,
                    max_citers: int | None = None) -> Corpus:
    """Generate ``n_papers`` synthetic papers (plus the given real works) and their citations.

    ``works``: JSONL paths or already-loaded work dicts (only ``kind == "paper"`` is used).
    ``hub_citers``: also create one old hub paper cited by exactly this many papers (more
    papers are generated if needed), exposed as ``corpus.hub_id``.
    ``mean_refs``: average references per paper (lognormal; ~3% cite nothing).

    Every paper belongs to one topic (:func:`topic_table`: the alignment themes, general ML,
    unrelated fields) and talks in its vocabulary. ``homophily`` of its references (those not
    to a method hub) go to its own topic, the rest to related topics. ``hub_share`` of the
    references of ML and alignment papers (a tenth of that elsewhere) go to ``hubs`` generic
    method papers (default: one per 400 papers, 4 to 40), picked with Zipf weights, so a few
    hubs collect thousands of citers from every topic. Within a topic a reference is picked
    by age first (mostly ``recent_years`` on average, as in ML where most references are a
    few years old; one in seven from a long tail), then among the papers of about that age
    in proportion to (citations + ``base_attraction``) times a per-paper fitness (lognormal):
    rich-get-richer, but of its time.
    ``work_attraction`` plays the part of ``base_attraction`` for real works, which also
    cite older real works with ``work_cite_prob`` and get at least ``min_work_citers``
    citers when newer papers exist. :func:`paper_topics` is the answer key.
    ``real_scale``: real works get the citation and reference counts they have on the real
    API (:mod:`kb.standin.scale`; citers beyond the generated ones are lazy), and the lists
    get the real API's oddities (:func:`kb.standin.oddities.add_oddities`). ``max_citers``: at
    real scale, top a real work's citers up to at most this many (the references' counts and the
    oddities stay real): a store crawled from such a corpus holds its shape at a fraction of the
    papers a request brings in.
    ``namesakes``: other people of the real authors' surnames, the real authors' other papers
    and split profiles (:mod:`kb.standin.namesakes`), as the real ``/author/search`` answers.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    work_list = _collect_works(works)
    n_gen = max(int(n_papers), int(hub_citers or 0), 0)
    has_hub = bool(hub_citers)
    topics = topic_table()
    generic = len(topics) - 1
    shares = np.array([t.share for t in topics])
    gen_topic = rng.choice(len(topics), size=n_gen, p=shares / shares.sum())

    # -- timeline: generated dates grow ~11%/year; works at their own dates -------------
    years = np.arange(start_year, end_year + 1)
    weights = np.exp(0.11 * (years - start_year))
    gen_years = rng.choice(years, size=n_gen, p=weights / weights.sum())
    gen_doy = rng.integers(0, 365, size=n_gen)
    gen_has_date = rng.random(n_gen) < 0.85
    base = {int(y): dt.date(int(y), 1, 1).toordinal() for y in years}
    gen_ord = np.array([base[int(y)] for y in gen_years], dtype=np.int64)
    gen_ord = gen_ord + np.where(gen_has_date, gen_doy, 0)
    gen_ord = np.minimum(gen_ord, np.array([dt.date(int(y), 12, 31).toordinal() for y in gen_years]))
    # the generic method hubs: generated papers of the deep-learning era, first is most cited
    n_hubs = min(n_gen, hubs if hubs is not None else min(40, max(4, n_gen // 400)))
    era = np.flatnonzero((gen_years >= max(start_year, 2008)) & (gen_years <= min(end_year - 3, 2021)))
    pool = era if era.size >= n_hubs else np.arange(n_gen)
    hub_local = rng.choice(pool, size=n_hubs, replace=False) if n_hubs else np.zeros(0, np.int64)
    hub_rank = np.full(n_gen, -1, dtype=np.int64)
    hub_rank[hub_local] = np.arange(n_hubs)
    gen_topic[hub_local] = generic

    nodes: list[tuple[int, int, int]] = []  # (date ordinal, kind 0 hub/1 work/2 generated, local)
    if has_hub:
        nodes.append((base[start_year], 0, 0))
    for w_i, w in enumerate(work_list):
        date = w.get("publication_date")
        year = w.get("year") or (int(str(date)[:4]) if date else None)
        if date:
            try:
                o = dt.date.fromisoformat(str(date)[:10]).toordinal()
            except ValueError:
                o = dt.date(int(year), 1, 1).toordinal() if year else 0
        else:
            o = dt.date(int(year), 1, 1).toordinal() if year else 0
        nodes.append((o, 1, w_i))
    nodes.extend((int(o), 2, g) for g, o in enumerate(gen_ord))
    nodes.sort()
    total = len(nodes)

    # -- records in chronological order ---------------------------------------------------
    corpus = Corpus()
    corpus.seed = seed
    taken = {normalize_title(w["title"]) for w in work_list}
    texts = _TextMaker(prng, taken)
    reserved_arxiv = {normalize_arxiv(str(w["arxiv"])) for w in work_list if w.get("arxiv")}
    used_corpus: set[int] = set()
    n_authors = max(30, n_gen // 3)
    author_weights = 1.0 / (np.arange(n_authors) + 8.0)
    author_weights /= author_weights.sum()
    author_draws = rng.choice(n_authors, size=n_gen * 6 + 8, p=author_weights).tolist()
    draw_pos = 0
    arxiv_seq: dict[str, int] = {}
    venue_cum = list(itertools.accumulate([6, 6, 6, 2, 3, 3, 10, 2, 2, 1, 1, 1, 1, 1, 1, 1]))
    venue_objs = {name: _venue_obj(name, kind, alts) for name, kind, alts, _ in vocab.VENUES}
    author_names: dict[int, tuple[str | None, str]] = {}
    is_work = np.zeros(total, dtype=bool)
    work_index: dict[int, int] = {}
    node_topic = np.full(total, -1, dtype=np.int64)     # -1: the hub_citers paper
    node_date = np.array([o for o, _k, _l in nodes], dtype=np.int64)
    node_hub = np.full(total, -1, dtype=np.int64)       # rank among the method hubs

    for idx, (o, kind, local) in enumerate(nodes):
        if kind == 1:
            w = work_list[local]
            pid = standin_paper_id(w)
            cid = 250_000_000 + int(pid[:8], 16) % 40_000_000
            while cid in used_corpus:
                cid += 1
            used_corpus.add(cid)
            rec = _work_record(w, cid)
            node_topic[idx] = _work_topic(w, topics)
            rec["_topic"], rec["_hub"] = topics[node_topic[idx]].slug, False
            corpus._append(rec)
            corpus.work_ids.append(pid)
            is_work[idx] = True
            work_index[idx] = local
            continue
        cid = 20_000_000 + 11 * idx
        used_corpus.add(cid)
        date = dt.date.fromordinal(o)
        year = date.year
        has_date = kind == 0 or bool(gen_has_date[local])
        if kind == 0:
            title = "Foundations of Safe and Beneficial Machine Intelligence"
            taken.add(normalize_title(title))
            abstract = ("We lay out a unifying framework for reasoning about the safety of learning "
                        "systems, and survey the open problems that the rest of the field builds on.")
            tldr = None
        elif hub_rank[local] >= 0:
            h = int(hub_rank[local])
            title = vocab.HUB_TITLES[h % len(vocab.HUB_TITLES)]
            if h >= len(vocab.HUB_TITLES):
                title += f": Part {h // len(vocab.HUB_TITLES) + 1}"
            taken.add(normalize_title(title))
            abstract = (f"We introduce {title[0].lower() + title[1:]}, a general method for "
                        "training deep networks, and show strong results across many tasks.")
            tldr = None
        else:
            title, abstract, tldr = texts.paper(topics[gen_topic[local]], prng.random() > 0.12,
                                                prng.random() < 0.15)
        if kind == 2:
            node_topic[idx] = gen_topic[local]
            node_hub[idx] = hub_rank[local]
        pid = hashlib.sha1(f"standin:gen:{seed}:{idx}:{title}".encode()).hexdigest()
        vname, vkind, valts, vtypes = prng.choices(vocab.VENUES, cum_weights=venue_cum)[0]
        no_venue = prng.random() < 0.12
        ext: dict[str, Any] = {}
        arxiv = None
        if (year >= 2008 and (vname == "arXiv.org" or prng.random() < 0.45)) and not no_venue:
            yymm = f"{year % 100:02d}{date.month:02d}"
            seq = arxiv_seq.get(yymm, 1000 + prng.randint(0, 400))
            while True:
                arxiv = f"{yymm}.{seq:05d}" if year >= 2015 else f"{yymm}.{seq:04d}"
                seq += 1
                if arxiv not in reserved_arxiv:
                    break
            arxiv_seq[yymm] = seq
            ext["ArXiv"] = arxiv
            ext["DBLP"] = "journals/corr/abs-" + arxiv.replace(".", "-")
        if prng.random() < 0.3:
            ext["MAG"] = str(2_000_000_000 + idx * 7 + seed % 7)
        if arxiv:
            ext["DOI"] = f"10.48550/arXiv.{arxiv}"
        elif prng.random() < 0.5:
            # "standin" in the suffix keeps generated DOIs clear of any real work's DOI
            ext["DOI"] = f"10.{prng.choice(('1145', '1109', '1007', '1016', '18653', '5555'))}/standin.{year}.{cid}"
        ext["CorpusId"] = cid
        n_auth = prng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8))
        authors = []
        seen_authors: set[int] = set()
        for _ in range(n_auth):
            a = author_draws[draw_pos % len(author_draws)]
            draw_pos += 1
            if a in seen_authors:
                continue
            seen_authors.add(a)
            known = author_names.get(a)
            if known is None:
                first = vocab.FIRST_NAMES[a % len(vocab.FIRST_NAMES)]
                last = vocab.LAST_NAMES[(a * 7 + a // len(vocab.FIRST_NAMES)) % len(vocab.LAST_NAMES)]
                known = (str(1_000_000 + a * 17 + seed % 17),
                         f"{first[0]}. {last}" if a % 3 == 0 else f"{first} {last}")
                author_names[a] = known
            # about 1% of S2 author entries carry no authorId
            authors.append({"authorId": None if prng.random() < 0.01 else known[0], "name": known[1]})
        if no_venue:
            venue, pvenue, types = "", None, (None if prng.random() < 0.5 else ["JournalArticle"])
            journal = None
        else:
            venue, pvenue, types = vname, venue_objs[vname], list(vtypes)
            if vname == "arXiv.org":
                journal = {"name": "ArXiv", "volume": f"abs/{arxiv}"} if arxiv else {"name": "ArXiv"}
            elif vkind == "journal":
                first_page = prng.randint(1, 900)
                journal = {"name": vname, "pages": f"{first_page}-{first_page + prng.randint(5, 30)}",
                           "volume": str(max(1, year - 1985))}
            else:
                first_page = prng.randint(1, 9000)
                journal = ({"pages": f"{first_page}-{first_page + prng.randint(6, 14)}"}
                           if prng.random() < 0.6 else None)
            if prng.random() < 0.05:
                types = types + ["Review"]
        open_access = bool(arxiv) or prng.random() < 0.2
        if arxiv:
            oa_pdf = {"url": f"https://arxiv.org/pdf/{arxiv}", "status": "GREEN", "license": None}
        elif open_access:
            oa_pdf = {"url": f"https://openreview.net/pdf?id={pid[:10]}", "status": "GOLD", "license": "CCBY"}
        else:
            oa_pdf = None if prng.random() < 0.5 else {"url": "", "status": None, "license": None}
        fos = ["Computer Science"] if prng.random() < 0.9 else None
        if fos and prng.random() < 0.15:
            fos.append(prng.choice(vocab.FIELDS_OF_STUDY[1:]))
        s2fos = [{"category": f, "source": "external"} for f in fos or []]
        s2fos.append({"category": "Computer Science", "source": "s2-fos-model"})
        if prng.random() < 0.1:
            s2fos.append({"category": prng.choice(vocab.FIELDS_OF_STUDY[1:]), "source": "s2-fos-model"})
        corpus._append({
            "paperId": pid, "externalIds": ext, "corpusId": cid, "publicationVenue": pvenue,
            "url": S2_PAPER_URL + pid, "title": title, "abstract": abstract, "venue": venue,
            "year": year, "isOpenAccess": open_access, "openAccessPdf": oa_pdf,
            "fieldsOfStudy": fos, "s2FieldsOfStudy": s2fos,
            "tldr": {"model": TLDR_MODEL, "text": tldr} if tldr else None,
            "publicationTypes": types, "publicationDate": date.isoformat() if has_date else None,
            "journal": journal, "citationStyles": None, "authors": authors,
            "_declared": None, "_keywords": None,
            "_topic": topics[node_topic[idx]].slug if kind == 2 else None, "_hub": kind == 2 and bool(hub_rank[local] >= 0),
        })
        if kind == 0:
            corpus.hub_id = pid
    corpus._next_corpus_id = max(used_corpus | {300_000_000}) + 1
    if namesakes:
        from kb.standin.namesakes import add_namesakes

        generated = [i for i in range(total) if not is_work[i] and nodes[i][1] == 2]
        corpus.namesake_slots = add_namesakes(corpus.records_view(), sorted(work_index), generated, seed)

    # -- graph: topic communities, method hubs, references of their time ---------------------
    attraction = np.where(is_work, max(int(work_attraction), 1), max(int(base_attraction), 1))
    refs = _draw_references(rng, topics, node_topic, node_date, node_hub, attraction,
                            mean_refs=mean_refs, homophily=homophily, hub_share=hub_share,
                            recent_years=recent_years, first_citable=1 if has_hub else 0)
    empty = np.empty(0, dtype=np.int64)

    # real works cite older real works, and every real work gets a few citers
    work_positions = sorted(work_index)
    extra: dict[int, set[int]] = {}
    for pos_n, i in enumerate(work_positions):
        for j in work_positions[:pos_n]:
            if nodes[j][0] <= nodes[i][0] and prng.random() < work_cite_prob:
                extra.setdefault(i, set()).add(j)
    cited_counts = np.bincount(np.concatenate([r for r in refs if len(r)] or [empty]), minlength=total)
    for w in work_positions:
        newer = total - 1 - w
        have = int(cited_counts[w]) + sum(1 for i, s in extra.items() if w in s)
        want = min(min_work_citers, newer)
        tries = 0
        while have < want and tries < 20 * want:
            tries += 1
            c = prng.randint(w + 1, total - 1)
            if w in extra.get(c, ()) or w in set(refs[c].tolist()):
                continue
            extra.setdefault(c, set()).add(w)
            have += 1
    if real_scale:
        _real_scale_references(prng, work_list, work_index, refs, extra, node_topic)
    if has_hub:
        citers = rng.choice(np.arange(1, total), size=int(hub_citers), replace=False)
        for c in citers.tolist():
            extra.setdefault(c, set()).add(0)
    for i, add in extra.items():
        refs[i] = np.concatenate((refs[i], np.fromiter(sorted(add), dtype=np.int64)))

    # -- adjacency lists in served order ----------------------------------------------------
    lens = np.fromiter((len(r) for r in refs), dtype=np.int64, count=total)
    citing = np.repeat(np.arange(total, dtype=np.int64), lens)
    cited = np.concatenate([r for r in refs if len(r)] or [empty]).astype(np.int64)
    order = np.lexsort((cited, citing))
    citing_s, cited_s = citing[order], cited[order]
    keep = np.ones(len(citing_s), dtype=bool)
    keep[1:] = (citing_s[1:] != citing_s[:-1]) | (cited_s[1:] != cited_s[:-1])
    citing_s, cited_s = citing_s[keep], cited_s[keep]
    ref_off = np.concatenate(([0], np.cumsum(np.bincount(citing_s, minlength=total))))
    flat_refs = cited_s.tolist()
    ref_lists = [flat_refs[ref_off[i]:ref_off[i + 1]] for i in range(total)]
    corder = np.lexsort((-citing_s, cited_s))
    cit_off = np.concatenate(([0], np.cumsum(np.bincount(cited_s, minlength=total))))
    flat_cits = citing_s[corder].tolist()
    cit_lists = [flat_cits[cit_off[j]:cit_off[j + 1]] for j in range(total)]
    corpus.set_sorted_edges(ref_lists, cit_lists)
    if real_scale:
        from kb.standin.oddities import add_oddities
        from kb.standin.scale import work_scale

        odd = add_oddities(corpus, seed)
        for pos, local in work_index.items():
            w = work_list[local]
            want, _ = work_scale(work_key(w), normalize_arxiv(str(w["arxiv"])) if w.get("arxiv") else None,
                                 w.get("year"))
            if max_citers is not None:
                want = min(want, max_citers)
            have = corpus.list_length(pos, "citations")
            if want > have:
                corpus.add_lazy_citers(pos, want - have)
                pid = corpus.records_view()[pos]["paperId"]
                if pid in odd.citation_count_above:  # a count above its list stays above it
                    served = want + odd.citation_count_above[pid] - have
                    corpus.set_served_count(pos, "citationCount", served)
                    odd.citation_count_above[pid] = served
    return corpus


def _real_scale_references(prng: random.Random, work_list: list[dict], work_index: dict[int, int],
                           refs: list, extra: dict[int, set[int]], node_topic) -> None:
    """Top each real work's references up to its real count: older papers, two in three of
    its own topic."""
    from kb.standin.scale import work_scale

    for pos, local in work_index.items():
        w = work_list[local]
        _, want = work_scale(work_key(w), normalize_arxiv(str(w["arxiv"])) if w.get("arxiv") else None,
                             w.get("year"))
        have = set(refs[pos].tolist()) | extra.get(pos, set())
        if len(have) > want and extra.get(pos):
            # "real works cite older real works" with a fixed chance draws more references the more
            # real works precede a recent one (a 2024 paper after a thousand of them: 200); its
            # real count is the list's length, so the drawn links to other real works beyond it go
            drop = sorted(j for j in extra[pos] if j in work_index)
            prng.shuffle(drop)
            for j in drop[:len(have) - want]:
                extra[pos].discard(j)
            continue
        if pos < 2 or len(have) >= want:
            continue
        same = [j for j in range(pos) if node_topic[j] == node_topic[pos]]
        tries = 0
        while len(have) < min(want, pos) and tries < 20 * want:
            tries += 1
            j = prng.choice(same) if same and prng.random() < 2 / 3 else prng.randrange(pos)
            if j not in have:
                have.add(j)
                extra.setdefault(pos, set()).add(j)
