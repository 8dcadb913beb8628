"""Extraction on real prose written by others (tests/grounding_eval.py scores it), and the
evidence rules the extractor uses: author-reference grammar, link targets, layout, nicknames a
document defines, method names used as concepts."""

from __future__ import annotations

import json
import re
import sys

import pytest

import grounding_eval as ev
from kb.grounding import links
from kb.grounding.mentions import MAYBE, WORK, extract, listed
from kb.settings import PROJECT_ROOT


def _works(text, aliases, *, maybe=False):
    return [m.surface for m in listed(extract(text, aliases=aliases), include_maybe=maybe)]


# -- the evaluation sets -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extracted_once(aliases):
    """``ev.extracted`` for ``score(..., extract_with=)``, each page extracted once in this module:
    the floors, the misses listing, the seed and unseen check and the subsets' offline figures
    score the same pages (every page once is ~26 s of CPU; the misses listing scored the halved
    parts' tuning pages a second time). Extraction is a function of the text and the table; the
    mentions are only read."""
    found = {}

    def extract_with(text, table, *, trusted_only=True):
        assert table is aliases
        if (text, trusted_only) not in found:
            found[text, trusted_only] = ev.extracted(text, table, trusted_only=trusted_only)
        return found[text, trusted_only]

    return extract_with


def test_evaluation_sets_are_real_documents_with_sources():
    for part in ev.EVAL_PARTS:
        truth = json.loads((ev.EVAL / part / "truth.json").read_text(encoding="utf-8"))
        # dev13's pages were read from public repositories through the search tool, which names a file by its id
        # only: its README says so, and the source records that id.
        assert all(d["source"].startswith("http") or re.fullmatch(r"public GitHub repository copy \(read-file id \d+\)",
                                                                  d["source"]) and part == "dev13"
                   for d in truth["documents"].values())
        assert {p.name for p in (ev.EVAL / part).glob("*.txt")} == set(truth["documents"])
    for part in ("heldout", "heldout2", "heldout3", "heldout6", "heldout11", "heldout13", "heldout14", "heldout15",
                 "heldout16", "heldout17", "heldout18", "heldout19", "heldout20", "heldout21", "heldout22", "heldout23",
                 "heldout24", "heldout25", "heldout26", "heldout27", "heldout28", "heldout29",
                 "heldout30"):
        assert "HELD-OUT" in json.loads((ev.EVAL / part / "truth.json").read_text(encoding="utf-8"))["about"]
    n = sum(len(ev.load(part)) for part in ("dev", "heldout", "heldout2"))
    mentions = sum(len(d.truths) for part in ("dev", "heldout", "heldout2") for d in ev.load(part))
    assert n >= 65 and mentions >= 300


def test_fresh_batches_are_marked_and_scored_on_their_own(aliases, extracted_once):
    """b10-b14 were written down before the extractor saw them; the report scores each alone."""
    found = ev.batches()
    assert {"b10", "b11", "b12"} <= set(found) and sum(map(len, found.values())) >= 40
    docs = [d for d in ev.load("dev", links=False) if d.name in found["b12"]]
    assert len(docs) == len(found["b12"]) and ev.score(docs, aliases, extract_with=extracted_once).surfaces > 0


def test_the_learned_scorer_experiment_runs_on_development_documents(aliases, monkeypatch):
    """scripts/mention_scorer_experiment.py: features for every decided candidate, a model fitted
    on two documents' labels gives probabilities."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mention_scorer_experiment", PROJECT_ROOT / "scripts" / "mention_scorer_experiment.py")
    experiment = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "mention_scorer_experiment", experiment)   # dataclasses look it up
    spec.loader.exec_module(experiment)
    docs = [d for d in ev.load("dev", links=False) if d.name.startswith(("d01_", "d82_"))]
    items = experiment.prepare(docs, aliases, links=False)
    assert all(len(x) == len(experiment.FEATURES) for it in items for x in it["x"])
    model = experiment.fit(items, 1.0)
    probs = [model.probability(x, w) for it in items for x, w in zip(it["x"], it["words"])]
    assert probs and all(0.0 <= p <= 1.0 for p in probs)


def _script(name: str, monkeypatch):
    import importlib.util

    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)   # dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_the_stage_diagnosis_says_where_each_missed_work_was_lost(aliases, monkeypatch):
    """scripts/mention_stages.py traces extract by patching its hooks (Mention, _resolve_overlaps,
    _judge): a renamed hook would make every miss look never proposed, so each class is pinned."""
    stages = _script("mention_stages", monkeypatch)
    text = ("Brown et al. (2020) showed it in Language Models are Few-Shot Learners. A widely shared post, Sleeper "
            "agents in small models keep their secrets, argued more. Then RLHF was used everywhere. "
            "Everyone liked the quiet drift essay.\n")

    def truth(surface: str, form: str = "title") -> ev.Truth:
        i = text.index(surface)
        return ev.Truth([(i, i + len(surface))], form, surface)

    doc = ev.Doc("x", text, [truth("Language Models are Few-Shot Learners"), truth("RLHF", "nickname"),
                             truth("Sleeper agents in small models keep their secrets"), truth("liked")])
    out, trace = stages.traced_extract(text, aliases)
    assert trace.created and trace.weighed and trace.judged
    assert {t.surface: k for t, k in stages.classify(doc, out, trace)} == {
        "Language Models are Few-Shot Learners": "found", "RLHF": "maybe",
        "Sleeper agents in small models keep their secrets": "hypothesis", "liked": "never"}
    assert [m.surface for m in stages.wrong_surfaces(doc, out)] == ["Brown et al. (2020)"]
    from kb.grounding import mentions
    assert mentions.extract is not None and mentions._judge.__name__ == "_judge"   # the hooks are restored
    assert not stages.may_show("dev9", ev.Doc("p03_x.txt", "")) and stages.may_show("dev9", ev.Doc("p04_x.txt", ""))
    assert not stages.may_show("heldout13", ev.Doc("p04_x.txt", ""))


def test_the_leave_one_part_out_scorer_experiment_fits_and_decides(aliases, monkeypatch):
    """scripts/mention_scorer_lopo.py: rows for every candidate stage, a fitted model, and the
    rules-then-scorer decision keeping the rules' works and adding only what it promotes."""
    lopo = _script("mention_scorer_lopo", monkeypatch)
    items = [{"part": "dev", "doc": d, **dict(zip(("works", "rows"), lopo._rows(d, aliases)))}
             for d in ev.load("dev", links=False) if d.name.startswith(("d01_", "d82_", "d62_"))]
    rows = [r for it in items for r in it["rows"]]
    assert {r.stage for r in rows} >= {"work", "maybe", "hyp"} and {r.y for r in rows} >= {0.0, 1.0}
    model = lopo.fit(items, 1.0)
    for it in items:
        probs = [lopo.probability(model, r) for r in it["rows"]]
        assert all(0.0 <= p <= 1.0 for p in probs)
        assert lopo.decide(it, probs, 2.0, None, False) == it["works"]          # nothing reaches 2.0
        everything = lopo.decide(it, probs, 0.0, None, False)
        assert all(m in everything for m in it["works"]) and len(everything) >= len(it["works"])

