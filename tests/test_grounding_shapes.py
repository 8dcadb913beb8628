"""Shapes of citation and of page furniture found on dev5 (issue 15, session 7), each a class of
text rather than a case: one test per rule in ``kb/grounding/``, each failing on the code before
it. The sentences are written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations


import pytest

from kb.grounding.mentions import WORK, extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


# -- names ---------------------------------------------------------------------------------------

def test_a_benchmark_name_split_by_a_pdfs_text_layer(aliases):
    """"Truthful QA", "Hella Swag": a PDF's text layer puts a space where the name's case turns;
    the alias table knows the name all the same. A name that needs a cue keeps needing one."""
    works = _works("Accuracy went up on Hella Swag and on Truthful QA, but not on Image Net.", aliases)
    assert works["Hella Swag"].id == aliases.lookup("HellaSwag").id
    assert works["Truthful QA"].id == aliases.lookup("TruthfulQA").id
    assert "Alpha Zero" not in _works("Alpha Zero plays chess.", aliases)


def test_an_enumerated_name_with_its_citation(aliases):
    """"(iii) FooQ A (Ling et al., 2017)": an enumerated item that is a short capitalised name
    and its citation names a work, whatever its spelling; a bare year is not a citation."""
    text = ("We use three sets: (i) Wombat QA (Lee et al., 2020); (ii) BarQ A (Roe and Doe, 2019); "
            "and (iii) Quokka (2018).")
    works = _works(text, aliases)
    assert works["Wombat QA"].confidence == WORK and works["BarQ A"].confidence == WORK
    assert works["Wombat QA"].years[0] == 2020
    assert "Quokka" not in works


def test_the_x_textbook(aliases):
    """"the ASES textbook": a textbook is a work as a paper is."""
    works = _works("I made flashcards from the FOOS textbook and the Zebra handbook.", aliases)
    assert "the FOOS textbook" in works and "the Zebra handbook" in works


def test_a_full_name_and_a_few_words_before_his_post(aliases):
    """"the Jane Roe thing from her post": a person's full name, a few words, then "his / her /
    their post" names that person's work; one capitalised word there needs no words between
    ("Researchers describe this in their paper" is no reference)."""
    works = _works("It is time to do the Jane Roe thing from her post on memory.", aliases)
    assert works["Jane Roe"].kind == "author-ref"
    assert not [m for m in _works("Researchers describe this in their paper.", aliases).values()
                if m.kind == "author-ref"]


def test_authors_before_a_quoted_title_and_its_year(aliases):
    """'Roe & Doe, "Title" (2024)', 'Jane Roe, "Title" (2025)': a reference line's authors,
    its quoted title, then its year; a short surname is a name there ("Esther An")."""
    text = ('Further reading:\n'
            'Roe & Doe, "Strategies for Aligning Wombats" (2024)\n'
            'Jane An, "Towards Principled Wombat Alignment" (2025)\n'
            '- Ann Lee and Bo Kim, \u201cA Study of Quokkas\u201d, arXiv 2019.\n')
    works = _works(text, aliases)
    for names, year in (("Roe & Doe", 2024), ("Jane An", 2025), ("Ann Lee and Bo Kim", 2019)):
        assert works[names].kind == "author-ref" and works[names].years[0] == year, names


# -- what is not a work ----------------------------------------------------------------------

def test_a_name_before_a_plural_word_for_works_is_their_topic(aliases):
    """"the best Wombat Safety papers of 2023", "facts about Harry Quokka books": a capitalised
    run before a plural word for works says what they are about; "the Wombat Safety paper" is
    still one."""
    works = _works("We cover the best Wombat Safety papers of 2023. It forgot facts about Harry Quokka books "
                   "quickly.", aliases)
    assert not works, list(works)


def test_front_matter_and_navigation_are_the_pages_own(aliases):
    """A post's front matter holds its own title; "\u2190 Back to Reading Log" is a link home."""
    text = ('---\ntitle: "Composition Measures in Wombat Circuits"\ndate: 2022-09-11\ndraft: true\n---\n\n'
            "\u2190 Back to Reading Log\n\nThis builds on A Mathematical Framework for Transformer Circuits.\n")
    works = _works(text, aliases)
    assert list(works) == ["A Mathematical Framework for Transformer Circuits"], list(works)


def test_an_event_a_course_or_a_series_is_not_a_work(aliases):
    """A name whose head is a gathering or a course, quoted or not, and a name the text says is
    a podcast or a newsletter, are not works."""
    text = ("I did the Bluedot \u201cWombat Safety Operations Bootcamp\u201d last week!\n\n"
            "Wombat Safety Fundamentals: Alignment - A podcast by Quokka Impact\n\n"
            "Wombat Research Circle: Wombat Alignment, Unpacked\n\n"
            "We met at the Japan Wombat Alignment Conference and read Risks from Learned Optimization.\n")
    works = _works(text, aliases)
    assert list(works) == ["Risks from Learned Optimization"], list(works)


