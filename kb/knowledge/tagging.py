"""Tagging papers with alignment themes: the user's manual tags and three automatic sources.

* ``rule``: the theme's keyword phrases in title, abstract and TLDR. Cheap, transparent, and
  usable on a single text (the crawler scores its frontier with :func:`rule_scores`).
* ``model``: per theme, a linear SVM over tf-idf of title + abstract + TLDR, trained on the
  manual tags and the confident rule tags, negatives being everything else (the
  arxiv-sanity-lite recipe), and moved by the paper's SPECTER vector where the store holds one
  (:mod:`kb.knowledge.theme_vectors`). A SQLite store keeps it between ``kb tag auto`` runs
  until its labels, taxonomy or size change (:mod:`kb.knowledge.theme_cache`); a PostgreSQL
  store retrains it every run.
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
    its plural (s/es); a final ``*`` matches any ending. Each distinct word is looked up once
    (the phrases it can begin, the later phrase words it stands for) and the rest is array
    operations over a batch of papers (:meth:`match`): one big regex alternation over 100k
    abstracts took many minutes. One text is scored as a batch of one, so a crawler's frontier
    paper and a store's million are scored by the same code.
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
        self._own = None          # (RuleTokens, Pieces) of match_texts
        # Each word of a phrase as the set of tokens it accepts (None: a prefix): membership
        # tests instead of string building, on the hot path of a million abstracts.
        self._forms: list[tuple[frozenset[str] | None, ...]] = [
            tuple(None if wild and j == len(words) - 1 else self._forms_of(w) for j, w in enumerate(words))
            for words, wild in self.phrases]

        # For matching many texts at once (:meth:`match`): which (phrase, word position > 0) each
        # form or prefix of a word stands for.
        self._later_forms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._later_prefixes: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        for pi, accept in enumerate(self._forms):
            for j in range(1, len(accept)):
                if accept[j] is None:
                    word = self.phrases[pi][0][j]
                    self._later_prefixes[len(word)][word].append((pi, j))
                else:
                    for form in accept[j]:
                        self._later_forms[form].append((pi, j))
        self.longest = max((len(words) for words, _ in self.phrases), default=1)
        # A token can only match a phrase word that begins with its first character.
        self.initials = frozenset(form[0] for accept, (words, _) in zip(self._forms, self.phrases)
                                  for j, forms in enumerate(accept) for form in (forms or (words[j],)))
        import numpy as np

        self._lengths = np.asarray([len(words) for words, _ in self.phrases] or [1], dtype=np.int64)
        self._theme_ptr = np.concatenate([[0], np.cumsum([len(t) for t in self.phrase_themes])]).astype(np.int64)
        self._theme_flat = np.asarray([t for ts in self.phrase_themes for t in ts], dtype=np.int64)

    @staticmethod
    def _forms_of(word: str) -> frozenset[str]:
        forms = {word, word + "s", word + "es"}
        if word.endswith("y"):
            forms.add(word[:-1] + "ies")
        return frozenset(forms)

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

    def later_words(self, token: str) -> list[tuple[int, int]]:
        """The (phrase, word position > 0) pairs whose word accepts ``token``."""
        out = list(self._later_forms.get(token, ()))
        for length, table in self._later_prefixes.items():
            if len(token) >= length:
                out.extend(table.get(token[:length], ()))
        return out

    def match(self, batch, tokens: "RuleTokens", papers: int):
        """:meth:`theme_scores` of ``papers`` papers at once, from their texts' rule tokens
        (:class:`kb.knowledge.text_tokens.Batch`, ids of ``tokens``): (papers x themes) float32
        scores, and the phrases found per paper as CSR (indptr, phrase indices ascending).
        Every phrase occurrence is found with array operations over the batch. A phrase is one
        mention wherever it occurs in a paper's title and abstract, and phrases of a theme whose
        occurrences overlap anywhere ("visual cortex" and "cortex", "power law*" and "power-law")
        are one mention (connected components of phrases and overlap runs), so that one
        sentence, or one idea named in the title and again in the abstract, cannot count twice;
        a mention counts TITLE_WEIGHT when one of its phrases is in the title, else BODY_WEIGHT."""
        import numpy as np

        from kb.knowledge.text_tokens import expand

        k, count = len(self.slugs), len(self.phrases)
        tok, text = batch.tokens, batch.texts
        size = len(tok)
        cand_ptr, cand_flat, accepts = tokens.arrays()
        phrase, per_token = expand(cand_ptr, cand_flat, tok)
        start = np.repeat(np.arange(size, dtype=np.int64), per_token)
        length = self._lengths[phrase]
        ok = np.ones(len(phrase), dtype=bool)
        for j in range(1, self.longest):
            at = np.flatnonzero(ok & (length > j))
            nxt = start[at] + j
            inside = nxt < size
            nxt = np.minimum(nxt, size - 1)
            key = ((phrase[at] * self.longest + j) << 32) | tok[nxt]
            where = np.minimum(np.searchsorted(accepts, key), max(len(accepts) - 1, 0))
            found = accepts[where] == key if len(accepts) else np.zeros(len(key), dtype=bool)
            ok[at] = inside & (text[nxt] == text[start[at]]) & found
        phrase, start = phrase[ok], start[ok]
        stop = start + length[ok]
        span_text = text[start]
        scores = np.zeros((papers, k), dtype=np.float32)
        paper = span_text // 2
        found = np.unique(paper * count + phrase)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(found // count, minlength=papers))]).astype(np.int64)
        if not len(phrase):
            return scores, indptr, np.zeros(0, dtype=np.int32)
        # Each span once per theme of its phrase; per (paper, theme), spans in order of start (a
        # paper's title and abstract tokens are apart in the batch, so their spans never overlap).
        theme, per_span = expand(self._theme_ptr, self._theme_flat, phrase)
        group = np.repeat(span_text // 2, per_span) * k + theme
        start, stop, phrase, titled = (np.repeat(a, per_span) for a in (start, stop, phrase, span_text % 2 == 0))
        order = np.lexsort((stop, start, group))
        group, start, stop, phrase, titled = group[order], start[order], stop[order], phrase[order], titled[order]
        # A run of overlapping spans (start before the end of every span before it in the run);
        # groups are offset so that no run crosses from one into the next.
        offset = group * (size + 1)
        reach = np.maximum.accumulate(offset + stop)
        new_run = np.ones(len(group), dtype=bool)
        new_run[1:] = offset[1:] + start[1:] >= reach[:-1]
        run = np.cumsum(new_run) - 1
        # A mention: phrases joined by the runs they share (connected components, each labelled
        # by its smallest phrase node: labels flow node -> run -> node until none moves; a
        # paper's phrases of one theme are few, so that takes a pass or two).
        nodes, node = np.unique(group * count + phrase, return_inverse=True)
        node = node.ravel()
        label = np.arange(len(nodes))
        while True:
            of_run = np.full(int(run[-1]) + 1, len(nodes))
            np.minimum.at(of_run, run, label[node])
            moved = label.copy()
            np.minimum.at(moved, node, of_run[run])
            if (moved == label).all():
                break
            label = moved
        mention = np.unique(label)                        # each mention's label
        in_title = np.zeros(len(nodes), dtype=bool)       # one of its phrases is in the title
        in_title[label[node[titled]]] = True
        weight = np.where(in_title[mention], TITLE_WEIGHT, BODY_WEIGHT)
        scores[:] = np.bincount(nodes[mention] // count, weights=weight, minlength=papers * k).reshape(papers, k)
        return scores, indptr, (found % count).astype(np.int32)

    def match_texts(self, titles: list[str], bodies: list[str]):
        """:meth:`match` of papers' titles and abstracts/TLDRs as they are, split with this
        matcher's own vocabularies (kept between calls, and begun again once they hold
        ``KEEP_PIECES`` pieces of text, so that a long crawl's scoring does not grow without end)."""
        from kb.knowledge.text_tokens import Pieces, Vocabulary, split

        if self._own is None or len(self._own[1]) > self.KEEP_PIECES:
            tokens = RuleTokens(self)
            self._own = (tokens, Pieces(tokens.vocabulary, Vocabulary()))
        tokens, pieces = self._own
        return self.match(split(pieces, titles, bodies), tokens, len(titles))

    KEEP_PIECES = 200_000

    def phrases_in(self, text: str | None) -> set[int]:
        """Indices of the phrases occurring in ``text``."""
        return set(self.theme_scores(text)[1])

    def texts_with(self, texts: list[str]) -> dict[str, list[int]]:
        """Keyword (as the taxonomy spells it) -> the indices of the ``texts`` it occurs in, the
        texts matched as one batch."""
        import numpy as np

        _, indptr, found = self.match_texts([t or "" for t in texts], [""] * len(texts))
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        out: dict[str, list[int]] = {}
        for pi in np.unique(found).tolist():
            words, wild = self.phrases[pi]
            out[" ".join(words) + ("*" if wild else "")] = rows[found == pi].tolist()
        return out

    def spelled(self, keyword: str) -> str:
        """``keyword`` as :meth:`texts_with` and :meth:`keywords_of` spell it."""
        return " ".join(TOKEN.findall(keyword.rstrip("*").lower())) + ("*" if keyword.endswith("*") else "")

    def scores(self, title: str | None, body: str | None = None) -> dict[str, float]:
        """Theme slug -> score: each distinct mention (:meth:`match`, over title and
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
        :meth:`explain` says, in the form a million papers' results are kept in; :meth:`match`
        on a batch of one paper, so that one text and a store's million are scored by the same code."""
        import numpy as np

        if not title and not body:
            return {}, []
        scores, _, phrases = self.match_texts([title or ""], [body or ""])
        found = np.flatnonzero(scores[0])
        return dict(zip(found.tolist(), scores[0, found].tolist())), phrases.tolist()

    def keywords_of(self, phrases: Iterable[int]) -> dict[str, list[str]]:
        """Theme slug -> the keywords among ``phrases`` (phrase indices, ascending)."""
        keywords: dict[str, list[str]] = defaultdict(list)
        for pi in phrases:
            words, wild = self.phrases[pi]
            for ti in self.phrase_themes[pi]:
                keywords[self.slugs[ti]].append(" ".join(words) + ("*" if wild else ""))
        return dict(keywords)