# Floors under the figures measured at the end of issue 15 (README, "What a document names"):
# part -> (title recall, nickname + author-reference recall, precision per distinct surface),
# links removed. A change that loses ground fails here; the held-out failures are not printed.
FLOORS = {
    # the seed documents (links removed): session 17's end 24/24, 20/20, 45/45 (a merged title rule had read a dialogue's
    # "...: Sounds like a fully general counterargument to me." as a reading; the looser test_seed_and_unseen_documents let it by)
    "seeds": (1.0, 1.0, 1.0),
    "unseen": (1.0, 0.95, 0.983),   # session 17's end 32/32, 19/20, 59/60
    "dev": (0.982, 0.985, 0.964),     # session 17 (s17-titles after s17-precision): precision 411/426; session 17 (s17-precision): precision 411/429 -> 411/427; session 13 (s13-titles): precision 410/429 -> 410/428; session 11 (s11-maybes): 165/168, 138/140, 410/429; with batches b10-b14; the seventh round (0.957, 0.978, 0.938); session 7;
    # session 8 (RLAIF a method name: one wrong surface fewer, 94.9% of 428; ELK needs a cue: 95.0% of 424)
    "heldout": (0.956, 0.923, 0.863),   # one right surface more with the seventh round; session 7: 60/71 -> 62/72;
    # session 8's end: titles 22/23, precision 63/73
    "heldout2": (0.88, 0.928, 0.94),  # the seventh round: one title more (0.80 before; README); precision
    # 47/53 -> 46/52 when an alias-table "Name et al." and the year after it became one reference (names-15);
    # session 8's end: titles 22/25, precision 47/50
    "heldout3": (0.882, 0.90, 0.909),  # scored once, before any change (issue 15, online round); precision
    # 0.903 -> 0.878 with the known-titles gazetteer (one title more, 15/17): lowered for the lead to judge;
    # session 7 (page furniture, events, labels, ideas' names): 29/33 -> 30/33 = 0.909; heldout2 46/52 -> 46/49;
    # session 8's end: titles 15/17
    "heldout6": (0.769, 0.925, 0.934),  # session 10's end: 57/61  # scored once with the seventh round's extractor (0.692, 0.875, 0.881);
    # the known-titles gazetteer (session 6) found one title more; session 8's end: names 37/40, precision 55/60
    "heldout11": (0.833, 0.924, 0.873),  # scored once (session 8): start code (27/36, 44/53, 87.5% of 88), final
    # session 13's end: 30/36, 49/53, 83/95
    # code (27/36, 47/53, 80/92); session 10's end (the grown alias table and gazetteer): 30/36, 48/53, 82/94
    # scored in session 9 with the session's starting code and its final code (links removed, offline):
    "heldout13": (0.614, 0.478, 0.838),  # start 20/57, 8/23, 83.8% of 37; final 32/57, 11/23, 82.8% of 58;
    # session 14's end (s14-nicknames2): 35/57, 11/23, 52/62
    # session 13's end: 34/57, 11/23, 51/61
    # session 10's end (the grown alias table and gazetteer): 34/57, 11/23, 83.3% of 60
    "heldout14": (0.888, 0.836, 0.855),  # start 36/45, 40/49, 83.2% of 101; final 39/45, 40/49, 85.3% of 102
    # session 14's end (s14-nicknames2): 40/45, 41/49, 89/104
    # session 13's end: 39/45, 41/49, 88/103
    "heldout15": (0.947, 0.500, 0.923),  # start 18/19, 9/22, 92.3% of 39; final 18/19, 10/22, 90.2% of 41;
    # session 15's end (s15-authorrefs): 18/19, 11/22, 37/40
    # session 10's end: 18/19, 10/22, 92.3% of 39
    # scored in session 10 with the session's starting code (fd88096) and its final code (links removed, offline):
    "heldout16": (0.923, 0.852, 0.885),  # start 19/26, 24/34, 85.4% of 48; final 22/26, 24/34, 87.0% of 54;
    # session 14 (s14-nicknames2): 24/26, 29/34, 54/61
    # opened in session 11 (even pages tuned on, odd held aside): s11-recall 23/26, 29/34, 53/60
    "heldout17": (0.894, 0.825, 0.814),  # start 16/19, 29/40, 80.3% of 66; final the same; session 11 (opened): s11-recall 17/19, 33/40, 57/70
    "heldout18": (0.777, 0.576, 0.741),  # start 18/27, 9/26, 68.8% of 48; final 20/27, 10/26, 71.2% of 52;
    # session 18 (s18-gaz, 18 more public lists in the gazetteer): titles 22/27 -> 21/27 on an odd (held-aside) page,
    # not read; the merge rule fixed beforehand (tuning titles and names not down, wrong +2 at most) held, so lowered
    # session 17 (s17-names): 22/27, 15/26, 43/58 (44/59 before): on an even page "Aschenbrenner’s Situational Awareness"
    # is now the alias table's name written with a curly apostrophe, one right mention where two were ("Leopold
    # Aschenbrenner’s", "Situational Awareness, June 2024"); recall unchanged: lowered by one surface for the lead to judge
    # session 13's end (merged): 22/27, 15/26, 44/59
    # session 11 (opened): s11-recall 21/27, 14/26, 42/57; session 13: s13-nicknames (coined names) names 14 -> 15/26,
    # s13-titles titles 21/27 -> 22/27 (merged figures: see the session 13 note below)
    # scored in session 11 with the session's starting code (4e72bbc) and its final code (links removed, offline;
    # the same figures both times):
    "heldout19": (0.810, 0.875, 0.673),   # 27/37, 24/32, 62.8% of 86 (research agendas, annual reviews, grant pages);
    # session 13's end (merged): 30/37, 28/32, 62/92
    # session 12's end (the grown gazetteer): 29/37, 24/32, 65.1% of 86; session 13: s13-nicknames (names after
    # references in a reading list) names 24 -> 26/32, s13-titles titles 29/37 -> 30/37
    "heldout20": (0.903, 0.724, 0.746),  # 22/31, 15/29, 69.1% of 55 (podcast notes and transcripts, textbooks);
    # session 13's end (merged): 28/31, 21/29, 50/67
    # session 13 (s13-titles): 22/31 -> 28/31, 15/29 -> 19/29, 38/55 -> 48/65
    "heldout21": (0.875, 0.545, 0.744),  # 5/16, 12/22, 66.7% of 36 (peer reviews, journalism; online 14/16 titles);
    # session 18 (s18-alias's table, 105 works of 2024-2026): names 14/22 -> 12/22 on odd (held-aside) pages, not read;
    # the merge rule fixed beforehand (tuning titles and names not down, wrong not up) held, so lowered
    # session 13's end (merged): 14/16, 14/22, 35/47
    # session 13: s13-nicknames (a coined name before its bracketed title) names 12 -> 13/22; s13-titles titles 5/16 -> 14/16
    # scored in session 12 with the session's starting code (db9f120), links removed, offline:
    "heldout22": (0.785, 0.805, 0.918),  # 11/14, 29/36 (session 15; 28/36 before), 91.8% of 49 (92.0% of 50 in session 15) (GitHub issue and PR threads, code READMEs)
    "heldout23": (0.666, 0.873, 0.849),  # 12/18, 54/63, 84.5% of 103 (recent alignment research writing);
    # session 17 (s17-names; even pages tuned on since session 17, odd held aside): 12/18, 55/63, 90/106
    # session 14's end: 12/18, 54/63, 88/104
    # scored in session 13 with the session's starting code (deb1e2e) and its final code, links removed, offline (the
    # same figures both times):
    "heldout24": (0.636, 0.600, 0.760),  # 34/55, 18/30, 90/119 (policy, governance and standards texts); session 16's end 35/55, 18/30, 92/121
    "heldout25": (0.720, 0.823, 0.870),  # 36/50, 47/85, 89/106 (LessWrong / Alignment Forum posts of 2024-2026);
    # session 17 (s17-names; even pages tuned on since session 17, odd held aside): 36/50, 70/85, 114/131
    # session 14's end: 36/50, 47/85, 90/107
    # scored in session 14 with the session's starting code (f198b9a) and its final code, links removed, offline (the
    # same figures both times):
    "heldout26": (0.814, 0.761, 0.931),  # 21/27, 43/67, 71/78 (LessWrong / Alignment Forum posts of 2025-2026); session 16's end 21/27, 44/67, 73/79;
    # session 17 (s17-names; even pages tuned on since session 17, odd held aside): 22/27, 51/67, 81/87
    # gathered in session 15 (ground truth committed before kb read the pages); not yet scored: a placeholder floor
    # for the lead to set after scoring it once (links removed, offline)
    "heldout27": (0.285, 0.307, 0.674),  # 4/14, 21/65, 30/44 at session 15's start and end (LessWrong posts of 2025-2026 by 13 new authors);
    # session 17's final code 4/14, 20/65, 29/43: its rounds lost one author reference and one right surface here (lowered to them)
    # gathered in session 16 (ground truth committed before kb read the pages); scored with the session's starting code
    # (cc185fd: 16/21, 25/42, 48/68) and its final code (16/21, 25/42, 50/72), links removed, offline
    "heldout28": (0.761, 0.595, 0.685),  # LessWrong / Alignment Forum posts of 2025-2026 by 14 new authors;
    # session 17's final code 16/21, 25/42, 48/70 (two right surfaces fewer: lowered to it)
    # gathered in session 17, ground truth committed before kb read the pages; scored with the session's starting code
    # (e9edd6e: 19/38, 8/31, 30/37) and its final code (19/38, 8/31, 30/37), links removed, offline
    "heldout29": (0.5, 0.258, 0.810),  # LessWrong / Alignment Forum posts of 2025-2026 by 8 new authors
    "heldout30": (0.730, 0.785, 0.703),  # 19/26, 66/84, 90/128 with session 18's starting and final code (nine kinds of page, one page a post)
    "dev14": (0.895, 1.0, 0.931),  # session 17 (s17-precision): precision 122/135 -> 122/131; session 16: scored once fresh with 4a63439 (43/48, 1/1, 122/135); the same at the
    # session's end (s16-footnotes' footnote exports, 123/136, were not merged: no gain on the tuning pages); odd pages held aside
    "dev13": (0.990, 1.0, 0.995),  # session 17 (s17-precision): precision 228/241 -> 227/228; session 16 (s16-refkeys, citation keys against the page's reference list): 107/108, 31/31,
    # 228/241; scored once fresh by that helper with cc185fd: 102/108, 29/31, 205/231; odd pages held aside
    "dev12": (0.608, 0.764, 0.852),  # session 17 (s17-precision): precision 59/74 -> 58/68; scored once fresh with session 14's starting code (14/23, 33/51, 53/67), then opened
    # for development (odd pages held aside)
    "dev11": (0.695, 0.730, 0.814),  # session 17: 57/70 with every branch merged (s17-titles added one wrong surface on the held-aside odd pages, one right on the even); s17-precision: precision 56/73 -> 56/68; scored once fresh with session 13's starting code (15/23, 30/52, 44/61), then opened
    # session 13's end: 15/23, 37/52, 51/68; session 14's end: 16/23, 38/52, 53/70
    # for development (odd pages held aside)
    "dev10": (0.904, 0.675, 0.864),  # session 13 (s13-nicknames): precision 50/58 -> 51/59; session 11 (s11-maybes): 19/21, 25/37, 50/58; scored once fresh with session 9's final code (17/21, 17/37, 76.9% of 52), then
    # opened for development (odd pages held aside); s9-names3 (a person a quoted title, a title or an
    # idea is by; a part of the text itself; a labelled summary's subject; a possessive makes no
    # initial; a person who dropped or shared a work; a book's author among its facts; tuned on the
    # even pages; a show's name is not a work): 17/21, 24/37, 83.9% of 56
    "dev9": (0.642, 0.625, 0.955),  # session 17 (s17-names): 45/70, 10/16, 64/67; session 11 (s11-maybes): 45/70, 10/16, 63/66; scored once fresh with session 9's starting code (20/70, 7/16, 76.7% of 43),
    # then opened for development; session 9's listings (kb/grounding/listings.py, tuned on the even pages):
    # 42/70, 8/16, 56/60 (even half 11/34 -> 33/34, 4/8 -> 5/8, 19/28 -> 42/45; odd half unchanged: 9/36, 3/8, 14/15);
    # the second names round alone (s9-names2): names 7/16 -> 10/16, precision 33/43 -> 38/43 (odd half names 3/8 -> 3/8)
    "dev8": (1.0, 0.977, 0.950),  # session 11 (s11-maybes): 39/39, 43/44, 96/101; scored as held-out 12 (session 8): start code (23/39, 28/44, 88.9% of 63), final
    # code (22/39, 33/44, 65/72); opened for development in session 9 (odd pages held aside while tuning on the even):
    # the names round 22/39, 42/44, 76/81 (even half names 11/19 -> 19/19, precision 32/34 -> 42/42; odd half held
    # aside: names 22/25 -> 23/25, precision 33/38 -> 34/39); the second names round: precision 76/81 -> 77/82
    "dev7": (0.972, 0.970, 0.983),  # session 17 (s17-names): 36/37, 65/67, 116/118; session 11 (s11-recall): 36/37, 65/67, 113/115; scored once as held-out 9 (session 7): start code (0.892, 0.791, 0.892), final
    # code (0.865, 0.791, 0.891); pass/fail used once in session 8; opened for development in session 8 (odd pages
    # held aside while tuning on the even): 32/37, 54/67, 89.2% of 111 -> 35/37, 60/67, 108/115 (odd half alone
    # unchanged: 8/9, 23/30, 83.7% of 43)
    "dev6": (1.0, 0.947, 0.927),  # scored once as held-out 10 (session 7): start code (0.903, 0.684, 0.693),
    # final code (0.903, 0.684, 0.703); opened for development in session 8 (odd pages held aside while tuning on
    # the even): 28/31, 46/57, 78/85 (odd half alone: 20/23, 16/28 -> 19/28, 85.7% of 42 -> 86.7% of 45); the dev7
    # round (lines ending in authors, books under a line about reading): 31/31, 54/57, 89/96
    "dev5": (1.0, 1.0, 0.985),  # session 11 (s11-recall): 26/26, 34/34, 67/68; scored as held-out 7 (session 6): start code (0.885, 0.676, 0.761), final code
    # (0.884, 0.676, 0.750); opened for development in session 7 (odd pages held aside while tuning on the even)
    "dev3": (0.965, 0.986, 0.982),    # session 17 (s17-titles): titles 83/86, precision 172/175; session 17 (s17-precision): precision 171/175 -> 171/174; session 11 (s11-maybes): 82/86, 71/72, 170/174; scored once as held-out part 5 (0.733, 0.819, 0.937); the seventh round
    # (0.848, 0.972, 0.968); session 7 (a list of titles one to a line; a table's column of papers)
    "dev4": (1.0, 0.971, 0.981),       # session 11 (s11-maybes): 20/20, 69/71, 104/106; scored once as held-out 8 (links removed: 18/20, 62/71, 93/100), then opened;
    # the names round: 18/20, 69/71, 102/108 (odd half held aside: author references 15/21 -> 21/21)
    "dev2": (1.0, 0.986, 0.984),      # session 17 (s17-titles): precision 196/199; session 17 (s17-names): 78/78, 74/75, 196/200; session 11 (s11-maybes): 78/78, 73/75, 193/197; scored once as held-out part 4 (0.641, 0.92, 0.923); the sixth round
}


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_figures_do_not_regress(aliases, extracted_once, part):
    title, named, precision = FLOORS[part]
    s = ev.score(ev.load(part, links=False), aliases, extract_with=extracted_once)
    shown = (s.misses, s.wrong) if part.startswith("dev") else "held-out: figures only"
    # plain floats, so that pytest's report of a failure shows figures and never the Score's
    # surfaces (a held-out part's misses must not reach whoever is tuning)
    got = (float(s.recall("title")), float(s.recall("nickname", "author-ref")), float(s.precision))
    assert got[0] >= title - 1e-9, shown
    assert got[1] >= named - 1e-9, shown
    assert got[2] >= precision - 0.0005, shown


