"""The gazetteer of known work titles: matching, the ordinary-phrase rule, the shipped file."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from kb.grounding import known_titles as kt
from kb.grounding.mentions import WORK, extract

ROOT = Path(__file__).resolve().parents[1]


def gazetteer(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "known.tsv.gz"
    path.write_bytes(gzip.compress(("# test\n" + "".join(line + "\n" for line in lines)).encode()))
    kt.index.cache_clear()
    return path


def surfaces(text: str, path: Path) -> list[str]:
    return [text[h.start:h.end] for h in kt.find(text, path)]


def test_a_sentence_case_title_in_running_prose(tmp_path):
    path = gazetteer(tmp_path, "Language Models are Few-Shot Learners\tgithub\t",
                     "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training\tgithub\t")
    text = ("As language models are few shot learners showed, scale helps; sleeper agents: training "
            "deceptive LLMs that persist through safety training is the other one.")
    assert surfaces(text, path) == ["language models are few shot learners",
                                    "sleeper agents: training deceptive LLMs that persist through safety training"]


def test_a_title_cut_off_before_its_colon(tmp_path):
    path = gazetteer(tmp_path, "Toy Models of Superposition: A Longer Subtitle\tgithub\tToy Models of Superposition\tM")
    hits = kt.find("We build on Toy Models of Superposition (2022).", path)
    assert [(h.known.cut_off, h.known.title) for h in hits] == [(True, "Toy Models of Superposition: A Longer Subtitle")]
    # a short title (fewer than five words) counts only where it is capitalised like a title
    assert kt.find("we build toy models of superposition here", path) == []


def test_a_short_title_alone_on_its_line_counts_in_any_case(tmp_path):
    """"1: What is quiet drift?" on a line of its own: the line sets the title apart from prose as
    capitals would, so a short or plain title counts there in sentence case; inside a sentence
    it still needs its capitals."""
    path = gazetteer(tmp_path, "What Is Quiet Drift?\talignment-forum\t\tT")
    assert surfaces("Notes\n\n1: What is quiet drift?\n\n2: Another one\n", path) == ["What is quiet drift?"]
    assert surfaces("- what is quiet drift?\n", path) == ["what is quiet drift?"]
    assert surfaces("I wonder what is quiet drift? Nobody knows.\n", path) == []


def test_a_title_that_is_also_an_ordinary_phrase_is_not_kept():
    common = kt.common_words(["deep learning", "reinforcement learning an introduction", "deep reinforcement learning"] * 3)
    assert kt.distinctive("Deep learning", common) == "fewer than three words"
    assert kt.distinctive("Reinforcement learning: An introduction", common) == "only common words"
    assert kt.distinctive("Direct Preference Optimization", common,
                          frozenset({("direct", "preference", "optimization")})) == "a phrase prose uses"
    assert kt.distinctive("Toy Models of Superposition", common) is None


def test_the_topic_of_one_long_list_is_not_a_common_word(monkeypatch):
    """Common words are those many sources' titles share, not those one long topical list
    repeats: otherwise adding an unlearning list drops "Large Language Model Unlearning"."""
    monkeypatch.setattr(kt, "COMMON_TOP", 3)
    keys = [(f"machine unlearning method {i}", "github:one/unlearning-list") for i in range(50)]
    keys += [(f"learning language models {w}", f"github:list/{w}") for w in ("x", "y", "z")]
    common = kt.common_words(keys)
    assert {"learning", "language", "models"} <= common
    assert not {"machine", "unlearning", "method"} & common
    assert kt.distinctive("Learning Language Models", common) == "only common words"
    assert kt.distinctive("Machine Unlearning Method", common) is None


def test_a_clipped_span_and_a_sentence_break_are_not_titles(tmp_path):
    path = gazetteer(tmp_path, "Neurons in Large Language Models\tgithub\t",
                     "Concrete Problems in AI Safety Research\tgithub\t")
    assert kt.find("We count dead neurons in Large Language Models here.", path) == []
    assert kt.find("Two concrete problems. In AI safety research we ...", path) == []


def test_extract_keeps_a_known_title_as_a_work_and_a_heading_as_a_maybe():
    kt.index.cache_clear()
    text = ("I keep coming back to pretraining language models with human preferences, which trains on "
            "human feedback from the start.\n")
    m = [m for m in extract(text) if "known work" in m.reason]
    assert [(x.surface, x.confidence) for x in m] == [("pretraining language models with human preferences", WORK)]
    heading = "# Pretraining Language Models with Human Preferences\n\nWe look at how the method works in practice.\n"
    assert all(x.confidence != WORK for x in extract(heading) if "known work" in x.reason)


def test_the_gazetteer_is_package_data_an_installed_kb_reads(tmp_path):
    build = tmp_path / "build"
    subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py", "-d", str(build)],
                   cwd=ROOT, check=True, capture_output=True)
    assert (build / "kb" / "grounding" / "known_titles.tsv.gz").is_file()
    code = ("import kb.grounding.known_titles as kt; assert str(kt.GAZETTEER_PATH).startswith(%r), kt.GAZETTEER_PATH; "
            "print(len(kt.index()))" % str(build))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(build)},
                         check=True, capture_output=True, text=True)
    assert int(out.stdout) > 1000


def test_nicknames_from_the_curated_lists_cite_their_papers_with_a_cue():
    from kb.grounding.aliases import AliasTable

    table = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    trpo = table.lookup("TRPO")
    assert trpo is not None and trpo.id == "ARXIV:1502.05477" and trpo.source == "curated"
    assert [(h.name, h.alias.id, h.cued) for h in table.find("as the TRPO paper showed")] == [("TRPO", "ARXIV:1502.05477", True)]
    assert table.find("we train it with TRPO") == []            # a method used as a concept
    helm = [h for h in table.find("scores on HELM are") if h.alias.id == "ARXIV:2211.09110"]
    assert helm and helm[0].cued                                # a benchmark's name cites its paper
    # the hand-kept table wins where both name a work
    assert table.lookup("PPO").source == "shipped"
    # a benchmark whose name spells an ordinary word ("ConTRoL") is no citation in "the control paper"
    assert [h for h in table.find("as the control paper showed") if h.alias.id == "ARXIV:2011.04864"] == []
    assert [h.cued for h in table.find("as the ConTRoL paper showed") if h.alias.id == "ARXIV:2011.04864"] == [True]


def test_coined_names_from_the_lists_titles_cite_their_works():
    """"SelfIE: Self-Interpretation of ..." in an interpretability list: "prior approaches like SelfIE"
    names that work (matched by its exact title); a model's name with a version needs a cue; an
    agent benchmark from a catalogue cites its paper by arXiv id."""
    from kb.grounding.aliases import AliasTable
    from kb.grounding.mentions import WORK, extract, listed

    table = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    selfie = table.lookup("SelfIE")
    assert selfie.source == "curated" and selfie.match == "title" and selfie.id is None
    assert selfie.title.startswith("SelfIE: Self-Interpretation")
    found = {m.surface: m for m in listed(extract("It improves on prior approaches like SelfIE, and more.", aliases=table))}
    assert found["SelfIE"].confidence == WORK and found["SelfIE"].alias_title == selfie.title
    assert table.lookup("GLM-4.5") is not None and table.find("we serve GLM-4.5 and others") == []
    assert [h.alias.id for h in table.find("Agents score low on GAIA and TravelPlanner.")] == ["ARXIV:2311.12983",
                                                                                              "ARXIV:2402.01622"]
    import importlib.util
    spec = importlib.util.spec_from_file_location("coined_names", ROOT / "scripts" / "coined_names.py")
    coined = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coined)
    assert coined.coined("SelfIE") and coined.coined("AEGIS2.0") and coined.coined("GUARD")
    assert not coined.coined("Rome") and not coined.coined("SAE")
    rows = {n: k for n, _, k in coined.names()}
    shipped = [line.split("\t") for line in coined.OUT.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert {n: k for n, _, _, k in shipped} == rows, "out of date: run python scripts/coined_names.py"
    # a name in capitals only may be a word in capitals: it needs a cue, like a model's versioned name
    assert rows.get("SelfIE") == "coined" and rows.get("GLM-4.5") == "model" and rows.get("ARMOR") == "model"


def test_the_shipped_gazetteer_is_what_the_script_builds_from_its_sources(tmp_path, monkeypatch):
    """Nothing in the shipped files was added by hand: rebuilding from the sources gives them back."""
    import importlib.util

    import pytest

    spec = importlib.util.spec_from_file_location("build_known_titles", ROOT / "scripts" / "build_known_titles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    import grounding_eval

    if not grounding_eval.S2_RECORDED.is_dir():
        pytest.skip("the recorded Semantic Scholar answers (one of the sources) are not on this machine")
    for name in ("GAZETTEER_PATH", "CURATED", "STANDIN_WORKS"):
        monkeypatch.setattr(build, name, tmp_path / getattr(build, name).name)
    build.build()
    build.write_curated(build.curated_nicknames())
    rebuild = "out of date: run python scripts/build_known_titles.py (kb's own data is one of its sources)"
    assert (tmp_path / "known_titles.tsv.gz").read_bytes() == kt.GAZETTEER_PATH.read_bytes(), rebuild
    assert (tmp_path / "aliases_curated.toml").read_text() == (ROOT / "data" / "aliases_curated.toml").read_text(), rebuild


def test_no_source_list_comes_from_a_repository_an_evaluation_part_or_unseen_document_names(tmp_path, monkeypatch):
    """A page under test that links a GitHub list must not have that list among the sources."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_known_titles", ROOT / "scripts" / "build_known_titles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    unseen = tmp_path / "unseen"
    unseen.mkdir()
    (unseen / "u9.txt").write_text("see https://github.com/Some-Owner/Awesome-List for more\n")
    monkeypatch.setattr(build, "UNSEEN", unseen)
    assert "some-owner/awesome-list" in build.evaluation_repositories()
    sources = {repo.removeprefix("github:").lower() for _, repo in build.github_lists()}
    assert not sources & build.evaluation_repositories()


