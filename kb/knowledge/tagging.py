"""Tagging papers with alignment themes: the user's manual tags and three automatic sources.

* ``rule``: the theme's keyword phrases in title, abstract and TLDR. Cheap, transparent, and
  usable on a single text (the crawler scores its frontier with :func:`rule_scores`).
* ``model``: per theme, a linear SVM over tf-idf of title + abstract + TLDR, trained on the
  manual tags and the confident rule tags, negatives being everything else (the
  arxiv-sanity-lite recipe). It is retrained on every ``kb tag auto`` run rather than
  persisted: training takes seconds even on 100k papers, and a stored model would silently
  go stale when the user adds tags or edits the taxonomy.
* ``graph``: a paper most of whose cited and citing papers carry a theme probably does too.

Automatic tags are stored per source with their score, only when the source's score passes
its threshold; the user's manual rows (positive, or ``negative`` = "not this theme") always
win, see ``paper_theme_effective``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kb.errors import NotFoundError, UsageError
from kb.knowledge.themes import (
    AUTO_SOURCES,
    Taxonomy,
    Thresholds,
    load_taxonomy,
    sync_taxonomy,
)

TOKEN = re.compile(r"[a-z0-9]+")
TITLE_WEIGHT = 2.0
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

    def phrases_in(self, text: str | None) -> set[int]:
        """Indices of the phrases occurring in ``text``."""
        if not text:
            return set()
        tokens = TOKEN.findall(text.lower())
        hits: set[int] = set()
        for i, token in enumerate(tokens):
            for pi in self._candidates(token):
                if pi in hits:
                    continue
                words, wild = self.phrases[pi]
                n = len(words)
                if n == 1:
                    hits.add(pi)
                    continue
                if i + n > len(tokens):
                    continue
                if not self._word_matches(token, words[0], False):
                    continue
                if all(self._word_matches(tokens[i + j], words[j], wild and j == n - 1)
                       for j in range(1, n)):
                    hits.add(pi)
        return hits

    def scores(self, title: str | None, body: str | None = None) -> dict[str, float]:
        """Theme slug -> score: each phrase counts TITLE_WEIGHT when in the title plus
        BODY_WEIGHT when in abstract/TLDR; themes with no phrase are absent."""
        out: dict[int, float] = defaultdict(float)
        for pi in self.phrases_in(title):
            for ti in self.phrase_themes[pi]:
                out[ti] += TITLE_WEIGHT
        for pi in self.phrases_in(body):
            for ti in self.phrase_themes[pi]:
                out[ti] += BODY_WEIGHT
        return {self.slugs[ti]: s for ti, s in out.items()}

    def matched_keywords(self, title: str | None, body: str | None = None) -> dict[str, list[str]]:
        """Which phrases fired for which theme, to explain a rule tag."""
        out: dict[str, list[str]] = defaultdict(list)
        for pi in sorted(self.phrases_in(title) | self.phrases_in(body)):
            words, wild = self.phrases[pi]
            for ti in self.phrase_themes[pi]:
                out[self.slugs[ti]].append(" ".join(words) + ("*" if wild else ""))
        return dict(out)


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

_ARXIV = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)


def resolve_paper(store, ref: str | int) -> int:
    """The store's integer id for a paper named by S2 paperId, ``ARXIV:``/bare arXiv id,
    ``DOI:``/bare DOI, ``CorpusId:``, an arXiv URL, or ``#N`` (the store's own id)."""
    text = str(ref).strip()
    q = store.conn.execute
    row = None
    from kb.sources.forum.links import post_ref

    if isinstance(ref, int) or re.fullmatch(r"#\d+", text):
        row = q("SELECT id FROM paper WHERE id = ?", (int(text.lstrip("#")),)).fetchone()
    elif post_ref(text):
        row = q("SELECT id FROM paper WHERE paper_id = ?", (post_ref(text),)).fetchone()
    elif re.fullmatch(r"[0-9a-f]{40}", text, re.I):
        row = q("SELECT id FROM paper WHERE paper_id = ?", (text.lower(),)).fetchone()
    elif text.lower().startswith("corpusid:"):
        row = q("SELECT id FROM paper WHERE corpus_id = ?", (int(text.split(":", 1)[1]),)).fetchone()
    elif text.lower().startswith("doi:") or text.startswith("10."):
        doi = text.split(":", 1)[1] if text.lower().startswith("doi:") else text
        row = q("SELECT id FROM paper WHERE doi = ? COLLATE NOCASE", (doi,)).fetchone()
    else:
        url = re.search(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?$", text)
        match = _ARXIV.match(url.group(1) if url else text)
        if match:
            row = q("SELECT id FROM paper WHERE arxiv_id = ?", (match.group(1),)).fetchone()
        elif re.fullmatch(r"\d+", text):
            row = q("SELECT id FROM paper WHERE id = ? OR corpus_id = ?", (int(text), int(text))).fetchone()
        else:
            raise UsageError(f"cannot read {text!r} as a paper id (use an S2 paperId, ARXIV:id, DOI:doi,"
                             " CorpusId:n or #N)")
    if row is None:
        raise NotFoundError(f"paper {text} is not in the store")
    return row[0]


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


def paper_tags(store, paper: int) -> list[dict]:
    """Every tag row of a paper, with whether it is in effect (a manual word hides automatic
    rows of the same theme)."""
    rows = store.conn.execute(
        "SELECT theme, source, score, negative, updated_at FROM paper_theme WHERE paper = ?"
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
                    "updated_at": r["updated_at"]})
    return out


