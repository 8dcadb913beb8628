"""Citation keys resolved against the page's own reference list (kb/grounding/reference_keys.py)."""

from kb.grounding import reference_keys as rk
from kb.grounding.mentions import WORK, extract, listed

APA_PAGE = """Specification gaming is the classic outer alignment problem (Shah et al., 2022). Classic safety
work treats reward hacking as exploiting a misspecified objective (Amodei et al., 2016; Manheim, 2018).
Concealment emerges naturally (Anthropic, 2025; Taylor et al., 2025), as Anthropic (2025) and
OpenAI + Apollo (2025) report. Claude 3 Opus was released in March 2024.

## References

Amodei, D., Olah, C., Steinhardt, J., Christiano, P., Schulman, J., & Mané, D. (2016). Concrete Problems in AI Safety. *arXiv preprint arXiv:1606.06565*.

Anthropic. (2025). Natural Emergent Misalignment from Reward Hacking in Production RL. *Anthropic Technical Report*.

Manheim, D. (2018). Overoptimization Failures and Specification Gaming in Multi-agent Systems. *Big Data and Cognitive Computing, 3*, 21.

OpenAI. (2025). Detecting and Reducing Scheming in AI Models. *OpenAI Research*.

Shah, R., Varma, V., Kumar, R., Phuong, M., Krakovna, V., Uesato, J., & Kenton, Z. (2022). Goal Misgeneralization: Why Correct Specifications Aren't Enough For Correct Goals. *arXiv preprint arXiv:2210.01790*.

Taylor, M., Chua, J., Betley, J., Treutlein, J., & Evans, O. (2025). School of Reward Hacks: Hacking Harmless Tasks Generalizes to Misaligned Behavior in LLMs. *arXiv:2508.17511*.
"""

REVIEW_PAGE = """### Weaknesses
1.	The idea of task-based modeling is not new. Several works showed better brain alignment [1], [2].

[1] Oota et al. 2022, Neural Language Taskonomy: Which NLP Tasks are the most Predictive of fMRI Brain Activity?, NAACL-2022

[2] Aw et al. 2023, Training language models to summarize narratives improves brain alignment, ICLR-2023

2.	Intermediate layers are well aligned with the brain [3].

[3] Toneva et al. 2019, Interpreting and improving natural-language processing (in machines) with natural language-processing (in the brain), NeurIPS-2019
"""

FOOTNOTE_PAGE = """To detect misaligned mesa-optimizers, inspired by circuit analysis in transformers[^2], we can
track gradient-descent traces. Models may develop mesa-optimizers.[^hubinger] Ed Zitron said so.[^ed]

## References

[^1]: von Oswald, J., et al. "Transformers Learn In-Context by Gradient Descent." *NeurIPS 2023*.

[^2]: Elhage, N., et al. "A Mathematical Framework for Transformer Circuits." *Anthropic (2021)*.

[^hubinger]: Hubinger, E., van Merwijk, C., Mikulik, V., Skalse, J., & Garrabrant, S. (2019). *Risks from Learned Optimization in Advanced Machine Learning Systems*. arXiv:1906.01820.

[^ed]: Ed will be the kind of person who will be seen as having "been right all along" if there is a bubble.
"""

STEPS_PAGE = """## Action Items

1. **IMMEDIATE:** Update code comment to remove Hubinger citation
2. **HIGH:** Document that 7.5% is theoretical estimate with reasoning
3. **MEDIUM:** Consider adding sleeper prevalence to Monte Carlo parameter sweep (see step [2])

## Notes

- Run the sweep again in 2025, after the next release.
- Keep the seeds fixed.
"""


def _titles(text: str) -> list[str]:
    return [text[e.title_start:e.title_end] for e in rk.entries(text)]


def test_apa_list_entries_have_authors_year_and_title():
    found = rk.entries(APA_PAGE)
    assert [text for text in _titles(APA_PAGE)] == [
        "Concrete Problems in AI Safety",
        "Natural Emergent Misalignment from Reward Hacking in Production RL",
        "Overoptimization Failures and Specification Gaming in Multi-agent Systems",
        "Detecting and Reducing Scheming in AI Models",
        "Goal Misgeneralization: Why Correct Specifications Aren't Enough For Correct Goals",
        "School of Reward Hacks: Hacking Harmless Tasks Generalizes to Misaligned Behavior in LLMs",
    ]
    assert found[0].names[:2] == ("Amodei", "Olah") and found[0].year == 2016
    assert found[1].names == ("Anthropic",) and found[1].year == 2025      # an organisation as author


