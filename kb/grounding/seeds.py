"""Seed papers: resolving the works that documents name, and remembering where they were named.

A mention becomes a seed only when the resolver is confident: ids are looked up directly,
nicknames through the alias table, titles by the title-match endpoint and then by search,
accepted only when a normalised similarity (nudged by year and author hints from the sentence)
clears a threshold. Everything else is stored too, as ambiguous (with candidates), unresolved
(a work the API does not know: a forum post, a book, a typo) or rejected (a capitalised phrase
that named nothing), so that a user can see and fix it (``kb seed resolve``) instead of losing it.

Each distinct mention costs one resolution, whatever the number of documents and runs: the
answer is cached by its normalised text in ``resolution_cache``. Ids are looked up in one batch.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from kb.errors import NotFoundError, UsageError
from kb.grounding.aliases import AliasTable, normalise_id
from kb.grounding.mentions import (
    KEEP_SCORE,
    MAYBE,
    QUERY_SCORE,
    Mention,
    extract,
    is_hypothesis,
    normalise,
    read_text,
)
from kb.grounding.verify import match_confirming, refine, stored_matches, weighing_order, worth_checking
from kb.store import Store, utc_now

STATUSES = ("resolved", "ambiguous", "unresolved", "not-in-s2", "maybe", "rejected")
ACCEPT = 0.9            # similarity needed to accept a title
ACCEPT_WEAK = 0.96      # ... for a candidate that does not look much like a title
SAME_WORK = 0.75        # an alias id whose paper is this much like the table's title is that work
AMBIGUOUS = 0.75        # below ACCEPT but above this: kept with its candidates
SEARCH_LIMIT = 10
# A candidate the extractor listed as "maybe" becomes a work only when a real title confirms it
# (kb.grounding.verify), and is rejected when the best match is nothing like it; in between it
# stays for a human.
MAYBE_REJECT = 0.6
# The cache's mark on a maybe the title match rejected: one request ever, but a trusted mention
# of the same text is asked again.
MAYBE_CHECK = "maybe-check"
# At most this many "maybe" candidates of one run are weighed online (one request each).
MAYBE_REQUESTS = 40
# How many same-named authors the author route reads the papers of at a time, and how many times
# it reads that many more when none of their papers is convincingly the one.
AUTHOR_CANDIDATES = 3
AUTHOR_ROUNDS = 2
# How many people /author/search answers for a surname (one request whatever the number).
AUTHOR_SEARCH_LIMIT = 100
# When several of an author's papers fit a reference, the one whose title and abstract share the
# sentence's rare words (rare among the papers read: :func:`_rare_word_pick`) is the one cited
# when its weight is this many times the next paper's, over at least this many words (one more
# where some people of the surname went unread: more namesakes, more coincidences).
RARE_RATIO = 2.0
RARE_MIN_WORDS = 2
MANUAL_DOCUMENT = "(command line)"
_GENERIC = frozenset("paper papers post work book article essay report plan take quick thread results result "
                     "analysis model models transformer framework theorem argument agenda proposal sequence "
                     "series write up writeup critique talk preprint shortform study experiments experiment "
                     "blog survey".split())
_STOP = frozenset("a an the of in on for to with and or by as at from is are".split())
# words a sentence says anything with: no help in telling one paper from another
_FILLER = frozenset("like such where which that this these those their there them they more most some also been "
                    "have were into than then when what about other using used show shows showed shown found "
                    "finds find proposed propose introduced work works paper papers recent recently well very "
                    "many much only just even same each both wrote write writes written said says argued argues "
                    "noted notes called describes described".split())


@dataclass
class Outcome:
    status: str
    paper: dict | None = None             # the API's paper object when resolved
    paper_id: str | None = None           # its paperId (also when only the cache knew it)
    candidates: list[dict] = field(default_factory=list)
    resolved_by: str | None = None
    note: str | None = None
    cached: bool = False
    post: object | None = None            # a PostRecord when the mention names a forum post


def mention_key(m: Mention) -> str:
    """The cache key of a mention: its id, or the exact title an alias stands for, or its
    normalised text."""
    if m.id:
        return m.id.lower()
    if m.alias_title:
        return "title:" + normalise(m.alias_title)
    if m.kind == "author-ref":
        return "ref:" + m.norm
    return m.norm


# -- similarity ------------------------------------------------------------------------------

def title_similarity(mention: str, title: str, *, truncated: bool = False, nickname: bool = False) -> float:
    """How well ``mention`` matches ``title``, 0..1: the whole title, its main title before a
    colon ("Mind Children" for "Mind Children: The Future of ..."), or, for a title cut off
    mid-word, its beginning."""
    a = normalise(mention).split()
    b = normalise(title).split()
    if not a or not b:
        return 0.0
    if truncated and len(a) >= 3 and len(b) >= len(a) and b[:len(a) - 1] == a[:-1] and b[len(a) - 1].startswith(a[-1]):
        return 1.0 if len(a) >= 5 or len(a) / len(b) >= 0.6 else 0.92
    sa = " ".join(a)
    best = SequenceMatcher(None, sa, " ".join(b), autojunk=False).ratio()
    if ":" in title and (len(a) >= 2 or nickname):
        main = normalise(title.split(":", 1)[0])
        if main:
            best = max(best, SequenceMatcher(None, sa, main, autojunk=False).ratio())
    return best


def _id_answers_alias(m: Mention, title: str) -> bool:
    """Whether the paper an alias's id answered is the work the table names. A hand-kept table
    (kb's own or a user's `kb alias add`) can carry a mistyped id, which would seed the wrong
    paper without a word; an id that answers another title is looked up by the table's title
    instead."""
    if not title:
        return True
    return max(title_similarity(m.id_title, title), title_similarity(title, m.id_title)) >= SAME_WORK


def _hint_bonus(m: Mention, paper: dict) -> float:
    """A nudge to a title's similarity from the sentence's hints: a year within one of the
    paper's (a preprint and its venue version), a surname among its authors as whole words
    (:func:`_wrote`: "Li" is no hint for a paper by "Oliver Williams")."""
    bonus = 0.0
    year = paper.get("year")
    if m.years and isinstance(year, int):
        if any(abs(year - y) <= 1 for y in m.years):
            bonus += 0.03
        elif all(abs(year - y) > 2 for y in m.years):
            bonus -= 0.05
    if any(_wrote(paper, s) for s in m.authors):
        bonus += 0.03
    return bonus


def _candidate(paper: dict, score: float) -> dict:
    return {"paperId": paper.get("paperId"), "title": paper.get("title"), "year": paper.get("year"),
            "score": round(score, 3)}


# -- resolution ------------------------------------------------------------------------------

class Resolver:
    """Resolves mentions through the API, the alias table and the store's cache."""

    def __init__(self, client, store: Store | None = None, *, use_cache: bool = True, forum=None):
        self.client = client
        self.store = store
        self.use_cache = use_cache and store is not None
        self.requests_saved = 0
        self.warnings: list[str] = []
        # With a forum client, mentions Semantic Scholar cannot place are looked up on the forum.
        self.forum = forum

    async def resolve(self, mentions: list[Mention]) -> dict[str, Outcome]:
        """One outcome per distinct mention key."""
        by_key: dict[str, Mention] = {}
        for m in mentions:
            key = mention_key(m)
            if key not in by_key or (m.confidence != MAYBE, m.score) > (by_key[key].confidence != MAYBE,
                                                                         by_key[key].score):
                by_key[key] = m
        outcomes: dict[str, Outcome] = {}
        todo: dict[str, Mention] = {}
        for key, m in by_key.items():
            cached = self._cached(key) if self.use_cache else None
            if cached is not None and (cached.status == "maybe" or cached.resolved_by == MAYBE_CHECK) \
                    and m.confidence != MAYBE:
                cached = None             # weighed as a maybe before; trusted here
            if cached is not None:
                outcomes[key] = cached
                self.requests_saved += 1
            else:
                todo[key] = m
        ids = {k: m for k, m in todo.items() if m.id}
        if ids:
            outcomes.update(await self._resolve_ids(ids))
        # titles, nicknames and links first: the papers they find are evidence for the author
        # references of the same documents (:func:`named_in_documents`)
        rest = [(k, m) for k, m in todo.items() if not m.id and m.kind != "author-ref"]
        results = await asyncio.gather(*(self._resolve_one(m) for _, m in rest))
        outcomes.update({k: o for (k, _), o in zip(rest, results)})
        refs = [(k, m) for k, m in todo.items() if not m.id and m.kind == "author-ref"]
        named = named_in_documents(mentions, outcomes, {k for k, _ in refs})
        results = await asyncio.gather(*(self._resolve_ref(m, named.get(k, [])) for k, m in refs))
        outcomes.update({k: o for (k, _), o in zip(refs, results)})
        # then one the API left open takes the paper another reference of its document resolved,
        # when it fits: "Ouyang et al. (2022)" resolved, "Ouyang and his team" names it again
        left = {k: m for k, m in refs if outcomes[k].status != "resolved" and not m.alias_title
                and m.alias_kind not in ("book", "post")}
        cited = named_in_documents(mentions, outcomes, set(left), refs=True)
        for k, m in left.items():
            m = own_names(m)
            # the very year: another reference's paper is itself a pick, not a listed title
            fit = _one_edition([p for p in cited.get(k, []) if _fits_reference(m, p)
                                and (not m.years or p.get("year") in m.years)])
            if len(fit) == 1:
                outcomes[k] = Outcome("resolved", fit[0], fit[0]["paperId"], resolved_by="document",
                                      note="the paper another reference of its document to this author names")
        if self.forum is not None:
            from kb.grounding.posts import consult_forum

            self.warnings += await consult_forum(self.forum, todo, outcomes)
        return outcomes

    def _cached(self, key: str) -> Outcome | None:
        row = self.store.conn.execute(
            "SELECT status, paper_id, candidates, resolved_by FROM resolution_cache WHERE norm_text = ?",
            (key,)).fetchone()
        if row is None:
            return None
        if self.forum is not None and row["status"] != "resolved" and row["resolved_by"] != "forum":
            return None  # decided before the forum was consulted: ask again
        if row["status"] == "resolved":
            if not row["paper_id"] or self.store.paper_row(row["paper_id"]) is None:
                return None
        return Outcome(row["status"], None, row["paper_id"], json.loads(row["candidates"] or "[]"),
                       row["resolved_by"], cached=True)

    async def _resolve_ids(self, ids: dict[str, Mention]) -> dict[str, Outcome]:
        out: dict[str, Outcome] = {}
        need: list[str] = []
        answered: dict[str, str] = {}         # key -> the title an alias's id answered, to check it
        for key, m in ids.items():
            known = self._stored_paper_for_id(m.id) if self.store else None
            if known:
                out[key] = Outcome("resolved", None, known, resolved_by="alias" if m.kind == "alias" else "id")
                if m.id_title:
                    answered[key] = self.store.paper_row(known)["title"] or ""
            else:
                need.append(key)
        if need:
            answers = await self.client.get_papers([ids[k].id for k in need])
            for key, paper in zip(need, answers):
                m = ids[key]
                by = "alias" if m.kind in ("alias", "author-ref") else "id"
                if paper and paper.get("paperId"):
                    out[key] = Outcome("resolved", paper, paper["paperId"], resolved_by=by)
                    if m.id_title:
                        answered[key] = paper.get("title") or ""
                else:
                    out[key] = Outcome("unresolved", note=f"Semantic Scholar does not know {m.id}")
        wrong = [k for k, title in answered.items() if not _id_answers_alias(ids[k], title)]
        if wrong:
            found = await asyncio.gather(*(self._by_title(ids[k], ids[k].id_title, by="alias", strict=True)
                                           for k in wrong))
            for key, outcome in zip(wrong, found):
                m = ids[key]
                said = f"the alias table's id {m.id} for {m.surface!r} is {answered[key]!r}, not {m.id_title!r}"
                outcome.note = f"{said}: looked up by its title" + (f"; {outcome.note}" if outcome.note else "")
                self.warnings.append(f"{said}; looked up by its title instead (fix the id in the alias table)")
                out[key] = outcome
        return out

    def _stored_paper_for_id(self, pid: str) -> str | None:
        kind, _, value = pid.partition(":")
        sql = {"ARXIV": "SELECT paper_id FROM paper WHERE arxiv_id = ? AND detail_level >= 2",
               "DOI": "SELECT paper_id FROM paper WHERE doi = ? COLLATE NOCASE AND detail_level >= 2"}.get(kind.upper())
        if sql is None:
            if re.fullmatch(r"[0-9a-f]{40}", pid):
                row = self.store.conn.execute(
                    "SELECT paper_id FROM paper WHERE paper_id = ? AND detail_level >= 2", (pid,)).fetchone()
                return row[0] if row else None
            return None
        row = self.store.conn.execute(sql, (value,)).fetchone()
        return row[0] if row else None

    async def _resolve_ref(self, m: Mention, named: list[dict]) -> Outcome:
        """An author reference: the one paper its documents name otherwise (a title, a link) that
        it fits (:func:`_fits_reference`), without a request; else through the API."""
        if m.alias_title or m.alias_kind in ("book", "post"):
            return await self._resolve_one(m)
        fit = _one_edition([p for p in named if _fits_reference(own_names(m), p)])
        if len(fit) == 1:
            return Outcome("resolved", fit[0], fit[0]["paperId"], resolved_by="document",
                           note="the paper its document names by title, by this author" +
                                (" and of this year" if m.years else ""))
        return await self._resolve_one(m)

    async def _resolve_one(self, m: Mention) -> Outcome:
        if m.confidence == MAYBE:
            return await self._weigh_maybe(m)
        if m.alias_kind in ("book", "post"):
            return Outcome("not-in-s2", note=f"a {m.alias_kind}; Semantic Scholar does not hold it")
        if m.kind == "url":
            return Outcome("unresolved", note="a link Semantic Scholar cannot look up")
        if m.alias_title:
            return await self._by_title(m, m.alias_title, by="alias", strict=True)
        if m.kind == "author-ref":
            return await self._by_author_ref(own_names(m))
        if m.kind == "alias":
            return await self._by_nickname(m)
        return await self._by_title(m, m.surface, by="match")

    def _miss(self, m: Mention, candidates: list[dict], note: str) -> Outcome:
        status = "unresolved" if m.score >= KEEP_SCORE else "rejected"
        near = [c for c in candidates if c["score"] >= 0.6]      # only candidates worth a look
        return Outcome(status, candidates=near[:3], note=note)

    async def _by_title(self, m: Mention, title: str, *, by: str, strict: bool = False) -> Outcome:
        if m.score < QUERY_SCORE and not strict:
            return Outcome("rejected", note="does not look like a title")
        need = ACCEPT if (m.score >= KEEP_SCORE or strict) else ACCEPT_WEAK
        query = title
        if m.truncated:
            query = " ".join(title.split()[:-1])    # drop the cut-off word
        if not m.truncated:
            found = await self.client.match_title(query)
            if found and found.get("paperId"):
                sim = title_similarity(title, found.get("title") or "") + _hint_bonus(m, found)
                if sim >= need:
                    return Outcome("resolved", found, found["paperId"], resolved_by=by)
        answer = await self.client.search(query, limit=SEARCH_LIMIT)
        scored = []
        for paper in answer.get("data") or []:
            if not isinstance(paper, dict) or not paper.get("paperId"):
                continue
            sim = title_similarity(title, paper.get("title") or "", truncated=m.truncated) + _hint_bonus(m, paper)
            scored.append((sim, paper))
        scored.sort(key=lambda x: -x[0])
        candidates = [_candidate(p, s) for s, p in scored[:5]]
        if scored and scored[0][0] >= need:
            best_sim, best = scored[0]
            rivals = [p for s, p in scored[1:] if s >= best_sim - 0.01
                      and normalise(p.get("title") or "") != normalise(best.get("title") or "")]
            if rivals:
                return Outcome("ambiguous", candidates=candidates[:3], note="several papers fit equally well")
            return Outcome("resolved", best, best["paperId"], candidates=[], resolved_by="search" if by == "match" else by)
        if scored and scored[0][0] >= AMBIGUOUS and m.score >= KEEP_SCORE:
            return Outcome("ambiguous", candidates=candidates[:3], note="close but not close enough")
        if strict:
            return Outcome("unresolved", candidates=candidates[:3], note="the alias table's title was not found")
        return self._miss(m, candidates, "no paper with this title")

    async def _weigh_maybe(self, m: Mention) -> Outcome:
        """A candidate the extractor was unsure of, weighed by the API: a title-shaped one by
        the title match's similarity, a coined name ("the sleeper agents paper") by a paper whose
        main title is that name. Confirmed, it resolves like any work; clearly nothing, it is
        rejected; otherwise it stays "maybe" for a human, with what the API offered."""
        if m.kind == "author-ref":
            m = own_names(m)
            found = await self._by_author_papers(m, _topic_words(m), formal=True)
            if found is not None and found.status == "resolved":
                found.note = "a maybe the author's papers confirmed"
                return found
            return Outcome("maybe", candidates=found.candidates if found else [], note=m.reason)
        if m.kind == "alias":
            named = await self._by_nickname(Mention(m.file, m.topic or m.surface, m.start, m.end, "alias", m.sentence,
                                                    score=m.score))
            if named.status == "resolved":
                named.note = "a maybe: a paper carries this name"
                return named
            return Outcome("maybe", candidates=named.candidates, note=m.reason)
        if self.store is not None and worth_checking(m):
            stored = stored_matches(self.store, [m])
            if stored and stored[0][0].get("paper_id"):
                p, why = stored[0]
                return Outcome("resolved", None, p["paper_id"], resolved_by="store",
                               note=f"a maybe a title in the store confirmed: {why}")
        paper, why, found, _ = await match_confirming(self.client, m)
        if paper is not None:
            return Outcome("resolved", paper, paper["paperId"], resolved_by="match",
                           note=f"a maybe the title match confirmed: {why}")
        if found is None:
            return Outcome("rejected", resolved_by=MAYBE_CHECK, note="a maybe the title match found nothing for")
        sim = title_similarity(m.surface, found.get("title") or "") + _hint_bonus(m, found)
        if sim < MAYBE_REJECT:
            return Outcome("rejected", resolved_by=MAYBE_CHECK,
                           note=f"a maybe the title match found nothing like ({sim:.2f})")
        return Outcome("maybe", candidates=[_candidate(found, sim)],
                       note=f"{m.reason}; the title match is close but not enough ({sim:.2f})")

    async def _by_nickname(self, m: Mention) -> Outcome:
        """A coined name in a context that says it is a work ("works like REMEDI"): accept a
        paper whose main title is that name ("NoiseCLR: A Contrastive ...")."""
        answer = await self.client.search(m.surface, limit=SEARCH_LIMIT)
        hits = [p for p in answer.get("data") or [] if isinstance(p, dict) and p.get("paperId")
                and normalise((p.get("title") or "").split(":", 1)[0]) == m.norm]
        hits = _distinct_titles(hits)
        if len(hits) == 1:
            return Outcome("resolved", hits[0], hits[0]["paperId"], resolved_by="search")
        if len(hits) > 1:
            return Outcome("ambiguous", candidates=[_candidate(p, 1.0) for p in hits[:3]],
                           note="several papers carry this name")
        return self._miss(m, [], "no paper carries this name")

    async def _by_author_ref(self, m: Mention) -> Outcome:
        """"Neel Nanda's modular addition transformer": search the topic, keep papers by that
        author whose title or abstract has every topic word."""
        words = [w for w in normalise(m.topic or "").split() if w not in _GENERIC and w not in _STOP]
        if not words and len(m.authors) == 1 and re.fullmatch(r"(?i)the\s+(?:\w+\s+)?" + re.escape(m.authors[0]) +
                                                            r"\s+(?:paper|preprint|report|article)", m.surface):
            # "the Voyager paper" names a system as often as an author: try it as a main title
            named = await self._by_nickname(Mention(m.file, m.authors[0], m.start, m.end, "alias", m.sentence,
                                                    score=m.score))
            if named.status in ("resolved", "ambiguous"):
                return named
        if m.authors and m.years and (not words or m.reason.startswith("authors and a year")):
            found = await self._by_author_year(m)
            if found.status == "resolved":
                return found
            return await self._by_author_papers(m, _topic_words(m)) or found
        if not m.authors:
            return Outcome("unresolved", note="an author reference without a topic; resolve it by hand")
        if not words:
            return await self._by_author_papers(m, _topic_words(m)) or \
                Outcome("unresolved", note="an author reference without a topic; resolve it by hand")
        answer = await self.client.search(" ".join(words), limit=SEARCH_LIMIT)
        fits = []
        for p in answer.get("data") or []:
            if not isinstance(p, dict) or not p.get("paperId"):
                continue
            text = normalise((p.get("title") or "") + " " + (p.get("abstract") or ""))
            if any(_wrote(p, s) for s in m.authors) and all(_stem_in(w, text) for w in words):
                fits.append(p)
        # the topic in a title names the work ("Nanda's open problems list"); in an abstract, any of theirs
        titled = [p for p in fits if all(_stem_in(w, normalise(p.get("title") or "")) for w in words)]
        fits = _led(m, _one_edition(titled or fits))
        if len(fits) == 1:
            return Outcome("resolved", fits[0], fits[0]["paperId"], resolved_by="search")
        if fits:
            return Outcome("ambiguous", candidates=[_candidate(p, 0.0) for p in fits[:3]],
                           note="several papers by this author fit")
        return await self._by_author_papers(m, _topic_words(m)) or \
            Outcome("unresolved", note="no paper by this author on this topic")

    @property
    def client_has_authors(self) -> bool:
        return hasattr(self.client, "search_authors")

    async def _by_author_papers(self, m: Mention, words: list[str], *, formal: bool = False) -> Outcome | None:
        """The author route: find the first named author (``/author/search``: every person of
        that surname, the most prolific first; a given name the text writes, "Christian Cachin",
        keeps that person's profiles), read the papers of the first ``AUTHOR_CANDIDATES``, keep
        those of the year (one either side) that the other named author shares, those a
        citation's first author leads (:func:`_led`), and pick the one whose title or abstract
        shares most words with the sentence, a title's words counting twice, if it shares enough
        (:func:`_convincing`), or the only one that year any person of the surname led once all
        of them are read, or the one sharing the sentence's rare words (:func:`_rare_word_pick`);
        when none is, or the pick is a year off the cited one, read the next ``AUTHOR_CANDIDATES``
        people (a common surname's real author is often not among its most prolific three). None when the
        route has nothing to say (no such author, no paper fits). Costs one request and one per
        person read: at most 1 + ``AUTHOR_CANDIDATES`` x ``AUTHOR_ROUNDS``."""
        if not self.client_has_authors or not m.authors or not (m.years or words):
            return None
        given = _given_name(m)
        if not m.years and not formal and not given and not re.search(r"\bet\s+al\b|\band\b|&", m.surface):
            return None                   # "Nate's essay": a first name, no citation to follow
        surname = normalise(m.authors[0]).split()
        # one request whatever the limit: a surname that is also a given name ("Wei", "Grace")
        # fills the first ten with people it is the given name of
        found = await self.client.search_authors(m.authors[0], limit=AUTHOR_SEARCH_LIMIT)
        people = [a for a in found if normalise(a.get("name") or "").split()[-len(surname):] == surname]
        namesakes = len(people)
        if given:                         # "Christian Cachin", "G. Irving": that person, under any of their profiles
            people = [a for a in people if _same_given(given, a.get("name") or "")]
        fits: dict[str, tuple[int, dict]] = {}
        read: list[dict] = []             # every paper read: what makes a word rare (:func:`_rare_word_pick`)
        outcome = resolved = None
        for start in range(0, AUTHOR_CANDIDATES * AUTHOR_ROUNDS, AUTHOR_CANDIDATES):
            if start >= len(people):
                break
            for person in people[start:start + AUTHOR_CANDIDATES]:
                for p in await self.client.author_papers(person["authorId"]):
                    read.append(p)
                    year = p.get("year")
                    if m.years and not (isinstance(year, int) and any(abs(year - y) <= 1 for y in m.years)):
                        continue
                    if not all(_wrote(p, a) for a in m.authors[1:2]):
                        continue
                    fits[p["paperId"]] = (*_evidence(words, p), p)
            outcome = self._pick_authors_paper(m, fits, alone_ok=namesakes == 1 or (given and len(people) == 1),
                                               everyone=len(found) < AUTHOR_SEARCH_LIMIT
                                               and start + AUTHOR_CANDIDATES >= len(people), pool=read)
            if outcome is not None and outcome.status == "resolved":
                # a paper a year off the cited one (a preprint's year, or another work of the
                # year before) while more people of the surname are unread: read them, and keep
                # this one unless one of the very year is as good
                if resolved is not None or not m.years or outcome.paper.get("year") in m.years:
                    break
                resolved = outcome
        if resolved is not None and (outcome is None or outcome.status != "resolved"):
            return resolved
        return outcome

    @staticmethod
    def _pick_authors_paper(m: Mention, fits: dict, *, alone_ok: bool, everyone: bool,
                            pool: list[dict] | None = None) -> Outcome | None:
        """The paper among an author's that a reference names (:meth:`_by_author_papers`), or
        ambiguous, or None when none fits. ``everyone``: the papers of every person of that
        surname were read; ``pool``: every paper read (what makes a sentence's word rare)."""
        kept = {p["paperId"] for p in _led(m, _one_edition([p for *_, p in fits.values()]))}
        # evidence first; between papers with as much, the one of the very year cited (the year
        # either side is allowed for a preprint's and its venue's years, not preferred), where the
        # evidence is more than two words an abstract shares with any sentence
        exact = lambda f: int(f[-1].get("year") in m.years and (f[1] >= 3 or f[2] >= 1))     # noqa: E731
        ranked = sorted((f for pid, f in fits.items() if pid in kept), key=lambda x: (-x[0], -exact(x), -x[1]))
        if not ranked:
            return None
        _, shared, in_title, best = ranked[0]
        # a paper of that year by someone of that surname is evidence only when the surname is one
        # person's (a common one is many people's, each with a paper that year), or when the
        # reference's other named authors wrote it too
        alone = len(ranked) == 1 and m.years and (alone_ok or (len(m.authors) >= 2 and all(
            _wrote(best, a) for a in m.authors[:3])))
        if not alone and m.years and everyone and _cites_first_author(m):
            # every person of the surname read (the search's whole answer), and only one paper any
            # of them led, one year either side, and in the very year the citation gives: theirs
            led = [f for f in ranked if _led_by(f[-1], m.authors[0])]
            if len(led) == 1 and led[0][-1].get("year") in m.years:
                alone, (_, shared, in_title, best) = True, led[0]
        if alone or (_convincing(shared, in_title, year=bool(m.years))
                     and (len(ranked) == 1 or (ranked[0][0], exact(ranked[0])) > (ranked[1][0], exact(ranked[1])))):
            return Outcome("resolved", best, best["paperId"], resolved_by="author",
                           note="the author's papers" + (" of that year" if m.years else "") + " on this topic")
        rare = _rare_word_pick(m, [p for *_, p in ranked], pool, min_words=RARE_MIN_WORDS + (not everyone))
        if rare is not None:
            return Outcome("resolved", rare, rare["paperId"], resolved_by="author",
                           note="the author's paper sharing the sentence's rare words")
        return Outcome("ambiguous", candidates=[_candidate(p, 0.0) for *_, p in ranked[:3]],
                       note="several papers by this author fit")

    async def _by_author_year(self, m: Mention) -> Outcome:
        """"Hubinger (2019)", "Irving & Amodei, 2018": search the words of the sentence that say
        what the work is about, in that year (one either side), and keep papers by that author;
        the one sharing most topic words wins."""
        words = _topic_words(m)
        if not words:
            return Outcome("unresolved", note="an author reference without a topic; resolve it by hand")
        years = f"{min(m.years) - 1}-{max(m.years) + 1}"
        answer = await self.client.search(" ".join(words), limit=SEARCH_LIMIT * 2, year=years)
        fits = []
        for p in answer.get("data") or []:
            if not isinstance(p, dict) or not p.get("paperId"):
                continue
            if not all(_wrote(p, a) for a in m.authors[:2]):
                continue
            fits.append((*_evidence(words, p), p))
        kept = {p["paperId"] for p in _one_edition([p for *_, p in fits])}
        # "Ziegler et al. 2019": not a paper Ziegler is the fourth author of
        first_author = _cites_first_author(m)
        fits = [f for f in fits if f[-1]["paperId"] in kept and (not first_author or _led_by(f[-1], m.authors[0]))]
        fits.sort(key=lambda x: (-x[0], -x[1]))
        if fits and fits[0][1] > 0 and (len(fits) == 1 or fits[0][0] > fits[1][0]):
            return Outcome("resolved", fits[0][3], fits[0][3]["paperId"], resolved_by="search")
        # (the search's answer is about the topic's words already: a third shared word to tell)
        if fits and (rare := _rare_word_pick(m, [p for *_, p in fits], answer.get("data") or [],
                                             min_words=RARE_MIN_WORDS + 1)) is not None:
            return Outcome("resolved", rare, rare["paperId"], resolved_by="search",
                           note="the authors' paper sharing the sentence's rare words")
        if fits:
            return Outcome("ambiguous", candidates=[_candidate(p, 0.0) for *_, p in fits[:3]],
                           note="several papers by these authors in that year fit")
        return Outcome("unresolved", note="no paper by these authors in that year on this topic")


