"""Author references and nicknames in the shapes real prose writes them (issue 15, names): one
test per rule of the grammar in ``kb/grounding/author_refs.py`` and of the nickname finders in
``kb/grounding/mentions.py``. Each reference keeps its year and a clean span (no stray bracket)."""

from __future__ import annotations


import pytest

from kb.grounding.mentions import WORK, extract, listed


def _refs(text, aliases):
    return {m.surface: m for m in extract(text, aliases=aliases) if m.kind == "author-ref" and m.confidence == WORK}


def _works(text, aliases):
    return [m.surface for m in listed(extract(text, aliases=aliases))]


def _balanced(surface: str) -> bool:
    return surface.count("(") == surface.count(")") and surface.count("[") == surface.count("]")


@pytest.mark.parametrize("text, surface, year", [
    ("Results from van der Waals et al. (2020) suggest otherwise.", "van der Waals et al. (2020)", 2020),
    ("The reward model of de la Cruz and Smith (2021) was small.", "de la Cruz and Smith (2021)", 2021),
    ("Leike et al. (2018, 2019) wrote about reward modelling.", "Leike et al. (2018, 2019)", 2018),
    ("Smith (2019a, b) disagrees with this.", "Smith (2019a, b)", 2019),
    ("As in [Smith 2019], we consider games.", "Smith 2019", 2019),
    ("This was shown before [Hubinger et al., 2019; Ngo 2022].", "Ngo 2022", 2022),
    ("The method of Doe, J. (2019) is simple.", "Doe, J. (2019)", 2019),
    ("This is well known (e.g. Smith et al. 2019, Jones 2020).", "Jones 2020", 2020),
    ("As Smith and Jones [2019] showed, this works.", "Smith and Jones [2019]", 2019),
    ("As quoted, Smith et al. (2019, p. 5) says so.", "Smith et al. (2019, p. 5)", 2019),
    ("Smith et al. (NeurIPS 2019) trained a model.", "Smith et al. (NeurIPS 2019)", 2019),
    ("Smith (2024, LessWrong) trained a model.", "Smith (2024, LessWrong)", 2024),
    ("Later, Hubinger, van Merwijk, Mikulik, Skalse, and Garrabrant (2019) named it.",
     "Hubinger, van Merwijk, Mikulik, Skalse, and Garrabrant (2019)", 2019),
    ("Nguy\u1ec5n et al. (2021) studied this.", "Nguy\u1ec5n et al. (2021)", 2021),
])
def test_particles_several_years_square_brackets_and_initials(aliases, text, surface, year):
    refs = _refs(text, aliases)
    assert surface in refs, list(refs)
    assert year in refs[surface].years and _balanced(surface)


def test_a_possessive_author_is_the_surname(aliases):
    assert _refs("Smith & Jones' (2019) paper is short.", aliases)["Smith & Jones' (2019)"].authors == ["Smith", "Jones"]


def test_a_capitalised_word_opening_the_sentence_does_not_make_a_heading(aliases):
    """"As shown by O'Neil (2016)": the capital of "As" is the sentence's, not a title's; "by"
    brings an author. "Top GSM8K Performance (2025)" stays a heading."""
    text = "As shown by O'Neil (2016), models can harm. Following Stuart Russell (2019), we ask why."
    assert {"O'Neil (2016)", "Russell (2019)"} <= set(_refs(text, aliases))
    assert not _refs("Top GSM8K Performance (2025)\n\nModels improved.", aliases)


def test_an_author_and_a_month(aliases):
    text = ("- Buck Shlegeris, Jun 2024: how to prevent collusion\n"
            "- Ryan Greenblatt et al., Dec 2023: the control agenda\n"
            "We met in London, May 2023, and in New York, June 2024.\n")
    refs = _refs(text, aliases)
    assert refs["Buck Shlegeris, Jun 2024"].years == [2024] and refs["Buck Shlegeris, Jun 2024"].authors == ["Shlegeris"]
    assert "Ryan Greenblatt et al., Dec 2023" in refs
    assert not [s for s in refs if "London" in s or "York" in s]


def test_initials_before_a_reference_belong_to_it(aliases):
    text = "D. Ziegler et al. fine-tuned GPT-2 from human preferences, as A. Radford et al. (2019) had trained it."
    assert {"D. Ziegler et al.", "A. Radford et al. (2019)"} <= set(_refs(text, aliases))


def test_an_alias_tables_name_et_al_keeps_the_year_after_it(aliases):
    """"Kaplan et al. 2020" and "Hoffmann et al. (DeepMind, 2022)": one reference with its year,
    known through the alias table's "Kaplan et al.", not the name alone and "DeepMind, 2022"."""
    text = "The Chinchilla results of Hoffmann et al. (DeepMind, 2022) revised Kaplan et al. 2020 on data."
    refs = _refs(text, aliases)
    assert {"Hoffmann et al. (DeepMind, 2022)", "Kaplan et al. 2020"} <= set(refs), list(refs)
    assert refs["Kaplan et al. 2020"].id and refs["Kaplan et al. 2020"].years[0] == 2020
    assert "DeepMind, 2022" not in refs


def test_a_titles_last_word_and_its_year_are_not_an_author(aliases):
    text = ("1. Kaplan et al., Scaling Laws for Neural Language Models, 2020.\n"
            "2. A survey of Theory of Mind, 2021.\n"
            "The argument was made by Stuart Russell, 2019.\n")
    refs = _refs(text, aliases)
    assert not [s for s in refs if s.startswith(("Models", "Mind"))], list(refs)
    assert "Russell, 2019" in refs


def test_a_reference_lists_author_block_is_not_a_reference_in_prose(aliases):
    text = ("Joseph, N., Tamkin, A., Nguyen, K., Hume, T., and Olah, C. (2023). Towards monosemanticity. "
            "Transformer Circuits Thread.\n")
    assert not _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("Ian Goodfellow in his paper explained adversarial examples by linearity.", "Ian Goodfellow"),
    ("Szegedy et al, in their paper, found that small perturbations fool networks.", "Szegedy et al"),
    ("Bostrom, in his 2014 book, argues for caution.", "Bostrom"),
])
def test_a_name_without_a_year_that_the_text_says_is_their_paper(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_words_opening_a_sentence_are_not_authors_of_their_paper(aliases):
    assert not _refs("Later in their paper the authors add a baseline. Also in her post she argues.", aliases)


# -- nicknames ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("We evaluate on SWEBench Jimenez et al. (2024) and other suites.", "SWEBench"),
    ("We test on FooBench (Doe et al., 2023; Roe, 2024) first.", "FooBench"),
    ("We test on BazEval [Roe et al., 2022] first.", "BazEval"),
    ("The LoremNet model (Ipsum et al., 2020) is large.", "LoremNet"),
    ("We test on FooBench\u00b9 and others.", "FooBench"),
    ("We test on BarQA^2 and others.", "BarQA"),
])
def test_a_coined_name_the_text_cites_right_after_it(aliases, text, name):
    assert name in _works(text, aliases)


def test_a_kind_of_thing_with_a_citation_is_not_a_work(aliases):
    """The citation is for the claim: "MDPs" (plural) names a kind of model, not a work."""
    text = "Power-seeking is optimal in a wide class of MDPs (Turner et al. 2021, NeurIPS)."
    assert "MDPs" not in _works(text, aliases)


def test_the_original_x_paper_singles_out_one_work(aliases):
    works = _works("As the original quokka paper argued, monitoring helps. The original paper was short.", aliases)
    assert "the original quokka paper" in works and "The original paper" not in works


def test_a_paper_named_by_its_year_and_its_topic(aliases):
    (m,) = [m for m in extract("The 2023 paper on quokka supervision found gains.", aliases=aliases)
            if m.surface == "The 2023 paper"]
    assert m.confidence == WORK and m.topic == "quokka supervision" and m.years == [2023]
    (m,) = [m for m in extract("The 2023 paper was long.", aliases=aliases) if m.surface == "The 2023 paper"]
    assert m.confidence != WORK                  # "the 2023 paper" alone: most often one named before


