"""Maybes decided offline (session 11): evidence that tells a work from the other candidates the
rules weighed and did not trust. One test per rule, each failing on the code before it; the
sentences are written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations


import pytest

from kb.grounding.mentions import extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


@pytest.mark.parametrize("text, title", [
    ("Has anyone read section 4.2 in the Drift Risk Update before replying?", "Drift Risk Update"),
    ("Look up the jargon in my Agent Wandering Explainer\nand come back.", "Agent Wandering Explainer"),
    ("The lab keeps to Wombat Labs's Careful Scaling Policy.", "Careful Scaling Policy"),
])
def test_a_capitalised_run_that_names_its_genre_after_an_owner(aliases, text, title):
    """"the Drift Risk Update", "my ... Explainer", "X's ... Policy": three capitalised words or
    more that end in a document's genre, after "the", "my" or a possessive inside a sentence,
    name one document (not an organisation, which "the" before capitals otherwise suggests)."""
    assert title in _works(text, aliases), list(_works(text, aliases))


@pytest.mark.parametrize("text", [
    "We cover the topics of the Wombat AI Policy program this spring.",   # qualifies "program"
    "Drift Risk Update\nNothing changed this week.",                      # a heading, no owner
    "They read the Risk Update twice.",                                   # two words
])
def test_a_genre_head_alone_is_no_work(aliases, text):
    """Without the owner before it, inside a sentence, with three words, the genre is no cue."""
    works = _works(text, aliases)
    assert not {"Wombat AI Policy", "Drift Risk Update", "Risk Update"} & set(works), list(works)


def test_a_padded_quote_holds_a_title(aliases):
    """'Ada Roe’s “ Quiet Minds Wander ” report': a page conversion that dropped a link leaves
    spaces inside the quotes; the quoted title is read as if they were not there."""
    works = _works("I liked Ada Roe\u2019s \u201c Quiet Minds Wander \u201d report a lot.", aliases)
    assert "Quiet Minds Wander" in works, list(works)
    assert works["Quiet Minds Wander"].start == len("I liked Ada Roe\u2019s \u201c ")


def test_an_organisations_name_in_a_compound_is_no_organisation(aliases):
    """"Graduate-Level Google-Proof Q&A": an organisation's name glued into a hyphenated
    compound is an adjective, not the organisation; the run keeps its title's shape."""
    works = _works("They built a Quokka-Level Google-Proof Reasoning Challenge for experts last year.", aliases)
    assert any(s.startswith("Quokka-Level Google-Proof Reasoning Challenge") for s in works), list(works)
    assert not _works("They thanked the Quokka Institute for Drift Studies last year.", aliases)


@pytest.mark.parametrize("text, ref", [
    ("As roe et al. 2022 showed, drift happens late in training.", "roe et al. 2022"),
    ("quiet minds wander by ada fenn et al. the paper that named it.", "fenn et al."),
])
def test_a_lower_case_surname_before_et_al(aliases, text, ref):
    """"power et al. 2022": threads and notes type surnames in lower case; "et al." after a word
    says the word is a name. A function word before it is not one."""
    works = _works(text, aliases)
    assert works[ref].kind == "author-ref", list(works)
    assert not _works("We cite them and et al. here.", aliases)


@pytest.mark.parametrize("text, name", [
    ("The Wombat Honesty between Claims and Knowledge (WHCK) benchmark tests lying.",
     "The Wombat Honesty between Claims and Knowledge"),
    ("The Quiet Latent Drift in Agents (QLDA) paper proposes a fix.", "The Quiet Latent Drift in Agents"),
])
def test_a_long_form_before_its_acronym_and_a_benchmark_is_a_name(aliases, text, name):
    """A long form spelled out before its acronym is a term ("Quiet Latent Drift (QLD) is a
    method"), unless a benchmark, a data set or a paper follows the acronym: then it names one."""
    assert name in _works(text, aliases), list(_works(text, aliases))
    assert "Quiet Latent Drift" not in _works("Quiet Latent Drift (QLD) is a method for drift.", aliases)


def test_a_terms_long_form_with_a_word_for_a_work_after_it(aliases):
    """"the Eliciting Latent Knowledge report": the long form of a term the text or the table
    abbreviates, followed by "report" or "paper", cites the work as "the ELK paper" does."""
    text = "Quiet Latent Drift (QLD) is our topic. Read the Wombat Research Center's Quiet Latent Drift report first."
    works = [m for m in listed(extract(text, aliases=aliases)) if m.surface == "Quiet Latent Drift"]
    assert [m.start for m in works] == [text.rindex("Quiet Latent Drift")], works