def test_a_task_the_text_spells_out_before_its_acronym_is_a_concept(aliases):
    """"a task called indirect object identification (IOI)": the acronym names a task there, not
    the paper the alias table knows it by; "the IOI paper" still cites it, and a method spelled
    out ("the fast gradient sign method (FGSM)") or a benchmark still names its paper."""
    works = _works("GPT-2 small performs a natural language task called indirect object identification (IOI). "
                   "The IOI paper explains it.", aliases)
    assert "IOI" not in works and "IOI paper" in works
    works = _works("We test on massive multitask language understanding (MMLU).", aliases)
    assert "MMLU" in works


def test_a_known_name_that_fills_a_markdown_heading_is_a_section(aliases):
    """"## Induction Heads" over a paragraph is a section about induction heads; the same name in
    prose, and the paper's full title, are citations."""
    text = ("## Induction Heads\n\nI studied how induction heads form. This follows "
            "In-context Learning and Induction Heads closely.\n")
    works = _works(text, aliases)
    assert "Induction Heads" not in works and "In-context Learning and Induction Heads" in works


def test_a_pages_title_over_notes_on_a_paper(aliases):
    """A page of notes on one paper opens with the paper's title: its first line is a work when
    the page goes on to speak of the paper ("The paper proposes", "Key Contributions"). A page's
    title over other prose, or a course's unit ("Week 5: ..."), stays a heading."""
    notes = ("Wombat Routing Beyond Sparse Quokka Gates\n\nOverview\n\nThe paper proposes a routing scheme "
             "for sparse models and tests it at scale.\n")
    assert "Wombat Routing Beyond Sparse Quokka Gates" in _works(notes, aliases)
    essay = ("The Wombat Revolution\n\nIn 2017 a team published a result that changed the field. The reviewers "
             "doubted it at first.\n")
    assert not _works(essay, aliases)
    unit = ("## Week 5: Causal Wombat Localization\n\nWhere in the network are facts computed? Correlation is "
            "not causation: a representation that encodes something need not be where the model uses it. This "
            "week introduces causal interventions.\n\nOne reading traces facts. The paper shows that middle "
            "layers matter.\n")
    assert not _works(unit, aliases)


def test_a_lost_full_stop_and_a_year_on_the_line_before(aliases):
    """"... the Wombat Reading Circle A community gathering": a lone "A" before a lower-case word
    opens the next sentence; and a reference's "(2025)" at the end of the line before is no cue
    for a title on the next line."""
    text = ('Jane An, "Towards Principled Wombat Alignment" (2025)\n'
            "About the Wombat Reading Circle A community gathering where we read papers. No background "
            "required.\n")
    works = _works(text, aliases)
    assert "About the Wombat Reading Circle" not in works and "About the Wombat Reading Circle A" not in works
    assert "Towards Principled Wombat Alignment" in works


def test_a_title_opening_a_paragraph_that_reports_what_it_did(aliases):
    """A newsletter's paragraph that opens with a paper's title and says what it did ("Large
    Wombat Model Unlearning used gradient ascent ...") names the paper; the same words before
    another verb do not gain from it."""
    text = ("Unlearning\n"
            "Large Wombat Model Unlearning used gradient ascent to remove unwanted completions.\n")
    assert "Large Wombat Model Unlearning" in _works(text, aliases)
    assert "Large Wombat Model Unlearning" not in _works("Unlearning\nLarge Wombat Model Unlearning is a hard "
                                                         "problem for everyone.\n", aliases)


# -- the held-aside half's shapes (dev5 odd pages, opened after its figures were taken) ------------

def test_a_short_reference_with_an_initial_before_its_title(aliases):
    """"Roe, J. et al. (2025) Title ...": a short reference with an initial and "et al." is one,
    even where it opens a reference's line; a long author block ("Olah, C., Smith, J. (2023).")
    is still a reference entry's authors, not a reference in prose."""
    works = _works("Roe, J. et al. (2025) Monitoring wombat models for misbehaviour at scale.", aliases)
    assert works["Roe, J. et al. (2025)"].kind == "author-ref"
    assert not [m for m in _works("Olah, C., Smith, J. (2023). A title of a wombat paper.", aliases).values()
                if m.kind == "author-ref"]


def test_a_name_and_year_before_a_links_arrow(aliases):
    """"Wei 2022 \u2197": a surname and a year before the arrow a page draws after a link is a
    citation; "Anthropic 2024" alone is not."""
    assert _works("Reasoning steps as exemplars. Roe 2022 \u2197 and more.", aliases)["Roe 2022"].kind == "author-ref"
    assert "Roe 2022" not in _works("In Roe 2022 we met.", aliases)