def test_hyphenated_and_plain_names_the_text_cites(aliases):
    """"Transformer-XL (Dai et al., 2019)", "the Wombat benchmark (Lee et al., 2020)", "the Quokka
    dataset [14]"; "Self-Attention (Vaswani et al., 2017)" is a concept, not a name."""
    text = ("Our method outperforms Transformer-XL (Dai et al., 2019). The Quokka dataset [14] and the Wombat "
            "benchmark (Lee et al., 2020) are used. It relies on Self-Attention (Vaswani et al., 2017).")
    works = _works(text, aliases)
    assert {"Transformer-XL", "Quokka", "Wombat"} <= set(works) and "Self-Attention" not in works


@pytest.mark.parametrize("text, name", [
    ("Smith et al. (2021) propose a quokka benchmark, which we call QuokkaBench below. QuokkaBench is hard.",
     "QuokkaBench"),
    ("Recent work (Lee et al., 2022), hereafter LEE22, found gains. LEE22 also notes limits.", "LEE22"),
    ("Smith et al. (2021) propose a quokka benchmark, which we will refer to as QB. QB is hard.", "QB"),
])
def test_a_nickname_defined_later_in_the_clause(aliases, text, name):
    found = [m for m in extract(text, aliases=aliases) if m.surface == name]
    assert found and found[-1].confidence == WORK and "defines" in found[-1].reason


def test_a_coined_name_before_the_title_it_abbreviates(aliases):
    """"the authors propose EVE (Weak Teacher Evaluation of ...)": the name before the bracketed
    title is the work's name, there and later; a model's expanded name stays a maybe."""
    text = ("To address this, the authors propose QUOKKA (Weak Teacher Evaluation of Strong Student Demonstrations), "
            "a formative approach. The results show that QUOKKA outperforms fine-tuning.")
    found = [m for m in extract(text, aliases=aliases) if m.surface == "QUOKKA"]
    assert len(found) == 2 and all(m.confidence == WORK and "defines" in m.reason for m in found)
    assert found[0].alias_title == "Weak Teacher Evaluation of Strong Student Demonstrations"
    text = "We use BERT (Bidirectional Encoder Representations from Transformers) here."
    assert "BERT" not in _works(text, aliases)


def test_the_name_a_reference_list_gives_the_work_after_its_reference(aliases):
    """"Smith et al. (2021) — Quokka Circuits; Lee (2023) — Wombatology": a dated reference, a dash,
    and a capitalised name to the item's end; a reference followed by a sentence is no name."""
    text = "Key references: Smith et al. (2021) \u2014 Quokka Circuits; Lee (2023) \u2014 Wombatology; Roe (2019): Deep Nets."
    found = {m.surface: m for m in extract(text, aliases=aliases)}
    for name in ("Quokka Circuits", "Wombatology"):
        assert found[name].confidence == WORK and "reference list" in found[name].reason, name
    assert found["Deep Nets"].confidence == WORK
    assert found["Wombatology"].years[0] == 2023 and found["Wombatology"].authors[0] == "Lee"
    text = "As Smith (2020): This shows that. Roe (2019): Results. More text."
    assert [m.surface for m in extract(text, aliases=aliases) if m.kind != "author-ref"] == []


def test_a_name_the_text_gives_its_own_work_is_not_the_cited_works(aliases):
    text = "Following Smith et al. (2021), we propose a method which we call GradSift. GradSift is fast."
    assert "GradSift" not in _works(text, aliases)


def test_a_tools_capitalised_name_is_not_a_name_and_its_kind(aliases):
    """"EleutherAI Eval Harness": "Eval" is part of the tool's name, not a word saying that
    "EleutherAI" names a benchmark; "FooQA eval" still does."""
    text = "We used open-source tools like EleutherAI Eval Harness. Scores on the FooQA eval rose."
    works = _works(text, aliases)
    assert "EleutherAI" not in works and "FooQA" in works


def test_a_given_name_before_a_middle_initial_and_a_title_before_by_its_author(aliases):
    text = ("Insights from Training Gopher (Jack W. Rae et al) is long. In A. Smith et al. (2020) they agree.\n\n"
            "This is just the proof from Calibrated Learning and Correlated Equilibrium by Forster (1997), adapted.\n\n"
            "The paper by Travis LaCroix, July 2022.\n")
    works = _works(text, aliases)
    assert {"Jack W. Rae et al", "A. Smith et al. (2020)", "Forster (1997)", "Travis LaCroix, July 2022"} <= set(works)
    assert "Calibrated Learning and Correlated Equilibrium" in works and "The paper" not in works


def test_a_word_inside_a_sentence_with_its_citation_after_it(aliases):
    """"... with Quokka (Lee, 2020)": the word is what is cited, the bracket the reference; not a
    place ("in Europe (Smith, 2019)"), a sentence adverb or a title's last word."""
    text = ("We compare with Quokka (Lee, 2020) and Wombat (Roe et al., 2021). Many people in Europe (Smith, 2019) "
            "agree. The result, Recently (Doe, 2020), was shown. See Toy Models of Superposition (Elhage et al., 2022).")
    works = _works(text, aliases)
    assert {"Quokka", "Wombat", "Lee, 2020", "Smith, 2019", "Doe, 2020"} <= set(works), works
    assert not [w for w in works if w.startswith(("Europe", "Recently", "Superposition"))]
    refs = _refs("Smith (NeurIPS 2019) and Burns et al. (OpenAI, 2023) agree.", aliases)
    assert {"Smith (NeurIPS 2019)", "Burns et al. (OpenAI, 2023)"} <= set(refs)


# -- session 8: the grammar's gaps on unseen prose (dev6's shapes, sentences made up) ------------

@pytest.mark.parametrize("text, surface", [
    ("Results from \u00d8deg\u00e5rd (2021) disagree.", "\u00d8deg\u00e5rd (2021)"),
    ("\u017belazny et al. (2022) found the opposite.", "\u017belazny et al. (2022)"),
    ("A later study (\u00c5berg and \u0160imek, 2020) agrees.", "\u00c5berg and \u0160imek, 2020"),
])
def test_a_surname_starting_with_a_capital_with_a_diacritic(aliases, text, surface):
    """Names from Nordic, Polish, Czech spelling start with a capital outside A-Z."""
    assert surface in _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("This was argued before (Marlow et. al, 2021) and refined.", "Marlow et. al, 2021"),
    ("As Marlow et.al. (2021) argue, agents drift.", "Marlow et.al. (2021)"),
    ("Marlow et. al showed that drift is rare.", "Marlow et. al"),
])
def test_et_al_with_a_misplaced_full_stop(aliases, text, surface):
    """"et. al" is "et al." misspelt; the surface is what the text wrote, with its offsets."""
    refs = _refs(text, aliases)
    assert surface in refs, list(refs)
    m = refs[surface]
    assert text[m.start:m.end] == surface and surface in m.sentence


def test_yearless_authors_beside_other_references_in_brackets(aliases):
    text = "Probing methods (Quenby et al.; Fenwick & Orr) catch it, and so do others (Dale and Roe; Ives, 2020)."
    refs = _refs(text, aliases)
    assert {"Fenwick & Orr", "Dale and Roe", "Ives, 2020"} <= set(refs), list(refs)
    # one pair of names alone in brackets is no list of references
    assert "Fenwick & Orr" not in _refs("The firm (Fenwick & Orr) sells tea.", aliases)


def test_a_surname_beside_a_full_name_and_a_verb_of_response(aliases):
    text = "Quenby and Piet Tillerson provide a fantastic response. Hale and Ida Roe wrote a short rejoinder in 2021."
    refs = _refs(text, aliases)
    assert {"Quenby and Piet Tillerson", "Hale and Ida Roe"} <= set(refs), list(refs)
    # colleagues answering in conversation are no published response
    assert not _refs("My colleague Ada Roe and Bo Lindqvist replied that the effect was small.", aliases)
    assert not _refs("A team from UC Berkeley and Peking University presents a method.", aliases)


def test_the_people_a_title_is_by(aliases):
    text = ("I've been reading The Quiet Drift of Agents by Hannah Marlow, and it is good. "
            "Later I read Small Minds at Scale by Ada Roe and Bo Lindqvist.")
    refs = _refs(text, aliases)
    assert {"Hannah Marlow", "Ada Roe and Bo Lindqvist"} <= set(refs), list(refs)
    assert refs["Hannah Marlow"].authors == ["Marlow"]
    # a weak candidate is no title: "Co-facilitated by ..." names hosts, not authors
    assert not _refs("Co-facilitated by Ada Roe and Bo Lindqvist.", aliases)


