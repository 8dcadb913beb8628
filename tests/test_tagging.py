"""Tagging: keyword rules, manual tags and their precedence, the learned model and its
retraining, graph evidence, `kb tag auto`, and the labelled evaluation set."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest
from tests.cli_runner import invoke

from kb.errors import NotFoundError, UsageError
from kb.store.records import EdgeRecord, PaperRecord
from kb.store import Store
from kb.knowledge.resolve import paper_number
from kb.knowledge.tagging import RuleMatcher, auto_tag, forget_manual, paper_tags, rule_scores, set_manual
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy, parse_taxonomy, themes_of
from kb.knowledge.theme_model import ModelSettings


TAXONOMY = """
[tagging]
rule = 1.5
rule_confident = 2.5
model = 0.0
graph = 0.5
graph_min = 3

[theme.interp]
name = "Interpretability"
description = "Understanding networks."
keywords = ["interpretability", "sparse autoencoder", "grokk*"]

[theme.sae]
name = "Sparse autoencoders"
description = "Dictionary learning."
parent = "interp"
keywords = ["sparse autoencoder", "dictionary learning"]

[theme.rl]
name = "RL"
description = "Reinforcement learning."
keywords = ["reinforcement learning", "reward model"]

[theme.zoo]
name = "Zorblax studies"
description = "A theme no keyword finds: only the learned model can tag it."
keywords = ["qqqqq"]
"""


@pytest.fixture()
def taxonomy(tmp_path, monkeypatch):
    path = tmp_path / "themes.toml"
    path.write_text(TAXONOMY, encoding="utf-8")
    monkeypatch.setenv("KB_THEMES", str(path))
    return load_taxonomy(path)


def sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def make_store(tmp_path, papers: list[tuple[str, str]]) -> Store:
    store = Store(tmp_path / "kb.sqlite")
    store.upsert_papers([PaperRecord(paper_id=sha(title), title=title, abstract=abstract, year=2020,
                                     arxiv_id=f"2001.{i:05d}", detail_level=2)
                         for i, (title, abstract) in enumerate(papers, start=1)])
    return store


FILLER = "we study models and report experiments on several datasets with careful analysis"


# -- rules --------------------------------------------------------------------------------------

def test_rule_scores_weigh_title_and_body(taxonomy):
    m = RuleMatcher(taxonomy)
    assert m.scores("Sparse Autoencoders find features") == {"interp": 1.5, "sae": 1.5}
    assert m.scores("A paper", "we train a sparse-autoencoder and do dictionary learning") == \
        {"interp": 1.0, "sae": 2.0}
    assert m.scores("Grokking beyond algorithmic data")["interp"] == 1.5      # prefix keyword
    assert m.scores("Reward models", "reinforcement learning from feedback") == {"rl": 2.5}
    assert m.scores("Rewarding models") == {}                                  # whole words only
    assert m.scores(None, None) == {}
    assert m.matched_keywords("Sparse autoencoders", "grokked")["interp"] == ["sparse autoencoder", "grokk*"]


def test_one_mention_never_passes_the_rule_threshold_alone():
    """Overlapping phrases of one theme ("visual cortex" and "cortex", "power law*" and
    "power-law") are one mention, in title and abstract together, and a title mention alone
    stays under the threshold."""
    text = parse_taxonomy('[theme.t]\nkeywords = ["visual cortex", "cortex", "power law*", "power-law",'
                          ' "natural abstraction*", "abstraction*"]\n')
    m = RuleMatcher(text)
    assert m.scores("Power-law fits") == {"t": 1.5}
    assert m.scores("A paper", "neurons of the visual cortex") == {"t": 1.0}
    assert m.scores("A paper", "natural abstractions; natural abstraction") == {"t": 1.0}
    assert m.scores("A paper", "visual cortex and power laws") == {"t": 2.0}  # two mentions
    # One idea named in the title and again in the abstract is one mention, at the title's weight.
    assert m.scores("Power laws of cortex", "the visual cortex follows a power-law") == {"t": 3.0}
    assert m.scores("Natural abstractions", "we test the natural abstraction hypothesis") == {"t": 1.5}
    assert m.scores("Abstractions", "natural abstractions in toy worlds") == {"t": 1.5}
    shipped = load_taxonomy(DEFAULT_THEMES_FILE)
    for slug, theme in shipped.themes.items():
        for keyword in theme.keywords:
            assert max(rule_scores(keyword.rstrip("*"), taxonomy=shipped).values()) < shipped.thresholds.rule, keyword


def test_rule_scores_function_uses_the_taxonomy_file(taxonomy):
    assert rule_scores("In-context reinforcement learning") == {"rl": 1.5}
    shipped = load_taxonomy(DEFAULT_THEMES_FILE)
    scores = rule_scores("Scaling Monosemanticity: sparse autoencoders on Claude", taxonomy=shipped)
    assert scores["sparse-autoencoders"] >= 2.0


def reference_rule_scorer(m: RuleMatcher):
    """The keyword rules as the README states them, written plainly, one text at a time, apart
    from the array code kb runs: runs of letters and digits, a phrase word matching the word or
    its plural (s, es, y -> ies; a final ``*`` any ending), a theme's phrases whose occurrences
    overlap (in title and abstract together) forming one mention, a mention counting
    TITLE_WEIGHT when one of its phrases is in the title. Returns the scorer of (title, body):
    (theme index -> score, phrase indices found)."""
    import re
    from functools import lru_cache

    from kb.knowledge.tagging import BODY_WEIGHT, TITLE_WEIGHT

    def accepts(token, word, prefix):
        return token.startswith(word) if prefix else token in {word, word + "s", word + "es"} or (
            word.endswith("y") and token == word[:-1] + "ies")

    @lru_cache(maxsize=None)
    def starting(token):        # the phrases whose first word accepts ``token``
        return [pi for pi, (words, wild) in enumerate(m.phrases) if accepts(token, words[0], wild and len(words) == 1)]

    def spans(text, offset):
        tokens = re.findall(r"[a-z0-9]+", text.lower())
        return [(pi, i + offset, i + offset + len(m.phrases[pi][0])) for i in range(len(tokens)) for pi in starting(tokens[i])
                if i + len(m.phrases[pi][0]) <= len(tokens)
                and all(accepts(tokens[i + j], w, m.phrases[pi][1] and j == len(m.phrases[pi][0]) - 1)
                        for j, w in enumerate(m.phrases[pi][0]))]

    def score(title, body):
        title_spans = spans(title or "", 0)
        every = title_spans + spans(body or "", 10_000)
        in_title = {pi for pi, _, _ in title_spans}
        scores = {}
        for ti in range(len(m.slugs)):
            mine = sorted((s for s in every if ti in m.phrase_themes[s[0]]), key=lambda s: (s[1], s[2]))
            mentions: list[set[int]] = []
            run, end = set(), -1
            for pi, start, stop in mine + [(None, 10 ** 9, 10 ** 9)]:
                if start >= end and run:      # the run of overlapping spans before this one ends
                    joined = [x for x in mentions if x & run]
                    mentions = [x for x in mentions if not x & run] + [set().union(run, *joined)]
                    run = set()
                run.add(pi)
                end = stop if start >= end else max(end, stop)
            if mentions:
                scores[ti] = sum(TITLE_WEIGHT if x & in_title else BODY_WEIGHT for x in mentions)
        return scores, sorted({pi for pi, _, _ in every})

    return score


def test_keywords_of_many_texts_at_once_are_those_of_each_text():
    """rule_matrix matches a batch of texts with array operations (one text is scored as a batch
    of one): the same scores and phrases as the rules written plainly one text at a time, and as
    scoring each text alone, on texts made of the shipped keywords, inflected, hyphenated,
    overlapping, upper-cased and next to non-ASCII letters."""
    import random

    import numpy as np

    from kb.knowledge.tagging import Texts, rule_matrix

    shipped = load_taxonomy(DEFAULT_THEMES_FILE)
    keywords = [k.rstrip("*") for t in shipped.themes.values() for k in t.keywords]
    pieces = keywords + [k + end for k in keywords[::3] for end in ("s", "es", "ing", "-", "_x")] + \
        ["y", "ies", "naïve", "İ", "—", "-", "x_y", "\u212a", "cortex", "power-law", "of the"]
    rng = random.Random(7)

    def text():
        words = [rng.choice(pieces) for _ in range(rng.randint(0, 14))]
        return rng.choice([" ", "-", " - ", ", "]).join(w.upper() if rng.random() < 0.2 else w for w in words)

    titles = [text() for _ in range(1500)] + ["", "Power-law fits"]
    bodies = [text() + " " + text() for _ in range(1500)] + ["", "visual cortex and power laws"]
    m = RuleMatcher(shipped)
    reference = reference_rule_scorer(m)
    rules, fired = rule_matrix(Texts(ids=list(range(len(titles))), titles=titles, bodies=bodies), shipped, chunk=400)
    assert (rules > 0).sum() > 1000 and (rules >= 3).sum() > 100      # overlapping and distinct mentions
    for r, (title, body) in enumerate(zip(titles, bodies)):
        expected, phrases = reference(title, body)
        row = np.zeros(len(m.slugs), dtype=np.float32)
        row[list(expected)] = list(expected.values())
        assert (rules[r] == row).all(), (title, body)
        assert fired.phrases[fired.indptr[r]:fired.indptr[r + 1]].tolist() == phrases
        if r % 10 == 0:        # one text alone: the batch path on a batch of one
            assert m.theme_scores(title, body) == (expected, phrases)


def test_the_crawl_and_the_bulk_walk_score_keywords_a_page_at_a_time(taxonomy):
    """The crawler's priority boost and the bulk walk's theme gate match a page of papers as one
    batch, with the scores of each paper alone."""
    from types import SimpleNamespace

    from kb.bulk.extract import _theme_gate
    from kb.crawl.crawler import _theme_scorer

    papers = [("Reward models", "reinforcement learning from feedback"), ("Cooking", None), (None, None),
              ("Sparse autoencoders", "dictionary learning"), (None, "a reward model")]
    records = [SimpleNamespace(title=t, abstract=a) for t, a in papers]
    assert _theme_scorer()(records) == [max(rule_scores(t, a).values(), default=0.0) for t, a in papers]
    assert _theme_scorer()([]) == []
    rows = [(i, t, a) for i, (t, a) in enumerate(papers)]
    assert _theme_gate("rl")(iter(rows), batch=2) == [(0,)]
    assert _theme_gate("interp")(iter(rows), batch=2) == [(3,)]       # its sub-theme's keywords count


def test_rule_matcher_handles_plurals_hyphens_and_ies(taxonomy):
    text = parse_taxonomy('[theme.t]\nkeywords = ["policy", "in-context learning"]\n')
    m = RuleMatcher(text)
    assert m.scores("Policies") == {"t": 1.5}
    assert m.scores("In context learning") == {"t": 1.5}
    assert m.scores("In-Context-Learning") == {"t": 1.5}


# -- manual tags and precedence -----------------------------------------------------------------

def test_manual_tags_win_over_automatic_ones(tmp_path, taxonomy):
    store = make_store(tmp_path, [("Sparse autoencoders for transformers", FILLER),
                                  ("Reinforcement learning with reward models", FILLER),
                                  ("A survey of everything", FILLER)])
    auto_tag(store, taxonomy, sources=["rule"])
    assert [t[0] for t in themes_of(store, [1])[1]] == ["interp", "sae"]
    assert 3 not in themes_of(store, [3])

    set_manual(store, 1, ["sae"], negative=True, taxonomy=taxonomy)     # "not this theme"
    set_manual(store, 3, ["rl"], taxonomy=taxonomy)                     # no rule finds it
    set_manual(store, 2, ["rl"], taxonomy=taxonomy)                     # agrees with the rule
    tags = themes_of(store, [1, 2, 3])
    assert [t[0] for t in tags[1]] == ["interp"]
    assert tags[3] == [("rl", 1.0, "manual")]
    assert tags[2] == [("rl", 1.0, "manual")]

    # The negative is remembered: a new automatic run does not bring the tag back.
    result = auto_tag(store, taxonomy, sources=["rule"])
    assert not [c for c in result.changes if c.paper == 1]
    assert [t[0] for t in themes_of(store, [1])[1]] == ["interp"]
    rows = {(r["theme"], r["source"]): r for r in paper_tags(store, 1)}
    assert rows[("sae", "manual")]["negative"] and not rows[("sae", "manual")]["effective"]
    assert rows[("sae", "rule")]["score"] >= 1.5 and not rows[("sae", "rule")]["effective"]

    # A manual positive replaces the earlier negative, and forgetting hands back to automatic.
    set_manual(store, 1, ["sae"], taxonomy=taxonomy)
    assert themes_of(store, [1])[1][0] == ("sae", 1.0, "manual")
    assert forget_manual(store, 1, ["sae"], taxonomy=taxonomy) == ["sae"]
    assert ("sae", 1.5, "rule") in themes_of(store, [1])[1]
    store.close()


def test_manual_tag_on_unknown_theme_or_paper(tmp_path, taxonomy):
    store = make_store(tmp_path, [("A paper", None)])
    with pytest.raises(UsageError, match="unknown theme 'sea'; did you mean: sae"):
        set_manual(store, 1, ["sea"], taxonomy=taxonomy)
    with pytest.raises(NotFoundError):
        paper_number(store, "ARXIV:1999.99999")
    with pytest.raises(NotFoundError):
        paper_number(store, "not an id")
    assert paper_number(store, "ARXIV:2001.00001") == 1
    assert paper_number(store, "https://arxiv.org/abs/2001.00001v2") == 1
    assert paper_number(store, sha("A paper")) == 1
    assert paper_number(store, "#1") == 1
    store.close()


# -- the learned model --------------------------------------------------------------------------

@pytest.fixture()
def svm_fits_once(monkeypatch):
    """Within the test, a linear SVM fitted once per distinct fit: the same rows, labels, weights
    and settings (hashed) give the fitted weights of the first fit. liblinear is deterministic
    (``random_state=0``), so the weights are those a second fit would give; these tests train a
    model twice on the same rows on purpose (a dry run and the run, a kept run against one that
    read every text, one knob on and off: 29 of test_tagging.py's 200 s of fits were repeats),
    and where a bug changes what a fit is given the hash differs and it is fitted."""
    import hashlib

    import numpy as np
    from scipy import sparse
    from sklearn.svm import LinearSVC

    fit, fitted = LinearSVC.fit, {}

    def once(self, X, y, sample_weight=None):
        h = hashlib.blake2b(repr(sorted(self.get_params().items())).encode(), digest_size=20)
        arrays = (X.data, X.indices, X.indptr, np.asarray(X.shape)) if sparse.issparse(X) else (np.asarray(X),)
        for a in (*arrays, np.asarray(y), np.asarray(sample_weight if sample_weight is not None else [])):
            a = np.ascontiguousarray(a)
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.view(np.uint8).ravel())
        key = (type(X).__name__, h.digest())
        if key not in fitted:
            fit(self, X, y, sample_weight=sample_weight)
            fitted[key] = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}
        for k, v in fitted[key].items():
            setattr(self, k, v.copy() if isinstance(v, np.ndarray) else v)
        return self

    monkeypatch.setattr(LinearSVC, "fit", once)
    return fitted


def test_svm_fits_once_gives_the_weights_of_a_fit_and_refits_what_differs(svm_fits_once):
    """The fixture above: a repeated fit takes the first fit's weights; other
    labels, weights, rows or settings are fitted anew."""
    import numpy as np
    from scipy import sparse
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    X = sparse.random(60, 40, density=0.2, format="csr", random_state=1)
    y, w = rng.integers(0, 2, 60), rng.random(60)
    first = LinearSVC(C=1.0, random_state=0).fit(X, y, sample_weight=w).coef_
    assert len(svm_fits_once) == 1
    assert np.array_equal(LinearSVC(C=1.0, random_state=0).fit(X, y, sample_weight=w).coef_, first)
    assert len(svm_fits_once) == 1
    for other in [(X, 1 - y, w), (X, y, w[::-1].copy()), (X[::-1], y, w)]:
        LinearSVC(C=1.0, random_state=0).fit(*other[:2], sample_weight=other[2])
    LinearSVC(C=2.0, random_state=0).fit(X, y, sample_weight=w)
    assert len(svm_fits_once) == 5

def zorblax_corpus():
    topical = [(f"Zorblax dynamics of flumph lattices part {i}",
                f"We measure zorblax flumph coupling and quenched lattice zorblax spectra {i}")
               for i in range(8)]
    other = [(f"Unrelated study number {i} of cooking recipes",
              f"Bread, pastry and oven temperatures across kitchens {i}") for i in range(12)]
    return topical + other


def test_retraining_after_new_manual_tags_changes_predictions(tmp_path, taxonomy, svm_fits_once):
    store = make_store(tmp_path, zorblax_corpus())
    first = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert "zoo" not in first.trained
    assert not any("zoo" in [t[0] for t in tags] for tags in themes_of(store, range(1, 21)).values())

    for paper in (1, 2, 3):
        set_manual(store, paper, ["zoo"], taxonomy=taxonomy)
    dry = auto_tag(store, taxonomy, sources=["rule", "model"], dry_run=True)
    assert dry.trained["zoo"] == 3
    predicted = {c.paper for c in dry.changes if c.theme == "zoo" and c.change == "add"}
    assert predicted == {4, 5, 6, 7, 8}
    assert all(c.source == "model" for c in dry.changes if c.theme == "zoo")
    # Dry run wrote nothing.
    assert not any("zoo" in [t[0] for t in themes_of(store, [p]).get(p, [])] for p in predicted)

    auto_tag(store, taxonomy, sources=["rule", "model"])
    tags = themes_of(store, range(1, 21))
    assert {p for p, ts in tags.items() if "zoo" in [t[0] for t in ts]} == set(range(1, 9))
    assert all(src == "model" and score > 0 for p in range(4, 9) for s, score, src in tags[p] if s == "zoo")

    # A manual "not this theme" on a cooking paper is a labelled negative; rerunning is stable.
    set_manual(store, 9, ["zoo"], negative=True, taxonomy=taxonomy)
    again = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert not [c for c in again.changes if c.theme == "zoo"]
    store.close()


def test_cached_model_scores_only_new_and_changed_papers(tmp_path, taxonomy, svm_fits_once):
    """A store keeps its trained model beside the file, however small; the next run scores only
    what is new or changed and leaves every other paper's tags alone, until the labels change."""
    store = make_store(tmp_path, zorblax_corpus())
    for paper in (1, 2, 3):
        set_manual(store, paper, ["zoo"], taxonomy=taxonomy)
    first = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert first.papers == 20 and first.trained["zoo"] == 3
    assert (tmp_path / "kb.sqlite.themes" / "model.npz").is_file()
    tagged = {p for p, ts in themes_of(store, range(1, 21)).items() if "zoo" in [t[0] for t in ts]}
    assert tagged == set(range(1, 9))

    again = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert again.papers == 0 and again.changes == [] and again.trained == {}

    store.upsert_papers([PaperRecord(paper_id=sha("new"), title="Zorblax flumph lattices revisited",
                                     abstract="zorblax flumph coupling in quenched lattices", year=2021,
                                     detail_level=2)])
    store.conn.execute("UPDATE paper SET abstract = 'Bread and zorblax flumph lattice spectra' WHERE id = 9")
    store.conn.commit()
    after = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert after.papers == 2                                     # the new paper and the edited one
    assert {(c.paper, c.theme) for c in after.changes if c.change == "add"} >= {(21, "zoo")}
    assert not [c for c in after.changes if c.change == "remove"]

    set_manual(store, 10, ["zoo"], negative=True, taxonomy=taxonomy)   # new labels: retrain, rescore all
    assert auto_tag(store, taxonomy, sources=["rule", "model"]).papers == 21
    assert auto_tag(store, taxonomy, sources=["rule", "model"], full=True).papers == 21
    store.close()


def test_a_small_store_trains_again_only_when_it_grew_or_its_labels_changed(tmp_path, taxonomy, monkeypatch,
                                                                             svm_fits_once):
    """Every SQLite store keeps its trained model, however small: training on the labelled works
    costs seconds of CPU, and a store is tagged after every crawl. A rerun with nothing new, and a
    dry run, train and score nothing (the dry run writes nothing, not even when it must train);
    growth past ``retrain_growth`` or a manual tag trains again; a kept file cut short costs one
    training, not a crash."""
    from kb.knowledge import theme_model

    trainings = []
    train = theme_model.theme_scores
    monkeypatch.setattr(theme_model, "theme_scores", lambda *a, **kw: trainings.append(1) or train(*a, **kw))
    store = make_store(tmp_path, zorblax_corpus())                   # 20 papers
    set_manual(store, 1, ["zoo"], taxonomy=taxonomy)
    kept = tmp_path / "kb.sqlite.themes"

    def run(**kw):
        return auto_tag(store, taxonomy, sources=["rule", "model"], **kw)

    def files():
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in kept.iterdir()}

    def add(*titles):
        store.upsert_papers([PaperRecord(paper_id=sha(t), title=t, abstract="zorblax flumph coupling", year=2021,
                                         detail_level=2) for t in titles])

    assert run().papers == 20 and len(trainings) == 1
    before = files()
    for dry_run in (True, False):
        again = run(dry_run=dry_run)
        assert again.cached and again.papers == 0 and again.trained == {} and len(trainings) == 1
        if dry_run:
            assert files() == before
    add("Zorblax note one", "Zorblax note two")                      # 22 papers: 10% more, not past it
    grown = run()
    assert grown.cached and grown.papers == 2 and len(trainings) == 1
    add("Zorblax note three")                                        # 23: past 10%
    assert run().papers == 23 and len(trainings) == 2
    set_manual(store, 2, ["zoo"], taxonomy=taxonomy)                  # new labels
    before = files()
    assert not run(dry_run=True).cached and len(trainings) == 3 and files() == before
    assert not run().cached and len(trainings) == 4
    (kept / "papers.npz").write_bytes((kept / "papers.npz").read_bytes()[:100])   # as a kill mid-write once left it
    assert run().papers == 23 and len(trainings) == 5
    assert run().cached and len(trainings) == 5
    store.close()