def test_a_short_title_that_many_longer_titles_contain_is_the_fields_term():
    """Three known titles that contain "Bayesian Neural Networks" make it a method's name, which prose
    writes without citing the one work of that title; two do not."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_known_titles", ROOT / "scripts" / "build_known_titles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    term = ("bayesian", "neural", "networks")
    longer = [("bayesian", "neural", "networks", "with", "soft", "evidence"),
              ("scalable", "bayesian", "neural", "networks"),
              ("pruning", "bayesian", "neural", "networks", "by", "variance")]
    assert term in build.title_terms({term}, [term, *longer])
    assert term not in build.title_terms({term}, [term, *longer[:2]])
    phrases = build.title_terms({term}, [term, *longer])
    assert kt.distinctive("Bayesian Neural Networks", frozenset(), phrases) == "a phrase prose uses"


def test_a_title_on_the_stop_list_names_a_field_and_is_not_kept():
    """"Human-AI Interaction" is an Alignment Forum post's title and the name of a field; the stop list
    (data/known_titles/stop_titles.tsv) keeps it, and a title's part before its colon equal to an
    entry ("Inductive Logic Programming: Theory and Methods"), out of the shipped gazetteer."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_known_titles", ROOT / "scripts" / "build_known_titles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert ("human", "ai", "interaction") in build.stop_titles()
    kt.index.cache_clear()
    text = ("The Human-AI Interaction (HAI) sub-field has emerged. Unlike Deep Learning, Inductive Logic "
            "Programming can communicate what it learns.")
    assert [text[h.start:h.end] for h in kt.find(text)] == []
    # the full title is still a work
    assert [h.known.title for h in kt.find("see Inductive Logic Programming: Theory and Methods (1994)")] == [
        "Inductive Logic Programming: Theory and Methods"]