class RuleTokens:
    """The rule tokens of a batch of texts (a :class:`kb.knowledge.text_tokens.Vocabulary`),
    with what :meth:`RuleMatcher.match` needs of each, worked out once a token: the phrases it
    can begin and the later phrase words it stands for."""

    def __init__(self, m: RuleMatcher):
        import numpy as np

        from kb.knowledge.text_tokens import Growing, Inert, Vocabulary

        self.matcher = m
        self.vocabulary = Vocabulary()
        self.vocabulary.added = self._added
        self.candidates = Growing()
        self.later: list[int] = []
        self._later_sorted = np.zeros(0, dtype=np.int64)
        # Numbers whose first digit begins no phrase word share one token (text_tokens.Pieces).
        self.vocabulary.inert = Inert(self.vocabulary, m.initials)

    def _added(self, token: str) -> None:
        i = len(self.vocabulary.words) - 1
        m = self.matcher
        if token[0] not in m.initials:        # numbers, mostly: no phrase to look up
            self.candidates.rows.append(())
            return
        self.candidates.rows.append(m._candidates(token))
        for pi, j in m.later_words(token):
            self.later.append(((pi * m.longest + j) << 32) | i)

    def arrays(self):
        """(candidates ptr, candidates, sorted keys of (phrase, position, token) accepted)."""
        import numpy as np

        done = len(self._later_sorted)
        if done < len(self.later):
            # Only the keys of tokens added since last asked are sorted and merged in: a text
            # scored alone adds a few, and sorting them all again made that quadratic.
            tail = np.sort(np.asarray(self.later[done:], dtype=np.int64))
            self._later_sorted = np.insert(self._later_sorted, np.searchsorted(self._later_sorted, tail), tail)
        return (*self.candidates.arrays(), self._later_sorted)


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
    #: Scholar id: store ids follow arrival order, which a resumed crawl changes. A sequence
    #: (:class:`Halves`: worked out when first asked, on a store whose papers have vectors).
    halves: Sequence[int] = field(default_factory=list)

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
    ``bodies``, titles only (``Texts.bodies`` None: a SQLite store keeps what the abstracts gave).

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
                 # " ".join of those of abstract and TLDR that are there, without a generator a row.
                 bodies=[(a + " " + t if a and t else a or t or "") for _, _, a, t, _ in rows] if bodies else None,
                 halves=Halves([r[4] for r in rows]))