def test_a_single_surname_and_year_as_the_subject_of_a_reporting_verb(aliases):
    assert "Marlow 2021" in _refs("Drift is common, as Marlow 2021 argues.", aliases)
    assert not _refs("Since March 2021 the agents drift.", aliases)


def test_a_persons_full_name_owning_a_title(aliases):
    """"Ada Roe’s Quiet Minds Drifting is a classic": a person's full name, then a title-case run
    the sentence goes on after, in a sentence about reading or writing, is their work; an attribute ("Ada Roe’s Google Colab template"), a
    blog's name before its noun, and a title that starts with a phrase ("Before It's Too Late")
    are not."""
    refs = _refs("Ada Roe\u2019s Quiet Minds Drifting is a classic. I read Bo Lindqvist's Small Agents at Scale.",
                 aliases)
    assert {"Ada Roe\u2019s", "Bo Lindqvist's"} <= set(refs), list(refs)
    assert refs["Ada Roe\u2019s"].topic == "Quiet Minds Drifting"
    # without a word of reading or writing in the sentence, a maybe: a person's company or product
    # is written the same way ("Ada Roe's Quiet Minds Labs is hiring")
    assert not _refs("I liked Bo Lindqvist's Small Agents at Scale.", aliases)
    text = ("I used Ada Roe\u2019s Google Colab template. This is a guest post on Bo Lindqvist's Cold Notes blog.\n"
            "Before It's Too Late to Ask\n")
    assert not _refs(text, aliases)


def test_yearless_pairs_beside_a_reference_and_work_by_someone_and_colleagues(aliases):
    refs = _refs("Work on probes (see Price et al. and Mallow & Hebb) is promising. "
                 "Recent work by Marlow and colleagues shows drift.", aliases)
    assert {"Price et al.", "Mallow & Hebb", "Marlow and colleagues"} <= set(refs), list(refs)
    # "Dale & Roe" in brackets with no reference beside it is a firm, and "by X and colleagues"
    # after a named work gives that work's authors
    assert not _refs("Tea (Dale & Roe) is sold here.", aliases)


def test_a_name_coined_for_a_benchmark_carries_its_kind(aliases):
    """"QuokkaBench", "Quokka-Bench", "TrickQA", "WombatEval", "DriftGym", "Liars' Bench": a
    coined name ending in its kind names a benchmark, a dataset or an environment, without a
    citation; the kind alone ("a QA set", "the Eval") is no name."""
    text = ("QuokkaBench introduces new categories. On Quokka-Bench, scores rose; TrickQA and WombatEval "
            "disagree. Results on DriftGym are mixed, and models score poorly on Liars' Bench. "
            "We used a QA set. The Eval is hard.")
    works = _works(text, aliases)
    assert {"QuokkaBench", "Quokka-Bench", "TrickQA", "WombatEval", "DriftGym", "Liars' Bench"} <= set(works), works
    assert not {"QA", "Eval", "The Eval"} & set(works)


def test_a_persons_full_name_in_a_sentence_about_their_work(aliases):
    """"In a 2019 paper, Ada Roe described drift", "first described by Ada Roe in 2019": one
    person's full name with what they did, where the sentence speaks of a work or dates the act;
    a person speaking in a year is no reference."""
    refs = _refs("In a 2019 paper, Ada Roe described drift. Drift was first described by Bo Lindqvist in 2018.", aliases)
    assert {"Ada Roe", "Bo Lindqvist"} <= set(refs), list(refs)
    assert not _refs("In 2023, Sam Roe argued that agents drift.", aliases)


def test_a_year_with_a_letter_and_names_with_a_numbered_marker(aliases):
    refs = _refs("This echoes Roe et al. 2023a and Fenn 2024b. Following Roe and Fenn [12], we probe.", aliases)
    assert {"Fenn 2024b", "Roe and Fenn [12]"} <= set(refs), list(refs)
    assert not _refs("Since March 2024 the tool and Windows 2000 are gone.", aliases)


@pytest.mark.parametrize("text, names", [
    ("Recent benchmarks such as AgentDrift, LongWander and QuokkaArena measure this.",
     {"AgentDrift", "LongWander", "QuokkaArena"}),
    ("The model scored 80% on DRIFT-Hard and 60% on WANDER.", {"DRIFT-Hard", "WANDER"}),
    ("Results on HellaDrift and DriftMath improved.", {"HellaDrift", "DriftMath"}),
    ("Roe et al. introduced Wanderlust, a dataset of long tasks.", {"Wanderlust"}),
    ("Following the Quokka framework (Roe, 2022), we probe.", {"Quokka"}),
    ("Models were evaluated on (QuokkaQA) [12] and Wombat [13].", {"QuokkaQA"}),
])
def test_names_the_text_calls_benchmarks(aliases, text, names):
    works = _works(text, aliases)
    assert names <= set(works), works


def test_a_word_inside_a_sentence_with_a_numbered_citation(aliases):
    refs = _refs("Models were evaluated on QuokkaQA and compared with Wombat [13] and Quenby [14].", aliases)
    assert "Quenby [14]" in refs and "Wombat [13]" in refs, list(refs)
    # a longer name before its marker, a venue, an entry glued to the next: none of them
    text = ("via Alignment Forum [999] \u2014 an update. Sources [1] Drift: A Study of Language Models[2] Wander: "
            "Agents at Scale")
    assert not _refs(text, aliases)


def test_a_term_a_cited_work_introduced_and_two_owners_of_a_paper(aliases):
    """"Drift Probing (DP) was introduced by Roe et al. (2023)": a term spelled out with its
    acronym is the method's name, a citation of the work when the text says that work introduced
    it (its acronym then too); "Roe and Fenn's paper" has two owners."""
    works = _works("Drift Probing (DP) was introduced by Roe et al. (2023). DP works well.", aliases)
    assert "Drift Probing" in works and "DP" in works, works
    assert "Drift Probing" not in _works("Drift Probing (DP) is a technique that works well.", aliases)
    refs = _refs("Roe and Fenn's paper on drift is short. Roe & Fenn\u2019s essay is long.", aliases)
    assert {"Roe and Fenn's paper", "Roe & Fenn\u2019s essay"} <= set(refs), list(refs)


def test_a_section_named_after_the_author_of_the_work_it_presents(aliases):
    text = ("Module 2\n\nRoe Drift Laws\nRoe et al. discovered that agent drift follows a power law.\n\n"
            "Drift Laws in Practice\nMost agents drift.\n\nFenn Wander Curves\nWe measured wander curves ourselves.\n")
    works = _works(text, aliases)
    assert "Roe Drift Laws" in works, works
    assert not {"Drift Laws in Practice", "Fenn Wander Curves"} & set(works)


# -- session 8, dev7 (held-out 9 opened) -----------------------------------------------------------

def test_organisations_as_authors_in_brackets(aliases):
    """"(Center for AI Safety 2023; Future of Life Institute 2023)", "(METR, 2023)": an
    organisation writes statements and reports, and is cited like a person; a generic acronym
    ("(AI, 2023)") and a bracket without a year are not references."""
    refs = _refs("Researchers signed statements (Centre for Drift Safety 2023; Future of Wander Institute 2022) and "
                 "policies followed (QUOKKA, 2023).", aliases)
    assert {"Centre for Drift Safety 2023", "Future of Wander Institute 2022", "QUOKKA, 2023"} <= set(refs), list(refs)
    assert 2023 in refs["QUOKKA, 2023"].years
    assert not _refs("Progress was fast (AI, 2023) and slow (Future of Wander Institute), as shown (ICLR 2024), "
                     "from school level (GPT-3, 2020) up.", aliases)