def named_in_documents(mentions: list[Mention], outcomes: dict[str, Outcome], keys: set[str], *,
                       refs: bool = False) -> dict[str, list[dict]]:
    """For each author reference's key in ``keys``, the papers that the other mentions of its
    documents (titles, nicknames, ids, links; with ``refs``, the author references instead)
    resolved to: a page that writes "Concrete Problems in AI Safety" in its reading list and
    "Amodei et al." in its prose names one paper twice, and its reference list is the best
    evidence of which. Two references of one page that write different years ("Wei et al.,
    2022a" and "Wei et al., 2022b", "Turner et al. 2021" and "Turner et al. 2022") name two
    works, so with ``refs`` a paper another reference of another year resolved is left out."""
    files: dict[str, set] = {}
    own: dict[str, set[str]] = {}
    for m in mentions:
        if mention_key(m) in keys:
            files.setdefault(mention_key(m), set()).add(m.file)
            own.setdefault(mention_key(m), set()).update(_YEAR.findall(m.surface))
    by_file: dict = {}
    for m in mentions:
        o = outcomes.get(mention_key(m))
        if (m.kind == "author-ref") == refs and mention_key(m) not in keys and o is not None \
                and o.status == "resolved" and o.paper and o.paper.get("paperId"):
            paper, years = by_file.setdefault(m.file, {}).setdefault(o.paper["paperId"], (o.paper, set()))
            years.update(_YEAR.findall(m.surface) if refs else ())
    out: dict[str, list[dict]] = {}
    for key, fs in files.items():
        seen: dict[str, dict] = {}
        for f in fs:
            seen.update({pid: paper for pid, (paper, years) in by_file.get(f, {}).items()
                         if not (years and own[key]) or years & own[key]})
        out[key] = list(seen.values())
    return out


