"""Shapes of citation and of page furniture found on dev5 (issue 15, session 7), each a class of
text rather than a case: one test per rule in ``kb/grounding/``, each failing on the code before
it. The sentences are written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import WORK, extract, listed


@pytest.fixture(scope="module")
def aliases():
    return AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))


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
