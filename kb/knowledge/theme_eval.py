"""Measuring automatic theme tagging on labelled works it was not fitted to.

Two figures, always both: cross-validation on the development part (``data/theme_labels.jsonl``,
the works kb trains on: each fold is tagged by a model trained on the other folds), and the
held-out part (``tests/data/theme_heldout.jsonl``: tagged by a model trained on the whole
development part; no keyword or threshold was ever tuned on it). Works are put in a fresh
store and tagged by :func:`kb.knowledge.tagging.propose`, the code `kb tag auto` runs.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb.knowledge.theme_model import labelled_from_works, work_body
from kb.knowledge.themes import AUTO_SOURCES


@dataclass
class ThemeFigures:
    themes: list[dict]          # slug, n, tp, fp, fn, precision, recall, f1
    macro_f1: float
    negatives: int
    negatives_tagged: int

    @property
    def negatives_share(self) -> float:
        return self.negatives_tagged / self.negatives if self.negatives else 0.0

    @property
    def min_recall(self) -> float:
        return min(t["recall"] for t in self.themes if t["n"])

    def table(self, heading: str) -> str:
        lines = [heading, f"{'theme':32} {'n':>4} {'precision':>9} {'recall':>7} {'F1':>6}"]
        for t in self.themes:
            lines.append(f"{t['slug']:32} {t['n']:>4} {t['precision']:>9.2f} {t['recall']:>7.2f} {t['f1']:>6.2f}")
        lines.append(f"macro-F1 {self.macro_f1:.3f}; negatives tagged {self.negatives_tagged}/{self.negatives}"
                     f" ({self.negatives_share:.1%}); lowest recall {self.min_recall:.2f}")
        return "\n".join(lines)


def predict(works: list[dict], labelled_works: list[dict], taxonomy, workdir: Path,
            settings=None, post_works: list[dict] | None = None, post_settings=None) -> list[set[str]]:
    """The themes `kb tag auto` gives each of ``works`` in a store holding just them, trained on
    ``labelled_works`` (sub-themes imply their parents); see :func:`predict_rows`."""
    return themes_of_rows(predict_rows(works, labelled_works, taxonomy, workdir, settings, post_works, post_settings),
                          taxonomy)


def predict_rows(works: list[dict], labelled_works: list[dict], taxonomy, workdir: Path,
                 settings=None, post_works: list[dict] | None = None, post_settings=None) -> list[list[tuple]]:
    """Each of ``works``' automatic tag rows, (theme, source, score, signals) in order, as `kb tag
    auto` writes them in a store holding just them, trained on ``labelled_works``. A work of
    kind "post" is stored as `kb crawl` stores a forum post, and is tagged by the posts' model,
    trained on ``labelled_works`` and ``post_works`` (None: the labelled posts kb ships,
    :func:`kb.knowledge.theme_model.read_post_works`) with ``post_settings`` (None: the shipped
    ones, ``POST_SETTINGS``; False: no posts' model, posts are tagged as papers)."""
    from kb.knowledge.tagging import propose
    from kb.knowledge.theme_model import POST_SETTINGS, PostModel, read_post_works
    from kb.knowledge.themes import sync_taxonomy
    from kb.store import Store
    from kb.store.records import PaperRecord, PostRecord

    post_model = None
    post_settings = POST_SETTINGS if post_settings is None else post_settings
    if post_settings:
        if post_works is None:
            post_works = read_post_works()
        post_model = PostModel(labelled_from_works(labelled_works + post_works, taxonomy), post_settings)
    store = Store(workdir / f"eval-{len(list(workdir.iterdir()))}.sqlite")
    try:
        # A labelled post is stored as `kb crawl` stores a forum post (kind 'post'), under the
        # same id as a paper would be, so that the store's rows are in the same order.
        records = []
        for w in works:
            paper_id = hashlib.sha1(w["title"].encode()).hexdigest()
            post = {"forum_id": paper_id} if w.get("kind") == "post" else {}
            records.append((PostRecord if post else PaperRecord)(
                paper_id=paper_id, title=w["title"], abstract=w.get("abstract"), tldr=w.get("tldr"),
                year=w.get("year"), detail_level=2, **post))
        store.upsert_papers(records)
        ids = store.internal_ids([r.paper_id for r in records])
        sync_taxonomy(store, taxonomy)
        proposal = propose(store, taxonomy, labelled=labelled_from_works(labelled_works, taxonomy),
                           settings=settings, post_model=post_model)
    finally:
        store.close()
    tags, slugs, k = proposal.tags, proposal.slugs, len(proposal.slugs)
    texts = proposal.signals.texts
    why = proposal.signals.of(tags.row * k + tags.col).tolist() if len(tags) else []
    got: dict[int, list[tuple]] = {}
    for r, c, s, v, w in zip(tags.row.tolist(), tags.col.tolist(), tags.source.tolist(), tags.score.tolist(), why):
        got.setdefault(proposal.texts.ids[r], []).append((slugs[c], AUTO_SOURCES[s], v, texts[w]))
    return [sorted(got.get(ids[r.paper_id], [])) for r in records]


def figures(works: list[dict], predicted: list[set[str]], taxonomy) -> ThemeFigures:
    """Per theme precision, recall and F1, and their macro average over the themes the works
    are about or were tagged with (a small part may lack a theme: it has no F1 to count)."""
    tp = {s: 0 for s in taxonomy.themes}
    fp, fn = dict(tp), dict(tp)
    negatives = tagged = 0
    for work, got in zip(works, predicted):
        gold = {a for s in work["themes"] if s in taxonomy for a in [s, *taxonomy.ancestors(s)]}
        if not gold:
            negatives += 1
            tagged += bool(got)
        for s in gold & got:
            tp[s] += 1
        for s in got - gold:
            fp[s] += 1
        for s in gold - got:
            fn[s] += 1
    rows = []
    for s in taxonomy.themes:
        if not tp[s] + fn[s] + fp[s]:
            continue        # no work of the theme and none tagged with it: no F1 to average
        p = tp[s] / (tp[s] + fp[s]) if tp[s] + fp[s] else 0.0
        r = tp[s] / (tp[s] + fn[s]) if tp[s] + fn[s] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows.append({"slug": s, "n": tp[s] + fn[s], "tp": tp[s], "fp": fp[s], "fn": fn[s],
                     "precision": p, "recall": r, "f1": f1})
    return ThemeFigures(themes=rows, macro_f1=sum(r["f1"] for r in rows) / len(rows),
                        negatives=negatives, negatives_tagged=tagged)


def cross_validated(dev: list[dict], taxonomy, folds: int = 5, settings=None, post_settings=None) -> ThemeFigures:
    """Each fold tagged by a model trained (and calibrated) on the other folds."""
    return figures(dev, themes_of_rows(cross_validated_rows(dev, taxonomy, folds, settings, post_settings), taxonomy),
                   taxonomy)


def cross_validated_rows(dev: list[dict], taxonomy, folds: int = 5, settings=None,
                         post_settings=None) -> list[list[tuple]]:
    """Each work's tag rows (:func:`predict_rows`), each fold tagged by a model trained (and
    calibrated) on the other folds; ``post_settings`` as :func:`predict_rows` takes them (False:
    posts tagged by the papers' model, which then trains once a fold instead of twice)."""
    rows: list[list[tuple]] = [[] for _ in dev]
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held = [i for i in range(len(dev)) if i % folds == fold]
            rest = [dev[i] for i in range(len(dev)) if i % folds != fold]
            for i, got in zip(held, predict_rows([dev[i] for i in held], rest, taxonomy, Path(tmp), settings,
                                                 post_settings=post_settings)):
                rows[i] = got
    return rows


def themes_of_rows(rows: list[list[tuple]], taxonomy) -> list[set[str]]:
    """Each work's themes from its tag rows (:func:`predict_rows`), sub-themes implying parents."""
    return [{a for slug, *_ in work for a in [slug, *taxonomy.ancestors(slug)]} for work in rows]


def keywords_supported(taxonomy, works: list[dict], minimum: int = 2):
    """The taxonomy with only the keywords that find at least ``minimum`` of their own theme's
    ``works``: what the keyword list would be had it been written from those works alone."""
    import dataclasses

    from kb.knowledge.tagging import RuleMatcher

    gold = [{a for s in w["themes"] if s in taxonomy for a in [s, *taxonomy.ancestors(s)]} for w in works]
    m = RuleMatcher(taxonomy)
    found = m.texts_with([w["title"] + " " + work_body(w) for w in works])
    themes = {}
    for slug, theme in taxonomy.themes.items():
        keep = [k for k in theme.keywords
                if sum(1 for i in found.get(m.spelled(k), ()) if slug in gold[i]) >= minimum]
        themes[slug] = dataclasses.replace(theme, keywords=tuple(keep))
    return dataclasses.replace(taxonomy, themes=themes)


def keyword_blind(dev: list[dict], taxonomy, folds: int = 5, settings=None, post_settings=None) -> ThemeFigures:
    """Cross-validation in which each fold is tagged with only the keywords that the other folds
    support (two or more of their theme's works): the keywords were written looking at the
    development titles, so plain cross-validation lets a phrase that exists for one title tag
    that title. This is the development figure closest to works nobody looked at."""
    predicted: list[set[str]] = [set() for _ in dev]
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held = [i for i in range(len(dev)) if i % folds == fold]
            rest = [dev[i] for i in range(len(dev)) if i % folds != fold]
            blind = keywords_supported(taxonomy, rest)
            for i, got in zip(held, predict([dev[i] for i in held], rest, blind, Path(tmp), settings,
                                            post_settings=post_settings)):
                predicted[i] = got
    return figures(dev, predicted, taxonomy)


def held_out(dev: list[dict], held: list[dict], taxonomy, settings=None) -> ThemeFigures:
    """The held-out works tagged by a model trained on the whole development part."""
    return held_out_parts(dev, {"held-out": held}, taxonomy, settings)["held-out"]


def held_out_parts(dev: list[dict], parts: dict[str, list[dict]], taxonomy, settings=None) -> dict[str, ThemeFigures]:
    """Each part's figures, its works tagged together with every other part's in one store by
    one model trained on the whole development part: as `kb tag auto` tags a store that holds
    them all, trained once (a model per part cost a training each)."""
    every = [w for works in parts.values() for w in works]
    with tempfile.TemporaryDirectory() as tmp:
        predicted = predict(every, dev, taxonomy, Path(tmp), settings)
    out, at = {}, 0
    for name, works in parts.items():
        out[name] = figures(works, predicted[at:at + len(works)], taxonomy)
        at += len(works)
    return out


__all__ = ["ThemeFigures", "predict", "predict_rows", "figures", "cross_validated", "cross_validated_rows", "keyword_blind", "held_out", "held_out_parts", "work_body"]