_YEAR = re.compile(r"\b(?:19|20)\d\d[a-z]?\b")


def _fits_reference(m: Mention, paper: dict) -> bool:
    """Whether an author reference can name ``paper``: its named authors wrote it, the first one
    leads it when the reference cites a first author ("Gao et al."), and it is of the year given,
    or one either side (a preprint's and its venue's years) when the first author it names leads
    it. A reference that names a later author ("Ryan Greenblatt, 2024" of "Buck Shlegeris and
    Ryan Greenblatt, 2024") or a possessive's author may name any of their papers, so only the
    very year fits: the pair's paper of the year before, listed on the same page, is another."""
    if not m.authors or not all(_wrote(paper, a) for a in m.authors[:3]):
        return False
    first = _cites_first_author(m)
    if first and not _led_by(paper, m.authors[0]):
        return False
    year = paper.get("year")
    return not m.years or (isinstance(year, int) and any(abs(year - y) <= int(first) for y in m.years))


def _topic_words(m: Mention) -> list[str]:
    """What the sentence around an author reference says the work is about: its content words
    nearest the reference (a sentence citing three works says what each is about beside it),
    without the reference itself and the names of the others."""
    ref = normalise(m.surface).split()
    names = {normalise(a) for a in m.authors}
    if m.topic:
        words = normalise(m.topic).split()
    else:
        at = m.sentence.find(m.surface)
        before = normalise(m.sentence[:at]).split() if at >= 0 else normalise(m.sentence).split()
        after = normalise(m.sentence[at + len(m.surface):]).split() if at >= 0 else []
        # nearest first, two words before the reference (the claim it supports) to one after it
        before = before[::-1]
        words = [w for i in range(max(len(before), len(after)))
                 for w in before[2 * i:2 * i + 2] + after[i:i + 1]]
    words = [w for w in words if len(w) > 3 and w not in _STOP and w not in _GENERIC and w not in _FILLER and w not in ref
             and w not in names and not w.isdigit()]
    kept: list[str] = []
    for w in words:                       # "learn" and "learning" are one word of evidence, not two
        if not any(_stem_in(w, k) or _stem_in(k, w) for k in kept):
            kept.append(w)
    return kept[:6]


