"""Tagging papers with alignment themes: the user's manual tags and three automatic sources.

* ``rule``: the theme's keyword phrases in title, abstract and TLDR. Cheap, transparent, and
  usable on a single text (the crawler scores its frontier with :func:`rule_scores`).
* ``model``: per theme, a linear SVM over tf-idf of title + abstract + TLDR, trained on the
  manual tags and the confident rule tags, negatives being everything else (the
  arxiv-sanity-lite recipe), and moved by the paper's SPECTER vector where the store holds one
  (:mod:`kb.knowledge.theme_vectors`). It is retrained on every ``kb tag auto`` run, except
  that a big store keeps it between runs until its labels, taxonomy or size change
  (:mod:`kb.knowledge.theme_cache`).
* ``graph``: a paper most of whose cited and citing papers carry a theme probably does too.

Automatic tags are stored per source with their score, only when the source's score passes
its threshold; the user's manual rows (positive, or ``negative`` = "not this theme") always
win, see ``paper_theme_effective``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kb.errors import UsageError
from kb.knowledge.themes import (
    AUTO_SOURCES,
    Taxonomy,
    Thresholds,
    load_taxonomy,
    sync_taxonomy,
)

TOKEN = re.compile(r"[a-z0-9]+")
TITLE_WEIGHT = 1.5
BODY_WEIGHT = 1.0


# -- rules --------------------------------------------------------------------------------------

class RuleMatcher:
    """Finds a taxonomy's keyword phrases in text by matching word sequences.

    Texts are lower-cased and split into runs of letters and digits, so "in-context",
    "in context" and "In-Context" are the same phrase. A phrase word matches the same word or
    its plural (s/es); a final ``*`` matches any ending. Matching goes word by word through a
    per-word cache of candidate phrases, which keeps 100k abstracts in the seconds range
    where one big regex alternation would take many minutes.
    """

    def __init__(self, taxonomy: Taxonomy):
        self.slugs = list(taxonomy.themes)
        self.phrases: list[tuple[tuple[str, ...], bool]] = []   # (words, last word is a prefix)
        self.phrase_themes: list[list[int]] = []
        index: dict[tuple[tuple[str, ...], bool], int] = {}
        for ti, slug in enumerate(self.slugs):
            for keyword in taxonomy.themes[slug].keywords:
                wild = keyword.endswith("*")
                words = tuple(TOKEN.findall(keyword.rstrip("*").lower()))
                if not words:
                    continue
                key = (words, wild)
                if key not in index:
                    index[key] = len(self.phrases)
                    self.phrases.append(key)
                    self.phrase_themes.append([])
                if ti not in self.phrase_themes[index[key]]:
                    self.phrase_themes[index[key]].append(ti)
        self._exact_first: dict[str, list[int]] = defaultdict(list)
        self._prefix_first: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for pi, (words, wild) in enumerate(self.phrases):
            first = words[0]
            if wild and len(words) == 1:
                self._prefix_first[len(first)][first].append(pi)
            else:
                self._exact_first[first].append(pi)
        self._cache: dict[str, tuple[int, ...]] = {}
        # Each word of a phrase as the set of tokens it accepts (None: a prefix): membership
        # tests instead of string building, on the hot path of a million abstracts.
        self._forms: list[tuple[frozenset[str] | None, ...]] = [
            tuple(None if wild and j == len(words) - 1 else self._forms_of(w) for j, w in enumerate(words))
            for words, wild in self.phrases]

    @staticmethod
    def _forms_of(word: str) -> frozenset[str]:
        forms = {word, word + "s", word + "es"}
        if word.endswith("y"):
            forms.add(word[:-1] + "ies")
        return frozenset(forms)

    @staticmethod
    def _word_matches(token: str, word: str, prefix: bool) -> bool:
        if prefix:
            return token.startswith(word)
        return token == word or token == word + "s" or token == word + "es" or (
            word.endswith("y") and token == word[:-1] + "ies")

    def _candidates(self, token: str) -> tuple[int, ...]:
        found = self._cache.get(token)
        if found is None:
            out: list[int] = []
            for base in {token, token[:-1] if token.endswith("s") else token,
                         token[:-2] if token.endswith("es") else token,
                         token[:-3] + "y" if token.endswith("ies") else token}:
                out.extend(self._exact_first.get(base, ()))
            for length, table in self._prefix_first.items():
                if len(token) >= length:
                    out.extend(table.get(token[:length], ()))
            found = tuple(sorted(set(out)))
            self._cache[token] = found
        return found

    def spans_in(self, text: str | None) -> list[tuple[int, int, int]]:
        """(phrase index, first token, token after the last) of every phrase occurrence."""
        if not text:
            return []
        tokens = TOKEN.findall(text.lower())
        spans: list[tuple[int, int, int]] = []
        cache, candidates = self._cache, self._candidates
        forms, phrases, size = self._forms, self.phrases, len(tokens)
        for i, token in enumerate(tokens):
            found = cache.get(token)
            if found is None:
                found = candidates(token)
            for pi in found:
                accept = forms[pi]
                n = len(accept)
                if n == 1:
                    spans.append((pi, i, i + 1))
                    continue
                if i + n > size or token not in accept[0]:
                    continue
                for j in range(1, n):
                    ok = accept[j]
                    if not (tokens[i + j] in ok if ok is not None
                            else tokens[i + j].startswith(phrases[pi][0][j])):
                        break
                else:
                    spans.append((pi, i, i + n))
        return spans

    def phrases_in(self, text: str | None) -> set[int]:
        """Indices of the phrases occurring in ``text``."""
        return {pi for pi, _, _ in self.spans_in(text)}

    def _mentions(self, spans: list[tuple[int, int, int]]) -> dict[int, list[frozenset[int]]]:
        """Per theme, its distinct mentions among a paper's phrase ``spans``: a phrase is one
        mention wherever it occurs, and phrases of the theme whose occurrences overlap anywhere
        ("visual cortex" and "cortex", "power law*" and "power-law") are one mention, so that
        one sentence, or one idea named in the title and again in the abstract, cannot count twice."""
        by_theme: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for span in spans:
            for ti in self.phrase_themes[span[0]]:
                by_theme[ti].append(span)
        out: dict[int, list[frozenset[int]]] = {}
        for ti, spans in by_theme.items():
            group = {pi: pi for pi, _, _ in spans}

            def root(pi: int) -> int:
                while group[pi] != pi:
                    pi = group[pi]
                return pi

            spans.sort(key=lambda s: (s[1], s[2]))
            first, end = spans[0][0], spans[0][2]
            for pi, start, stop in spans[1:]:
                if start < end:                     # overlaps the run of spans before it
                    group[root(pi)] = root(first)
                    end = max(end, stop)
                else:
                    first, end = pi, stop
            members: dict[int, set[int]] = defaultdict(set)
            for pi in group:
                members[root(pi)].add(pi)
            out[ti] = [frozenset(m) for m in members.values()]
        return out

    def scores(self, title: str | None, body: str | None = None) -> dict[str, float]:
        """Theme slug -> score: each distinct mention (:meth:`_mentions`, over title and
        abstract/TLDR together) counts TITLE_WEIGHT when one of its phrases is in the title, else
        BODY_WEIGHT; themes with no phrase are absent. One mention stays under the default rule
        threshold (2.0), in the title, the abstract or both: one phrase never tags a paper by
        itself (counting the title's and the abstract's mentions apart, a phrase in both scored
        2.5 and did)."""
        return self.explain(title, body)[0]

    def matched_keywords(self, title: str | None, body: str | None = None) -> dict[str, list[str]]:
        """Which phrases fired for which theme, to explain a rule tag."""
        return self.explain(title, body)[1]

    def explain(self, title: str | None, body: str | None = None
                ) -> tuple[dict[str, float], dict[str, list[str]]]:
        """(:meth:`scores`, :meth:`matched_keywords`) from one pass over the texts."""
        scores, phrases = self.theme_scores(title, body)
        return {self.slugs[ti]: s for ti, s in scores.items()}, self.keywords_of(phrases)

    def theme_scores(self, title: str | None, body: str | None = None) -> tuple[dict[int, float], list[int]]:
        """(theme index -> score, the indices of the phrases found, ascending): what
        :meth:`explain` says, in the form a million papers' results are kept in."""
        title_spans, body_spans = self.spans_in(title), self.spans_in(body)
        if not title_spans and not body_spans:
            return {}, []
        in_title = {pi for pi, _, _ in title_spans}
        # The abstract's spans placed after the title's, so that only spans of one text overlap.
        after = 1 + max((stop for _, _, stop in title_spans), default=0)
        spans = title_spans + [(pi, start + after, stop + after) for pi, start, stop in body_spans]
        scores = {ti: sum(TITLE_WEIGHT if mention & in_title else BODY_WEIGHT for mention in mentions)
                  for ti, mentions in self._mentions(spans).items()}
        return scores, sorted({pi for pi, _, _ in spans})

    def keywords_of(self, phrases: Iterable[int]) -> dict[str, list[str]]:
        """Theme slug -> the keywords among ``phrases`` (phrase indices, ascending)."""
        keywords: dict[str, list[str]] = defaultdict(list)
        for pi in phrases:
            words, wild = self.phrases[pi]
            for ti in self.phrase_themes[pi]:
                keywords[self.slugs[ti]].append(" ".join(words) + ("*" if wild else ""))
        return dict(keywords)


