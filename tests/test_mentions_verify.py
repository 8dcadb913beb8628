"""A "maybe" candidate confirmed by a real title (kb.grounding.verify): the rules that keep a
title match from confirming a common phrase, `kb mentions --online`, the store's own titles
(offline), and `kb seed add` against a stand-in that holds papers titled with common phrases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import MAYBE, WORK, Mention, extract, listed
from kb.grounding.verify import confirms, title_parts, weighing_order

LONG = "Gradient Noise Shapes the Loss Landscape of Small Transformers"
SENTENCE_CASE = "Gradient noise shapes the loss landscape of small transformers"


def _maybe(surface: str, sentence: str, reason: str = "a title's shape", *, file: str | None = None,
           score: float = 0.5) -> Mention:
    at = sentence.index(surface)
    return Mention(file, surface, at, at + len(surface), "title", sentence, confidence=MAYBE, reason=reason,
                   score=score)


def test_a_title_match_confirms_a_specific_span_and_never_a_common_phrase_alone():
    generic = _maybe("Deep Reinforcement Learning", "We use Deep Reinforcement Learning in the lab.")
    assert confirms(generic, "Deep Reinforcement Learning", year=2017, authors=["Ann Smith"]) is None
    named = _maybe("Deep Reinforcement Learning", "Smith wrote Deep Reinforcement Learning in 2017.")
    assert "author" in confirms(named, "Deep Reinforcement Learning", year=2017, authors=["Ann Smith"])
    # a year alone is not enough for a short span: some paper has that title in almost any year
    dated = _maybe("Deep Reinforcement Learning", "Deep Reinforcement Learning (2017) is a classic.")
    dated.years = [2017]
    assert confirms(dated, "Deep Reinforcement Learning", year=2017, authors=["Ann Smith"]) is None
    long = _maybe(SENTENCE_CASE, f"As {SENTENCE_CASE} argues, noise matters.")
    assert confirms(long, LONG) == "the title word for word"
    # the title match's fuzzy best is not the span
    assert confirms(long, "Gradient Noise in Large Transformers: A Study", year=2020) is None


def test_clipped_run_on_and_decorated_spans_are_confirmed_by_the_whole_title():
    clipped = _maybe("Gradient Noise", f"{LONG}, they say.")
    assert confirms(clipped, LONG) == "the title, which the sentence holds around it"
    assert confirms(_maybe("Gradient Noise", "Gradient Noise, they say."), LONG) is None
    ran_on = _maybe(f"{SENTENCE_CASE} is worth reading", f"I think {SENTENCE_CASE} is worth reading.")
    assert confirms(ran_on, LONG) == "the title, with the sentence running on"
    assert title_parts(f"Enterprise AI Analysis: {LONG}") == [LONG]
    assert confirms(_maybe("Gradient Noise", "See Gradient Noise: A Study."), "Gradient Noise: A Study of Noise") is None


# -- online and in the store -----------------------------------------------------------------------

def _work(title: str, year: int, author: str) -> dict:
    return {"title": title, "year": year, "arxiv": None, "doi": None, "authors": [author], "abstract": None,
            "kind": "paper", "key": title[:12]}


@pytest.fixture(scope="module")
def phrase_corpus():
    """A small corpus holding a real-looking long title and papers titled with common phrases."""
    from kb.standin.generate import generate_corpus

    return generate_corpus(40, seed=3, works=[_work(LONG, 2021, "Ada Quill"), _work(HEADINGS[0], 2019, "B. Decoy"),
                                              _work(HEADINGS[1], 2020, "C. Decoy")])


HEADINGS = ("Why Does Overoptimization Happen", "A Careful Look")
TEXT = (f"Notes\n\nWe build on {SENTENCE_CASE}, in this post.\n\n{HEADINGS[0]}\n\nOthers tried this before.\n\n"
        f"{HEADINGS[1]}\n\nWe train for a day.\n")


@pytest.fixture()
def doc(tmp_path) -> Path:
    path = tmp_path / "post.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_offline_the_candidates_are_maybes():
    found = {m.surface: m for m in extract(TEXT, aliases=AliasTable.load(user=Path("/nonexistent")))}
    assert found[SENTENCE_CASE].confidence == MAYBE
    assert all(found[h].confidence == MAYBE for h in HEADINGS)


def test_kb_mentions_online_confirms_a_real_title_and_not_a_heading(kb_cli, make_standin, phrase_corpus, doc,
                                                                    tmp_path, monkeypatch):
    standin = make_standin(phrase_corpus)
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    offline = kb_cli("mentions", "--json", str(doc), db=tmp_path / "none.sqlite")
    assert offline.exit_code == 0 and SENTENCE_CASE not in offline.stdout and not standin.log
    result = kb_cli("mentions", "--online", "--json", str(doc), db=tmp_path / "none.sqlite")
    assert result.exit_code == 0, result.output
    rows = {r["surface"]: r for r in json.loads(result.stdout)}
    assert rows[SENTENCE_CASE]["confidence"] == WORK
    assert "confirmed: the title word for word (Semantic Scholar" in rows[SENTENCE_CASE]["reason"]
    assert not set(HEADINGS) & set(rows)         # a paper has that title: not enough for a common phrase
    assert len(standin.log) <= 3 * 40


def test_seed_add_resolves_the_title_and_keeps_the_headings_out_then_the_store_confirms_offline(
        kb_cli, make_standin, phrase_corpus, doc, tmp_path, monkeypatch, store_target):
    """On SQLite and PostgreSQL: the store's title check is a phrase search of its full-text index."""
    standin = make_standin(phrase_corpus)
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    db = store_target
    assert kb_cli("seed", "add", "--json", str(doc), db=db).exit_code == 0
    from kb.store import Store

    with Store(db, readonly=True) as store:
        rows = {r["surface"]: dict(r) for r in store.conn.execute(
            "SELECT m.surface, m.status, m.note, p.title FROM mention m LEFT JOIN paper p ON p.id = m.paper")}
    assert rows[SENTENCE_CASE]["status"] == "resolved" and rows[SENTENCE_CASE]["title"] == LONG
    assert all(rows[h]["status"] != "resolved" for h in HEADINGS)
    before = len(standin.log)
    assert kb_cli("seed", "add", "--json", str(doc), db=db).exit_code == 0
    assert len(standin.log) == before            # what the title match rejected is asked once, ever
    # the title is in the store now: another document naming it is confirmed offline (no API at all)
    other = tmp_path / "other.txt"
    other.write_text(f"Later the group discussed {SENTENCE_CASE}, at length.\n", encoding="utf-8")
    monkeypatch.setenv("KB_S2_API_URL", "http://127.0.0.1:9")
    result = kb_cli("mentions", "--json", str(other), db=db)
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(result.stdout) if r["surface"] == SENTENCE_CASE]
    assert row["confidence"] == WORK and "(in the store: #" in row["reason"]


