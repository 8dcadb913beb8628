"""The theme taxonomy: loading and validating the file, keeping the store in step with it
(added, renamed and removed themes), and queries by theme with sub-themes included."""

from __future__ import annotations

import json

import pytest
from tests.cli_runner import invoke

from kb.errors import ConfigError, UsageError
from kb.store.records import PaperRecord
from kb.store import Store
from kb.knowledge.tagging import set_manual
from kb.knowledge.themes import (DEFAULT_THEMES_FILE, add_theme, load_taxonomy, parse_taxonomy, remove_theme,
                       rename_theme, retired_themes, sync_taxonomy, theme_counts, theme_filter,
                       themes_of)

SMALL = """
[tagging]
rule = 2.0

[theme.interp]
name = "Interpretability"
description = "Understanding networks."
keywords = ["interpretability"]

[theme.sae]
name = "Sparse autoencoders"
description = "Dictionary learning."
parent = "interp"
keywords = ["sparse autoencoder"]

[theme.probes]
name = "Probing"
description = "Linear probes."
parent = "interp"
keywords = ["probe"]

[theme.rl]
name = "RL"
description = "Reinforcement learning."
keywords = ["reinforcement learning"]
"""


@pytest.fixture()
def themes_file(tmp_path, monkeypatch):
    path = tmp_path / "themes.toml"
    path.write_text(SMALL, encoding="utf-8")
    monkeypatch.setenv("KB_THEMES", str(path))
    return path


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "kb.sqlite")
    s.upsert_papers([PaperRecord(paper_id=f"{i:040x}", title=f"paper {i}", year=2018 + i % 4,
                                 arxiv_id=f"2401.{i:05d}", detail_level=2) for i in range(1, 9)])
    yield s
    s.close()


def ids_matching(store, slug):
    where, params = theme_filter(store, slug)
    return sorted(r[0] for r in store.conn.execute(f"SELECT p.id FROM paper p WHERE {where}", params))


# -- the shipped taxonomy -----------------------------------------------------------------------

def test_shipped_taxonomy_is_valid_and_recognisable():
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    assert 15 <= len(taxonomy.themes) <= 25
    for t in taxonomy.themes.values():
        assert t.description and len(t.description.splitlines()) == 1
        assert t.keywords, f"{t.slug} has no rule keywords"
    expected = {"interpretability", "mechanistic-interpretability", "sparse-autoencoders", "probing",
                "circuits", "singular-learning-theory", "in-context-learning", "inductive-biases",
                "deceptive-alignment", "reward-hacking", "rlhf", "scaling-laws", "agent-foundations",
                "natural-abstractions", "neuroai", "unsupervised-feature-discovery", "cot-monitoring",
                "scalable-oversight", "evaluations"}
    assert expected <= set(taxonomy.themes)
    assert set(taxonomy.descendants("interpretability")) >= {"sparse-autoencoders", "probing", "circuits"}


# -- validation ---------------------------------------------------------------------------------