def test_full_names_and_what_they_published(aliases):
    """"In March, Jane Roe, Ann Lee, and Bo Kim published a strategy": people's full names and a
    verb of authorship; not places ("New York and San Francisco published rules") nor a title's
    words before the authors ("If Anyone Builds It, Everyone Dies, Jane Roe and Ann Lee argue")."""
    works = _works("What happened: In March, Jane Roe, Ann Lee, and Bo Kim published a strategy for it.", aliases)
    assert works["Jane Roe, Ann Lee, and Bo Kim"].kind == "author-ref"
    assert not [m for m in _works("New York and San Francisco published rules.", aliases).values()
                if m.kind == "author-ref"]
    works = _works("In Wombats Build It, Everyone Dies, Jane Roe and Ann Lee argue that it is so.", aliases)
    assert "Jane Roe and Ann Lee" in works


def test_an_activity_spelled_out_before_its_acronym_is_a_concept(aliases):
    """"by directly **eliciting latent knowledge ** (ELK)": a gerund's phrase spelled out before
    the acronym names an activity; "a technical report on eliciting latent knowledge (ELK)" names
    the report."""
    works = _works("We aim to avoid this by directly **eliciting latent knowledge ** (ELK) inside the model.", aliases)
    assert "ELK" not in works
    works = _works("ARC released a technical report on eliciting latent knowledge (ELK) last year.", aliases)
    assert "ELK" in works


def test_a_site_and_a_repositorys_file_are_not_works(aliases):
    """"See the MyST Documentation for reference", "(see README disclaimer)": a site and a file;
    a span after a cue stops at its closing bracket."""
    text = ("See the Wombat Documentation for reference. Study notes (see README disclaimer). "
            "Numbers follow the papers.")
    assert not _works(text, aliases), list(_works(text, aliases))


def test_a_line_that_labels_what_follows(aliases):
    """"Classic RL vs LLM-agent:" over a table is a label; a title broken after its colon, its
    subtitle on the next line, is still a title."""
    text = "Intro text here.\n\nClassic Wombat Learning vs Quokka Agents:\n\nDimension Classic Wombat\n"
    assert not _works(text, aliases)
    text = "Exploring Multilingual Wombat Probing in Large Models:\nA Cross-Language Analysis\nAbstract\nWe probe.\n"
    assert any(s.startswith("Exploring Multilingual Wombat Probing") for s in _works(text, aliases))


def test_a_plural_kind_after_a_word_is_no_name(aliases):
    """"in Large models [3]": a capitalised word before a plural kind is a description; "the
    Wombat benchmark [3]" names one."""
    works = _works("This references the phenomenon in Large models [3]. We use the Wombat benchmark [4].", aliases)
    assert "Large" not in works and "Wombat" in works


def test_a_paragraph_wrapped_in_a_tables_bars_is_prose(aliases):
    """A mirror that wraps a whole comment in "| ... |" makes it no table: a title in it is not a
    table cell."""
    prose = " ".join(["The gist is that a large model appears to over-fit and then the loss falls again."] * 4)
    text = f"| Parent comment refers to Double Wombat Descent in Human Learning [1, 2] here. {prose} |"
    assert "Double Wombat Descent in Human Learning" in _works(text, aliases)


def test_a_name_whose_flattened_footnote_cites_a_work(aliases):
    """"WoT2Provides intermediate steps ... Roe 2022 \u2197": a page's footnote number and text
    flattened into the line after a coined name; the footnote's reference makes the name a work's.
    A name glued to a digit without a reference in its note is not one."""
    text = ("Structure: direct answer \u2192 WoT2Provides intermediate steps as exemplars, improving tasks. "
            "Roe 2022 \u2197 \u2192 QuT4Expands reasoning into a tree. Lee 2023 \u2197 / search")
    works = _works(text, aliases)
    assert works["WoT"].confidence == WORK and works["QuT"].confidence == WORK
    assert "WoT" not in _works("We ran WoT2Provides a baseline for everything here.", aliases)


# -- classes from the older development parts' wrong surfaces -------------------------------------

def test_breadcrumbs_atop_the_page_are_navigation(aliases):
    """"Articles /Natural Wombat Processing /Part 3" over the page's title is a trail of links."""
    text = ("Articles /Natural Wombat Processing /Part 3\nScaling Wombats and Emergent Quokkas\nWhat happens when "
            "wombat models get bigger? They do new things at scale, as we will see below in some detail.\n")
    assert "Articles /Natural Wombat Processing /Part 3" not in _works(text, aliases)


def test_a_sections_or_a_units_label_is_not_a_title(aliases):
    """"## Presented By" over the authors, "Similar Papers", "Goal: Day 4 of ARBOx" label parts of
    a page; "Chapter 7 of A Brief History of Wombats" names the book it is part of."""
    text = ("# Being Bayesian about Wombat Probability\n\n## Presented By\n\nJane Roe, Ann Lee, Bo Kim\n\n"
            "Similar Papers\n\nGoal: Day 4 of WOMBox: Superposition\n\n")
    works = _works(text, aliases)
    assert not {"## Presented By", "Presented By", "Similar Papers", "Goal: Day 4 of WOMBox"} & set(works), list(works)
    works = _works("This is Chapter 7 of A Brief History of Wombat Intelligence.", aliases)
    assert "A Brief History of Wombat Intelligence" in works


