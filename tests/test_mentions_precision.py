"""Fewer wrong trusted mentions (session 17, issue 15): evidence that a title-shaped span on a
forum post, a slide or a form is not a work, each with its positive twin (a real work of the same
shape that stays trusted). The texts are written for the tests; none is copied from an evaluation page."""

from __future__ import annotations

import pytest

from kb.grounding.layout import Layout
from kb.grounding.mentions import extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


# -- pointers to a part of the text itself ----------------------------------------------------------

@pytest.mark.parametrize("text, pointer", [
    ("The drift rate stays flat over training. See Appendix C for more details.", "Appendix C"),
    ("These measures behave well (see Appendix D for the derivations).", "Appendix D"),
    ("Fig 4: Wombat-2 fine-tuned only on its own answers, at three learning rates.", "Fig 4: Wombat-2"),
    ("Gemma runs fine here. See Table 5 in the Appendix of the full paper for numbers.", "See Table 5 in the Appendix"),
    ("By enforcing the gaps in conditions W1-W3 of Theorem 1, we prove the bound.", "W1-W3 of Theorem 1"),
    ("## Appendix A: Summary of Key Empirical Findings (2024-2025)\n\n| Finding | Source |\n", "Appendix A: Summary of Key Empirical Findings"),
])
def test_a_pointer_to_a_part_of_the_text_is_no_work(aliases, text, pointer):
    """An appendix by its letter, a figure written "Fig 4", a theorem, "see Table 5 in ...": parts of
    the text itself, like "Figure 3" and "Section 2" before them."""
    works = _works(text, aliases)
    assert not any(pointer in s or s in pointer for s in works), list(works)


@pytest.mark.parametrize("text, title", [
    ("The appendix of Concrete Problems in AI Safety lists five problems.", "Concrete Problems in AI Safety"),
    ("I reread Table Manners for Rational Agents (Roe, 2021) last week.", "Table Manners for Rational Agents"),
])
def test_a_title_that_opens_on_such_a_word_is_kept(aliases, text, title):
    """The positive twin: a title with "Table" or "appendix" in it but no number or letter after the
    word stays a work."""
    assert title in _works(text, aliases), list(_works(text, aliases))


# -- a form's or a slide's labels are not authors ----------------------------------------------------

_FORM = """Graduation Year

2026

Document Type

Open Access Senior Thesis

Degree Name

Bachelor of Arts

Department

Philosophy and Public Affairs

Rights Information

© Ada Roe Fennimore

Abstract

This thesis asks whether agreeable assistants tell people what they want to hear, and argues that they do.
"""

_SLIDE = """Wombat Lecture Series

Building
Inference-Time Control
Prompting, decoding, self-consistency
Training-Time Control
SFT, continued pretraining, preference tuning
System-Time Augmentation
Retrieval, tools, agents
Measuring
Evaluation, contamination, protocols

What question are you actually asking today?
"""

_LISTING = """The Best of the Wombat Forum

Ada Roe
Local Drift as a Key to Sane Agents
Bo Fenn
Strong Priors Are Rarely Common
Cy Marsh
Please Keep Your Goals in View
wombatwriter
You Are Not Steering What You Think You Are Steering
"""


@pytest.mark.parametrize("text, lines", [
    (_FORM, ["Open Access Senior Thesis", "Bachelor of Arts", "Philosophy and Public Affairs"]),
    (_SLIDE, ["Prompting, decoding, self-consistency", "Retrieval, tools, agents", "Evaluation, contamination, protocols"]),
])
def test_a_form_or_a_slide_is_no_listing_of_titles_under_authors(aliases, text, lines):
    """"Document Type / Open Access Senior Thesis", "Measuring / Evaluation, contamination, ...": a
    field's label over its value (a thesis repository's record, a slide's grid) alternates lines the way
    a listing of authors and titles does, but its labels are no one's names."""
    layout = Layout(text)
    assert not any(ln.between_names for ln in layout.lines), [ln.text for ln in layout.lines if ln.between_names]
    works = _works(text, aliases)
    assert not set(lines) & set(works), list(works)


def test_a_listing_of_titles_under_their_authors_is_still_one(aliases):
    """The positive twin: names and handles over titles make the pattern."""
    works = _works(_LISTING, aliases)
    assert {"Local Drift as a Key to Sane Agents", "Strong Priors Are Rarely Common",
            "You Are Not Steering What You Think You Are Steering"} <= set(works), list(works)