def test_malformed_toml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[theme.a]\nname = "A"\n\n[theme.b\nname = "B"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_taxonomy(path)
    assert str(path) in str(err.value) and "line 4" in str(err.value)


def test_unknown_parent_points_at_the_theme_line(tmp_path):
    text = '[theme.a]\nname = "A"\n\n[theme.b]\nname = "B"\nparent = "zzz"\n'
    with pytest.raises(ConfigError, match=r"t\.toml:4: theme 'b': parent 'zzz' is not a theme"):
        parse_taxonomy(text, tmp_path / "t.toml")


@pytest.mark.parametrize("text, message", [
    ('[theme.A]\nname = "x"\n', "lowercase"),
    ('[theme.a]\nparent = "b"\n[theme.b]\nparent = "a"\n', "loops"),
    ('[theme.a]\nkeywords = "x"\n', "list of non-empty strings"),
    ('[theme.a]\ncolour = "red"\n', "unknown key"),
    ('[tagging]\nrule = "high"\n', "must be a number"),
    ('[tagging]\nrules = 2\n', "unknown key"),
    ('[themes.a]\n', "unknown section"),
])
def test_invalid_taxonomies_are_config_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_taxonomy(text)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no themes file"):
        load_taxonomy(tmp_path / "nope.toml")


def test_thresholds_come_from_the_file(themes_file):
    taxonomy = load_taxonomy()
    assert taxonomy.thresholds.rule == 2.0 and taxonomy.thresholds.graph_min == 3
    assert taxonomy.thresholds.replace(model=0.5, graph=None).model == 0.5


# -- the theme filter ---------------------------------------------------------------------------

def test_theme_filter_includes_sub_themes_and_applies_precedence(themes_file, store):
    taxonomy = load_taxonomy()
    sync_taxonomy(store, taxonomy)
    rows = [(1, "interp", "rule", 3.0, 0), (2, "sae", "model", 0.4, 0), (3, "probes", "graph", 0.6, 0),
            (4, "rl", "rule", 2.0, 0), (5, "sae", "rule", 3.0, 0), (5, "sae", "manual", 1.0, 1),
            (6, "rl", "manual", 1.0, 0)]
    store.conn.executemany("INSERT INTO paper_theme (paper, theme, source, score, negative)"
                           " VALUES (?, ?, ?, ?, ?)", rows)
    assert ids_matching(store, "interp") == [1, 2, 3]      # 5 is suppressed by "not sae"
    assert ids_matching(store, "sae") == [2]
    assert ids_matching(store, "rl") == [4, 6]
    assert ids_matching(store, "sae,rl") == [2, 4, 6]
    tags = themes_of(store, [1, 2, 5, 6, 7])
    assert tags[1] == [("interp", 3.0, "rule")] and tags[2] == [("sae", 0.4, "model")]
    assert 5 not in tags and 7 not in tags
    assert tags[6] == [("rl", 1.0, "manual")]


def test_unknown_theme_lists_close_matches(themes_file, store):
    with pytest.raises(UsageError) as err:
        theme_filter(store, "interpp")
    message = str(err.value)
    assert "unknown theme 'interpp'" in message and "interp" in message and "\n" not in message


def test_theme_counts_per_year(themes_file, store):
    sync_taxonomy(store, load_taxonomy())
    store.conn.executemany("INSERT INTO paper_theme (paper, theme, source, score) VALUES (?, ?, 'rule', 2)",
                           [(1, "interp"), (2, "sae"), (5, "sae"), (3, "rl")])
    counts = {r["slug"]: r for r in theme_counts(store, load_taxonomy())}
    assert counts["interp"]["papers"] == 3 and counts["interp"]["direct"] == 1
    assert counts["interp"]["per_year"] == {2019: 2, 2020: 1}
    assert counts["sae"]["depth"] == 1 and counts["probes"]["papers"] == 0


# -- taxonomy edits and the store ---------------------------------------------------------------

def test_renamed_theme_carries_its_tags(themes_file, store):
    taxonomy = load_taxonomy()
    sync_taxonomy(store, taxonomy)
    set_manual(store, 1, ["sae"], taxonomy=taxonomy)
    set_manual(store, 2, ["sae"], negative=True, taxonomy=taxonomy)
    store.conn.execute("INSERT INTO paper_theme (paper, theme, source, score) VALUES (3, 'sae', 'rule', 4)")
    rename_theme(themes_file, "sae", "dictionary-learning")
    text = themes_file.read_text()
    assert "[theme.dictionary-learning]" in text and 'renamed_from = ["sae"]' in text
    # Before the store is synced, queries follow the file and still find the old tags.
    assert ids_matching(store, "dictionary-learning") == [1, 3]
    report = sync_taxonomy(store, load_taxonomy())
    assert report.renamed == [("sae", "dictionary-learning", 3)]
    assert ids_matching(store, "dictionary-learning") == [1, 3]
    assert ids_matching(store, "interp") == [1, 3]
    # The negative tag moved too and still suppresses.
    assert store.conn.execute("SELECT negative FROM paper_theme WHERE paper = 2").fetchone()[0] == 1
    assert store.conn.execute("SELECT count(*) FROM theme WHERE slug = 'sae'").fetchone()[0] == 0
    assert ids_matching(store, "sae") == [1, 3]   # the old slug still works as an alias


def test_rename_moves_children_and_keeps_the_file_valid(themes_file):
    rename_theme(themes_file, "interp", "interpretability")
    taxonomy = load_taxonomy()
    assert taxonomy.themes["sae"].parent == "interpretability"
    assert taxonomy.themes["interpretability"].renamed_from == ("interp",)
    with pytest.raises(UsageError, match="already exists"):
        rename_theme(themes_file, "sae", "probes")


def test_removed_theme_drops_automatic_tags_and_keeps_manual_ones(themes_file, store):
    taxonomy = load_taxonomy()
    sync_taxonomy(store, taxonomy)
    set_manual(store, 1, ["rl"], taxonomy=taxonomy)
    store.conn.executemany("INSERT INTO paper_theme (paper, theme, source, score) VALUES (?, 'rl', 'rule', 2)",
                           [(2,), (3,)])
    remove_theme(themes_file, "rl")
    assert "rl" not in load_taxonomy()
    report = sync_taxonomy(store, load_taxonomy())
    assert report.removed == [("rl", 2, 1)]
    assert retired_themes(store) == [{"slug": "rl", "name": "RL", "manual": 1}]
    with pytest.raises(UsageError, match="unknown theme 'rl'"):
        theme_filter(store, "rl")
    # Syncing again reports nothing new.
    assert not sync_taxonomy(store, load_taxonomy()).changed
    # Re-adding the theme brings the manual tag back.
    add_theme(themes_file, "rl", name="RL", description="Reinforcement learning.",
              keywords=["reinforcement learning"])
    report = sync_taxonomy(store, load_taxonomy())
    assert report.updated == ["rl"] and retired_themes(store) == []
    assert ids_matching(store, "rl") == [1]


def test_removed_theme_without_manual_tags_disappears(themes_file, store):
    sync_taxonomy(store, load_taxonomy())
    store.conn.execute("INSERT INTO paper_theme (paper, theme, source, score) VALUES (1, 'probes', 'rule', 2)")
    moved = remove_theme(themes_file, "probes")
    assert moved == []
    report = sync_taxonomy(store, load_taxonomy())
    assert report.removed == [("probes", 1, 0)]
    assert store.conn.execute("SELECT count(*) FROM theme WHERE slug = 'probes'").fetchone()[0] == 0


def test_removing_a_parent_moves_children_up(themes_file):
    assert sorted(remove_theme(themes_file, "interp")) == ["probes", "sae"]
    taxonomy = load_taxonomy()
    assert taxonomy.themes["sae"].parent is None and taxonomy.themes["probes"].parent is None


def test_add_theme_validates_and_preserves_comments(themes_file):
    themes_file.write_text("# my taxonomy\n" + SMALL, encoding="utf-8")
    theme = add_theme(themes_file, "circuits", description="Subgraphs  of a model.", parent="interp",
                      keywords=["circuit", 'say "hi"'])
    assert theme.parent == "interp" and theme.keywords == ("circuit", 'say "hi"')
    assert themes_file.read_text().startswith("# my taxonomy\n")
    assert load_taxonomy().themes["circuits"].description == "Subgraphs of a model."
    before = themes_file.read_text()
    for bad in (dict(slug="circuits"), dict(slug="Bad Slug"), dict(slug="x", parent="nope")):
        with pytest.raises(UsageError):
            add_theme(themes_file, **bad)
    assert themes_file.read_text() == before


def test_edited_description_updates_the_store(themes_file, store):
    sync_taxonomy(store, load_taxonomy())
    themes_file.write_text(SMALL.replace("Linear probes.", "Probes and linear directions."), encoding="utf-8")
    report = sync_taxonomy(store, load_taxonomy())
    assert report.updated == ["probes"]
    row = store.conn.execute("SELECT description FROM theme WHERE slug = 'probes'").fetchone()
    assert row[0] == "Probes and linear directions."


# -- the command line ---------------------------------------------------------------------------

def test_cli_theme_commands_edit_the_file_and_the_store_follows(themes_file, store, tmp_path):
    db = str(store.path)

    def run(*args):
        return invoke(*args, db=db, catch_exceptions=False)

    result = run("theme", "add", "evals", "--description", "Benchmarks.", "-k", "benchmark", "-k", "eval")
    assert result.exit_code == 0, result.output
    assert load_taxonomy().themes["evals"].keywords == ("benchmark", "eval")
    assert store.conn.execute("SELECT name FROM theme WHERE slug = 'evals'").fetchone()[0] == "evals"
    listed = json.loads(run("theme", "list", "--json").stdout)
    assert [t["slug"] for t in listed][:3] == ["interp", "sae", "probes"]

    store.conn.execute("INSERT INTO paper_theme (paper, theme, source, score) VALUES (1, 'evals', 'manual', 1)")
    result = run("theme", "rename", "evals", "evaluations")
    assert result.exit_code == 0, result.output
    assert store.conn.execute("SELECT theme FROM paper_theme WHERE paper = 1").fetchone()[0] == "evaluations"

    result = run("theme", "rm", "evaluations")
    assert result.exit_code == 0
    assert "1 manual tags kept" in result.stderr

    result = run("theme", "rm", "nothing")
    assert result.exit_code == 2 and "kb: error: unknown theme 'nothing'" in result.stderr


def test_cli_themes_counts_and_json(themes_file, store):
    sync_taxonomy(store, load_taxonomy())
    store.conn.executemany("INSERT INTO paper_theme (paper, theme, source, score) VALUES (?, ?, 'rule', 2)",
                           [(1, "interp"), (2, "sae"), (5, "sae")])
    result = invoke("themes", "--json", db=store.path, catch_exceptions=False)
    data = json.loads(result.stdout)
    interp = next(r for r in data["themes"] if r["slug"] == "interp")
    assert interp["papers"] == 3 and interp["per_year"] == {"2019": 2, "2020": 1}
    result = invoke("themes", db=store.path, catch_exceptions=False)
    assert result.exit_code == 0 and "interp" in result.stdout
    assert any(ch in result.stdout for ch in "▁▂▃▄▅▆▇█")


def test_cli_malformed_themes_file_is_one_line_error(themes_file, store):
    themes_file.write_text("[theme.a\n", encoding="utf-8")
    result = invoke("themes", db=store.path)
    assert result.exit_code == 2
    assert result.stderr.startswith("kb: error: ") and str(themes_file) in result.stderr
    assert "Traceback" not in result.output


def test_kb_themes_env_overrides_the_shipped_file(tmp_path, monkeypatch):
    from kb.knowledge.themes import themes_path

    monkeypatch.delenv("KB_THEMES", raising=False)
    assert themes_path() == DEFAULT_THEMES_FILE
    monkeypatch.setenv("KB_THEMES", str(tmp_path / "mine.toml"))
    assert themes_path() == tmp_path / "mine.toml"