def test_a_clause_in_the_passive_before_by_is_no_title(aliases):
    """A line that opens with "These were also introduced by Jane Roe." or "Discussion led by
    Dan." is a sentence, not a title and its author; a list of "title by author." lines is."""
    text = ("These were also introduced by Jane Roe.\nThis was proposed by Madry et al.\n"
            "Discussion led by Dan.\n")
    titles = [m.surface for m in _works(text, aliases).values() if m.kind == "title"]
    assert not titles, titles
    text = "concrete wombat problems by amodei et al.\nthe wombat alignment problem by ngo.\n"
    assert "concrete wombat problems" in _works(text, aliases)


def test_todays_post_is_nobodys(aliases):
    """"Today's post looks at ...": a day's possessive, not an author's."""
    assert not _works("Today\u2019s post looks at the most influential theorem.", aliases)


def test_lines_shaped_like_headings_with_no_prose_under_them_are_a_list_of_titles(aliases):
    """A page that lists papers one title to a line, under markdown headings, puts a title under a
    title: such lines, three or more, are works. A heading over prose is still a heading."""
    text = ("## **Alignment**\n\nWombat Honesty and Harmlessness via Deception Attacks\n\n"
            "Utility Engineering: Analyzing Emergent Value Systems in Wombats\n\n"
            "Quokkas to Subterfuge: Investigating Reward-Tampering in Wombats\n\n## **Applications**\n\n"
            "Benefits and Challenges of Military Wombats in the Field\n\n## **Other**\n\n"
            "The Wombat Problem in Practice\n\nA long paragraph of prose follows this heading, as prose does, "
            "and it goes on for a while to make the point that headings head prose.\n")
    works = _works(text, aliases)
    for title in ("Wombat Honesty and Harmlessness via Deception Attacks",
                  "Utility Engineering: Analyzing Emergent Value Systems in Wombats",
                  "Benefits and Challenges of Military Wombats in the Field"):
        assert title in works, (title, list(works))
    assert "The Wombat Problem in Practice" not in works


def test_a_tables_column_of_papers(aliases):
    """A reading group's schedule: under "| Date | Topic | Presenter |" each cell of the topic
    column names a work, whatever its case; the presenter column does not."""
    text = ("| Date   | Topic                  | Presenter |\n| ------ | ---------------------- | --------- |\n"
            "| Feb 3, 2026  | Activation Wombats     | Federico  |\n"
            "| Feb 10, 2026 | Weird quokka generalizations | Lukas     |\n")
    works = _works(text, aliases)
    assert "Activation Wombats" in works and "Weird quokka generalizations" in works
    assert "Federico" not in works and "Lukas" not in works


def test_a_references_venue_is_not_a_work(aliases):
    """After a reference's title: "FHI technical report." and "Essay in Noema Magazine." say
    where it appeared; "the GPT-4 Technical Report" is still a work."""
    text = ("Background: Drexler, 2019, Reframing Wombat Intelligence. FHI technical report.\n"
            "Blake Roe et al., 2023, \u201cThe illusion of wombat risk\u201d. Essay in Noema Magazine.\n")
    works = _works(text, aliases)
    assert "FHI technical report" not in works and "Essay in Noema Magazine" not in works, list(works)


def test_a_benchmarks_name_spelled_out_after_it(aliases):
    """"WOMB (Wombat Open Multitask Benchmark)": a name whose capitals are the initials of a
    bracketed spelling that names a benchmark or a dataset is the benchmark's name; "ARC
    (Alignment Research Center)" names no benchmark."""
    works = _works("We test on WOMB (Wombat Open Multitask Benchmark) too.", aliases)
    assert works["WOMB"].confidence == WORK
    assert "QRC" not in _works("The QRC (Quokka Research Center) team wrote it.", aliases)


def test_a_short_name_and_its_papers_arxiv_id(aliases):
    """"..., wombat-to-quokka (2312.09390) ...": a short name, then the arXiv id of its paper in
    brackets, is a nickname of that paper."""
    works = _works("It motivates oversight \u2014 wombat-to-quokka (2312.09390) \u2014 as the answer.", aliases)
    assert works["wombat-to-quokka"].id == "ARXIV:2312.09390"


def test_an_ideas_name_in_lower_case_is_the_idea(aliases):
    """"In my understanding, shard theory is a theory of ...", "leading power-seeking theorems do
    not establish ...": a known name of two or three words written in lower case names the idea;
    "the 2023 paper on weak-to-strong generalization" and a quoted name still cite the work."""
    works = _works("In my understanding, shard theory is a theory of values. Leading power-seeking theorems "
                   "do not establish it.", aliases)
    assert "shard theory" not in works and "power-seeking theorems" not in works, list(works)
    works = _works("The 2023 paper on weak-to-strong generalization from OpenAI is short.", aliases)
    assert any("weak-to-strong generalization" in w for w in works), list(works)