def test_posts_are_tagged_by_the_posts_model_which_a_big_store_keeps(tmp_path, taxonomy, monkeypatch):
    """A store's forum posts (kind 'post', as `kb crawl` stores them) can be tagged by a second
    model, trained by the same run; the store keeps it beside the papers' one
    (``model-posts.npz``) and scores a post that arrives later with it; the tag's signals and
    `kb show` say which model gave it, and the run's record holds what it was trained on."""
    from kb.knowledge.theme_model import PostModel, labelled_from_works
    from kb.store.records import PostRecord

    works = [{"title": f"Cooking note {i}", "abstract": "bread and ovens", "themes": []} for i in range(4)]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(w) + "\n" for w in works), encoding="utf-8")
    monkeypatch.setenv("KB_THEME_LABELS", str(labels))
    works += [{"title": f"Zorblax post {i}", "abstract": "zorblax flumph notes", "themes": ["zoo"], "kind": "post"}
              for i in range(4)]
    posts_model = PostModel(labelled_from_works(works, taxonomy), ModelSettings(calibrate_posts=True))

    def post(key, title, abstract):
        return PostRecord(paper_id=f"FORUM:{key}", forum_id=key, title=title, abstract=abstract, year=2024,
                          detail_level=2)

    store = make_store(tmp_path, zorblax_corpus())
    for paper in (1, 2, 3):
        set_manual(store, paper, ["zoo"], taxonomy=taxonomy)
    store.upsert_papers([post("p1", "Zorblax flumph lattices, my notes", "zorblax flumph coupling in lattices"),
                         post("p2", "Bread at home", "pastry and ovens in kitchens")])
    auto_tag(store, taxonomy, sources=["rule", "model"], post_model=posts_model)
    assert (tmp_path / "kb.sqlite.themes" / "model-posts.npz").is_file()
    ids = store.internal_ids(["FORUM:p1", "FORUM:p2"])

    def model_rows(paper):
        return {r["theme"]: r["signals"] for r in paper_tags(store, paper) if r["source"] == "model"}

    assert model_rows(ids["FORUM:p1"])["zoo"]["model_for"] == "posts"
    assert not model_rows(ids["FORUM:p2"])
    assert model_rows(4)["zoo"] and "model_for" not in model_rows(4)["zoo"]      # a paper: the papers' model
    params = json.loads(store.conn.execute("SELECT params FROM tag_run ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert params["posts_model"]["posts"] == 2 and params["posts_model"]["trained"]["zoo"] >= 3 + 4

    store.upsert_papers([post("p3", "More zorblax flumph lattices", "zorblax flumph coupling and lattice spectra")])
    later = store.internal_ids(["FORUM:p3"])["FORUM:p3"]
    after = auto_tag(store, taxonomy, sources=["rule", "model"], post_model=posts_model)
    assert after.cached and after.papers == 1
    assert model_rows(later)["zoo"]["model_for"] == "posts"
    store.close()
    result = invoke("show", f"#{later}", db=tmp_path / "kb.sqlite", terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "posts' text model" in result.output


def _labels_with_posts(tmp_path, monkeypatch) -> list[dict]:
    """Six labelled works (three of them posts, about no theme) and four labelled posts about
    "zoo", as ``KB_THEME_LABELS`` and ``KB_THEME_POST_LABELS``; the posts' list, to edit."""
    works = [{"title": f"Cooking note {i}", "abstract": "bread and ovens", "themes": [],
              **({"kind": "post"} if i % 2 else {})} for i in range(6)]
    posts = [{"title": f"Zorblax post {i}", "abstract": "zorblax flumph notes", "themes": ["zoo"], "kind": "post"}
             for i in range(4)]
    for name, part in (("labels.jsonl", works), ("posts.jsonl", posts)):
        (tmp_path / name).write_text("".join(json.dumps(w) + "\n" for w in part), encoding="utf-8")
    monkeypatch.setenv("KB_THEME_LABELS", str(tmp_path / "labels.jsonl"))
    monkeypatch.setenv("KB_THEME_POST_LABELS", str(tmp_path / "posts.jsonl"))
    return posts


def _store_with_posts(folder) -> Store:
    """The zorblax store with two forum posts, one about "zoo" (``FORUM:p1``) and one not."""
    from kb.store.records import PostRecord

    folder.mkdir()
    store = make_store(folder, zorblax_corpus())
    store.upsert_papers([PostRecord(paper_id=f"FORUM:{key}", forum_id=key, title=title, abstract=abstract,
                                    year=2024, detail_level=2)
                         for key, title, abstract in [("p1", "Zorblax post 9", "zorblax flumph notes"),
                                                      ("p2", "Bread at home", "pastry and ovens in kitchens")]])
    return store


@pytest.mark.parametrize("settings", [ModelSettings(gate_negative_posts=0.05),
                                      ModelSettings(gate_negative_posts=0.05, store_rows=False)],
                         ids=["trained-on-the-store", "one-for-every-store"])
def test_with_posts_settings_shipped_kb_tag_auto_sends_posts_to_the_posts_model(tmp_path, taxonomy, monkeypatch,
                                                                                 settings):
    """With ``POST_SETTINGS`` set (the eighteenth pass's T2, trained on each store's rows too, or
    a model trained on the labelled works alone, one for every store), a plain `kb tag auto` tags
    the store's posts with the posts' model trained on the labelled works and the labelled posts,
    and only them: every paper's rows are those of a run without a posts' model, and a post's model
    rows say which model gave them."""
    from kb.knowledge import theme_model

    _labels_with_posts(tmp_path, monkeypatch)
    monkeypatch.setattr(theme_model, "POST_SETTINGS", settings)

    def tagged(folder, post_model=True):
        store = _store_with_posts(folder)
        for paper in (1, 2, 3):
            set_manual(store, paper, ["zoo"], taxonomy=taxonomy)
        auto_tag(store, taxonomy, sources=["rule", "model"], post_model=post_model)
        post = store.internal_ids(["FORUM:p1"])["FORUM:p1"]
        rows = {paper: paper_tags(store, paper) for paper in [*range(1, 21), post]}
        store.close()
        return {"post" if paper == post else paper: [{k: v for k, v in r.items() if k != "updated_at"} for r in tags]
                for paper, tags in rows.items()}

    shipped, without = tagged(tmp_path / "shipped"), tagged(tmp_path / "without", post_model=None)
    assert [r["signals"].get("model_for") for r in shipped["post"] if r["source"] == "model"] == ["posts"]
    assert not [r for r in without["post"] if "model_for" in r["signals"]]
    assert {p: rows for p, rows in shipped.items() if p != "post"} == \
        {p: rows for p, rows in without.items() if p != "post"}
    assert any(r["source"] == "model" for p in range(4, 9) for r in shipped[p])


def _forum_csv(path: Path, posts: list[tuple[str, str]]) -> Path:
    """A forum list as kb's forum stand-in ships it (``alignment-forum-posts.csv.gz``)."""
    import csv
    import gzip

    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["_id", "slug", "title", "summary"])
        writer.writerows([f"id{i}", f"post-{i}", title, summary] for i, (title, summary) in enumerate(posts))
    return path


def test_the_posts_model_for_every_store_is_read_when_its_stamp_matches_and_trained_when_inputs_change(
        tmp_path, taxonomy, monkeypatch):
    """A posts' model trained on kb's labels alone (``store_rows`` off; with ``forum_rows``, the
    forum's listed posts stand in for a store's rows) is one model for every store: kb ships it,
    stamped with a digest of its inputs (:mod:`kb.knowledge.posts_model`). A file whose stamp
    matches is read instead of training and tags exactly as the training did; edited labels give
    another stamp, and the run trains the model itself, as a fresh training would."""
    from kb.knowledge import posts_model, theme_model
    from kb.knowledge.theme_model import PostModel, load_post_labelled

    posts = _labels_with_posts(tmp_path, monkeypatch)
    settings = ModelSettings(gate_negative_posts=0.05, store_rows=False, forum_rows=True)
    monkeypatch.setattr(theme_model, "POST_SETTINGS", settings)
    monkeypatch.setattr(posts_model, "FORUM_POSTS", _forum_csv(tmp_path / "forum.csv.gz", [
        ("Zorblax flumph lattice notes", "zorblax flumph coupling in lattices"), ("Kitchen notes", "ovens and bread"),
        ("Gardening", "tomatoes and soil"), ("Flumph spectra", "zorblax flumph spectra of quenched lattices")]))
    monkeypatch.setattr(posts_model, "SHIPPED", tmp_path / "posts_model.npz.xz")
    monkeypatch.setattr(posts_model, "_KEPT", {})
    trainings = []
    train = posts_model.train
    monkeypatch.setattr(posts_model, "train", lambda *args: trainings.append(args) or train(*args))

    def tagged(folder):
        store = _store_with_posts(folder)
        auto_tag(store, taxonomy, sources=["rule", "model"])
        rows = {paper: paper_tags(store, paper) for paper in range(1, 23)}
        store.close()
        return {paper: [{k: v for k, v in r.items() if k != "updated_at"} for r in tags] for paper, tags in rows.items()}

    fresh = tagged(tmp_path / "fresh")
    assert len(trainings) == 1 and any(r["signals"].get("model_for") == "posts" for rows in fresh.values() for r in rows)
    inputs = (PostModel(load_post_labelled(taxonomy), settings), taxonomy, taxonomy.thresholds.model)
    posts_model.write(posts_model.SHIPPED, posts_model.stamp(*inputs), train(*inputs))
    posts_model._KEPT.clear()
    assert tagged(tmp_path / "shipped") == fresh and len(trainings) == 1      # read, not trained

    posts.append({"title": "Zorblax post 5", "abstract": "more zorblax flumph notes", "themes": ["zoo"], "kind": "post"})
    (tmp_path / "posts.jsonl").write_text("".join(json.dumps(w) + "\n" for w in posts), encoding="utf-8")
    edited = tagged(tmp_path / "edited")
    assert len(trainings) == 2                                                 # another stamp: trained
    inputs = (PostModel(load_post_labelled(taxonomy), settings), taxonomy, taxonomy.thresholds.model)
    assert posts_model.stamp(*inputs) != posts_model.shipped_stamp()
    posts_model._KEPT.clear()
    monkeypatch.setattr(posts_model, "SHIPPED", tmp_path / "none.npz.xz")
    assert tagged(tmp_path / "again") == edited and len(trainings) == 3       # as a fresh training gives


def test_a_full_run_from_kept_texts_tags_as_one_that_reads_every_text(tmp_path, taxonomy, monkeypatch, svm_fits_once):
    """A store keeps each paper's term counts and keyword matches beside the file, and a
    later full run tokenises only new and edited papers: its tags and their signals must be
    those of a run that read every text, also when the kept texts are damaged or compacted."""
    import shutil

    from kb.knowledge import theme_cache

    store = make_store(tmp_path, zorblax_corpus() + [
        ("Sparse autoencoder features", "dictionary learning with a sparse autoencoder for interpretability"),
        ("Reward models", "a reward model for reinforcement learning from human feedback")])
    store.upsert_edges([EdgeRecord(citing=sha(zorblax_corpus()[i][0]), cited=sha(zorblax_corpus()[i + 1][0]))
                        for i in range(7)])
    for paper in (1, 2, 3):
        set_manual(store, paper, ["zoo"], taxonomy=taxonomy)
    auto_tag(store, taxonomy)
    kept = tmp_path / "kb.sqlite.themes"

    def segments():
        return json.loads((kept / "texts.json").read_text())["segments"]

    assert segments() == ["texts-1.npz"]
    # An edited paper (now about RL), a new one, and a new manual tag: retrain and rescore all.
    store.conn.execute("UPDATE paper SET abstract = 'reinforcement learning with a reward model, zorblax' WHERE id = 9")
    store.conn.commit()
    store.upsert_papers([PaperRecord(paper_id=sha("new"), title="Zorblax flumph lattices revisited",
                                     abstract="zorblax flumph coupling in quenched lattices", year=2021,
                                     detail_level=2)])
    set_manual(store, 10, ["zoo"], negative=True, taxonomy=taxonomy)
    after = auto_tag(store, taxonomy)
    assert after.papers == 23 and len(segments()) == 2            # only the two were tokenised again
    assert {r["source"] for r in paper_tags(store, 9) if r["theme"] == "rl"} >= {"rule"}

    def tags(s):
        return {(r[0], r[1], r[2], r[4]): r[3] for r in s.conn.execute(
            "SELECT paper, theme, source, score, signals FROM paper_theme WHERE source != 'manual'")}

    def same(a, b):
        """The same rows and signals; scores as auto_tag keeps them (it rewrites a score that
        moved more than 1e-4, so a store tagged twice may hold one that moved less)."""
        return a.keys() == b.keys() and all(abs(a[key] - b[key]) <= 1.0001e-4 for key in a)

    kept_tags = tags(store)
    store.close()
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    shutil.copy(tmp_path / "kb.sqlite", fresh_dir / "kb.sqlite")
    fresh = Store(fresh_dir / "kb.sqlite")
    fresh.conn.execute("DELETE FROM paper_theme WHERE source != 'manual'")
    fresh.conn.commit()
    auto_tag(fresh, taxonomy, full=True)
    assert same(tags(fresh), kept_tags)
    fresh.close()

    store = Store(tmp_path / "kb.sqlite")
    (kept / "texts.json").write_text("{")                          # damaged: read every text again
    assert auto_tag(store, taxonomy, full=True).changes == [] and same(tags(store), kept_tags)
    assert segments() == ["texts-3.npz"]
    monkeypatch.setattr(theme_cache, "MAX_SEGMENTS", 1)            # past the limit: one segment again
    store.upsert_papers([PaperRecord(paper_id=sha("newer"), title="Cooking with zorblax", abstract="bread",
                                     year=2022, detail_level=2)])
    auto_tag(store, taxonomy, full=True)
    assert segments() == ["texts-4.npz"] and sorted(p.name for p in kept.glob("texts-*")) == ["texts-4.npz"]
    assert auto_tag(store, taxonomy, full=True).changes == []
    store.close()


def test_confident_rule_tags_train_the_model(tmp_path, taxonomy):
    # Three papers the rules tag confidently teach the model about their other words.
    papers = [(f"Reinforcement learning of wibble agents {i}", f"reward model and wibble policies {i}")
              for i in range(3)]
    papers += [("Wibble policies in wibble agents", "wibble wibble policies agents")]
    papers += [(f"Cooking {i}", f"bread oven pastry {i}") for i in range(8)]
    store = make_store(tmp_path, papers)
    # Without the theme's own text as a training row: on four papers its words would outweigh
    # the ones the confident tags teach (on real stores it is one row among thousands).
    result = auto_tag(store, taxonomy, sources=["rule", "model"], settings=ModelSettings(theme_docs=0.0))
    assert result.trained["rl"] == 3
    sources = {src for s, _, src in themes_of(store, [4]).get(4, []) if s == "rl"}
    assert sources == {"model"}
    store.close()


def _keyword_matrix(works, taxonomy):
    """The keyword scores (works x themes) of labelled works, as `kb tag auto` computes them."""
    from kb.knowledge.tagging import Texts, rule_matrix
    from kb.knowledge.theme_model import work_body

    return rule_matrix(Texts(ids=list(range(len(works))), titles=[w["title"] for w in works],
                             bodies=[work_body(w) for w in works]), taxonomy)[0]


def test_the_gate_weighs_the_best_theme_score_and_a_kept_model_gates_alike(tmp_path):
    """The on-topic gate adds ``gate_gap`` x the paper's best theme score over its threshold to
    the gate's own words (in cross-validation the two together let through more on-topic works
    at the same share of near misses), that score being the margin plus the keywords' part with
    ``gate_rules``, and the model a big store keeps beside its file gates new papers exactly as
    the model just trained."""
    import dataclasses

    import numpy as np

    from kb.knowledge.tagging import theme_texts
    from kb.knowledge.theme_model import (LABELS_FILE, ThemeModel, best_gap, labelled_from_works, read_works,
                                          text_features, theme_scores, work_body)

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    works = read_works(LABELS_FILE)

    labelled = labelled_from_works(works[::2], taxonomy)
    store_docs = [f"{w['title']}\n{work_body(w)}" for w in works[1::12]]
    new_works = works[7::12]
    new_docs = [f"{w['title']}\n{work_body(w)}" for w in new_works]
    n, k = len(store_docs), len(taxonomy.themes)
    none = np.zeros((n, k), dtype=bool)
    settings = ModelSettings(gate_gap=0.5, gate_rules=True, gate_theme_recall=0.0)
    scored = theme_scores(store_docs, _keyword_matrix(works[1::12], taxonomy), none, none, none, labelled,
                          _keyword_matrix(works[::2], taxonomy),
                          list(taxonomy.themes), 0.5, settings, theme_texts=theme_texts(taxonomy))
    model = scored.model
    assert model.gate_gap == 0.5 and model.gate_rules
    assert np.isfinite(model.gap_thresholds).sum() == len(scored.calibrated) == k

    X, _ = text_features(new_docs, model.idf)
    keywords = np.minimum(_keyword_matrix(new_works, taxonomy), settings.rule_cap) * settings.rule_weight
    words = np.asarray((X @ model.gate_weights.T).todense()).ravel() + model.gate_intercept
    expected = words + 0.5 * best_gap(model.margins(X) + keywords, model.gap_thresholds) >= model.gate_cut
    assert (model.on_topic(X, keywords=keywords) == expected).all()
    assert (model.on_topic(X) == (words + 0.5 * best_gap(model.margins(X), model.gap_thresholds) >= model.gate_cut)).all()
    assert (model.on_topic(X, keywords=keywords) != model.on_topic(X)).any()          # the keywords count
    assert (model.on_topic(X) != dataclasses.replace(model, gate_gap=0.0).on_topic(X)).any()

    model.save(tmp_path / "model.npz")
    kept = ThemeModel.load(tmp_path / "model.npz")
    assert kept.gate_rules and kept.gate_cuts is None
    assert (kept.on_topic(X, kept.margins(X), keywords) == expected).all()


def test_each_theme_has_a_gate_cut_that_lets_most_of_its_works_through(tmp_path, svm_fits_once):
    """With ``gate_theme_recall`` the gate has a cut per theme, never above the one cut for all
    themes and as low as lets that share of the theme's labelled works through (out of fold): a
    paper passes for the themes whose cut its gate score reaches. The model a big store keeps
    gates alike."""
    import numpy as np

    from kb.knowledge.tagging import theme_texts
    from kb.knowledge.theme_model import (LABELS_FILE, ThemeModel, labelled_from_works, read_works, text_features,
                                          theme_scores, work_body)

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    works = read_works(LABELS_FILE)

    labelled = labelled_from_works(works[::2], taxonomy)
    store = works[1::12]
    n, k = len(store), len(taxonomy.themes)
    none = np.zeros((n, k), dtype=bool)
    docs = [f"{w['title']}\n{work_body(w)}" for w in store]
    args = (none, none, none, labelled, _keyword_matrix(works[::2], taxonomy), list(taxonomy.themes), 0.5)
    one = theme_scores(docs, _keyword_matrix(store, taxonomy), *args, ModelSettings(gate_theme_recall=0.0),
                       theme_texts=theme_texts(taxonomy))
    each = theme_scores(docs, _keyword_matrix(store, taxonomy), *args, ModelSettings(gate_theme_recall=0.9),
                        theme_texts=theme_texts(taxonomy))
    cuts = each.model.gate_cuts
    assert cuts.shape == (k,) and (cuts <= each.model.gate_cut).all() and (cuts < each.model.gate_cut).any()
    assert one.on_topic.shape == (n,) and each.on_topic.shape == (n, k)
    # A paper the one cut lets through passes for every theme; some pass for a few themes only.
    assert each.on_topic[one.on_topic].all()
    assert (each.on_topic.any(axis=1) & ~each.on_topic.all(axis=1)).any()

    each.model.save(tmp_path / "model.npz")
    kept = ThemeModel.load(tmp_path / "model.npz")
    X, _ = text_features(docs, kept.idf)
    keywords = np.minimum(_keyword_matrix(store, taxonomy), 4.0) * 0.3
    assert (kept.gate_cuts == cuts).all()
    assert (kept.on_topic(X, keywords=keywords) == each.model.on_topic(X, keywords=keywords)).all()


def test_the_gates_negatives_cut_and_a_weighted_threshold():
    """The fifteenth pass's two knobs (off by default): ``negatives_cut`` is the lowest cut that
    lets through at most the given share of the near misses (ties kept out together), and
    ``best_threshold`` with weights counts a weighted work that many times in the F1."""
    import numpy as np

    from kb.knowledge.theme_model import best_threshold, negatives_cut

    scores = np.array([0.9, 0.5, 0.5, 0.3, 0.1, -1.0], dtype=np.float32)
    for share, passing in [(0.0, 0), (0.05, 0), (0.2, 1), (0.34, 1), (0.5, 3), (1.0, 6)]:
        cut = negatives_cut(scores, share)
        assert (scores >= np.float32(cut)).sum() == passing <= share * len(scores) + 1e-9
    assert negatives_cut(scores, 0.2) == pytest.approx(0.7)          # midway between 0.9 and 0.5
    # Three works about the theme at 1.0, 1.0 and 0.0, two others at 0.5: a cut above 0.5 is best
    # unweighted (F1 0.8 against 0.75 at or under 0.0), under 0.0 when the three count 2 each
    # (0.857 against 0.8).
    scores, truth = np.array([1.0, 1.0, 0.0, 0.5, 0.5]), np.array([True, True, True, False, False])
    assert 0.5 < best_threshold(scores, truth) <= 1.0
    assert best_threshold(scores, truth, np.where(truth, 2.0, 1.0)) <= 0.0
    assert best_threshold(scores, truth, np.ones(5)) == best_threshold(scores, truth)


def _posts_model_scores(taxonomy, works_step: int, posts_step: int, store_step: int):
    """(labelled, scores): every ``works_step``-th labelled work and ``posts_step``-th labelled post,
    and ``scores(**settings)``, :func:`theme_scores` with those settings for every
    ``store_step``-th labelled work (from the second) as the store: a posts' model on part of the
    development works, for the posts' model's settings."""
    import numpy as np

    from kb.knowledge.tagging import theme_texts
    from kb.knowledge.theme_model import (LABELS_FILE, POST_LABELS_FILE, labelled_from_works, read_works,
                                          theme_scores, work_body)

    works = read_works(LABELS_FILE)[::works_step] + read_works(POST_LABELS_FILE)[::posts_step]
    labelled, store = labelled_from_works(works, taxonomy), read_works(LABELS_FILE)[1::store_step]
    none = np.zeros((len(store), len(taxonomy.themes)), dtype=bool)
    docs = [f"{w['title']}\n{work_body(w)}" for w in store]

    def scores(**settings):
        return theme_scores(docs, _keyword_matrix(store, taxonomy), none, none, none, labelled,
                            _keyword_matrix(works, taxonomy), list(taxonomy.themes), 0.5, ModelSettings(**settings),
                            theme_texts=theme_texts(taxonomy))
    return labelled, scores


def test_the_eighteenth_passes_knobs_for_a_posts_model(svm_fits_once):
    """Session 14's two settings for a posts' model (off by default): ``min_posts`` trains no theme
    fewer than that many labelled posts carry (the posts' model then never tags a post with it),
    and ``gate_negative_posts`` only ever raises the gate's cuts, so that at most that share of
    the labelled posts about no theme would be tagged out of fold."""
    import numpy as np

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    labelled, scores = _posts_model_scores(taxonomy, 6, 3, 30)
    plain, few, held = scores(), scores(min_posts=3), scores(gate_negative_posts=0.05)
    carried = (labelled.y & labelled.posts[:, None]).sum(axis=0)
    slugs = list(taxonomy.themes)
    assert set(few.trained) == {s for c, s in enumerate(slugs) if carried[c] >= 3 and s in plain.trained}
    assert set(few.trained) < set(plain.trained)
    assert np.isnan(few.margins[:, [c for c, s in enumerate(slugs) if s not in few.trained]]).all()
    assert held.model.gate_cut >= plain.model.gate_cut and (held.model.gate_cuts >= plain.model.gate_cuts).all()
    assert (held.model.gate_cuts > plain.model.gate_cuts).any()
    assert (held.margins[~np.isnan(held.margins)] == plain.margins[~np.isnan(plain.margins)]).all()


def test_the_twenty_third_passes_gate_floor_by_theme_raises_only_the_cuts_that_tag_near_misses():
    """``theme_floors`` (``gate_floor_by_theme``): the gate's cuts are raised one theme at a time
    until at most the share of near-miss posts is tagged; a theme that tags none of them keeps its
    cut (one floor for every cut would have raised it too), no cut is lowered, and of two themes
    the one whose raise keeps out its near miss for fewer of its own posts is raised."""
    import numpy as np

    from kb.knowledge.theme_model import negatives_cut, theme_floors

    # Works: 0-3 near-miss posts, 4-9 posts about the themes. Theme 0 tags near misses 0-2,
    # theme 1 near miss 3, theme 2 none.
    scores = np.array([0.9, 0.8, 0.3, 0.7, 1.0, 0.95, 0.85, 0.6, 0.2, 0.1], dtype=np.float32)
    accepted = np.zeros((10, 3), dtype=bool)
    accepted[[0, 1, 2], 0] = accepted[3, 1] = True
    accepted[[4, 5, 6], 0] = accepted[[7, 8], 1] = accepted[[8, 9], 2] = True
    near = np.arange(10) < 4
    positives = accepted & ~near[:, None]
    cuts = np.zeros(3, dtype=np.float32)
    raised = theme_floors(scores, cuts, accepted, near, positives, 0.25)    # one of the four may pass
    through = accepted[near] & (scores[near][:, None] >= raised[None, :])
    assert through.any(axis=1).sum() <= 1 and (raised >= cuts).all()
    assert raised[2] == cuts[2]                      # tags no near miss: left as it was
    # Theme 0 is raised past near misses 2 and 1 (0.3, 0.8) losing none of its posts (1.0, 0.95,
    # 0.85), then past near miss 0 (0.9) losing one (0.85): theme 1's raise past its near miss at
    # 0.7 would lose two (0.6, 0.2), so it keeps its cut.
    assert 0.9 < raised[0] <= 0.95 and raised[1] == cuts[1]
    uniform = negatives_cut(np.where((accepted & (scores[:, None] >= cuts)).any(axis=1), scores, -np.inf)[near], 0.25)
    assert uniform > raised[2]                       # one floor would have cut theme 2's posts at 0.2 and 0.1


def test_the_twenty_third_passes_post_thresholds_move_only_the_thresholds(svm_fits_once):
    """``post_thresholds`` (off by default): each theme's threshold is fitted on the labelled posts'
    out-of-fold margins only, as ``calibrate_posts`` fits it, while the margins are the plain
    model's and the gate is fitted on every labelled work (``calibrate_posts`` fits it on the posts)."""
    import numpy as np

    _, scores = _posts_model_scores(load_taxonomy(DEFAULT_THEMES_FILE), 12, 4, 60)
    plain, posts, both = scores(), scores(post_thresholds=True), scores(calibrate_posts=True)
    known = ~np.isnan(plain.margins)
    assert (posts.margins[known] == plain.margins[known]).all()
    assert np.array_equal(posts.thresholds, both.thresholds, equal_nan=True)
    assert not np.array_equal(posts.thresholds, plain.thresholds, equal_nan=True)
    assert posts.model.gate_intercept == plain.model.gate_intercept != both.model.gate_intercept


def test_settings_added_later_leave_stamps_as_they_were():
    """``ModelSettings.stamped``: a setting of :data:`LATER_SETTINGS` at its default is left out of
    what stamps a trained model (the shipped posts' model, a store's kept one), so adding an
    option, off, does not make them stale; set, it is in. A setting removed since
    (:data:`REMOVED_SETTINGS`) is stamped at the value it had."""
    from dataclasses import asdict

    from kb.knowledge.theme_model import LATER_SETTINGS, REMOVED_SETTINGS

    plain = ModelSettings(gate_negative_posts=0.035)
    assert plain.stamped() == {**{k: v for k, v in asdict(plain).items() if k not in LATER_SETTINGS},
                               "cache_min_papers": 20_000}
    assert not set(REMOVED_SETTINGS) & set(asdict(plain))
    assert ModelSettings(self_train_top=50).stamped()["self_train_top"] == 50
    assert "self_train_weight" not in ModelSettings(self_train_top=50).stamped()


def test_a_recall_floor_only_ever_lowers_a_themes_threshold(svm_fits_once):
    """``recall_floor``: a theme's threshold (best F1 out of fold, plus the margin) is lowered where
    it would let fewer than that share of the theme's labelled works through, and never raised."""
    import numpy as np

    from kb.knowledge.tagging import theme_texts
    from kb.knowledge.theme_model import LABELS_FILE, labelled_from_works, read_works, theme_scores, work_body

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    works = read_works(LABELS_FILE)

    labelled, store = labelled_from_works(works[::3], taxonomy), works[1::15]
    none = np.zeros((len(store), len(taxonomy.themes)), dtype=bool)
    docs = [f"{w['title']}\n{work_body(w)}" for w in store]

    def thresholds(floor):
        return theme_scores(docs, _keyword_matrix(store, taxonomy), none, none, none, labelled,
                            _keyword_matrix(works[::3], taxonomy),
                            list(taxonomy.themes), 0.5, ModelSettings(recall_floor=floor),
                            theme_texts=theme_texts(taxonomy)).thresholds

    plain, floored = thresholds(0.0), thresholds(0.9)
    assert (floored <= plain).all() and (floored < plain).any()


def test_features_are_scikit_learns_tfidf_computed_in_chunks():
    """The chunked float32 featurising gives scikit-learn's tf-idf of sublinear word and
    bigram frequencies plus CHAR_WEIGHT times those of the words' character 5-grams
    (``char_wb``), for new texts weighted with a saved idf too."""
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    from kb.knowledge.text_tokens import FEATURE_WORD
    from kb.knowledge.theme_model import (CHAR_WEIGHT, FEATURES, char_grams, term_counts, text_features,
                                          weigh, words_and_bigrams)

    assert char_grams("steering") == [" stee", "steer", "teeri", "eerin", "ering", "ring "] and char_grams("ai") == [" ai "]
    docs = [f"{FILLER} sparse autoencoder {i} " * (i % 3 + 1) for i in range(50)] + ["", "the of and"]
    # Hyphens, underscores, digits, separators and non-ASCII letters next to words (which move
    # the word boundaries of texts that are not plain ASCII).
    docs += ["Naïve in-context GPT-4 x_y 3d -foo- a- İstanbul Ωmega café-bar \u212aelvin end-", "--in--context__ of-the-art",
             "unit\x1fseparated\x1cwords\tand-tabs", "no\xa0break\u2028line"]

    def sublinear(analyzer):
        tf = HashingVectorizer(analyzer=analyzer, n_features=FEATURES, alternate_sign=False, norm=None).transform(docs)
        tf.data = 1.0 + np.log(tf.data)
        return tf

    tf = sublinear(words_and_bigrams) + CHAR_WEIGHT * sublinear(
        lambda doc: [g for w in FEATURE_WORD.findall(doc.lower()) for g in char_grams(w)])
    reference = TfidfTransformer()
    expected = reference.fit_transform(tf)
    X, idf = weigh(term_counts(docs, chunk=7))
    assert X.dtype == np.float32 and abs(X - expected).max() < 1e-6
    assert np.allclose(idf, reference.idf_, atol=1e-5)
    again, _ = text_features(docs[:5], idf)
    assert abs(again - expected[:5]).max() < 1e-6


def test_svm_on_the_columns_its_rows_use_has_the_full_fits_weights():
    import numpy as np
    from sklearn.svm import LinearSVC

    from kb.knowledge.theme_model import linear_svm, text_features

    docs = [f"reward model policy {i}" for i in range(10)] + [f"bread oven pastry {i}" for i in range(10)]
    X, _ = text_features(docs)
    y = np.array([1] * 10 + [0] * 10)
    full = LinearSVC(C=0.5, class_weight="balanced", max_iter=5000, tol=1e-4, dual="auto", random_state=0).fit(X, y)
    fitted = linear_svm(X, y, None, 0.5)
    assert np.allclose(fitted.coef, full.coef_.ravel(), atol=1e-3)   # to the solver's tolerance
    assert np.allclose(fitted.decision(X), full.decision_function(X), atol=1e-3)


def test_a_designs_fits_are_linear_svms_fits_of_the_same_rows():
    """A theme's fits take their rows from one Design (renumbered once); each must give exactly
    what linear_svm gives on those rows, bit for bit: the same columns, weights and intercept,
    whether its rows use fewer columns than the design (dual solver) or few enough columns that
    the primal solver is chosen."""
    import numpy as np
    from scipy import sparse

    from kb.knowledge.theme_model import Design, linear_svm, text_features

    docs = [f"reward model policy gradient {i} {'agent' * (i % 3)}" for i in range(30)]
    docs += [f"bread oven pastry flour {i} {'yeast' * (i % 4)}" for i in range(30)]
    X, _ = text_features(docs)
    y = np.array([1] * 30 + [0] * 30)
    w = np.linspace(0.5, 2.0, 60).astype(np.float32)
    design = Design(X)
    tiny = sparse.csr_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 1.0, 0], [0, 0, 1.0]], dtype=np.float32))
    cases = [(design, np.flatnonzero(np.arange(60) % 5 != k), w) for k in range(5)]
    cases += [(design, np.arange(0, 60, 2), None), (Design(tiny), np.arange(4), None)]
    for d, at, weights in cases:
        labels = y[at] if d is design else np.array([1, 0, 1, 0])
        got = d.fit(at, labels, None if weights is None else weights[at], 2.0)
        want = linear_svm(d.X[at], labels, None if weights is None else weights[at], 2.0)
        assert np.array_equal(got.columns, want.columns)
        assert np.array_equal(got.weights, want.weights) and got.intercept == want.intercept