# another citation in the sentence, from its surname on: "Ouyang et al., 2022", "Roe and Fenn (2021)"
_OTHER_CITATION = re.compile(
    r"\b([A-Z][\w'\-]+)(?:\s+et\.?\s+al\.?(?:,*\s+\(?(?:19|20)\d\d[a-z]?\)?)?"
    r"|(?:,?\s+(?:and|&)\s+[A-Z][\w'\-]+)?,?\s+\(?(?:19|20)\d\d[a-z]?\)?)")


def _claim(m: Mention) -> str:
    """The part of a sentence that says what one of its citations is about: the text between
    the citations beside it ("... diverge from human intent (Carlsmith, 2023; Greenblatt et al.,
    2024)": the claim before the group both belong to), or the whole sentence when the
    reference is not found in it or its part says next to nothing."""
    at = m.sentence.find(m.surface)
    if at < 0:
        return m.sentence
    spans = sorted([(c.start(), c.end()) for c in _OTHER_CITATION.finditer(m.sentence)
                    if c.end() <= at or c.start() >= at + len(m.surface)] + [(at, at + len(m.surface))])
    # citations with only punctuation and "and" between them are one group, citing for one claim
    groups: list[list[int]] = []
    for a, b in spans:
        between = re.sub(r"\b(?:and|see|also|e\.g)\b", "", m.sentence[groups[-1][1]:a]) if groups else ""
        if groups and not re.search(r"[a-z]{3,}", between):
            groups[-1][1] = max(groups[-1][1], b)
        else:
            groups.append([a, b])
    i = next(k for k, (a, b) in enumerate(groups) if a <= at < b)
    start = groups[i - 1][1] if i else 0
    # a citation in brackets follows its claim; one a sentence runs through ("Gao et al. (2022)
    # studied ...", "as Cotra (2021) hypothesizes") may have its claim on either side
    bracketed = re.search(r"[(\[]\s*$", m.sentence[start:groups[i][0]]) is not None
    end = groups[i][0] if bracketed else groups[i + 1][0] if i + 1 < len(groups) else len(m.sentence)
    part = m.sentence[start:end]
    return part if len(re.findall(r"[A-Za-z]{4,}", part)) >= 4 else m.sentence