def test_an_idea_attributed_to_the_group_that_works_on_it_is_their_agenda(aliases):
    """"what Ought is doing with factored cognition", "what Conjecture uses for cognitive
    emulation": a lower-case idea a sentence attributes to a named group is that group's agenda,
    a work; the same idea said on its own is still the idea."""
    works = _works("It looks like what Wombat Labs is doing with shard theory, roughly.", aliases)
    assert any(m.alias_title or m.id for s, m in works.items() if "shard theory" in s), list(works)
    assert "shard theory" not in _works("In short, shard theory is a theory of values.", aliases)


# -- session 8 (dev6's even pages; sentences made up) ----------------------------------------------

def test_a_slides_capitalised_labels_are_no_authors_of_a_listing(aliases):
    """A slide deck's outline: labels in capitals ("CLASS", "PRE-CLASS") between lines of
    two-word topics, and a line citing its own authors, look like an author/title listing; they
    are not one, so the topics are not titles."""
    text = ("Readings\nRoe et al. 2019 Goal Drift in Small Agents\nWORKSHOP\nLAB\n"
            "Fenn et al. 2021 Agents That Wander: A Survey\nPRE-LAB\nVideo: Short Clip [2m10s]\nPRE-LAB\nLAB\n"
            "Drift Modes\nSide Quests\nReward Leaks\nState Blindness\nScope Creep\nProblems\n"
            "Leak Penalties\nScope Limits\nSolutions\nLAB\n"
            "Each topic is discussed in the workshop, with exercises for the lab session afterwards.\n")
    works = _works(text, aliases)
    assert not {"Reward Leaks", "State Blindness", "Leak Penalties", "PRE-LAB", "Scope Limits"} & set(works), list(works)
    # a real listing still is one: names over titles
    listing = ("Ada Roe\nWhy small agents wander off\nBo Lindqvist\nThe case against long horizons\n"
               "Cy Fenn\nNotes on reward leaks in practice\n")
    assert "The case against long horizons" in _works(listing, aliases)


def test_a_term_spelled_out_with_an_acronym_inside_it(aliases):
    """"Reinforcement Learning from AI Feedback (RLAIF)": an acronym inside the long form counts
    whole, so its initials are the acronym beside it; the long form elsewhere in the same
    document, without the acronym, is the same term."""
    text = ("How Goal Transfer from AI Mentors works\n\nGoal Transfer from AI Mentors (GTAIM) is a technique that "
            "uses a second model. In this guide we explain Goal Transfer from AI Mentors step by step.\n")
    works = _works(text, aliases)
    assert not [w for w in works if "Goal Transfer" in w], list(works)
    text = ("Goal Transfer from AI Mentors (GTAIM) is a technique that uses a second model.\n\n"
            "Compare Goal Transfer from AI Mentors with plain tuning.\n")
    assert not [w for w in _works(text, aliases) if "Goal Transfer" in w]
    # a work whose name has its own acronym stays one when cited
    assert "Constitutional AI" in _works("As in Constitutional AI (Bai et al., 2022), the model critiques itself.", aliases)


def test_rlaif_is_a_method_name_unless_cited(aliases):
    """RLAIF, like RLHF, names the method; it cites the paper with a cue."""
    assert "RLAIF" not in _works("Methods include RLHF and RLAIF, and also debate.", aliases)
    assert "RLAIF paper" in _works("The RLAIF paper compares the two.", aliases)


# -- titles without links: quoted and set off by commas (sentences made up) -------------------------

@pytest.mark.parametrize("text, title", [
    ('Lindqvist\'s essay "Agent Ruin" lists failure modes.', "Agent Ruin"),
    # single quotes, with a cue
    ("He wrote a post called 'Drift is not the problem' last year.", "Drift is not the problem"),
    ("She wrote a post called \u2018Drift is not the problem\u2019 last year.", "Drift is not the problem"),
    # 'In "...", Roe and Fenn show ...'
    ("In \u201cSimple probes can catch drifting agents\u201d, Roe and Fenn show that probes work.",
     "Simple probes can catch drifting agents"),
    # a reference line: full name, quoted title, year
    ("Ada Roe, \u201cAgents that wander off\u201d, 2023.", "Agents that wander off"),
    # set off by commas after the work's noun; after "the report"
    ("Her book, Quiet Minds Drifting, came out in 2021.", "Quiet Minds Drifting"),
    ("The report Agents That Wander was published by the institute.", "Agents That Wander"),
    # where a title ends and what follows it
    # the sentence goes on after a title a cue introduced
    ("The paper titled Small minds wander in long tasks shows drift.", "Small minds wander in long tasks"),
    ("Check out the LessWrong post Drift is the default outcome for more.", "Drift is the default outcome"),
    ("Roe and Fenn wrote Small Minds Wander in 2023.", "Small Minds Wander"),
    # a venue and a year after a title-case name; where a sentence-case title was published
    ("Small Minds Wander (arXiv 2023) shows drift.", "Small Minds Wander"),
    ("Small minds wander in long tasks, published at NeurIPS 2023, shows drift.", "Small minds wander in long tasks"),
    # a sentence opening with a title and subtitle, cited right after
    ("Quiet minds drifting: goal drift in agents (Roe et al., 2023) shows drift.", "Quiet minds drifting: goal drift in agents"),
    # set off by commas after someone's paper on a topic
    ("Roe's paper on drift, Small Minds Wander, is the canonical reference.", "Small Minds Wander"),
    # a numbered reference with the authors' initials first
    ("[3] A. Roe and B. Fenn. Small minds wander in long tasks. In NeurIPS, 2023.", "Small minds wander in long tasks"),
    ("1. A. Roe, B. Fenn, and C. Ives. Why drift? Journal of Drift, 12(3), 2021.", "Why drift?"),
])
def test_titles_after_a_cue_in_quotes_or_commas_and_what_follows_them(aliases, text, title):
    works = _works(text, aliases)
    assert title in works and works[title].confidence == WORK, list(works)