# Development documents where the online title check changes something (maybes it confirms,
# rightly and wrongly, headings it must not) or might (titles it could fill in): the whole
# online evaluation takes ~80 s, these twelve ~7 s against a smaller stand-in (the answers, the
# recorded Semantic Scholar titles and these documents' decoys; not the forum posts' titles).
ONLINE_SUBSET = ("d15_", "d66_", "d67_", "d72_", "d74_", "d76_", "d89_", "f09_", "f12_", "j03_", "m07_", "m09_")
# title found / required, nickname + author refs found, precision: as measured (issue 15, fifth round;
# session 6: offline 14/17, online 20/25 — the theme labels gained "AI LieDar", so the stand-in now
# serves the paper whose own arXiv page m07 is, and the online check confirms the page's title)
ONLINE_FLOORS = {"offline": (2, 8, 14 / 17), "online": (5, 8, 20 / 25)}


def test_online_figures_on_a_development_subset(aliases, extracted_once):
    docs = [d for d in ev.load("dev", links=False) if d.name.startswith(ONLINE_SUBSET)]
    assert len(docs) == len(ONLINE_SUBSET)
    with ev.realistic_standin(200, ev.realistic_works(docs, forum=False)) as standin:
        online = ev.score_online(docs, aliases, standin.url)
    for name, s in (("offline", ev.score(docs, aliases, extract_with=extracted_once)), ("online", online)):
        titles, named, precision = ONLINE_FLOORS[name]
        assert s.found["title"] >= titles, (name, s.misses)
        assert s.found["nickname"] + s.found["author-ref"] >= named, (name, s.misses)
        assert s.precision >= precision - 0.0005, (name, s.wrong)


def test_seed_and_unseen_documents(aliases, extracted_once):
    for part in ("seeds", "unseen"):
        s = ev.score(ev.load(part), aliases, extract_with=extracted_once)
        assert s.recall() >= 0.95, s.misses
        assert s.precision >= 0.95, s.wrong


def test_the_seed_documents_name_these_works(aliases):
    """Issue 15: a human reader names these in the seed documents (forum posts among them are
    extraction only; they are listed, as works or as "maybe")."""
    seeds = PROJECT_ROOT / "data" / "seeds"
    text = "\n".join((seeds / f).read_text(encoding="utf-8") for f in sorted(p.name for p in seeds.glob("*.txt")))
    got = _works(text, aliases, maybe=True)
    for name in ("R1", "AlphaZero", "MICrONS", "cognitive emulation", "factored cognition", "Condensation"):
        assert any(name in g for g in got), name


def test_a_truth_surface_matches_across_a_line_break():
    """A surface written down with a space where the page breaks the line is found there too."""
    text = "AI-Foo\n: A Title Here\nAbstract ... AI-Foo : A Title Here"
    assert ev._occurrences(text, "AI-Foo : A Title Here") == [(0, 21), (35, 56)]


def test_strip_links():
    assert ev.strip_links("see [Sleeper Agents](https://arxiv.org/abs/2401.05566) and https://x.org/a.") \
        == "see Sleeper Agents and "
    assert ev.strip_links('<a href="https://a.b/c">Title Here</a>') == "Title Here"


# -- author references -----------------------------------------------------------------------

@pytest.mark.parametrize("text, surface, authors, year", [
    ("Debate was proposed by Irving & Amodei, 2018 as a way to scale.", "Irving & Amodei, 2018", ["Irving", "Amodei"], 2018),
    ("As Hendrycks and Gimpel (2017) showed, softmax is a baseline.", "Hendrycks and Gimpel (2017)", ["Hendrycks", "Gimpel"], 2017),
    ("Hubinger (2019) names mesa-optimizers.", "Hubinger (2019)", ["Hubinger"], 2019),
    ("This is amplification (Christiano, 2018).", "Christiano, 2018", ["Christiano"], 2018),
    ("See Christiano, 2018, for the details.", "Christiano, 2018", ["Christiano"], 2018),
    ("Overoptimization (Gao et al., 2023; Hendrycks & Mazeika, 2022) is real.", "Gao et al., 2023", ["Gao"], 2023),
    ("Burns et al. (OpenAI, 2023) ask whether weak supervisors suffice.", "Burns et al. (OpenAI, 2023)", ["Burns"], 2023),
])
def test_author_reference_grammar(aliases, text, surface, authors, year):
    ms = {m.surface: m for m in extract(text, aliases=aliases)}
    assert surface in ms, list(ms)
    m = ms[surface]
    assert m.kind == "author-ref" and m.confidence == WORK and year in m.years
    assert all(a in m.authors for a in authors)
    assert m.surface.count("(") == m.surface.count(")")          # no stray ")"


def test_dates_and_places_are_not_author_references(aliases):
    text = "In January 2024, Anthropic published it; on September 2, 2020 it was submitted (Phase 18, 2021)."
    assert not [m for m in extract(text, aliases=aliases) if m.kind == "author-ref"]


def test_possessive_and_the_x_paper(aliases):
    text = ("Stiennon's canonical over-optimization curve [2009.01325] is famous. The Olsson result is "
            "sharpest in small models. Neel Nanda's open problems list helps; the weak-to-strong paper too.")
    ms = {m.surface: m for m in extract(text, aliases=aliases)}
    assert ms["Stiennon's canonical over-optimization curve"].confidence == WORK
    assert ms["The Olsson result"].kind == "author-ref"
    assert ms["Neel Nanda's open problems list"].confidence == WORK
    (w2s,) = [m for m in ms.values() if "weak-to-strong paper" in m.surface]
    assert w2s.confidence == WORK


# -- titles ------------------------------------------------------------------------------------

def test_quoted_and_sentence_case_titles(aliases):
    text = ('The paper was titled "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training." '
            'Earlier, "Learning to summarize from human feedback" was submitted to arXiv. '
            'He said "we should all go home now" and left.')
    works = _works(text, aliases)
    assert "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training" in works
    assert "Learning to summarize from human feedback" in works
    assert not any("go home" in w for w in works)


def test_reading_list_lines(aliases):
    text = ("Research\n- 2022-09: The alignment problem from a deep learning perspective\n"
            "- Reward is not the optimization target (Alex Turner)\n- Instrumental Convergence\n"
            "- 2015-02: Sam Altman: Machine intelligence, part 1\n")
    works = _works(text, aliases)
    assert "The alignment problem from a deep learning perspective" in works
    assert "Reward is not the optimization target" in works
    assert "Machine intelligence, part 1" in works
    assert "Instrumental Convergence" not in works and "Sam Altman" not in works


def test_headings_and_captions_are_not_works(aliases):
    text = ("Why Does Overoptimization Happen\nThe reward model is a proxy, and proxies break.\n\n"
            "Related Work in Practice\nMany papers try ensembles.\n"
            "Figure 3: Reward Model Scores During Long Training Runs\n")
    assert _works(text, aliases) == []
    maybes = _works(text, aliases, maybe=True)
    assert "Why Does Overoptimization Happen" in maybes      # listed for a human, not acted on


def test_affiliations_and_organisations_are_not_works(aliases):
    text = "Thomas Coste1, David Krueger1 1University of Cambridge. By Paul Christiano of OpenAI and others."
    assert _works(text, aliases) == []


