"""Titles found offline with new evidence (session 15's title round): real titles too plain for
the gazetteer (``plain_titles.txt.gz``) where a list of works backs them, a title joined to another title given with its author, and a title an apposition calls a work.
One test per rule, each failing on the code before it; the sentences are written for the tests
(none is copied from an evaluation page)."""

from __future__ import annotations

from kb.grounding import known_titles
from kb.grounding.mentions import WORK, extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


def test_the_plain_titles_are_real_titles_the_gazetteer_leaves_out():
    """"Alignment By Default" is a real post's title, too plain to count alone (the gazetteer does
    not find it in prose); so is "Activation Oracles", the part of a title before its colon."""
    assert known_titles.is_title("alignment by default") and known_titles.is_title("Activation Oracles")
    assert not known_titles.find("We think alignment by default is unlikely.")
    assert not known_titles.is_title("slow agents drift quietly")


def test_a_plain_known_title_listed_among_works_is_a_work(aliases):
    """A line listing works, one of them trusted, makes an item that is a real title a work however
    plain its words; the same words in a sentence are not one, nor an item that is no title."""
    text = ("Good starting points: Risks from Learned Optimization, alignment by default, slow agent drift.\n"
            "I think alignment by default is unlikely.")
    works = _works(text, aliases)
    hit = [m for m in listed(extract(text, aliases=aliases)) if m.surface == "alignment by default"]
    assert len(hit) == 1 and hit[0].start < text.index("\n"), works
    assert "slow agent drift" not in works


def test_a_title_joined_to_a_title_by_its_author_is_a_title(aliases):
    """"X by A (...) or Quiet drift by B": the second span has the first one's shape, so it is a
    title in whatever case; a clause in the passive in the same place is not."""
    text = ("For the fast view read Intelligence Explosion Microeconomics by Eliezer Yudkowsky (an old "
            "report), or Quiet drift in agents by Ada Roe (a newer post).")
    works = _works(text, aliases)
    assert works["Quiet drift in agents"].confidence == WORK, works
    passive = ("Read Intelligence Explosion Microeconomics by Eliezer Yudkowsky, and The follow-up was written "
               "by Ada Roe.")
    assert not any(w.startswith("The follow-up") for w in _works(passive, aliases))


def test_a_title_an_apposition_calls_a_work_is_a_work(aliases):
    """"Quiet Drift Notes, a more recent one that I liked": the apposition says it is a work; an
    apposition that only describes ("a novel computational method") does not."""
    text = "I also love the old essays. Oh, and Quiet Drift Notes, a more recent one that I really liked."
    assert _works(text, aliases)["Quiet Drift Notes"].confidence == WORK
    text = "We introduce Quiet Drift Probing, a novel computational method for agents."
    assert "Quiet Drift Probing" not in _works(text, aliases)