@pytest.mark.parametrize("line, title", [
    ("Quiet drift in reward models | OpenAI", "Quiet drift in reward models"),
    ("- Why I am not a wanderer - LessWrong", "Why I am not a wanderer"),
    ("Small probes can catch drifting agents \\ Anthropic", "Small probes can catch drifting agents"),
])
def test_a_pages_title_before_its_publishers_name(aliases, line, title):
    """"Title | OpenAI", "Title - LessWrong": a page's title as a tab, a cache or a shared link
    writes it, closed by the lab, forum or blog that published it, is a work however it is cased.
    A site's own pages ("Careers | Anthropic") and a line that ends in a stop are not."""
    text = f"Cached copy\n{line}\nMore text follows here in a sentence."
    assert title in _works(text, aliases), list(_works(text, aliases))
    assert not _works("Cached copy\nCareers | Anthropic\nResearch Team - OpenAI\n", aliases)


def test_a_genre_head_after_lower_case_words_is_no_documents_name(aliases):
    """"the Quiet Drift Wiki in this FAQ": the genre must end a run of capitalised words."""
    works = _works("Questions go to the Quiet Drift Wiki in this FAQ today.", aliases)
    assert not any(s.endswith("FAQ") for s in works), list(works)


@pytest.mark.parametrize("text, ref", [
    ("See: Roe 2023 for the drift agenda.", "Roe 2023"),
    ("cf. Fenn 2021 on quiet drift.", "Fenn 2021"),
])
def test_one_name_and_a_year_a_reader_is_sent_to(aliases, text, ref):
    """One name and a year needs a comma, "et al." or a verb to be a reference ("Anthropic 2024"
    may be a lab's year); "See:" or "cf." before it sends the reader to a work."""
    works = _works(text, aliases)
    assert works[ref].kind == "author-ref", list(works)
    assert "Roe 2023" not in _works("In Roe 2023 was a quiet year.", aliases)


def test_a_title_after_its_source_among_references_in_brackets(aliases):
    """"(Carlsmith 2022; 80,000 Hours, Risks from power-seeking AI)": in a bracket of references,
    a part that is a source, a comma and three words or more is the source's work, by its title."""
    works = _works("It is structural (Roe 2022; 80,000 Hours, Risks from drifting agents).", aliases)
    assert "Risks from drifting agents" in works and works["Risks from drifting agents"].kind == "title", list(works)
    assert not any("drifting" in s for s in _works("It is structural (80,000 Hours, Risks from drifting agents).", aliases))


def test_a_one_word_title_before_its_authors_full_name(aliases):
    """"books in this category include Wombatification by Ada Roe and Quiet Minds by Bo Fenn":
    one capitalised word before "by" and a full name, in a sentence about books, is a title; the
    author reference stops before the next title. A credit ("Photo by ...") is not a title."""
    text = "Other books in this category include Wombatification by Ada Roe and Quiet Minds by Bo Fenn."
    works = _works(text, aliases)
    assert works["Wombatification"].kind == "title", list(works)
    assert works["Ada Roe"].kind == "author-ref", list(works)
    assert not any(s in ("Photo", "Berlin") for s in _works("I read the book. Photo by Jane Smith. "
                                                             "The book was launched in Berlin by Jane Smith.", aliases))


def test_a_title_in_brackets_after_a_works_noun(aliases):
    """"Their latest post (Quiet drift in small agents)": brackets right after a work's noun hold
    its title as quotes after a cue do, whatever its case; not its authors, a pointer or a note."""
    works = _works("Their latest post (Quiet drift in small agents) is good.", aliases)
    assert works["Quiet drift in small agents"].kind == "title", list(works)
    for text in ("The sequence (Ada Roe and Bo Fenn) is long.", "See the report (PDF, 40 pages) now.",
                 "The post (We disagree with this) is long."):
        assert not _works(text, aliases), (text, list(_works(text, aliases)))


def test_a_heading_that_names_a_work_the_text_names(aliases):
    """A heading is a label ("Quiet Minds: Notes on a Long Report" alone stays a maybe), unless
    what it says, whole or before its colon, is a work the text names elsewhere as a work: then
    the page is about that work and the heading names it."""
    body = "\n\nI read it twice. Ada Roe\u2019s \u201cQuiet Minds Wander\u201d report left me uneasy about agents.\n"
    heading = "Quiet Minds Wander: Notes on a Long Report"
    works = _works(heading + body, aliases)
    assert heading in works, list(works)
    alone = _works(heading + "\n\nI read it twice. It left me uneasy about agents and their drift.\n", aliases)
    assert heading not in alone, list(alone)


def test_the_first_major_follow_on_paper_describes_a_work(aliases):
    """"The first major follow-on paper on drift was Quiet Minds": "the original X paper" singles
    out one work by its name X; "major", "follow-on", "subsequent" name nothing, so the phrase
    describes the work the sentence goes on to name."""
    works = _works("The first major follow-on paper on drift was written later.", aliases)
    assert not any("paper" in s for s in works), list(works)
    assert "the original Wombat paper" in _works("See the original Wombat paper for details.", aliases)