# -- graph evidence -----------------------------------------------------------------------------

def test_graph_evidence_tags_a_paper_cited_by_many_of_a_theme(tmp_path, taxonomy):
    papers = [(f"Reinforcement learning paper {i}", FILLER) for i in range(4)]
    papers += [("A classic with a bland title", None), ("Another bland one", None)]
    store = make_store(tmp_path, papers)
    ids = [sha(t) for t, _ in papers]
    store.upsert_edges([EdgeRecord(citing=ids[i], cited=ids[4]) for i in range(4)])
    store.upsert_edges([EdgeRecord(citing=ids[5], cited=ids[0])])
    result = auto_tag(store, taxonomy)
    graph = [c for c in result.changes if c.source == "graph"]
    assert [(c.paper, c.theme) for c in graph] == [(5, "rl")]
    assert graph[0].score == 1.0
    assert 6 not in themes_of(store, [6])                      # one theme neighbour is not enough
    # Thresholds are configurable: needing 5 neighbours drops the graph tag.
    stricter = auto_tag(store, taxonomy, taxonomy.thresholds.replace(graph_min=5))
    assert [(c.paper, c.change, c.source) for c in stricter.changes] == [(5, "remove", "graph")]
    store.close()


# -- kb tag auto: diffs, thresholds, idempotence, speed path ------------------------------------