def _context_words(m: Mention) -> list[str]:
    """Every word the sentence around an author reference says its work is about, for weighing
    an author's papers by the rare ones (:func:`_rare_word_pick`): its topic's words and the
    content words of its claim (:func:`_claim`), without the reference's names and years and the
    surnames of the sentence's other citations."""
    topic = normalise(m.topic or "").split()
    ref = set(normalise(m.surface).split()) - set(topic)
    names = {normalise(a) for a in m.authors} | {normalise(c.group(1)) for c in _OTHER_CITATION.finditer(m.sentence)}
    kept: list[str] = []
    for w in topic + normalise(_claim(m)).split():
        if (len(w) <= 3 or w in _STOP or w in _GENERIC or w in _FILLER or w in ref or w in names
                or re.fullmatch(r"\d+[a-z]?", w)):
            continue
        if not any(_stem_in(w, k) or _stem_in(k, w) for k in kept):
            kept.append(w)
    return kept


def _rare_word_pick(m: Mention, papers: list[dict], pool: list[dict] | None, *,
                    min_words: int = RARE_MIN_WORDS) -> dict | None:
    """The one of several papers that fit an author reference whose title and abstract share
    the sentence's rare words: each word weighs its inverse document frequency among the papers
    read (``pool``: an author writes "model" and "learning" in every abstract, "overoptimization"
    in one), twice in a title; the best must share ``min_words`` words of those (in at most half
    the papers read) and weigh ``RARE_RATIO`` times the next. None when no paper stands out so."""
    words = _context_words(m)
    if len(papers) < 2 or not words:
        return None
    texts = {}
    for p in list(pool or []) + papers:
        title = normalise(p.get("title") or "")
        texts[p.get("paperId")] = (title, title + " " + normalise(p.get("abstract") or ""))
    n = len(texts)
    df = {w: sum(_stem_in(w, text) for _, text in texts.values()) for w in words}

    def weight(p: dict) -> tuple[float, int]:
        title, text = texts[p.get("paperId")]
        shared = [w for w in words if _stem_in(w, text)]
        w = sum(math.log((n + 1) / df[w]) * (2 if _stem_in(w, title) else 1) for w in shared)
        # the year either side of the cited one is allowed (a preprint's and its venue's years),
        # the very year likelier: a paper a year off needs twice the evidence
        return (w if not m.years or p.get("year") in m.years else w / 2), sum(2 * df[w] <= n for w in shared)
    scored = sorted(((*weight(p), p) for p in papers), key=lambda x: -x[0])
    (best, shared, paper), (second, *_) = scored[0], scored[1]
    if shared >= min_words and best > 0 and best >= RARE_RATIO * second:
        return paper
    return None


def _wrote(paper: dict, surname: str) -> bool:
    """Whether a surname is among a paper's authors, as whole words of their names ("Li" is not
    in "Oliver Williams"; "van Merwijk" is in "Chris van Merwijk")."""
    names = normalise(" ".join((a or {}).get("name") or "" for a in paper.get("authors") or []))
    return f" {normalise(surname)} " in f" {names} "


def _led_by(paper: dict, surname: str) -> bool:
    """Whether a surname is a paper's first author's."""
    return _wrote({"authors": (paper.get("authors") or [])[:1]}, surname)