# -- links -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, target", [
    ("https://arxiv.org/abs/2401.05566", links.WORK),
    ("https://openreview.net/forum?id=abc", links.WORK),
    ("https://example.org/papers/foo.pdf", links.WORK),
    ("https://www.lesswrong.com/posts/abc/some-post", links.POST),
    ("https://someone.substack.com/p/a-title", links.POST),
    ("https://www.google.com/search?q=sleeper+agents", links.NOT_WORK),
    ("https://www.lesswrong.com/tag/deceptive-alignment", links.NOT_WORK),
    ("https://en.wikipedia.org/wiki/Goodhart%27s_law", links.NOT_WORK),
    ("https://github.com/openai/evals", links.NOT_WORK),
    ("https://openai.com/chatgpt/pricing", links.NOT_WORK),
    ("https://www.lesswrong.com/posts/abc/some-post#comments", links.NOT_WORK),
])
def test_link_targets(url, target):
    assert links.classify(url) == target


def test_link_anchors(aliases):
    text = ("Read [Sleeper Agents](https://arxiv.org/abs/2401.05566), not [Deceptive Alignment Stuff]"
            "(https://www.lesswrong.com/tag/deceptive-alignment) or [Large Language Models]"
            "(https://www.google.com/search?q=llm), and see the [comments](https://www.lesswrong.com/posts/x/y#comments).")
    ms = listed(extract(text, aliases=aliases))
    (sleeper,) = [m for m in ms if m.surface == "Sleeper Agents"]
    assert sleeper.id == "ARXIV:2401.05566" and "link" in sleeper.reason
    assert not any("Deceptive" in m.surface or "Large Language" in m.surface or "google" in m.surface
                   or "comments" in m.surface for m in ms)


# -- nicknames -----------------------------------------------------------------------------------

def test_nicknames_a_document_defines(aliases):
    text = ("We build on Scalable Oversight via Recursive Argument Trees (SORAT). Unlike prior work, SORAT "
            "needs no judge. Later SORAT variants exist.")
    ms = [m for m in extract(text, aliases=aliases) if m.surface == "SORAT"]
    assert len(ms) == 2 and all(m.alias_title == "Scalable Oversight via Recursive Argument Trees" for m in ms)


def test_names_with_citation_markers_and_dataset_words(aliases):
    text = "We evaluate on FooQA [12], the MICrONS dataset and BarBench (Smith et al., 2021)."
    works = _works(text, aliases)
    assert {"FooQA", "MICrONS", "BarBench"} <= set(works)


def test_methods_used_as_concepts_are_not_citations(aliases):
    text = "Models trained with RLHF and PPO. The transformer is everywhere. RLHF (Christiano et al., 2017) began it."
    ms = extract(text, aliases=aliases)
    rlhf = [m for m in ms if m.surface == "RLHF"]
    assert [m.confidence for m in rlhf] == [MAYBE, WORK]
    assert [m.confidence for m in ms if m.surface == "PPO"] == [MAYBE]
    assert "transformer" not in " ".join(_works(text, aliases))


def test_benchmarks_name_their_papers(aliases):
    ms = {m.surface: m for m in listed(extract("Scores on MMLU, HumanEval and GSM8K rose.", aliases=aliases))}
    assert ms["HumanEval"].id == "ARXIV:2107.03374" and ms["GSM8K"].id == "ARXIV:2110.14168"


# -- the command ---------------------------------------------------------------------------------

def test_kb_mentions_json_says_why(tmp_path, kb_cli):
    doc = tmp_path / "post.txt"
    doc.write_text("Read Risks from Learned Optimization (Hubinger et al., 2019). Models use RLHF.\n", encoding="utf-8")
    rows = json.loads(kb_cli("mentions", doc, "--json").stdout)
    assert rows and all(r["reason"] and r["confidence"] == "work" for r in rows)
    more = json.loads(kb_cli("mentions", doc, "--all", "--json").stdout)
    assert any(r["surface"] == "RLHF" and r["confidence"] == "maybe" for r in more)


# -- online evidence: the stand-in's title match, /paper/search with a year, /author/search --------

def _add_online(tmp_path, standin, aliases, text):
    import asyncio

    from kb.grounding import seeds
    from kb.settings import Settings
    from kb.sources.s2.client import S2Client
    from kb.store import Store

    doc = tmp_path / "post.txt"
    doc.write_text(text, encoding="utf-8")

    async def go(store):
        async with S2Client(Settings(api_url=standin.url, requests_per_second=1000, max_attempts=2)) as client:
            return await seeds.add_documents(store, client, [doc], aliases)

    with Store(tmp_path / "kb.sqlite") as store:
        asyncio.run(go(store))
        rows = store.conn.execute("SELECT m.surface, m.status, m.resolved_by, m.note, p.title FROM mention m "
                                  "LEFT JOIN paper p ON p.id = m.paper").fetchall()
    return {r["surface"]: dict(r) for r in rows}


def test_author_year_references_resolve_through_search(tmp_path, standin, aliases):
    got = _add_online(tmp_path, standin, aliases,
                      "Debate between two agents, judged by a human, was proposed as a safety method by "
                      "Irving, Christiano & Amodei (2018). Mesa-optimizers and deceptive alignment in learned "
                      "optimization: Hubinger et al., 2019.\n")
    assert (got["Irving, Christiano & Amodei (2018)"]["status"], got["Irving, Christiano & Amodei (2018)"]["title"]) \
        == ("resolved", "AI safety via debate")
    assert got["Hubinger et al., 2019"]["title"] == "Risks from Learned Optimization in Advanced Machine Learning Systems"


def test_one_word_titles_after_a_cue(aliases):
    text = 'I liked the post "Simulators". In the paper Grokking, they train small nets. Read the essay Hyperstition today.'
    assert {"Simulators", "Grokking", "Hyperstition"} <= set(_works(text, aliases))


def test_a_term_introducing_its_acronym_is_not_a_title(aliases):
    text = "Methods like Reinforcement Learning from Human Feedback (RLHF) and Constitutional AI (CAI) help."
    works = _works(text, aliases)
    assert "Reinforcement Learning from Human Feedback" not in works and "Constitutional AI" in works


def test_maybes_are_weighed_by_the_title_match(tmp_path, standin, aliases):
    text = ("Reading notes\n\nAn Explanation of In-context Learning as Implicit Bayesian Inference\n\n"
            "The authors perturb the reasoning and watch the answer.\n\nWhy Reasoning Traces Drift Away Quietly\n\n"
            "More notes follow.\n")
    ms = {m.surface: m for m in extract(text, aliases=aliases)}
    assert ms["An Explanation of In-context Learning as Implicit Bayesian Inference"].confidence == MAYBE   # a heading
    got = _add_online(tmp_path, standin, aliases, text)
    kept = got["An Explanation of In-context Learning as Implicit Bayesian Inference"]
    assert kept["status"] == "resolved" and kept["title"].startswith("An Explanation of In-context Learning")
    assert "confirmed" in kept["note"]
    assert got["Why Reasoning Traces Drift Away Quietly"]["status"] in ("rejected", "maybe")


def test_author_references_resolve_through_the_authors_papers(tmp_path, standin, aliases):
    """No year: the author's papers that share most words with the sentence; a year: the
    author's papers of that year (both authors have papers together in 2019 and 2021)."""
    text = ("Hacohen et al. showed that networks trained on the same dataset classify examples in a consistent "
            "order. The same holds, as Choshen et al. (2021) noted.\n")
    got = _add_online(tmp_path, standin, aliases, text)
    first = got["Hacohen et al."]
    assert first["status"] == "resolved" and first["resolved_by"] == "author"
    assert first["title"].startswith("Let's Agree to Agree")
    second = got["Choshen et al. (2021)"]
    assert second["status"] == "resolved" and second["title"] == "The Grammar-Learning Trajectories of Neural Language Models"


def test_the_author_route_finds_the_paper_among_namesakes(tmp_path, aliases):
    """Online, against a stand-in where the cited authors share their surnames with other people
    (kb.standin.namesakes, and a namesake's paper of the same year on the same topic written in):
    a two-author reference takes the paper both authors wrote, not the namesake's; an "et al."
    reference beside another reference in one sentence takes its own authors only ("Li et al."
    is no paper by Li and Kwa); a full name picks that person among people of the surname."""
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    def paper(title, authors, year, abstract=None):
        return {"title": title, "authors": authors, "year": year, "abstract": abstract, "kind": "paper"}

    works = [
        paper("AI safety via debate", ["Geoffrey Irving", "Paul Christiano", "Dario Amodei"], 2018),
        paper("Debate games for safe exploration", ["Rupert Irving", "Ann Lowe"], 2018),        # a namesake
        paper("The WMDP Benchmark: Measuring and Reducing Malicious Use With Unlearning", ["Nathaniel Li",
              "Alexander Pan"], 2024, "A dataset of multiple-choice questions that serve as a proxy measurement of "
              "hazardous knowledge in biosecurity, cybersecurity and chemical security."),
        paper("Graph neural networks for traffic forecasting", ["Priya Li", "Omar Ruiz"], 2024),      # a namesake
        paper("Measuring AI Ability to Complete Long Tasks", ["Thomas Kwa", "Ben West"], 2025),
        paper("An Information-Theoretic Model for Steganography", ["Christian Cachin"], 1998),
        paper("Information-theoretic security of covert channels", ["Victor Cachin"], 1998),   # a namesake
    ]
    text = ("Our evaluations build on earlier proposals. Debate between two agents, judged by a human, was "
            "proposed as a safety method (Irving & Amodei, 2018). We focus on benchmarks of hazardous knowledge "
            "(Li et al., 2024) and of the length of tasks agents complete (Kwa et al., 2025). Then, Christian "
            "Cachin[9] defined the security of a covert channel from an information-theoretic view.\n")
    with StandIn(generate_corpus(300, seed=3, works=works, namesakes=True)) as standin:
        got = _add_online(tmp_path, standin, aliases, text)
    assert got["Irving & Amodei, 2018"]["title"] == "AI safety via debate"
    assert got["Li et al., 2024"]["title"].startswith("The WMDP Benchmark")
    assert got["Kwa et al., 2025"]["title"] == "Measuring AI Ability to Complete Long Tasks"
    cachin = next(v for k, v in got.items() if k.startswith("Christian Cachin"))
    assert (cachin["status"], cachin["resolved_by"], cachin["title"]) == \
        ("resolved", "author", "An Information-Theoretic Model for Steganography")


