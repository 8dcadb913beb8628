"""Names found offline (session 11's recall round): citation shapes and cue words that say a span
is a work or its author. One test per rule, each failing on the code before it; the sentences are
written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import extract, listed


@pytest.fixture(scope="module")
def aliases():
    return AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))


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