def _cites_first_author(m: Mention) -> bool:
    """Whether a reference names its work's first author, as citations do ("Gao et al.", "Irving
    & Amodei", "Kaplan, 2020"); a possessive may name the senior author ("Hinton's capsules"),
    and a reference found from its second name on ("Abram Demski and Scott Garrabrant, 2019"
    read as "Garrabrant, 2019") names a later one."""
    if not m.authors or not re.search(r"\bet\s+al\b|\band\b|&|(?:19|20)\d\d", m.surface):
        return False
    at = m.sentence.find(m.surface)
    return at < 0 or not _AFTER_A_NAME.search(m.sentence[:at])


# the end of a text that names someone before the next name: "Abram Demski and Scott ", "Roe, "
_AFTER_A_NAME = re.compile(r"[A-Z][\w'\-]+\s*(?:,|\band\b|&)\s+(?:[A-Z][\w'\-]*\.?\s+){0,3}$")


def _led(m: Mention, papers: list[dict]) -> list[dict]:
    """The papers a citation's first author leads, when any does: "Conmy et al." is the paper
    Conmy is first author of, not one where Conmy comes third."""
    if not _cites_first_author(m):
        return papers
    led = [p for p in papers if _led_by(p, m.authors[0])]
    return led or papers


def _one_edition(papers: list[dict]) -> list[dict]:
    """One paper per work: without the papers whose title is another's with more words after
    it ("200 Concrete Open Problems in Mechanistic Interpretability: Introduction", "Embedded
    Agency (full-text version)") and without a second record of the same title (a preprint and
    its venue version): Semantic Scholar lists a work's parts and versions beside it, and a
    citation names the work."""
    titles = [normalise(p.get("title") or "") for p in papers]
    return [p for i, (p, t) in enumerate(zip(papers, titles))
            if t not in titles[:i] and not any(o and o != t and t.startswith(o + " ") for o in titles)]


def _distinct_titles(papers: list[dict]) -> list[dict]:
    """The first paper of each title: a preprint and its venue record (Semantic Scholar keeps
    both, with one title) are one work, not two that carry a name."""
    seen: set[str] = set()
    out = []
    for p in papers:
        key = normalise(p.get("title") or "")
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _evidence(words: list[str], paper: dict) -> tuple[int, int, int]:
    """How much a paper is about what a sentence says: (a score where a word its title shares
    counts twice, the words it shares in its title or abstract, those in its title). A long
    abstract shares a word or two with any sentence; a title is what the paper is about."""
    title = normalise(paper.get("title") or "")
    # the names of its authors too: "Geoffrey Irving, Paul Christiano, and Dario Amodei (2018)" read
    # as "Amodei (2018)" leaves the co-authors' names among the sentence's words
    names = normalise(" ".join((a or {}).get("name") or "" for a in paper.get("authors") or []))
    text = title + " " + normalise(paper.get("abstract") or "") + " " + names
    shared = sum(_stem_in(w, text) for w in words)
    in_title = sum(_stem_in(w, title) for w in words)
    return shared + in_title, shared, in_title


def _convincing(shared: int, in_title: int, *, year: bool) -> bool:
    """Enough for one of an author's papers to be the one cited (the author route reads all of
    them, so one word in common is coincidence; measured over the development parts, a single
    title word picked the wrong paper 9 times in 14): with the year two words of its title or
    abstract; without, two words, one in its title (people write on many topics over the years)."""
    return shared >= 2 and (year or in_title >= 1)


def own_names(m: Mention) -> Mention:
    """An author reference with only the names and years it writes itself: the extractor's
    hints hold the whole sentence's ("(Li et al., 2024), ... (Kwa et al., 2025)" gives "Li et
    al." the hints Li, Kwa, 2024, 2025), and another reference's surname is no co-author."""
    words = normalise(m.surface).split()
    clean = [re.sub(r"\[\d+\]|\d+", "", a).strip() for a in m.authors]      # "Cachin[9]": a marker
    own = [a for a in dict.fromkeys(clean) if normalise(a) and all(w in words for w in normalise(a).split())]
    # "Christian Cachin": a given name before a surname is no author of its own
    own = [a for a, b in zip(own, own[1:] + [""]) if not (b and re.search(
        rf"\b{re.escape(a)}\s+(?:[A-Z]\.?\s+)*{re.escape(b)}\b", m.surface))]
    years = [y for y in m.years if str(y) in m.surface]
    if own == m.authors and (years == m.years or not years):
        return m
    out = copy.copy(m)
    out.authors = own or m.authors[:1]
    out.years = years or m.years
    return out


def _given_name(m: Mention) -> str | None:
    """The given name or initial a reference writes before its first author's surname
    ("Christian Cachin", "Claude E Shannon", "G. Irving"), or None."""
    if not m.authors:
        return None
    found = re.search(r"\b([A-Z][\w'\-]*\.?)(?:\s+[A-Z]\.?)*\s+" + re.escape(m.authors[0]) + r"\b", m.surface)
    if not found or found.group(1).rstrip(".").lower() in _STOP | {"the", "by", "see", "from"}:
        return None
    return found.group(1)


def _same_given(given: str, name: str) -> bool:
    """Whether a profile's name can be the person a given name or initial writes: "Geoffrey"
    and "G. Irving", "G." and "Geoffrey Irving"."""
    first = (name.split() or [""])[0].rstrip(".")
    g = given.rstrip(".")
    if not first or not g:
        return True
    if len(first) == 1 or len(g) == 1:
        return first[0].lower() == g[0].lower()
    return normalise(first) == normalise(g)


def _stem_in(word: str, text: str) -> bool:
    stem = word[:-1] if len(word) > 4 and word.endswith("s") else word
    return re.search(rf"\b{re.escape(stem[:max(4, len(stem) - 2)])}", text) is not None


# -- the store side --------------------------------------------------------------------------

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _document_id(store: Store, path: str, sha: str, kind: str) -> int:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO document (path, sha256, kind) VALUES (?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind",
            (path, sha, kind))
        return conn.execute("SELECT id FROM document WHERE path = ?", (path,)).fetchone()[0]


def _store_outcomes(store: Store, outcomes: dict[str, Outcome], kinds: dict[str, str]) -> dict[str, int]:
    """Papers, cache rows; returns key -> internal paper id for resolved keys."""
    from kb.sources.s2.parse import parse_paper

    records = [r for r in (parse_paper(o.paper) for o in outcomes.values() if o.paper) if r]
    records += [o.post for o in outcomes.values() if o.post is not None]
    if records:
        store.upsert_papers(records)
    ids = store.internal_ids({o.paper_id for o in outcomes.values() if o.status == "resolved" and o.paper_id})
    now = utc_now()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO resolution_cache (norm_text, kind, paper_id, status, candidates, resolved_by, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(norm_text) DO UPDATE SET kind = excluded.kind, "
            "paper_id = excluded.paper_id, status = excluded.status, candidates = excluded.candidates, "
            "resolved_by = excluded.resolved_by, fetched_at = excluded.fetched_at",
            [(k, kinds.get(k, "title"), o.paper_id, o.status, json.dumps(o.candidates), o.resolved_by, now)
             for k, o in outcomes.items()
             if not o.cached and (o.status != "rejected" or o.candidates or o.note == "no paper with this title"
                                  or o.resolved_by == MAYBE_CHECK)])
    return {k: ids[o.paper_id] for k, o in outcomes.items() if o.status == "resolved" and o.paper_id in ids}


def make_seeds(store: Store, papers: list[int], source: str) -> int:
    """Mark papers as seeds and put them on the crawl frontier at depth 0 (a paper the crawler
    has already finished keeps its row). Returns how many seeds are new."""
    papers = list(dict.fromkeys(papers))
    if not papers:
        return 0
    now = utc_now()
    with store.transaction() as conn:
        before = conn.execute("SELECT count(*) FROM seed").fetchone()[0]
        conn.executemany("INSERT OR IGNORE INTO seed (paper, added_at, source) VALUES (?, ?, ?)",
                         [(p, now, source) for p in papers])
        conn.executemany(
            "INSERT INTO crawl_state (paper, depth, status, reached_via, seeds, updated_at) "
            "VALUES (?, 0, 'pending', 'seed', ?, ?) ON CONFLICT(paper) DO UPDATE SET "
            "depth = 0, reached_via = 'seed', reached_from = NULL, seeds = excluded.seeds, "
            "updated_at = excluded.updated_at WHERE crawl_state.status != 'done' AND crawl_state.depth > 0",
            [(p, json.dumps([p]), now) for p in papers])
        return conn.execute("SELECT count(*) FROM seed").fetchone()[0] - before


