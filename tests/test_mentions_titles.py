"""Titles found offline (session 13's title round): a page's own paper under its site's banner,
titles standing as sentences, one-word titles a work's noun names, and titles in prose that a
metadata label opens. One test per rule, each failing on the code before it; the sentences are
written for the tests (none is copied from an evaluation page)."""

from __future__ import annotations

from kb.grounding.mentions import extract, listed


def _works(text, aliases):
    return {m.surface: m for m in listed(extract(text, aliases=aliases))}


def test_a_title_in_a_paragraph_that_opens_with_a_metadata_label(aliases):
    """"Published on May 2, 2024 by ..., these writers ..." is a paragraph of prose, not the post's
    own metadata line: the titles it names are works; its label is still no title."""
    text = ("Published on May 2, 2024 by Ada Roe, Bo Fenn and Cy Lund, these three writers bring long "
            "experience of forecasting, of building agents and of running a small lab to the question of "
            "where slow agents are going. See also Quiet Minds Drifting: Notes on Slow Agents by Dee Marr.\n\n"
            "The rest is about agents.")
    works = _works(text, aliases)
    assert any(w.startswith("Quiet Minds Drifting") and m.kind == "title" for w, m in works.items()), works
    assert not any(w.startswith("Published") for w in works)
    # a short metadata line stays the page's furniture
    assert not any(w.startswith("Published") for w in _works("Published on May 2, 2024\n\nThe post.", aliases))


def test_a_paper_pages_title_under_its_sites_banner(aliases):
    """A review site's page opens with its name, scores and venue on short lines, then the
    paper's title, a TL;DR and the reviews ("The authors propose ..."): the title is the work the
    page is about. A short label among the banner's lines is not."""
    text = ("ReviewHub\n6.5\n/10\nAccepted 3 reviewers\nICLR 2026\n\n"
            "Slow Probes Reveal Quiet Drift in Recurrent Agents\n\nPDF\nSubmitted: 2025-09-01\nTL;DR\n\n"
            "We probe slow agents and find drift.\n\nReview 1\n\nThe authors propose a probe for drift in agents. "
            "The experiments are small.\n")
    works = _works(text, aliases)
    assert works["Slow Probes Reveal Quiet Drift in Recurrent Agents"].kind == "title"
    thesis = ("Graduation Year\n\n2026\n\nDate of Submission\n\n11-2025\n\nAbstract\n\n"
              "This thesis investigates drift in slow agents and argues that it matters.\n")
    assert "Date of Submission" not in _works(thesis, aliases)


def test_a_review_page_whose_abstract_is_labelled_in_chinese(aliases):
    """A mirror of a review site labels the abstract "摘要" and opens the reviews with "The authors
    tackle ...": the page's first line is the paper's title."""
    text = ("Ensembles of Slow Critics Curb Reward Drift\nUsing several critics helps.\n\u6458\u8981\n"
            "\u8bc4\u5ba1\nThe authors tackle reward drift with ensembles of critics. This is achieved by training "
            "several critics.\n")
    assert _works(text, aliases)["Ensembles of Slow Critics Curb Reward Drift"].kind == "title"


def test_a_one_word_title_a_work_noun_calls_by_name(aliases):
    """"a book called Quokkas (Fenn Press)": the noun for a work and "called" name it, however short."""
    works = _works("Ada Roe and Bo Fenn wrote a book called Quokkas (Fenn Press), about small minds.", aliases)
    assert works["Quokkas"].kind == "title"
    assert "Quokkas" not in _works("Ada Roe keeps a pet called Quokkas (the name stuck), about town.", aliases)


def test_a_title_standing_as_a_sentence_that_the_next_one_says_argues(aliases):
    """"... start with something short:\\nDrift by Design. It argues that ...": the phrase is what
    argues, so a title (its "by Design" no author); a concept the next sentence explains is not."""
    text = ("For our first meeting I thought we would start with something short:\n"
            "Drift by Design. It argues that slow agents may keep their goals. Some tools may be enough.")
    assert _works(text, aliases)["Drift by Design"].kind == "title"
    text = "Consider Quiet Drift. It argues nothing.\n\nGoodhart Effects. It says that measures fail."
    assert not _works(text, aliases)