@lru_cache(maxsize=4)
def _matcher_for(path: str, mtime: float) -> RuleMatcher:
    return RuleMatcher(load_taxonomy(path))


def matcher(taxonomy: Taxonomy | None = None) -> RuleMatcher:
    if taxonomy is not None:
        return RuleMatcher(taxonomy)
    from kb.knowledge.themes import themes_path

    path = themes_path()
    return _matcher_for(str(path), path.stat().st_mtime if path.exists() else 0.0)


def rule_scores(text: str | None, body: str | None = None,
                taxonomy: Taxonomy | None = None) -> dict[str, float]:
    """Keyword score per theme for one paper, cheap enough to call per frontier paper.

    ``text`` is weighted as a title; pass the abstract/TLDR as ``body``. The matcher for the
    default taxonomy file is cached (and rebuilt when the file changes).
    """
    return matcher(taxonomy).scores(text, body)


# -- manual tags --------------------------------------------------------------------------------

def set_manual(store, paper: int, slugs: Sequence[str], *, negative: bool = False,
               taxonomy: Taxonomy | None = None) -> list[str]:
    """Record the user's word on ``paper`` for each theme: it is (or, with ``negative``, is
    not) about it. Replaces an earlier manual word; automatic rows stay but lose to it."""
    from kb.store import utc_now

    taxonomy = taxonomy or load_taxonomy()
    resolved = list(dict.fromkeys(taxonomy.resolve(s) for s in slugs))
    sync_taxonomy(store, taxonomy)
    now = utc_now()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO paper_theme (paper, theme, source, score, negative, updated_at)"
            " VALUES (?, ?, 'manual', 1.0, ?, ?) ON CONFLICT(paper, theme, source) DO UPDATE SET"
            " negative = excluded.negative, score = 1.0, updated_at = excluded.updated_at",
            [(paper, s, int(negative), now) for s in resolved])
    return resolved


