"""The second, blind reading of 240 random development posts (session 16) and the arithmetic of
scripts/theme_agreement.py, which scores it against the first reading. The file's checks read
only the first reading's titles and splits; a failure names the second reading's rows alone."""

from __future__ import annotations

import importlib.util
import json

import pytest

from kb.knowledge.theme_eval import figures
from kb.knowledge.theme_model import POST_LABELS_FILE, labelled_from_works, read_works
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy
from kb.settings import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "data" / "theme_second_reading.jsonl"


def _script(name: str):
    """A module of scripts/ (they are run, not installed)."""
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ta():
    return _script("theme_agreement")


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(DEFAULT_THEMES_FILE)


def test_second_reading_is_well_formed(taxonomy):
    rows = [json.loads(line) for line in SECOND.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 240
    random_posts = {(w["title"], w["split"]) for w in read_works(POST_LABELS_FILE) if w.get("split") in ("dev13", "dev14")}
    for row in rows:
        assert set(row) == {"title", "split", "themes", "reader"}, row["title"]
        assert row["reader"] == "s16-agree"
        assert (row["title"], row["split"]) in random_posts, row["title"]
        assert isinstance(row["themes"], list) and len(set(row["themes"])) == len(row["themes"]), row["title"]
        assert all(slug in taxonomy.themes for slug in row["themes"]), row["title"]
    assert len({r["title"] for r in rows}) == len(rows)


def test_the_draw_is_the_file():
    """The committed reading is of exactly the posts the standalone draw picks."""
    drawn = _script("theme_second_reading_draw").draw()
    assert all(set(p) == {"title", "split", "abstract"} for p in drawn)      # never the first reading's themes
    assert {(p["title"], p["split"]) for p in drawn} == {(w["title"], w["split"]) for w in read_works(SECOND)}


# Four posts, three themes: reading 1 (truth) and reading 2 (predictions).
TRUTH = [[1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0]]
PRED = [[1, 0, 1], [0, 1, 0], [0, 1, 0], [0, 0, 0]]


def test_figures_of_a_synthetic_pair(ta):
    a = ta.agreement(TRUTH, PRED, ["a", "b", "c"])
    by = {t["slug"]: t for t in a["themes"]}
    # a: 1 right, 1 missed -> P 1, R 1/2, F1 2/3; observed 3/4, chance 1/2 * 1/4 + 1/2 * 3/4 = 1/2 -> kappa 1/2
    assert (by["a"]["tp"], by["a"]["fp"], by["a"]["fn"]) == (1, 0, 1)
    assert by["a"]["precision"] == 1 and by["a"]["recall"] == 0.5
    assert by["a"]["f1"] == pytest.approx(2 / 3) and by["a"]["kappa"] == pytest.approx(0.5)
    # b: 1 right, 1 extra, 1 missed -> F1 1/2; observed 1/2 = chance -> kappa 0
    assert by["b"]["f1"] == pytest.approx(0.5) and by["b"]["kappa"] == pytest.approx(0.0)
    # c: only predicted -> F1 0, kept out of the macro over the truth's themes, in the one over either's
    assert by["c"]["n"] == 0 and by["c"]["f1"] == 0 and by["c"]["kappa"] == pytest.approx(0.0)
    assert a["about"] == pytest.approx((2 / 3 + 1 / 2) / 2) and a["about_themes"] == 2
    assert a["either"] == pytest.approx((2 / 3 + 1 / 2) / 3)
    assert a["micro"] == pytest.approx(4 / 8)           # tp 2, fp 2, fn 2
    assert (a["negatives"], a["negatives_tagged"]) == (1, 1)
    assert (a["predicted_negatives"], a["positives_untagged"]) == (1, 1)
    assert a["exact"] == 0
    back = ta.agreement(PRED, TRUTH, ["a", "b", "c"])
    assert {t["slug"]: t["f1"] for t in back["themes"]} == pytest.approx({t["slug"]: t["f1"] for t in a["themes"]})
    assert back["about"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)     # c now a truth theme, a and b as before
    assert ta.symmetric(a, back)["about"] == pytest.approx(((2 / 3 + 1 / 2) / 2 + (2 / 3 + 1 / 2) / 3) / 2)


def test_kappa_edges(ta):
    assert ta.cohen_kappa(2, 0, 0, 2) == pytest.approx(1.0)
    assert ta.cohen_kappa(0, 2, 2, 0) == pytest.approx(-1.0)
    assert ta.cohen_kappa(4, 0, 0, 0) is None        # both give the theme to every post: chance agreement is total


def test_parents_implied_and_same_figures_as_the_passes(ta, taxonomy):
    """Through the taxonomy, a sub-theme counts for its parent in both readings, and the per theme
    figures are theme_eval's (the arithmetic the model's passes are scored with)."""
    one = [{"title": "x", "themes": ["interpretability"]}, {"title": "y", "themes": ["agent-foundations"]},
           {"title": "z", "themes": []}, {"title": "w", "themes": ["rlhf", "reward-hacking"]}]
    two = [{"title": "x", "themes": ["probing"]}, {"title": "y", "themes": ["natural-abstractions"]},
           {"title": "z", "themes": ["evaluations"]}, {"title": "w", "themes": ["rlhf"]}]
    slugs = list(taxonomy.themes)
    a = ta.agreement(labelled_from_works(one, taxonomy).y, labelled_from_works(two, taxonomy).y, slugs)
    by = {t["slug"]: t for t in a["themes"]}
    assert by["interpretability"]["f1"] == 1 and by["agent-foundations"]["f1"] == 1
    assert by["probing"]["n"] == 0 and by["reward-hacking"]["recall"] == 0
    predicted = [{s for t in w["themes"] for s in [t, *taxonomy.ancestors(t)]} for w in two]
    passes = figures(one, predicted, taxonomy)
    assert [(t["slug"], t["tp"], t["fp"], t["fn"]) for t in passes.themes] == \
           [(t["slug"], t["tp"], t["fp"], t["fn"]) for t in a["themes"]]
    assert (passes.negatives, passes.negatives_tagged) == (a["negatives"], a["negatives_tagged"])


def test_paired_refuses_a_post_not_in_the_random_splits(ta):
    first = [{"title": "p", "split": "dev13", "themes": []}, {"title": "q", "split": "dev14", "themes": []}]
    assert [f["title"] for f, _ in ta.paired([{"title": "q", "split": "dev14", "themes": []}], first)] == ["q"]
    with pytest.raises(ValueError):
        ta.paired([{"title": "q", "split": "dev13", "themes": []}], first)