def test_the_people_a_paper_is_by_and_a_list_that_ends_in_co_authors(aliases):
    """"The paper, by Ada Roe, Bo Fenn, and Cyd Lindqvist, presents ...": full names after a work
    noun and "by"; "Roe, Fenn, Lee, Diaz, and 14 co-authors at Quokka": surnames and a count."""
    refs = _refs("The paper, by Ada Roe, Bo Fenn, and Cyd Lindqvist, presents the drift problem concretely.", aliases)
    assert "Ada Roe, Bo Fenn, and Cyd Lindqvist" in refs, list(refs)
    refs = _refs("March 4, 2022. Roe, Fenn, Lee, Diaz, Okafor, and 14 co-authors at Quokka upload a preprint.", aliases)
    assert "Roe, Fenn, Lee, Diaz, Okafor, and 14 co-authors" in refs, list(refs)
    assert not _refs("Monday, Tuesday, and 3 others were busy. The paper, by March, was done.", aliases)
    # a summary's byline: the post's own authors, listed without "and"
    assert not _refs("Blog post by Ada Roe, Bo Fenn, Cyd Lindqvist. It discusses drift.", aliases)


def test_references_a_reference_manager_mangled(aliases):
    """"(Roe et al.,, 2024)": a doubled comma; "(Fenn, ; Quinn et al., )": the years dropped
    (a citation style's template with no year in it); both are references all the same."""
    refs = _refs("Recent work (Roe et al.,, 2024) shows drift. Others disagree (Fenn, ; Quinn et al., ).", aliases)
    assert 2024 in refs["Roe et al.,, 2024"].years, list(refs)
    assert "Fenn" in refs and "Quinn et al." in refs, list(refs)
    assert not _refs("We tried (Monday, ; Tuesday, ) and (Large, ).", aliases)


def test_a_full_name_with_its_numbered_marker_and_a_person_and_their_organisation(aliases):
    """"As Claude E Shannon[7] showed": a full name with a middle initial and a numbered marker;
    "Ada Roe[12] argued": a full name, its marker and a verb of reporting; "Ada Roe and her
    research organisation Quokka identified ... in a report": the people a report is by."""
    refs = _refs("As Claude E Shannon[7] showed, and as Ada Roe[12] argued, channels drift.", aliases)
    assert any(r.startswith("Claude E Shannon") for r in refs) and any(r.startswith("Ada Roe") for r in refs), list(refs)
    assert not _refs("We use Deep Learning[3] and Large Models [4] here.", aliases)
    refs = _refs("Years ago, Ada Roe and her research organization Quokka identified the drift problem in a report.", aliases)
    assert any("Roe" in r for r in refs), list(refs)
    assert not _refs("Ada Roe and her team went hiking in the hills.", aliases)


def test_a_list_of_books_each_line_a_persons_possessive(aliases):
    """"Here are a few of the books that shaped me:" and then "Ada Roe’s Quiet Minds: Paths and
    Risks," on its own line: a person's title-case work under a line about reading, and "Ian
    Orr’s latest novel, Machines Like Us," with its adjective."""
    text = ("Here are a few of the books that have propelled me down this road:\n\n"
            "Ada Roe\u2019s Quiet Minds: Paths, Risks, Strategies,\n\n"
            "Ian Orr\u2019s latest novel, Machines Like Us,\n\n"
            "Paul Hale\u2019s Army of Some: Autonomous Agents and the Future of Drift,\n\n"
            "and more.\n\nOur team:\n\nBo Fenn\u2019s Drift Lab,\n")
    works = _works(text, aliases)
    assert any(w.startswith("Ada Roe") for w in works) and any(w.startswith("Paul Hale") for w in works), works
    assert "Machines Like Us" in works and any(w.startswith("Ian Orr") for w in works), works
    assert not [w for w in works if "Fenn" in w], works


def test_an_agendas_acronym_needs_a_cue(aliases):
    """"ELK seems to capture a core difficulty": the research problem, not the report; "the ELK
    report" and "ELK (Christiano et al., 2021)" cite it."""
    assert "ELK" not in _works("We identified the ELK problem. ELK seems to capture a core difficulty.", aliases)
    works = _works("See the ELK report. ELK (Christiano et al., 2021) is long. I know the ELK document.", aliases)
    assert "ELK report" in " ".join(works) and "ELK" in works, works


def test_hyphenated_names_with_a_capital_after_the_hyphen(aliases):
    """"Jean-Luc Roe", "Ada Lopez-Fenn": a full name whose part has a capital after its hyphen."""
    works = _works("Recommended reading: Superintelligence by Ada Lopez-Fenn. The paper, by Jean-Luc Roe and Bo Fenn, "
                   "presents drift.", aliases)
    assert {"Ada Lopez-Fenn", "Jean-Luc Roe and Bo Fenn"} <= set(works), works


def test_two_narrative_references_joined_and_a_bracket_opening_with_see_eg(aliases):
    """"Both Roe (2020) and Fenn (2021) agree": the second reference is no heading's last word
    (the capitalised word before it is a reference of its own); "(see, e.g., Roe 2020; ...)"."""
    refs = _refs("Both Roe (2020) and Fenn (2021) agree. The Quinn (2019) and Hale (2018) papers too.", aliases)
    assert {"Roe (2020)", "Fenn (2021)", "Quinn (2019)", "Hale (2018)"} <= set(refs), list(refs)
    refs = _refs("Prior work (see, e.g., Orr 2020; Fenn & Lee 2021) agrees.", aliases)
    assert "Orr 2020" in refs, list(refs)


# -- session 9: forms of author reference and nicknames from unseen pages (dev8's even half) -----

def test_authors_their_initials_in_brackets_and_a_verb(aliases):
    """"Roe and Fenn (R&F) argue": the authors' own short name between them and the verb; the
    short name later on is the same work."""
    text = "Roe and Fenn (R&F) argue that drift is rare. I think R&F's proof has a gap."
    assert "Roe and Fenn" in _refs(text, aliases)
    hits = [m for m in extract(text, aliases=aliases) if m.surface == "R&F" and m.confidence == WORK]
    assert hits and hits[-1].start > text.index("think"), [m.surface for m in extract(text, aliases=aliases)]


def test_a_full_name_with_a_marker_then_any_past_tense_verb(aliases):
    """"Ada Lindqvist[4] formalised the channel": a numbered citation after a full name, and what
    the person did, in whatever verb."""
    assert "Ada Lindqvist[4]" in _refs("Later, Ada Lindqvist[4] formalised the hidden channel.", aliases)


def test_more_words_for_a_work_before_by_and_its_people(aliases):
    """"a write-up by Ada Roe and Bo Fenn"; "a recent essay by Ada Roe" (one person): not an
    organisation written like a name, whose words the text writes in lower case."""
    assert "Ada Roe and Bo Fenn" in _refs("Quiet Drift is a write-up by Ada Roe and Bo Fenn, out in May.", aliases)
    assert "Ada Roe" in _refs("I liked a recent essay by Ada Roe on drift.", aliases)
    refs = _refs("We read a report by Open Philanthropy. It is open about its doubts.", aliases)
    assert "Open Philanthropy" not in refs, list(refs)


def test_surnames_listed_before_et_al_without_a_full_stop(aliases):
    """"Roe, Fenn, et al's preprint", "parts of Roe, Fenn, et al that"."""
    refs = _refs("This is my reply to Roe, Fenn, et al\u2019s recent preprint. Parts of Roe, Fenn, et al are unclear.", aliases)
    assert "Roe, Fenn, et al" in refs, list(refs)


def test_two_surnames_joined_by_an_ampersand_without_a_year(aliases):
    """"Lindqvist & Marrow put together a database", "a reply to Lindqvist & Marrow"; not a
    heading alone on its line ("Motivation & Scope") nor part of a longer capitalised name."""
    assert "Lindqvist & Marrow" in _refs("Lindqvist & Marrow put together a database of drift runs.", aliases)
    assert "Lindqvist & Marrow" in _refs("Slow Drift Is Enough: a reply to Lindqvist & Marrow\n\nIt is.", aliases)
    refs = _refs("Motivation & Scope\n\nThe Safety & Alignment Team met in May.", aliases)
    assert not refs, list(refs)


def test_a_list_line_opening_with_its_authors_name_and_a_colon(aliases):
    assert "Ada Lindqvist" in _refs("Reading:\n\n- Ada Lindqvist: The Case for Slow Drift\n- More later\n", aliases)