def forget_manual(store, paper: int, slugs: Sequence[str],
                  taxonomy: Taxonomy | None = None) -> list[str]:
    """Drop the user's word on these themes, so automatic tags decide again."""
    taxonomy = taxonomy or load_taxonomy()
    resolved = []
    for s in slugs:
        try:
            resolved.append(taxonomy.resolve(s))
        except UsageError:
            resolved.append(s)  # a retired theme's manual tag can still be forgotten
    with store.transaction() as conn:
        gone = [s for s in resolved if conn.execute(
            "DELETE FROM paper_theme WHERE paper = ? AND theme = ? AND source = 'manual'",
            (paper, s)).rowcount]
    return gone


def theme_papers(store, theme: str, *, limit: int | None = None) -> list[dict]:
    """The papers of a theme (and its sub-themes), newest first, each with every effective
    tag (theme, score, source): what ``kb tag list --theme`` shows."""
    from kb.knowledge.themes import theme_filter, themes_of

    where, params = theme_filter(store, theme)
    sql = (f"SELECT p.id, p.paper_id, p.title, p.year FROM paper p WHERE {where}"
           " ORDER BY p.year DESC, p.id")
    if limit:
        sql += " LIMIT ?"
        params = [*params, int(limit)]
    rows = [dict(r) for r in store.conn.execute(sql, params)]
    tags = themes_of(store, [r["id"] for r in rows])
    for r in rows:
        r["themes"] = [{"theme": s, "score": round(sc, 4), "source": src}
                       for s, sc, src in tags.get(r["id"], [])]
    return rows


def paper_tags(store, paper: int) -> list[dict]:
    """Every tag row of a paper, with whether it is in effect (a manual word hides automatic
    rows of the same theme)."""
    rows = store.conn.execute(
        "SELECT theme, source, score, negative, updated_at, signals FROM paper_theme WHERE paper = ?"
        " ORDER BY theme, source = 'manual' DESC, score DESC", (paper,)).fetchall()
    manual = {r["theme"] for r in rows if r["source"] == "manual"}
    out = []
    for r in rows:
        if r["source"] == "manual":
            effective = not r["negative"]
        else:
            effective = r["theme"] not in manual
        out.append({"theme": r["theme"], "source": r["source"], "score": round(r["score"], 4),
                    "negative": bool(r["negative"]), "effective": effective,
                    "updated_at": r["updated_at"],
                    "signals": json.loads(r["signals"]) if r["signals"] else None})
    return out


# -- automatic tagging --------------------------------------------------------------------------

@dataclass
class Texts:
    ids: list[int]
    titles: list[str]
    bodies: list[str]
    #: Each paper's half for the embedding signal (see theme_vectors.fit), from its Semantic
    #: Scholar id: store ids follow arrival order, which a resumed crawl changes.
    halves: list[int] = field(default_factory=list)

    def joined(self) -> "JoinedTexts":
        return JoinedTexts(self)


@dataclass
class JoinedTexts:
    """Each paper's title and abstract+TLDR as one text, made as they are read: featurising a
    million papers from a list of them held a second copy of every abstract (a gigabyte)."""

    texts: Texts

    def __len__(self) -> int:
        return len(self.texts.ids)

    def __iter__(self):
        return (f"{t}\n{b}" for t, b in zip(self.texts.titles, self.texts.bodies))


def load_texts(store, paper_ids: Iterable[int] | None = None, *, bodies: bool = True) -> Texts:
    """Title and abstract+TLDR of every paper that has a title (or of ``paper_ids``); without
    ``bodies``, titles only (``Texts.bodies`` None: a big store keeps what the abstracts gave).

    Ordered by Semantic Scholar id, not store id: store ids follow the order in which pages
    happened to arrive, and the models' negative sampling follows row order, so a resumed or
    re-run crawl of the same graph must give the same rows to end with the same tags."""
    sql = (f"SELECT id, title, {'abstract, tldr' if bodies else 'NULL, NULL'}, paper_id FROM paper"
           " WHERE title IS NOT NULL")
    if paper_ids is None:
        rows = store.conn.execute(sql + " ORDER BY paper_id").fetchall()
    else:
        rows = store.conn.execute(sql + " AND id IN (SELECT value FROM json_each(?)) ORDER BY paper_id",
                                  (json.dumps([int(i) for i in paper_ids]),)).fetchall()
    return Texts(ids=[r[0] for r in rows], titles=[r[1] or "" for r in rows],
                 bodies=[" ".join(x for x in (r[2], r[3]) if x) for r in rows] if bodies else None,
                 halves=[zlib.crc32(r[4].encode()) & 1 for r in rows])


def rule_matrix(texts: Texts, taxonomy: Taxonomy):
    """(papers x themes) keyword scores, and per paper the phrases that fired
    (:class:`FiredKeywords`)."""
    import numpy as np

    m = RuleMatcher(taxonomy)
    out = np.zeros((len(texts.ids), len(m.slugs)), dtype=np.float32)
    indptr, found = [0], []
    for row, (title, body) in enumerate(zip(texts.titles, texts.bodies)):
        scores, phrases = m.theme_scores(title, body)
        for ti, score in scores.items():
            out[row, ti] = score
        found += phrases
        indptr.append(len(found))
    return out, FiredKeywords(m, np.asarray(indptr, dtype=np.int64), np.asarray(found, dtype=np.int32))


