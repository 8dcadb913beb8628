"""Resolving mentions of forum posts (LessWrong / Alignment Forum), and choosing between a paper
and a post when a mention could name either.

Semantic Scholar does not index the forum, so a mention the paper resolver could not place, a
forum URL, a nickname the alias table marks as a post ("Davidad's plan", "the simulators post")
or an author reference ("Buck's quick take about risk regimes", "Paul's post on ...") is looked
up on the forum: URLs by id (``post``), everything else through the forum's full-text search,
accepted with the same similarity rule as paper titles, plus one rule papers do not need: a
mention that is the beginning of a post's title with a word inflected ("The Translucent Thoughts
Hypothesis" for "The Translucent Thoughts Hypotheses and Their Implications"). When a paper and
a post both match, the closer title wins, and the outcome says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.grounding.mentions import KEEP_SCORE, QUERY_SCORE, Mention, normalise
from kb.sources.forum.links import classify
from kb.sources.forum.parse import parse_post

ACCEPT = 0.9
ACCEPT_WEAK = 0.96
PREFIX_WORDS = 3          # a mention of at least this many words may be a title's beginning
MARGIN = 0.02             # a post must beat a paper's similarity by this much to win
SEARCH_HITS = 10
_GENERIC = frozenset("post posts quick take takes plan plans paper thread sequence essay writeup write up "
                     "about on of the a an some his her their recent new".split())


@dataclass
class PostMatch:
    record: object            # PostRecord
    similarity: float
    how: str                  # forum-url | forum-search | alias | author-ref
    note: str | None = None


def _same_word(a: str, b: str) -> bool:
    """Words equal up to an inflection ("hypothesis" / "hypotheses", "model" / "models")."""
    if a == b:
        return True
    n = min(len(a), len(b))
    return n >= 5 and a[:n - 2] == b[:n - 2] and abs(len(a) - len(b)) <= 2


def post_similarity(mention: str, title: str) -> float:
    """Similarity of a mention to a post title, 0..1: the paper rule, or 0.95 when the mention is
    the title's beginning (at least PREFIX_WORDS words, the last possibly inflected)."""
    from kb.grounding.seeds import title_similarity

    best = title_similarity(mention, title)
    a, b = normalise(mention).split(), normalise(title).split()
    if len(a) >= PREFIX_WORDS and len(a) <= len(b) and all(_same_word(x, y) for x, y in zip(a, b)):
        best = max(best, 1.0 if len(a) == len(b) else 0.95)
    return best


def _topic_after(m: Mention) -> list[str]:
    """Words that say what an author reference is about: its own topic, or what follows it in the
    sentence after "about", "on" or "of" ("Buck's quick take about different risk level regimes")."""
    words = normalise(m.topic or "").split()
    if m.sentence and m.surface in m.sentence:
        rest = m.sentence.split(m.surface, 1)[1]
        cue = re.match(r"\s+(?:about|on|of|regarding|re:?)\s+([^.;:!?()]+)", rest, re.I)
        if cue:
            words += normalise(cue.group(1)).split()
    return [w for w in dict.fromkeys(words) if w not in _GENERIC and len(w) > 2]


def _has_word(word: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(word[:max(4, len(word) - 2)])}", text) is not None


class PostResolver:
    """Finds the post a mention names, through a ``ForumClient``."""

    def __init__(self, forum):
        self.forum = forum

    async def by_url(self, m: Mention) -> PostMatch | None:
        link = classify(m.surface)
        if link is None or link.kind != "post":
            return None
        post = await self.forum.post(link.key)
        record = parse_post(post)
        return PostMatch(record, 1.0, "forum-url") if record else None

    async def by_title(self, m: Mention, title: str, *, how: str = "forum-search", strict: bool = False) -> PostMatch | None:
        """The post whose title ``title`` is, if one clears the threshold."""
        if m.score < QUERY_SCORE and not strict:
            return None
        need = ACCEPT if (m.score >= KEEP_SCORE or strict) else ACCEPT_WEAK
        scored = []
        for hit in await self.forum.search(title, hits=SEARCH_HITS):
            record = parse_post(hit)
            if record is not None:
                scored.append((post_similarity(title, record.title), record))
        scored.sort(key=lambda x: (-x[0], -(x[1].karma or 0)))
        if not scored or scored[0][0] < need:
            return None
        best_sim, best = scored[0]
        rivals = [r for s, r in scored[1:] if s >= best_sim - 0.005 and normalise(r.title) != normalise(best.title)]
        if rivals:
            return None
        return PostMatch(best, best_sim, how)

    async def by_author(self, m: Mention) -> PostMatch | None:
        """An author reference: search the author's name with the topic words, keep posts by
        that author whose title or summary has every topic word."""
        words = _topic_after(m)
        if not m.authors or not words:
            return None
        author = m.authors[0].lower()
        fits = []
        for hit in await self.forum.search(" ".join([m.authors[0], *words]), hits=SEARCH_HITS):
            record = parse_post(hit)
            if record is None:
                continue
            names = " ".join(f"{a.name} {a.author_id or ''}" for a in record.authors or []).lower()
            title = normalise(record.title)
            text = f"{title} {normalise(record.abstract or '')}"
            if author in names and all(_has_word(w, text) for w in words):
                fits.append((sum(_has_word(w, title) for w in words), record))
        fits.sort(key=lambda x: -x[0])
        # Several posts by the author on the topic: the one whose title says it, if only one does.
        if not fits or (len(fits) > 1 and fits[1][0] >= fits[0][0]):
            return None
        return PostMatch(fits[0][1], 0.9, "author-ref")

    async def resolve(self, m: Mention) -> PostMatch | None:
        if m.kind == "url":
            return await self.by_url(m)
        if m.alias_title and m.alias_kind == "post":
            return await self.by_title(m, m.alias_title, how="alias", strict=True)
        if m.kind == "author-ref":
            return await self.by_author(m)
        if m.kind == "title":
            return await self.by_title(m, m.surface)
        return None


