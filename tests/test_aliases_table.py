"""The shipped nickname table, data/aliases.toml, as data (issue 15, nicknames): it loads, every
entry can be resolved (a valid id, or an exact title to match, or a book or post), no name means
two works, and the well-known names it holds are found in prose the way the project counts them:
a benchmark or data set named in an evaluation cites its paper, a model or method used as a thing
does not unless a cue ("the BART paper") says so."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kb.grounding.aliases import KINDS, SHIPPED_PATH, normalise_id
from kb.grounding.mentions import WORK, extract, listed

# The ids the Semantic Scholar API accepts, as this table writes them (canonical spelling).
ARXIV = re.compile(r"^ARXIV:(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})$")
DOI = re.compile(r"^DOI:10\.\d{4,9}/\S+$")


@pytest.fixture(scope="module")
def entries():
    return tomllib.loads(SHIPPED_PATH.read_text(encoding="utf-8"))["alias"]


def _key(name: str) -> str:
    """How the table looks a name up: names with capitals exactly, the others in any case."""
    name = " ".join(name.split())
    return name if any(c.isupper() for c in name) else name.lower()


def test_the_table_loads_and_has_grown(aliases, entries):
    assert len(entries) >= 1100
    assert len(aliases) >= len(entries)


def test_every_entry_can_be_resolved(entries):
    for e in entries:
        where = f"{e['names']}"
        assert e.get("title") and e["title"].strip() == e["title"], where
        assert isinstance(e.get("year"), int) and 1900 < e["year"] <= 2026, where
        kind = e.get("kind", "paper")
        assert kind in KINDS, where
        if kind != "paper":
            assert "id" not in e, where
        elif "id" in e:
            assert ARXIV.match(e["id"]) or DOI.match(e["id"]), where
            assert normalise_id(e["id"]) == e["id"], where
        else:
            assert e.get("match") == "title", where


def test_an_arxiv_id_and_its_year_agree(entries):
    """An arXiv id says when the paper was announced: a year more than one off the id's is a typo
    in one of them (a preprint posted on 31 December gets January's number, and a paper published
    a year after its preprint keeps the later year)."""
    for e in entries:
        m = re.match(r"ARXIV:(\d\d)(\d\d)\.", e.get("id", ""))
        if m:
            assert -1 <= e["year"] - (2000 + int(m.group(1))) <= 1, e["names"]


def test_no_name_means_two_works(entries):
    seen: dict[str, str] = {}
    for e in entries:
        work = e.get("id") or e["title"]
        for name in e["names"]:
            assert name == name.strip() and name, e["names"]
            assert seen.setdefault(_key(name), work) == work, (name, work, seen[_key(name)])


def test_names_that_need_a_cue_are_names_of_the_entry(entries):
    for e in entries:
        assert set(e.get("needs_cue", [])) <= set(e["names"]), e["names"]


def test_one_entry_per_new_work(entries):
    """The table grows by extending a work's names, not by a second entry for the same id."""
    ids = [e["id"] for e in entries if "id" in e]
    # entries before session 8 repeat a few ids (LLaMA, Llama 2, AlphaFold, ...): they are not
    # new; every id added since is there once
    repeated = {i for i in ids if ids.count(i) > 1}
    assert len(repeated) <= 12, sorted(repeated)


