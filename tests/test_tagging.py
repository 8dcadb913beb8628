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
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy, parse_taxonomy, sync_taxonomy, themes_of

EVAL_FILE = Path(__file__).parent / "data" / "theme_eval.jsonl"

TAXONOMY = """
[tagging]
rule = 2.0
rule_confident = 3.0
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
    assert m.scores("Sparse Autoencoders find features") == {"interp": 2.0, "sae": 2.0}
    assert m.scores("A paper", "we train a sparse-autoencoder and do dictionary learning") == \
        {"interp": 1.0, "sae": 2.0}
    assert m.scores("Grokking beyond algorithmic data")["interp"] == 2.0      # prefix keyword
    assert m.scores("Reward models", "reinforcement learning from feedback") == {"rl": 3.0}
    assert m.scores("Rewarding models") == {}                                  # whole words only
    assert m.scores(None, None) == {}
    assert m.matched_keywords("Sparse autoencoders", "grokked")["interp"] == ["sparse autoencoder", "grokk*"]


def test_rule_scores_function_uses_the_taxonomy_file(taxonomy):
    assert rule_scores("In-context reinforcement learning") == {"rl": 2.0}
    shipped = load_taxonomy(DEFAULT_THEMES_FILE)
    scores = rule_scores("Scaling Monosemanticity: sparse autoencoders on Claude", taxonomy=shipped)
    assert scores["sparse-autoencoders"] >= 2.0


def test_rule_matcher_handles_plurals_hyphens_and_ies(taxonomy):
    text = parse_taxonomy('[theme.t]\nkeywords = ["policy", "in-context learning"]\n')
    m = RuleMatcher(text)
    assert m.scores("Policies") == {"t": 2.0}
    assert m.scores("In context learning") == {"t": 2.0}
    assert m.scores("In-Context-Learning") == {"t": 2.0}


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
    assert rows[("sae", "rule")]["score"] >= 2 and not rows[("sae", "rule")]["effective"]

    # A manual positive replaces the earlier negative, and forgetting hands back to automatic.
    set_manual(store, 1, ["sae"], taxonomy=taxonomy)
    assert themes_of(store, [1])[1][0] == ("sae", 1.0, "manual")
    assert forget_manual(store, 1, ["sae"], taxonomy=taxonomy) == ["sae"]
    assert ("sae", 2.0, "rule") in themes_of(store, [1])[1]
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

def zorblax_corpus():
    topical = [(f"Zorblax dynamics of flumph lattices part {i}",
                f"We measure zorblax flumph coupling and quenched lattice zorblax spectra {i}")
               for i in range(8)]
    other = [(f"Unrelated study number {i} of cooking recipes",
              f"Bread, pastry and oven temperatures across kitchens {i}") for i in range(12)]
    return topical + other


def test_retraining_after_new_manual_tags_changes_predictions(tmp_path, taxonomy):
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


def test_confident_rule_tags_train_the_model(tmp_path, taxonomy):
    # Three papers the rules tag confidently teach the model about their other words.
    papers = [(f"Reinforcement learning of wibble agents {i}", f"reward model and wibble policies {i}")
              for i in range(3)]
    papers += [("Wibble policies in wibble agents", "wibble wibble policies agents")]
    papers += [(f"Cooking {i}", f"bread oven pastry {i}") for i in range(8)]
    store = make_store(tmp_path, papers)
    result = auto_tag(store, taxonomy, sources=["rule", "model"])
    assert result.trained["rl"] == 3
    sources = {src for s, _, src in themes_of(store, [4]).get(4, []) if s == "rl"}
    assert sources == {"model"}
    store.close()


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


# -- the labelled evaluation set ----------------------------------------------------------------

def load_works() -> list[dict]:
    return [json.loads(line) for line in EVAL_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_evaluation_set_is_well_formed():
    works = load_works()
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    assert len(works) >= 150
    assert len({w["title"] for w in works}) == len(works)
    keys = {"title", "authors", "year", "venue", "arxiv", "doi", "abstract", "tldr", "publication_date", "kind"}
    per_theme = defaultdict(int)
    for w in works:
        assert keys <= set(w) and w["kind"] in ("paper", "book", "post")
        assert w["authors"] and 1950 < w["year"] <= 2026
        for slug in w["themes"]:
            assert slug in taxonomy, slug
            per_theme[slug] += 1
        if w["tldr"]:
            assert w.get("tldr_source", "").startswith("http")
    assert set(per_theme) == set(taxonomy.themes)
    assert min(per_theme.values()) >= 5
    assert sum(1 for w in works if not w["themes"]) >= 20          # hard negatives


FOLDS = 5
MACRO_F1_FLOOR = 0.75
THEME_F1_FLOOR = 0.5


def cross_validate(tmp_path) -> tuple[list[tuple[str, int, int, int, int]], float]:
    """k-fold: the held-out fold's labels are hidden; the store gets the other folds' labels as
    manual tags, `auto_tag` retrains and tags everything, and the held-out fold's effective tags
    are compared with its labels (both closed upwards: a sub-theme implies its parents)."""
    works = load_works()
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    store = Store(tmp_path / "eval.sqlite")
    records = [PaperRecord(paper_id=sha(w["title"]), title=w["title"], abstract=w["abstract"],
                           tldr=w["tldr"], year=w["year"], detail_level=2) for w in works]
    store.upsert_papers(records)
    ids = store.internal_ids([r.paper_id for r in records])
    pid = [ids[r.paper_id] for r in records]
    sync_taxonomy(store, taxonomy)

    def close(slugs):
        return {a for s in slugs for a in [s, *taxonomy.ancestors(s)]}

    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    for fold in range(FOLDS):
        store.conn.execute("DELETE FROM paper_theme")
        held_out = [i for i in range(len(works)) if i % FOLDS == fold]
        for i in range(len(works)):
            if i % FOLDS != fold and works[i]["themes"]:
                set_manual(store, pid[i], works[i]["themes"], taxonomy=taxonomy)
        auto_tag(store, taxonomy)
        predicted = themes_of(store, [pid[i] for i in held_out])
        for i in held_out:
            gold = close(works[i]["themes"])
            got = close(slug for slug, _, _ in predicted.get(pid[i], []))
            for s in gold & got:
                tp[s] += 1
            for s in got - gold:
                fp[s] += 1
            for s in gold - got:
                fn[s] += 1
    store.close()
    rows = [(s, tp[s] + fn[s], tp[s], fp[s], fn[s]) for s in taxonomy.themes]
    return rows, sum(_f1(*r[2:]) for r in rows) / len(rows)


def _f1(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def test_per_theme_precision_and_recall_on_the_evaluation_set(tmp_path):
    rows, macro = cross_validate(tmp_path)
    lines = [f"{'theme':32} {'n':>4} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for slug, n, tp, fp, fn in rows:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        lines.append(f"{slug:32} {n:>4} {p:>9.2f} {r:>7.2f} {_f1(tp, fp, fn):>6.2f}")
    lines.append(f"macro-F1 over {len(rows)} themes ({FOLDS}-fold cross-validation): {macro:.3f}")
    print("\n" + "\n".join(lines))
    assert macro >= MACRO_F1_FLOOR
    weak = [r[0] for r in rows if _f1(*r[2:]) < THEME_F1_FLOOR]
    assert not weak, f"themes under F1 {THEME_F1_FLOOR}: {weak}"
