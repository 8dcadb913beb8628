"""Parsing real API answers: strict about shape, lenient about content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.sources.s2.parse import ResponseShapeError, edge_page_limit, parse_edge_page, parse_paper

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "s2-recorded" / "semanticscholar-tests-data"
if not RECORDED.exists():
    RECORDED = Path("/work/shared/s2-recorded/semanticscholar-tests-data")


def test_recorded_full_paper_parses():
    obj = json.loads((RECORDED / "Paper.json").read_text())
    paper = parse_paper(obj)
    assert paper.paper_id == obj["paperId"]
    assert paper.title == "Computing Machinery and Intelligence"
    assert paper.doi.lower() == "10.1093/mind/lix.236.433"
    assert paper.tldr and paper.bibtex and paper.authors
    assert paper.year == obj["year"]


def test_recorded_citation_and_reference_items_parse():
    citation = json.loads((RECORDED / "Citation.json").read_text())
    reference = json.loads((RECORDED / "Reference.json").read_text())
    cited_id = "1" * 40
    cits = parse_edge_page({"offset": 0, "data": [citation]}, cited_id, "citations")
    refs = parse_edge_page({"offset": 0, "data": [reference]}, cited_id, "references")
    assert cits.edges[0].cited == cited_id and cits.edges[0].citing == citation["citingPaper"]["paperId"]
    assert cits.edges[0].is_influential is True
    assert refs.edges[0].citing == cited_id and refs.edges[0].cited == reference["citedPaper"]["paperId"]
    assert cits.next_offset is None and refs.next_offset is None


def test_null_ids_duplicates_and_junk_are_absorbed():
    good = {"paperId": "a" * 40, "title": "T"}
    page = parse_edge_page({"offset": 0, "next": 4, "data": [
        {"citingPaper": good}, {"citingPaper": dict(good)}, {"citingPaper": {"paperId": None, "title": "x"}},
        {"citingPaper": None}, "junk", {"citingPaper": {"paperId": "not-a-sha"}},
    ]}, "b" * 40, "citations")
    assert len(page.edges) == 1
    assert page.without_id == 4
    assert page.next_offset == 4


def test_wrong_types_inside_a_record_are_dropped_not_fatal():
    paper = parse_paper({"paperId": "C" * 40, "title": ["not", "text"], "year": "2021",
                         "citationCount": "many", "authors": [None, {"name": 5}], "externalIds": [],
                         "tldr": "not an object", "abstract": "x\x00y\x07z" + "w" * 100_000})
    assert paper.paper_id == "c" * 40
    assert paper.title is None and paper.year == 2021 and paper.citation_count is None
    assert paper.tldr is None and paper.external_ids is None
    assert "\x00" not in paper.abstract and len(paper.abstract) <= 20_000


def test_offset_cap_marks_truncation():
    page = parse_edge_page({"offset": 9000, "next": 9999, "data": []}, "b" * 40, "citations", offset=9000)
    assert page.truncated and page.next_offset is None
    assert edge_page_limit(0) == 1000
    assert edge_page_limit(9000) == 999
    assert edge_page_limit(9999) == 0


def test_a_next_that_does_not_advance_ends_the_list():
    page = parse_edge_page({"offset": 1000, "next": 1000, "data": []}, "b" * 40, "references", offset=1000)
    assert page.next_offset is None


def test_shape_errors_are_reported():
    with pytest.raises(ResponseShapeError):
        parse_edge_page([], "b" * 40, "citations")
    with pytest.raises(ResponseShapeError):
        parse_edge_page({"data": "nope"}, "b" * 40, "citations")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=6),
    max_leaves=30)
paper_like = st.fixed_dictionaries(
    {"paperId": st.one_of(st.none(), st.text(max_size=45), st.just("d" * 40))},
    optional={k: json_values for k in ("title", "abstract", "year", "authors", "externalIds", "tldr",
                                       "citationCount", "openAccessPdf", "citationStyles", "fieldsOfStudy")})


@settings(max_examples=300, deadline=None)
@given(paper_like)
def test_fuzz_parse_paper_never_raises(obj):
    paper = parse_paper(obj)
    if paper is not None:
        assert len(paper.paper_id) == 40


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries({"data": st.lists(
    st.one_of(json_values, st.fixed_dictionaries({"citingPaper": paper_like, "isInfluential": json_values,
                                                  "contexts": json_values})), max_size=8),
    "next": json_values})))
def test_fuzz_parse_edge_page_raises_only_shape_errors(obj):
    try:
        page = parse_edge_page(obj, "e" * 40, "citations")
    except ResponseShapeError:
        return
    assert len({e.citing for e in page.edges}) == len(page.edges)