def labelled_rows(texts: Texts, labelled, title_hashes=None):
    """Which papers of ``texts`` are labelled works (by title key); with ``title_hashes`` (kept
    per paper, :class:`kb.knowledge.theme_cache.PaperTexts`) only papers whose hash matches one
    are checked, instead of a million titles."""
    import numpy as np

    from kb.knowledge.theme_model import title_key

    if title_hashes is None:
        return np.array([title_key(t) in labelled.keys for t in texts.titles], dtype=bool)
    out = np.isin(title_hashes, [zlib.crc32(k.encode()) for k in labelled.keys])
    for r in np.flatnonzero(out):
        out[r] = title_key(texts.titles[r]) in labelled.keys
    return out


def kept_or_computed(store, texts: Texts, taxonomy: Taxonomy, signatures, kept):
    """(rules, fired, counts, new, every): :func:`rule_matrix` and the term counts of ``texts``,
    taken from ``kept`` (:class:`kb.knowledge.theme_cache.PaperTexts`, or None) for every paper
    whose text signature is unchanged and computed for the others; ``new`` holds those computed
    (to be kept for the next run), ``every`` all rows (in ``texts`` order). ``texts`` may come
    without bodies: those of the papers to compute are read from the store."""
    import numpy as np
    from scipy import sparse

    from kb.knowledge.theme_cache import PaperTexts
    from kb.knowledge.theme_model import term_counts, title_key

    ids = np.asarray(texts.ids, dtype=np.int64)
    at = np.minimum(np.searchsorted(signatures.ids, ids), max(len(signatures.ids) - 1, 0))
    sigs = signatures.sigs[at] if len(signatures.ids) else np.zeros(len(ids), dtype=np.int64)
    hit, pos = np.zeros(len(ids), dtype=bool), np.zeros(len(ids), dtype=np.int64)
    if kept is not None and len(kept):
        # The kept row of each paper, through an array indexed by store id.
        row_of = np.full(int(max(kept.ids.max(), ids.max(initial=0))) + 1, -1, dtype=np.int64)
        row_of[kept.ids] = np.arange(len(kept))
        pos = row_of[ids]
        hit = pos >= 0
        hit[hit] = kept.sigs[pos[hit]] == sigs[hit]
        pos = np.maximum(pos, 0)
    miss = np.flatnonzero(~hit)
    if texts.bodies is None:
        read = load_texts(store, ids[miss].tolist())
        body_of = dict(zip(read.ids, read.bodies))
        bodies = [body_of.get(texts.ids[i], "") for i in miss]
    else:
        bodies = [texts.bodies[i] for i in miss]
    sub = Texts(ids=[texts.ids[i] for i in miss], titles=[texts.titles[i] for i in miss], bodies=bodies)
    rules, fired = rule_matrix(sub, taxonomy)
    new = PaperTexts(ids[miss], sigs[miss], term_counts(sub.joined()), sparse.csr_matrix(rules),
                     fired.indptr, fired.phrases,
                     np.fromiter((zlib.crc32(title_key(t).encode()) for t in sub.titles), dtype=np.int64, count=len(miss)))
    if not hit.any():
        every = new                                   # computed in texts order
    elif not len(miss):
        every = kept.take(pos)
    else:
        index = pos.copy()
        index[miss] = len(kept) + np.arange(len(miss))
        every = PaperTexts.join([kept, new]).take(index)
    return (every.rules.toarray(), FiredKeywords(fired.matcher, every.phrase_indptr, every.phrases),
            every.counts, new, every)


@dataclass
class FiredKeywords:
    """Per paper (row), the keyword phrases found in its texts, as phrase indices of ``matcher``
    (CSR: row r's are ``phrases[indptr[r]:indptr[r + 1]]``); the keywords of a row are spelled out
    only when a tag asks for them, a few of a million rows."""

    matcher: RuleMatcher
    indptr: object
    phrases: object

    def get(self, row: int, default=None) -> dict[str, list[str]] | None:
        """Theme slug -> the keywords found in paper ``row`` (``default`` when there are none)."""
        found = tuple(self.phrases[self.indptr[row]:self.indptr[row + 1]].tolist())
        return self._spelled(found) if found else default

    def __post_init__(self):
        from functools import lru_cache

        # Papers share combinations of phrases: each is spelled out once, and the answer shared
        # (callers only read it).
        self._spelled = lru_cache(maxsize=65_536)(self.matcher.keywords_of)


def _closure_columns(taxonomy: Taxonomy):
    """For each theme column, the columns of the theme and its sub-themes."""
    slugs = list(taxonomy.themes)
    index = {s: i for i, s in enumerate(slugs)}
    return [[index[d] for d in taxonomy.descendants(s)] for s in slugs]


def training_labels(store, texts: Texts, taxonomy: Taxonomy, rules, thresholds: Thresholds):
    """(positive, negative, manual, manual positive) matrices of the store's own evidence.

    Positives: manual tags (of the theme or a sub-theme) and confident rule tags. Negatives:
    manual "not this theme". ``manual`` marks the user's word, which the model weighs most.
    """
    import numpy as np

    slugs = list(taxonomy.themes)
    index = {s: i for i, s in enumerate(slugs)}
    row_of = {pid: r for r, pid in enumerate(texts.ids)}
    n, k = len(texts.ids), len(slugs)
    manual_pos = np.zeros((n, k), dtype=bool)
    manual_neg = np.zeros((n, k), dtype=bool)
    for paper, theme, negative in store.conn.execute(
            "SELECT paper, theme, negative FROM paper_theme WHERE source = 'manual'"):
        r, c = row_of.get(paper), index.get(theme)
        if r is None or c is None:
            continue
        (manual_neg if negative else manual_pos)[r, c] = True
    confident = rules >= thresholds.rule_confident
    closure = _closure_columns(taxonomy)
    pos = np.zeros((n, k), dtype=bool)
    for c, cols in enumerate(closure):
        pos[:, c] = manual_pos[:, cols].any(axis=1) | confident[:, cols].any(axis=1)
    pos &= ~manual_neg
    return pos, manual_neg, manual_pos | manual_neg, manual_pos