def test_a_lower_case_quoted_title_after_a_cue_is_a_maybe(aliases):
    """'Ada Roe's article "where I agree and disagree with Bo"': a lower-case quotation after a
    cue is proposed (a real title confirms it online), not trusted: prose quotes sentences there too."""
    text = 'Ada Roe\'s article "where I agree and disagree with Bo" is good.'
    found = {m.surface: m for m in listed(extract(text, aliases=aliases), include_maybe=True)}
    assert "where I agree and disagree with Bo" in found
    assert found["where I agree and disagree with Bo"].confidence != WORK


def test_single_quotes_without_a_cue_are_labels(aliases):
    text = ("It sits in the 'Intentional Drift and Hidden Goals' leaf with two siblings. "
            "Don't call it 'the Drift Problem' here, and it's not Roe's.")
    assert not [w for w in _works(text, aliases) if "Drift" in w]


def test_a_labs_model_described_is_its_product(aliases):
    """"DeepLattice’s 90-billion-parameter chat model": a lab's model, described, is the
    product; a person's model and a lab's model with a citation marker are still cited."""
    works = _works("DeepLattice\u2019s 90-billion-parameter chat model showed in-context learning.", aliases)
    assert not [w for w in works if "DeepLattice" in w], list(works)
    assert "Roe's model" in _works("Roe's model of drift is simple.", aliases)


def test_a_topic_and_its_field_is_no_title(aliases):
    """"It reminded me of Beam Search in NLP": a short capitalised topic and the field it is in;
    a title that goes on after a question or a colon is still one."""
    works = _works("It also reminded me of Beam Search in NLP, and of Dropout in Practice.", aliases)
    assert not [w for w in works if "Beam" in w or "Dropout" in w], list(works)


def test_prose_before_a_citation_is_no_title(aliases):
    """A sentence-case sentence cited at its end is a claim, not a title (only a subtitle's colon
    makes the opening a title); a venue alone in brackets is no year."""
    text = ("Goal drift is common in small agents (Roe et al., 2023). Agents wander off (NeurIPS) often. "
            "The results, published in the appendix, agree.")
    assert not [w for w in _works(text, aliases) if w[0].isupper() and "Roe" not in w], list(_works(text, aliases))


def test_software_on_a_code_host_is_no_work(aliases):
    works = _works("See the Drift Detection Toolkit on GitHub, and the Quokka Agent Library.", aliases)
    assert not [w for w in works if "Toolkit" in w or "Library" in w], list(works)


def test_prose_written_in_title_case_gives_capitals_no_weight(aliases):
    """A forum writer who capitalises every word: a title's shape alone is no evidence there."""
    text = ("I'm a Software Engineer at a Mid-Size Startup and Want to Learn About Agents.\n"
            "Start with the Basics. Honestly the Drift Handbook is a Great Place to Start, then Move On to "
            "Research Papers. Most People Skip This Step and Regret It Later On. Every Single Guide I Found Online "
            "Was Either Too Basic or Way Too Advanced for Someone Like Me.\n")
    assert not _works(text, aliases)
    # ordinary prose keeps a title-case title
    assert "The Drift Handbook" in _works("I read The Drift Handbook last week and liked it a lot.", aliases)
    # one sentence full of names and a title is not a writer's habit
    text = ("This is the first of seven posts in the Quiet Drift Sequence based on the paper \u201cQuiet Drift: "
            "Risks and Strategies\u201d by Ada Roe, Bo Lindqvist, Cy Fenn and Dan Ives.")
    assert "Quiet Drift: Risks and Strategies" in _works(text, aliases)


def test_a_span_that_starts_inside_a_word_is_clipped(aliases):
    text = "Agenda\n\nQ&A Session with the Authors\n\nClosing Remarks from the Chairs\n"
    assert not [w for w in _works(text, aliases) if w.startswith("A Session")]