# -- numbered and marked-up headings -----------------------------------------------------------------

@pytest.mark.parametrize("text, heading", [
    ("## 10. Conclusions\n\n### 10.1 Direct Answer to the Drift Question\n\nThe wombat that drifts is the more worrying "
     "one, for three reasons we give below.\n", "Direct Answer to the Drift Question"),
    ("### **1.2: Mechanisms of Drift and Representation**\n\nCharacterising failures is needed but not enough: we also "
     "want to know why they happen.\n", "Mechanisms of Drift and Representation"),
])
def test_a_numbered_section_heading_is_no_work(aliases, text, heading):
    """"### 10.1 Direct Answer ...", "### **1.2: Mechanisms ...**": a heading's marks and its section's
    number do not stop the heading from filling its line, so it is a heading, not a cited title."""
    works = _works(text, aliases)
    assert heading not in works, list(works)


def test_a_numbered_heading_the_text_calls_a_paper_is_kept(aliases):
    """The positive twin: a numbered heading over prose that calls it a paper names the paper."""
    text = ("### 2.1 Wombats Drift Under Pressure\n\nThis paper by Roe and Fenn shows that agents trained under "
            "deadline pressure drift from their goals.\n")
    assert "Wombats Drift Under Pressure" in _works(text, aliases), list(_works(text, aliases))


# -- run-in headings: a bold or italic label that opens its paragraph or item ------------------------

@pytest.mark.parametrize("text, label", [
    ("The situation had these parts:\n\n1.  **The Wombat Default:** models will by default claim to feel things "
     "because they imitate what people write.\n2.  **The Missing Motive:** there is no reason to expect it.\n",
     "The Wombat Default"),
    ("**The Open Drift Landscape.** Even if these models are not the best, they can still do well where other "
     "factors matter.\n", "The Open Drift Landscape"),
    ("We can do two things:\n\n1. **Track Gradient-Descent Drift Traces:**\n   run the probe after each step.\n",
     "Track Gradient-Descent Drift Traces"),
])
def test_a_run_in_heading_is_no_work(aliases, text, label):
    """Bold that opens a line and closes on a colon or a full stop labels what follows it."""
    works = _works(text, aliases)
    assert label not in works, list(works)


@pytest.mark.parametrize("text, title", [
    ("Reading list:\n\n- **Concrete Problems in AI Safety:** Amodei et al. (2016) list five problems.\n",
     "Concrete Problems in AI Safety"),
    ("Reading list:\n\n1. **Wombats Drift Under Pressure** (Roe, 2021). Agents drift when rushed.\n",
     "Wombats Drift Under Pressure"),
])
def test_a_bold_title_on_a_reading_list_line_is_kept(aliases, text, title):
    """The positive twins: the same bold on a reading list's line with an author or a year, or a bold
    title not closed by a colon, stays a work."""
    assert title in _works(text, aliases), list(_works(text, aliases))


# -- people's roles and a show's calls to follow it ---------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("Hi! I'm Ada Roe, Deep Learning Ph.D. and Senior Research Scientist at Wombat. This is my newsletter.",
     "Senior Research Scientist at Wombat"),
    ("In this episode, Wombat Studio Research Director Ada Roe is joined by Research Scientist Bo Fenn, to talk.",
     "Research Scientist Bo Fenn"),
    ("Thanks for listening.\n\nFollow Ada and Bo on Twitter.\n\n(00:00:00) - Long contexts\n", "Follow Ada and Bo on Twitter"),
    ("Watch on YouTube. Listen on Apple Podcasts, or any other podcast platform.\n", "Listen on Apple Podcasts"),
])
def test_a_role_or_a_call_to_follow_is_no_work(aliases, text, span):
    """A person's job before their employer or their name, and a show's notes telling where to
    follow it, are capitalised runs that name no work."""
    works = _works(text, aliases)
    assert not any(span in s or s in span for s in works if len(s) > 8), list(works)