def test_a_citation_names_its_first_author_and_the_work_not_its_parts(tmp_path, aliases):
    """"Roe et al., 2020" is the paper Roe leads, not the one of that year where she comes
    second (the sentence's words fit both titles); "Nanda's open problems list" is the work, not
    its introduction listed beside it; a paper of that year by both named authors is their
    reference even when the sentence says nothing of it, whoever else shares the surname; so is
    the one paper of that year led by anyone of the surname, once every one of them is read."""
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    def paper(title, authors, year):
        return {"title": title, "authors": authors, "year": year, "abstract": None, "kind": "paper"}

    works = [
        paper("Reward Drift Laws for Small Agents", ["Jane Roe", "Bo Lin"], 2020),
        paper("Reward Drift Laws for Large Agents", ["Omar Fenn", "Jane Roe"], 2020),
        paper("200 Concrete Open Problems in Mechanistic Interpretability", ["Neel Nanda"], 2022),
        paper("200 Concrete Open Problems in Mechanistic Interpretability: Introduction", ["Neel Nanda"], 2022),
        paper("Universal Intelligence: A Definition of Machine Intelligence", ["Shane Legg", "Marcus Hutter"], 2007),
        paper("Gait analysis of wading birds", ["Rupert Legg"], 2007),                            # a namesake
        paper("Goal drift in small worlds", ["Ann Quill", "Bo Lin"], 2011),
        paper("Quill pens and their ink", ["Zed Ortiz", "Rupert Quill"], 2011),                  # a namesake, second
    ]
    text = ("Agents drift from their reward as they grow, by laws of reward drift (Roe et al., 2020). Many begin with "
            "Neel Nanda's open problems list. Legg & Hutter (2007) is the standard reference here. "
            "Quill et al. (2011) is another.\n")
    with StandIn(generate_corpus(300, seed=3, works=works, namesakes=True)) as standin:
        got = _add_online(tmp_path, standin, aliases, text)
    assert got["Roe et al., 2020"]["title"] == "Reward Drift Laws for Small Agents"
    nanda = next(v for k, v in got.items() if "Nanda" in k)
    assert nanda["title"] == "200 Concrete Open Problems in Mechanistic Interpretability"
    assert got["Legg & Hutter (2007)"]["title"] == "Universal Intelligence: A Definition of Machine Intelligence"
    # every Quill read, and the one paper a Quill led in 2011 (one year either side)
    assert got["Quill et al. (2011)"]["title"] == "Goal drift in small worlds"


def test_which_references_name_a_first_author_and_which_papers_are_one_work(aliases):
    """A citation names its first author; a possessive may name any, and a reference read from
    its second name on ("Scott Garrabrant, 2019" of "Abram Demski and Scott Garrabrant, 2019")
    a later one. A work's second record (a preprint's venue twin) and its parts listed beside it
    are the same work, not rivals; "learn" and "learning" are one word of a sentence, not two."""
    from kb.grounding.seeds import _cites_first_author, _one_edition, _topic_words

    def ref(text, surface):
        (m,) = [m for m in extract(text, aliases=aliases) if m.surface == surface]
        return m

    assert _cites_first_author(ref("Overoptimization is real (Gao et al., 2023).", "Gao et al., 2023"))
    assert _cites_first_author(ref("Debate was proposed by Irving & Amodei, 2018 as a way to scale.",
                                   "Irving & Amodei, 2018"))
    assert not _cites_first_author(ref("Read Abram Demski and Scott Garrabrant, 2019 on agency.", "Garrabrant, 2019"))
    papers = [{"title": t} for t in ("Zoom In: An Introduction to Circuits", "Zoom In: An Introduction to Circuits",
                                     "Embedded Agency", "Embedded Agency (full-text version)", "Embedded Curiosities")]
    assert [p["title"] for p in _one_edition(papers)] == ["Zoom In: An Introduction to Circuits", "Embedded Agency",
                                                           "Embedded Curiosities"]
    words = _topic_words(ref("Agents learn to cheat at games, and learning to cheat spreads (Roe et al., 2021).",
                             "Roe et al., 2021"))
    assert ("learn" in words) + ("learning" in words) == 1, words


# -- candidate rules added from the second development batch -------------------------------------

def test_titles_after_a_reference_year_a_url_glued_on_or_in_capitals(aliases):
    works = _works("B.F Skinner, (1969) Contingencies of Reinforcement\nSources:https://arxiv.org/pdf/2310.16049 - "
                   "ZETA: TESTING THE LIMITS OF FOO REASONINGhttps://arxiv.org/pdf/2311.07911 - "
                   "Evaluating Quux Models For Bar Tasks\n", aliases)
    assert "Contingencies of Reinforcement" in works
    assert "ZETA: TESTING THE LIMITS OF FOO REASONING" in works


def test_sentence_case_titles_after_authorship_verbs_and_questions(aliases):
    works = _works("Last year Smith wrote Gradient hacking is harder than it looks, which I liked. The argument in "
                   "Why honest models still deceive is subtle. A nice follow-up is Probing the geometry of refusal "
                   "directions (Lee & Park, 2024).", aliases)
    assert "Gradient hacking is harder than it looks" in works
    assert any(w.startswith("Why honest models still deceive") for w in works)
    assert "Probing the geometry of refusal directions" in works


def test_someones_named_work_and_organisations_as_authors(aliases):
    ms = {m.surface: m for m in extract("We read fragments of Joyce's Ulysses. Who was Tom Cruise's Mother? "
                                        "Models grew (OpenAI, 2023; Anil et al., 2023).", aliases=aliases)}
    assert ms["Joyce's Ulysses"].confidence == WORK and ms["Joyce's Ulysses"].topic == "Ulysses"
    assert ms["Tom Cruise's Mother"].confidence == MAYBE
    assert ms["OpenAI, 2023"].kind == "author-ref" and ms["OpenAI, 2023"].years == [2023]


def test_headings_lists_of_names_and_generic_acronyms_are_not_works(aliases):
    text = ("Top FooBench Performance (2025)\n| Model | Score |\n\nEvaluation Benchmarks\n\nBenchmarks provide "
            "standardized measurements; no single benchmark tells the whole story here.\n\nCrossposted from the "
            "AI Alignment Forum.\n\nEvaluated on BIG-bench and HumanEval, for LLM evaluation.\n")
    works = _works(text, aliases)
    assert "BIG-bench" in works and "HumanEval" in works
    assert not any(w.startswith(("Performance", "Evaluation Benchmarks", "Crossposted", "LLM", "Evaluated"))
                   for w in works), works


def test_quoted_names_and_names_the_text_says_were_introduced(aliases):
    works = _works('The "Zorbix Reasoning Eval (ZRE)" checks plans. QuuxBench-Pro (harder, 10-choice) was '
                   'introduced later.', aliases)
    assert "Zorbix Reasoning Eval (ZRE)" in works and "QuuxBench-Pro" in works


def test_a_nickname_takes_the_confidence_of_its_definition(aliases):
    ms = extract("Large Language Models (LLMs) are everywhere. LLMs write code.", aliases=aliases)
    assert all(m.confidence == MAYBE for m in ms if m.surface == "LLMs")


def test_sentence_case_spans_are_maybes_for_the_title_match(tmp_path, standin, aliases, monkeypatch):
    """No cue, no capitals: offline a maybe; online the title match confirms it, also when the
    span runs on past the title. (A title kb's gazetteer knows is a work offline already:
    ``test_known_titles.py``; here the title is one it does not know.)"""
    from kb.grounding import known_titles

    monkeypatch.setattr(known_titles, "find", lambda text, path=None: [])
    text = "He liked how Linear connectivity reveals generalization strategies is argued, more than I'm sure of.\n"
    (m,) = [m for m in extract(text, aliases=aliases) if m.surface.startswith("Linear connectivity")]
    assert m.confidence == MAYBE and "sentence-case" in m.reason
    got = _add_online(tmp_path, standin, aliases, text)
    # stored as what the sentence writes of the title, not the span that ran on past it
    stored = "Linear connectivity reveals generalization strategies"
    assert m.surface != stored and got[stored]["status"] == "resolved"
    assert got[stored]["title"] == "Linear Connectivity Reveals Generalization Strategies"


# -- candidate rules added from the third development batch --------------------------------------

def test_listings_of_titles_under_authors_or_over_sources(aliases):
    listing = ("Best posts\n\nAda Lovelace\nNotes on the Analytical Engine Today\nbob_smith\nWhy Gradient Descent "
               "Finds Flat Minima\nCarol King\nA Sketch of Good Proofs\n\n1\nWhy Do Naive Filters Fail?\n"
               "via Alignment Forum [999] — This is the fourth in a series of informal research updates from the "
               "interpretability team, in interpretability and adjacent areas, which we post every few weeks or so.\n")
    works = _works(listing, aliases)
    assert {"Notes on the Analytical Engine Today", "Why Gradient Descent Finds Flat Minima",
            "A Sketch of Good Proofs", "Why Do Naive Filters Fail?"} <= set(works), works
    assert "Ada Lovelace" not in works and "Alignment Forum" not in works


def test_quote_attributions_reports_cards_and_benchmarks(aliases):
    text = ('Some quoted passage about estimates.\n\n- "Hero Licensing"\n\nAnthropic published the Persona Selection '
            "Model, a theory. They released a system card for Claude Opus 4.6. It scored ~100% on Cybench but only "
            "50% on the task. In a small model discussed by Anthropic [10] a neuron fires.")
    works = _works(text, aliases)
    for name in ("Hero Licensing", "Persona Selection Model", "system card for Claude Opus 4.6", "Cybench",
                 "Anthropic [10]"):
        assert name in works, (name, works)
    assert "task" not in works and not any(w.startswith("In a small") for w in works)


def test_papers_named_by_year_and_names_a_text_gives_a_dataset(aliases):
    ms = {m.surface: m for m in extract(
        "Matt Botvinick is Director of Neuroscience Research at DeepMind. He discusses a 2018 paper on meta-RL; "
        "the 2018 paper is short. Clark examines a new dataset from Fudan University called CrowdTrack. "
        "Datasets like ZetaTrack are a symptom.", aliases=aliases)}
    assert ms["a 2018 paper"].confidence == WORK and ms["a 2018 paper"].years == [2018]
    assert ms["the 2018 paper"].confidence == MAYBE
    assert ms["CrowdTrack"].confidence == WORK and ms["ZetaTrack"].confidence == WORK
    assert not any(m.startswith("Matt Botvinick is") and ms[m].confidence == WORK for m in ms)