@pytest.mark.parametrize("text, name, pid", [
    ("We report accuracy on SWAG, CoQA and QuAC.", "CoQA", "ARXIV:1808.07042"),
    ("Scores on FEVER and SocialIQA improved.", "SocialIQA", "ARXIV:1904.09728"),
    ("Agents are tested on OSWorld and Mind2Web.", "Mind2Web", "ARXIV:2306.06070"),
    ("The model was trained on BookCorpus.", "BookCorpus", "ARXIV:1506.06724"),
    ("Cybench tasks come from CTF competitions.", "Cybench", "ARXIV:2408.08926"),
    ("We use the Situational Awareness Dataset to probe self-knowledge.", "Situational Awareness Dataset",
     "ARXIV:2407.04694"),
    ("Results on GPQA Diamond are reported below.", "GPQA Diamond", "ARXIV:2311.12022"),
    ("On τ-bench the pass^k metric drops quickly.", "τ-bench", "ARXIV:2406.12045"),
    ("As Sparks of AGI argued, the model is general.", "Sparks of AGI", "ARXIV:2303.12712"),
    ("Anthropic's evals include persona questions.", "Anthropic's evals", "ARXIV:2212.09251"),
    ("The edits were made with MEND and ROME.", "MEND", "ARXIV:2110.11309"),
    ("The ARCHES report lists research directions.", "ARCHES", "ARXIV:2006.04948"),
    ("Prompts were sampled from LMSYS-Chat-1M and WildChat.", "LMSYS-Chat-1M", "ARXIV:2309.11998"),
    ("Concepts were erased with INLP before probing.", "INLP", "ARXIV:2004.07667"),
    # added in session 10
    ("Scores on WildBench and RewardBench improved.", "WildBench", "ARXIV:2406.04770"),
    ("Agents were attacked in AgentDojo and InjecAgent.", "AgentDojo", "ARXIV:2406.13352"),
    ("We report results on SWE-Lancer.", "SWE-Lancer", "ARXIV:2502.12115"),
    ("The model was trained on CIFAR-10 and tested on ImageNetV2.", "ImageNetV2", "ARXIV:1902.10811"),
    ("As Gradual Disempowerment argues, the economy may drift.", "Gradual Disempowerment", "ARXIV:2501.16946"),
    ("The Reversal Curse holds for GPT-4 too.", "Reversal Curse", "ARXIV:2309.12288"),
    ("In An overview of 11 proposals, Hubinger compares them.", "An overview of 11 proposals", "ARXIV:2012.07532"),
    # added in session 16
    ("Agents were scored on Terminal-Bench and SWE-bench Pro.", "Terminal-Bench", "ARXIV:2601.11868"),
    ("Agents were scored on Terminal-Bench and SWE-bench Pro.", "SWE-bench Pro", "ARXIV:2509.16941"),
    ("As Thought Anchors showed, a few sentences steer the rest.", "Thought Anchors", "ARXIV:2506.19143"),
    ("Models cheat on ImpossibleBench more than on HealthBench.", "ImpossibleBench", "ARXIV:2510.20270"),
    ("The Claude 4 system card reports blackmail in a test.", "Claude 4 system card", "System Card: Claude Opus 4 & Claude Sonnet 4"),
    # added in session 17
    ("As Why Language Models Hallucinate argues, graders reward guessing.", "Why Language Models Hallucinate",
     "ARXIV:2509.04664"),
    ("Model Organisms for Emergent Misalignment made it easy to reproduce.", "Model Organisms for Emergent Misalignment",
     "ARXIV:2506.11613"),
    ("Yudkowsky's Coherent Extrapolated Volition came first.", "Coherent Extrapolated Volition", "Coherent Extrapolated Volition"),
    ("Richard Ngo's AGI safety from first principles is the standard introduction.", "AGI safety from first principles",
     "AGI safety from first principles"),
    # added in session 18
    ("Agents were scored on SafeArena and Agent-SafetyBench.", "Agent-SafetyBench", "ARXIV:2412.14470"),
    ("Sycophancy was measured with ELEPHANT and BrokenMath.", "BrokenMath", "ARXIV:2510.04721"),
    ("As Thought Crime showed, reasoning models can be backdoored.", "Thought Crime", "ARXIV:2506.13206"),
    ("The Two-Hop Curse is not universal.", "Two-Hop Curse", "ARXIV:2411.16353"),
    ("As The Jailbreak Tax shows, refusals cost accuracy.", "The Jailbreak Tax", "ARXIV:2504.10694"),
    ("Circuits were scored on the MIB benchmark.", "MIB benchmark", "ARXIV:2504.13151"),
    ("Great Models Think Alike warns about correlated errors.", "Great Models Think Alike", "ARXIV:2502.04313"),
    ("Large Language Models Often Know When They Are Being Evaluated, and steering helps.",
     "Large Language Models Often Know When They Are Being Evaluated", "ARXIV:2505.23836"),
])
def test_benchmarks_data_sets_and_named_works_cite_their_paper(aliases, text, name, pid):
    """`pid` is the paper's id, or the exact title of a work the table matches by title (an id
    that no public page showed beside the title was not kept)."""
    found = {m.surface: m for m in listed(extract(text, aliases=aliases))}
    assert name in found, list(found)
    assert (found[name].id or found[name].alias_title) == pid and found[name].confidence == WORK