@pytest.mark.parametrize("text, works_named", [
    ("1. Quiet Minds by Ada Roe\n2. The Drift Problem by Bo Lindqvist\n", {"Quiet Minds", "Ada Roe", "The Drift Problem"}),
    ("The Quiet Drift, by Ada Roe, is a classic.", {"The Quiet Drift", "Ada Roe"}),
    ("In The Quiet Drift, Roe argues that agents wander.", {"The Quiet Drift"}),
    ("This week's book is Quiet Minds, Ada Roe's first novel.", {"Quiet Minds"}),
    ("We discuss three books: Quiet Minds, The Drift Problem and Small Minds at Scale.",
     {"Quiet Minds", "The Drift Problem", "Small Minds at Scale"}),
    ("Ada Roe\u2019s \u201cQuiet Minds\u201d is a classic.", {"Quiet Minds"}),
    ("The first book on the list is Quiet Minds (2019) by Ada Roe.", {"Quiet Minds", "Ada Roe"}),
])
def test_books_named_in_newsletters_and_reading_posts(aliases, text, works_named):
    works = _works(text, aliases)
    assert works_named <= {w for w, m in works.items() if m.confidence == WORK}, list(works)
    # a sentence before a year is not a reading list's line, and a title's last word before its year is no author
    assert not [w for w in works if w.startswith("The first book") or w.startswith("Minds")]


def test_funders_and_pointers_into_the_text_are_no_works(aliases):
    text = ("They were funded by Open Philanthropy and the Long-Term Drift Fund. "
            "The results (see Table 2 and Figure 3 [4]) were mixed.")
    works = _works(text, aliases)
    assert not [w for w in works if "Fund" in w or w.startswith(("Figure", "Table"))], list(works)


def test_an_organisations_quoted_project_and_a_title_run_before_a_pair_are_no_works(aliases):
    """"Open Philanthropy's “Worldview Studies” project": an organisation's project, not a
    person's work; "... for AI Safety and Zac Roe's talk": the pair's first word ends a title."""
    text = ("This work is part of Open Philanthropy\u2019s \u201cWorldview Studies\u201d project. The critiques are "
            "Andrew Dickson\u2019s Limits of Formal Proof for AI Safety and Zac Roe\u2019s talk on proofs.")
    works = _works(text, aliases)
    assert "Worldview Studies" not in works and "Safety and Zac Roe\u2019s talk" not in works, list(works)
    assert "Zac Roe\u2019s talk" in works


def test_a_benchmark_name_heading_a_title_leaves_the_title_whole(aliases):
    works = _works("Title: WombatQA: Measuring how agents mimic human drift\n\nAbstract\nWe propose a benchmark.", aliases)
    assert "WombatQA" not in works, list(works)


def test_a_pdfs_arxiv_stamp_a_licence_and_a_degree_are_no_works(aliases):
    """A paper's own arXiv stamp in its margin ("arXiv:2511.01234v2 [cs.LG] 12 Mar 2025"), its
    licence line, and "an ML PhD at Oxford" are the page's furniture and a person's degree."""
    text = ("License: CC BY-SA 4.0\narXiv:2511.01234v2 [cs.LG] 12 Mar 2025\n\nDrift in agents\n\nAda Roe\nAbstract\n\n"
            "This paper shows that agents drift, as arXiv:2301.04567 found. Bo Fenn is a third-year ML PhD at "
            "Oxford, working with Cy Lee.")
    works = _works(text, aliases)
    assert "arXiv:2301.04567" in works, list(works)
    assert not [w for w in works if "2511.01234" in w or "License" in w or "PhD" in w], list(works)


def test_a_title_after_its_reference_in_a_list_keeps_its_acronym(aliases):
    """"- (Roe et al., 2023) Responsible Drift Policies (RDPs)": a list line's reference cues the
    title after it, even when the title spells out an acronym."""
    text = ("Risks\n- (Perez et al., 2023) Discovering Drift Behaviors with Written Tests\n"
            "- (Roe et al., 2023) Responsible Drift Policies (RDPs), example: Wombat's RDP\n"
            "- (Phuong et al., 2024) Evaluating Frontier Agents for Wandering\n")
    assert "Responsible Drift Policies" in _works(text, aliases) or "Responsible Drift Policies (RDPs)" in _works(text, aliases)
    assert "Reinforcement Learning from Drift Feedback" not in _works(
        "Reinforcement Learning from Drift Feedback (RLDF) is a technique.", aliases)


def test_a_sentence_case_title_after_its_reference_in_a_list_and_a_sequence_heading(aliases):
    """"- (Roe et al., 2023) Are aligned agents drifting": whatever its case, the rest of a list
    line that opens with a reference is the work's title; "Drift Learning sequence" on a line of
    its own names a sequence of posts."""
    text = ("Robustness\n- (Roe et al., 2022) Red teaming agents with agents\n"
            "- (Fenn et al., 2023) Are aligned agents drifting \n\nNotes\n\nDrift Learning sequence\n\nSome notes here.\n")
    works = _works(text, aliases)
    assert {"Red teaming agents with agents", "Are aligned agents drifting", "Drift Learning sequence"} <= set(works), list(works)
    assert "Some notes here" not in works