@dataclass
class AddReport:
    documents: list[str] = field(default_factory=list)
    mentions: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    new_seeds: int = 0
    seeds: int = 0
    requests: int = 0
    cached: int = 0
    forum_requests: int = 0     # of ``requests``, those sent to the forum
    # What went wrong without stopping the command (a source that did not answer), once each.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def merge(self, other: "AddReport") -> "AddReport":
        """This report and ``other`` summed: one line for a `kb seed add` of several kinds."""
        statuses = dict(self.by_status)
        for k, v in other.by_status.items():
            statuses[k] = statuses.get(k, 0) + v
        return AddReport(documents=self.documents + other.documents,
                         mentions=self.mentions + other.mentions, by_status=statuses,
                         new_seeds=self.new_seeds + other.new_seeds, seeds=self.seeds + other.seeds,
                         requests=self.requests + other.requests, cached=self.cached + other.cached,
                         forum_requests=self.forum_requests + other.forum_requests,
                         warnings=self.warnings + [w for w in other.warnings if w not in self.warnings])


def add_seeds(db_path: Path, *, documents: list[Path] = (), ids: list[str] = (),
              titles: list[str] = (), bib: list[Path] = (), aliases: AliasTable | None = None,
              settings=None, wait: bool = False) -> AddReport:
    """`kb seed add`: resolve and store seeds from documents, ids, titles and BibTeX files,
    under the store's writer lock and with one API client for all of them."""
    from kb.sources.forum.client import open_forum
    from kb.sources.s2.client import S2Client
    from kb.store.locking import writing

    if not (documents or ids or titles or bib):
        raise UsageError("give documents, --id, --title or --bib")
    if documents and aliases is None:
        aliases = AliasTable.load()

    async def run(store: Store) -> AddReport:
        total = AddReport()
        async with S2Client(settings) as client, open_forum(settings) as forum:
            if documents:
                total = total.merge(await add_documents(store, client, list(documents), aliases,
                                                        forum=forum))
            if ids:
                total = total.merge(await add_ids(store, client, list(ids)))
            if titles:
                total = total.merge(await add_titles(store, client, list(titles)))
            for path in bib:
                total = total.merge(await add_bibtex(store, client, path))
        return total

    with writing(db_path, "kb seed add", wait=wait) as store:
        return asyncio.run(run(store))


async def add_mentions(store: Store, client, groups: list[tuple[str, str, str, list[Mention]]],
                       *, source: str = "document", replace: bool = True, forum=None) -> AddReport:
    """Resolve and store mentions grouped by document: (path, sha256, kind, mentions). A
    document added again replaces its earlier mentions; cached answers (and hand fixes) are
    reused."""
    # mentions the extractor is unsure of are weighed online when they have a title's shape or a
    # coined name (a bounded number of requests); the rest are kept for a human ("maybe")
    all_mentions = [m for _, _, _, ms in groups for m in ms if m.confidence != MAYBE]
    all_mentions += _worth_weighing([m for _, _, _, ms in groups for m in ms if m.confidence == MAYBE])
    resolver = Resolver(client, store, forum=forum)
    before, forum_before = getattr(client, "requests_sent", 0), getattr(forum, "requests_sent", 0)
    outcomes = await resolver.resolve(all_mentions)
    for m in (m for _, _, _, ms in groups for m in ms if m.confidence == MAYBE):
        if m.kind == "title" and m.score < QUERY_SCORE:
            outcome = Outcome("rejected", note="does not look like a title")
        else:
            outcome = Outcome("maybe", note=m.reason or "the extractor is not sure this names a work")
        outcomes.setdefault(mention_key(m), outcome)
    kinds = {mention_key(m): m.kind for m in all_mentions}
    paper_of = _store_outcomes(store, {k: o for k, o in outcomes.items() if k in kinds}, kinds)
    forum_requests = getattr(forum, "requests_sent", 0) - forum_before
    report = AddReport(requests=getattr(client, "requests_sent", 0) - before + forum_requests,
                       cached=resolver.requests_saved, forum_requests=forum_requests,
                       warnings=list(resolver.warnings))
    seed_papers: list[int] = []
    for path, sha, kind, mentions in groups:
        doc = _document_id(store, path, sha, kind)
        rows = []
        # a candidate only a real title could confirm is no mention when none did
        mentions = [m for m in mentions if not (is_hypothesis(m) and outcomes[mention_key(m)].status != "resolved")]
        for m in mentions:
            key = mention_key(m)
            o = outcomes[key]
            paper = paper_of.get(key) if o.status == "resolved" else None
            if paper and m.confidence == MAYBE:
                # stored as the title's extent in the sentence, also when the cache answered
                title = (o.paper or {}).get("title") or _stored_title(store, paper)
                m = refine(copy.copy(m), title)
            status = o.status if (o.status != "resolved" or paper) else "unresolved"
            if paper:
                seed_papers.append(paper)
            report.by_status[status] = report.by_status.get(status, 0) + 1
            rows.append((doc, m.surface, m.start, m.end, m.kind, m.sentence, key, status, paper,
                         json.dumps(o.candidates) if o.candidates else None, o.resolved_by if paper else None,
                         round(m.score, 3), o.note))
        with store.transaction() as conn:
            if replace:
                conn.execute("DELETE FROM mention WHERE document = ?", (doc,))
            conn.executemany(
                'INSERT INTO mention (document, surface, start, "end", kind, sentence, norm_text, status, paper, '
                "candidates, resolved_by, score, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                'ON CONFLICT (document, start, "end") DO UPDATE SET ' + ", ".join(
                    f"{c} = excluded.{c}" for c in ("surface", "kind", "sentence", "norm_text", "status",
                                                    "paper", "candidates", "resolved_by", "score", "note")),
                rows)
        report.documents.append(path)
        report.mentions += len(mentions)
    report.new_seeds = make_seeds(store, seed_papers, source)
    report.seeds = len(set(seed_papers))
    return report


def _stored_title(store: Store, paper: int) -> str:
    row = store.conn.execute("SELECT title FROM paper WHERE id = ?", (paper,)).fetchone()
    return (row[0] if row else None) or ""


def _worth_weighing(maybes: list[Mention]) -> list[Mention]:
    """The "maybe" candidates an online check can settle: title shapes and coined names without
    an id (a model name used as a concept keeps its alias id and stays for a human), likeliest
    confirmation first (:func:`kb.grounding.verify.weighing_order`)."""
    worth = [m for m in maybes if not m.id and not m.url and m.alias_kind not in ("book", "post")
             and (worth_checking(m) or (m.kind == "alias" and not m.alias_title)
                  or (m.kind == "author-ref" and m.reason == "a name and a reporting verb"))]
    seen, out = set(), []
    for m in weighing_order(worth):
        if mention_key(m) not in seen:
            seen.add(mention_key(m))
            out.append(m)
    return out[:MAYBE_REQUESTS]


async def add_documents(store: Store, client, paths: list[Path], aliases: AliasTable, *, forum=None) -> AddReport:
    groups = []
    for path in paths:
        text = read_text(path)
        mentions = extract(text, file=str(path), aliases=aliases)
        groups.append((str(Path(path).resolve()), _sha256(text), "text", mentions))
    return await add_mentions(store, client, groups, forum=forum)