class Halves(Sequence):
    """Each paper's half (0 or 1: the low bit of the crc32 of its Semantic Scholar id), worked
    out when first asked: only the embedding signal reads them, and a store without vectors
    never does (a million ids hashed in Python were a second of every full run)."""

    def __init__(self, paper_ids: list[str]):
        self._ids, self._halves = paper_ids, None

    def _of(self) -> list[int]:
        if self._halves is None:
            self._halves = [zlib.crc32(i.encode()) & 1 for i in self._ids]
        return self._halves

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, at):
        return self._of()[at]

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        return np.asarray(self._of(), dtype=dtype)


class StoredBodies:
    """The abstract + TLDR of each of ``ids`` (papers with a title), read from the store a slice
    at a time as tokenising asks for them: a first full run on a big store held every abstract
    at once (a gigabyte at a million papers) beside the term counts it was building."""

    def __init__(self, store, ids: list[int], page: int = 20_000):
        self.store, self.ids, self.page = store, ids, page

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, rows: slice) -> list[str]:
        ids = self.ids[rows]
        read = load_texts(self.store, ids)
        body_of = dict(zip(read.ids, read.bodies))
        return [body_of.get(i, "") for i in ids]

    def __iter__(self):
        for at in range(0, len(self.ids), self.page):
            yield from self[at:at + self.page]


def rule_matrix(texts: Texts, taxonomy: Taxonomy, chunk: int = 20_000):
    """(papers x themes) keyword scores, and per paper the phrases that fired
    (:class:`FiredKeywords`)."""
    rules, fired, _ = rules_and_counts(texts, taxonomy, counts=False, chunk=chunk)
    return rules, fired


def rules_and_counts(texts: Texts, taxonomy: Taxonomy, *, counts: bool = True, chunk: int = 20_000):
    """(:func:`rule_matrix`, and with ``counts`` the papers' term counts, else None
    (:func:`kb.knowledge.theme_model.term_counts` of ``texts.joined()``)), from one split of
    the texts into words (:mod:`kb.knowledge.text_tokens`), a chunk of papers at a time."""
    import numpy as np

    from kb.knowledge.text_tokens import Pieces, Vocabulary, split
    from kb.knowledge.theme_model import _Vocabulary, counts_of, stack_counts

    m = RuleMatcher(taxonomy)
    tokens = RuleTokens(m)
    words = _Vocabulary() if counts else Vocabulary()
    pieces = Pieces(tokens.vocabulary, words)
    n = len(texts.ids)
    out = np.zeros((n, len(m.slugs)), dtype=np.float32)
    sizes, phrases, parts = [np.zeros(1, dtype=np.int64)], [], []
    for at in range(0, n, chunk):
        titles, bodies = texts.titles[at:at + chunk], texts.bodies[at:at + chunk]
        batch = split(pieces, titles, bodies)
        out[at:at + len(titles)], indptr, found = m.match(batch, tokens, len(titles))
        sizes.append(np.diff(indptr))
        phrases.append(found)
        if counts:
            parts.append(counts_of(batch.words, batch.rows, len(titles), words))
    del pieces, tokens, words
    indptr = np.cumsum(np.concatenate(sizes)).astype(np.int64)
    found = np.concatenate(phrases) if phrases else np.zeros(0, dtype=np.int32)
    return out, FiredKeywords(m, indptr, found), stack_counts(parts) if counts else None


def labelled_rule_matrix(labelled, taxonomy: Taxonomy):
    """The labelled works' keyword scores, for training: what :func:`rule_matrix` gives a store's papers."""
    return rule_matrix(Texts(ids=list(range(len(labelled))), titles=labelled.titles, bodies=labelled.bodies),
                       taxonomy)[0]


def kept_model_scores(model, X, rules, settings):
    """(margins, combined, on-topic) of the texts ``X`` (weighed with ``model``'s idf) by a model
    trained earlier (a store's cached model, the shipped posts' model), ``rules`` their keyword
    scores: as :func:`kb.knowledge.theme_model.theme_scores` combines them for a model it trains."""
    import numpy as np

    margins = model.margins(X)
    keywords = np.minimum(rules, settings.rule_cap) * settings.rule_weight
    return margins, margins + keywords, model.on_topic(X, margins, keywords)


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


_NOT_IN_KEY = re.compile(r"[^a-z0-9\n]+")


def title_hashes(titles: list[str]):
    """The crc32 of each title's key (:func:`kb.knowledge.theme_model.title_key`), the titles
    lower-cased and reduced to their words at once (a regular expression and a join for each
    of a million titles took seconds): every run of other characters becomes one space."""
    import numpy as np

    from kb.knowledge.theme_model import title_key

    joined = "\n".join(titles)
    if joined.count("\n") != max(len(titles) - 1, 0):      # a title holds a new line: one at a time
        keys = map(title_key, titles)
    else:
        keys = map(str.strip, _NOT_IN_KEY.sub(" ", joined.lower()).split("\n")) if titles else iter(())
    return np.fromiter((zlib.crc32(k.encode()) for k in keys), dtype=np.int64, count=len(titles))