def wants_forum(m: Mention, s2_status: str, s2_title: str | None) -> bool:
    """Whether a mention is worth a forum request, given what Semantic Scholar said."""
    if m.kind == "url":
        return m.alias_kind == "post"
    if m.alias_kind == "post":
        return True
    if m.alias_kind == "book" or m.id:
        return False
    if m.kind == "author-ref":
        return s2_status != "resolved"
    if m.kind != "title" or m.score < QUERY_SCORE:
        return False
    if s2_status == "resolved" and s2_title is not None:
        return post_similarity(m.surface, s2_title) < 0.99
    return s2_status != "rejected" or m.score >= KEEP_SCORE


def choose(m: Mention, paper_title: str | None, post: PostMatch) -> tuple[bool, str]:
    """(the post wins?, why) when a mention matches a paper and a post."""
    if paper_title is None:
        return True, f"a forum post ({post.how}); Semantic Scholar has no paper by this name"
    paper_sim = post_similarity(m.alias_title or m.surface, paper_title)
    if post.similarity >= paper_sim + MARGIN:
        return True, (f"the post \"{post.record.title}\" matches better ({post.similarity:.2f}) "
                      f"than the paper \"{paper_title}\" ({paper_sim:.2f})")
    return False, (f"the paper matches at least as well ({paper_sim:.2f}) as the post "
                   f"\"{post.record.title}\" ({post.similarity:.2f})")


async def consult_forum(forum, todo: dict[str, Mention], outcomes: dict) -> list[str]:
    """Give every mention worth it a forum lookup and let a post replace the paper outcome when
    it is the better match. A forum that does not answer leaves the paper outcomes as they were,
    with the reason in their note, not cached as consulted (the next run asks again); the
    returned warning says so once."""
    import asyncio

    from kb.errors import ForumApiError
    from kb.grounding.seeds import Outcome

    resolver = PostResolver(forum)
    keys = [k for k, m in todo.items()
            if wants_forum(m, outcomes[k].status, (outcomes[k].paper or {}).get("title"))]

    async def one(key: str):
        try:
            return await resolver.resolve(todo[key])
        except ForumApiError as exc:
            return exc

    matches = await asyncio.gather(*(one(k) for k in keys))
    failed = {key: match for key, match in zip(keys, matches) if isinstance(match, ForumApiError)}
    for key, match in zip(keys, matches):
        m, o = todo[key], outcomes[key]
        if key in failed:
            o.note = f"{o.note + '; ' if o.note else ''}{match}"
            continue
        if match is None:
            if (o.status == "not-in-s2" and m.alias_kind == "post") or m.kind == "url":
                outcomes[key] = Outcome("unresolved", note="the forum has no post by this name or link")
            continue
        paper_title = (o.paper or {}).get("title") if o.status == "resolved" else None
        wins, why = choose(m, paper_title, match)
        if wins:
            outcomes[key] = Outcome("resolved", None, match.record.paper_id, resolved_by=match.how,
                                    note=why, post=match.record)
        else:
            o.note = why
    for key, o in outcomes.items():
        if key in todo and key not in failed and o.status != "resolved" and not o.resolved_by:
            o.resolved_by = "forum"   # the forum was consulted: the cached answer stands next time
    if not failed:
        return []
    first = next(iter(failed.values()))
    return [f"{first}; {len(failed)} mention(s) were not looked up on the forum (the next "
            "`kb seed add` of the same document asks again)"]