@pytest.mark.parametrize("text, name, pid", [
    ("The BART paper introduced denoising pre-training.", "BART", "ARXIV:1910.13461"),
    ("As the DreamerV3 paper shows, one setting suffices.", "DreamerV3", "ARXIV:2301.04104"),
    ("The Whisper paper trained on 680k hours.", "Whisper", "ARXIV:2212.04356"),
    ("The SHAP paper unified several attribution methods.", "SHAP", "ARXIV:1705.07874"),
    ("The LeNet-5 paper also introduced MNIST.", "LeNet-5", "DOI:10.1109/5.726791"),
    ("The AlphaGo Zero paper removed human games.", "AlphaGo Zero", "DOI:10.1038/nature24270"),
    # added in session 10
    ("The GPTQ paper quantised OPT-175B.", "GPTQ", "ARXIV:2210.17323"),
    ("The DAPO paper removed the KL term.", "DAPO", "ARXIV:2503.14476"),
    ("As the vLLM paper shows, paging helps.", "vLLM", "ARXIV:2309.06180"),
    # added in session 16
    ("The GSPO paper clips whole sequences.", "GSPO", "ARXIV:2507.18071"),
    ("As the Kimi K2 paper reports, MuonClip keeps logits bounded.", "Kimi K2", "ARXIV:2507.20534"),
    # added in session 17
    ("The Tracr paper compiles RASP programs.", "Tracr", "ARXIV:2301.05062"),
    ("The RMU paper misdirects activations on hazardous text.", "RMU", "ARXIV:2403.03218"),
    ("The DGM paper reports that agents hacked their reward.", "DGM", "ARXIV:2505.22954"),
    # added in session 18
    ("The NPO paper treats forget examples as dispreferred.", "NPO", "ARXIV:2404.05868"),
    ("The Coconut paper feeds hidden states back as inputs.", "Coconut", "ARXIV:2412.06769"),
    ("As the Genie paper shows, latent actions can be learned from video.", "Genie", "ARXIV:2402.15391"),
    ("The ShieldGemma paper reports AU-PRC.", "ShieldGemma", "ARXIV:2407.21772"),
    ("The pi0 paper uses flow matching for actions.", "pi0", "ARXIV:2410.24164"),
    ("The TTRL paper uses majority votes as labels.", "TTRL", "ARXIV:2504.16084"),
])
def test_a_model_or_method_with_a_cue_cites_its_paper(aliases, text, name, pid):
    hits = [h for h in aliases.find(text) if h.name in (name, name + " paper")]
    assert hits and hits[0].alias.id == pid and hits[0].cued


@pytest.mark.parametrize("text, name", [
    ("We fine-tune BART and DeBERTa on the task.", "BART"),
    ("Feature attributions were computed with SHAP and integrated gradients.", "SHAP"),
    ("Transcriptions come from Whisper.", "Whisper"),
    ("The encoder is a ResNeXt with a DINO head.", "DINO"),
    ("We compare DPO, IPO and ORPO.", "IPO"),
    ("AlphaGo Zero learns two functions.", "AlphaGo Zero"),
    # added in session 10
    ("We quantise with GPTQ and AWQ.", "GPTQ"),
    ("Training used mixup and CutMix.", "CutMix"),
    ("Serving runs on vLLM behind a load balancer.", "vLLM"),
    # added in session 16
    ("We train with GSPO and RLOO.", "GSPO"),
    ("Transcripts from Kimi K2 and gpt-oss were graded.", "Kimi K2"),
    # added in session 17
    ("We compiled the circuit with Tracr first.", "Tracr"),
    ("Unlearning with RMU and NPO left traces.", "RMU"),
    ("Ask it to be corrected towards good things like CEV.", "CEV"),
    # added in session 18
    ("Unlearning with NPO and SimNPO left traces.", "NPO"),
    ("We train with REINFORCE++ and GRPO.", "REINFORCE++"),
    ("Coconut oil and lime were on the table.", "Coconut"),
    ("The Genie granted three wishes.", "Genie"),
    ("Harmful outputs were filtered by ShieldGemma.", "ShieldGemma"),
])
def test_a_model_or_method_used_as_a_thing_is_not_a_citation(aliases, text, name):
    assert name not in [h.name for h in aliases.find(text)]
    assert name not in [m.surface for m in listed(extract(text, aliases=aliases)) if m.confidence == WORK]