def test_a_sentence_case_title_a_reference_follows_after_words_that_point_to_it(aliases):
    """"builds on Gradient paths for slow agents (Roe et al., 2024)", "the approach of ... [12]": a
    capitalised span after a word that points to a work, with its reference right after it, is
    the title; after "that" it is a claim the reference supports, and a name glued to a footnote
    after "and" is no title."""
    works = _works("Our method builds on Gradient paths for slow agents (Roe et al., 2024) and goes further.", aliases)
    assert works["Gradient paths for slow agents"].kind == "title"
    works = _works("We follow the approach of Calibrated debate with weak judges [12] in all runs.", aliases)
    assert works["Calibrated debate with weak judges"].kind == "title"
    works = _works("Prior work shows that Agents drift over long horizons (Roe et al., 2024) in most runs.", aliases)
    assert "Agents drift over long horizons" not in works
    works = _works("The debate is old, but Roe and Fenn can be seen as the two poles of it[1]. Both agree.", aliases)
    assert not [w for w in works if "can be seen" in w]


def test_a_title_set_off_by_commas_after_an_earlier_paper(aliases):
    """"Their earlier paper, Measuring slow drift in agents, introduced ...": the adjective before
    the work's noun does not hide the appositive title."""
    works = _works("Their earlier paper, Measuring slow drift in agents, introduced the benchmark.", aliases)
    assert works["Measuring slow drift in agents"].kind == "title"
    works = _works("Her seminal essay, Quiet minds wander, is still read.", aliases)
    assert works["Quiet minds wander"].kind == "title"


def test_a_quoted_title_the_sentence_points_to(aliases):
    """'as Roe put it in "Why slow agents drift"', 'compare it to 'Recurrent probes for latent goals'',
    '"Slow probes find drift" (Roe, 2023)': a capitalised quotation of three words or more after a
    word that points to a work, or before its reference, is a title; a short scare quote after "in"
    and a quoted section a syllabus says to read are not."""
    works = _works('As Roe put it in "Why slow agents drift", the cost is small.', aliases)
    assert works["Why slow agents drift"].kind == "title"
    works = _works("The reviewers compare it to 'Recurrent probes for latent goals' and to older work.", aliases)
    assert works["Recurrent probes for latent goals"].kind == "title"
    works = _works('The claim in "Slow probes find drift" (Roe et al., 2023) is tested here.', aliases)
    assert works["Slow probes find drift"].kind == "title"
    assert not _works('They are interested in "Slow drift" and little else.', aliases)
    assert not _works('Alternate paper on drift. Read \u201cSummary of results.\u201d 2\n', aliases)


def test_a_name_with_its_short_form_then_the_people_it_is_by(aliases):
    """"the two-volume Slow Drift Dynamics (SDD) by Ada Roe, Bo Fenn, and ...": people wrote it, so a
    work, not a term introducing its acronym; a term's acronym with no people after it stays a term."""
    text = ("Networks fell out of favour for years. The most cited work was the two-volume Slow Drift Dynamics "
            "(SDD) by Ada Roe, Bo Fenn, and their group, released in 1986. It set the agenda.")
    assert _works(text, aliases)["Slow Drift Dynamics"].kind == "title"
    assert "Slow Drift Dynamics" not in _works("We study Slow Drift Dynamics (SDD) in agents, and SDD matters.", aliases)


def test_works_listed_in_a_bracket_after_a_plural_noun_for_works(aliases):
    """"a series of ML books (Quiet Algebra Done Slowly, Deep Drift, and Slow Learning)": each item is
    a work, a plain two-word one too; a bracket of references or examples is not such a list."""
    text = "I finally made it through a series of ML books (Quiet Algebra Done Slowly, Deep Drift, and Slow Learning), at last."
    works = _works(text, aliases)
    assert works["Deep Drift"].kind == "title" and works["Slow Learning"].kind == "title"
    assert not [w for w in _works("We read papers (e.g. Deep Drift, Slow Learning) in class.", aliases) if "Drift" in w]
    found = extract("She collects safety posts (Alignment Forum, Quokka Digest) and papers (Google DeepMind, Quokka "
                    "Labs) in one place.", aliases=aliases)
    assert not [m for m in found if m.reason == "an item of a bracketed list after the works' noun"]


