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
import hashlib
import itertools
import random
import re
import uuid
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
)

_VENUE_NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
TLDR_MODEL = "tldr@v2.0.0"


def _venue_obj(name: str, kind: str | None, alternates: list[str]) -> dict:
    return {"id": str(uuid.uuid5(_VENUE_NS, name)), "name": name, "type": kind,
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
    """Titles, abstracts and tldrs from the vocabulary, reproducible per seed."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = taken

    def _pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def _slots(self) -> dict[str, str]:
        pick = self._pick
        c1, c2 = pick(vocab.CONCEPTS), pick(vocab.CONCEPTS)
        if c2 == c1:
            c2 = vocab.CONCEPTS[(vocab.CONCEPTS.index(c1) + 1) % len(vocab.CONCEPTS)]
        adj, prop, domain, method = (pick(vocab.ADJECTIVES), pick(vocab.PROPERTIES),
                                     pick(vocab.DOMAINS), pick(vocab.METHODS))
        acronym = pick(vocab.ACRONYM_PARTS) + pick(vocab.ACRONYM_PARTS) + pick(("", "", "-2", "++", "X"))
        rnd = self.rng.random
        return {"adj": adj, "concept": c1, "concept2": c2, "prop": prop, "domain": domain,
                "method": method, "acronym": acronym, "adj_l": adj.lower(), "concept_l": c1.lower(),
                "concept2_l": c2.lower(), "prop_l": prop.lower(), "domain_l": domain.lower(),
                "method_l": method.lower(), "n": str(8 + int(rnd() * 293)), "pct": str(3 + int(rnd() * 59))}

    def paper(self, with_abstract: bool, with_tldr: bool) -> tuple[str, str | None, str | None]:
        pick = self._pick
        for _ in range(50):
            slots = self._slots()
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
            parts = [pick(vocab.ABSTRACT_OPENERS), pick(vocab.ABSTRACT_MIDDLES),
                     pick(vocab.ABSTRACT_RESULTS), pick(vocab.ABSTRACT_CLOSERS)]
            text = " ".join(p.format(**slots) for p in parts if p)
            abstract = text[0].upper() + text[1:]
        tldr = pick(vocab.TLDR_PATTERNS).format(**slots) if with_tldr else None
        return title, abstract, tldr


def generate_corpus(n_papers: int, seed: int = 0, works: Iterable[str | Path | dict] | None = None,
                    hub_citers: int | None = None, *, mean_refs: float = 20.0,
                    work_cite_prob: float = 0.2, work_attraction: int = 25,
                    min_work_citers: int = 3, recent_share: float = 0.35, base_attraction: int = 3,
                    start_year: int = 1990, end_year: int = 2026) -> Corpus:
    """Generate ``n_papers`` synthetic papers (plus the given real works) and their citations.

    ``works``: JSONL paths or already-loaded work dicts (only ``kind == "paper"`` is used).
    ``hub_citers``: also create one old hub paper cited by exactly this many papers (more
    papers are generated if needed), exposed as ``corpus.hub_id``.
    ``mean_refs``: average references per paper (lognormal; ~3% cite nothing).
    ``base_attraction``/``recent_share``: a paper's chance to be cited grows with
    (citations + base_attraction); ``recent_share`` of draws instead pick a recent paper
    uniformly, so new papers get cited too. ``work_attraction`` plays the part of
    ``base_attraction`` for real works, which also cite older real works with
    ``work_cite_prob`` and get at least ``min_work_citers`` citers when newer papers exist.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    work_list = _collect_works(works)
    n_gen = max(int(n_papers), int(hub_citers or 0), 0)
    has_hub = bool(hub_citers)

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

    for idx, (o, kind, local) in enumerate(nodes):
        if kind == 1:
            w = work_list[local]
            pid = standin_paper_id(w)
            cid = 250_000_000 + int(pid[:8], 16) % 40_000_000
            while cid in used_corpus:
                cid += 1
            used_corpus.add(cid)
            rec = _work_record(w, cid)
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
        else:
            title, abstract, tldr = texts.paper(prng.random() > 0.12, prng.random() < 0.15)
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
        })
        if kind == 0:
            corpus.hub_id = pid
    corpus._next_corpus_id = max(used_corpus | {300_000_000}) + 1

    # -- graph: preferential attachment with a recency mix --------------------------------
    sigma = 0.75
    k = np.rint(rng.lognormal(np.log(max(mean_refs, 0.1)) - sigma ** 2 / 2, sigma, total)).astype(np.int64)
    k[rng.random(total) < 0.03] = 0
    first_citable = 1 if has_hub else 0
    k = np.minimum(k, np.maximum(np.arange(total) - first_citable, 0))
    attraction = np.where(is_work, max(int(work_attraction), 1), max(int(base_attraction), 1))
    if has_hub:
        attraction[0] = 0
    urn = np.empty(int(k.sum() + attraction.sum() + 16), dtype=np.int64)
    ulen = 0
    refs: list[Any] = [None] * total
    empty = np.empty(0, dtype=np.int64)
    integers = rng.integers
    for i in range(total):
        ki = int(k[i])
        if ki and ulen:
            m = ki + ki // 2 + 2
            n_recent = int(m * recent_share)
            window = max(30, i // 10)
            lo = max(first_citable, i - window)
            draws = urn[integers(0, ulen, m - n_recent)]
            if n_recent and i > lo:
                draws = np.concatenate((draws, integers(lo, i, n_recent)))
            _, first = np.unique(draws, return_index=True)
            targets = draws[np.sort(first)][:ki]
            refs[i] = targets
            urn[ulen:ulen + len(targets)] = targets
            ulen += len(targets)
        else:
            refs[i] = empty
        a = int(attraction[i])
        if a:
            urn[ulen:ulen + a] = i
            ulen += a

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
    return corpus