# -- automatic tagging --------------------------------------------------------------------------

@dataclass
class Texts:
    ids: list[int]
    titles: list[str]
    bodies: list[str]

    def joined(self) -> list[str]:
        return [f"{t}\n{b}" for t, b in zip(self.titles, self.bodies)]


def load_texts(store, paper_ids: Iterable[int] | None = None) -> Texts:
    """Title and abstract+TLDR of every paper that has a title (or of ``paper_ids``).

    Ordered by Semantic Scholar id, not store id: store ids follow the order in which pages
    happened to arrive, and the models' negative sampling follows row order, so a resumed or
    re-run crawl of the same graph must give the same rows to end with the same tags."""
    sql = "SELECT id, title, abstract, tldr FROM paper WHERE title IS NOT NULL"
    rows = store.conn.execute(sql + " ORDER BY paper_id").fetchall()
    if paper_ids is not None:
        wanted = set(paper_ids)
        rows = [r for r in rows if r[0] in wanted]
    return Texts(ids=[r[0] for r in rows], titles=[r[1] or "" for r in rows],
                 bodies=[" ".join(x for x in (r[2], r[3]) if x) for r in rows])


def rule_matrix(texts: Texts, taxonomy: Taxonomy):
    import numpy as np

    m = RuleMatcher(taxonomy)
    index = {s: i for i, s in enumerate(taxonomy.themes)}
    out = np.zeros((len(texts.ids), len(index)), dtype=np.float32)
    for row, (title, body) in enumerate(zip(texts.titles, texts.bodies)):
        for slug, score in m.scores(title, body).items():
            out[row, index[slug]] = score
    return out


def _closure_columns(taxonomy: Taxonomy):
    """For each theme column, the columns of the theme and its sub-themes."""
    slugs = list(taxonomy.themes)
    index = {s: i for i, s in enumerate(slugs)}
    return [[index[d] for d in taxonomy.descendants(s)] for s in slugs]