def test_items_of_a_list_of_works(aliases):
    text = ("Abstract: we study flattery.\n\nRelated papers\n- Ask don't tell: Reducing flattery in small models [1.57]\n"
            "- Why agreeable answers win (score 0.9)\n\nTodo\n- buy more coffee beans today\n")
    works = _works(text, aliases)
    assert "Ask don't tell: Reducing flattery in small models" in works
    assert "Why agreeable answers win" in works and not any("coffee" in w for w in works)


def test_lower_case_lists_author_blocks_and_books_under_review(aliases):
    lower = ("reading list\n\nthe alignment problem by brian christian. best intro.\n\nconcrete problems in safety by "
             "amodei et al. the 2016 paper.\n\nthis was written by me. nothing else.\n")
    works = _works(lower, aliases)
    assert "the alignment problem" in works and "concrete problems in safety" in works
    assert not any(w.startswith("this was") for w in works)
    blocks = ("A New Reading List\nA.J. Ayer\nLanguage, Truth, and Logic\nAdam Smith\nTheory of Moral Sentiments\n"
              "Wealth of Nations\nAlasdair Macintyre\nAfter Virtue\nBenjamin Bratton\nThe Stack\nBrian Christian\n"
              "The Alignment Problem\n")
    works = _works(blocks, aliases)
    assert {"Wealth of Nations", "After Virtue", "The Stack", "Theory of Moral Sentiments"} <= set(works), works
    assert "Adam Smith" not in works
    review = ("Human Compatible: AI and the Problem of Control\n\nThis goal of this book is to help readers.\n\n"
              "Sapiens (Yuval Noah Harari)\n\nSummary: a history.\n\nThe Five Books\nThe Precipice: Existential "
              "Risk and the Future of Humanity (2020) — Toby Ord\nOrd examines risks in this long paragraph of prose.\n")
    ms = {m.surface: m for m in listed(extract(review, aliases=aliases))}
    assert "Human Compatible: AI and the Problem of Control" in ms and "Sapiens" in ms
    assert "The Five Books" not in ms and "Humanity (2020)" not in ms


def test_terms_explained_labels_and_organisations_are_not_titles(aliases):
    text = ("Reinforcement Learning from Human Feedback involves humans rating outputs. Rohin works at UC Berkeley "
            "with the Center for Human-Compatible AI on safety.\nPatreon: Ko-fi: Transcript: the show.\nResearch: "
            "Levels of Foo for Operationalizing Progress on Bar:  The Checklist: What Succeeding at Baz Will Involve:  "
            "end.\nRead section 5 in the Alignment Risk Update https://example.com/update.pdf today.\n")
    works = _works(text, aliases)
    assert not any(w.startswith(("Reinforcement Learning", "UC Berkeley", "Patreon")) for w in works), works
    assert any(w.endswith("Levels of Foo for Operationalizing Progress on Bar") for w in works)
    assert "The Checklist: What Succeeding at Baz Will Involve" in works
    assert "Alignment Risk Update" in works


def test_a_name_and_a_reporting_verb_is_a_maybe_the_authors_papers_settle(tmp_path, standin, aliases):
    text = ("Hacohen finds that networks trained on the same dataset classify examples in a consistent order. "
            "Alex argues that this is odd.\n")
    ms = {m.surface: m for m in extract(text, aliases=aliases)}
    assert ms["Hacohen"].confidence == MAYBE and ms["Alex"].confidence == MAYBE
    got = _add_online(tmp_path, standin, aliases, text)
    assert got["Hacohen"]["status"] == "resolved" and got["Hacohen"]["title"].startswith("Let's Agree to Agree")
    assert got["Alex"]["status"] == "maybe"


def test_evidence_from_the_fresh_batches(aliases):
    """Rules added from batches b10-b12 (README: they fixed those batches and made no difference
    on the batch after them)."""
    works = lambda text: _works(text, aliases)
    # a line whose capitalised words the text also writes in lower case is not a byline
    text = ("Skip to content\n\nLearning Rates and Warmup Schedules\n\nWhy it matters\n\n"
            "Learning rates matter, and warmup schedules too.")
    assert "Skip to content" not in works(text)
    # a heading over an abstract names the paper the page is about
    assert "Sparse Probing Across Many Layers" in works(
        "Sparse Probing Across Many Layers\nWe introduce a method for probing many layers at once.")
    # a quoted title after its authors and year; an author and colleagues
    assert "Lying in LLMs" in works('Doe et al. (2022): "Lying in LLMs"\nA short summary of the paper.')
    assert "Roe and colleagues" in works("The first result, from Roe and colleagues at a lab in 2021, was that loss falls.")
    assert not any("colleagues" in w for w in works("A survey, Foo Bar Baz Trends, by Roe and colleagues, is good."))
    # an idea named after a person is not a work; a person's dated work is
    assert not any("Law" in w for w in works("This is the core of Campbell's Law: measures decay."))
    assert any("1994" in w for w in works("Classic examples: Karl Sims's 1994 creatures that grew tall."))
    # a table cell without a year or authors; an acronym spelled out before or after
    assert works("| Page | Type |\n|---|---|\n| Reward Loop Feedback Model | Analysis |") == []
    assert "Mixture of Gated Routers" not in works("We introduce MoGR (Mixture of Gated Routers), a router.")
    # the document's own method "called" something; a run of names is not a title
    assert "Gradient" not in works("This paper proposes a method called Gradient Fence to detect attacks.")
    assert works("Ada Lovelace Google DeepMind Alan Turing Google DeepMind Grace Hopper Navy\n\nAbstract text.") == []


def test_short_headings_are_not_author_lines_of_a_listing(aliases):
    """A listing of titles under authors needs names: lines the page also writes in lower case
    ("Model Honesty", "The Idea") are headings, and what follows them is no title (b13)."""
    text = ("Model Honesty\n\nWhy Models Might Not Say What They Think\n\nThe Idea\n\nThe Honest Mind Problem\n\n"
            "Reading Notes\n\nWhat Probes Can and Cannot Show\n\nIn this essay the idea is that model honesty "
            "matters and reading notes help; a probe is not a proof, and a mind is not a model.")
    assert not any("listing" in m.reason for m in extract(text, aliases=aliases))


def test_phrases_a_title_shape_is_only_part_of(aliases):
    """Classes of wrong titles seen across the fresh batches (b10, b11, b12, b14), not one page:
    a capitalised run qualifying the lower-case noun after it, a numbered section's heading, the
    long form of a method's acronym."""
    works = lambda text: _works(text, aliases)
    text = "We finished Week 4 of the Safety Fundamentals reading group yesterday evening."
    assert not works(text)
    (m,) = [m for m in extract(text, aliases=aliases) if m.surface.startswith("Week")]
    assert m.confidence == MAYBE and m.reason.endswith("but it qualifies the lower-case words after it")
    assert not any("Defender" in w for w in works("To fix this, we present Sparse Gated Adversarial Defender "
                                                  "training (SGAD), a pipeline for safety."))
    # a title in prose is followed by a verb, a preposition or a word for a work, and stays one
    for after in ("showed that loss falls", "paper is good", "chap 2 covers it", "after all these years"):
        assert "Concrete Problems in AI Safety" in works(f"Back then Concrete Problems in AI Safety {after}.")
    body = "The field has moved fast, " * 12
    assert not works(f"Intro\n\n1. The Quiet Collapse of the Glass Box\n\n{body}\n\n2. What Comes Next\n\n{body}\n")
    assert "Concrete Problems in AI Safety" in works("1. Concrete Problems in AI Safety\n2. Risks from Learned "
                                                     "Optimization\n3. AI Safety via Debate\n")
    text = "Modern assistants are tuned with Reinforcement Learning from Human Feedback before release."
    (m,) = [m for m in extract(text, aliases=aliases) if m.surface.startswith("Reinforcement")]
    assert m.confidence == MAYBE and "the long form of a term (RLHF)" in m.reason


# -- the sixth round: classes of miss on dev2 (held out when first scored) ----------------------

def test_quoted_titles_next_to_their_authors_and_year(aliases):
    """A quoted title of any length or case is a work when a reference's authors and year stand
    right before it ('Ada Byron, 2021, "..."') or in brackets after it; a bare year is not enough."""
    works = lambda text: _works(text, aliases)
    lines = ("* 2024.01.04: Ada Byron, 2023, \u201cGradient alignment metastrategy\u201d. Forum post.\n"
             "* 2023.08.03: Kim Lee and Bo Park, 2019, \u201cUtility \u2260 Reward\u201d, forum post.\n"
             "* Bills et al. of OpenAI, 2023, \u201cSmall models can explain neurons in small models\u201d. blog post.\n"
             "A later essay, \u201cWhy not wait on learned risk?\u201d (Hanlon, 2022), says more.\n")
    found = works(lines)
    for title in ("Gradient alignment metastrategy", "Utility \u2260 Reward",
                  "Small models can explain neurons in small models", "Why not wait on learned risk?"):
        assert title in found, (title, found)
    assert not works('In 2019, "move fast and break things" was the slogan. June 2020, "stay home".')
    why = {m.surface: m.reason for m in extract(lines, aliases=aliases)}
    assert why["Gradient alignment metastrategy"] == "a quoted title after its authors and year"


def test_quoted_titles_in_a_reading_lists_lines(aliases):
    """A line that is a quoted title and its venue, and quoted titles in a row after one."""
    text = ("Three posts on selection theorems:\n\n\u201cSelection theorems for small agents\u201d, LessWrong.\n\n"
            "\u201cSome existing theorems\u201d, LessWrong.\n\n"
            "Robin Hanlon, 2022, \u201cWhy not wait on risk?\u201d, a blog and \u201cFoom update\u201d, a blog.\n"
            "\u201cWe will not stop\u201d, he said.\n")
    found = _works(text, aliases)
    for title in ("Selection theorems for small agents", "Some existing theorems", "Why not wait on risk?", "Foom update"):
        assert title in found, (title, found)
    assert not any(w.startswith("We will") for w in found)
    why = {m.surface: m.reason for m in extract(text, aliases=aliases)}
    assert why["Some existing theorems"] == "a quoted title on a list's line with its venue"
    assert why["Foom update"] == "a quoted title in a row after another"