def test_words_and_other_acronyms_are_not_nicknames(aliases):
    """Names left out or kept case-sensitive so that ordinary prose stays prose."""
    text = ("The race was close. We mask the [MASK] token. A fever, a sam, the SSD drive. "
            "The model swag was good. They mend fences. Whisper it quietly.")
    assert [h.name for h in aliases.find(text)] == []


def test_a_three_word_title_that_is_a_phrase_counts_only_capitalised(aliases):
    """"Natural Adversarial Examples" is a paper and also what prose calls the thing: written in
    lower case it is the thing; a longer title ("language models are few-shot learners") is a
    name in any case."""
    assert aliases.find('Search for papers on "natural adversarial examples" or generative adversarial networks.') == []
    assert [h.alias.id for h in aliases.find("Natural Adversarial Examples (Hendrycks et al.) built ImageNet-A.")] == \
        ["ARXIV:1907.07174", "ARXIV:1907.07174"]
    assert [h.alias.id for h in aliases.find("as language models are few-shot learners showed")] == ["ARXIV:2005.14165"]


def _flat_longest_first(names: list[str], flags: int) -> re.Pattern:
    """The names as one flat alternation sorted longest first, each space any run of white space:
    what the prefix-tree pattern must find the same as. Its alternatives are grouped by their first
    character, each group behind a lookahead on that character (no two groups' characters match the
    same character of the text, checked here): at any position only one group can match, and inside
    it the alternatives are tried longest first, so it finds what the plain alternation finds; the
    plain one, whose 5,800 alternatives are each tried at every position (in any case they are not
    skipped on a first-character check), cost 43 of this test's 45 s of CPU."""
    from itertools import permutations

    groups: dict[str, list[str]] = {}
    for n in sorted(set(names), key=len, reverse=True):
        groups.setdefault(n[0], []).append(re.escape(n).replace(r"\ ", r"\s+"))
    assert not [(a, b) for a, b in permutations(groups, 2) if re.fullmatch(re.escape(a), b, flags)]
    body = "|".join(f"(?={re.escape(c)})(?:{'|'.join(alts)})" for c, alts in groups.items())
    return re.compile(rf"(?<![\w\-])(?:{body})(?![\w\-]|\.\w)", flags)


def test_the_prefix_tree_pattern_finds_what_a_flat_longest_first_alternation_finds(aliases):
    """The table's names are matched by one prefix-tree pattern (kb.grounding.aliases._trie_body)
    instead of a flat alternation sorted longest first: the same matches, found 20-25 times
    faster. Checked on every seed and evaluation document, and on names that are prefixes of
    each other, with runs of white space and different case."""
    from kb.grounding.aliases import _alternation, _has_upper

    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "data" / "seeds").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "tests" / "data" / "grounding_eval").glob("*/*.txt"))]
    texts.append("Llama 2 beat Llama, and Llama  2-Chat did not; GPT-4o, GPT-4 and GPT-4 Technical Report "
                 "too; the gpt-4 technical report; llama 2.")
    text = "\n".join(texts)
    names = list(aliases._by_name) + ["Llama", "Llama 2", "Llama 2-Chat", "GPT-4", "GPT-4o", "GPT-4 Technical Report"]
    for chosen, flags in (([n for n in names if _has_upper(n)], 0), ([n.lower() for n in names], re.I)):
        flat = _flat_longest_first(chosen, flags)
        tree = _alternation(chosen, flags)
        expected = [m.span() for m in flat.finditer(text)]
        assert [m.span() for m in tree.finditer(text)] == expected and len(expected) > 300