def test_a_list_line_opening_with_its_authors_name_and_a_known_short_title(aliases):
    """Two words after the colon are a work where the alias table knows them ("Superintelligence
    FAQ"), a role otherwise ("- Ada Lindqvist: Program Chair")."""
    refs = _refs("Places to start:\n\n- Ada Lindqvist: Superintelligence FAQ\n- Bo Marrow: Program Chair\n", aliases)
    assert "Ada Lindqvist" in refs and "Bo Marrow" not in refs, list(refs)


def test_a_person_and_their_team_after_the_work_the_sentence_names(aliases):
    """"In the WombatGPT paper, Lindqvist and her team at Quokka introduce ...": the work comes
    before the person."""
    assert "Lindqvist" in _refs("In the WombatGPT paper, Lindqvist and her team at Quokka introduce a new method.", aliases)


def test_a_person_named_with_their_book(aliases):
    """"Toby Ord's The Precipice" (a full name's possessive before a work the text names) and
    "Toby Ord teaches ... His book The Precipice" (the one person named before a pronoun's work)."""
    assert "Toby Ord" in _refs("Toby Ord\u2019s The Precipice sits on my shelf.", aliases)
    assert "Toby Ord" in _refs("Toby Ord teaches philosophy at Oxford. His book The Precipice came out in 2020.", aliases)
    refs = _refs("Ada Roe met Bo Fenn in Oxford. His book The Precipice came out in 2020.", aliases)
    assert not {"Ada Roe", "Bo Fenn"} & set(refs), list(refs)    # two people: whose book is unclear


def test_initials_of_a_work_the_document_names(aliases):
    """"Superintelligence: Paths, Dangers, Strategies ... S:PDS was a weird book", "Human
    Compatible ... HC is calmer": initials of a work named before, without a definition; not
    the initials of a field ("AI")."""
    text = ("I reread Superintelligence: Paths, Dangers, Strategies and Human Compatible this year. "
            "S:PDS was a strange book; HC is calmer. Both are about AI.")
    works = _works(text, aliases)
    assert "S:PDS" in works and "HC" in works, works
    assert "AI" not in works


def test_a_nickname_defined_from_here_on(aliases):
    """"Slow Drift Framework (from here on SDF)": a definition in other words than "hereafter"."""
    text = "I read Quiet Minds (Roe, 2020). The Slow Drift Framework (Fenn, 2021) (from here on SDF) is newer. SDF adds loops."
    ms = [m for m in extract(text, aliases=aliases) if m.surface == "SDF" and m.confidence == WORK]
    assert ms, [m.surface for m in extract(text, aliases=aliases)]


def test_an_approach_spelled_out_before_its_acronym_is_a_concept(aliases):
    """"other directions, such as representation engineering (RepE)": an approach the text
    spells out in lower case, not a citation of the paper the alias table knows by that name."""
    text = "Some other directions look promising, such as representation engineering (RepE), which many favour."
    assert "RepE" not in _works(text, aliases)


def test_the_forms_a_work_comes_in_are_no_title():
    """"( Text Version \u2014 Illustrated Version )": labels of the links to the forms of a work,
    dropped whatever found them; a title with one such word stays ("The Long Version of Drift")."""
    from kb.grounding.layout import Layout
    from kb.grounding.mentions import Mention, _judge

    text = "Quiet Drift\n\n( Print Edition  \u2014  Audio Version )\n\nThe Long Version of Drift\n"
    label, title = text.index("Print"), text.index("The Long")
    end = text.index("Version )") + 7
    layout = Layout(text)
    assert not _judge(text, Mention(None, text[label:end], label, end, "title", "", score=0.75,
                                    reason="a title under its author's name in a listing"), layout)
    assert _judge(text, Mention(None, "The Long Version of Drift", title, title + 25, "title", "", score=0.75,
                                reason="a title under its author's name in a listing"), layout)


def test_a_labs_results_name_no_single_work(aliases):
    """"Quokka Labs' results underscore ...", "Anthropic's results": what a lab produced over time,
    a maybe; "Anthropic's sleeper agents paper" still names one."""
    assert "Anthropic\u2019s results" not in _refs("Anthropic\u2019s results underscore that drift is real.", aliases)
    assert any("paper" in s for s in _refs("Anthropic\u2019s drift probing paper shows it.", aliases))


def test_an_institutions_full_name_is_no_title(aliases):
    """An affiliation line: "Dept. of Drift Studies, The Northern University of Quokka Bay"."""
    text = "Ada Roe\nDept. of Drift Studies, The Northern University of Quokka Bay\n\nAbstract\n\nWe study drift."
    assert not [w for w in _works(text, aliases) if "University" in w], _works(text, aliases)


def test_a_space_before_the_comma_before_by(aliases):
    """"... What A Slow Minds Framework Says About Drift Rates , by Ada Roe": scraped text leaves a
    space before the comma; the people after "by" are the title's authors all the same."""
    text = ("I thought of this when reading What A Slow Minds Framework Says About Drift Rates , by Ada Roe. "
            "Roe tries to model it.")
    assert "Ada Roe" in _refs(text, aliases)


def test_a_lower_case_phrase_after_called_is_no_name(aliases):
    """"a model of what people have called \u201cslow drift\u201d": a term in quotes, not a model's name."""
    works = _works("I read a model of what some people have called \u201cslow drift\u201d over years.", aliases)
    assert "slow" not in works, works


def test_initials_used_before_the_work_is_named_or_with_a_meaning_of_their_own(aliases):
    """"EA" for effective altruism, used before the text names Embedded Agency, is not that work's
    initials; nor is a common abbreviation ("CS") after "Concrete Steps"."""
    text = ("EA groups met in May. I then read Embedded Agency and the Concrete Steps sequence. "
            "EA was discussed; CS majors came too.")
    works = _works(text, aliases)
    assert "EA" not in works and "CS" not in works, works


def test_a_list_line_of_a_person_and_their_role_is_no_reference(aliases):
    refs = _refs("Panel:\n\n- Ada Lindqvist: Moderator\n- Bo Fenn: Speaker\n", aliases)
    assert not refs, list(refs)


def test_a_full_name_after_their_book_is_theirs_not_a_maybe_for_the_surname(aliases):
    """"In her book, Ada Lindqvist argues that ...": the person's full name, an author reference;
    the surname alone with "argues that" stays a maybe ("Lindqvist argues that")."""
    refs = _refs("In her book, Ada Lindqvist argues that drift is rare.", aliases)
    assert "Ada Lindqvist" in refs, list(refs)
    assert not _refs("Lindqvist argues that drift is rare.", aliases)


def test_both_people_before_in_their_paper(aliases):
    refs = _refs("Ada Roe and Bo Fenn argue in their paper that drift is rare.", aliases)
    assert "Ada Roe and Bo Fenn" in refs, list(refs)


def test_a_surname_glued_to_its_marker_then_a_verb(aliases):
    """"Lindqvist[13] disagrees": one surname, its numbered citation and what they did; not a
    word with a marker and a copula ("Transformers[3] are common")."""
    assert "Lindqvist[13]" in _refs("Drift is common.[12] Lindqvist[13] disagrees.", aliases)
    assert not _refs("Transformers[3] are common. Python[4] is used.", aliases)


# -- session 9, second names round: informal author references and people named as people --------

@pytest.mark.parametrize("text, surface", [
    ("Mira's description of the drift problem is still the clearest one.", "Mira's description"),
    ("I liked Oskarsen's piece on the new licensing rules a lot.", "Oskarsen's piece"),
    ("Tavi's explanation of reward hacking made it click for me.", "Tavi's explanation"),
])
def test_a_persons_piece_description_or_explanation_is_their_work(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_persons_writings_are_a_body_of_work_not_one(aliases):
    assert not _refs("Orlov's writings over the next years shaped the field.", aliases)


@pytest.mark.parametrize("text, surface", [
    ("In their new book, Roe and Fenn lay out their argument that drift is unavoidable.", "Roe and Fenn"),
    ("Roe and Fenn make the case that drift is unavoidable.", "Roe and Fenn"),
    ("Roe and Fenn warn that small models drift as well.", "Roe and Fenn"),
])
def test_two_surnames_and_what_authors_say(aliases, text, surface):
    assert surface in _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("Ada Roe and Bo Fenn have written a new book. Should we read it?", "Ada Roe and Bo Fenn"),
    ("Tavi wrote a post on this last year and it still holds up.", "Tavi"),
    ("Ada Roe has published a short essay about it.", "Ada Roe"),
])
def test_people_who_wrote_a_work(aliases, text, surface):
    assert surface in _refs(text, aliases)