def test_a_quoted_title_after_my_paper(aliases):
    found = _works("This is Part 3 of a series on my paper \u201cInstrumental convergence and seeking.\u201d "
                   "Our post \u201cGoals\u201d came first.", aliases)
    assert "Instrumental convergence and seeking" in found and "Goals" in found


def test_titles_of_author_year_references(aliases):
    """A reference list in author-year style: the title after "(2021)." in any case, on a line that
    opens with its authors in a reference's style (initials or "et al.")."""
    text = ("References\n\nTurner, A., Smith, L., & Shah, R. (2021). Gradient hacking in small transformers. In NeurIPS.\n"
            "Carlsmith, J. (2022). Is reward drift an existential risk? arXiv preprint.\n"
            "[3] van der Berg, J. and Li, Q. (2019, June). Why models drift: a study. Blog.\n"
            "Ngo et al. (2023). Goal drift in agents. ICLR.\n"
            "Smith (2020). Results were good in the end.\nLater Smith (2020). Things were good.\n"
            "* 2023.01.08: Jane Roe and Bo Li, 2022, Why reward drifts. LessWrong post.\n"
            "Jane Roe (2021) Gradient descent in small worlds. arXiv.\n")
    found = _works(text, aliases)
    for title in ("Gradient hacking in small transformers", "Is reward drift an existential risk?",
                  "Why models drift: a study", "Goal drift in agents", "Why reward drifts", "Gradient descent in small worlds"):
        assert title in found, (title, found)
    assert not any(w.startswith(("Results", "Things")) for w in found)
    (m,) = [m for m in extract(text, aliases=aliases) if m.surface == "Why models drift: a study"]
    assert m.reason == "a title after its authors and year (a reference)"


def test_a_name_in_bold_or_italics_with_its_author(aliases):
    text = ("Stories in **Far Futures 2050** by Kai-Fu Lee, and <em>Life 4.0</em> by Max Tegmark. "
            "It was *Fixed* by Monday, and **Not** by much.")
    ms = {m.surface: m for m in listed(extract(text, aliases=aliases))}
    assert {"Far Futures 2050", "Life 4.0"} <= set(ms), ms
    assert ms["Far Futures 2050"].reason == "a name in bold or italics with its author after it"
    assert "Fixed" not in ms and "Not" not in ms


def test_short_titles_of_known_works_in_lower_case_notes(aliases):
    """A known work's short name of three words or more with a function word inside is matched in
    any case ("risks from learned optimization" in lower-case notes); two-word names are not."""
    ms = {m.surface: m for m in listed(extract("   - risks from learned optimization\n   - some ideas from age of em\n"
                                               "   - toy models of superposition\n", aliases=aliases))}
    assert {"risks from learned optimization", "age of em", "toy models of superposition"} <= set(ms), ms
    assert ms["age of em"].alias_kind == "book"
    assert not listed(extract("the geometry is a list of things; a bitter lesson learned.", aliases=aliases))


def test_a_list_of_authors_and_a_reporting_verb(aliases):
    ms = {m.surface: m for m in extract("Soares, Fallenstein, Yudkowsky, and Armstrong introduced the term. "
                                        "Later, Hendrycks, Mazeika and Gimpel showed it.", aliases=aliases)}
    assert ms["Soares, Fallenstein, Yudkowsky, and Armstrong"].confidence == WORK
    assert ms["Soares, Fallenstein, Yudkowsky, and Armstrong"].authors == ["Soares", "Fallenstein", "Yudkowsky"]
    assert "Hendrycks, Mazeika and Gimpel" in ms and not any(s.startswith("Later") for s in ms)


def test_a_quoted_title_in_a_link_and_the_venue_after_a_quoted_title(aliases):
    """'my ["Why AGI?"](./why-agi) post_': the link around the quote and markdown emphasis do not
    hide the cue; 'a "Title", MIRI technical report' names one work, not two."""
    assert "Why AGI?" in _works('_From my ["Why AGI?"](./Why-AGI#beliefs) post_', aliases)
    found = _works("Eliezer Yudkowsky, 2013, \u201cIntelligence explosion microeconomics\u201d, MIRI technical report.\n"
                   "Imbrie, 2023, \u201cDecoding intentions\u201d. Center for Security and Emerging Technology technical "
                   "report.\nThe GPT-4 technical report is long.", aliases)
    assert "Intelligence explosion microeconomics" in found and "Decoding intentions" in found
    assert not any("MIRI" in w or "Emerging" in w for w in found), found
    assert any("GPT-4 technical report" in w for w in found), found


def test_a_name_hyphenated_across_a_pdf_line(aliases):
    ms = {m.surface: m for m in extract("Agents die before a hard level ([Saun- ders et al., 2018]) or volley a "
                                        "ball (Smith and Jo- nes, 2019).", aliases=aliases)}
    assert ms["Saun- ders et al., 2018"].authors == ["Saunders"] and ms["Saun- ders et al., 2018"].confidence == WORK
    assert ms["Smith and Jo- nes, 2019"].authors == ["Smith", "Jones"]


def test_a_sentence_case_title_after_their_paper(aliases):
    found = _works("In their paper Gradient hacking in small transformers (Turner et al., 2021), the authors show "
                   "this. In his post Smith argues that we are fine.", aliases)
    assert "Gradient hacking in small transformers" in found and not any(w.startswith("Smith argues") for w in found)


def test_a_reading_lists_label_and_a_title_before_its_author(aliases):
    """"Core reading: Title (Roe, 2021)" in prose, and a list item "Title, Jane Roe (2021)"; a
    claim with a citation after another label is not a title."""
    text = ("This week is short. Core reading: Why reward drifts in small agents (Jane Roe, 2021). Key finding: "
            "Models learn to deceive their trainers (Hubinger et al., 2024).")
    found = _works(text, aliases)
    assert "Why reward drifts in small agents" in found and not any(w.startswith(("Key", "Models")) for w in found)
    (m,) = [m for m in extract(text, aliases=aliases) if m.surface == "Why reward drifts in small agents"]
    assert m.reason == "a title after a reading list's label, with its authors and year"
    assert "Gradient descent in small worlds" in _works("Readings\n- Gradient descent in small worlds, Jane Roe (2021)\n"
                                                       "- Goal drift in agents (Roe, 2022)\n", aliases)


def test_a_list_item_that_opens_with_its_authors(aliases):
    found = _works("Readings\n- Jane Roe - Reward drift and what to do about it\n"
                   "- Jane Roe and Bo Lin \u2014 Goal drift in small agents\n", aliases)
    assert {"Reward drift and what to do about it", "Goal drift in small agents"} <= set(found), found
    assert not any(w.startswith("Jane Roe") for w in found)


def test_a_known_work_linked_to_a_page_that_is_not_a_work(aliases):
    """A link to Wikipedia hides what its anchor says, unless the anchor is a known work's name."""
    text = ("Some ideas from [age of em](https://en.wikipedia.org/wiki/The_Age_of_Em) and "
            "[Gradient Descent Methods](https://en.wikipedia.org/wiki/Gradient_descent).")
    found = _works(text, aliases)
    assert "age of em" in found and not any("Gradient" in w for w in found), found


def test_benchmarks_and_datasets_name_the_papers_that_introduced_them(aliases):
    """The seventh round's alias entries: a benchmark's or a dataset's name cites the paper that
    introduced it; a model's name needs a cue, like GPT-4's."""
    ms = {m.surface: m for m in listed(extract(
        "Scores on C-Eval, AGIEval and FLORES rose, and HELLASWAG and MATH were saturated. "
        "AlphaTensor found faster algorithms; the AlphaTensor paper is in Nature.", aliases=aliases))}
    assert {"C-Eval", "AGIEval", "FLORES", "HELLASWAG", "MATH", "AlphaTensor paper"} <= set(ms), ms
    assert ms["C-Eval"].id == "ARXIV:2305.08322" and ms["FLORES"].id == "ARXIV:2106.03193"
    assert "AlphaTensor" not in ms
    assert not listed(extract("a search for natural adversarial examples", aliases=aliases))


def test_names_glued_to_the_next_cell_of_a_flattened_table(aliases):
    """'HumanEvalA programming benchmark ...': a table copied as text without its borders. Only a
    line that opens with the name and goes on as a sentence, and only where two lines show it."""
    table = ("Benchmark Purpose\nHumanEvalA programming ability benchmark developed by OpenAI\n"
             "GLUE/SuperGLUEA general standard to assess language understanding\n"
             "TruthfulQATests the accuracy of model responses\n")
    found = _works(table, aliases)
    assert {"HumanEval", "SuperGLUE", "TruthfulQA"} <= set(found), found
    assert not any(w.startswith("HumanEvalA") for w in found)
    (m,) = [m for m in extract(table, aliases=aliases) if m.surface == "HumanEval"]
    assert m.reason == "alias table: Evaluating Large Language Models Trained on Code, glued to the next cell of a table copied as text"
    assert "HumanEval" not in _works("HumanEvalX is a different benchmark we made.\n", aliases)
    assert "TruthfulQA" not in _works("Notes\nTruthfulQATests the accuracy of answers\n", aliases)


def test_a_syllabus_item_with_its_author_year_and_a_note(aliases):
    """'1. But what is a neural network? (3Blue1Brown, 2017). Watch first 12 min.': an item of a
    numbered or bulleted list, its author and year in brackets, then how long it takes or what it
    is, under any heading; bold around the title and a digit or a clause word first are fine. A
    claim with a citation and no such note is not a title."""
    text = ("Session 1: Introduction\n\n  1. But what is a neural network? (3Blue1Brown, 2017). Watch first 12.5 min.\n"
            "  2. 4 charts that show why progress goes on (Henshall, 2023). 8 min.\n"
            "  3. **How reward models work, technically** (ByteByteGo, 2023). 8 min.\n"
            "  4. Models learn to deceive their trainers (Hubinger et al., 2024), which is worrying.\n")
    found = _works(text, aliases)
    assert {"But what is a neural network?", "4 charts that show why progress goes on",
            "How reward models work, technically"} <= set(found), found
    assert not any(w.startswith("Models learn") for w in found), found