def paper_forum_tags(store) -> dict[int, set[str]]:
    """The forum tags (lower case) of each paper that is a forum post, from the ``post`` table.
    Themes name the forum tags they accept in ``forum_tags`` (data/themes.toml)."""
    out: dict[int, set[str]] = {}
    for paper, tags in store.conn.execute("SELECT paper, tags FROM post WHERE tags IS NOT NULL"):
        try:
            names = json.loads(tags)
        except ValueError:
            continue
        if isinstance(names, list):
            out[paper] = {str(n).strip().lower() for n in names}
    return out


def forum_matrix(store, texts: Texts, taxonomy: Taxonomy):
    """(papers x themes) list of the theme's forum tags each paper carries (None: none)."""
    tags_of = paper_forum_tags(store)
    slugs = list(taxonomy.themes)
    out: dict[tuple[int, int], list[str]] = {}
    if not tags_of:
        return out
    for r, pid in enumerate(texts.ids):
        tags = tags_of.get(pid)
        if not tags:
            continue
        for c, slug in enumerate(slugs):
            hit = sorted(tags & set(taxonomy.themes[slug].forum_tags))
            if hit:
                out[(r, c)] = hit
    return out


def graph_matrix(store, texts: Texts, tagged, scope: list[str] | None = None):
    """(share, count): for each paper and theme, how many of its cited and citing papers carry
    the theme, and what share of its neighbours that is.

    With ``scope`` (the theme slugs of ``tagged``'s columns), ``texts`` are only the papers
    being rescored: their edges are read by id,
    and a neighbour outside them counts with the tags the store holds for it (its manual
    positives and automatic rule/model rows, as in a full run, where graph evidence rests on the
    other sources)."""
    import numpy as np
    from scipy import sparse

    n, k = tagged.shape
    row_of = {pid: r for r, pid in enumerate(texts.ids)}
    if scope is not None:
        payload = json.dumps(texts.ids)
        edges = store.conn.execute(
            "SELECT citing, cited FROM citation WHERE citing IN (SELECT value FROM json_each(?))"
            " UNION SELECT citing, cited FROM citation WHERE cited IN (SELECT value FROM json_each(?))",
            (payload, payload)).fetchall()
        outside = sorted({p for e in edges for p in e if p not in row_of})
        for p in outside:
            row_of[p] = len(row_of)
        extra = np.zeros((len(outside), k), dtype=bool)
        if outside:
            col = {slug: i for i, slug in enumerate(scope)}
            denied = set()
            rows = store.conn.execute(
                "SELECT paper, theme, source, negative FROM paper_theme WHERE source != 'graph'"
                " AND paper IN (SELECT value FROM json_each(?))", (json.dumps(outside),)).fetchall()
            for paper, theme, source, negative in rows:
                if source == "manual" and negative:
                    denied.add((paper, theme))
            for paper, theme, source, negative in rows:
                c = col.get(theme)
                if c is not None and not negative and (paper, theme) not in denied:
                    extra[row_of[paper] - n, c] = True
        tagged = np.vstack([tagged, extra])
        pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    else:
        from kb.knowledge.ranking import read_edges

        # In bulk, as the rank run reads them: fetching ten million (citing, cited) tuples
        # into Python was most of the graph step on a big store.
        pairs = np.stack(read_edges(store), axis=1)
    # Map store ids to rows through an array indexed by id rather than a dict probe per edge (a
    # million-paper store has ten million edges; a binary search per edge end took seconds).
    ids = np.fromiter(row_of.keys(), dtype=np.int64, count=len(row_of))
    rows_of_ids = np.fromiter(row_of.values(), dtype=np.int64, count=len(row_of))
    top = int(max(ids.max(initial=0), pairs.max(initial=0))) + 1
    lookup = np.full(top, -1, dtype=np.int64)
    lookup[ids] = rows_of_ids
    where = lookup[pairs] if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    known = (where >= 0).all(axis=1)
    src, dst = where[known, 0], where[known, 1]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if not len(src):
        zero = np.zeros((n, k), dtype=np.float32)
        return zero, zero
    size = len(row_of)
    adj = sparse.coo_matrix((np.ones(len(src), dtype=np.float32), (src, dst)), shape=(size, size)).tocsr()
    adj = ((adj + adj.T) > 0).astype(np.float32)[:n]
    degree = np.asarray(adj.sum(axis=1)).ravel()
    count = np.asarray(adj @ tagged.astype(np.float32))
    share = count / np.maximum(degree, 1.0)[:, None]
    return share.astype(np.float32), count.astype(np.float32)


@dataclass
class Proposal:
    """What an automatic tagging run wants the store to hold."""

    slugs: list[str]
    texts: Texts
    rows: dict[tuple[int, str, str], float]          # (paper, theme, source) -> score
    trained: dict[str, int] = field(default_factory=dict)  # theme -> positives trained on
    signals: dict[tuple[int, str], dict] = field(default_factory=dict)  # (paper, theme) -> why
    calibrated: dict[str, float] = field(default_factory=dict)  # theme -> model threshold
    scope: list[int] | None = None   # the papers scored (None: all); other papers' rows stay
    cache: object = None             # what auto_tag writes to the model cache afterwards


FORUM_WEIGHT = 0.5   # added to the combined model score when a post carries a mapped forum tag