def test_author_year_and_organisation_date_keys_match_their_entries():
    cites = rk.citations(APA_PAGE)
    got = {APA_PAGE[c.start:c.end]: APA_PAGE[c.entry.title_start:c.entry.title_end] for c in cites}
    assert got["Shah et al., 2022"].startswith("Goal Misgeneralization")
    assert got["Manheim, 2018"].startswith("Overoptimization")
    assert got["Anthropic, 2025"].startswith("Natural Emergent")
    assert got["Anthropic (2025)"].startswith("Natural Emergent")
    assert got["OpenAI + Apollo (2025)"] == "Detecting and Reducing Scheming in AI Models"
    assert got["Taylor et al., 2025"].startswith("School of Reward Hacks")
    assert all(c.how == "author-year" for c in cites)


def test_a_name_and_year_with_no_entry_is_no_citation():
    cites = {APA_PAGE[c.start:c.end] for c in rk.citations(APA_PAGE)}
    assert not any("March" in c or "Claude" in c for c in cites)       # "Claude 3 Opus ... March 2024"
    page = "As Kaplan et al. (2020) showed.\n\n## References\n\nHoffmann, J. (2022). Training Compute-Optimal Large Language Models. arXiv.\n"
    assert rk.citations(page) == []                                   # Kaplan has no entry: not resolved here


def test_numbered_keys_in_a_review_resolve_to_inline_entries():
    assert _titles(REVIEW_PAGE) == [
        "Neural Language Taskonomy: Which NLP Tasks are the most Predictive of fMRI Brain Activity?",
        "Training language models to summarize narratives improves brain alignment",
        "Interpreting and improving natural-language processing (in machines) with natural language-processing (in the brain)",
    ]
    cites = rk.citations(REVIEW_PAGE)
    assert [(REVIEW_PAGE[c.start:c.end], c.entry.key) for c in cites] == [("[1]", "1"), ("[2]", "2"), ("[3]", "3")]
    assert all(c.how == "number" for c in cites)


def test_footnote_markers_resolve_only_to_footnotes_that_are_references():
    found = rk.entries(FOOTNOTE_PAGE)
    assert [e.key for e in found] == ["^1", "^2", "^hubinger"]          # "[^ed]" comments: not an entry
    assert found[0].names == ("von Oswald",) and found[1].year == 2021
    cites = rk.citations(FOOTNOTE_PAGE, found)
    assert [(FOOTNOTE_PAGE[c.start:c.end], c.how) for c in cites] == [("[^2]", "footnote"), ("[^hubinger]", "footnote")]


def test_a_numbered_list_of_steps_is_not_a_reference_list():
    assert rk.entries(STEPS_PAGE) == []
    assert rk.citations(STEPS_PAGE) == []


def test_extract_makes_entry_titles_works_and_keys_citations_of_them():
    ms = listed(extract(APA_PAGE))
    by_surface = {m.surface: m for m in ms}
    entry = by_surface["Detecting and Reducing Scheming in AI Models"]
    assert entry.confidence == WORK and entry.reason.startswith(rk.ENTRY)
    key = by_surface["OpenAI + Apollo (2025)"]
    assert key.kind == "author-ref" and key.alias_title == "Detecting and Reducing Scheming in AI Models"
    assert key.reason.startswith(rk.KEY)
    # the rest of an entry (its venue) names no work of its own
    assert not any("Technical Report" in m.surface or "Big Data" in m.surface for m in ms)


def test_extract_resolves_numbered_keys_by_their_entry_titles():
    ms = listed(extract(REVIEW_PAGE))
    keys = [m for m in ms if m.surface.startswith("[")]
    assert [m.surface for m in keys] == ["[1]", "[2]", "[3]"]
    assert keys[1].alias_title == "Training language models to summarize narratives improves brain alignment"
    assert not any(m.surface.startswith(("NAACL", "ICLR", "NeurIPS")) for m in ms)


