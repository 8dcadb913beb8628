"""Broad title candidates (kb.grounding.title_candidates) and the online check that confirms them
(kb.grounding.verify): spans where a sentence-case or lower-case title may stand are maybes
offline, and become works only when a real title is what the sentence writes there. Every
sentence here is invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.grounding import title_candidates as tc
from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import MAYBE, WORK, Mention, extract, is_hypothesis, listed
from kb.grounding.verify import confirms, refine, title_extent

LOWER = "lantern probes find hidden goals in sparse planners"
TITLE = "Lantern Probes Find Hidden Goals in Sparse Planners"
COLON_TITLE = "Quiet drift: how reward models forget their training signal"


def _proposed(text: str) -> dict[str, str]:
    return {text[s:e]: why for s, e, why in tc.spans(text, [(0, len(text))])}


def test_a_span_after_a_cue_word_is_proposed_up_to_where_the_sentence_goes_on():
    text = f"I finally read the post {LOWER}, which argues for probes."
    assert _proposed(text)[LOWER] == tc.CUE
    # a reporting verb or a relative pronoun ends the title
    assert _proposed(f"The paper {LOWER} shows that it works.")[LOWER] == tc.CUE


def test_a_span_that_may_go_on_past_its_title_is_also_proposed_cut_before_the_verb():
    proposed = _proposed(f"Marlow's {COLON_TITLE} is still the clearest account.")
    assert proposed[COLON_TITLE] == tc.POSSESSIVE
    assert f"{COLON_TITLE} is still the clearest account" in proposed


def test_a_span_after_a_possessive_is_proposed():
    text = f"Yesterday I liked Marlow's {LOWER} more than I expected."
    assert tc.POSSESSIVE in _proposed(text).values()
    assert any(s.startswith(LOWER) for s, why in _proposed(text).items() if why == tc.POSSESSIVE)
    # "It's": a contraction, not a possessive
    assert tc.POSSESSIVE not in _proposed("It's since become a classic among the readers here.").values()


def test_a_span_after_a_preposition_needs_several_content_words():
    assert _proposed(f"This builds on {LOWER}; we go further.")[LOWER] == tc.WEAK
    assert tc.WEAK not in _proposed("We met in the morning; it rained.").values()


def test_a_span_before_an_author_reference_or_a_year_is_proposed():
    proposed = _proposed(f"Some groups, {LOWER} (Marlow et al., 2023), disagree.")
    assert proposed[LOWER] == tc.BEFORE_REF
    # the clause opens with prose: the span starts at its cue word
    assert _proposed("This was argued in sparse planners (Marlow 2023).")["sparse planners"] == tc.BETWEEN


def test_a_colon_title_with_a_lower_case_subtitle_is_proposed_whole():
    assert _proposed(f"{COLON_TITLE}. It was widely read.")[COLON_TITLE] == tc.COLON


def test_a_quote_the_page_did_not_close_is_proposed():
    assert _proposed(f"He wrote \u201c{LOWER} and then stopped.")[LOWER] == tc.QUOTE
    assert tc.QUOTE not in _proposed(f"He wrote \u201c{LOWER}\u201d and then stopped.").values()


def test_the_items_of_a_list_are_proposed():
    text = f"Reading for week two:\n- {LOWER}\n- a second item here\n"
    assert _proposed(text)[LOWER] == tc.LIST_ITEM


def test_the_lines_of_a_reading_list_without_bullets_are_proposed_and_a_paragraph_is_not():
    text = f"Week two\n{LOWER}\nquiet planners and their drift (2021)\n\nWe met. It rained. {LOWER} was read."
    proposed = _proposed(text)
    assert proposed[LOWER] == tc.LIST_ITEM and "quiet planners and their drift" in proposed
    assert all(why != tc.LIST_ITEM for why in _proposed(f"Intro\n\n{LOWER}\n\nWe met. It rained.").values())


def test_offline_the_proposed_spans_are_hypotheses_nothing_lists():
    text = f"I finally read the post {LOWER}, which argues for probes.\n"
    found = extract(text, aliases=AliasTable.load(user=Path("/nonexistent")))
    (m,) = [m for m in found if m.surface == LOWER]
    assert m.confidence == MAYBE and is_hypothesis(m) and m.score == tc.WEIGHT[tc.CUE]
    assert LOWER not in {x.surface for x in listed(found, include_maybe=True)}


# -- confirming: the sentence writes the title --------------------------------------------------------

def _hypothesis(surface: str, sentence: str, why: str = tc.CUE) -> Mention:
    at = sentence.index(surface)
    return Mention(None, surface, at, at + len(surface), "title", sentence, confidence=MAYBE,
                   reason=f"only a real title can confirm it: {why}")


def test_a_span_that_runs_past_the_title_is_confirmed_and_narrowed_to_it():
    sentence = f"I liked the post {LOWER} a lot."
    m = _hypothesis(f"{LOWER} a lot", sentence)
    assert confirms(m, TITLE) == "the title, with the sentence running on"
    assert title_extent(m, TITLE)[:2] == (sentence.index(LOWER), sentence.index(LOWER) + len(LOWER))
    assert refine(m, TITLE).surface == LOWER and m.norm == LOWER


def test_a_span_cut_short_is_widened_to_the_title_with_punctuation_folded():
    sentence = "We cite What's wrong with sparse planners? as motivation."
    m = _hypothesis("What's wrong with sparse", sentence)
    assert refine(m, "What s Wrong With Sparse Planners").surface == "What's wrong with sparse planners"


def test_a_title_the_sentence_holds_needs_to_be_specific_when_only_a_hypothesis_proposed_it():
    # four content words stand alone for a rule's maybe, not for a span only a title proposed
    sentence = "They study hidden goal probes across seeds."
    rule = Mention(None, "hidden goal probes across", 10, 35, "title", sentence, confidence=MAYBE, reason="a title's shape")
    assert confirms(rule, "Hidden Goal Probes Across Seeds") is not None
    assert confirms(_hypothesis("hidden goal probes across", sentence), "Hidden Goal Probes Across Seeds") is None
    # a main title the sentence writes is often a phrase of the field: one word more than a whole title
    sentence = "We look at neurons in large language models today."
    m = Mention(None, "large language models", 15, 36, "title", sentence, confidence=MAYBE, reason="a title's shape")
    assert confirms(m, "Neurons in Large Language Models: Dead, N-gram, Positional") is None


def test_a_short_phrase_a_decoy_paper_is_titled_with_is_not_confirmed():
    m = _hypothesis("reward hacking", "We saw the post reward hacking again.")
    assert confirms(m, "Reward Hacking", year=2001, authors=["Q. Decoy1"]) is None
    # a preposition does not mark a title: a decoy that happens to share the sentence's year is no paper named
    sentence = "In 2023 it beat the rest on hard planning benchmarks (the DRIFT set)."
    m = _hypothesis("hard planning benchmarks", sentence, tc.BETWEEN)
    m.years = [2023]
    assert confirms(m, "Hard Planning Benchmarks", year=2023, authors=["Q. Decoy2"]) is None
    m = _hypothesis("hard planning benchmarks", sentence, tc.CUE)
    m.years = [2023]
    assert confirms(m, "Hard Planning Benchmarks", year=2023, authors=["Q. Decoy2"]) is not None


# -- kb seed add, against a stand-in ------------------------------------------------------------------

def _work(title: str, year: int, author: str) -> dict:
    return {"title": title, "year": year, "arxiv": None, "doi": None, "authors": [author], "abstract": None,
            "kind": "paper", "key": title[:12]}


@pytest.fixture(scope="module")
def corpus():
    from kb.standin.generate import generate_corpus

    return generate_corpus(40, seed=5, works=[_work(TITLE, 2023, "Ada Marlow"), _work("Reward Hacking", 2001, "Q. Decoy")])


def test_seed_add_confirms_a_lower_case_title_and_stores_the_titles_extent(kb_cli, make_standin, corpus, tmp_path,
                                                                          monkeypatch):
    standin = make_standin(corpus)
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    doc = tmp_path / "post.txt"
    doc.write_text(f"Notes\n\nI liked the post {LOWER} a lot. Then the post reward hacking, again.\n", encoding="utf-8")
    db = tmp_path / "kb.sqlite"
    result = kb_cli("seed", "add", "--json", str(doc), db=db)
    assert result.exit_code == 0, result.output
    from kb.store import Store

    with Store(db, readonly=True) as store:
        rows = [dict(r) for r in store.conn.execute(
            "SELECT m.surface, m.status, p.title FROM mention m LEFT JOIN paper p ON p.id = m.paper")]
    resolved = {r["surface"]: r["title"] for r in rows if r["status"] == "resolved"}
    assert resolved == {LOWER: TITLE}
    assert len(standin.log) <= 20
    assert json.loads(result.stdout)
    # added again, the cache answers: stored the same way, without a request
    before = len(standin.log)
    assert kb_cli("seed", "add", "--json", str(doc), db=db).exit_code == 0
    with Store(db, readonly=True) as store:
        again = {r["surface"] for r in store.conn.execute("SELECT surface FROM mention WHERE status = 'resolved'")}
    assert again == {LOWER} and len(standin.log) == before


# -- a blog's listing of its posts (offline, kb.grounding.layout) ---------------------------------------

LISTING = ("Posts tagged planning\n\n\n\nWhy quiet planners drift in long episodes\n\n"
           "A short update on two runs where the planner stopped following its reward.\n\n"
           "What's wrong with sparse planners?\n\nBrief notes from the sparse planners paper.\n\n"
           "3 Lanterns in a Hallway, part 2\n\nNotes on how the probes were trained.\n\n"
           "Drift probes for small models, revisited\n\nWhat changed since the first post.\n")


def test_the_titles_of_a_blogs_listing_of_its_posts_are_works_whole():
    found = listed(extract(LISTING, aliases=AliasTable.load(user=Path("/nonexistent"))))
    works = {m.surface for m in found if m.confidence == WORK}
    assert {"What's wrong with sparse planners?", "3 Lanterns in a Hallway, part 2",
            "Drift probes for small models, revisited"} <= works, works
    assert not any(w.startswith(("A short update", "Brief notes", "Notes on")) for w in works)


def test_sections_with_long_paragraphs_or_a_table_dump_are_no_listing():
    prose = " ".join(["The planner drifted again and we do not know why it happens so often."] * 4)
    sections = "".join(f"{h}\n\n{prose}\n\n" for h in ("Why planners drift at all", "What we tried first",
                                                       "What we will try next", "Open questions we still have"))
    dump = "".join(f"Format{k} questions (4 options), 14,042 in all\n\nAccuracy on the held part.\n\n" for k in "ABCD")
    for text in (sections, dump):
        works = {m.surface for m in extract(text, aliases=AliasTable.load(user=Path("/nonexistent")))
                 if m.confidence == WORK}
        assert not works & {"Why planners drift at all", "What we tried first", "Open questions we still have"}, works
        assert not any(w.startswith("Format") for w in works), works


def test_kb_mentions_online_narrows_a_confirmed_candidate_to_the_title_and_asks_once_for_it():
    """`kb mentions --online` (kb.grounding.verify.check_online) with a client that knows one title."""
    import asyncio

    from kb.grounding.verify import check_online

    class Client:
        asked: list[str] = []

        async def match_title(self, query: str):
            self.asked.append(query)
            if query.lower().startswith(LOWER):
                return {"paperId": "p1", "title": TITLE, "year": 2023, "authors": [{"name": "Ada Marlow"}]}
            return None

    text = f"Notes\n\nI liked the post {LOWER} a lot.\n"
    found = extract(text, aliases=AliasTable.load(user=Path("/nonexistent")))
    client = Client()
    asyncio.run(check_online(client, found, budget=40))
    (m,) = [m for m in found if m.confidence == WORK and "Semantic Scholar" in m.reason]
    assert (m.surface, text[m.start:m.end]) == (LOWER, LOWER)
    assert client.asked.count(f"{LOWER} a lot") == 1       # a broad candidate costs one request
