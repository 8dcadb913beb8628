"""The real API's odd but normal data, as fixed properties of the corpus (not random faults).

Recorded answers show unresolved entries (``paperId: null``) as a fixed share of a list: 34%
of one reference list, 0.4% of one citation list. Users report lists with the same paper
twice, ``referenceCount`` 0 for a paper with 150 references, ``citationCount`` above what the
list serves, and a work known under two paperIds (the arXiv preprint and the venue version,
each with its own citers). :func:`add_oddities` gives a generated corpus all of these, from
the seed, so every run serves the same oddities and a test can name them
(:class:`Oddities`). Lazy citers of real works (kb.standin.scale) are unresolved at the
citation-list rate, decided per entry by a hash.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: Share of a citation list that S2 cannot resolve (recorded: 0.4%).
CITATION_NULL_SHARE = 0.004
_STUB_TITLES = (
    "Personal communication", "Technical report", "Lecture notes", "Unpublished manuscript",
    "Blog post", "Dataset documentation", "Software package", "Thesis",
)


@dataclass
class Oddities:
    """What :func:`add_oddities` did, by paperId: the answer key for tests."""

    null_references: dict[str, int] = field(default_factory=dict)   # paper -> unresolved refs
    null_citations: dict[str, int] = field(default_factory=dict)
    duplicated: dict[str, str] = field(default_factory=dict)       # paper -> "references"|"citations"
    reference_count_zero: list[str] = field(default_factory=list)
    citation_count_above: dict[str, int] = field(default_factory=dict)  # paper -> served count
    twins: dict[str, str] = field(default_factory=dict)            # preprint -> venue version


def reference_null_share(rng: random.Random) -> float:
    """A reference list's unresolved share: none for a third of lists, a few percent for
    most, a third or more for one in twenty (old books, reports, web pages)."""
    u = rng.random()
    if u < 0.35:
        return 0.0
    if u < 0.8:
        return rng.uniform(0.02, 0.1)
    if u < 0.95:
        return rng.uniform(0.1, 0.25)
    return rng.uniform(0.3, 0.4)


def add_oddities(corpus, seed: int) -> Oddities:
    """Give the corpus the real API's oddities (see the module docstring); returns them."""
    rng = random.Random(f"oddities:{seed}")
    odd = Oddities()
    records = corpus.records_view()
    papers = [i for i, r in enumerate(records) if r["paperId"] is not None]
    stubs = [corpus.add_stub(f"{rng.choice(_STUB_TITLES)} {n}", year=rng.randint(1980, 2024))
             for n in range(400)]
    refs, cits = corpus._refs, corpus._cits
    _add_twins(corpus, rng, papers, odd)
    for i in papers:
        pid = records[i]["paperId"]
        share = reference_null_share(rng)
        if refs[i] and share:
            n = max(1, round(share / (1 - share) * len(refs[i])))
            for _ in range(n):
                stub = stubs[rng.randrange(len(stubs))]
                refs[i].insert(rng.randint(0, len(refs[i])), stub)
                cits[stub].append(i)
            odd.null_references[pid] = n
        if len(cits[i]) >= 100:
            n = round(CITATION_NULL_SHARE * len(cits[i]) + rng.random())
            for _ in range(n):
                stub = stubs[rng.randrange(len(stubs))]
                cits[i].insert(rng.randint(0, len(cits[i])), stub)
                refs[stub].append(i)
            if n:
                odd.null_citations[pid] = n
        u = rng.random()
        if u < 0.03 and len(refs[i]) >= 5:  # the same paper twice in a list
            at = rng.randrange(len(refs[i]))
            refs[i].insert(at + 1, refs[i][at])
            odd.duplicated[pid] = "references"
        elif u < 0.06 and len(cits[i]) >= 20:
            at = rng.randrange(len(cits[i]))
            cits[i].insert(at + 1, cits[i][at])
            odd.duplicated[pid] = "citations"
    corpus._changed()
    for i in papers:
        pid = records[i]["paperId"]
        u = rng.random()
        if u < 0.01 and len(refs[i]) >= 20:
            corpus.set_served_count(i, "referenceCount", 0)
            odd.reference_count_zero.append(pid)
        elif u < 0.03 and cits[i]:
            served = len(cits[i]) + max(1, round(len(cits[i]) * rng.uniform(0.02, 0.3)))
            corpus.set_served_count(i, "citationCount", served)
            odd.citation_count_above[pid] = served
    corpus.oddities = odd
    return odd


def _add_twins(corpus, rng: random.Random, papers: list[int], odd: Oddities) -> None:
    """A venue version for 3% of the arXiv preprints: its own paperId, CorpusId and DOI, the
    same title, authors and references; a third of the preprint's citers cite it instead."""
    from kb.standin import vocab
    from kb.standin.generate import _venue_obj

    records = corpus.records_view()
    venues = [v for v in vocab.VENUES if v[0] != "arXiv.org"]
    works = set(corpus.work_ids)
    for i in papers:
        rec = records[i]
        ext = rec.get("externalIds") or {}
        if not ext.get("ArXiv") or rec.get("_hub") or rec["paperId"] in works or (rec.get("year") or 0) > 2024 or rng.random() >= 0.03:
            continue
        name, kind, alternates, types = rng.choice(venues)
        year = rec["year"] + rng.choice((0, 0, 1))
        twin = corpus.add_paper({
            "title": rec["title"], "abstract": rec["abstract"], "authors": rec["authors"],
            "year": year, "publicationDate": f"{year}-{rng.randint(1, 12):02d}-15",
            "venue": name, "publicationVenue": _venue_obj(name, kind, alternates),
            "publicationTypes": list(types), "fieldsOfStudy": rec["fieldsOfStudy"],
            "externalIds": {"DOI": f"10.5555/standin-venue.{year}.{rec['corpusId']}"},
            "paperId": f"{int(rec['paperId'], 16) ^ 0x5A5A:040x}",
        })
        t = corpus.index_of(twin)
        corpus.records_view()[t]["_topic"] = rec.get("_topic")
        for cited in list(corpus._refs[i]):
            corpus.add_citation(t, cited)
        for citer in list(corpus._cits[i])[::3]:
            corpus._cits[i].remove(citer)
            corpus._refs[citer].remove(i)
            corpus.add_citation(citer, t)
        odd.twins[rec["paperId"]] = twin