def test_titles_by_their_authors_in_a_list_run_together(aliases):
    """Show notes whose list lost its line breaks: "Picks: Quiet Nights by Ada RoeThe Slow Room by Bo
    FennThe Long Drift by Cy Lund": each title and its author; one "by" with a camel-case name
    ("... by James McClellan and others") is no such list."""
    text = "We talked about drift.Picks: Quiet Nights by Ada RoeThe Slow Room by Bo FennThe Long Drift by Cy Lund Email us."
    works = _works(text, aliases)
    assert {"Quiet Nights", "The Slow Room"} <= {w for w, m in works.items() if m.kind == "title"}
    assert works["Ada Roe"].kind == "author-ref" and works["Bo Fenn"].kind == "author-ref"
    text = "It was first described.Deep Drift by James McClellan and others, in 1986, changed the field."
    assert all(m.reason != "a title by its author, in a list a page conversion ran together"
               for m in extract(text, aliases=aliases))


def test_a_sentence_case_title_a_review_points_to_with_its_reference(aliases):
    """Peer reviews and related-work paragraphs: "e.g. Gradient paths for slow agents (Roe et al.,
    2024)", "such as Slow probes reveal drift [3] and Quiet drift at scale [4]", "relate to
    Representation drift in long agents by Roe et al.?", "resembles Slow probes for latent goals
    (ICLR 2024)": the words before point to a work and the reference after cites it. A clause cut
    before "by" with nothing pointing to it ("the team led by Ada Roe") stays nothing."""
    works = _works("The paper misses related work, e.g. Gradient paths for slow agents (Roe et al., 2024), which "
                   "also localises skills.", aliases)
    assert works["Gradient paths for slow agents"].kind == "title"
    works = _works("Similar ideas appear in prior work such as Slow probes reveal quiet drift [3] and Quiet drift "
                   "at scale [4] in detail.", aliases)
    assert works["Slow probes reveal quiet drift"].kind == "title" and works["Quiet drift at scale"].kind == "title"
    works = _works("How does this relate to Representation drift in long agents by Roe et al.?", aliases)
    assert works["Representation drift in long agents"].kind == "title"
    works = _works("Weaknesses: the approach resembles Slow probes for latent goals (ICLR 2024) closely.", aliases)
    assert works["Slow probes for latent goals"].kind == "title"
    text = "A milestone. By Roe, Fenn et al. on the Quokka interpretability team led by Ada Roe.\n"
    assert "Ada Roe" not in _works(text, aliases)


def test_a_lower_case_quoted_title_with_its_reference_after_it(aliases):
    """'closely related to "steering slow agents via contrastive probes" by Roe et al.': reviewers
    quote titles in lower case; the authors after the quote make it a title. A quoted remark with
    no reference stays a quotation."""
    works = _works('This paper is closely related to "steering slow agents via contrastive probes" by Roe et al.', aliases)
    assert works["steering slow agents via contrastive probes"].kind == "title"
    assert not _works('He said "we should stop the runs now" and left the room.', aliases)


def test_the_book_called_a_one_word_title_at_a_sentences_start(aliases):
    """"The book called Quokkas (Fenn Press) made the case": "the book" must not take the cue for
    itself and leave "called Quokkas" a lower-case span (the capital after a cue is case-sensitive)."""
    assert _works("The book called Quokkas (Fenn Press) made the case first.", aliases)["Quokkas"].kind == "title"


def test_by_and_a_lower_case_word_after_a_run_is_no_author(aliases):
    """"Quiet Harbour Road by the lake": "by" cues a title only before a capitalised name (the
    pattern is case-insensitive elsewhere, so its capital must not be)."""
    works = _works('We walked along Quiet Harbour Road by the lake. The "Old Mill Square" by the river was shut.', aliases)
    assert not works
    works = _works('We read Quiet Harbour Roads by Ada Roe. The "Old Mill Square" by Bo Fenn was shut.', aliases)
    assert works["Quiet Harbour Roads"].kind == "title" and works["Old Mill Square"].kind == "title"