def propose(store, taxonomy: Taxonomy, thresholds: Thresholds | None = None,
            sources: Sequence[str] = AUTO_SOURCES, labelled=None, settings=None,
            full: bool = False, keep_texts: bool = False) -> Proposal:
    """Compute every automatic tag the thresholds accept, without touching the store.

    ``rule``: keyword score at or above ``thresholds.rule`` (one phrase never suffices).
    ``model``: the combined score (model margin + weighted rule score + forum tags, see
    :mod:`kb.knowledge.theme_model`, + the embedding signal where the paper has a vector, see
    :mod:`kb.knowledge.theme_vectors`) at or above the theme's calibrated threshold.
    ``graph``: most of the paper's citation neighbours carry the theme.
    Every accepted (paper, theme) records all its signals, whichever source accepted it.

    On a big SQLite store whose cached model (:mod:`kb.knowledge.theme_cache`) still holds,
    only new and changed papers are scored (``Proposal.scope``); ``full`` retrains regardless.
    With ``keep_texts``, what tokenising new and edited papers gave is kept beside such a store
    (:func:`kb.knowledge.theme_cache.save_texts`) as soon as it is known, so that a run killed
    later does not tokenise them again.
    """
    import numpy as np

    from kb.knowledge import theme_cache, theme_vectors
    from kb.knowledge.theme_model import ModelSettings, load_labelled, theme_scores, title_key

    thresholds = thresholds or taxonomy.thresholds
    settings = settings or ModelSettings()
    slugs = list(taxonomy.themes)
    cached = plan = None
    if "model" in sources:
        labelled = load_labelled(taxonomy) if labelled is None else labelled
        directory = theme_cache.cache_dir(store)
        signatures = theme_cache.paper_signatures(store) if directory is not None else None
        if signatures is not None and len(signatures.ids) >= settings.cache_min_papers:
            manual_rows = [tuple(r) for r in store.conn.execute(
                "SELECT paper, theme, negative FROM paper_theme WHERE source = 'manual'")]
            key = theme_cache.model_key(store, labelled, taxonomy, settings, sources, manual_rows, thresholds)
            cached = None if full else theme_cache.load(directory, key)
            if cached is not None and len(signatures.ids) > cached.trained_papers * (1 + settings.retrain_growth):
                cached = None
            plan = (directory, key, signatures)
    scope = None
    if cached is not None:
        scope = [int(i) for i in plan[2].changed(cached.papers)]
        texts = load_texts(store, scope)
    else:
        texts = load_texts(store, bodies=plan is None)
    n, k = len(texts.ids), len(slugs)
    counts = None
    if plan is not None:
        # A big store keeps what each paper's texts gave; only new and edited papers are
        # tokenised again (theme_cache.PaperTexts).
        text_key = theme_cache.texts_key(store, taxonomy)
        # A run of the cached model scores new and edited papers only: none of them is kept.
        kept, segments = theme_cache.load_texts(plan[0], text_key) if scope is None else (None, 0)
        rules, fired, counts, new_texts, every = kept_or_computed(store, texts, taxonomy, plan[2], kept)
        del kept
        if keep_texts:      # before the counts are weighed in place
            rewrite = every if scope is None and segments + 1 > theme_cache.MAX_SEGMENTS else None
            theme_cache.save_texts(plan[0], text_key, new_texts, rewrite=rewrite)
        title_hashes = every.title_hashes
        del new_texts, every
    elif n:
        rules, fired = rule_matrix(texts, taxonomy)
    else:
        rules, fired = np.zeros((0, k), dtype=np.float32), {}
    accept_rule = rules >= thresholds.rule
    rows: dict[tuple[int, str, str], float] = {}
    proposal = Proposal(slugs=slugs, texts=texts, rows=rows, scope=scope)
    accepted = np.zeros((n, k), dtype=bool)
    if "rule" in sources:
        accepted |= accept_rule
        for r, c in zip(*np.nonzero(accept_rule)):
            rows[(texts.ids[r], slugs[c], "rule")] = float(rules[r, c])
    pos, neg, manual, manual_pos = training_labels(store, texts, taxonomy, rules, thresholds)
    forum = forum_matrix(store, texts, taxonomy)
    margins = vectors = None
    if "model" in sources and n:
        if cached is not None:
            from kb.knowledge.theme_model import text_features, weigh

            model = cached.model
            X, _ = text_features(texts.joined(), model.idf) if counts is None else weigh(counts, model.idf)
            margins = model.margins(X)
            combined = margins + np.minimum(rules, settings.rule_cap) * settings.rule_weight
            on_topic = model.on_topic(X, margins)
            cut = np.nan_to_num(model.thresholds, nan=np.inf)
        else:
            labelled_rules, _ = rule_matrix(Texts(ids=list(range(len(labelled))), titles=labelled.titles,
                                                  bodies=labelled.bodies), taxonomy)
            in_labelled = labelled_rows(texts, labelled, title_hashes if plan is not None else None)
            scored = theme_scores(texts.joined(), rules, pos, neg, manual, labelled, labelled_rules, slugs,
                                  thresholds.model, settings, in_labelled, theme_texts(taxonomy), counts=counts)
            margins, combined, on_topic = scored.margins, scored.combined, scored.on_topic
            cut = np.nan_to_num(scored.thresholds, nan=np.inf)
            proposal.trained = scored.trained
            proposal.calibrated = {slugs[c]: round(float(scored.thresholds[c]), 4)
                                   for c in range(k) if slugs[c] in scored.calibrated}
            model = scored.model
        for (r, c) in forum:
            combined[r, c] += FORUM_WEIGHT
            if on_topic is not None:
                # The forum's own label of what a post is about: the gate is there to stop near
                # misses whose words resemble the themes', and a post with little text fails it.
                on_topic[r] = True

        def model_accepts():
            accept = np.nan_to_num(combined, nan=-np.inf) >= cut[None, :]
            return accept & on_topic[:, None] if on_topic is not None else accept

        accept_model = model_accepts()
        halves = None
        if cached is None:
            fitted = theme_vectors.fit(store, texts.ids, texts.halves, (accepted | accept_model | manual_pos) & ~neg)
            model.directions, halves = fitted if fitted is not None else (None, None)
        if model.directions is not None:
            vectors = theme_vectors.score(store, texts.ids, model.directions, halves=halves, row_halves=texts.halves,
                                          by_id=cached is not None)
            combined += theme_vectors.shift(vectors)
            accept_model = model_accepts()
        accepted |= accept_model
        for r, c in zip(*np.nonzero(accept_model)):
            rows[(texts.ids[r], slugs[c], "model")] = round(float(combined[r, c]), 4)
        if cached is not None:
            proposal.calibrated = {slugs[c]: round(float(model.thresholds[c]), 4)
                                   for c in range(k) if np.isfinite(model.thresholds[c])}
    if plan is not None:
        directory, key, signatures = plan
        proposal.cache = (directory, key, signatures, None if cached is not None else model,
                          cached.trained_papers if cached is not None else len(signatures.ids))
    share = count = None
    if "graph" in sources and n:
        tagged = (accepted | manual_pos) & ~neg
        share, count = graph_matrix(store, texts, tagged, slugs if scope is not None else None)
        accept_graph = (share >= thresholds.graph) & (count >= thresholds.graph_min)
        for r, c in zip(*np.nonzero(accept_graph)):
            rows[(texts.ids[r], slugs[c], "graph")] = round(float(share[r, c]), 4)
    proposal.signals = _signals(proposal, rules, fired, margins, share, count, forum, vectors)
    return proposal