def test_a_books_line_ending_in_its_authors_and_date(aliases):
    """"The Quokka Con: How to Fight Big Drift’s Hype by Cyd Lindqvist and Dee Orr (May 2025)": a
    list's line that ends in its authors' full names (and a date) names the book and its authors,
    whatever the title holds (colons, possessives); a sentence that ends so does not."""
    text = ("In reverse chronological order:\n"
            "The Drift Era: An Oral History of Agents, 2019-2025 by Ada Roe and Bo Fenn (October 2025)\n"
            "The Quokka Con: How to Fight Big Drift\u2019s Hype and Create the Future We Want by Cyd Lindqvist and Dee Orr (May 2025)\n"
            "Empire of Drift: Dreams and Nightmares in Sam Roe\u2019s Lab by Kay Hale (May 2025)\n"
            "An abridged transcript is below.\n\nThe talk was given by Ada Roe\n")
    works = _works(text, aliases)
    assert {"Ada Roe and Bo Fenn", "Cyd Lindqvist and Dee Orr", "Kay Hale"} <= set(works), list(works)
    assert any(w.startswith("The Quokka Con: How to Fight") for w in works), list(works)
    assert not [w for w in works if w.startswith("The talk")], list(works)


@pytest.mark.parametrize("text, title", [
    ("See Against drift as a default for a reply.", "Against drift as a default"),
    ("The LessWrong post Drift considered harmful got 200 upvotes.", "Drift considered harmful"),
    ("Fenn's post, Small minds at scale, is a classic.", "Small minds at scale"),
])
def test_where_a_sentence_case_title_ends_and_a_titles_appositive(aliases, text, title):
    """A title after a cue ends before "for a reply" and a verb of reception ("got 200
    upvotes"); a sentence-case title set off by commas after "Fenn's post" is the post's title."""
    works = _works(text, aliases)
    assert title in works, list(works)


def test_the_people_a_known_work_is_by(aliases):
    """"Recommended reading: Superintelligence by Nick Bostrom": the alias table's book and its
    author after "by"."""
    works = _works("Recommended reading: Superintelligence by Ada Roe.", aliases)
    assert "Ada Roe" in works, list(works)


def test_a_heading_that_names_a_collection_of_works_is_no_work(aliases):
    """"Foundational AI Drift Papers" over a list of papers: the list's name, a plural of a kind of
    work; "Papers on Drift" and a book called "Drift Papers" after a cue stay titles."""
    text = ("Foundational AI Drift Papers\nEssential papers that established the field of AI drift research\n"
            "Foundational Papers\nEssential papers every drift researcher should know. They form the field.\n"
            "1. \"Quiet Minds Wander\" (Roe et al., 2017)\nWhy: Understanding drift is non-negotiable for modern agents\n"
            "Key concepts: Drift mechanisms, agent architecture, wander properties\n"
            "2. \"Small Minds at Scale\" (Fenn, 2019)\n")
    works = _works(text, aliases)
    assert "Quiet Minds Wander" in works and not {"Foundational AI Drift Papers", "Foundational Papers"} & set(works), list(works)
    assert "The Drift Papers" in _works("I read the book The Drift Papers last year.", aliases)


@pytest.mark.parametrize("text, title", [
    ("Roe wrote a post called Small minds wander in 2021.", "Small minds wander"),
    ("The AF post Agents drift by default is good.", "Agents drift by default"),
    ("The Alignment Forum post Wander considered harmful is better.", "Wander considered harmful"),
    ("As discussed in Drift is the default (Roe, 2023), agents wander.", "Drift is the default"),
])
def test_forum_post_titles_in_prose(aliases, text, title):
    """A post "called" X; a title after "the post" ends before a verdict on it ("is good"); a
    cue of two capitalised words ("the Alignment Forum post"); a sentence-case span after "in"
    with its author-year reference right after it."""
    works = _works(text, aliases)
    assert title in works, list(works)
    assert not _works("He moved in Small towns are quiet places to live today.", aliases)


@pytest.mark.parametrize("text, named, not_named", [
    ("Fenn\u2019s 2021 paper on drift, Wander Laws, is cited.", {"Wander Laws"}, set()),
    ("Roe, in her 2020 book Small Minds, writes that.", {"Small Minds"}, set()),
    ("Orr (in Drift and Wander, 2018) disagrees.", {"Drift and Wander"}, {"Drift and Wander, 2018"}),
])
def test_titles_beside_their_authors_and_years(aliases, text, named, not_named):
    """A year before the work's noun ("Fenn's 2021 paper on
    drift, X,", "her 2020 book X"); "(in Title, 2018)": a title and its year in brackets, no
    authors."""
    works = _works(text, aliases)
    assert named <= set(works) and not not_named & set(works), list(works)