def test_a_sentence_opening_with_a_title_its_citation_and_what_it_showed(aliases):
    """"Gradient paths for slow agents (Roe et al., 2024) shows that ...": a work shows, argues or
    introduces; a claim's subject with its citation ("Models trained on code (Roe, 2023) are
    better") and a description of work ("Recent work on slow probes [4] shows that") are no titles."""
    text = ("We care about drift. Gradient paths for slow agents (Roe et al., 2024) shows that skills can be "
            "localised. Slow probes reveal quiet drift [4] introduced the benchmark.")
    works = _works(text, aliases)
    assert works["Gradient paths for slow agents"].kind == "title"
    assert works["Slow probes reveal quiet drift"].kind == "title"
    text = ("We care. Models trained on slow code (Roe et al., 2023) are better at maths. Recent work on "
            "slow probes [4] shows that it works.")
    assert not [m for m in listed(extract(text, aliases=aliases)) if m.kind == "title"]


def test_sentence_case_between_the_and_a_works_noun_and_lower_case_after_titled(aliases):
    """"The Gradient paths for slow agents paper is long", "a paper titled scaling slow probes to
    large agents, which ...": the article and the noun, or "titled", bound the title; a span with no
    function word inside ("the Quokka drift team paper") and "titled with care" are not titles."""
    works = _works("The Gradient paths for slow agents paper is long. We read a paper titled scaling slow "
                   "probes to large agents, which was fun.", aliases)
    assert works["Gradient paths for slow agents"].kind == "title"
    assert works["scaling slow probes to large agents"].kind == "title"
    found = extract("I liked the Quokka drift team paper. The book is titled with care and love. The Results in "
                    "the main paper are weak.", aliases=aliases)
    assert not [m for m in found if m.kind == "title" and m.confidence == "work"]


def test_a_title_with_its_arxiv_id_in_brackets_after_it(aliases):
    """"builds on Gradient paths for slow agents (arXiv:2401.01234)", '"slow probes for latent goals"
    [2402.01234]': an arXiv id right after a span cites it as a number or a year would."""
    works = _works('We build on Gradient paths for slow agents (arXiv:2401.01234) here. See also "slow probes '
                   'for latent goals" [2402.01234].', aliases)
    assert works["Gradient paths for slow agents"].kind == "title"
    assert works["slow probes for latent goals"].kind == "title"


def test_no_title_between_the_and_a_works_noun_when_the_span_points_into_the_text(aliases):
    """"the Marble puzzle in this follow-up post": the span says which post ("this"), it is no
    title; "the Growing the quiet prior post" still is one."""
    works = _works("We describe our attempt at the Marble puzzle in this follow-up post.", aliases)
    assert not any(w.startswith("Marble puzzle") for w in works), works
    works = _works("Some points were raised by Roe in the Growing the quiet prior post.", aliases)
    assert works["Growing the quiet prior"].kind == "title"


def test_a_span_ending_in_a_works_noun_before_its_authors_is_no_title(aliases):
    """"a link on Mastodon to a long and careful 2019 blog post by Ada Roe": the span describes the
    post its author wrote, it does not name it."""
    works = _works("I followed a link on Mastodon to a long and careful 2019 blog post by Ada Roe:", aliases)
    assert not any(w.startswith("Mastodon to") for w in works), works


def test_a_lower_case_quotation_with_a_footnote_marker_is_no_title(aliases):
    """'a "roughly similar but cheaper"[2] recipe': a bracketed number after a lower-case quotation
    is its footnote; a capitalised one before "[2]" and a lower-case one before its arXiv id stay titles."""
    assert not _works('The models were tuned with a "roughly similar but cheaper"[2] recipe on the same data.', aliases)
    works = _works('The models build on "Slow probes find drift" [2] and little else.', aliases)
    assert works["Slow probes find drift"].kind == "title"


def test_a_capitalised_quotation_after_a_bare_from_is_no_title(aliases):
    """'the risk from "AI labs not doing what their users intended"': "from" alone is a scare
    quote's word; after a verb of writing ('quoted from "...") it points to a work."""
    assert not _works('We asked about the risk from "AI labs not doing what their users intended" today.', aliases)
    works = _works('The line is quoted from "Why slow agents drift" by a friend.', aliases)
    assert works["Why slow agents drift"].kind == "title"