def test_a_known_work_after_its_authors_possessive(aliases):
    ms = {m.surface: m for m in listed(extract("Dario Amodei\u2019s Machines of Loving Grace describes a future.",
                                               aliases=aliases))}
    # (since session 9 the author's full name is an author reference too, as dev8's ground truth
    # counts it, resolved as that same work rather than a second one)
    assert "Machines of Loving Grace" in ms and all(m.alias_title == ms["Machines of Loving Grace"].alias_title
                                                    and m.id == ms["Machines of Loving Grace"].id
                                                    for s, m in ms.items() if "Amodei" in s), ms


def test_a_date_after_by_is_not_an_author(aliases):
    text = "Apply here by Saturday, September 14\n\nSome prose follows here.\n- Reward drift in agents by Jane Roe\n"
    found = _works(text, aliases)
    assert "Reward drift in agents" in found and "Apply here" not in found, found


def test_a_name_the_text_calls_its_own_is_not_a_citation(aliases):
    """'our Activation Addition (ActAdd) method': the paper introducing ActAdd, not citing it;
    the name stays its own through the text, and 'our ActAdd paper' still cites."""
    text = ("Past work learned these vectors; our Activation Addition (ActAdd) method instead computes them. "
            "We demonstrate ActAdd on small models. Others cite our ActAdd paper.")
    ms = extract(text, aliases=aliases)
    own = [m for m in ms if m.surface == "ActAdd"]
    assert len(own) == 2 and all(m.confidence == MAYBE and m.reason.startswith("the text's own method") for m in own)
    assert "ActAdd paper" in _works(text, aliases)
    assert "ActAdd" in _works("Turner et al. introduced ActAdd, which steers models.", aliases)


def test_a_quoted_title_on_a_lists_line_with_its_author(aliases):
    text = "- Required:\n  - \u201cSituational Awareness\u201d Leopold Aschenbrenner\n  - \u201cScaling Up\u201d was what he said.\n"
    ms = {m.surface: m for m in listed(extract(text, aliases=aliases))}
    assert ms["Situational Awareness"].reason == "a quoted title on a list's line with its author"
    assert "Scaling Up" not in ms


def test_a_method_name_with_a_citation_of_another_paper(aliases):
    """'(RLHF) (Ziegler et al. 2019)': the bracket cites Ziegler's paper, not the one that
    introduced RLHF (2017), so RLHF is a concept there; 'GRPO (Shao et al., 2024)' cites its own."""
    ms = {m.surface: m for m in extract("Controls include reinforcement learning from human feedback (RLHF) "
                                        "(Ziegler et al. 2019), and GRPO (Shao et al., 2024) is used.", aliases=aliases)}
    assert ms["RLHF"].confidence == MAYBE and ms["Ziegler et al. 2019"].confidence == WORK
    assert ms["GRPO"].confidence == WORK


def test_a_method_name_takes_only_the_alias_tables_cues(aliases):
    """'used in RLHF', 'Then RLHF was introduced': cues that make a coined name a work do not
    make a method's name one; the table's cues still do ('the RLHF paper', 'DPO [23]')."""
    ms = {m.surface: m for m in extract("The preference data used in RLHF matter. Then RLHF was introduced. "
                                        "DPO [23] is simpler.", aliases=aliases)}
    assert ms["RLHF"].confidence == MAYBE and ms["DPO"].confidence == WORK
    assert "ZorbNet" in _works("The data used in ZorbNet matter.", aliases)


def test_a_references_surnames_before_a_dash_and_its_title(aliases):
    ms = {m.surface: m for m in extract("- Required:\n  - Lenat & Marcus \u2014 Getting from Generative AI to Trustworthy AI.\n"
                                        "  - Roe et al. \u2014 Goal drift in small agents\n", aliases=aliases)}
    assert ms["Lenat & Marcus"].confidence == WORK and ms["Lenat & Marcus"].authors == ["Lenat", "Marcus"]
    assert ms["Roe et al."].confidence == WORK


def test_a_decoy_does_not_depend_on_the_documents_before_it():
    """Each phrase's decoy paper (year, author, id) is drawn from the phrase alone: a new maybe in
    one document must not reshuffle the decoys of every later one, which once made an unrelated
    online figure move."""
    a = ev.Doc("a", "## Deep Reinforcement Learning\n\nA long paragraph of prose follows the heading here.\n")
    b = ev.Doc("b", "## Quiet Reward Hacking\n\nAnother paragraph of prose follows this heading too.\n")
    alone = {w["title"]: w for w in ev.decoy_titles([a])}
    after = {w["title"]: w for w in ev.decoy_titles([b, a])}
    assert alone and set(alone) < set(after)
    assert all(after[t] == w for t, w in alone.items())


def test_the_misses_listing_leaves_out_the_held_aside_halves(aliases, extracted_once):
    """``--misses`` is what a tuning round reads: the odd pages of dev8 and dev9 stay a
    generalisation check, so their failures are never listed."""
    assert ev.held_aside("dev9", "p03_x.txt") and ev.held_aside("dev8", "p11_y.txt")
    assert not ev.held_aside("dev9", "p04_x.txt") and not ev.held_aside("dev7", "p03_x.txt")
    lines = ev.misses_listing(aliases, parts=[(part, False) for part in ev.HELD_ASIDE], extract_with=extracted_once)
    odd = {d.name for part in ev.HELD_ASIDE for d in ev.load(part) if ev.held_aside(part, d.name)}
    assert odd and len(lines) > 2 and not [line for line in lines if any(n in line for n in odd)]



def _small_standin_online(tmp_path, aliases, works, text):
    """``text`` added online against a stand-in of 300 generated papers with namesakes serving
    ``works``: (title, authors, year) or (title, authors, year, {more fields})."""
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    rows = [{"title": w[0], "authors": w[1], "year": w[2], "kind": "paper",
             "abstract": "Small agents drift quietly from their goals as they learn.", **(w[3] if len(w) > 3 else {})}
            for w in works]
    with StandIn(generate_corpus(300, seed=3, works=rows, namesakes=True)) as standin:
        return _add_online(tmp_path, standin, aliases, text)


def test_an_author_reference_takes_the_paper_its_document_names_by_title(tmp_path, aliases):
    """A page that lists "Quiet Drift in Small Agents" and cites "Roe et al., 2021" names one
    paper twice: the reference takes the listed paper without a request, though the author wrote
    another paper that year and the sentence says nothing of either (the author route alone
    cannot tell them). A listed paper by a namesake (same surname, another field and year) is no
    evidence for a reference of another year, nor for one whose second author did not write it."""
    works = [
        ("Quiet Drift in Small Agents", ["Ada Roe", "Bo Fenn"], 2021),
        ("Quiet Drift Revisited", ["Ada Roe", "Cy Quill"], 2021),
        ("Salt Crystals in Cold Lakes", ["Bea Roe", "Dee Marsh"], 2016),                     # a namesake
    ]
    text = ('Reading list: "Quiet Drift in Small Agents" and "Salt Crystals in Cold Lakes".\n\n'
            "That is where this line of work started (Roe et al., 2021). Salt in lakes grows crystals "
            "as it cools (Roe et al., 2013), and so do ponds (Roe and Quill, 2016).\n")
    got = _small_standin_online(tmp_path, aliases, works, text)
    assert (got["Roe et al., 2021"]["status"], got["Roe et al., 2021"]["resolved_by"], got["Roe et al., 2021"]["title"]) \
        == ("resolved", "document", "Quiet Drift in Small Agents")
    assert got["Roe et al., 2013"]["title"] != "Salt Crystals in Cold Lakes"
    assert got["Roe and Quill, 2016"]["title"] != "Salt Crystals in Cold Lakes"
    assert got["Roe et al., 2013"]["resolved_by"] != "document" and got["Roe and Quill, 2016"]["resolved_by"] != "document"


def test_a_coined_name_carried_by_a_preprint_and_its_venue_record_is_one_work(tmp_path, aliases):
    """Semantic Scholar keeps a preprint and its venue version as two records of one title: a
    nickname whose paper has both ("QuillBench: ...") is that work, not ambiguous; two papers of
    different titles that both carry the name ("DriftNet: ..." twice, another field) stay
    ambiguous, and the namesake is taken for neither."""
    works = [
        ("QuillBench: Measuring Quiet Drift in Small Agents", ["Ada Roe"], 2024, {"arxiv": "2406.01234"}),
        ("QuillBench: Measuring Quiet Drift in Small Agents", ["Ada Roe"], 2025,            # its venue record
         {"doi": "10.5555/quillbench"}),
        ("DriftNet: Reading Activations of Small Agents", ["Ada Roe"], 2023),
        ("DriftNet: Ice Sheet Motion from Satellite Radar", ["Bea Roe"], 2019),            # a namesake work
    ]
    text = "We evaluate on the QuillBench benchmark. Works like DriftNet (a decoder) read activations.\n"
    got = _small_standin_online(tmp_path, aliases, works, text)
    assert (got["QuillBench"]["status"], got["QuillBench"]["title"]) == \
        ("resolved", "QuillBench: Measuring Quiet Drift in Small Agents")
    assert got["DriftNet"]["status"] == "ambiguous" and got["DriftNet"]["title"] is None


def test_an_author_reference_takes_the_paper_another_reference_of_its_page_resolved(tmp_path, aliases):
    """"Roe and Fenn (2021)" resolves by its two authors; "Roe et al." later on the page, which
    the author's papers alone cannot settle (she wrote two that the sentence says nothing of),
    names the same paper. "Roe et al., 2013" (another year: a namesake's paper) takes nothing from
    it."""
    works = [
        ("Quiet Drift in Small Agents", ["Ada Roe", "Bo Fenn"], 2021),
        ("Loud Drift in Large Agents", ["Ada Roe", "Cy Quill"], 2022),
        ("Salt Crystals in Cold Lakes", ["Bea Roe", "Dee Marsh"], 2015),                     # a namesake
    ]
    text = ("As Roe and Fenn (2021) showed, agents drift from their goals.\n\n"
            "That is where this line of work started, as Roe et al. argued. Salt grows crystals as lakes "
            "cool (Roe et al., 2013).\n")
    got = _small_standin_online(tmp_path, aliases, works, text)
    assert got["Roe and Fenn (2021)"]["title"] == "Quiet Drift in Small Agents"
    assert (got["Roe et al."]["status"], got["Roe et al."]["resolved_by"], got["Roe et al."]["title"]) == \
        ("resolved", "document", "Quiet Drift in Small Agents")
    assert got["Roe et al., 2013"]["title"] != "Quiet Drift in Small Agents"
