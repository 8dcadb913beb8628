"""Names found offline (session 11's recall round): citation shapes and cue words that say a span
is a work or its author. One test per rule, each failing on the code before it; the sentences are
written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations


import pytest

from kb.grounding.mentions import extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


def test_a_classic_cited_by_its_author_and_an_older_year_in_brackets(aliases):
    """"(Locke, 1690)": a style's comma before a year older than 1950 is still a reference; without
    the comma such a year is only a date ("the Dome (Wren 1690)")."""
    works = _works("Consent is older than markets (Locke, 1690), as the seminar noted.", aliases)
    assert works["Locke, 1690"].kind == "author-ref" and works["Locke, 1690"].years == [1690]
    assert not [m for m in extract("The dome went up early (Wren 1690) and stood.", aliases=aliases) if m.kind == "author-ref"]


def test_a_company_named_for_its_field_as_an_author_in_brackets(aliases):
    """"(Wombat-AI, 2025)" beside other references: an organisation's report, like "(OpenAI, 2024)"."""
    works = _works("Reasoning models (Roe et al., 2024; Wombat-AI, 2025; Quokka AI, 2023) think at length.", aliases)
    assert works["Wombat-AI, 2025"].kind == "author-ref" and works["Quokka AI, 2023"].kind == "author-ref"


def test_a_full_names_possessive_before_a_dated_title(aliases):
    """"Ada Roe's Quiet Minds Drifting, June 2019": the date after the run says it is a work; without
    it a person's title-case run stays a maybe (a company, a product or a team is written so)."""
    works = _works("Ada Roe's Quiet Minds Drifting, June 2019 (my emphasis). It says much.", aliases)
    assert works["Ada Roe's"].kind == "author-ref"
    assert "Ada Roe's" not in _works("Ada Roe's Quiet Minds Drifting is a shop in town.", aliases)


def test_someones_paper_capitalised_as_a_label(aliases):
    """"Ada's Research Paper: <link>" in show notes is their work; a lab's, or a capitalised kind
    that goes on as a name ("Roe's Paper Mill"), is not."""
    works = _works("Learn more: example.org [] Ada's Research Paper:  [] We are hiring:  []", aliases)
    assert works["Ada's Research Paper"].kind == "author-ref"
    assert not [m for m in _works("Anthropic's Research Paper: here. Roe's Paper Mill is a shop.", aliases).values()
                if m.kind == "author-ref"]


def test_a_versioned_models_system_card_by_its_possessive(aliases):
    """"Wombat 4's system card" names one report; "Wombat's system card" (no version) does not."""
    works = _works("Reward hacking is well known - Wombat 4\u2019s system card reports it, for instance.", aliases)
    assert works["Wombat 4\u2019s system card"].kind == "alias"
    assert not _works("Wombat's system card reports it too.", aliases)


@pytest.mark.parametrize("text", [
    'QUIET_MINDS\nMarch 10, 2026\n"Quiet Minds Drifting" (2024) by\nAda Roe & Bo Fenn FIRST13\nFirst paperback edition: 2025\n',
    'I read "Quiet Minds Drifting" (2024) by Ada Roe & Bo Fenn last week.',
])
def test_the_people_a_quoted_title_and_its_year_are_by(aliases, text):
    """'"Title" (2024) by Ada Roe & Bo Fenn', the names on the same line or the next: authors."""
    assert _works(text, aliases)["Ada Roe & Bo Fenn"].kind == "author-ref"


def test_a_full_name_after_their_work_by_its_quoted_title(aliases):
    """"In her paper "Quiet Minds", Ada Roe formalised ...": the person the sentence's work is by;
    a full name that only speaks ("Later, Ada Roe formalised it") is not."""
    assert _works("In her paper \u201cQuiet Minds\u201d, Ada Roe formalised the drift thesis.", aliases)["Ada Roe"].kind == "author-ref"
    assert "Ada Roe" not in _works("Over lunch last week, Ada Roe formalised the plan for the party.", aliases)