def kept_or_computed(store, texts: Texts, taxonomy: Taxonomy, signatures, kept):
    """(rules, fired, counts, new, every): :func:`rule_matrix` and the term counts of ``texts``,
    taken from ``kept`` (:class:`kb.knowledge.theme_cache.PaperTexts`, or None) for every paper
    whose text signature is unchanged and computed for the others; ``new`` holds those computed
    (to be kept for the next run), ``every`` all rows (in ``texts`` order). ``texts`` may come
    without bodies: those of the papers to compute are read from the store."""
    import numpy as np
    from scipy import sparse

    from kb.knowledge.theme_cache import PaperTexts

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
        bodies = StoredBodies(store, ids[miss].tolist())
    else:
        bodies = [texts.bodies[i] for i in miss]
    sub = Texts(ids=[texts.ids[i] for i in miss], titles=[texts.titles[i] for i in miss], bodies=bodies)
    rules, fired, counts = rules_and_counts(sub, taxonomy)
    new = PaperTexts(ids[miss], sigs[miss], counts, sparse.csr_matrix(rules),
                     fired.indptr, fired.phrases,
                     title_hashes(sub.titles))
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

    def as_json(self, row: int) -> dict[str, str]:
        """Theme slug -> the keywords found in paper ``row`` as a JSON list."""
        return self._json(tuple(self.phrases[self.indptr[row]:self.indptr[row + 1]].tolist()))

    def __post_init__(self):
        from functools import lru_cache

        # Papers share combinations of phrases: each is spelled out once, and the answer shared
        # (callers only read it).
        self._spelled = lru_cache(maxsize=65_536)(self.matcher.keywords_of)
        self._json = lru_cache(maxsize=65_536)(
            lambda found: {slug: json.dumps(words) for slug, words in self._spelled(found).items()} if found else {})


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


class TagRows:
    """Proposed automatic tag rows as arrays: ``row`` (of the proposal's texts), ``col`` (theme),
    ``source`` (index in AUTO_SOURCES) and ``score``; rule rows first, then model, then graph,
    each in (row, theme) order. A million papers' tags as Python tuples in dicts were most of a
    full run's time and gigabytes of memory."""

    def __init__(self):
        import numpy as np

        self._parts: list = []
        self.row = self.col = np.zeros(0, dtype=np.int64)
        self.source = np.zeros(0, dtype=np.int8)
        self.score = np.zeros(0, dtype=np.float64)

    def add(self, accept, source: str, values, digits: int | None = None) -> None:
        """The rows of ``source`` where ``accept`` holds, scored ``values`` there (rounded as
        Python's ``round`` does, to ``digits``)."""
        import numpy as np

        r, c = np.nonzero(accept)
        score = values[r, c].astype(np.float64)
        if digits is not None:
            score = np.fromiter(map(round, score.tolist(), [digits] * len(score)), dtype=np.float64, count=len(score))
        self._parts.append((r, c, np.full(len(r), AUTO_SOURCES.index(source), dtype=np.int8), score))
        self.row, self.col, self.source, self.score = (np.concatenate(x) for x in zip(*self._parts))

    def __len__(self) -> int:
        return len(self.row)


@dataclass
class Signals:
    """Per proposed (paper, theme), every signal that spoke for it, as the JSON kept in
    ``paper_theme.signals``: ``pairs`` (row * themes + column, ascending) and their ``texts``."""

    pairs: object
    texts: list[str]

    def of(self, keys):
        """Indices into ``texts`` of (row * themes + column) ``keys`` (each among ``pairs``)."""
        import numpy as np

        return np.searchsorted(self.pairs, keys)


@dataclass
class Proposal:
    """What an automatic tagging run wants the store to hold."""

    slugs: list[str]
    texts: Texts
    tags: TagRows
    trained: dict[str, int] = field(default_factory=dict)  # theme -> positives trained on
    signals: Signals | None = None
    calibrated: dict[str, float] = field(default_factory=dict)  # theme -> model threshold
    scope: list[int] | None = None   # the papers scored (None: all); other papers' rows stay
    cache: object = None             # what auto_tag writes to the model cache afterwards
    posts: object = None             # rows of ``texts`` the posts' model scored (None: none)
    post_trained: dict[str, int] = field(default_factory=dict)    # the posts' model's ``trained``
    post_calibrated: dict[str, float] = field(default_factory=dict)  # ... and thresholds

    @property
    def rows(self) -> dict[tuple[int, str, str], float]:
        """(paper, theme, source) -> score of every proposed row."""
        ids, tags = self.texts.ids, self.tags
        return {(ids[r], self.slugs[c], AUTO_SOURCES[s]): v for r, c, s, v in
                zip(tags.row.tolist(), tags.col.tolist(), tags.source.tolist(), tags.score.tolist())}


FORUM_WEIGHT = 0.5   # added to the combined model score when a post carries a mapped forum tag