def test_a_quoted_section_of_the_text_itself_is_no_title(aliases):
    """'See also "Keywords the builder provides".' where that is a heading of the same text, or
    'see "Details of the table" above': the text points to its own section, not to a work."""
    text = ("Keywords the builder provides\n\nThe builder sets these keywords.\n\n"
            'Other keywords are free. (See also "Keywords the builder provides".)\n')
    assert not any(w.startswith("Keywords the builder") for w in _works(text, aliases))
    assert not _works('See "Details of the table" above for the rules that hold.', aliases)
    works = _works('For the argument, see "Why slow agents drift" by a friend.', aliases)
    assert works["Why slow agents drift"].kind == "title"


def test_items_under_an_underlined_readings_heading_with_notes_under_them(aliases):
    """Session 17: a markdown export underlines its headings ("Readings" over "--------") and writes
    what a reading is about on the lines under its bullet; neither ends the list of works, so each
    item's sentence-case title is a work. A group's label ("- On drift:") over items of its own is
    not one, nor is an item under a heading that does not say it lists works."""
    text = ("Week 4: What slow agents do\n============================\n\nOther readings\n--------------\n\n"
            "*   On drift:\n"
            "    *   A quiet failure mode of small agents (Fenn - 12 min)\n"
            "        Small agents stop asking for help once their reward drifts, which the author measures.\n"
            "    *   Why probes miss slow drift (Lund and Marr - 20 min)\n"
            "*   Notes from the field (Roe - 4 min)\n\n"
            "Discussion questions\n--------------------\n\n"
            "*   What would change your mind about drift in agents?\n"
            "*   Is slow drift worse than fast drift, and why?\n")
    works = _works(text, aliases)
    assert {"A quiet failure mode of small agents", "Why probes miss slow drift", "Notes from the field"} <= set(works), works
    assert not any(w.startswith(("On drift", "What would change", "Is slow drift")) for w in works), works


def test_the_writers_own_earlier_work_after_a_first_person_clause_and_in(aliases):
    """Session 17: forum writers point to their own earlier posts as "I elaborated on this in X" or
    "we review the evidence in X": a first-person clause about writing, then "in" and a capitalised
    span of three words or more, is a work, in title case or sentence case. A place, a section of the
    text or a language after the same clause is not."""
    text = ("I elaborated on some of the likelier routes in Quiet Drift Revisited. Later, we review the "
            "evidence in Slow agents drift less than expected. I wrote most of this in San Francisco. "
            "We discussed the probes in Section 3. I explained it in Python.")
    works = _works(text, aliases)
    assert {"Quiet Drift Revisited", "Slow agents drift less than expected"} <= set(works), works
    assert not any(w in works for w in ("San Francisco", "Section 3", "Python")), works


def test_a_title_after_a_works_noun_is_cut_where_the_sentence_goes_on_with_and(aliases):
    """Session 17: "see my paper X and the many notes there for more than you wanted": after "my
    paper" the title runs to the punctuation, but a span that goes on with "and" into someone
    speaking ("you", "we") is the title up to that "and". A sentence that merely says what a post
    was about ("The post was about agents and the way we train them") names no title."""
    text = ("For the details see my paper Neural paths of human choice and the many notes there for more "
            "than you wanted. The post was about agents and the way we train them.")
    works = _works(text, aliases)
    assert "Neural paths of human choice" in works, works
    assert not any("way we train" in w or w.startswith("The post") for w in works), works


def test_a_sentence_case_phrase_in_a_list_of_works_before_its_persons_full_name(aliases):
    """Session 17: "... Small Minds Wander by Ada Roe (for fast drift) or Slow drift rates by Bo Fenn
    (for slow drift)": after "or", "and" or a comma, a capitalised phrase, "by" and a person's full
    name is a work and its author, in sentence case too. A clause in the passive before "by" ("and
    Funded by Cy Lund") is no title."""
    text = ("Some arguments are old: for example, Small Minds Wander by Ada Roe (for fast drift) or Slow drift "
            "rates by Bo Fenn (for slow drift). The prize was large, and Funded by Cy Lund.")
    works = _works(text, aliases)
    assert {"Small Minds Wander", "Slow drift rates"} <= set(works), works
    assert not any("Funded" in w for w in works), works