def test_an_ideas_name_listed_among_works_is_a_work(aliases):
    """Show notes' "Title:  name:  Title:" and "Examples: A, b, c": a known work's name in lower
    case (otherwise the idea, a maybe) is the work where it is a whole item of a list of three or
    more beside an item the rules trusted as a work; inside a sentence's item it stays the idea."""
    text = ("LINKS: Training Compute-Optimal Large Language Models:  chinchilla's wild implications:  "
            "Quiet Minds Drifting (Roe et al):  --- Send us a message:  ")
    assert _works(text, aliases)["chinchilla's wild implications"].reason.startswith("an item of a list")
    text = "We studied chinchilla's wild implications, RLHF and Constitutional AI."
    assert "chinchilla's wild implications" not in _works(text, aliases)
    assert "chinchilla's wild implications" not in _works("The chinchilla's wild implications debate, again.", aliases)


@pytest.mark.parametrize("text, name", [
    ("Crossposted from my blog. @quietroe recently posted an in-depth critique of the drift model.", "quietroe"),
    ("Ada Roe recently posted a careful rebuttal of the drift model.", "Ada Roe"),
])
def test_a_handle_or_a_name_that_recently_posted_a_critique(aliases, text, name):
    """"@quietroe recently posted an in-depth critique": a forum's handle is a person who wrote a
    work, like a name; "recently" before the verb and a critique or a rebuttal as the work."""
    assert _works(text, aliases)[name].kind == "author-ref"


def test_an_email_address_is_no_handle(aliases):
    assert not _works("Write to me at ada@quietroe posted a paper, they said.", aliases)


def test_a_well_known_novel_by_its_name(aliases):
    """The nickname table holds books by their names: "Unsong" (Scott Alexander's novel, 2017)."""
    works = _works("My favorite bit in Unsong is the chapter about the names.", aliases)
    assert works["Unsong"].kind == "title" and works["Unsong"].confidence == "work"


def test_a_part_of_a_named_works_title_given_a_nickname(aliases):
    """"I read What A Quiet Drift Framework Says About Agents, by Ada Roe. ... Quiet Drift Framework
    (from here on QDF) ...": the run repeats a part of a title the text trusts and is given a
    nickname: the work's short name, and the nickname names it too; a method so named is not."""
    text = ("I thought about this when reading What A Quiet Drift Framework Says About Agents , by Ada Roe. "
            "She thinks.\n\nQuiet Drift Framework (from here on QDF) updates the old model with loops. QDF is big.")
    works = [m for m in listed(extract(text, aliases=aliases))]
    assert any(m.surface == "Quiet Drift Framework" and m.reason.startswith("a part of a work's title") for m in works)
    assert sum(m.surface == "QDF" for m in works) == 2
    text = ("Summary of Applied Quiet Drift Allocation for Agents (Ada Roe et al): This paper introduces the "
            "Quiet Drift Allocation (QDA) method. The method helps.")
    assert "Quiet Drift Allocation" not in {m.surface for m in listed(extract(text, aliases=aliases))}


def test_a_title_after_a_possessive_beside_another_persons_work(aliases):
    """"like Kate Crawford's Atlas of AI - a polemic - or Fenn's Brave Old Words - a sales pitch":
    a run only its shape supports is Fenn's work when the sentence lists another person's work the
    same way; alone, or beside a company's product, it stays a maybe."""
    text = ("Unlike other books on the topic, like Kate Crawford's Atlas of AI - a polemic lacking grounding - "
            "or Fenn's Brave Old Words - a sales pitch. This one is grounded.")
    works = _works(text, aliases)
    assert works["Brave Old Words"].kind == "title" and works["Fenn's"].kind == "author-ref"
    assert "Brave Old Words" not in _works("Unlike other books, Fenn's Brave Old Words is a sales pitch.", aliases)
    assert "Brave Old Words" not in _works("Google's Gemini Ultra and Fenn's Brave Old Words are out.", aliases)


def test_an_author_and_collaborators_on_a_page_typed_in_lower_case(aliases):
    """A page typed in lower case throughout writes names so: "later, roe and collaborators cracked
    open ..." is an author reference there (not "my friends and colleagues showed up", not on a page
    that capitalises its sentences, where a lower-case word is no name)."""
    lead = "this is a line about grokking. " * 11
    works = _works(lead + "later, roe and collaborators cracked open one of these nets. my friends and colleagues showed up.", aliases)
    assert works["roe and collaborators"].kind == "author-ref" and not [w for w in works if "friends" in w]
    assert not _works("This is a line. " * 11 + "Later, roe and collaborators cracked open one of these nets.", aliases)