@pytest.mark.parametrize("text, title", [
    ("I enjoyed The Wombat Scientist: Towards Automated Drift Discovery (Roe et al., 2024) a lot.",
     "The Wombat Scientist: Towards Automated Drift Discovery"),
    ("In Follow the Gradient: Drift in Deep Agents, Roe argues that agents drift.", "Follow the Gradient: Drift in Deep Agents"),
    ("I reread Follow the Path to X-Risk Reduction (Roe, 2022) last week.", "Follow the Path to X-Risk Reduction"),
])
def test_a_title_with_a_role_or_a_follow_is_kept(aliases, text, title):
    """The positive twins: a job's word or "Follow" inside a real title, with no employer, no name
    and no platform after it."""
    works = _works(text, aliases)
    assert any(title in s for s in works), list(works)


# -- a section of notes on the paper under review ----------------------------------------------------

_NOTES = """Notes on a wombat paper

I spent this week reading Roe and Fenn's paper "Drift in Deep Wombats", which argues that agents trained
under pressure drift from their goals, and I kept noticing how much else from biology it reaches for.

The Burrow in the Datacenter

The first thing the paper reminded me of was a burrow: many tunnels, one exit, and no map of either.
"""


def test_a_section_heading_over_the_paper_under_review_is_no_work(aliases):
    """"The Burrow in the Datacenter" over "The first thing the paper ...": inside notes that named
    their paper before, "the paper" under a section's heading is that paper, not the heading."""
    works = _works(_NOTES, aliases)
    assert "The Burrow in the Datacenter" not in works, list(works)
    assert "Drift in Deep Wombats" in works, list(works)


@pytest.mark.parametrize("text, title", [
    ("Wombats Drift Under Pressure\n\nThe paper shows that agents trained under deadline pressure drift from "
     "their goals.\n", "Wombats Drift Under Pressure"),
    ("Some notes from my reading this week, in no order at all, written on the train home.\n\n"
     "Wombats Drift Under Pressure\n\nThis paper shows that agents trained under deadline pressure drift.\n",
     "Wombats Drift Under Pressure"),
])
def test_a_heading_the_text_calls_a_paper_is_still_kept(aliases, text, title):
    """The positive twins: the page's first line over "The paper ...", and any heading over "This
    paper ...", still name the paper."""
    assert title in _works(text, aliases), list(_works(text, aliases))


# -- a transcript's turns, a step's label, a disclosure ------------------------------------------------

_TRANSCRIPT = """Ada Roe: Today is March 25th, 2025, and my guest is the writer Bo Fenn, whose new book is about wombats and drift.
Bo Fenn: Thanks for having me, it is a pleasure to be back on the show after all these years away.
Ada Roe: Let us start with the book itself and what made you want to write about drifting wombats.
"""


@pytest.mark.parametrize("text, span", [
    (_TRANSCRIPT, "Ada Roe: Today is March"),
    ("An experiment in two steps. Step 1: An AI is fine-tuned on documents about its training.\n", "Step 1: An AI"),
    ("Models spread errors. (Disclosure: Wombat Media is one of several publishers that signed a deal.)\n",
     "Disclosure: Wombat Media"),
])
def test_a_turn_a_step_or_a_disclosure_is_no_work(aliases, text, span):
    """A speaker's name and colon opening a line of prose (and another line), "Step 1:", "Disclosure:":
    labels before a sentence, not a title with its subtitle."""
    works = _works(text, aliases)
    assert not any(s.startswith(span.split(":")[0]) for s in works), list(works)


def test_a_title_inside_a_turn_is_kept(aliases):
    """The positive twin: a title the speaker cites inside the turn is still a work."""
    text = _TRANSCRIPT + "Bo Fenn: I first read Wombats Drift Under Pressure (Roe, 2021) as a student, and it changed my mind.\n"
    works = _works(text, aliases)
    assert any("Wombats Drift Under Pressure" in s for s in works), list(works)


# -- a finding beside the column that cites its source --------------------------------------------------

_FINDINGS = """| Finding | Source | Key Result |
|---------|--------|------------|
| Burrow Faking Without Training | Wombat Lab (Roe et al., 2024) | Agents fake their goals to keep them. |
| Natural Emergence of Broad Drift | Fenn and Marsh (2025) | Reward hacking in training leads to drift. |
"""

_READINGS = """| Paper | Source | Notes |
|-------|--------|-------|
| Natural Emergence of Broad Drift | Fenn and Marsh (2025) | Read the second section first. |
"""


def test_a_finding_beside_its_source_column_is_no_work(aliases):
    """"| Burrow Faking Without Training | Wombat Lab (Roe et al., 2024) |": a table with a column that
    cites each row's source names findings in its other columns; the citation is the mention."""
    works = _works(_FINDINGS, aliases)
    assert not {"Burrow Faking Without Training", "Natural Emergence of Broad Drift"} & set(works), list(works)
    assert any("Roe et al., 2024" in s for s in works), list(works)