def training_labels(store, texts: Texts, taxonomy: Taxonomy, rules, thresholds: Thresholds):
    """(positive, negative, weight) matrices for the per-theme models.

    Positives: manual tags (of the theme or a sub-theme) and confident rule tags. Explicit
    negatives: manual "not this theme". Everything else is an unlabelled negative with a low
    weight. Manual labels weigh most because they are the user's considered word.
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
    weight = np.ones((n, k), dtype=np.float32)
    for c, cols in enumerate(closure):
        pos[:, c] = manual_pos[:, cols].any(axis=1) | confident[:, cols].any(axis=1)
    pos &= ~manual_neg
    weight[manual_pos | manual_neg] = 3.0
    return pos, manual_neg, weight, manual_pos


def text_features(texts: Texts):
    """Sublinear tf-idf of word unigrams and bigrams, hashed into a fixed 2^20 columns so that
    memory stays flat however large the store grows (no vocabulary dictionary to build)."""
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    hashing = HashingVectorizer(ngram_range=(1, 2), n_features=2 ** 20, alternate_sign=False,
                                norm=None, stop_words="english", dtype=np.float32,
                                token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b")
    counts = hashing.transform(texts.joined())
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts)


def model_matrix(texts: Texts, pos, weight, neg=None, *, min_positives: int = 3, C: float = 0.5,
                 negatives_per_positive: int = 20, min_negatives: int = 2000, seed: int = 0):
    """Decision values of one linear SVM per theme column; NaN where a theme has too few
    positives to train on.

    Unlabelled papers serve as negatives, so a model must not score the very papers it was
    told were negatives: a sample of them is split in two halves, each half is scored by the
    model trained on the other, and every other paper by the mean of both. Sampling the
    negatives (20 per positive, at least 2000) keeps training time proportional to the
    labelled papers rather than to the store.
    """
    import numpy as np
    from sklearn.svm import LinearSVC

    n, k = pos.shape
    out = np.full((n, k), np.nan, dtype=np.float32)
    if n < 2 or not (pos.sum(axis=0) >= min_positives).any():
        return out
    X = text_features(texts)
    if neg is None:
        neg = np.zeros_like(pos)
    rng = np.random.default_rng(seed)
    for c in range(k):
        positives = np.flatnonzero(pos[:, c])
        if len(positives) < min_positives or len(positives) == n:
            continue
        explicit = np.flatnonzero(neg[:, c] & ~pos[:, c])
        unlabelled = np.flatnonzero(~pos[:, c] & ~neg[:, c])
        size = min(len(unlabelled), max(min_negatives, negatives_per_positive * len(positives)))
        sample = rng.choice(unlabelled, size=size, replace=False) if size < len(unlabelled) else unlabelled
        halves = [sample[0::2], sample[1::2]]
        if not len(halves[1]) and not len(explicit):
            continue
        scores = []
        for held, used in ((halves[0], halves[1]), (halves[1], halves[0])):
            train = np.concatenate([positives, explicit, used])
            y = np.zeros(len(train), dtype=int)
            y[: len(positives)] = 1
            if y.min() == y.max():
                scores.append(None)
                continue
            clf = LinearSVC(C=C, class_weight="balanced", max_iter=5000, tol=1e-4, dual="auto",
                            random_state=0)
            clf.fit(X[train], y, sample_weight=weight[train, c])
            scores.append((clf, held))
        fitted = [s for s in scores if s is not None]
        column = np.mean([clf.decision_function(X) for clf, _ in fitted], axis=0)
        if len(fitted) == 2:
            (clf_a, held_a), (clf_b, held_b) = fitted
            column[held_a] = clf_a.decision_function(X[held_a])
            column[held_b] = clf_b.decision_function(X[held_b])
        out[:, c] = column
    return out


def graph_matrix(store, texts: Texts, tagged):
    """(share, count): for each paper and theme, how many of its cited and citing papers carry
    the theme, and what share of its neighbours that is."""
    import numpy as np
    from scipy import sparse

    n, k = tagged.shape
    row_of = {pid: r for r, pid in enumerate(texts.ids)}
    src, dst = [], []
    for citing, cited in store.conn.execute("SELECT citing, cited FROM citation"):
        a, b = row_of.get(citing), row_of.get(cited)
        if a is not None and b is not None and a != b:
            src.append(a)
            dst.append(b)
    if not src:
        zero = np.zeros((n, k), dtype=np.float32)
        return zero, zero
    adj = sparse.coo_matrix((np.ones(len(src), dtype=np.float32), (src, dst)), shape=(n, n)).tocsr()
    adj = ((adj + adj.T) > 0).astype(np.float32)
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


def propose(store, taxonomy: Taxonomy, thresholds: Thresholds | None = None,
            sources: Sequence[str] = AUTO_SOURCES) -> Proposal:
    """Compute every automatic tag the thresholds accept, without touching the store."""
    import numpy as np

    thresholds = thresholds or taxonomy.thresholds
    texts = load_texts(store)
    slugs = list(taxonomy.themes)
    n, k = len(texts.ids), len(slugs)
    rules = rule_matrix(texts, taxonomy) if n else np.zeros((0, k), dtype=np.float32)
    if n and taxonomy.forum_tags:
        from kb.knowledge.forum_tags import forum_tag_matrix

        rules = np.maximum(rules, forum_tag_matrix(store, texts, taxonomy, thresholds.rule_confident))
    accept_rule = rules >= thresholds.rule
    rows: dict[tuple[int, str, str], float] = {}
    trained: dict[str, int] = {}
    accepted = np.zeros((n, k), dtype=bool)
    if "rule" in sources:
        accepted |= accept_rule
        for r, c in zip(*np.nonzero(accept_rule)):
            rows[(texts.ids[r], slugs[c], "rule")] = float(rules[r, c])
    pos, neg, weight, manual_pos = training_labels(store, texts, taxonomy, rules, thresholds)
    if "model" in sources and n:
        margins = model_matrix(texts, pos, weight, neg)
        accept_model = np.nan_to_num(margins, nan=-np.inf) >= thresholds.model
        accepted |= accept_model
        for r, c in zip(*np.nonzero(accept_model)):
            rows[(texts.ids[r], slugs[c], "model")] = round(float(margins[r, c]), 4)
        trained = {slugs[c]: int(pos[:, c].sum()) for c in range(k) if not np.isnan(margins[:, c]).all()}
    if "graph" in sources and n:
        tagged = (accepted | manual_pos) & ~neg
        share, count = graph_matrix(store, texts, tagged)
        accept_graph = (share >= thresholds.graph) & (count >= thresholds.graph_min)
        for r, c in zip(*np.nonzero(accept_graph)):
            rows[(texts.ids[r], slugs[c], "graph")] = round(float(share[r, c]), 4)
    return Proposal(slugs=slugs, texts=texts, rows=rows, trained=trained)


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

    def summary(self) -> dict:
        added = sum(1 for c in self.changes if c.change == "add")
        removed = sum(1 for c in self.changes if c.change == "remove")
        return {"papers": self.papers, "tags_added": added, "tags_removed": removed,
                "rows_added": self.rows_added, "rows_removed": self.rows_removed,
                "rows_rescored": self.rows_rescored, "dry_run": self.dry_run,
                "trained": self.trained,
                "thresholds": {k: getattr(self.thresholds, k) for k in self.thresholds.__dataclass_fields__}}


def auto_tag(store, taxonomy: Taxonomy | None = None, thresholds: Thresholds | None = None, *,
             dry_run: bool = False, sources: Sequence[str] = AUTO_SOURCES) -> AutoTagResult:
    """Retrain, rescore and rewrite the automatic tags of every paper.

    Only the difference is written (in one transaction), so a rerun with nothing new changes
    nothing. ``changes`` lists the tags a reader would see appear or disappear.
    """
    from kb.store import utc_now

    taxonomy = taxonomy or load_taxonomy()
    thresholds = thresholds or taxonomy.thresholds
    unknown = set(sources) - set(AUTO_SOURCES)
    if unknown:
        raise UsageError(f"unknown tag source(s) {sorted(unknown)}; choose from {', '.join(AUTO_SOURCES)}")
    if not dry_run:
        sync_taxonomy(store, taxonomy)
    proposal = propose(store, taxonomy, thresholds, sources)
    themes = set(taxonomy.themes)
    old: dict[tuple[int, str, str], float] = {}
    manual: set[tuple[int, str]] = set()
    for paper, theme, source, score in store.conn.execute(
            "SELECT paper, theme, source, score FROM paper_theme"):
        if source == "manual":
            manual.add((paper, theme))
        elif theme in themes:
            old[(paper, theme, source)] = score
    new = proposal.rows
    added = [key for key in new if key not in old]
    removed = [key for key in old if key not in new]
    rescored = [key for key in new if key in old and abs(old[key] - new[key]) > 1e-4]

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
                "INSERT INTO paper_theme (paper, theme, source, score, negative, updated_at)"
                " VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(paper, theme, source) DO UPDATE SET"
                " score = excluded.score, updated_at = excluded.updated_at",
                [(*key, new[key], now) for key in added + rescored])
            conn.execute(
                "INSERT INTO tag_run (started_at, finished_at, params, added, removed, changed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, utc_now(), json.dumps({
                    "thresholds": {k: getattr(thresholds, k) for k in thresholds.__dataclass_fields__},
                    "sources": list(sources), "trained": proposal.trained}),
                 len(added), len(removed), len(rescored)))
    return AutoTagResult(changes=changes, rows_added=len(added), rows_removed=len(removed),
                         rows_rescored=len(rescored), trained=proposal.trained,
                         papers=len(proposal.texts.ids), dry_run=dry_run, thresholds=thresholds)