def test_a_second_reference_inside_an_entry_keeps_its_title():
    page = ("Examples are everywhere.[^spec]\n\n## Sources\n\n[^spec]: Krakovna, V., et al. (2020). *Specification gaming: "
            "the flip side of AI ingenuity*. DeepMind blog. The Lego block example is from Popov, I., et al. (2017). "
            "*Data-efficient Deep Reinforcement Learning for Dexterous Manipulation*. arXiv:1704.03073.\n")
    ms = listed(extract(page))
    assert any(m.surface == "Data-efficient Deep Reinforcement Learning for Dexterous Manipulation" for m in ms)
    assert any(m.surface == "Specification gaming: the flip side of AI ingenuity" for m in ms)


def test_acm_entries_put_the_year_between_authors_and_title():
    page = ("Inner alignment was named by Hubinger et al. [2019].\n\nReferences\n\n"
            "Evan Hubinger, Chris van Merwijk, Vladimir Mikulik, Joar Skalse, and Scott Garrabrant. 2019. Risks from "
            "Learned Optimization in Advanced Machine Learning Systems. arXiv:1906.01820.\n"
            "Richard Ngo. 2022. The alignment problem from a deep learning perspective. In ICLR 2024.\n")
    found = rk.entries(page)
    assert [page[e.title_start:e.title_end] for e in found] == [
        "Risks from Learned Optimization in Advanced Machine Learning Systems",
        "The alignment problem from a deep learning perspective"]
    assert found[0].year == 2019 and found[1].year == 2022


def test_a_key_two_entries_share_is_a_citation_without_a_title():
    page = ("this was shown before (Sun et al. 2023).\n\n## References\n\n"
            "Sun, J., Wang, S., & Zhang, J. (2023). Fine-tuned vs. Prompt-tuned Supervised Representations. IJCAI.\n"
            "Sun, J., & Moens, M. (2023). Tuning In to Neural Encoding. ECAI.\n")
    (c,) = rk.citations(page)
    assert page[c.start:c.end] == "Sun et al. 2023" and c.ambiguous
    (m,) = [m for m in listed(extract(page)) if m.surface == "Sun et al. 2023"]
    assert m.alias_title is None and m.reason.startswith(rk.KEY)


def test_a_papers_numbered_list_with_the_venue_and_year_last():
    page = ("Prior generative methods need separate VAEs [2, 3].\n\n## References\n\n"
            "[1] Kingma and Welling. Auto-Encoding Variational Bayes. ICLR 2014.\n"
            "[2] Sohn et al. Learning Structured Output Representation using Deep Conditional Generative Models. NeurIPS 2015.\n"
            "[3] Zhang et al. HVDER: Hybrid VAE-Diffusion for Missing Modality Reconstruction. 2026.\n")
    found = rk.entries(page)
    assert [(page[e.title_start:e.title_end], e.year) for e in found] == [
        ("Auto-Encoding Variational Bayes", 2014),
        ("Learning Structured Output Representation using Deep Conditional Generative Models", 2015),
        ("HVDER: Hybrid VAE-Diffusion for Missing Modality Reconstruction", 2026)]
    (c,) = rk.citations(page, found)
    assert page[c.start:c.end] == "[2, 3]" and c.entry.key == "2"


def test_organisation_and_date_keys_with_short_forms():
    page = ("The system card (OAI Feb 2026) and the risk report (Ant, August 2026) disagree; Ant, March 2026 "
            "is another story.\n\n## Sources\n\n"
            "OpenAI. (2026, February 3). GPT-6 System Card. OpenAI.\n"
            "Anthropic. (2026, August 12). Frontier Risk Report. Anthropic.\n")
    found = rk.entries(page)
    assert [(e.names, e.year, e.month) for e in found] == [(("OpenAI",), 2026, 2), (("Anthropic",), 2026, 8)]
    got = {page[c.start:c.end]: page[c.entry.title_start:c.entry.title_end] for c in rk.citations(page, found)}
    assert got == {"OAI Feb 2026": "GPT-6 System Card", "Ant, August 2026": "Frontier Risk Report"}   # not "Ant, March 2026"