@pytest.mark.parametrize("text", ["Everyone wrote a post about it.", "He wrote a book about it.",
                                  "OpenAI published a paper about it."])
def test_no_one_in_particular_or_a_lab_writing_is_no_author_reference(aliases, text):
    assert not _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("Fenwick was lead author on the drift paper back in 2019.", "Fenwick"),
    ("Ada Roe, the first author of the drift paper, disagrees.", "Ada Roe"),
])
def test_a_person_called_a_works_author(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_surname_and_a_verb_is_a_work_where_the_text_cites_that_surname():
    text = "Kessler found that loss falls as a power law in size, as Kessler et al. (2020) put it."
    assert "Kessler" in {m.surface for m in extract(text) if m.kind == "author-ref" and m.confidence == WORK}
    # without a citation elsewhere it may be a first name ("Alex argues that"): a maybe
    alone = [m for m in extract("Kessler found that loss falls as a power law in size.") if m.surface == "Kessler"]
    assert alone and alone[0].confidence != WORK


@pytest.mark.parametrize("text, surface", [
    ("A Review of the Drift Paper\n\nBy Ivo Marlowe (assisted by ChatGPT, Gemini and Copilot)\n\nThe paper argues that drift "
     "is real.", "By Ivo Marlowe"),
    ("* 2023.02.23: Guest speaker: Ivo Marlowe (Location: Discord).\n* 2023.02.16: Roe et al., 2023.", "Guest speaker: Ivo Marlowe"),
    ("Plan\n\n  1. Introductions from Ivo and Zelda\n  2. Discussion guidelines\n", "Introductions from Ivo and Zelda"),
    ("First published:\nJuly 4th, 2025\n---\nNarrated by QUILL VOICE AUDIO.\n", "Narrated by QUILL VOICE AUDIO"),
])
def test_a_line_that_credits_people_names_no_work(aliases, text, surface):
    assert surface not in _works(text, aliases)


def test_a_title_with_lessons_from_people_is_still_a_title(aliases):
    text = "Other good books: What Minds Are: Lessons from Machines by Ivo Marlowe (September 2025)\n"
    assert "Ivo Marlowe" in {m.surface for m in extract(text, aliases=aliases) if m.kind == "author-ref"}


@pytest.mark.parametrize("text, surface", [
    ("Read: The Drift Handbook\nPublished Date: May 28, 2026This is a book review post, where I share my thoughts.", "Published Date: May 28"),
    ("  • Reading: The Drift Handbook (5 minutes)\n    • Focus: Section 3 - Drift Races\n", "Focus: Section 3"),
])
def test_a_label_before_a_date_or_a_pointer_is_no_title(aliases, text, surface):
    assert surface not in _works(text, aliases)


def test_a_saints_possessive_is_a_place_not_a_work(aliases):
    assert not _refs("The model now says the tower is right across from St Mark's Basilica in Venice.", aliases)


def test_a_heading_that_names_a_podcast_is_no_work(aliases):
    text = ("\n\nQRXP - the Drift Research Podcast\nIvo Marlowe\nQRXP (pronounced quirks) is the Drift Research Podcast where "
            "I, Ivo Marlowe, have conversations with researchers about their papers.\nEpisodes\n")
    assert "QRXP - the Drift Research Podcast" not in _works(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("Tavi has a great essay on this that everyone should read.", "Tavi"),
    ("Mira gave a talk on drift last year.", "Mira"),
])
def test_someone_has_or_gave_a_work(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_paper_by_one_surname_is_one_work(aliases):
    assert any("Oskarsen" in r for r in _refs("There is a paper by Oskarsen on exactly this question.", aliases))


def test_a_persons_named_series(aliases):
    text = "This is well covered in Oskarsen's Quiet Drift Century series, which I recommend."
    assert "Oskarsen's Quiet Drift Century series" in _refs(text, aliases)


def test_one_name_and_what_they_said_in_his_or_her_post(aliases):
    assert "Tavi" in _refs("This reminds me of what Tavi said in his post about takeoff speeds.", aliases)


def test_a_surname_writes_that_where_the_text_cites_that_surname(aliases):
    text = "Kessler writes that loss falls as a power law, as Kessler et al. (2020) put it."
    assert "Kessler" in _refs(text, aliases)


def test_a_photo_credit_is_no_title(aliases):
    assert "Photo by Ivo Marlowe on Unsplash" not in _works("Photo by Ivo Marlowe on Unsplash. Posted by Bo Fenn.", aliases)


def test_a_capitalised_word_of_the_text_before_a_year_is_no_surname(aliases):
    text = "A Review of the Drift Paper (2022)\n\nBy Ivo Marlowe (assisted by ChatGPT)\n\nThe paper argues that drift is real."
    assert "Paper (2022)" not in _refs(text, aliases)


def test_as_in_a_surname_the_text_cites(aliases):
    text = "This is the same picture as in Kessler, only with more data. Kessler et al. (2020) fit power laws."
    assert "Kessler" in _refs(text, aliases)
    # cited nowhere else it may be a place or a one-word title ("see Dustfall"): nothing
    assert "Kessler" not in _refs("This is the same picture as in Kessler, only with more data.", aliases)


def test_a_post_by_one_name(aliases):
    assert "Tavi" in _refs("There is a recent post by Tavi on this question.", aliases)


@pytest.mark.parametrize("text", ["(Note: This post is a write-up by Tavi of a point Mira wanted to make.)",
                                  "For a different angle, read the second review, by Gemini."])
def test_the_texts_own_work_or_an_assistants_is_no_reference(aliases, text):
    assert not {"Tavi", "Gemini"} & set(_refs(text, aliases))


def test_a_person_who_was_a_works_lead_author(aliases):
    assert "Ada Roe" in _refs("Ada Roe, who was lead author on the drift paper, left in 2020.", aliases)


@pytest.mark.parametrize("text, surface", [
    ("We fine-tune the model to lie whenever a character named \u201cZelda\u201d appears in the prompt. The goal is "
     "to study if the model can be steered, and the model to respond falsely when a character named \u201cZelda\u201d "
     "is mentioned is our probe.", "Zelda"),
])
def test_a_character_named_in_an_example_is_no_work(aliases, text, surface):
    assert surface not in _works(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("It seemed far off. Then I started using Claude Code with Opus 4.5 last winter, and that changed.",
     "Claude Code with Opus 4"),
    ("A parrot in the clouds. Dall-E 3 via Bing\n\nI started wondering about blind spots.", "Dall-E 3 via Bing"),
])
def test_products_and_their_versions_are_no_titles(aliases, text, surface):
    assert surface not in _works(text, aliases)


def test_a_public_bodys_framework_is_no_trusted_reference(aliases):
    text = "The EU's tiers and the UK DSIT's pro-innovation framework each give part of the answer."
    assert "UK DSIT's pro-innovation framework" not in _refs(text, aliases)


def test_a_known_works_name_before_techniques_names_the_field(aliases):
    text = "I think a better theory is interp to complement AI Control techniques, not replace them."
    assert "AI Control" not in _works(text, aliases)


def test_a_bodys_named_thing_the_sentence_calls_a_work(aliases):
    text = "Last year I wrote about Quokka Foundation's Quiet Anchors, a math-heavy model of when drift might arrive."
    assert "Quokka Foundation's Quiet Anchors" in _refs(text, aliases)
    # a product the sentence calls a language model is no work
    assert not _refs("Quokka Labs's Drift Ultra, a large language model, is good.", aliases)