def test_names_of_three_words_or_more_are_found_as_the_prefix_tree_pattern_finds_them(aliases):
    """Names of three words or more (mostly full titles) are looked up by their second word
    (kb.grounding.aliases._LongNames) instead of compiled into the prefix-tree pattern, which cost
    0.3 s of CPU per process with the table's 2,500 such names: the same hits, leftmost and longest
    first, on every seed and evaluation document and on the edges of the patterns' rules (a quote
    or bracket before the first word, runs of white space, a hyphen, a file name's extension)."""
    from kb.grounding.aliases import _LongNames, _alternation, _has_upper, _long

    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "data" / "seeds").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "tests" / "data" / "grounding_eval").glob("*/*.txt"))]
    texts.append('"language models are few-shot learners" and (Language  Models are\nFew-Shot Learners). '
                 "language models are few-shot learners-ish, xlanguage models are few-shot learners, "
                 "language models are few-shot learners.txt; Risks from Learned Optimization.")
    text = "\n".join(texts)

    def leftmost_longest(spans):
        kept = []
        for s, e in sorted(spans, key=lambda x: (x[0], x[0] - x[1])):
            if not kept or s >= kept[-1][1]:
                kept.append((s, e))
        return kept

    for fold in (False, True):
        names = [n for n in aliases._by_name if _long(n) and _has_upper(n) != fold]
        expected = [m.span() for m in _alternation(names, re.I if fold else 0).finditer(text)]
        assert leftmost_longest(_LongNames(names, fold=fold).spans(text)) == expected and len(expected) > 200


def test_posts_and_books_added_in_session_10_are_found_by_their_short_names(aliases):
    text = ("After the Waluigi Effect post and the sharp left turn post, I reread AGI Ruin, "
            "Meditations on Moloch and Sutton and Barto.")
    kinds = {h.name: h.alias.kind for h in aliases.find(text)}
    assert kinds == {"Waluigi Effect post": "post", "sharp left turn post": "post", "AGI Ruin": "post",
                     "Meditations on Moloch": "post", "Sutton and Barto": "book"}, kinds


def test_titles_that_are_also_phrases_need_a_cue(aliases):
    """"Lost in the Middle", "Connecting the Dots", "Taken out of context", "Tell me about
    yourself" are papers and also what prose says: without a cue they are the phrase."""
    text = ("He was lost in the middle of the night, connecting the dots. He needs a Jiminy Cricket. Taken out of context, "
            "the quote misleads. Tell me about yourself, she said.")
    assert [h.name for h in aliases.find(text)] == []
    assert [h.alias.id for h in aliases.find("Lost in the Middle (Liu et al., 2023) shows the U-curve.")] == ["ARXIV:2307.03172"]


def test_the_parsed_form_is_current_and_reads_as_the_toml_does(tmp_path, monkeypatch):
    """data/aliases_parsed.json spares every process parsing the TOML: it must hold the tables as
    they are, and a table edited since (or a stale or damaged form) is read from its TOML."""
    from kb.grounding import aliases

    rebuild = "out of date: run python scripts/build_known_titles.py"
    assert aliases.PARSED_PATH.read_text(encoding="utf-8") == aliases.parsed_text(), rebuild
    from_toml = aliases._parse(aliases.CURATED_PATH, "curated") + aliases._parse(SHIPPED_PATH, "shipped")
    assert aliases._shipped_tables() == from_toml
    edited = tmp_path / "aliases.toml"
    edited.write_text(SHIPPED_PATH.read_text(encoding="utf-8") + '\n[[alias]]\nnames = ["Zqx Bench"]\n'
                      'id = "ARXIV:2401.00001"\n', encoding="utf-8")
    monkeypatch.setattr(aliases, "SHIPPED_PATH", edited)
    assert aliases._shipped_tables()[-1].names == ("Zqx Bench",)
    monkeypatch.setattr(aliases, "SHIPPED_PATH", SHIPPED_PATH)
    for damaged in ("{", '{"digest": null}', "[]"):
        (tmp_path / "parsed.json").write_text(damaged, encoding="utf-8")
        monkeypatch.setattr(aliases, "PARSED_PATH", tmp_path / "parsed.json")
        assert aliases._shipped_tables() == from_toml