def test_recent_lists_give_2025_titles_and_a_newer_methods_name_stays_prose():
    """Session 18's lists (2024-2025 work on RL for reasoning, interpretability, unlearning) let the
    shipped gazetteer find a recent title written in sentence case in running prose; the method the
    RLVR papers name ("Reinforcement Learning with Verifiable Rewards", on the stop list because the
    fixed prose predates it) is no work, though a kept title puts it before its colon."""
    kt.index.cache_clear()
    text = ("As the entropy mechanism of reinforcement learning for reasoning language models argued, "
            "entropy collapses. We trained it with reinforcement learning with verifiable rewards on maths.")
    assert [h.known.title for h in kt.find(text)] == [
        "The Entropy Mechanism of Reinforcement Learning for Reasoning Language Models"]
    assert [h.known.title for h in kt.find("see Reinforcement Learning with Verifiable Rewards: GRPO's Effective "
                                           "Loss, Dynamics, and Success Amplification (2025)")] == [
        "Reinforcement Learning with Verifiable Rewards: GRPO's Effective Loss, Dynamics, and Success Amplification"]


def _build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_known_titles", ROOT / "scripts" / "build_known_titles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def test_the_common_words_are_what_their_rule_gives_over_their_reference_lists():
    """data/known_titles/common_words.txt is derived, not hand-kept: re-ranking its reference
    sources (list files and forum posts, all shipped) gives it back."""
    build = _build_script()
    reference = build.common_reference()
    assert "alignment-forum" in reference and len(reference) > 100
    frozen = build.frozen_common_words() - kt.TITLE_FUNCTION_WORDS
    assert len(frozen) == kt.COMMON_TOP
    assert sorted(frozen) == build.derive_common_words(reference), \
        "out of date: run python scripts/build_known_titles.py --common-words (and review what changes)"