def test_auto_tag_dry_run_reports_and_writes_nothing(tmp_path, taxonomy):
    store = make_store(tmp_path, [("Sparse autoencoders", FILLER), ("Cooking", FILLER)])
    dry = auto_tag(store, taxonomy, dry_run=True)
    assert {(c.paper, c.theme, c.change) for c in dry.changes} == {(1, "interp", "add"), (1, "sae", "add")}
    assert store.conn.execute("SELECT count(*) FROM paper_theme").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM tag_run").fetchone()[0] == 0
    real = auto_tag(store, taxonomy)
    assert real.rows_added == dry.rows_added > 0
    assert store.conn.execute("SELECT count(*) FROM tag_run").fetchone()[0] == 1
    assert auto_tag(store, taxonomy).changes == []                 # idempotent
    # A higher rule threshold removes title-only tags.
    higher = auto_tag(store, taxonomy, taxonomy.thresholds.replace(rule=5), sources=["rule"])
    assert {(c.paper, c.change) for c in higher.changes} == {(1, "remove")}
    with pytest.raises(UsageError, match="unknown tag source"):
        auto_tag(store, taxonomy, sources=["vibes"])
    store.close()


def test_auto_tag_leaves_tags_of_removed_themes_to_the_sync(tmp_path, taxonomy, monkeypatch):
    store = make_store(tmp_path, [("Reinforcement learning", FILLER)])
    auto_tag(store, taxonomy)
    path = Path(taxonomy.path)
    path.write_text(TAXONOMY.replace('[theme.rl]\nname = "RL"', '[theme.rl2]\nrenamed_from = ["rl"]\nname = "RL"'),
                    encoding="utf-8")
    result = auto_tag(store, load_taxonomy(path))
    assert result.changes == []
    assert themes_of(store, [1])[1][0][0] == "rl2"
    store.close()