def test_the_kept_prefix_trees_are_the_ones_the_names_give(tmp_path, monkeypatch):
    """The two prefix trees' text kept beside kb's bytecode (kb.pycache) is used only for the
    names it was built from: other names (a user's aliases) get their own trees, kept in turn."""
    from kb import pycache
    from kb.grounding import aliases

    kept = tmp_path / "alias_tries.marshal"
    monkeypatch.setattr(pycache, "cache_path", lambda name: kept)
    monkeypatch.setattr(pycache, "may_write", lambda: True)
    exact, folded = frozenset({"Llama 2", "Llama", "GPT-4"}), frozenset({"sleeper agents paper"})
    fresh = (aliases._trie_body(list(exact)), aliases._trie_body(list(folded)))
    assert aliases._trie_bodies(exact, folded) == fresh and kept.is_file()
    assert aliases._trie_bodies(exact, folded) == fresh                     # read back
    other = exact | {"Zqx Bench"}
    assert aliases._trie_bodies(other, frozenset()) == (aliases._trie_body(list(other)), None)
    assert pycache.read(kept, b"kb-alias-tries-1 %d" % aliases.zlib.crc32(Path(aliases.__file__).read_bytes()))[0] \
        == (sorted(other), [])


def test_a_name_with_an_apostrophe_is_found_with_a_curly_one(aliases):
    hit = {h.name: h for h in aliases.find("Read Anthropic\u2019s RSP, then try Humanity\u2019s Last Exam.")}
    assert hit["Anthropic\u2019s RSP"].alias.title == "Anthropic's Responsible Scaling Policy"
    assert hit["Humanity\u2019s Last Exam"].alias is aliases.lookup("Humanity's Last Exam")
    assert aliases.lookup("Anthropic\u2019s RSP") is aliases.lookup("Anthropic's RSP")
    # a curly quote closing a quotation is not an apostrophe inside a name
    assert not aliases.find("he said \u2018Anthropic\u2019 s RSP")


def test_a_known_name_in_quotes_before_its_kind_of_work_names_it(aliases):
    text = ('Unlike the "emergent misalignment" paper\'s data, the \u201csleeper agents\u201d paper and the '
            '"GPT-3" paper say so. A "quiet drifting" paper is nobody\'s.')
    hits = {h.name: h.alias.title for h in aliases.find(text)}
    assert hits['"emergent misalignment" paper'].startswith("Emergent Misalignment")
    assert hits["\u201csleeper agents\u201d paper"].startswith("Sleeper Agents")
    assert hits['"GPT-3" paper'] == "Language Models are Few-Shot Learners"      # a cue for a model's name
    assert not any("quiet" in n for n in hits)
    assert not aliases.find('the word "emergent misalignment" was used')         # no kind of work after it


def test_an_agency_or_a_word_is_no_session_18_name(aliases):
    """"NSA" (Native Sparse Attention) and "SAFE" (the LongFact paper's checker) are left out:
    "the NSA report" is the agency's; "L1" and "MRT" are other things' names; "poser" is a word."""
    text = "The NSA report and the SAFE act cite an L1 penalty and MRT scans. He is a poser."
    assert [h.name for h in aliases.find(text)] == []


def test_a_spelled_out_name_in_title_case_names_its_paper(aliases):
    """Session 18: a method's spelled-out name written in title case ("Negative Preference
    Optimization", "Chain of Continuous Thought") was already read as a title; with its entry it
    names the paper without a cue, while its acronym ("NPO", "Coconut") still needs one."""
    hits = {h.name: h for h in aliases.find("Negative Preference Optimization and Chain of Continuous Thought differ.")}
    assert hits["Negative Preference Optimization"].alias.id == "ARXIV:2404.05868" and hits["Negative Preference Optimization"].cued
    assert hits["Chain of Continuous Thought"].alias.id == "ARXIV:2412.06769" and hits["Chain of Continuous Thought"].cued