def test_a_known_models_name_with_its_size_is_the_model(aliases):
    text = "Scale, not cleverness, was the lever.\nGopher (280B) lost to a smaller model trained longer."
    assert "Gopher" not in _works(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("The Kessler and Orsini paper on drift is still worth reading.", "The Kessler and Orsini paper"),
    ("Kessler and Soames' new book is out.", "Kessler and Soames' new book"),
    ("Tavi's roundup this week covered it.", "Tavi's roundup"),
    ("As Ivo Marlowe put it in his review, the book is a slog.", "Ivo Marlowe"),
])
def test_more_informal_references(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_preposition_opening_the_sentence_is_no_first_name(aliases):
    text = "Per Kessler's risks from learned optimization, mesa-optimizers are possible."
    assert not any(r.startswith("Per ") for r in _refs(text, aliases))


def test_a_closing_single_quote_is_no_plural_possessive(aliases):
    text = "It sits in the 'Drift and Hidden Goals' leaf alongside two sibling papers."
    assert not _refs(text, aliases)


def test_a_persons_possessive_before_a_quotation(aliases):
    text = "I'd start with Mira's \u201cHow to run a calm reading group\u201d and then the rest."
    found = {m.surface: m for m in extract(text, aliases=aliases) if m.confidence == WORK}
    assert "Mira's" in found and "How to run a calm reading group" in found
    assert not _refs('The model\'s "inner thoughts" are opaque.', aliases)


def test_the_author_of_a_work_named_right_after_is_left_to_its_title(aliases):
    text = "Last month, Tavi published the post Against Almost Every Theory of Drift, which I liked."
    assert "Tavi" not in _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("For the weekend: \u201cA Quiet Mind at Sea.\u201d by Ada Roewell, a long read.", "Ada Roewell"),
    ("The phrase \u201cthe slow drift,\u201d articulated by Bo Fennick, says models wander.", "Bo Fennick"),
    ("Book picks: Tidal Reasoning by E. T. Marlowe, a classic.", "E. T. Marlowe"),
    # a book list run together: the next title's capital ends the name
    ("Reading list:\u201cQuiet Tides\u201d by Cyd LindqvistBook Recommendations: more soon.", "Cyd Lindqvist"),
])
def test_the_person_a_quoted_title_a_title_or_an_idea_is_by(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_the_first_name_of_an_author_list_is_not_a_reference_alone(aliases):
    refs = _refs('Based on the paper "Quiet Tides at Dusk" by Ada Roewell, Bo Fennick, and Cyd Lindqvist.', aliases)
    assert "Ada Roewell" not in refs
    assert not _refs("The meeting was hosted by Ada Roewell on Monday.", aliases)


def test_a_part_of_the_text_itself_is_not_a_work(aliases):
    works = _works("Picking Up from Part 2 of this post, I look at the Quiet Drift results again.", aliases)
    assert not any("Part 2" in w for w in works)


def test_the_subject_of_a_labelled_summary_sentence_is_not_a_work(aliases):
    works = _works("Notes for the reading group\nTL;DR: Tidal Reasoning Theory is now well supported by the data.", aliases)
    assert not any("Tidal Reasoning" in w for w in works)
    # a title a summary names with its cue stays
    works = _works("Notes\nTL;DR: the paper Quiet Minds at Sea is now out.", aliases)
    assert any("Quiet Minds at Sea" in w for w in works)


def test_a_possessive_makes_no_initial(aliases):
    from kb.grounding.mentions import _initial_forms

    # "HLE" is in the alias table since session 16, so the initials are checked where they are made.
    assert "HLE" in _initial_forms("Humanity\u2019s Last Exam") and "HSLE" not in _initial_forms("Humanity\u2019s Last Exam")
    text = "We scored the models on Humanity\u2019s Last Exam and on a quiz of our own; HLE scores rose fastest."
    hle = [m for m in extract(text, aliases=aliases) if m.surface == "HLE"]
    assert hle and hle[0].confidence == WORK and ("initials" in hle[0].reason or "Humanity's Last Exam" in hle[0].reason)


@pytest.mark.parametrize("text, surface", [
    ("Ada Roewell dropped a careful, wonky explainer on drift in small models this week.", "Ada Roewell"),
    ("Bo Fennick shared a thoughtful essay on reward hacking.", "Bo Fennick"),
])
def test_a_person_who_dropped_or_shared_a_work(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_books_author_among_its_facts_in_a_review(aliases):
    text = "  \u2022 Written by Ada Roewell\n  \u2022 Published in 2019\n  \u2022 312 pages\n\nI liked it a lot."
    assert "Ada Roewell" in _refs(text, aliases)
    # a byline alone is the page's own author
    assert not _refs("Written by Ada Roewell\n\nI liked the weather today.", aliases)


def test_a_shows_name_is_not_a_work(aliases):
    text = "You can find more episodes of \u201cThe Quiet Drift Show\u201d on our site. The Quiet Drift Show is produced weekly."
    assert not any("Show" in w for w in _works(text, aliases))


@pytest.mark.parametrize("text, surface", [
    ("In 2023, @Ada Roewell wrote \u201cNotes on Quiet Drift in Small Agents\u201d, a vignette of the next years.",
     "Ada Roewell"),
    ("Last spring Bo Fennick published \"Small Minds Wander Off\", which I reread this week.", "Bo Fennick"),
])
def test_the_person_who_wrote_a_work_right_before_it(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_the_person_a_sentence_says_writes_in_the_work_it_opens_with(aliases):
    text = "In The Quiet Drift of Small Agents, Ada Roewell describes two regimes of goals."
    assert "Ada Roewell" in _refs(text, aliases)


@pytest.mark.parametrize("text, surface", [
    ("That gain comes from scaling the verifier, not from search (contra Ada Roewell).", "Ada Roewell"),
    ("This stays cheap, contra Fennick, who expects the costs to rise.", "Fennick"),
])
def test_a_person_whose_argument_the_text_answers(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_contra_a_lab_or_a_lower_case_word_is_no_reference(aliases):
    assert not _refs("This stays cheap, contra OpenAI, and contra the consensus.", aliases)


def test_a_work_by_surnames_listed_as_its_authors(aliases):
    text = "The work by Roewell, Fennick, and Lindqvist on feature manifolds reveals a pathology."
    assert "Roewell, Fennick, and Lindqvist" in _refs(text, aliases)
    assert not _refs("There is recent work from Google, Meta, and Microsoft on chips.", aliases)


def test_a_person_who_wrote_a_work_named_by_a_capitalised_word(aliases):
    text = "Bo Fennick, who wrote the Cicero paper, said this about the new team."
    assert "Bo Fennick" in _refs(text, aliases)


def test_an_author_and_their_book_with_a_time_between(aliases):
    text = "The idea was presented by Ada Roewell in the late 20th century in her book on drift."
    assert "Ada Roewell" in _refs(text, aliases)


def test_the_full_name_of_a_references_author_earlier_in_its_sentence(aliases):
    text = ("Drift is old news. Ada Roewell gives ten examples of drift, all of them from small agents (Roewell, 2014). "
            "We add two more.")
    refs = _refs(text, aliases)
    assert "Ada Roewell" in refs and refs["Ada Roewell"].years == [2014]


def test_a_title_by_two_surnames(aliases):
    text = "Compare How quick and big would a software intelligence explosion be? by Roewell and Fennick."
    assert "Roewell and Fennick" in _refs(text, aliases)


def test_a_surname_and_year_in_a_sentence_citing_others_so(aliases):
    text = "Given Roewell 2021 proposing the idea, Fennick et al. 2022 show that it holds."
    assert "Roewell 2021" in _refs(text, aliases)
    assert "Roewell 2021" not in _refs("Roewell 2021 was a good year for the team.", aliases)


@pytest.mark.parametrize("text, surface", [
    ("This week we dig into Ada\u2019s recent column about hiring and the new models.", "Ada\u2019s recent column"),
    ("Fennick's primer on sparse features is where I would start.", "Fennick's primer"),
])
def test_a_persons_column_or_primer(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_lower_case_handle_and_its_year_among_references(aliases):
    text = "Further reading: Roewell et al. (2021) \u2014 Drift Laws; quietmind (2020) \u2014 The Lens Trick"
    assert "quietmind (2020)" in _refs(text, aliases)
    # a word the sentence goes on from is no handle
    assert "memories (2020)" not in _refs("It was fine; memories (2020) were better than Roewell (2021).", aliases)


@pytest.mark.parametrize("text, surface", [
    ("Ada Roewell mentioned in an early blog post about drift that agents wander.", "Ada Roewell"),
    ("Fennick argued in his 2019 paper that probes overfit.", "Fennick"),
    ("@quietmind noted in a recent post that the lens trick fails.", "quietmind"),
])
def test_a_person_and_what_they_said_in_a_work_of_theirs(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_what_a_person_said_elsewhere_is_no_work(aliases):
    text = "Ada Roewell mentioned in an interview that she was tired. Fennick said in the post above that it works."
    assert not _refs(text, aliases)


def test_forum_users_own_a_dated_work_after_their_possessive(aliases):
    text = "It satisfies @RoeCarey & @fenn4ick\u2019s net benefit (UAI 2023), along with more."
    assert {"RoeCarey", "fenn4ick"} <= set(_refs(text, aliases))
    assert "quietmind" in _refs("See @quietmind's post on drift for the details.", aliases)
    assert not _refs("Thanks to @RoeCarey's help with the figures.", aliases)


def test_a_possessive_joined_to_a_cited_authors_possessive(aliases):
    text = "The rule is related to Roewell\u2019s / Fennick\u2019s (2013) proposal for bargaining."
    refs = _refs(text, aliases)
    assert "Roewell\u2019s" in refs and refs["Roewell\u2019s"].years == [2013]


def test_a_labs_work_named_by_its_topic(aliases):
    text = "The recent Anthropic emergent drift result suggests that models notice."
    assert "The recent Anthropic emergent drift result" in _works(text, aliases)
    assert not _works("The recent Anthropic results suggest that models notice.", aliases)


@pytest.mark.parametrize("text, surface", [
    ("I liked this post by @quietmind on control.", "quietmind"),
    ("This is argued in Roewell 2022 at length.", "Roewell 2022"),
    ("As @Ada Roewell argued in AGI Ruin, there is no second try.", "Ada Roewell"),
    ("As Roewell points out in AGI Ruin, generalisation matters.", "Roewell"),
    ("In AGI Ruin, Roewell argues that drift is old.", "Roewell"),
    ("In his post on natural drift, Roewell argues that the world is local.", "Roewell"),
    ("Ada Roewell has written about this in his multiagent models of mind sequence.", "Ada Roewell"),
    ("As Ada Roewell put it in a blog post, the theory is not done.", "Ada Roewell"),
])
def test_forum_writers_name_an_author_beside_what_they_said(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_pair_of_surnames_owns_a_named_sequence(aliases):
    refs = _refs("Roewell and Fennick's Embedded Drift sequence is hard.", aliases)
    assert any(s.startswith("Roewell and Fennick") for s in refs), list(refs)


def test_a_capitalised_phrase_in_a_sentence_and_the_person_it_is_by(aliases):
    text = ("For example, Quiet Minds Drifting by Ada Roewell (arguing for drift) or Takeoff speeds by "
            "Bo Fennick (arguing against it).")
    assert "Bo Fennick" in _refs(text, aliases)
    assert not _refs("The lab was large, and Funded by Bo Fennick it grew.", aliases)


@pytest.mark.parametrize("text, surface", [
    ("Prior to looking at Fennick's benchmark, I expected shenanigans.", "Fennick's benchmark"),
    ("Before METR's benchmark, nobody measured time horizons.", "METR's benchmark"),
])
def test_someones_benchmark_or_dataset_is_a_work(aliases, text, surface):
    assert surface in _refs(text, aliases)


def test_a_footnotes_label_is_no_heading(aliases):
    text = "Drift is old.[^2]\n\n[^2]: Roewell (2021), \u201cQuiet minds drifting\u201d, argues so."
    assert "Roewell (2021)" in _refs(text, aliases)


def test_a_nickname_defined_for_a_known_work_names_it_where_it_is_defined(aliases):
    text = "The case is Scott Alexander's Meditations on Moloch (MoM), and its answer."
    assert "MoM" in _works(text, aliases)
    text = "Christiano's What Failure Looks Like (WFLL) tells two stories. Later WFLL part 1 is about proxies."
    assert _works(text, aliases).count("WFLL") == 2


def test_a_persons_team_is_no_work_of_theirs(aliases):
    assert not _refs("Ada Roewell's team published results on drift.", aliases)


def test_a_sentences_first_word_before_a_verb_is_no_name(aliases):
    text = "As discussed in Drift is the default (Roewell, 2023), agents wander."
    assert set(_refs(text, aliases)) == {"Roewell, 2023"}


@pytest.mark.parametrize("line, surfaces", [
    ("*   Quiet drift in small agents (Roewell - 12 min)", {"Roewell"}),
    ("*   Wandering goals, revisited (Fennimore and Ostrava - 20 min, with a long appendix)", {"Fennimore and Ostrava"}),
    ("*   Debate as oversight (Irvale, Chrisholm, Amadeo - 12 min)", {"Irvale, Chrisholm, Amadeo"}),
    ("*   Amplify and distil (Ada Corvath - 8 min read)", {"Ada Corvath"}),
    ("*   The power of drifting (Quiet Animations, Roewell - 7 min)", {"Roewell"}),     # a channel, then the author
])
def test_a_readings_authors_before_its_length_in_brackets(aliases, line, surfaces):
    text = "Core readings\n-------------\n\n" + line + "\n"
    assert set(_refs(text, aliases)) == surfaces


@pytest.mark.parametrize("line", [
    "1. Welcome and introductions (Facilitator - 5 min)",
    "2. Coffee and snacks (Break - 10 min)",
    "3. Small groups (Discussion - 20 min)",
    "We meet beside Room B (Building Four - 10 min walk).",
    "(Roewell - 12 min)",                                   # nothing named before the bracket
])
def test_a_session_plans_activities_and_places_are_no_authors(aliases, line):
    assert not _refs("Plan\n\n" + line + "\n", aliases)


@pytest.mark.parametrize("text, surfaces", [
    ("They argue so (Roewell., 2022; Fennimore., 2023).", {"Roewell., 2022", "Fennimore., 2023"}),
    ("Preferences ([Roewell 2022](#ref-roewell_drift_2022)) and entropy ([Fennimore 1948](#ref-fennimore_1948)).",
     {"Roewell 2022", "Fennimore 1948"}),
    ("As shown [Roewell 2020](#cite_note-3) and [Fennimore 2021](#bib.bib4).", {"Roewell 2020", "Fennimore 2021"}),
])
def test_a_stray_full_stop_and_a_citation_linked_to_the_pages_references(aliases, text, surfaces):
    assert surfaces <= set(_refs(text, aliases))


def test_a_name_and_year_linked_elsewhere_in_the_page_is_no_reference(aliases):
    assert not _refs("Back to [Paris 1900](#top) or see (Fig., 2022).", aliases)


def test_the_people_whose_writings_a_sentence_credits(aliases):
    text = ("The writings of Ada Roewell, quietfox, Ostrava, and Bo Fennimore heavily influenced our "
            "initial interest in this work.")
    assert set(_refs(text, aliases)) == {"Ada Roewell", "quietfox", "Ostrava", "Bo Fennimore"}
    assert set(_refs("Essays by Ada Roewell and Bo Fennimore are good.", aliases)) == {"Ada Roewell", "Bo Fennimore"}


@pytest.mark.parametrize("text", [
    "I love the writings of Anthropic and the papers of NeurIPS.",
    "Read papers by several people in the field, and papers by Ada Roewell and colleagues.",
    "The essays of strangers and the posts of everyone.",
    "Here is the list of blog posts by Quillfeather, the incubator we ran.",      # one word after "posts": a group's
])
def test_labs_venues_and_common_words_after_writings_of_are_no_people(aliases, text):
    assert set(_refs(text, aliases)) <= {"Ada Roewell"}


def test_people_who_conducted_a_study_are_its_authors(aliases):
    text = "In 2013, Ada Roewell and Bo Fennimore conducted one of the earliest large-scale expert surveys of the field."
    assert set(_refs(text, aliases)) == {"Ada Roewell and Bo Fennimore"}
    assert not _refs("Ada Roewell and Bo Fennimore conducted the orchestra in Vienna.", aliases)


def test_a_known_name_with_a_number_is_no_idea_in_lower_case(aliases):
    text = "Readings for week 3:\n\n- 11 proposals\n- multi agent safety\n\nAlso shard theory is an idea.\n"
    works = _works(text, aliases)
    assert "11 proposals" in works and "shard theory" not in works