def propose(store, taxonomy: Taxonomy, thresholds: Thresholds | None = None,
            sources: Sequence[str] = AUTO_SOURCES, labelled=None, settings=None,
            full: bool = False, keep_texts: bool = False, post_model=True) -> Proposal:
    """Compute every automatic tag the thresholds accept, without touching the store.

    ``rule``: keyword score at or above ``thresholds.rule`` (one phrase never suffices).
    ``model``: the combined score (model margin + weighted rule score + forum tags, see
    :mod:`kb.knowledge.theme_model`, + the embedding signal where the paper has a vector, see
    :mod:`kb.knowledge.theme_vectors`) at or above the theme's calibrated threshold.
    ``graph``: most of the paper's citation neighbours carry the theme.
    Every accepted (paper, theme) records all its signals, whichever source accepted it.

    Forum posts (kind 'post') are tagged by a second model, ``post_model``
    (:class:`kb.knowledge.theme_model.PostModel`; True: kb's own, trained on the labelled works and
    the labelled posts of ``data/theme_labels_pending.jsonl`` but its ``POST_UNTRAINED_SPLITS``, with
    ``POST_SETTINGS``, none while that is None; None: none, posts are tagged as papers), trained and
    scored apart: every paper's rows are those of the first model
    alone (trained on the same store, the same labelled works, the same settings), whatever the
    posts' model does. The posts' model scores only the posts, from copies of the rows it trains on.

    On a SQLite store, however small, whose cached model (:mod:`kb.knowledge.theme_cache`)
    still holds, nothing is trained and only new and changed papers are scored
    (``Proposal.scope``); ``full`` retrains regardless. With ``keep_texts``, what tokenising new
    and edited papers gave is kept beside the store
    (:func:`kb.knowledge.theme_cache.save_texts`) as soon as it is known, so that a run killed
    later does not tokenise them again.
    """
    import numpy as np

    from kb.knowledge import theme_cache, theme_vectors
    from kb.knowledge.theme_model import (
        POST_SETTINGS,
        ModelSettings,
        PostModel,
        load_labelled,
        load_post_labelled,
        theme_scores,
    )

    thresholds = thresholds or taxonomy.thresholds
    settings = settings or ModelSettings()
    slugs = list(taxonomy.themes)
    cached = plan = None
    if post_model is True and POST_SETTINGS is None:
        post_model = None
    post_ids = store_post_ids(store) if "model" in sources and post_model else set()
    if post_ids and post_model is True:
        post_model = PostModel(load_post_labelled(taxonomy), POST_SETTINGS)
    if "model" in sources:
        labelled = load_labelled(taxonomy) if labelled is None else labelled
        directory = theme_cache.cache_dir(store)
        signatures = theme_cache.paper_signatures(store) if directory is not None else None
        if signatures is not None and len(signatures.ids):
            manual_rows = [tuple(r) for r in store.conn.execute(
                "SELECT paper, theme, negative FROM paper_theme WHERE source = 'manual'")]
            key = theme_cache.model_key(store, labelled, taxonomy, settings, sources, manual_rows, thresholds,
                                        post_model if post_ids else None)
            cached = None if full else theme_cache.load(directory, key)
            if cached is not None and len(signatures.ids) > cached.trained_papers * (1 + settings.retrain_growth):
                cached = None
            if cached is not None and post_ids and cached.post_model is None and post_model.settings.store_rows:
                cached = None       # a damaged cache: the key says the posts' model was kept
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
        # A SQLite store keeps what each paper's texts gave; only new and edited papers are
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
    tags = TagRows()
    proposal = Proposal(slugs=slugs, texts=texts, tags=tags, scope=scope)
    accepted = np.zeros((n, k), dtype=bool)
    if "rule" in sources:
        accepted |= accept_rule
        tags.add(accept_rule, "rule", rules)
    pos, neg, manual, manual_pos = training_labels(store, texts, taxonomy, rules, thresholds)
    forum = forum_matrix(store, texts, taxonomy)
    margins = vectors = scored_posts = model = None
    if "model" in sources and n:
        posts = np.fromiter((i in post_ids for i in texts.ids), dtype=bool, count=n) if post_ids else None
        at_posts = np.flatnonzero(posts) if posts is not None else np.zeros(0, dtype=np.int64)
        if len(at_posts):
            # Before the papers' model, which weighs the term counts in place.
            if counts is None:
                from kb.knowledge.theme_model import term_counts

                counts = term_counts(texts.joined())
            scored_posts = _post_scores(post_model, cached, texts, at_posts, posts, rules, pos, neg, manual,
                                        counts, taxonomy, thresholds, settings,
                                        title_hashes if plan is not None else None)
            proposal.posts = at_posts
        if cached is not None:
            from kb.knowledge.theme_model import text_features, weigh

            model = cached.model
            X, _ = text_features(texts.joined(), model.idf) if counts is None else weigh(counts, model.idf)
            margins, combined, on_topic = kept_model_scores(model, X, rules, settings)
            cut = np.nan_to_num(model.thresholds, nan=np.inf)
        else:
            labelled_rules = labelled_rule_matrix(labelled, taxonomy)
            in_labelled = labelled_rows(texts, labelled, title_hashes if plan is not None else None)
            scored = theme_scores(texts.joined(), rules, pos, neg, manual, labelled, labelled_rules, slugs,
                                  thresholds.model, settings, in_labelled, theme_texts(taxonomy), counts=counts)
            margins, combined, on_topic = scored.margins, scored.combined, scored.on_topic
            cut = np.nan_to_num(scored.thresholds, nan=np.inf)
            proposal.trained = scored.trained
            proposal.calibrated = {slugs[c]: round(float(scored.thresholds[c]), 4)
                                   for c in range(k) if slugs[c] in scored.calibrated}
            model = scored.model
        post_cut = None
        if scored_posts is not None:
            # The posts' rows are the posts' model's (the papers' model's own decisions for
            # papers are left exactly as they are).
            p_margins, p_combined, p_on_topic, post_cut, post_model_fitted = scored_posts
            margins[at_posts], combined[at_posts] = p_margins, p_combined
            if on_topic is not None or p_on_topic is not None:
                on_topic = _gate_matrix(on_topic, n, k)
                on_topic[at_posts] = _gate_matrix(p_on_topic, len(at_posts), k)
            if post_model_fitted is not None:
                proposal.post_trained = post_model_fitted.trained
            proposal.post_calibrated = {slugs[c]: round(float(post_cut[c]), 4) for c in range(k)
                                        if (slugs[c] in post_model_fitted.calibrated if post_model_fitted is not None
                                            else np.isfinite(post_cut[c]))}
        for (r, c) in forum:
            combined[r, c] += FORUM_WEIGHT
            if on_topic is not None:
                # The forum's own label of what a post is about: the gate is there to stop near
                # misses whose words resemble the themes', and a post with little text fails it.
                on_topic[r] = True

        def model_accepts():
            accept = np.nan_to_num(combined, nan=-np.inf) >= cut[None, :]
            if post_cut is not None:
                accept[at_posts] = np.nan_to_num(combined[at_posts], nan=-np.inf) >= \
                    np.nan_to_num(post_cut, nan=np.inf)[None, :]
            if on_topic is None:
                return accept
            return accept & (on_topic[:, None] if on_topic.ndim == 1 else on_topic)

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
        tags.add(accept_model, "model", combined, digits=4)
        if cached is not None:
            proposal.calibrated = {slugs[c]: round(float(model.thresholds[c]), 4)
                                   for c in range(k) if np.isfinite(model.thresholds[c])}
    if plan is not None and (cached is not None or model is not None):
        directory, key, signatures = plan
        fitted_posts = scored_posts[4].model if scored_posts is not None and cached is None \
            and post_model.settings.store_rows else None      # one model for every store is not kept per store
        proposal.cache = (directory, key, signatures, None if cached is not None else model,
                          cached.trained_papers if cached is not None else len(signatures.ids), fitted_posts)
    share = count = None
    if "graph" in sources and n:
        tagged = (accepted | manual_pos) & ~neg
        share, count = graph_matrix(store, texts, tagged, slugs if scope is not None else None)
        accept_graph = (share >= thresholds.graph) & (count >= thresholds.graph_min)
        tags.add(accept_graph, "graph", share, digits=4)
    proposal.signals = _signals(proposal, rules, fired, margins, share, count, forum, vectors)
    return proposal