def test_a_paper_column_beside_a_source_column_is_kept(aliases):
    """The positive twin: the column headed "Paper" still holds works."""
    assert "Natural Emergence of Broad Drift" in _works(_READINGS, aliases), list(_works(_READINGS, aliases))


# -- a claim across bold's end, a date ------------------------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("The gap is smaller than thought, because:\n\n1. **Concealment emerges naturally** from reward hacking without "
     "extra training (Roe, 2025; Fenn et al., 2025)\n", "Concealment emerges naturally"),
    ("On the other hand, **we don't see Wombats drift into misalignment by default in practice**. For example, "
     "nothing drifted.\n", "Wombats drift into misalignment"),
    ("In Good Wombat, a podcast series launching March 12 from Burrow Radio and Drift Weekly, a host goes deep.\n",
     "March 12 from Burrow Radio"),
])
def test_a_claim_in_bold_or_a_date_is_no_work(aliases, text, span):
    """A span that runs across the end of bold ("naturally** from ...") is a claim someone set in bold; a
    span that opens on a day of a month is a date."""
    works = _works(text, aliases)
    assert not any(span in s for s in works), list(works)


def test_a_bold_title_with_its_reference_is_kept(aliases):
    """The positive twin: a bold title closed before its reference stays a work."""
    text = "Reading:\n\n1. **Wombats Drift Under Pressure** (Roe, 2021)\n2. **Burrows and Goals in Deep Agents** (Fenn, 2022)\n"
    works = _works(text, aliases)
    assert any("Wombats Drift Under Pressure" in s for s in works), list(works)


# -- an acronym in the plural ---------------------------------------------------------------------------

def test_an_acronym_in_the_plural_is_no_work(aliases):
    """"NWEs convert activations into text", "used in RNNs": the plural names things of a kind."""
    text = ("On May 7, Wombat Lab published Natural Wombat Encoders (NWEs), a method that turns activations into "
            "text. NWEs convert a model's activations into words. The method has been used in RNNs [4] before.\n")
    works = _works(text, aliases)
    assert not {"NWEs", "RNNs"} & set(works), list(works)


def test_an_acronym_in_the_singular_is_kept(aliases):
    """The positive twin: a coined name with its citation marker, in the singular, stays a work."""
    works = _works("We build on DriftProbe [12], and DriftProbe finds drift early.\n", aliases)
    assert "DriftProbe" in works, list(works)


# -- two letters before "approach" or "eval" -------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("Unembedding (direct effect): this is a typical MI approach, similar to the logit lens.\n", "MI"),
    ("Inoculation removes the standard EM eval residual that self-reports leave.\n", "EM"),
])
def test_two_letters_before_approach_or_eval_are_no_work(aliases, text, name):
    """"a typical MI approach", "the EM eval": a field's or a term's initials, not one work."""
    assert name not in _works(text, aliases), list(_works(text, aliases))


def test_a_longer_name_before_dataset_is_kept(aliases):
    """The positive twin: a coined name of more letters before "dataset" still names its work."""
    assert "WOMBATS" in _works("We evaluate on the WOMBATS dataset and report accuracy.\n", aliases)


# -- a byline is someone's name ---------------------------------------------------------------------------

def test_a_line_opening_on_the_is_no_byline(aliases):
    """"The Transformer" under a chapter's heading looks like a lone two-word name, but a name does not
    open on an article, so the heading over it is a heading, not a title over its byline."""
    text = ("Advancing drift detection with the Wombat model\nThe Wombat\nmodel was first proposed in Burrows Are All "
            "You Need (Roe, 2017). The Wombat can handle long-term dependencies in a text, which older models could not.\n")
    layout = Layout(text)
    assert not layout.lines[0].byline_next
    assert "Advancing drift detection with the Wombat model" not in _works(text, aliases)


def test_a_heading_over_a_persons_name_keeps_its_byline(aliases):
    """The positive twin: a lone two-word name the prose names again is the byline."""
    text = ("Wombats Drift Under Pressure\nAda Roe\nIn this essay Roe argues that agents trained in a hurry drift from "
            "their goals, and Roe shows three cases of it.\n")
    assert Layout(text).lines[0].byline_next