def test_a_title_after_someones_possessive_or_an_adjective_and_a_works_noun(aliases):
    """Session 17: "his new book X", "Roe's post X", "their recent paper X": a possessive (a name's
    too) and maybe a word saying which work, then the work's noun, cue the title after it, cut
    where the sentence goes on ("... states that", "... shows"). A capitalised word that opens the
    next clause after the noun is no title ("Fenn's new essay It ...")."""
    text = ("His new book Slow Minds states that drift is real. I liked Roe's post Quiet Minds Drifting a lot. "
            "Their recent paper Probes of quiet drift shows more. In Fenn's new essay It was late, nothing drifts.")
    works = _works(text, aliases)
    assert {"Slow Minds", "Quiet Minds Drifting", "Probes of quiet drift"} <= set(works), works
    assert not any(w.startswith("It") for w in works), works


def test_an_apa_reference_after_a_label_or_with_its_authors_elided(aliases):
    """Session 17: "Citation: Roe, A., ... & Lund, C. (2019). Title. arXiv ..." is an APA reference
    wherever it stands on its line and however its authors are cut short: an initial (or "et al.")
    right before "(2019)." says so, and the title runs to its full stop, in any case. A year in
    brackets after a full name in prose ("Ada Roe (2019). It drifts.") is no such reference."""
    text = ("Citation: Roe, A., van Fenn, B., & Lund, C. (2019). Quiet drift in small agents. arXiv preprint.\n"
            "Roe, A., ... & Lund, J. (2023). Weak-to-strong drift: Eliciting drift with weak probes. In NeurIPS.\n"
            "We thank Ada Roe (2019). Drift matters here.\n")
    works = _works(text, aliases)
    assert {"Quiet drift in small agents", "Weak-to-strong drift: Eliciting drift with weak probes"} <= set(works), works
    assert "Drift matters here" not in works, works


def test_a_guides_entry_title_then_its_credit_and_a_colon_on_a_long_line(aliases):
    """Session 17: a guide lists its readings without bullets, each a long line "Title (Ada Roe, May
    2024): what it argues ...": the credit in brackets and the colon after it make the line's opening
    a title, however long the note. A long line of prose with a reference then a colon is not one."""
    note = "it goes on for a good while, with many more words than a heading or a list's item would ever hold in all"
    text = ("Foundational content\n"
            f"The case for keeping small agents slow (Ada Roe and Bo Fenn, May 2024): This is the original essay; {note}.\n"
            f"Thoughts on quiet assumptions in drift (Ada Roe, Jan 2025): This describes the assumptions; {note}.\n"
            f"In our study of slow agents we found the effect (Roe, 2021): it is real; {note}.\n")
    works = _works(text, aliases)
    assert {"The case for keeping small agents slow", "Thoughts on quiet assumptions in drift"} <= set(works), works
    assert not any(w.startswith("In our study") for w in works), works


def test_a_syllabus_item_with_its_authors_and_reading_time_under_any_heading(aliases):
    """Session 17: "- Title (Roe - 12 min)", "(Lee and Park - 20 min, optional)": a list item that
    ends in its authors' names and how long it takes is a reading, whatever the heading over the list
    says. An activity timed the same way ("Group discussion (Facilitator - 10 min)", a word the text
    also writes in lower case) or with no one named ("Set up the laptop (10 min)") is not."""
    text = ("Week 2\n\n*   A quiet failure in small agents (Fenn - 12 min)\n"
            "*   Probing the geometry of refusal (Lee and Park - 20 min, optional)\n"
            "*   Set up the laptop (10 min)\n*   Group discussion (Facilitator - 10 min)\n\nThe facilitator leads.\n")
    works = _works(text, aliases)
    assert {"A quiet failure in small agents", "Probing the geometry of refusal"} <= set(works), works
    assert not any(w.startswith(("Set up", "Group discussion")) for w in works), works


