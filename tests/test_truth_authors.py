"""scripts/truth_authors.py: the names an author reference writes, one work's authors from the
references naming it, and the evaluation's truth files filled (a part added since is filled by
re-running the script; the failure says so and shows nothing of a part)."""

from __future__ import annotations

import importlib.util

import pytest

from kb.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def ta():
    spec = importlib.util.spec_from_file_location("truth_authors", PROJECT_ROOT / "scripts" / "truth_authors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("surface,names,citation", [
    ("Irving, Christiano & Amodei (2018)", ["Irving", "Christiano", "Amodei"], True),
    ("Kaplan et al. (2020)", ["Kaplan"], True),
    ("Wang et al.'s IOI circuit", ["Wang"], True),
    ("Hubinger, E., van Merwijk, C., & Garrabrant, S. (2019)", ["E. Hubinger", "C. van Merwijk", "S. Garrabrant"], True),
    ("Geoffrey Irving, Paul Christiano, & Dario Amodei (2018)", ["Geoffrey Irving", "Paul Christiano", "Dario Amodei"],
     True),
    ("de Witt et al., 2023", ["de Witt"], True),
    ("Saun- ders et al., 2018", ["Saunders"], True),
    ("Buck Shlegeris, Jun 2024", ["Buck Shlegeris"], True),
    ("Cotra’s", ["Cotra"], False),
    ("The Olsson result", ["Olsson"], False),
    ("Anthropic, 2024", [], True),
    ("Future of Life Institute 2023", [], True),
    ("a 2018 paper", [], False),
])
def test_the_names_a_reference_writes(ta, surface, names, citation):
    assert ta.names_in(surface) == (names, citation)


def test_a_works_authors_from_the_references_naming_it(ta):
    assert ta.inferred_authors("irving2018", ["Irving et al.", "Geoffrey Irving, Paul Christiano, & Dario Amodei (2018)",
                                              "OpenAI, 2018"]) == ["Geoffrey Irving", "Paul Christiano", "Dario Amodei"]
    assert ta.inferred_authors("cotra2020", ["Ajeya Cotra", "Cotra", "Ajeya", "Cotra’s"]) == ["Ajeya Cotra"]
    # a lone name may be a first name: only a surname the work's key begins with counts
    assert ta.inferred_authors("alexander2023mono", ["Scott's post"]) == []
    assert ta.inferred_authors("turing1950", ["Turing's imitation game paper"]) == ["Turing"]


def test_every_truth_file_has_its_authors_filled(ta, monkeypatch, capsys):
    assert ta.main(["--check"]) == 0, "a truth file lacks its authors: run python scripts/truth_authors.py"