def store_post_ids(store) -> set[int]:
    """The store ids of the forum posts (kind 'post', as `kb crawl` stores them with their
    ``post`` row), which the posts' model tags."""
    return {r[0] for r in store.conn.execute(
        "SELECT po.paper FROM post po JOIN paper p ON p.id = po.paper WHERE p.kind = 'post'")}


def _gate_matrix(on_topic, n: int, k: int):
    """An on-topic gate's answer (None: no gate; per paper; per paper and theme) as (n x k) bool."""
    import numpy as np

    if on_topic is None:
        return np.ones((n, k), dtype=bool)
    if on_topic.ndim == 1:
        return np.repeat(on_topic[:, None], k, axis=1)
    return on_topic.copy()


def _post_scores(post_model, cached, texts: Texts, at_posts, posts, rules, pos, neg, manual, counts,
                 taxonomy: Taxonomy, thresholds: Thresholds, settings, title_hashes):
    """(margins, combined, on-topic, thresholds, fitted) of the posts ``at_posts`` (rows of
    ``texts``) by the posts' model: with ``store_rows`` off, the one model for every store
    (:func:`kb.knowledge.posts_model.model_for`: shipped, or trained on the labelled works alone;
    ``fitted`` its :class:`kb.knowledge.posts_model.Trained`); else the cached one when
    ``cached`` holds it (``fitted`` None), else trained on the store like the papers' model, with
    the posts' model's labelled works and settings (``fitted``: its
    :class:`kb.knowledge.theme_model.ThemeScores`). ``counts`` are read, never weighed in place."""

    from kb.knowledge.theme_model import theme_scores, weigh

    fitted = None
    if not post_model.settings.store_rows:
        from kb.knowledge.posts_model import model_for

        fitted = model_for(post_model, taxonomy, thresholds.model)
    if fitted is not None or cached is not None:
        model = fitted.model if fitted is not None else cached.post_model
        X, _ = weigh(counts[at_posts], model.idf)        # a copy of the posts' rows
        return (*kept_model_scores(model, X, rules[at_posts], post_model.settings), model.thresholds, fitted)
    labelled = post_model.labelled
    labelled_rules = labelled_rule_matrix(labelled, taxonomy)
    in_labelled = labelled_rows(texts, labelled, title_hashes)
    scored = theme_scores(texts.joined(), rules, pos, neg, manual, labelled, labelled_rules, list(taxonomy.themes),
                          thresholds.model, post_model.settings, in_labelled, theme_texts(taxonomy), counts=counts,
                          store_posts=posts, score_rows=at_posts)
    return scored.margins, scored.combined, scored.on_topic, scored.thresholds, scored


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