def test_adding_title_lists_only_adds_titles():
    """A title's verdict reads the title and fixed reference data, never the other sources: built
    from a subset of the lists, the gazetteer keeps a subset of the titles, each written alike with
    the same short form, and a title ("Concrete Problems in AI Safety") is not dropped because new
    lists use its words. (Ranked over the sources, 15 lists removed 6 kept titles.)"""
    build = _build_script()
    raw = build.all_sources()
    repos = sorted({s for _, s in raw if s.startswith("github:")})
    full = {" ".join(kt.title_words(t)): (t, m) for t, _, m, _ in build.select(raw)[0]}
    for dropped in (set(repos[::2]), set(repos)):          # half the lists, then none
        part = build.select([(t, s) for t, s in raw if s not in dropped])[0]
        subset = {" ".join(kt.title_words(t)): (t, m) for t, _, m, _ in part}
        assert subset.keys() <= full.keys(), sorted(subset.keys() - full.keys())[:5]
        changed = [k for k in subset if subset[k][0] == full[k][0] and subset[k][1] != full[k][1]]
        assert not changed, changed[:5]
    # lists that all use a word do not make it common: ranked over the sources, 150 lists that write
    # "concrete" turned "Concrete Problems in AI Safety" into a phrase of common words
    piled = [(f"Concrete Steps {i} Towards Robust Agents", f"github:pile/list{i}") for i in range(150)]
    assert "Concrete Problems in AI Safety" in {t for t, *_ in build.select(raw + piled)[0]}
    assert "concrete" in kt.common_words({(" ".join(kt.title_words(t)), s) for t, s in raw + piled})


def test_the_key_column_gives_the_index_the_titles_give(tmp_path):
    """The build writes each title's index key beside it so that loading need not work it out:
    the shipped file indexes as it would without the column (and a file without one still loads)."""
    lines = gzip.decompress(kt.GAZETTEER_PATH.read_bytes()).decode("utf-8").splitlines()
    rows = [line for line in lines if line and not line.startswith("#")]
    assert all(line.split("\t")[4] == kt.key_column(line.split("\t")[0]) for line in rows)
    kt.index.cache_clear()
    shipped = kt.index()._rows
    without = gazetteer(tmp_path, *(line.rsplit("\t", 1)[0] for line in rows))
    assert kt.index(without)._rows == shipped
    kt.index.cache_clear()


def test_the_kept_index_is_the_index_the_file_gives(tmp_path, monkeypatch):
    """The index kept beside kb's bytecode (kb.pycache) is read back as the file parses, and not
    used once the file (or the module that works out keys) is not the one it was made from."""
    from kb import pycache

    kept = tmp_path / "known_titles.marshal"
    monkeypatch.setattr(pycache, "cache_path", lambda name: kept)
    monkeypatch.setattr(pycache, "may_write", lambda: True)
    parsed = kt._parsed(kt.GAZETTEER_PATH.read_bytes())
    kt.index.cache_clear()
    assert kt.index()._rows == parsed and kept.is_file()
    kt.index.cache_clear()
    assert kt.index()._rows == parsed                     # read back from the kept file
    rebuilt = gazetteer(tmp_path, "Quiet Latent Drift in Reward Models\tgithub\t\t\tquiet latent drift")
    monkeypatch.setattr(kt, "GAZETTEER_PATH", rebuilt)
    assert kt.index(rebuilt)._rows == {("quiet", "latent", "drift"): [
        ("Quiet Latent Drift in Reward Models", "github", "Quiet Latent Drift in Reward Models", False, False)]}
    kt.index.cache_clear()
    assert kt.index(rebuilt)._rows == kt._parsed(rebuilt.read_bytes())    # kept again, for the new file
    kt.index.cache_clear()