def test_weak_runs_and_headings_are_candidates_only_a_real_title_can_confirm():
    # (a run ending in a document's genre, "the Alignment Risk Update", is a work offline:
    # test_mentions_maybes.py; "Notes" names no single document's genre)
    text = ("Has anyone read section 5.2.3 in the Alignment Risk Notes ? It is cited.\n\n"
            "Why Should I Trust You?\n\nThe paper explains predictions.\n")
    found = {m.surface: m for m in extract(text, aliases=AliasTable.load(user=Path("/nonexistent")))}
    for surface in ("Alignment Risk Notes", "Why Should I Trust You?"):
        assert found[surface].confidence == MAYBE and found[surface].reason.startswith("only a real title")
    assert not {"Alignment Risk Notes", "Why Should I Trust You?"} & {m.surface for m in listed(found.values(),
                                                                                              include_maybe=True)}
    # the paper's own author is evidence; a paper titled with a person's name by that person is not
    turing = _maybe("Alan Turing", "A life of Alan Turing, told well.")
    assert confirms(turing, "Alan Turing", year=1990, authors=["Sara Turing"]) is None


# -- the online budget --------------------------------------------------------------------------------

def test_the_budget_goes_to_the_likeliest_confirmations_of_every_document_first():
    hypothesis = "only a real title can confirm it: a sentence-case span"
    crowded = [_maybe(f"Part {i} Notes", f"Part {i} Notes", file="a.txt") for i in range(50)]
    specific = _maybe(SENTENCE_CASE, f"As {SENTENCE_CASE} argues.", hypothesis, file="b.txt", score=0.15)
    ruled = _maybe(LONG, f"See {LONG}.", file="c.txt", score=0.45)
    order = weighing_order(crowded + [specific, ruled])
    # a span a match alone can confirm before short ones, the rules' before hypotheses, whatever the order
    assert order[:2] == [ruled, specific]
    other = [_maybe(f"Part {i} Notes", f"Part {i} Notes", file="d.txt") for i in range(3)]
    order = weighing_order(crowded + other)
    assert order[:2] == [crowded[0], other[0]]        # each document's best before any document's next


PARTS = "".join(f"Part {w} Notes\n\nShort note.\n\n" for w in
                "Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliet Kilo Lima Mike November Oscar Papa "
                "Quebec Romeo Sierra Tango Uniform Victor Whiskey Xray Yankee Zulu Amber Basil Cedar Dune Ember "
                "Fable Gale Harbor Iris Jade Kestrel Lumen Maple Nectar Onyx Pebble Quartz".split())


def test_kb_mentions_online_checks_a_later_document_after_a_crowded_one(kb_cli, make_standin, phrase_corpus,
                                                                        tmp_path, monkeypatch):
    crowded, later = tmp_path / "a_crowded.txt", tmp_path / "b_later.txt"
    crowded.write_text(PARTS, encoding="utf-8")
    later.write_text(f"Notes\n\n{SENTENCE_CASE}, as we saw.\n", encoding="utf-8")   # a hypothesis
    headings = [m for m in extract(PARTS, aliases=AliasTable.load(user=Path("/nonexistent"))) if m.surface.startswith("Part ")]
    assert len(headings) > 40                     # more candidates than the budget
    standin = make_standin(phrase_corpus)
    monkeypatch.setenv("KB_S2_API_URL", standin.url)
    monkeypatch.setenv("KB_RATE", "1000")
    result = kb_cli("mentions", "--online", "--json", str(crowded), str(later), db=tmp_path / "none.sqlite")
    assert result.exit_code == 0, result.output
    assert SENTENCE_CASE in {r["surface"] for r in json.loads(result.stdout) if r["confidence"] == WORK}