# -- the command line ---------------------------------------------------------------------------

def test_cli_tag_commands(tmp_path, taxonomy):
    store = make_store(tmp_path, [("Sparse autoencoders", FILLER), ("Reinforcement learning", FILLER),
                                  ("Cooking", FILLER)])
    db = str(store.path)
    store.close()
    def run(*args):
        return invoke(*args, db=db, catch_exceptions=False)

    dry = run("tag", "auto", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["tags_added"] == 3
    out = run("tag", "auto")
    assert out.exit_code == 0 and "3 tags added" in out.stdout
    assert run("tag", "add", "ARXIV:2001.00003", "interp").exit_code == 0
    assert run("tag", "rm", "ARXIV:2001.00001", "sae").exit_code == 0
    listed = json.loads(run("tag", "list", "ARXIV:2001.00001", "--json").stdout)
    effective = {(t["theme"], t["source"]): t["effective"] for t in listed["tags"]}
    assert effective == {("interp", "rule"): True, ("sae", "manual"): False, ("sae", "rule"): False}
    # The --theme filter on a listing includes sub-themes and honours manual tags.
    papers = json.loads(run("tag", "list", "--theme", "interp", "--json").stdout)
    assert sorted(p["id"] for p in papers) == [1, 3]
    assert run("tag", "list", "--theme", "rl", "--json").stdout and \
        [p["id"] for p in json.loads(run("tag", "list", "--theme", "rl", "--json").stdout)] == [2]
    bad = run("tag", "list", "--theme", "interpp")
    assert bad.exit_code == 2 and "did you mean: interp" in bad.stderr
    assert run("tag", "rm", "--forget", "ARXIV:2001.00001", "sae").exit_code == 0
    assert sorted(p["id"] for p in json.loads(run("tag", "list", "--theme", "sae", "--json").stdout)) == [1]
    missing = run("tag", "add", "ARXIV:1999.00001", "interp")
    assert missing.exit_code == 4 and "no paper with arXiv id 1999.00001" in missing.stderr


# -- signals -------------------------------------------------------------------------------------

def test_every_automatic_tag_records_its_signals_and_kb_show_prints_them(tmp_path, taxonomy):
    store = make_store(tmp_path, [(f"Sparse autoencoders for transformers {i}",
                                   "we train a sparse autoencoder by dictionary learning") for i in range(3)]
                       + [(f"Plain paper {i}", FILLER) for i in range(5)])
    auto_tag(store, taxonomy, sources=["rule", "model"])
    rows = {(r["theme"], r["source"]): r for r in paper_tags(store, 1)}
    signals = rows[("sae", "rule")]["signals"]
    assert sorted(signals["rule"]) == ["dictionary learning", "sparse autoencoder"]
    assert signals["rule_score"] == 2.5           # "sparse autoencoder" in title and abstract: once
    assert "model" in signals                       # the model's margin, trained on the rule tags
    store.close()
    result = invoke("show", "#1", db=tmp_path / "kb.sqlite", terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "keywords sparse autoencoder, dictionary learning (score 2.5)" in result.output
    assert "text model" in result.output


# -- the labelled sets: development (shipped, trained on) and held-out (never tuned on) ----------

HELD_OUT_FILE = Path(__file__).parent / "data" / "theme_heldout.jsonl"


def test_labelled_sets_are_well_formed_and_disjoint():
    from kb.knowledge.theme_model import LABELS_FILE, read_works, title_key

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    dev, held = read_works(LABELS_FILE), read_works(HELD_OUT_FILE)
    # Every part kept out of training, against all the labelled works: no part is tuned on.
    kept_out = len(held) + sum(len(read_works(f)) for f in (HELD_OUT_2_FILE, FRESH_FILE, FRESH_3_FILE, FRESH_4_FILE,
                                                          FRESH_5_FILE, FRESH_7_FILE, FRESH_10_FILE))
    # 0.35 until session 9 opened the eighth fresh part (159 works) for development: 801 of 2,477,
    # 1,000 of 2,676 with the ninth gathered; 0.25 since session 10 opened the ninth (199 works)
    # and grew the development part: 801 of 2,676 before the new development works.
    assert len(dev) + kept_out >= 500 and 0.25 <= kept_out / (len(dev) + kept_out) <= 0.5
    assert not {title_key(w["title"]) for w in dev} & {title_key(w["title"]) for w in held}
    for works, split, floor in ((dev, "development", 12), (held, "held-out", 8)):
        assert len({title_key(w["title"]) for w in works}) == len(works)
        per_theme = defaultdict(int)
        for w in works:
            assert w["split"] == split and w["abstract"] and w["abstract_source"] == "summary"
            assert 1950 < w["year"] <= 2026
            for slug in {a for s in w["themes"] for a in [s, *taxonomy.ancestors(s)]}:
                assert slug in taxonomy, slug
                per_theme[slug] += 1
            if w.get("tldr"):
                assert w.get("tldr_source", "").startswith("http")
        assert set(per_theme) == set(taxonomy.themes) and min(per_theme.values()) >= floor, split
        assert sum(1 for w in works if not w["themes"]) >= 40           # negatives, near misses
    # Kept-out parts opened for development keep their fields and say which part they were.
    opened = defaultdict(int)
    for w in dev:
        opened[w.get("first_scored_as")] += 1
    assert (opened["fresh2"], opened["fresh6"], opened["fresh8"], opened["fresh9"]) == (108, 112, 159, 199)
    assert not (HELD_OUT_FILE.parent / "theme_fresh8.jsonl").exists()
    assert not (HELD_OUT_FILE.parent / "theme_fresh9.jsonl").exists()


HELD_OUT_2_FILE = Path(__file__).parent / "data" / "theme_heldout2.jsonl"


def test_second_held_out_part_is_well_formed_and_disjoint():
    """A second held-out part, labelled and committed before anything was measured on it: 102
    real works found by searching the public web (mostly 2023-2026 papers and forum posts nobody on
    the team had labelled), each with a summary of its real abstract and the address it was read
    at, and 20 near misses (speech, medical imaging, EEG, recommender evaluation, argument mining,
    honeypots, analog circuits)."""
    from kb.knowledge.theme_model import LABELS_FILE, read_works, title_key

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    seen = {title_key(w["title"]) for f in (LABELS_FILE, HELD_OUT_FILE) for w in read_works(f)}
    works = read_works(HELD_OUT_2_FILE)
    assert len(works) >= 100 and len({title_key(w["title"]) for w in works}) == len(works)
    assert not seen & {title_key(w["title"]) for w in works}
    per_theme = defaultdict(int)
    for w in works:
        assert w["split"] == "held-out-2" and w["abstract"] and 1950 < w["year"] <= 2026
        for slug in {a for s in w["themes"] for a in [s, *taxonomy.ancestors(s)]}:
            per_theme[slug] += 1
    assert set(per_theme) == set(taxonomy.themes) and min(per_theme.values()) >= 2
    assert sum(1 for w in works if not w["themes"]) >= 20


FRESH_FILE = Path(__file__).parent / "data" / "theme_fresh.jsonl"


def test_fresh_part_is_well_formed_and_disjoint():
    """A third part, found and labelled in one sitting after the model was final and committed
    before the model was run on it once: 38 real works (mostly 2025-2026, found by searching the
    public web for each theme; none in the other parts), each with a summary of its real abstract
    and the address it was read at, and 5 near misses (EEG and PPG self-supervision, a power law
    in spiking networks). No chain-of-thought monitoring work was found that the other parts lack."""
    from kb.knowledge.theme_model import LABELS_FILE, read_works, title_key

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    seen = {title_key(w["title"]) for f in (LABELS_FILE, HELD_OUT_FILE, HELD_OUT_2_FILE) for w in read_works(f)}
    works = read_works(FRESH_FILE)
    assert len(works) >= 35 and len({title_key(w["title"]) for w in works}) == len(works)
    assert not seen & {title_key(w["title"]) for w in works}
    per_theme = defaultdict(int)
    for w in works:
        assert w["split"] == "fresh" and w["abstract"] and w["abstract_url"].startswith("http")
        for slug in {a for s in w["themes"] for a in [s, *taxonomy.ancestors(s)]}:
            per_theme[slug] += 1
    assert set(taxonomy.themes) - set(per_theme) == {"cot-monitoring"}
    assert sum(1 for w in works if not w["themes"]) >= 5


FRESH_3_FILE = Path(__file__).parent / "data" / "theme_fresh3.jsonl"
FRESH_4_FILE = Path(__file__).parent / "data" / "theme_fresh4.jsonl"
FRESH_5_FILE = Path(__file__).parent / "data" / "theme_fresh5.jsonl"
FRESH_7_FILE = Path(__file__).parent / "data" / "theme_fresh7.jsonl"
FRESH_10_FILE = Path(__file__).parent / "data" / "theme_fresh10.jsonl"
FRESH_11_FILE = Path(__file__).parent / "data" / "theme_fresh11.jsonl"
FRESH_12_FILE = Path(__file__).parent / "data" / "theme_fresh12.jsonl"
FRESH_13_FILE = Path(__file__).parent / "data" / "theme_fresh13.jsonl"
FRESH_14_FILE = Path(__file__).parent / "data" / "theme_fresh14.jsonl"


def test_fresh3_part_is_well_formed_and_disjoint():
    """A third fresh part, gathered on 2026-11-30 with the search tool and labelled by hand,
    committed before any model ran on it: 84 real works, each with a summary of its real abstract
    and the address it was read at, every theme with at least 3 works (sub-themes count for their
    parents), 18 negatives that are all near misses (visual cortex without models, speech and
    weakly supervised segmentation, Adam convergence, auctions, singular values, debate judging).
    This reads the file only; it runs no model."""
    from kb.knowledge.theme_model import LABELS_FILE

    others = (LABELS_FILE, HELD_OUT_FILE, HELD_OUT_2_FILE, FRESH_FILE)
    works, per_theme = _fresh_part(FRESH_3_FILE, "fresh3", (70, 90), others)
    assert all(w["tldr"] is None for w in works)
    assert set(per_theme) == set(load_taxonomy(DEFAULT_THEMES_FILE).themes) and min(per_theme.values()) >= 3
    assert sum(1 for w in works if not w["themes"]) >= 15


def _fresh_part(path, split, sizes, others):
    """The works of a fresh labelled part after the checks every such part passes (size, no work
    twice or in another part, real summaries with their address, known themes), and its works
    per theme (sub-themes count for their parents)."""
    from kb.knowledge.theme_model import read_works, title_key

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    seen = {title_key(w["title"]) for f in others for w in read_works(f)}
    works = read_works(path)
    keys = {title_key(w["title"]) for w in works}
    assert sizes[0] <= len(works) <= sizes[1] and len(keys) == len(works)
    assert not seen & keys
    per_theme = defaultdict(int)
    for w in works:
        assert w["split"] == split and w["abstract_source"] == "summary"
        assert w["abstract"] and w["abstract_url"].startswith("http") and 1950 < w["year"] <= 2026
        assert w["kind"] in {"paper", "post"} and set(w["themes"]) <= set(taxonomy.themes)
        for slug in {a for s in w["themes"] for a in [s, *taxonomy.ancestors(s)]}:
            per_theme[slug] += 1
    return works, per_theme


# Keyword hygiene, the issue's check: no phrase that exists to hit one known title, and none
# that finds more than a few near misses. Four rules, each counted on the development set:
# * a phrase that finds fewer than HYGIENE_FEW of its theme's works finds no other work at all;
# * a phrase whose one development work it finds is that work's title (and not its summary) is
#   a title fragment unless it is the field's established name for a method or phenomenon
#   (ESTABLISHED_TERMS, each used well beyond that one title); title fragments are removed;
# * a phrase finds at most HYGIENE_MAX_NEGATIVES negatives (near misses: works about no theme);
# * a phrase finds no more other works (other themes' and near misses) than of its own, and at
#   most HYGIENE_MAX_OTHER of them unless it finds HYGIENE_OWN_PER_OTHER of its own works for
#   each: a precision floor for common phrases, 3/4 from the fourth pass so that
#   "reinforcement learning" passed (its other works are RL papers of reward hacking, agent
#   foundations and deception, and no near miss: the rule above caps near misses whatever the
#   own count), 2/3 since session 8, when 248 more works of neighbouring themes took it and
#   "probing", "disentangl*" and "benchmark of" to 67-73% (removing those four changed no
#   development figure; the kept-out parts lost recall without them).
HYGIENE_FEW = 2
HYGIENE_MAX_NEGATIVES = 2
HYGIENE_MAX_OTHER = 3
HYGIENE_OWN_PER_OTHER = 2
ESTABLISHED_TERMS = frozenset({
    "explainability", "feature attribution", "knowledge editing", "crosscoder*", "activation engineering",
    "sgd dynamics", "mode connectivity", "generalization gap", "ai deception", "sleeper agent*",
    "lie detection", "reward tampering", "specification gaming", "reward misspecification", "overoptimization",
    "representational alignment", "predictive processing", "cot monitor*", "verbaliz*", "post-hoc rationali*",
})


def test_keyword_hygiene_on_the_development_set():
    from kb.knowledge.theme_model import LABELS_FILE, read_works, work_body

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    dev = read_works(LABELS_FILE)
    gold = [{a for s in w["themes"] for a in [s, *taxonomy.ancestors(s)]} for w in dev]
    m = RuleMatcher(taxonomy)
    in_text = m.texts_with([w["title"] + " " + work_body(w) for w in dev])
    in_title = m.texts_with([w["title"] for w in dev])
    in_body = m.texts_with([work_body(w) for w in dev])
    flagged = []
    for slug, theme in taxonomy.themes.items():
        for keyword in theme.keywords:
            spelled = m.spelled(keyword)
            hits = in_text.get(spelled, [])
            own = sum(1 for i in hits if slug in gold[i])
            negatives = sum(1 for i in hits if not gold[i])
            other = len(hits) - own - negatives
            only_a_title = (len(hits) == 1 and hits[0] in in_title.get(spelled, ())
                            and hits[0] not in in_body.get(spelled, ()))
            if ((own < HYGIENE_FEW and other + negatives) or (only_a_title and keyword not in ESTABLISHED_TERMS)
                    or negatives > HYGIENE_MAX_NEGATIVES
                    or other + negatives > max(HYGIENE_MAX_OTHER, own // HYGIENE_OWN_PER_OTHER)
                    or other + negatives > max(own, 1)):
                flagged.append(f"{slug}: {keyword!r} finds {own} of its works, {other} of other themes'"
                               f" and {negatives} near misses" + (" (one title only)" if only_a_title else ""))
    assert not flagged, "\n".join(flagged)


def _evaluation_sets():
    from kb.knowledge.theme_model import LABELS_FILE, read_works

    return load_taxonomy(DEFAULT_THEMES_FILE), read_works(LABELS_FILE), read_works(HELD_OUT_FILE)


# Floors a little under the figures in README.md ("Themes" section), so that a regression fails.
# Session 9 (the eighth fresh part opened for development, six keywords the hygiene check then
# flagged removed, settings unchanged), each part scored once, figures only: held-out 0.876, 0/46,
# lowest recall 0.71; second held-out 0.895, 0/20, 0.50; fresh 0.863, 1/5, 0.50; third fresh
# 0.860, 2/18, 0.57; fourth fresh 0.870, 0/19, 0.67; fifth fresh 0.895, 1/20, 0.50; seventh fresh
# 0.849, 2/20, 0.40 (its macro-F1 floor 0.85 -> 0.84).
HELD_OUT_MACRO_F1 = 0.85        # measured 0.872 (final: C 2.0 on 1,517 works; 0.880 C 1.0 on 1,381; 0.866 on 1,133; 0.865 seventh, 1,021 works; 0.834 sixth; 0.826 fifth)
HELD_OUT_NEGATIVES = 0.07       # measured 0/46
HELD_OUT_MIN_RECALL = 0.45      # measured 0.70 final, eighth and seventh pass (0.50 sixth pass: circuits, 5 of 10)
HELD_OUT_2_MACRO_F1 = 0.84      # measured 0.889 (final: C 2.0 on 1,517 works; 0.882 C 1.0 on 1,381; 0.859 on 1,133; 0.877 seventh, 0.869 sixth; 0.807 fifth pass)
HELD_OUT_2_NEGATIVES = 0.1      # measured 0/20
HELD_OUT_2_MIN_RECALL = 0.4     # measured 0.50 (mechanistic interpretability, 1 of 2)
FRESH_MACRO_F1 = 0.85          # measured 0.864 (final: C 2.0 on 1,517 works; 0.874 C 1.0 on 1,381; 0.875 on 1,133; 0.814 seventh, 0.830 sixth; 0.795 fifth pass)
FRESH_NEGATIVES = 0.2           # measured 1/5 final (0/5 before)
FRESH_MIN_RECALL = 0.4          # measured 0.50 (natural abstractions and NeuroAI, 1 of 2 each)
FRESH_3_MACRO_F1 = 0.84        # measured 0.852 (final: C 2.0 on 1,517 works; 0.849 C 1.0 on 1,381; 0.864 on 1,133; 0.827 seventh, 0.832 sixth, 0.734 fifth pass, 0.695 the fifth session's start)
FRESH_3_NEGATIVES = 0.12        # measured 2/18 final as in the eighth and seventh pass (3/18 fifth pass; near misses, every one)
FRESH_3_MIN_RECALL = 0.2        # measured 0.20 final as in the eighth and seventh pass (inductive biases, 1 of 5, sixth pass; 0.00 fifth pass)
# The fourth and fifth fresh parts (gathered 2026-12-01 while the sixth pass was tuned, scored once
# by the lead with the session's starting model and with the sixth pass's; README.md):
FRESH_4_MACRO_F1 = 0.85        # measured 0.873 (final: C 2.0 on 1,517 works; 0.870 C 1.0 on 1,381; 0.877 on 1,133; 0.852 seventh, 0.839 sixth, 0.812 with the sixth session's starting model)
FRESH_4_NEGATIVES = 0.06        # measured 0/19 final, eighth and seventh pass (1/19 sixth pass)
FRESH_4_MIN_RECALL = 0.5        # measured 0.67 final (0.62 eighth and seventh pass; 0.50 sixth pass: learning dynamics 8 of 16, inductive biases 3 of 6; 0.44 before)
FRESH_5_MACRO_F1 = 0.88        # measured 0.896 (final: C 2.0 on 1,517 works; 0.900 C 1.0 on 1,381; 0.903 on 1,133; 0.892 seventh, 0.890 sixth, 0.855 with the sixth session's starting model)
FRESH_5_NEGATIVES = 0.05        # measured 1/20 final, at the floor (0/20 C 1.0 on 1,381; 1/20 on 1,133 and seventh; 0/20 sixth pass)
FRESH_5_MIN_RECALL = 0.5        # measured 0.50 final (0.50 C 1.0 on 1,381; 0.67 on 1,133; 0.62 seventh and sixth; 0.50 before)
# The seventh fresh part (gathered in session 7 while the seventh pass was tuned, scored once by
# the lead with the session's starting model and with the seventh pass's; README.md). The sixth,
# scored alike, was opened for development in session 8, the eighth in session 9 and the ninth
# (199 works, scored with session 9's starting model, 0.809, 1/35, 0.44, and its final one, 0.814,
# 1/35, 0.44: NeuroAI 4 of 9) in session 10 (their works are in data/theme_labels.jsonl,
# "first_scored_as": "fresh6", "fresh8" and "fresh9"):
FRESH_7_MACRO_F1 = 0.84        # measured 0.849 in session 9 (1,676 works; 0.854 final in session 8: C 2.0 on 1,517 works; 0.864 C 1.0 on 1,381; 0.872 on 1,133; 0.851 seventh, 0.832 with the seventh session's starting model)
FRESH_7_NEGATIVES = 0.1         # measured 2/20 final (1/20 C 1.0 on 1,381; 0/20 on 1,133; 1/20 seventh, 1/20 before)
FRESH_7_MIN_RECALL = 0.4        # measured 0.40 final (0.40 C 1.0 on 1,381; 0.56 on 1,133; 0.50 seventh, 0.44 before)
# The tenth fresh part (session 10; 248 works, 199 of them forum posts, 42 negatives), scored with the
# session's starting model (1,676 works: 0.813, 2/42, 0.40) and its final one (1,958 works):
FRESH_10_MACRO_F1 = 0.84        # measured 0.849 with session 16's posts' model on (0.826 final in session 10, posts tagged as papers)
FRESH_10_NEGATIVES = 0.05       # measured 0/42 with the posts' model (2/42 in session 10)
FRESH_10_MIN_RECALL = 0.5       # measured 0.53 with the posts' model (inductive biases, 8 of 15; 0.33 in session 10)
# The eleventh fresh part (session 11; 273 works, 216 of them forum posts, 40 negatives), scored with the
# shipped model (1,958 works; no pass of session 11 was merged: the twelfth 0.733, 4/40, 0.14 on a branch):
FRESH_11_MACRO_F1 = 0.72        # measured 0.736 with session 16's posts' model on (0.691 with posts tagged as papers)
FRESH_11_NEGATIVES = 0.05       # measured 2/40 with the posts' model (3/40 before)
FRESH_11_MIN_RECALL = 0.12      # measured 0.14 with the posts' model (natural abstractions, 2 of 14; 0.06 before)
FRESH_12_MACRO_F1 = 0.75        # measured 0.769 with session 16's posts' model on (0.704 with session 12's starting model)
FRESH_12_NEGATIVES = 0.05       # measured 2/48 with the posts' model (1/48 before)
FRESH_12_MIN_RECALL = 0.25      # measured 0.27 with the posts' model (natural abstractions, 3 of 11; 0.18 before)
# Session 14's random draw of 305 posts, scored once with the shipped model (session 14's start
# and end): macro-F1 0.446 over the 14 themes the posts are about, 5/123 negatives, and four
# themes with no post found (inductive biases 0/11, evaluations 0/10, SAEs 0/2, natural
# abstractions 0/2), so its recall floor is 0.
# Session 16 scored it once with the posts' model switched on: 0.516, 3/123 (inductive biases 0/11 still).
FRESH_13_MACRO_F1 = 0.50
FRESH_13_NEGATIVES = 0.05       # measured 3/123 with the posts' model (5/123 before)
FRESH_13_MIN_RECALL = 0.0
# Session 15's random draw of 320 posts (seed 16), scored once with the shipped model (session
# 15's start and end are the same model: POST_SETTINGS stayed None): macro-F1 0.310 (0.333 over the
# 14 themes the posts are about; a tag of a theme no post is about counts), 8/129 negatives (6.2%),
# and five themes with no post found (probing 0/7, inductive biases 0/16, reward hacking 0/13, ...).
# Session 16 scored it once with the posts' model switched on: 0.341 (0.390 over the 14 themes present), 4/129.
# Session 19 scored every kept-out part once with the posts' model self-trained (S2): fresh14 0.302
# (0.368 over the 14 themes present), 3/129; fresh13 0.507, 3/123; fresh12 0.763, 1/48; fresh11 0.747,
# 2/40; fresh10 0.853, 0/42, 0.58; fresh5 0.902; fresh4 0.863, 0.67; the parts of papers unchanged.
FRESH_14_MACRO_F1 = 0.30
FRESH_14_NEGATIVES = 0.05       # measured 4/129 (3.1%) with the posts' model (8/129 before)
FRESH_14_MIN_RECALL = 0.0
DEV_MACRO_F1 = 0.86             # measured 0.868 in session 10 (C 2.0, 1,958 works with the ninth fresh part opened and 83 more, file order; 0.869 with C 4.0; 0.870 on 1,676; 0.866 on 1,517; 0.868 on 1,381; 0.875 on 1,133)
DEV_NEGATIVES = 0.05            # measured 14/411 in session 10 (C 2.0; 16/411 with C 4.0; 8/360 on 1,676; 9/335 on 1,517; 7/280 on 1,381; 5/228 on 1,133)
DEV_BLIND_MACRO_F1 = 0.85       # measured 0.862 in session 10 (C 2.0, and with C 4.0; 0.858 on 1,676; 0.860 on 1,517; 0.858 on 1,381; 0.857 on 1,133; 0.843 seventh pass's settings)
DEV_BLIND_NEGATIVES = 0.05      # measured 14/411 in session 10 (C 2.0; 16/411 with C 4.0; 10/360 on 1,676; 9/335 on 1,517; 8/280 on 1,381; 5/228 on 1,133)


def test_held_out_part_floors():
    """Trained and calibrated on the development part only; the held-out works were never used
    to choose a keyword, a threshold or a setting."""
    from kb.knowledge.theme_eval import held_out

    taxonomy, dev, held = _evaluation_sets()
    fig = held_out(dev, held, taxonomy)
    print("\n" + fig.table(f"held-out part ({len(held)} works)"))
    assert fig.macro_f1 >= HELD_OUT_MACRO_F1
    assert fig.negatives_share <= HELD_OUT_NEGATIVES
    assert fig.min_recall >= HELD_OUT_MIN_RECALL


def test_second_held_out_part_floors():
    """The second held-out part: works found after the first was measured, labelled and
    committed before this model was ever run on them."""
    _assert_floors(HELD_OUT_2_FILE, "second held-out part", HELD_OUT_2_MACRO_F1, HELD_OUT_2_NEGATIVES,
                   HELD_OUT_2_MIN_RECALL)


def test_fresh_part_floors():
    """The third part, scored once with the final model (the figures in README.md); its
    themes have one to five works each, so per-theme figures move in steps of 0.2-0.5."""
    _assert_floors(FRESH_FILE, "fresh part", FRESH_MACRO_F1, FRESH_NEGATIVES, FRESH_MIN_RECALL)


def test_third_fresh_part_floors():
    """Gathered and labelled by a helper who never ran a model on it while the fifth pass was
    tuned; scored once with the final model (README.md)."""
    _assert_floors(FRESH_3_FILE, "third fresh part", FRESH_3_MACRO_F1, FRESH_3_NEGATIVES,
                   FRESH_3_MIN_RECALL)


@pytest.mark.parametrize("part", ["fresh4", "fresh5", "fresh7", "fresh10", "fresh11", "fresh12", "fresh13", "fresh14"])
def test_fourth_fifth_and_seventh_fresh_parts_floors(part):
    """Gathered and labelled by helpers who never ran a model on them while a pass was tuned on
    the development part (fresh4 and fresh5 in the sixth, fresh7 in the seventh); scored by the
    lead (README.md). The sixth, the eighth and the ninth, scored alike, were opened for
    development in sessions 8, 9 and 10. The eleventh (session 11, 216 of its 273 works forum posts)
    is scored with the shipped model; no pass of that session was merged. The twelfth (session 12:
    113 papers, 178 posts) has floors under the session's starting model."""
    path, name, *floors = {
        "fresh4": (FRESH_4_FILE, "fourth fresh part", FRESH_4_MACRO_F1, FRESH_4_NEGATIVES, FRESH_4_MIN_RECALL),
        "fresh5": (FRESH_5_FILE, "fifth fresh part", FRESH_5_MACRO_F1, FRESH_5_NEGATIVES, FRESH_5_MIN_RECALL),
        "fresh7": (FRESH_7_FILE, "seventh fresh part", FRESH_7_MACRO_F1, FRESH_7_NEGATIVES, FRESH_7_MIN_RECALL),
        "fresh10": (FRESH_10_FILE, "tenth fresh part", FRESH_10_MACRO_F1, FRESH_10_NEGATIVES, FRESH_10_MIN_RECALL),
        "fresh11": (FRESH_11_FILE, "eleventh fresh part", FRESH_11_MACRO_F1, FRESH_11_NEGATIVES, FRESH_11_MIN_RECALL),
        "fresh12": (FRESH_12_FILE, "twelfth fresh part", FRESH_12_MACRO_F1, FRESH_12_NEGATIVES, FRESH_12_MIN_RECALL),
        "fresh13": (FRESH_13_FILE, "thirteenth fresh part", FRESH_13_MACRO_F1, FRESH_13_NEGATIVES, FRESH_13_MIN_RECALL),
        "fresh14": (FRESH_14_FILE, "fourteenth fresh part", FRESH_14_MACRO_F1, FRESH_14_NEGATIVES, FRESH_14_MIN_RECALL),
    }[part]
    _assert_floors(path, name, *floors)


@pytest.mark.parametrize("path, sizes, per_theme_floor, negatives", [
    (FRESH_4_FILE, (100, 115), 4, 19), (FRESH_5_FILE, (100, 115), 4, 19), (FRESH_7_FILE, (100, 115), 4, 19),
    (FRESH_10_FILE, (240, 260), 10, 40), (FRESH_11_FILE, (260, 285), 10, 40), (FRESH_12_FILE, (280, 300), 10, 45)],
    ids=["fresh4", "fresh5", "fresh7", "fresh10", "fresh11", "fresh12"])
def test_fourth_fifth_and_seventh_fresh_parts_are_well_formed_and_disjoint(path, sizes, per_theme_floor, negatives):
    """Real works (summaries of their real abstracts, with the address each was read at), every
    theme with at least 4 works (sub-themes count for their parents), 19 or more near-miss
    negatives, and no work that any other labelled part holds. Reads the files only; runs no model."""
    from kb.knowledge.theme_model import LABELS_FILE

    others = {LABELS_FILE, HELD_OUT_FILE, HELD_OUT_2_FILE, FRESH_FILE, FRESH_3_FILE, FRESH_4_FILE, FRESH_5_FILE,
              FRESH_7_FILE, FRESH_10_FILE, FRESH_11_FILE, FRESH_12_FILE} - {path}
    works, per_theme = _fresh_part(path, path.stem.removeprefix("theme_"), sizes, others)
    assert set(per_theme) == set(load_taxonomy(DEFAULT_THEMES_FILE).themes) and min(per_theme.values()) >= per_theme_floor
    assert sum(1 for w in works if not w["themes"]) >= negatives


@pytest.mark.parametrize("path, split, size, negatives", [
    (FRESH_13_FILE, "fresh13", 305, 123), (FRESH_14_FILE, "fresh14", 320, 129)], ids=["fresh13", "fresh14"])
def test_random_fresh_parts_are_random_draws_of_posts(path, split, size, negatives):
    """The kept-out parts of sessions 14 and 15: recorded forum posts drawn at random (seeds 14 and
    16), not picked by theme, so they measure what a crawl brings in; stored as `kb crawl` stores a
    post. No post is in another labelled part (the random development posts dev13 and dev14 among
    them, and the other random part). Reads the files only; runs no model."""
    from kb.knowledge.theme_model import LABELS_FILE, read_works, title_key

    pending = LABELS_FILE.with_name("theme_labels_pending.jsonl")
    others = {LABELS_FILE, pending, HELD_OUT_FILE, HELD_OUT_2_FILE, FRESH_FILE, FRESH_3_FILE, FRESH_4_FILE,
              FRESH_5_FILE, FRESH_7_FILE, FRESH_10_FILE, FRESH_11_FILE, FRESH_12_FILE, FRESH_13_FILE,
              FRESH_14_FILE} - {path}
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    seen = {title_key(w["title"]) for f in others for w in read_works(f)}
    works = read_works(path)
    keys = {title_key(w["title"]) for w in works}
    assert len(works) == size and len(keys) == len(works) and not seen & keys
    for w in works:
        assert w["split"] == split and w["kind"] == "post" and w["abstract_source"] == "recorded"
        assert w["abstract"] and len(w["abstract"]) <= 503 and w["tldr"] is None
        assert w["abstract_url"].startswith(("https://www.lesswrong.com/", "https://www.alignmentforum.org/"))
        assert set(w["themes"]) <= set(taxonomy.themes)
    assert sum(1 for w in works if not w["themes"]) == negatives


def test_random_development_posts_dev14_are_labelled_and_trained_on_by_the_posts_model():
    """Session 15's 399 development posts (``"split": "dev14"``, seed 15), drawn at random like
    dev13 and stored as `kb crawl` stores a post, in no other labelled part. The twentieth pass's
    rule chose training the posts' model on them with its gate held to 4% of the negative posts
    (``POST_GATE_NEGATIVE_POSTS``; at 5%, the nineteenth pass, it tagged one random negative too
    many), so it trains on them (``"dev14"`` is not in ``POST_UNTRAINED_SPLITS``). Fails if either
    setting is lost. Reads the files only; runs no model."""
    from collections import Counter

    from kb.knowledge.theme_model import (LABELS_FILE, POST_GATE_NEGATIVE_POSTS, POST_LABELS_FILE,
                                          POST_UNTRAINED_SPLITS, read_post_works, read_works, title_key)

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    pending = read_works(POST_LABELS_FILE)
    assert Counter(w["split"] for w in pending) == {"development": 297, "dev13": 295, "dev14": 399, "dev15": 400}
    works = [w for w in pending if w["split"] == "dev14"]
    # theme_second_reading.jsonl is session 16's second reading of 240 dev13 and dev14 posts, not a part.
    others = [LABELS_FILE, *sorted(f for f in HELD_OUT_FILE.parent.glob("theme_*.jsonl")
                                   if f.name != "theme_second_reading.jsonl")]
    seen = {title_key(w["title"]) for f in others for w in read_works(f)}
    seen |= {title_key(w["title"]) for w in pending if w["split"] != "dev14"}
    keys = {title_key(w["title"]) for w in works}
    assert len(keys) == len(works) and not seen & keys
    for w in works:
        assert w["kind"] == "post" and w["abstract_source"] == "recorded" and w["tldr"] is None
        assert w["abstract"] and len(w["abstract"]) <= 503 and 2017 <= w["year"] <= 2026
        assert w["abstract_url"].startswith(("https://www.lesswrong.com/", "https://www.alignmentforum.org/"))
        assert set(w["themes"]) <= set(taxonomy.themes)
    assert sum(1 for w in works if not w["themes"]) == 143
    assert "dev14" not in POST_UNTRAINED_SPLITS and POST_GATE_NEGATIVE_POSTS == 0.04
    trained = read_post_works()
    assert len(trained) == 991 and keys <= {title_key(w["title"]) for w in trained}


def test_random_development_posts_dev15_are_labelled_and_kept_from_the_posts_model():
    """Session 16's 400 development posts (``"split": "dev15"``, seed 17), drawn at random like
    dev13 and dev14 and stored as `kb crawl` stores a post (two are forum event pages), in no other
    labelled part. The twenty-second pass's rule did not choose training the posts' model on them
    (+0.007 on the random posts, under the +0.010 asked), so it does not (``POST_UNTRAINED_SPLITS``):
    switched on, it trains on the 991 pending posts before them. Reads the files only; runs no model."""
    from kb.knowledge.theme_model import (LABELS_FILE, POST_LABELS_FILE, POST_UNTRAINED_SPLITS,
                                          read_post_works, read_works, title_key)

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    pending = read_works(POST_LABELS_FILE)
    works = [w for w in pending if w["split"] == "dev15"]
    others = [LABELS_FILE, *sorted(HELD_OUT_FILE.parent.glob("theme_*.jsonl"))]
    seen = {title_key(w["title"]) for f in others for w in read_works(f)}
    seen |= {title_key(w["title"]) for w in pending if w["split"] != "dev15"}
    keys = {title_key(w["title"]) for w in works}
    assert len(works) == 400 and len(keys) == len(works) and not seen & keys
    for w in works:
        assert w["kind"] == "post" and w["abstract_source"] == "recorded" and w["tldr"] is None
        assert w["abstract"] and len(w["abstract"]) <= 503 and 2017 <= w["year"] <= 2026
        assert w["abstract_url"].startswith(("https://www.lesswrong.com/", "https://www.alignmentforum.org/"))
        assert set(w["themes"]) <= set(taxonomy.themes) and w["added"] == "2026-12-02 s16-dev15"
    assert sum(1 for w in works if not w["themes"]) == 162
    assert POST_UNTRAINED_SPLITS == frozenset({"dev15"})
    trained = read_post_works()
    assert len(trained) == 991 and not keys & {title_key(w["title"]) for w in trained}


def _assert_floors(path, heading, macro_f1, negatives, min_recall):
    """The works of ``path`` tagged by a model trained on the development part, against floors."""
    from kb.knowledge.theme_eval import held_out
    from kb.knowledge.theme_model import read_works

    taxonomy, dev, _ = _evaluation_sets()
    works = read_works(path)
    fig = held_out(dev, works, taxonomy)
    print("\n" + fig.table(f"{heading} ({len(works)} works)"))
    assert fig.macro_f1 >= macro_f1
    assert fig.negatives_share <= negatives
    assert fig.min_recall >= min_recall


def test_development_part_cross_validated_floors():
    from kb.knowledge.theme_eval import cross_validated

    taxonomy, dev, _ = _evaluation_sets()
    # Posts tagged by the papers' model, as when these floors were set: this guards the papers'
    # model; the posts' model, which would train once per fold here, is measured out of fold by
    # scripts/theme_posts_pass.py and on the kept-out parts.
    fig = cross_validated(dev, taxonomy, post_settings=False)
    print("\n" + fig.table(f"development part ({len(dev)} works, 5-fold cross-validation)"))
    assert fig.macro_f1 >= DEV_MACRO_F1
    assert fig.negatives_share <= DEV_NEGATIVES


def test_papers_keep_the_papers_models_rows_whatever_the_posts_model_does(tmp_path, svm_fits_once):
    """Posts can be tagged by a model of their own, trained with the labelled posts that cost the
    papers when one model learnt from both (session 11); every paper's rows (theme, source,
    score and signals) are then those the papers' model gives with no posts' model at all.
    Checked on development works: every tenth stored, the papers' model trained on another tenth
    (trained on all the others, ten times as long; checked so once,
    docs/themes-evaluation.md), the posts' model on that tenth and the labelled posts, with the
    settings of session 12's best variant for posts."""
    from kb.knowledge.theme_eval import predict_rows
    from kb.knowledge.theme_model import POST_LABELS_FILE, read_works

    taxonomy, dev, _ = _evaluation_sets()
    stored, trained = [w for i, w in enumerate(dev) if i % 10 == 0], [w for i, w in enumerate(dev) if i % 10 == 1]
    alone = predict_rows(stored, trained, taxonomy, tmp_path, post_settings=False)
    both = predict_rows(stored, trained, taxonomy, tmp_path, post_works=read_works(POST_LABELS_FILE),
                        post_settings=ModelSettings(calibrate_posts=True))
    papers = [j for j, w in enumerate(stored) if w.get("kind") != "post"]
    posts = [j for j, w in enumerate(stored) if w.get("kind") == "post"]
    assert len(papers) > 150 and len(posts) > 15 and sum(len(alone[j]) for j in papers) > 150
    assert [both[j] for j in papers] == [alone[j] for j in papers]
    # The posts' rows are the posts' model's, and say so.
    of_posts = [sig for j in posts for _, source, _, sig in both[j] if source == "model"]
    assert of_posts and all('"model_for": "posts"' in sig for sig in of_posts)
    assert [both[j] for j in posts] != [alone[j] for j in posts]
    assert not any('"model_for"' in sig for j in papers for *_, sig in alone[j])


def test_development_part_keyword_blind_floor():
    """Each fold tagged with only the keywords the other folds support: the keyword list was
    written looking at the development works, and this is the figure that does not credit it."""
    from kb.knowledge.theme_eval import keyword_blind

    taxonomy, dev, _ = _evaluation_sets()
    fig = keyword_blind(dev, taxonomy, post_settings=False)     # posts as papers, as above
    print("\n" + fig.table(f"development part ({len(dev)} works, keyword-blind cross-validation)"))
    assert fig.macro_f1 >= DEV_BLIND_MACRO_F1
    assert fig.negatives_share <= DEV_BLIND_NEGATIVES


# -- the embedding signal -----------------------------------------------------------------------

def test_the_embedding_signal_moves_a_paper_towards_the_theme_its_vector_sits_with(tmp_path, monkeypatch):
    """Two papers whose titles differ by a stop word, with no abstract, which the text model alone scores alike
    (both just above a low model threshold): the one whose stored SPECTER vector lies among the
    RL papers' keeps its RL tag, with the embedding named among its signals (and by `kb show`);
    the one whose vector lies among speech papers loses it. The same for two papers that arrive
    after the model was cached."""
    import numpy as np

    from kb.standin.embedding import paper_vector

    path = tmp_path / "themes.toml"
    path.write_text(TAXONOMY.replace("model = 0.0", "model = -0.6"), encoding="utf-8")
    monkeypatch.setenv("KB_THEMES", str(path))
    taxonomy = load_taxonomy(path)

    def vector(key, topic):
        return np.array(paper_vector(key, topic), dtype="<f2").tobytes()

    papers = [(f"Reward models for agents {i}", "reinforcement learning with a reward model", "rlhf")
              for i in range(12)]
    papers += [(f"Plain paper {i}", FILLER, ["speech", "vision", "biology"][i % 3]) for i in range(60)]
    papers += [("Models for agents", None, "rlhf"), ("Models for the agents", None, "speech")]
    store = Store(tmp_path / "kb.sqlite")
    store.upsert_papers([PaperRecord(paper_id=sha(t), title=t, abstract=a, year=2020, detail_level=2,
                                     embedding=vector(t, topic)) for t, a, topic in papers])
    ids = store.internal_ids([sha("Models for agents"), sha("Models for the agents")])
    near, far = ids[sha("Models for agents")], ids[sha("Models for the agents")]
    auto_tag(store, taxonomy, sources=["rule", "model"])

    def rl_tags(paper):
        return {r["source"]: r["signals"] for r in paper_tags(store, paper) if r["theme"] == "rl"}

    assert rl_tags(near)["model"]["embedding"] > 0.3
    assert not rl_tags(far)
    # Papers that arrive later are scored by the cached model, its regression included.
    store.upsert_papers([PaperRecord(paper_id=sha(t), title=t, year=2021, detail_level=2, embedding=vector(t, topic))
                         for t, topic in (("Models for our agents", "rlhf"), ("Models for all agents", "speech"))])
    ids = store.internal_ids([sha("Models for our agents"), sha("Models for all agents")])
    assert auto_tag(store, taxonomy, sources=["rule", "model"]).papers == 2
    assert rl_tags(ids[sha("Models for our agents")])["model"]["embedding"] > 0.3
    assert not rl_tags(ids[sha("Models for all agents")])
    store.close()
    result = invoke("show", f"#{near}", db=tmp_path / "kb.sqlite", terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "embedding 0." in result.output


def test_the_embedding_signal_does_not_depend_on_the_order_papers_arrived_in(tmp_path, monkeypatch):
    """A resumed crawl stores the same papers under other store ids. The signal's two halves
    once followed store id parity, and a crawl killed and resumed ended with other tags."""
    import numpy as np

    from kb.standin.embedding import paper_vector

    path = tmp_path / "themes.toml"
    path.write_text(TAXONOMY.replace("model = 0.0", "model = -0.6"), encoding="utf-8")
    monkeypatch.setenv("KB_THEMES", str(path))
    taxonomy = load_taxonomy(path)
    papers = [(f"Reward models for agents {i}", "reinforcement learning with a reward model", "rlhf")
              for i in range(12)]
    papers += [(f"Plain paper {i}", FILLER, ["speech", "vision", "biology"][i % 3]) for i in range(60)]
    papers += [(f"Models for agents {i}", None, ["rlhf", "speech"][i % 2]) for i in range(10)]
    records = [PaperRecord(paper_id=sha(t), title=t, abstract=a, year=2020, detail_level=2,
                           embedding=np.array(paper_vector(t, topic), dtype="<f2").tobytes())
               for t, a, topic in papers]

    def tags_when_stored(order, name):
        store = Store(tmp_path / name)
        for record in order:  # one at a time: each gets the next store id
            store.upsert_papers([record])
        auto_tag(store, taxonomy, sources=["rule", "model"], settings=ModelSettings())
        got = store.conn.execute(
            "SELECT p.paper_id, t.theme, t.source, t.score FROM paper_theme t JOIN paper p ON p.id = t.paper"
        ).fetchall()
        store.close()
        return sorted(tuple(r) for r in got)

    forward = tags_when_stored(records, "forward.sqlite")
    assert any(source == "model" for _, _, source, _ in forward)
    # Reversed would only swap the two halves' names when the count is even; shuffled splits them otherwise.
    shuffled = [records[i] for i in np.random.default_rng(7).permutation(len(records))]
    assert tags_when_stored(shuffled, "shuffled.sqlite") == forward


def test_self_training_takes_the_forum_posts_the_model_is_sure_of_as_extra_positives(tmp_path, taxonomy, monkeypatch):
    """``self_train`` (off by default; the twenty-sixth pass): the posts' model trained on the forum
    stand-in's rows scores them, takes those it is surest of as extra positives of their themes
    (weight ``self_train_weight``; never a post of a theme label file, matched by the id in its
    address or its title) and is trained once more. Off, it is trained once, as before (its stamp
    leaves the settings out: ``tests/test_posts_model.py`` finds the shipped model current)."""
    import csv
    import gzip

    import numpy as np

    from kb.knowledge import posts_model, theme_model
    from kb.knowledge.theme_model import PostModel, load_post_labelled

    _labels_with_posts(tmp_path, monkeypatch)
    forum = [("Zorblax lattices", "zorblax flumph coupling in lattices"), ("Kitchen notes", "ovens and bread"),
             ("Flumph spectra", "zorblax flumph spectra of quenched lattices"), ("Gardening", "tomatoes and soil"),
             ("Zorblax flumph notes again", "zorblax flumph notes on lattices"), ("Bread", "pastry and ovens")]
    ids = [f"AbCdEfGhJk{i:07d}" for i in range(len(forum))]
    path = tmp_path / "forum.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["_id", "slug", "title", "summary"])
        writer.writerows([i, f"post-{n}", title, summary] for n, (i, (title, summary)) in enumerate(zip(ids, forum)))
    monkeypatch.setattr(posts_model, "FORUM_POSTS", path)
    kept_out = tmp_path / "theme_kept.jsonl"          # a kept-out part holds the first zorblax post, by its address
    kept_out.write_text(json.dumps({"title": "Another title", "themes": ["zoo"], "kind": "post",
                                    "abstract_url": f"https://www.lesswrong.com/posts/{ids[0]}/x"}) + "\n")
    monkeypatch.setattr(posts_model, "excluded_files", lambda: [kept_out])
    assert posts_model.excluded_keys() == ({ids[0]}, {"another title"})
    calls = []
    scores = theme_model.theme_scores

    def spy(*args, **kwargs):
        calls.append((args[2].copy(), kwargs.get("pseudo")))
        return scores(*args, **kwargs)
    monkeypatch.setattr(theme_model, "theme_scores", spy)
    zoo = list(taxonomy.themes).index("zoo")

    def trained(**settings):
        calls.clear()
        inputs = (PostModel(load_post_labelled(taxonomy), ModelSettings(gate_negative_posts=0.05, store_rows=False,
                                                                         forum_rows=True, **settings)),
                  taxonomy, taxonomy.thresholds.model)
        return posts_model.train(*inputs), posts_model.stamp(*inputs)

    plain, plain_stamp = trained()
    assert len(calls) == 1 and calls[0][1] is None
    half, half_stamp = trained(self_train=True, self_train_top=2)
    assert half_stamp != plain_stamp and len(calls) == 2
    (first_pos, _), (pos, pseudo) = calls
    assert pseudo[:, zoo].sum() == 2 and not pseudo[0].any()      # the two zorblax posts left, not the kept-out one
    assert set(np.flatnonzero(pseudo[:, zoo])) <= {2, 4} and (pos == first_pos | pseudo).all()
    full, _ = trained(self_train=True, self_train_top=2, self_train_weight=1.0)
    assert (half.model.weights[zoo] != plain.model.weights[zoo]).nnz
    assert (full.model.weights[zoo] != half.model.weights[zoo]).nnz     # the extra positives' weight counts

    # Scaled, each theme's k comes from the training's labelled positives (works and posts).
    tops = []
    real = posts_model.top_per_theme
    monkeypatch.setattr(posts_model, "top_per_theme", lambda *a: tops.append(a[2]) or real(*a))
    monkeypatch.setattr(posts_model, "TOP_RANGE", (1, 1))
    trained(self_train=True, self_train_top=2, self_train_scaled_top=True)
    assert tops[0].tolist() == load_post_labelled(taxonomy).y.sum(axis=0).tolist()
    assert calls[1][1][:, zoo].sum() == 1


def test_self_trainings_pseudo_positives_by_margin_or_top_k():
    """:func:`posts_model.pseudo_positives`: by margin, a post the model tags with the theme (gate
    passed) by at least ``self_train_margin`` over its threshold; by top k, the theme's k highest
    over its threshold; never a post out of the pool; a sub-theme's posts count for its parent."""
    import numpy as np

    from kb.knowledge.posts_model import pseudo_positives
    from kb.knowledge.theme_model import ThemeScores

    combined = np.array([[0.5, 0.0], [0.25, 0.9], [0.15, -1.0], [0.9, 0.1]], dtype=np.float32)
    first = ThemeScores(combined, combined, np.array([0.0, 0.0], dtype=np.float32), {}, [],
                        on_topic=np.array([[True, True], [True, True], [True, True], [True, False]]))
    pool = np.array([True, True, True, False])
    closure = [[0, 1], [1]]                              # theme 1 is a sub-theme of theme 0
    got = pseudo_positives(first, pool, ModelSettings(self_train_margin=0.2), closure)
    assert got.tolist() == [[True, False], [True, True], [False, False], [False, False]]
    top = pseudo_positives(first, pool, ModelSettings(self_train_top=1), closure)
    assert top.tolist() == [[True, False], [True, True], [False, False], [False, False]]
    assert ModelSettings(self_train=True).stamped()["self_train"] is True
    assert "self_train" not in ModelSettings().stamped()


def test_self_training_takes_a_post_for_its_best_theme_only():
    """``self_train_best_theme`` (the twenty-seventh pass): a pool post may be chosen only for the
    theme its combined score clears by most (ties to the first theme), each theme's top k among
    the posts whose best theme it is; a sub-theme's choice still counts for its parent."""
    import numpy as np

    from kb.knowledge.posts_model import pseudo_positives
    from kb.knowledge.theme_model import ThemeScores

    combined = np.array([[0.5, 0.6, -0.5],        # best theme 1, yet second for theme 0
                         [0.9, 0.2, 0.3],         # best theme 0
                         [0.1, 0.1, 0.4],         # best theme 2 (theme 0's sub-theme)
                         [0.3, 0.3, 0.0],         # a tie: theme 0, the first
                         [0.8, 0.7, 0.0]], dtype=np.float32)    # out of the pool
    first = ThemeScores(combined, combined, np.zeros(3, dtype=np.float32), {}, [])
    pool = np.array([True, True, True, True, False])
    closure = [[0, 2], [1], [2]]
    plain = pseudo_positives(first, pool, ModelSettings(self_train_top=2), closure)
    best = pseudo_positives(first, pool, ModelSettings(self_train_top=2, self_train_best_theme=True), closure)
    assert [np.flatnonzero(plain[:, c]).tolist() for c in range(3)] == [[0, 1, 2], [0, 3], [1, 2]]
    assert [np.flatnonzero(best[:, c]).tolist() for c in range(3)] == [[1, 2, 3], [0], [2]]
    # No theme trained for a post (every score NaN): it is nobody's best.
    first.thresholds = np.array([np.nan, 0.0, 0.0], dtype=np.float32)
    first.combined = np.full((5, 3), np.nan, dtype=np.float32)
    assert not pseudo_positives(first, pool, ModelSettings(self_train_top=2, self_train_best_theme=True), closure).any()


def test_self_trainings_top_k_scales_with_the_themes_labelled_positives(monkeypatch):
    """``self_train_scaled_top`` (the twenty-seventh pass): each theme's k is round(top * P / mean P)
    over the trained themes (a threshold), held within ``TOP_RANGE``; off, top for every theme."""
    import numpy as np

    from kb.knowledge import posts_model
    from kb.knowledge.posts_model import TOP_RANGE, pseudo_positives, top_per_theme
    from kb.knowledge.theme_model import ThemeScores

    assert TOP_RANGE == (5, 100)
    thresholds = np.array([0.0, 0.0, 0.0, 0.0, np.nan])
    positives = np.array([10, 30, 2, 200, 1000])          # mean 60.5 over the four trained
    scaled = ModelSettings(self_train_top=50, self_train_scaled_top=True)
    assert top_per_theme(scaled, thresholds, positives, 5) == [8, 25, 5, 100, 100]
    assert top_per_theme(ModelSettings(self_train_top=50), thresholds, positives, 5) == [50] * 5

    monkeypatch.setattr(posts_model, "TOP_RANGE", (1, 3))
    combined = np.array([[0.5, 0.6, -0.5], [0.9, 0.2, 0.3], [0.1, 0.1, 0.4], [0.3, 0.3, 0.0], [0.8, 0.7, 0.0]],
                        dtype=np.float32)
    first = ThemeScores(combined, combined, np.zeros(3, dtype=np.float32), {}, [])
    pool, closure, p = np.array([True, True, True, True, False]), [[0, 2], [1], [2]], np.array([4, 1, 1])
    got = pseudo_positives(first, pool, ModelSettings(self_train_top=2, self_train_scaled_top=True), closure, p)
    assert [np.flatnonzero(got[:, c]).tolist() for c in range(3)] == [[0, 1, 2, 3], [0], [2]]   # k 3, 1, 1
    both = pseudo_positives(first, pool, ModelSettings(self_train_top=2, self_train_scaled_top=True,
                                                       self_train_best_theme=True), closure, p)
    assert [np.flatnonzero(both[:, c]).tolist() for c in range(3)] == [[1, 2, 3], [0], [2]]
    for name in ("self_train_best_theme", "self_train_scaled_top"):
        assert name not in ModelSettings().stamped() and ModelSettings(**{name: True}).stamped()[name] is True