def test_a_question_in_title_case_keeps_its_pronouns(aliases):
    """Session 17: "Why Can't Your Small Agent Find a Home?" inside a line: a question written in title
    case is a title, and its pronouns ("Your") are the title's, not someone speaking. A question in
    prose, in sentence case, is no title ("why can't you find a home?")."""
    text = ("One of the following:\n  - Why Can't Your Small Agent Find a Home? and The Quiet Web\n\n"
            "I still wonder why can't your small agent find a home? Nobody knows.\n")
    works = _works(text, aliases)
    assert "Why Can't Your Small Agent Find a Home" in works, works
    assert not any(w.lower().startswith("why can't your") and w != "Why Can't Your Small Agent Find a Home" for w in works), works


def test_a_list_items_colon_title_and_its_object_pronouns_with_its_credit(aliases):
    """Session 17: "- Quiet Prompting: Eliciting drift ... can suppress them at test-time (Roe et al.)":
    words before a colon that the text also writes in lower case are the main part of a colon title,
    not an "Author Name:" label; and a reading with its credit keeps "us" and "them" as its title's
    words. An "Ada Roe:" label stays a label, and a line where someone speaks ("if you are ...") with
    a credit after it is still no title."""
    text = ("Two papers came out today:\n\n"
            "*   Quiet Prompting: Eliciting drift from agents during training can suppress them at test-time (Roe et al.)\n"
            "*   Ada Roe: Slow minds at scale (2023)\n"
            "*   Small agents could outwit all of us (Fenn - 20 min)\n"
            "*   Similarly, if you are new to this, I recommend reading Quiet Minds by Bo Fenn.\n\n"
            "We study quiet prompting here.\n")
    works = _works(text, aliases)
    assert {"Quiet Prompting: Eliciting drift from agents during training can suppress them at test-time",
            "Slow minds at scale", "Small agents could outwit all of us"} <= set(works), works
    assert not any(w.startswith(("Ada Roe:", "Similarly")) for w in works), works


def test_a_speakers_line_with_an_object_pronoun_is_no_title(aliases):
    """A dialogue's "Imagined Fenn: Sounds like a fully general answer to me." has an "Ada Roe:" label's
    shape but no credit after it: "me" is someone speaking, not a reading's title (one of the seed
    documents is such a dialogue). The reading with its credit keeps it."""
    text = ("Ada Roe: Behold my book. Within, I project that we shall see it soon.\n"
            "Imagined Fenn: Sounds like a fully general answer to me.\n"
            "Ada Roe: Well, it is, indeed, a fully general answer.\n\n"
            "Readings:\n\n"
            "*   Small agents could outwit all of us (Fenn - 20 min)\n")
    works = _works(text, aliases)
    assert not any("general answer" in w.lower() for w in works), works
    assert "Small agents could outwit all of us" in works, works


def test_as_someone_argued_in_a_sentence_case_title(aliases):
    """Session 17: "As Fenn explained in Slow agents drift less than expected, ...": after "as",
    a person, a verb of writing and "in", a capitalised span of three words or more is that
    person's work, in sentence case too. A place after the same words is not ("As Roe wrote in San
    Francisco, ...")."""
    text = ("As Fenn explained in Slow agents drift less than expected, it is so. "
            "As Roe wrote in San Francisco, it rains.")
    works = _works(text, aliases)
    assert "Slow agents drift less than expected" in works, works
    assert "San Francisco" not in works, works


def test_in_a_title_with_a_comma_two_people_argue(aliases):
    """Session 17: "In If Nobody Builds It, Everyone Sleeps, Ada Roe and Bo Fenn argue that ...": a
    sentence that opens with "In", a title of three words or more (a comma inside it too) and the
    people who argue in it. A place opening the same sentence is no title ("In Silicon Valley, Roe
    argues ...")."""
    text = ("In If Nobody Builds It, Everyone Sleeps, Ada Roe and Bo Fenn argue that drift is bad. "
            "In Silicon Valley, Roe argues less.")
    works = _works(text, aliases)
    assert "If Nobody Builds It, Everyone Sleeps" in works, works
    assert "Silicon Valley" not in works, works