def _signals(proposal: Proposal, rules, fired, margins, share, count, forum, vectors=None) -> Signals:
    """For each proposed (paper, theme): every signal that spoke for it, written as
    ``json.dumps(why, sort_keys=True)`` of ``why`` = {"embedding", "forum", "graph", "model",
    "rule", "rule_score", "threshold"} (those that spoke) would write it, a signal at a time
    over all tags (a dict and an encoder call per tag took seconds a million tags)."""
    import math

    import numpy as np

    k = len(proposal.slugs)
    tags = proposal.tags
    pairs = np.unique(tags.row * k + tags.col)
    at_r, at_c = pairs // k, pairs % k
    # Each signal read for every tag at once, as Python floats of the same values.

    def values(matrix):
        return matrix[at_r, at_c].tolist() if matrix is not None else None

    def rounded(name, column):
        return ["" if math.isnan(v) else f', "{name}": {round(v, 3)!r}' for v in column]

    rows, cols = at_r.tolist(), at_c.tolist()
    parts: list[list] = []
    if vectors is not None:
        parts.append(rounded("embedding", values(vectors)))
    if forum:
        parts.append([f', "forum": {json.dumps(forum[rc])}' if rc in forum else "" for rc in zip(rows, cols)])
    if count is not None:
        parts.append([f', "graph": [{int(g)}, {round(v, 3)!r}]' if g > 0 else ""
                      for g, v in zip(values(count), values(share))])
    post_row = None
    if margins is not None:
        model = values(margins)
        parts.append(rounded("model", model))
        if proposal.posts is not None and len(proposal.posts):
            # Which model gave a post's text-model figures (papers' signals say nothing more).
            import numpy as np

            post_row = np.zeros(len(proposal.texts.ids), dtype=bool)
            post_row[proposal.posts] = True
            post_row = post_row[at_r].tolist()
            parts.append(["" if math.isnan(m) or not p else ', "model_for": "posts"' for m, p in zip(model, post_row)])
    last: list = [-1, {}]       # pairs come row by row: a row's keywords are read once

    def keywords(r: int, slug: str) -> str:
        if r != last[0]:
            last[:] = r, fired.as_json(r)
        return last[1].get(slug, "[]")

    slugs = proposal.slugs
    parts.append([f', "rule": {keywords(r, slugs[c])}, "rule_score": {v!r}' if v > 0 else ""
                  for r, c, v in zip(rows, cols, values(rules))])
    if margins is not None:
        threshold = {slug: f', "threshold": {v!r}' for slug, v in proposal.calibrated.items()}
        if post_row is None:
            parts.append(["" if math.isnan(m) else threshold.get(slugs[c], "") for m, c in zip(model, cols)])
        else:
            of_posts = {slug: f', "threshold": {v!r}' for slug, v in proposal.post_calibrated.items()}
            parts.append(["" if math.isnan(m) else (of_posts if p else threshold).get(slugs[c], "")
                          for m, c, p in zip(model, cols, post_row)])
    # Each signal written with a leading separator, the first one's dropped.
    texts = ["{" + why[2:] + "}" for why in map("".join, zip(*parts))]
    return Signals(pairs, texts)