def theme_texts(taxonomy: Taxonomy) -> list[tuple[str, list[bool]]]:
    """Each theme's own words (name, description, keywords) as one text labelled with the theme
    and its ancestors: what the taxonomy's author knew about the theme, as a training row."""
    slugs = list(taxonomy.themes)
    out = []
    for slug, theme in taxonomy.themes.items():
        closure = {slug, *taxonomy.ancestors(slug)}
        words = " ".join(k.rstrip("*") for k in theme.keywords)
        out.append((f"{theme.name}\n{theme.description} {words}", [s in closure for s in slugs]))
    return out


def _signals(proposal: Proposal, rules, fired, margins, share, count, forum, vectors=None):
    """For each proposed (paper, theme): every signal that spoke for it."""
    import math

    import numpy as np

    row_of = {pid: r for r, pid in enumerate(proposal.texts.ids)}
    col_of = {s: c for c, s in enumerate(proposal.slugs)}
    keys = list(dict.fromkeys((paper, slug) for paper, slug, _source in proposal.rows))
    # Each signal read for every tag at once (a million tags' numpy scalars one by one took
    # seconds), as Python floats of the same values.
    at_r = np.fromiter((row_of[p] for p, _ in keys), dtype=np.int64, count=len(keys))
    at_c = np.fromiter((col_of[s] for _, s in keys), dtype=np.int64, count=len(keys))

    def values(matrix):
        return matrix[at_r, at_c].tolist() if matrix is not None else None

    model, embedding, rule, graph, graph_share = (values(margins), values(vectors), values(rules),
                                                  values(count), values(share))
    out: dict[tuple[int, str], dict] = {}
    for i, (paper, slug) in enumerate(keys):
        r, c = at_r[i], at_c[i]
        why: dict = {}
        if model is not None and not math.isnan(model[i]):
            why["model"] = round(model[i], 3)
            if slug in proposal.calibrated:
                why["threshold"] = proposal.calibrated[slug]
        if embedding is not None and not math.isnan(embedding[i]):
            why["embedding"] = round(embedding[i], 3)
        if rule[i] > 0:
            why["rule"] = fired.get(int(r), {}).get(slug, [])
            why["rule_score"] = rule[i]
        if graph is not None and graph[i] > 0:
            why["graph"] = [int(graph[i]), round(graph_share[i], 3)]
        if forum and (int(r), int(c)) in forum:
            why["forum"] = forum[(int(r), int(c))]
        out[(paper, slug)] = why
    return out


@dataclass
class TagChange:
    paper: int
    theme: str
    change: str          # "add" | "remove" (the tag a reader sees) | "rescore" (rows only)
    source: str | None
    score: float | None

    def as_dict(self) -> dict:
        return {"paper": self.paper, "theme": self.theme, "change": self.change,
                "source": self.source, "score": self.score}


@dataclass
class AutoTagResult:
    changes: list[TagChange]
    rows_added: int
    rows_removed: int
    rows_rescored: int
    trained: dict[str, int]
    papers: int
    dry_run: bool
    thresholds: Thresholds
    cached: bool = False      # scored only new and changed papers with the cached model

    def summary(self) -> dict:
        added = sum(1 for c in self.changes if c.change == "add")
        removed = sum(1 for c in self.changes if c.change == "remove")
        return {"papers": self.papers, "tags_added": added, "tags_removed": removed,
                "rows_added": self.rows_added, "rows_removed": self.rows_removed,
                "rows_rescored": self.rows_rescored, "dry_run": self.dry_run, "cached_model": self.cached,
                "trained": self.trained,
                "thresholds": {k: getattr(self.thresholds, k) for k in self.thresholds.__dataclass_fields__}}