def _manual_mention(surface: str, kind: str, *, pid: str | None = None) -> Mention:
    return Mention(MANUAL_DOCUMENT, surface, 0, len(surface), kind, f"kb seed add --{'id' if pid else 'title'} {surface}",
                   id=pid, score=1.0)


async def add_ids(store: Store, client, ids: list[str]) -> AddReport:
    mentions = []
    for raw in ids:
        pid = normalise_id(raw)
        kind = "arxiv" if pid.startswith("ARXIV:") else "doi" if pid.startswith("DOI:") else "id"
        mentions.append(_manual_mention(raw.strip(), kind, pid=pid))
    return await _add_manual(store, client, mentions, "id")


async def add_titles(store: Store, client, titles: list[str]) -> AddReport:
    mentions = []
    for t in titles:
        t = " ".join(t.split())
        if not t:
            raise UsageError("--title needs the title of a paper")
        m = _manual_mention(t, "title")
        m.truncated = t.endswith(("...", "\u2026"))
        if m.truncated:
            m.surface = t.rstrip(".\u2026 ")
        mentions.append(m)
    return await _add_manual(store, client, mentions, "title")


async def _add_manual(store: Store, client, mentions: list[Mention], source: str) -> AddReport:
    """Ids and titles given on the command line accumulate in one pseudo-document."""
    row = store.conn.execute("SELECT id FROM document WHERE path = ?", (MANUAL_DOCUMENT,)).fetchone()
    offset = 0
    if row:
        offset = store.conn.execute('SELECT COALESCE(MAX("end"), 0) + 1 FROM mention WHERE document = ?',
                                    (row[0],)).fetchone()[0]
    for m in mentions:
        m.start, m.end = offset, offset + len(m.surface)
        offset = m.end + 1
    return await add_mentions(store, client, [(MANUAL_DOCUMENT, "", "manual", mentions)], source=source,
                              replace=False)


# -- fixing and removing by hand -------------------------------------------------------------

async def resolve_by_hand(store: Store, client, mention: str, paper_id: str) -> dict:
    """Point a mention (its number in ``kb seed list``, or its text) at a paper: every mention
    with the same normalised text follows, now and in later runs."""
    pid = normalise_id(paper_id)
    rows = _find_mentions(store, mention)
    paper = await client.get_paper(pid)
    from kb.sources.s2.parse import parse_paper

    record = parse_paper(paper)
    if record is None:
        raise NotFoundError(f"Semantic Scholar returned no usable paper for {pid}")
    store.upsert_papers([record])
    internal = store.internal_ids([record.paper_id])[record.paper_id]
    keys = sorted({r["norm_text"] for r in rows})
    now = utc_now()
    with store.transaction() as conn:
        for key in keys:
            conn.execute(
                "UPDATE mention SET status = 'resolved', paper = ?, resolved_by = 'hand', candidates = NULL, "
                "note = NULL WHERE norm_text = ?", (internal, key))
            conn.execute(
                "INSERT INTO resolution_cache (norm_text, kind, paper_id, status, candidates, resolved_by, fetched_at) "
                "VALUES (?, 'hand', ?, 'resolved', '[]', 'hand', ?) ON CONFLICT(norm_text) DO UPDATE SET "
                "paper_id = excluded.paper_id, status = 'resolved', candidates = '[]', resolved_by = 'hand', "
                "fetched_at = excluded.fetched_at", (key, record.paper_id, now))
        changed = conn.execute(
            f"SELECT count(*) FROM mention WHERE norm_text IN ({','.join('?' * len(keys))})", keys).fetchone()[0]
    make_seeds(store, [internal], "hand")
    return {"paper": internal, "paperId": record.paper_id, "title": record.title, "mentions": changed}


def _find_mentions(store: Store, ref: str) -> list:
    ref = ref.strip()
    if ref.lstrip("#").isdigit():
        rows = store.conn.execute("SELECT * FROM mention WHERE id = ?", (int(ref.lstrip("#")),)).fetchall()
    else:
        norm = normalise(ref)
        rows = store.conn.execute(
            "SELECT * FROM mention WHERE norm_text IN (?, ?, ?) OR lower(surface) = lower(?)",
            (norm, "ref:" + norm, "title:" + norm, ref)).fetchall()
    if not rows:
        raise NotFoundError(f"no mention {ref!r}; `kb seed list --all` shows mentions and their numbers")
    return rows


def remove_seed(store: Store, ref: str) -> dict:
    """Stop treating a paper as a seed. Its mentions are marked rejected by hand, so adding the
    same document again does not bring it back; the paper itself stays in the store."""
    paper = _seed_paper(store, ref)
    with store.transaction() as conn:
        keys = [r[0] for r in conn.execute("SELECT DISTINCT norm_text FROM mention WHERE paper = ?", (paper,))]
        conn.execute("UPDATE mention SET status = 'rejected', resolved_by = 'hand', note = 'removed with kb seed rm' "
                     "WHERE paper = ?", (paper,))
        conn.executemany("UPDATE resolution_cache SET status = 'rejected', resolved_by = 'hand', paper_id = NULL "
                         "WHERE norm_text = ?", [(k,) for k in keys])
        conn.execute("DELETE FROM seed WHERE paper = ?", (paper,))
        conn.execute("DELETE FROM crawl_state WHERE paper = ? AND reached_via = 'seed' AND status = 'pending'",
                     (paper,))
        title = conn.execute("SELECT title FROM paper WHERE id = ?", (paper,)).fetchone()[0]
    return {"paper": paper, "title": title, "mentions": len(keys)}


def _seed_paper(store: Store, ref: str) -> int:
    from kb.knowledge.resolve import paper_number

    paper = paper_number(store, ref)
    if store.conn.execute("SELECT 1 FROM seed WHERE paper = ?", (paper,)).fetchone() is None:
        raise NotFoundError(f"{ref} is not a seed; `kb seed list` shows the seeds")
    return paper


# -- listing ---------------------------------------------------------------------------------

def list_seeds(store: Store, *, include_rejected: bool = False) -> dict:
    """Seeds with the documents and sentences that named them, then the mentions that did not
    become seeds (ambiguous, unresolved, not in S2; rejected ones too when asked)."""
    q = store.conn.execute
    seeds = []
    for r in q("SELECT s.paper, s.source, s.added_at, p.paper_id, p.title, p.year, p.arxiv_id, p.doi "
               "FROM seed s JOIN paper p ON p.id = s.paper ORDER BY s.added_at, s.paper"):
        named = [dict(m) for m in q(
            'SELECT m.id AS mention, d.path AS document, m.surface, m.kind, m.sentence, m.resolved_by '
            "FROM mention m JOIN document d ON d.id = m.document WHERE m.paper = ? AND m.status = 'resolved' "
            "ORDER BY d.path, m.start", (r["paper"],))]
        seeds.append({"paper": r["paper"], "paperId": r["paper_id"], "title": r["title"], "year": r["year"],
                      "arxiv": r["arxiv_id"], "doi": r["doi"], "source": r["source"], "added_at": r["added_at"],
                      "mentions": named})
    statuses = ["ambiguous", "unresolved", "not-in-s2", "maybe"] + (["rejected"] if include_rejected else [])
    marks = ",".join("?" * len(statuses))
    others = []
    for m in q(f'SELECT m.id AS mention, d.path AS document, m.surface, m.kind, m.status, m.sentence, '
               f"m.candidates, m.note FROM mention m JOIN document d ON d.id = m.document "
               f"WHERE m.status IN ({marks}) ORDER BY d.path, m.start", statuses):
        d = dict(m)
        d["candidates"] = json.loads(d["candidates"]) if d["candidates"] else []
        others.append(d)
    return {"seeds": seeds, "mentions": others}


async def add_bibtex(store: Store, client, path: Path) -> AddReport:
    from kb.grounding.bibtex_import import bib_mentions

    text, mentions = bib_mentions(path)
    return await add_mentions(store, client, [(str(Path(path).resolve()), _sha256(text), "bib", mentions)],
                              source="bib")