@dataclass(slots=True)
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
             full: bool = False, settings=None, post_model=True) -> AutoTagResult:
    """Retrain, rescore and rewrite the automatic tags of every paper (on a SQLite store whose
    cached model still holds, however small, of the new and changed papers only, without
    training; ``full`` forces a retrain). A dry run reads a cached model but writes nothing.

    Only the difference is written (in one transaction), so a rerun with nothing new changes
    nothing. ``changes`` lists the tags a reader would see appear or disappear. ``post_model``:
    what tags forum posts (:func:`propose`).
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
    proposal = propose(store, taxonomy, thresholds, sources, settings=settings, full=full, keep_texts=not dry_run,
                       post_model=post_model)
    diff = tag_difference(store, proposal)
    if not dry_run:
        now = utc_now()
        with store.transaction() as conn:
            conn.executemany("DELETE FROM paper_theme WHERE paper = ? AND theme = ? AND source = ?",
                             diff.removed)
            conn.executemany(
                "INSERT INTO paper_theme (paper, theme, source, score, negative, updated_at, signals)"
                " VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT(paper, theme, source) DO UPDATE SET"
                " score = excluded.score, updated_at = excluded.updated_at, signals = excluded.signals",
                diff.written(now))
            conn.execute(
                "INSERT INTO tag_run (started_at, finished_at, params, added, removed, changed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, utc_now(), json.dumps({
                    "thresholds": {k: getattr(thresholds, k) for k in thresholds.__dataclass_fields__},
                    "sources": list(sources), "trained": proposal.trained,
                    "calibrated": proposal.calibrated,
                    **({"posts_model": {"posts": len(proposal.posts), "trained": proposal.post_trained,
                                        "calibrated": proposal.post_calibrated}} if proposal.posts is not None else {}),
                    "scored": len(proposal.texts.ids) if proposal.scope is not None else "all"}),
                 len(diff.added), len(diff.removed), len(diff.rescored)))
        if proposal.cache is not None:
            directory, key, signatures, model, trained_papers, post_model = proposal.cache
            if model is None:
                theme_cache.save_papers(directory, signatures)
            else:
                theme_cache.save(directory, key, model, signatures, trained_papers, post_model)
    return AutoTagResult(changes=diff.changes, rows_added=len(diff.added), rows_removed=len(diff.removed),
                         rows_rescored=len(diff.rescored), trained=proposal.trained,
                         papers=len(proposal.texts.ids), dry_run=dry_run, thresholds=thresholds,
                         cached=proposal.scope is not None)


@dataclass
class TagDifference:
    """What a run changes: rows to delete ((paper, theme, source) tuples), rows of the proposal
    to add and to rescore (indices into its :class:`TagRows`), and the tags a reader sees
    appear or disappear."""

    proposal: Proposal
    removed: list[tuple[int, str, str]]
    added: object
    rescored: object
    changes: list[TagChange]

    def written(self, now: str):
        """The rows to insert or update, as the writer's parameters, made as they are read, in
        the order of the table's key (paper, theme; a paper's sources as they were proposed):
        a million papers' rows inserted in the order of their Semantic Scholar ids took
        several times as long."""
        import numpy as np

        p, tags, signals = self.proposal, self.proposal.tags, self.proposal.signals
        at = np.concatenate([self.added, self.rescored]).astype(np.int64)
        ids, slugs, texts = p.texts.ids, p.slugs, signals.texts
        rank = _slug_rank(slugs)
        at = at[np.lexsort((tags.source[at], rank[tags.col[at]], np.asarray(ids, dtype=np.int64)[tags.row[at]]))]
        why = signals.of(tags.row[at] * len(slugs) + tags.col[at]).tolist()
        return ((ids[r], slugs[c], AUTO_SOURCES[s], v, now, texts[w]) for r, c, s, v, w in
                zip(tags.row[at].tolist(), tags.col[at].tolist(), tags.source[at].tolist(), tags.score[at].tolist(), why))


def tag_difference(store, proposal: Proposal, page: int = 200_000) -> TagDifference:
    """Compare the proposal with the automatic rows the store holds (of the scored papers), with
    array operations: the store's rows are read a page at a time and matched to the proposal's by
    key; only their scores and signals are compared one by one (a million papers' tags held as
    Python tuples and dicts were most of a full run's time and gigabytes). The tag a reader sees
    of a (paper, theme) is its best-scored automatic row (the first read of equal ones) unless the
    user tagged it by hand."""
    from itertools import repeat
    from operator import ne

    import numpy as np

    slugs, tags = proposal.slugs, proposal.tags
    k, n_sources = len(slugs), len(AUTO_SOURCES)
    col_of = {slug: c for c, slug in enumerate(slugs)}
    source_of = {source: i for i, source in enumerate((*AUTO_SOURCES, "manual"))}
    ids = np.asarray(proposal.texts.ids, dtype=np.int64)
    new_paper = ids[tags.row] if len(ids) else np.zeros(0, dtype=np.int64)
    new_key = (new_paper * k + tags.col) * n_sources + tags.source
    order = np.argsort(new_key, kind="stable")
    sorted_keys = new_key[order]
    new_why = proposal.signals.of(tags.row * k + tags.col) if len(tags) else np.zeros(0, dtype=np.int64)
    texts = proposal.signals.texts if proposal.signals is not None else []
    seen = np.zeros(len(tags), dtype=bool)
    rescored, removed, manual = [], [], []
    old_parts = []
    sql, params = "SELECT paper, theme, source, score, signals FROM paper_theme", ()
    if proposal.scope is not None:
        sql += " WHERE paper IN (SELECT value FROM json_each(?))"
        params = (json.dumps(proposal.scope),)
    cursor = store.conn.execute(sql, params)
    while batch := cursor.fetchmany(page):
        paper, theme, source, score, signals = zip(*batch)
        del batch
        paper = np.asarray(paper, dtype=np.int64)
        col = np.fromiter(map(col_of.get, theme, repeat(-1)), dtype=np.int64, count=len(theme))
        src = np.fromiter(map(source_of.get, source, repeat(-1)), dtype=np.int64, count=len(source))
        by_hand = (src == n_sources) & (col >= 0)
        manual.append(paper[by_hand] * k + col[by_hand])
        auto = np.flatnonzero((col >= 0) & (src >= 0) & (src < n_sources))
        key = (paper[auto] * k + col[auto]) * n_sources + src[auto]
        pos = np.minimum(np.searchsorted(sorted_keys, key), max(len(sorted_keys) - 1, 0))
        hit = sorted_keys[pos] == key if len(sorted_keys) else np.zeros(len(key), dtype=bool)
        j = order[pos[hit]]
        seen[j] = True
        old_score = np.asarray(score, dtype=np.float64)[auto]
        moved = np.abs(old_score[hit] - tags.score[j]) > 1e-4
        matched = auto[hit].tolist()
        moved |= np.fromiter(map(ne, map(signals.__getitem__, matched), map(texts.__getitem__, new_why[j].tolist())),
                             dtype=bool, count=len(matched))
        rescored.append(j[moved])
        for i in auto[~hit].tolist():
            removed.append((int(paper[i]), theme[i], source[i]))
        old_parts.append((paper[auto] * k + col[auto], src[auto], old_score))
    manual_pairs = np.unique(np.concatenate(manual)) if manual else np.zeros(0, dtype=np.int64)
    added = np.flatnonzero(~seen)
    rescored = np.sort(np.concatenate(rescored)) if rescored else np.zeros(0, dtype=np.int64)
    if old_parts:
        old_pair, old_src, old_score = (np.concatenate(x) for x in zip(*old_parts))
    else:
        old_pair, old_src, old_score = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    before = _visible(old_pair, old_src, old_score, manual_pairs)
    after = _visible(new_paper * k + tags.col, tags.source.astype(np.int64), tags.score, manual_pairs)
    rank = _slug_rank(slugs)
    changes = []
    for kind, (pair, src, score), other in (("add", after, before[0]), ("remove", before, after[0])):
        new_pairs = ~np.isin(pair, other)
        changes.append((pair[new_pairs], src[new_pairs], score[new_pairs], kind))
    pair = np.concatenate([c[0] for c in changes])
    by = np.lexsort((np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(changes)]),
                     rank[pair % k] if len(pair) else pair, pair // k))
    src = np.concatenate([c[1] for c in changes])[by]
    score = np.concatenate([c[2] for c in changes])[by]
    kinds = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(changes)])[by]
    pair = pair[by]
    # Each field made for all changes at once (a first run on a big store lists millions).
    listed = list(map(TagChange, (pair // k).tolist(), np.asarray(slugs, dtype=object)[pair % k].tolist(),
                      np.asarray(["add", "remove"], dtype=object)[kinds].tolist(),
                      np.asarray(AUTO_SOURCES, dtype=object)[src].tolist(), score.tolist()))
    return TagDifference(proposal, removed, added, rescored, listed)


def _slug_rank(slugs: list[str]):
    """Each theme column's place among the slugs in alphabetical order."""
    import numpy as np

    return np.argsort(np.argsort(np.asarray(slugs, dtype=object)))


def _visible(pair, source, score, manual):
    """(pair, source, score) of each (paper * themes + theme) ``pair``'s best-scored row (the first
    of equal ones), leaving out pairs the user tagged by hand."""
    import numpy as np

    keep = ~np.isin(pair, manual)
    at = np.flatnonzero(keep)
    by = np.lexsort((at, -score[at], pair[at]))
    at = at[by]
    first = np.ones(len(at), dtype=bool)
    first[1:] = pair[at][1:] != pair[at][:-1]
    at = at[first]
    return pair[at], source[at], score[at]