def retag(db_path, taxonomy: Taxonomy | None = None, thresholds: Thresholds | None = None, *,
          dry_run: bool = False, sources: Sequence[str] = AUTO_SOURCES,
          wait: bool = False, full: bool = False) -> tuple[AutoTagResult, dict[int, str]]:
    """`kb tag auto` on the store at ``db_path``: :func:`auto_tag` under the writer lock (a dry
    run only reads), and the titles of the papers whose tags change, for the report."""
    from kb.store import Store
    from kb.store.locking import writing

    if dry_run:
        with Store(db_path, readonly=True) as store:
            result = auto_tag(store, taxonomy, thresholds, dry_run=True, sources=sources, full=full)
            return result, _titles(store, [c.paper for c in result.changes])
    with writing(db_path, "kb tag auto", wait=wait) as store:
        result = auto_tag(store, taxonomy, thresholds, sources=sources, full=full)
        return result, _titles(store, [c.paper for c in result.changes])


def _titles(store, ids: list[int]) -> dict[int, str]:
    payload = json.dumps(sorted(set(ids)))
    return {r[0]: r[1] for r in store.conn.execute(
        "SELECT id, title FROM paper WHERE id IN (SELECT value FROM json_each(?))", (payload,))}


def auto_tag(store, taxonomy: Taxonomy | None = None, thresholds: Thresholds | None = None, *,
             dry_run: bool = False, sources: Sequence[str] = AUTO_SOURCES,
             full: bool = False, settings=None) -> AutoTagResult:
    """Retrain, rescore and rewrite the automatic tags of every paper (on a big store whose
    cached model still holds, of the new and changed papers only; ``full`` forces a retrain).

    Only the difference is written (in one transaction), so a rerun with nothing new changes
    nothing. ``changes`` lists the tags a reader would see appear or disappear.
    """
    from kb.knowledge import theme_cache
    from kb.store import utc_now

    taxonomy = taxonomy or load_taxonomy()
    thresholds = thresholds or taxonomy.thresholds
    unknown = set(sources) - set(AUTO_SOURCES)
    if unknown:
        raise UsageError(f"unknown tag source(s) {sorted(unknown)}; choose from {', '.join(AUTO_SOURCES)}")
    if not dry_run:
        sync_taxonomy(store, taxonomy)
    proposal = propose(store, taxonomy, thresholds, sources, settings=settings, full=full, keep_texts=not dry_run)
    themes = set(taxonomy.themes)
    old: dict[tuple[int, str, str], float] = {}
    old_signals: dict[tuple[int, str, str], str | None] = {}
    manual: set[tuple[int, str]] = set()
    sql, params = "SELECT paper, theme, source, score, signals FROM paper_theme", ()
    if proposal.scope is not None:
        sql += " WHERE paper IN (SELECT value FROM json_each(?))"
        params = (json.dumps(proposal.scope),)
    for paper, theme, source, score, signals in store.conn.execute(sql, params):
        if source == "manual":
            manual.add((paper, theme))
        elif theme in themes:
            old[(paper, theme, source)] = score
            old_signals[(paper, theme, source)] = signals
    new = proposal.rows
    encode = json.JSONEncoder(sort_keys=True).encode      # json.dumps(..., sort_keys=True) builds one per call
    encoded = {pair: encode(why) for pair, why in proposal.signals.items()}   # once per (paper, theme)
    new_signals = {key: encoded.get(key[:2], "{}") for key in new}
    added = [key for key in new if key not in old]
    removed = [key for key in old if key not in new]
    rescored = [key for key in new if key in old and (
        abs(old[key] - new[key]) > 1e-4 or old_signals[key] != new_signals[key])]

    def visible(rows) -> dict[tuple[int, str], tuple[str, float]]:
        best: dict[tuple[int, str], tuple[str, float]] = {}
        for (paper, theme, source), score in rows.items():
            if (paper, theme) in manual:
                continue
            if (paper, theme) not in best or score > best[(paper, theme)][1]:
                best[(paper, theme)] = (source, score)
        return best

    before, after = visible(old), visible(new)
    changes = [TagChange(p, t, "add", *after[(p, t)]) for (p, t) in after if (p, t) not in before]
    changes += [TagChange(p, t, "remove", *before[(p, t)]) for (p, t) in before if (p, t) not in after]
    changes.sort(key=lambda c: (c.paper, c.theme, c.change))
    if not dry_run:
        now = utc_now()
        with store.transaction() as conn:
            conn.executemany("DELETE FROM paper_theme WHERE paper = ? AND theme = ? AND source = ?",
                             removed)
            conn.executemany(
                "INSERT INTO paper_theme (paper, theme, source, score, negative, updated_at, signals)"
                " VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT(paper, theme, source) DO UPDATE SET"
                " score = excluded.score, updated_at = excluded.updated_at, signals = excluded.signals",
                [(*key, new[key], now, new_signals[key]) for key in added + rescored])
            conn.execute(
                "INSERT INTO tag_run (started_at, finished_at, params, added, removed, changed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, utc_now(), json.dumps({
                    "thresholds": {k: getattr(thresholds, k) for k in thresholds.__dataclass_fields__},
                    "sources": list(sources), "trained": proposal.trained,
                    "calibrated": proposal.calibrated,
                    "scored": len(proposal.texts.ids) if proposal.scope is not None else "all"}),
                 len(added), len(removed), len(rescored)))
        if proposal.cache is not None:
            directory, key, signatures, model, trained_papers = proposal.cache
            if model is None:
                theme_cache.save_papers(directory, signatures)
            else:
                theme_cache.save(directory, key, model, signatures, trained_papers)
    return AutoTagResult(changes=changes, rows_added=len(added), rows_removed=len(removed),
                         rows_rescored=len(rescored), trained=proposal.trained,
                         papers=len(proposal.texts.ids), dry_run=dry_run, thresholds=thresholds,
                         cached=proposal.scope is not None)
