"""Author references: the people a text names for a work ("Hendrycks and Gimpel (2017)", "(Roe et
al., 2019; Fenn, 2020)", "Paul's post", "the Kaplan paper", "Claude E Shannon[7] showed").

Separate from ``mentions.py`` because it is a grammar of its own: how citation styles and prose
write people's names, years and their works, with its own vocabulary (surnames, particles,
initials, year letters, reporting verbs, the words that are never surnames). Changes to it are
changes to that grammar and are tested on their own (``tests/test_grounding_names.py``); the
title shapes, the judging and the assembly stay in ``mentions.py``, which calls the finders here
and reuses their pattern pieces (``_NAMES``, ``_YEAR_RX``, ``_PERSON_NAME_RX``) for titles cited
by their authors.

``mentions.py`` imports this module at its top, so nothing here needs ``mentions`` while it loads:
the mention type and the shared word lists of the title shapes are imported inside the functions
that use them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kb.grounding.aliases import CITATION_MARKER

if TYPE_CHECKING:
    from kb.grounding.layout import Layout
    from kb.grounding.mentions import Mention


class LazyPattern:
    """A regular expression compiled on its first use. The name grammar's largest patterns (a
    person's name repeated up to seven times, each word opening with one of 323 capitals) cost
    several milliseconds each to compile; compiled at import, they slowed every command that
    imports ``mentions`` without extracting anything (``kb seed list``). Used like the compiled
    pattern (``.match``, ``.search``, ``.finditer``, ...)."""

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        value = getattr(re.compile(*self._args), name)
        setattr(self, name, value)        # later uses skip this method
        return value


# The capitals a name may start with: ASCII and the Latin letters with diacritics ("Ødegård",
# "Żelazny", "Åberg", "Šimek"); Python's re has no \p{Lu}.
_UPPER = "A-Z" + "".join(c for c in map(chr, [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]) if c.isupper())
# A capitalised word of a person's name ("Hubinger", "O'Neil", "Dupont-Sommer").
_NAME_WORD = rf"[{_UPPER}][a-z\u00C0-\u024F\u1E00-\u1EFF'\-]+(?:-[{_UPPER}][a-z\u00C0-\u024F\u1E00-\u1EFF']+)?"   # "Jean-Luc", "Lopez-Paz"


# What works are called: "X's post", "the Y paper", "Z's open problems list".
_WORK_NOUNS = frozenset("""paper papers post posts work book article essay report sequence agenda plan proposal take
shortform thread framework theorem argument result results analysis survey series writeup write-up critique talk
preprint experiments experiment study list curve mechanisms mechanism ablation findings finding discovery circuit
method approach model benchmark dataset publication research review notes explainer transformer take textbook
handbook thesis dissertation novel piece pieces description explanation overview summary roundup column op-ed memo
primer tutorial lecture blogpost vignette""".split())
_HEAD_STRONG = frozenset("""paper papers post posts work book article essay report sequence agenda plan proposal take
shortform thread framework theorem argument transformer result results analysis survey series writeup write-up critique
talk preprint model experiments experiment study list explainer publication review textbook handbook thesis
dissertation novel piece pieces description explanation overview summary roundup column op-ed memo primer tutorial
lecture blogpost vignette benchmark dataset""".split())
_POSSESSIVE = re.compile(
    r"(?<![\w-])((?:[A-Z][\w\u00C0-\u024F\u1E00-\u1EFF\-]+[ \t]+(?:and|&)[ \t]+)?"   # "Roe and Fenn's paper"
    r"(?:[A-Z][\w\u00C0-\u024F\u1E00-\u1EFF\-]+)(?:\s+[A-Z][\w\u00C0-\u024F\u1E00-\u1EFF\-]+){0,2}(?:\s+et\s+al\.?)?)"
    r"(?:['\u2019]s|(?<=s)['\u2019](?=[ \t]+[a-z]))\s+"          # "Roe and Fenns' new book", "Roe et al's paper"
    r"(?=([\w\-]+(?:[ \t]+[\w\-]+){0,4}))")
# "Research Paper:" after a possessive, a label's capitals (a colon, a link or the line's end follows)
_CAPITALISED_KIND = re.compile(r"(?:(?:Research|Blog|New|Latest|Original)[ \t]+)?(Paper|Essay|Article|Preprint)"
                               r"(?=[ \t]*(?::|\(|\[|\n|$))")
_THE_X_PAPER = re.compile(
    r"\b[Tt]he\s+(?:(?:19|20)\d\d\s+)?((?:[\w\-.'\u2019]+\s+){0,3}?[\w\-.'\u2019]+)\s+"
    r"(paper|preprint|report|article|post|essay|book|textbook|handbook|thesis|dissertation|result|results|study|work|"
    r"survey|review|sequence|explainer)\b")
_NOT_A_NAME = frozenset("""same original above first second third last next new recent previous following latter former
whole full entire actual cited linked seminal famous landmark main key core relevant related other whole above-mentioned
classic foundational latest earlier later great excellent good nice interesting important first-ever follow-up blog
research technical final initial published one this that their our its his her your my same canonical source best single
entry-level short long big small two three few many whole go-to definitive standard usual obvious major minor
follow-on followup subsequent""".split())
_ET_AL = re.compile(r"(?<![A-Za-z\-])([A-Z][\w'\u2019\u00C0-\u024F\u1E00-\u1EFF\-]+(?:\s+(?:and|&)\s+[A-Z][\w\u00C0-\u024F\u1E00-\u1EFF\-]+)?)\s+et\s+al\.?"
                    r"(?:,?\s*\(((?:19|20)\d\d)[a-z]?\)|,?\s+((?:19|20)\d\d)(?![\d.]))?")
# "as power et al. 2022 showed", "by amodei et al.": a surname typed in lower case, as threads and
# notes do; "et al." after a word says it is a name whatever its case
_ET_AL_LOWER = re.compile(r"(?<![\w\-])([a-z][a-z\u00DF-\u024F'\u2019\-]{2,})\s+et\s+al\.?"
                          r"(?:,?\s*\(((?:19|20)\d\d)[a-z]?\)|,?\s+((?:19|20)\d\d)(?![\d.]))?")
_WORK_FROM = re.compile(r"\b(?:recent\s+)?(?:work|paper|papers)\s+(?:from|by)\s+([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+){0,2})"
                        # "the work by Roe, Fenn, and Lindqvist": a list of surnames, the authors of one work
                        r"((?:,[ \t]+[A-Z][\w\-]+)*,?[ \t]+(?:and|&)[ \t]+[A-Z][\w\-]+(?![\w\-]|[ \t]+[A-Z]))?")
_YEAR_PAPER = re.compile(r"\b(?:[Aa]n?|[Tt]he|[Tt]heir|[Hh]is|[Hh]er)\s+((?:19|20)\d\d)\s+(?:paper|preprint|study|article|report)\b")
_BY_MARKER = re.compile(r"\bby\s+(([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)?)(?:\s+et\s+al\.?)?\s*\[\d{1,3}(?:[,\u2013\-]\s*\d{1,3})*\])")
# What a public body's possessive owns more often than a work ("DSIT's framework", "NIST's plan")
_POLICY_HEADS = frozenset("framework plan proposal approach agenda strategy".split())
# Heads that name what someone has produced over time rather than one work.
_BODY_OF_WORK = frozenset("results result work findings research output publications".split())
_TOPIC_STOP = frozenset("the a an his her their its this that new recent old original famous quick".split())


# AI assistants, credited like people ("the second review, by Gemini"; "assisted by Claude")
_ASSISTANTS = frozenset("Claude Gemini Grok Copilot Perplexity Bard Llama ChatGPT Sydney Bing Siri Alexa Cortana DeepSeek "
                        "Qwen Kimi Pi".split())
# Prepositions that open a sentence before a possessive ("Per Hubinger's ...", "Unlike Roe's ...")
_LEADING_PREPOSITIONS = frozenset("Per Like Unlike Following Via Under Contra Pace Re See From In On By With Without After "
                                  "Before Against Despite Beyond Given Besides Compare "
                                  "Read Reread Recall Consider Check".split())   # ("Read Bostrom's Superintelligence")
_TIME_WORDS = frozenset("Today Yesterday Tomorrow Tonight".split())
# Organisations whose possessive names a product or a team as often as a work ("OpenAI's Five").
_LABS = frozenset("OpenAI DeepMind Anthropic Google Meta Microsoft Apple Amazon Nvidia NVIDIA xAI Mistral Cohere "
                  "Conjecture Redwood Apollo METR ARC MIRI Ought EleutherAI".split())
# Nouns after a capitalised name that make it an attribute ("OpenAI's Superalignment team").
_ATTRIBUTE_NOUNS = frozenset("team teams model models lab labs project group division program programme api chatbot "
                             "system systems family department office initiative platform product products".split())


# "Goodhart's Law", "Newcomb's Problem", "Occam's Razor": an idea named after a person, not a work
_EPONYMOUS = frozenset("""Law Laws Principle Theorem Lemma Paradox Razor Wager Effect Fallacy Dilemma Constant Rule Curse
Problem Conjecture Hypothesis Equation Inequality Algorithm Test Basilisk Mugging Dictum Bound Trick""".split())


# A title-case run of two to eight words after a person's possessive, then the sentence goes on
# in lower case or ends ("Ada Roe's Quiet Minds Drifting is ...", "... Quiet Minds Drifting.")
_PERSONS_TITLE = re.compile(r"([A-Z][\w\-]*(?:[ \t]+(?:[A-Z][\w\-]*|of|the|and|in|for|to|a|an|on|with|at|as|into|from|over|under|about|beyond|without)){0,6}[ \t]+[A-Z][\w\-]*)"
                            r"(?=[.,;:!?\u2026)]|[ \t]*$|[ \t]*\n|[ \t]+(?:is|was|are|were|has|had|have|and|or|but|by|"
                            r"in|on|from|which|that|argues|argued|explains|explained|shows|showed|remains|offers|"
                            r"describes|makes|made|sets|lays|covers|gives)\b)")


# A title-case name, then the kind of work it names ("Most Important Century series")
_TITLE_THEN_WORK_NOUN = re.compile(r"([A-Z][\w\-]*(?:[ \t]+(?:[A-Z][\w\-]*|of|the|and|in|for|to|a|an|on|with|from)){0,7})"
                                   r"[ \t]+(paper|post|series|sequence|book|essay|report|article|piece|preprint|talk|novel)\b")


# ... or a title-case name the sentence then calls a work ("Biological Anchors, a math-heavy model of")
_TITLE_THEN_A_WORK = re.compile(r"([A-Z][\w\-]*(?:[ \t]+(?:[A-Z][\w\-]*|of|the|and|in|for|to|a|an|on|with|from)){0,7}),"
                                r"[ \t]+(?:an?|the|their|his|her)[ \t]+(?:[\w\-]+[ \t]+){0,3}?(model|report|paper|post|essay|book|"
                                r"analysis|framework|study|forecast|article|series|sequence|novel)\b")


# "... "Worldview Studies" project": a quoted name before the kind of undertaking it names
_NAMED_UNDERTAKING = re.compile(r"[\"\u201d]?[ \t]+(?:project|programme|program|initiative|team|fund|grant|campaign|"
                                r"effort|group|lab|centre|center|challenge|competition|prize|contest)s?\b", re.I)
_POSSESSIVE_QUOTE = re.compile(r"(?<![\w\-])((?:[A-Z][\w\-]+[ \t]+)?[A-Z][\w\-]+)['\u2019]s[ \t]+[\"\u201c]"
                               r"([^\"\u201c\u201d\n]{3,150}?[\w?!.)])[,.]?[\"\u201d]")


_READING_WORDS = re.compile(r"\b(?:read|reading|reread|book|books|novel|essay|essays|classic|recommend\w*|wrote|"
                            r"written|author|published|chapter|paper|papers|article|bestseller|memoir)\b", re.I)


def _named_work_after(seg: str, pos: int) -> str | None:
    """The one capitalised word after a possessive when it stands alone as a name: not followed by
    another capitalised word (a title run) or by a noun that makes it an attribute."""
    from kb.grounding.mentions import FUNCTION_WORDS, _BREAKERS
    m = re.match(r"([A-Z][a-z\u00C0-\u024F\u1E00-\u1EFF]{2,}|[A-Z][A-Za-z]*[A-Z][A-Za-z]*)(?=(\W{1,3})(\w*))", seg[pos:])
    if not m or m.group(1) in _BREAKERS or m.group(1) in FUNCTION_WORDS or m.group(1) in _EPONYMOUS:
        return None
    gap, nxt = m.group(2), m.group(3)
    if nxt[:1].isupper() and gap == " " or nxt.lower() in _ATTRIBUTE_NOUNS or nxt.lower() in _WORK_NOUNS:
        return None
    return m.group(1)


def _under_a_line_about_reading(text: str, pos: int) -> bool:
    """"Here are the books that shaped me:" and, lines below, "Ada Roe's Quiet Minds,": a line of a
    list that a line about reading introduces (only short list lines between them)."""
    lines = text[max(0, pos - 1500):text.rfind("\n", 0, pos) + 1].split("\n")
    for line in [x.strip() for x in reversed(lines) if x.strip()][:10]:
        if line.endswith(":"):
            return bool(_READING_WORDS.search(line))
        if len(line) > 200 or line.endswith((".", "!", "?")):
            return False
    return False


def _author_refs(text: str, a: int, b: int) -> list[Mention]:
    from kb.grounding.mentions import (FUNCTION_WORDS, MAYBE, Mention, WORK, _BREAKERS,
                                       _is_acronymish, _ORG_WORDS, _STRONG_CUE_BEFORE, _WEAK_CUE_BEFORE)
    out = []
    seg = text[a:b]
    lower_words = None
    for m in _POSSESSIVE.finditer(seg):
        owner, ostart = m.group(1), m.start()
        if re.search(r"\s(?:and|&)\s", owner):
            # "Roe and Fenn's paper", but not "... of ARC's Research and David's Obstacles": the first of
            # a pair must be a name, a word the text never writes in lower case
            lower_words = lower_words if lower_words is not None else set(re.findall(r"\b[a-z][a-z'\-]+", text))
            if owner.split()[0].lower() in lower_words or re.search(r"[A-Z][\w\-']*[ \t]+$", seg[:ostart]):
                cut = re.search(r"\s(?:and|&)\s+", owner)
                owner, ostart = owner[cut.end():], ostart + cut.end()
        while len(owner.split()) > 1 and owner.split()[0] in _LEADING_PREPOSITIONS:
            cut = re.match(r"\S+\s+", owner)  # "Per Hubinger's risks from ...": Hubinger's
            owner, ostart = owner[cut.end():], ostart + cut.end()
        if re.search(r"s['\u2019]\s+$", m.group(0)) and re.search(r"(?:^|[\s(])['\u2018][^'\u2019\n]*$", seg[:m.start(1)]):
            continue                      # (the 'Drift and Hidden Goals' leaf: a closing quote, no possessive)
        if any(c.isdigit() for c in owner) or owner.split()[0] in _BREAKERS or owner in ("Let", "It", "That", "What") \
                or owner in _TIME_WORDS or owner.split()[0] in _PLACE_WORDS:
            continue                      # ("Today's post": the day's, nobody's; "St Peter's Basilica": a place)
        words = m.group(2).split()
        if (kind := _CAPITALISED_KIND.match(seg, m.start(2))) and owner not in _LABS and not _ORG_WORDS.search(owner):
            # "Ada's Research Paper: <link>" in show notes: the kind of work capitalised like a label
            s, e = a + ostart, a + kind.end()
            out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.6, authors=[owner.split()[-1]],
                               reason=f"someone's {kind.group(1).lower()}, capitalised as a label"))
            continue
        # a capitalised name after the possessive is a named thing ("Anthropic's Transformer Circuits
        # Thread"): the title shapes deal with it
        cap = next((i for i, w in enumerate(words) if re.fullmatch(r"[A-Z][a-z]+", w)), len(words))
        longer = cap == 0 and re.fullmatch(_PERSON_NAME_RX, owner) and (run := _PERSONS_TITLE.match(seg, m.start(2))) \
            and len(run.group(1).split()) > 1 and _under_a_line_about_reading(text, a + ostart)
        if cap == 0 and not longer and (one := _named_work_after(seg, m.start(2))):
            # "Joyce's Ulysses", "Bostrom's Superintelligence": one capitalised word, a work's name
            s, e = a + ostart, a + m.start(2) + len(one)
            # trusted when a person owns it and the text leads to it as to a work ("fragments of ...")
            # or when the name recurs capitalised inside other sentences ("Eliezer's Sequences ... the Sequences")
            recurs = len(re.findall(rf"(?<=[a-z,] ){re.escape(one)}\b", text)) >= 2
            cued = not _ORG_WORDS.search(owner) and owner not in _LABS and bool(
                _STRONG_CUE_BEFORE.search(text[max(0, s - 40):s]) or _WEAK_CUE_BEFORE.search(text[max(0, s - 40):s])
                or recurs)
            out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.55 if cued else 0.45,
                               topic=one, authors=[owner.split()[-1]], confidence=WORK if cued else MAYBE,
                               reason="someone's work, by its name" + ("" if cued else ", without a cue")))
            continue
        if cap == 0 and (named := _TITLE_THEN_A_WORK.match(seg, m.start(2))) and named.group(1).split()[-1][:1].isupper() \
                and owner not in _EPONYMOUS and named.group(1).split()[0] not in _BREAKERS | FUNCTION_WORDS \
                and not (named.group(2) == "model" and re.search(r"\b(?:language|large|small|chat|frontier|foundation|base|"
                                                                r"multimodal|reasoning|open|AI|\d[\w.]*)\b", named.group(0))):
            # ("Google's Gemini Ultra, a large language model": a product)
            # "Open Philanthropy's Biological Anchors, a math-heavy model of ...": a named thing the
            # sentence goes on to call a work
            s, e = a + ostart, a + m.start(2) + len(named.group(1))
            out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.6, topic=named.group(1),
                               authors=[owner.replace(" et al.", "").split()[-1]],
                               reason=f"someone's work by its name, called a {named.group(2)}"))
            continue
        pair = re.fullmatch(rf"({_NAME_WORD})[ \t]+(?:and|&)[ \t]+({_NAME_WORD})", owner)   # "Demski and Garrabrant's"
        if cap == 0 and (" " not in owner or pair and all(_a_surname(text, w) for w in pair.groups())) \
                and (named := _TITLE_THEN_WORK_NOUN.match(seg, m.start(2))) \
                and named.group(1).split()[-1][:1].isupper() and owner not in _EPONYMOUS \
                and not any(w in _BREAKERS or w in FUNCTION_WORDS for w in named.group(1).split()[:1]):
            # "Karnofsky's Most Important Century series", "Roe's Quiet Drift paper": a work by its name and kind
            # (a full name's is the person beside their work: _people_before_their_works)
            s, e = a + ostart, a + named.end()
            out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.6, topic=named.group(1),
                               authors=[owner.replace(" et al.", "").split()[-1]],
                               reason=f"someone's {named.group(2)}, by its name"))
            continue
        if cap == 0 and (run := _PERSONS_TITLE.match(seg, m.start(2))) and re.fullmatch(_PERSON_NAME_RX, owner) \
                and _full_names_ok(owner) and owner.split()[0] not in _BREAKERS \
                and not _ORG_WORDS.search(owner) and owner.split()[0] not in _LABS | _PLACE_WORDS | _NOT_FIRST_NAMES \
                and not _INSTITUTION.search(run.group(1)) and run.group(1).split()[-1].lower() not in _WORK_NOUNS \
                and run.group(1).split()[-1].lower() not in _ATTRIBUTE_NOUNS:
            # "Ada Roe's Quiet Minds Drifting is ...": a person's full name owns a title-case run, their work
            # trusted only where the sentence speaks of reading or writing works ("a classic", "I
            # read"); otherwise a maybe: a person's company, product or team is written the same way
            s, e = a + ostart, a + m.start(2) - 1
            cued = bool(_READING_WORDS.search(seg)) or _under_a_line_about_reading(text, s) \
                or bool(_DATED_AFTER.match(seg, run.end(1)))     # "Ada Roe's Quiet Minds, June 2024": dated, a work
            out.append(Mention(None, text[s:e].rstrip(), s, s + len(text[s:e].rstrip()), "author-ref", "",
                               score=0.55 if cued else 0.45, topic=run.group(1), authors=[owner.split()[-1]],
                               confidence=WORK if cued else MAYBE,
                               reason="someone's work, by its title" + ("" if cued else ", without a cue")))
            continue
        words = words[:cap]
        # the noun phrase ends at its first function word ("Scott's post, but ...") and at the
        # last word that names a kind of work ("Nanda's open problems list")
        cut = next((i for i, w in enumerate(words) if w.lower() in FUNCTION_WORDS), len(words))
        words = words[:cut]
        head_at = max((i for i, w in enumerate(words) if w.lower() in _WORK_NOUNS), default=-1)
        if head_at > 0 and words[0].lower() in _ATTRIBUTE_NOUNS:
            head_at = -1                  # ("Ada Roe's team published results": the team did, no work of hers)
        np_words = words[:head_at + 1] if head_at >= 0 else words[:3]
        if not np_words:
            continue
        s = a + ostart
        e = a + m.start(2) + len(" ".join(np_words)) if " ".join(np_words) == seg[m.start(2):m.start(2) + len(" ".join(np_words))] \
            else a + m.start(2) + len(np_words[0])
        marker = bool(CITATION_MARKER.match(text, e)) or bool(CITATION_MARKER.match(text, a + m.start(2) + len(" ".join(words))))
        head = np_words[-1].lower()
        cued = head in _HEAD_STRONG or "et al" in owner or (head_at >= 0 and marker)
        # "Karl Sims's 1994 creatures", "Hubinger's 2019 sequence": a person's work, by its year
        dated = bool(re.fullmatch(r"(?:19|20)\d\d", np_words[0])) and len(np_words) >= 2 \
            and not _ORG_WORDS.search(owner) and owner not in _LABS
        cued = cued or dated
        if head in _POLICY_HEADS and not marker and re.fullmatch(r"[A-Z]{2,}(?:[ \t]+[A-Z]{2,})*", owner):
            cued = False                  # "the UK DSIT's pro-innovation framework": a body's policy, maybe a work
        if head in ("model", "models") and not marker and (owner in _LABS or _ORG_WORDS.search(owner) or re.search(
                r"\d[\d.,]*[-\s]?(?:billion|million|trillion|[BMT])\b", " ".join(np_words))):
            cued = False                  # "OpenAI's 175-billion-parameter language model": the lab's product
        if head in _BODY_OF_WORK and not marker and (owner in _LABS or _ORG_WORDS.search(owner)) \
                and all(w.lower() in _NOT_A_NAME | _BODY_OF_WORK | {"research"} for w in np_words):
            cued = False                  # "Anthropic's results", "DeepMind's recent work": a lab's output, no one work
        if head_at < 0 and not marker and not dated:
            continue
        topic = " ".join(w for w in np_words[:-1] if w.lower() not in _TOPIC_STOP)
        out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.6 if cued else 0.45,
                           topic=topic or None, authors=[owner.replace(" et al.", "").split()[-1]],
                           confidence=WORK if cued or marker else MAYBE,
                           reason=f"someone's {head}" + (" with a citation marker" if marker else "")))
    for m in _POSSESSIVE_QUOTE.finditer(seg) if 's "' in seg or "s \u201c" in seg else ():
        # "Mira's "How to run a calm reading group"", "Richard Ngo's "AGI safety from first
        # principles"": a person's possessive right before a quotation: the quotation is their work
        owner = m.group(1)
        while len(owner.split()) > 1 and owner.split()[0] in _LEADING_PREPOSITIONS | _BREAKERS | _SENTENCE_ADVERBS:
            owner = owner.split(None, 1)[1]
        if not all(_a_surname(text, w) for w in owner.split()) or owner.split()[0] in _NOT_FIRST_NAMES | _PLACE_WORDS \
                or _ORG_WORDS.search(owner) or len(m.group(2).split()) < 2 \
                or _NAMED_UNDERTAKING.match(text, a + m.end()):
            continue                      # "Open Philanthropy's "Worldview Studies" project": a named undertaking
        s = a + m.end(1) - len(owner)
        out.append(Mention(None, text[s:a + m.end(1) + 2], s, a + m.end(1) + 2, "author-ref", "", score=0.6,
                           authors=[owner.split()[-1]], reason="a person's possessive before a quoted title"))
        out.append(Mention(None, m.group(2), a + m.start(2), a + m.end(2), "title", "", score=0.7,
                           reason="a quoted title after its author's possessive"))
    for m in _THE_X_PAPER.finditer(seg):
        name, head = m.group(1), m.group(2)
        words = name.split()
        # "the original control paper", "the seminal GAN paper": the first of its kind, one work
        singled = len(words) >= 2 and words[0].lower() in _SINGLING_OUT and head in _HEAD_STRONG
        if singled:
            words = words[1:]
        # "the recent Anthropic emergent misalignment result": a lab and what the work was about
        lab = len(words) >= 3 and words[0].lower() in _RECENT and words[1] in _LABS \
            or len(words) >= 2 and words[0] in _LABS and head != "work"
        if lab and words[0] not in _LABS:
            words = words[1:]
        lab = lab and not any(w.lower() in _NOT_A_NAME or w.lower() in FUNCTION_WORDS for w in words)
        pair = len(words) == 3 and words[1] in ("and", "&") and all(re.fullmatch(_NAME_WORD, w) for w in words[::2])
        if any(w.lower() in _NOT_A_NAME or w.lower() in FUNCTION_WORDS and w not in ("et", "al.") and not pair for w in words) \
                or all(re.fullmatch(r"[\d.]+", w) for w in words):
            continue
        surnamed = bool(re.match(r"[A-Z][a-z]", words[0])) and not _is_acronymish(words[0]) and (
            len(words) == 1 or "et" in words or "and" in words)
        kind = "author-ref" if surnamed else "alias"
        # "the sleeper agents paper" may name a work or describe one: coined or capitalised names are trusted
        strong = surnamed or lab or (head in _HEAD_STRONG and head not in ("work", "result", "results", "study")
                                     and (singled or any(not w.islower() or "-" in w for w in words)))
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), kind, "", score=0.6 if strong else 0.45,
                           authors=[words[0]] if kind == "author-ref" else [],
                           topic=" ".join(words) if kind == "alias" else None, confidence=WORK if strong else MAYBE,
                           reason=f"\"the ... {head}\"" + (" with an author" if surnamed else "")))
    for m in _ET_AL.finditer(seg):
        name = m.group(1).split()[0]
        if name in _BREAKERS or name in ("The", "See"):
            continue
        year = m.group(2) or m.group(3)
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "", score=0.5,
                           authors=[name], years=[int(year)] if year else [],
                           reason="authors (et al.)" + (" and a year" if year else "")))
    for m in _ET_AL_LOWER.finditer(seg) if "et al" in seg else ():
        if m.group(1) in FUNCTION_WORDS or m.group(1) in ("and", "see", "cf", "also", "i", "me", "us", "them"):
            continue
        year = m.group(2) or m.group(3)
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "", score=0.5,
                           authors=[m.group(1).capitalize()], years=[int(year)] if year else [],
                           reason="authors (et al.) in lower case" + (" and a year" if year else "")))
    for m in _NAMES_VERB.finditer(seg):
        start = m.start(1)
        first = re.match(r"([A-Z][\w'\-]*),\s+", seg[start:m.end(1)])
        if first and (first.group(1) in _BREAKERS or first.group(1) in _SENTENCE_ADVERBS or first.group(1).endswith("ly")):
            start += first.end()          # "Later, Hendrycks and Gimpel showed ...": not a name
        if _names_ok(seg[start:m.end(1)]):
            out.append(Mention(None, seg[start:m.end(1)], a + start, a + m.end(1), "author-ref", "", score=0.55,
                               authors=_surnames(m.group(1))[:3], reason="authors and a reporting verb"))
    for m in _FULL_NAMES_VERB.finditer(seg):
        # "Dan Hendrycks, Eric Schmidt, and Alexandr Wang published a strategy": people's full names
        # and what they did as authors
        names, start = m.group(1), a + m.start(1)
        ok = lambda ns: _full_names_ok(ns) and not any(
            n.split()[0] in _PLACE_WORDS | _BREAKERS | _SENTENCE_ADVERBS | _LABS | _NOT_FIRST_NAMES for n in re.split(r",\s*(?:and\s+)?|\s+(?:and|&)\s+", ns) if n)
        while not ok(names) and re.search(r",[ \t]+(?!and\b)", names):
            cut = re.search(r",[ \t]+(?!and\b)", names)       # "In March, Dan Hendrycks, ...": not a name first
            names, start = names[cut.end():], start + cut.end()
        if not ok(names) or any(o.start <= start < o.end for o in out) or _INSTITUTION.search(names) \
                or not re.search(rf"{_PERSON_NAME_RX}", names):
            continue                      # two surnames alone are _NAMES_VERB's
        out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.55,
                           authors=[n.split()[-1] for n in re.split(r",\s*(?:and\s+)?|\s+(?:and|&)\s+", names) if n][:3],
                           reason="people's full names and what they published"))
    # "In a 2019 paper, Ada Roe described drift", "first described by Ada Roe in 2019": one person's
    # full name as the author of what the sentence dates or calls a work
    # (a year alone is not enough: "In 2023, Sam Roe argued that ..." is a person speaking)
    for m in _PERSON_VERB.finditer(seg):
        names = m.group(1) or m.group(2)
        start = a + (m.start(1) if m.group(1) else m.start(2))
        # the work comes first: "In a 2019 paper, Ada Roe described ..." (not a blog post later on)
        # ("In his paper “Quiet Minds”, Ada Roe formalised ...": the work by its title)
        dated = bool(re.search(r"\b(?:paper|essay|article|book|preprint|post|study|report)\b"
                               r"(?:[ \t]+[\"\u201c][^\"\u201c\u201d\n]{2,120}[\"\u201d])?,?[ \t]*$", text[max(a, start - 180):start]))
        if not dated and not m.group(2) or not _full_names_ok(names) or _INSTITUTION.search(names) \
                or names.split()[0] in _PLACE_WORDS | _BREAKERS | _SENTENCE_ADVERBS | _LABS | _NOT_FIRST_NAMES \
                or any(o.start <= start < o.end or start <= o.start < start + len(names) for o in out):
            continue
        out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.55,
                           authors=[names.split()[-1]], years=[int(y) for y in _YEAR_HINT.findall(seg)[:1]],
                           reason="a person's full name, what they did and when"))
    # (after the full names: "In her book, Ada Roe argues that" is Ada Roe's, not a maybe for Roe alone)
    for m in _NAME_VERB_THAT.finditer(seg):
        # "Tallam finds that ...": one name may be a first name ("Alex argues that"), so a maybe
        # that the author route online can settle
        if _names_ok(m.group(1)) and m.group(1) not in _LABS and not any(o.start <= a + m.start(1) < o.end for o in out):
            # ... unless the text writes the word elsewhere as a surname ("Jared Kaplan", "Kaplan et al.")
            # and never as a first name ("Alex Turner")
            sure = _surname_elsewhere(text, m.group(1))
            out.append(Mention(None, m.group(1), a + m.start(1), a + m.end(1), "author-ref", "", score=0.55 if sure else 0.45,
                               authors=[m.group(1)], confidence=WORK if sure else MAYBE,
                               reason="a name and a reporting verb" + (", a surname elsewhere in the text" if sure else "")))
    for m in _CITED_AS_IN.finditer(seg) if any(k in seg for k in _CITED_AS_IN_SIGNS) else ():
        # "as in Kaplan", "see Kaplan", "according to Kaplan": a surname cited for what it wrote, a work
        # where the text cites that surname elsewhere ("Kaplan et al. (2020)")
        name, start = m.group(1), a + m.start(1)
        if not _a_surname(text, name) or name in _NOT_FIRST_NAMES | _PLACE_WORDS or _ORG_WORDS.search(name) \
                or any(o.start < start + len(name) and start < o.end for o in out):
            continue
        if _surname_elsewhere(text, name):      # (not a maybe: "see Dustfall" may be a one-word title)
            out.append(Mention(None, name, start, start + len(name), "author-ref", "", score=0.55,
                               authors=[name], reason="a surname cited for its work, and cited elsewhere"))
    for m in _HANDLE_YEAR.finditer(seg) if _CITED_YEAR.search(seg) else ():
        # "Elhage et al. (2021); nostalgebraist (2020)": among references, a lower-case word with its
        # year in brackets is a forum handle as an author, when the text never writes the word otherwise
        name, start = m.group(1), a + m.start(1)
        if name in FUNCTION_WORDS or len(re.findall(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", text)) \
                != len(re.findall(rf"(?<![\w\-]){re.escape(name)}[ \t]+\((?:19|20)\d\d", text)) \
                or not any(x.start() != m.start() for x in _CITED_YEAR.finditer(seg)) \
                or any(o.start < a + m.end() and start < o.end for o in out):
            continue
        out.append(Mention(None, text[start:a + m.end()], start, a + m.end(), "author-ref", "", score=0.55,
                           authors=[name], years=[int(m.group(2))], reason="a handle and a year among other references"))
    for m in _CONTRA.finditer(seg) if "ontra " in seg else ():
        # "(contra Ada Roe)", "contra Hanson, ...": the person whose argument a claim answers, as a
        # reference to what they wrote (a full name, or a word the text never writes in lower case)
        names, start = m.group(1), a + m.start(1)
        people = names.split()
        if not (_full_names_ok(names) and _a_persons_name(text, names) if len(people) > 1 else _a_surname(text, names)) \
                or people[0] in _NOT_FIRST_NAMES | _PLACE_WORDS | _BREAKERS or _ORG_WORDS.search(names) \
                or _INSTITUTION.search(names) or any(o.start < start + len(names) and start < o.end for o in out):
            continue
        out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.55,
                           authors=[people[-1]], reason="a person whose argument the text answers (contra)"))
    for rx, why in ((_WROTE_A_WORK, "the people who wrote a work"), (_AUTHOR_OF, "a work's author, in so many words"),
                    (_SAID_IN_A_WORK, "a person and what they said in a work of theirs")):
        for m in rx.finditer(seg) if ("author" in seg if rx is _AUTHOR_OF else _SAID_IN_GATE.search(seg)
                                     if rx is _SAID_IN_A_WORK else any(v in seg for v in _WROTE_VERBS)
                                     and _WROTE_GATE.search(seg)) else ():
            names, start = m.group(1), a + m.start(1)
            if rx is _SAID_IN_A_WORK and " " in names and names.split()[0] in _OPENING_WORDS:
                names, start = names.split(None, 1)[1], start + len(names.split()[0]) + 1   # ("As Roe mentioned")
            if rx is _SAID_IN_A_WORK and names in _ASSISTANTS:
                continue                  # ("Claude wrote in a blog post": the assistant, as it speaks)
            people = [n for n in re.split(r",?[ \t]+(?:and|&)[ \t]+", names) if n]
            handle = text[a + m.start(1) - 1:a + m.start(1)] == "@"
            if not handle and not all(_full_names_ok(n) if " " in n else _a_surname(text, n) for n in people) \
                    or any(n.split()[0] in _PLACE_WORDS | _BREAKERS | _SENTENCE_ADVERBS | _LABS | _NOT_FIRST_NAMES
                           for n in people) or _INSTITUTION.search(names) or _ORG_WORDS.search(names) \
                    or any(o.start < start + len(names) and start < o.end for o in out) \
                    or rx is _WROTE_A_WORK and re.match(r"[ \t]+[\"\u201c*_]?[A-Z]", text[a + m.end():a + m.end() + 3]):
                continue                  # ("Charbel published the post Against Almost Every ...": the title names it)
            out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.6,
                               authors=[n.split()[-1] for n in people][:3], reason=why))
    for m in _IN_THEIR_WORK_NAME_VERB.finditer(seg) if "n his " in seg or "n her " in seg or "n their " in seg else ():
        # "In his post on natural abstractions, Wentworth argues that ...": the person a sentence says
        # argues in a work of theirs it opens with
        start = a + m.start(1)
        out = [o for o in out if not (o.start == start and o.reason.startswith("a name and a reporting verb"))]
        if _one_persons_name(text, m, a) and m.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS | _LABS \
                and not any(o.start < a + m.end(1) and start < o.end for o in out):
            out.append(Mention(None, m.group(1), start, a + m.end(1), "author-ref", "", score=0.6,
                               authors=[m.group(1).split()[-1]], reason="a person and what they argue in a work of theirs"))
    for m in _LISTED_TITLE_BY.finditer(seg) if " by " in seg else ():
        # "... by Eliezer Yudkowsky or Takeoff speeds by Paul Christiano (arguing ...)": a capitalised
        # phrase inside a sentence, then "by" and a person's full name: a work and its author
        names, start = m.group(2), a + m.start(2)
        before = m.group(1).split()[-1].lower()
        if (before.endswith(("ed", "en")) and before not in ("written", "authored", "co-authored")) \
                or before in FUNCTION_WORDS or not _full_names_ok(names) or not _a_persons_name(text, names) \
                or names.split()[0] in _BREAKERS | _SENTENCE_ADVERBS | _LABS | _NOT_FIRST_NAMES | _PLACE_WORDS \
                or _INSTITUTION.search(names) or any(o.start < start + len(names) and start < o.end for o in out):
            continue                      # ("and Funded by Ada Roe": who paid, not who wrote)
        out.append(Mention(None, names, start, start + len(names), "author-ref", "", score=0.6,
                           authors=[names.split()[-1]], reason="a capitalised phrase in a sentence and the person it is by"))
    for m in _HANDLES_OWN.finditer(seg) if "@" in seg else ():
        # "@RyanCarey & @tom4everitt's net benefit (UAI 2023)", "@Ada Roe's post": forum users (a
        # forum's mention of them) owning what the sentence dates or calls a work
        rest = seg[m.end():m.end() + 80]
        head = re.match(r"(?:[\w\-]+[ \t]+){0,4}?([\w\-]+)\b", rest)
        if not (_DATED_WORK.match(rest) or head and head.group(1).lower() in _HEAD_STRONG):
            continue
        for h in re.finditer(r"(?<=@)[A-Za-z][\w\-]{2,29}(?:[ \t]+[A-Z][\w\-]+)?", m.group(0)):
            s = a + m.start() + h.start()
            if not any(o.start < s + len(h.group(0)) and s < o.end for o in out):
                out.append(Mention(None, h.group(0), s, s + len(h.group(0)), "author-ref", "", score=0.6,
                                   authors=[h.group(0).split()[-1]], reason="a forum user's work, after their possessive"))
    for m in _YEAR_PAPER.finditer(seg):
        # "a 2018 paper which describes ...": one work, named by its year; the sentence names its authors
        definite = m.group(0)[:3].lower() == "the"      # "the 2022 paper": most often one named before
        # ... unless its topic follows: "the 2023 paper on weak-to-strong generalization"
        about = _PAPER_TOPIC.match(seg, m.end())
        out.append(Mention(None, m.group(0), a + m.start(), a + m.end(), "author-ref", "",
                           score=0.45 if definite and not about else 0.55, years=[int(m.group(1))],
                           topic=about.group(1) if about else None, confidence=MAYBE if definite and not about else WORK,
                           reason="a paper named by its year" + (" and its topic" if about else
                                                                 ", likely one named before" if definite else "")))
    for m in _BY_MARKER.finditer(seg):
        # "discussed by Anthropic [10]": an author and the marker of the work cited
        out.append(Mention(None, m.group(1), a + m.start(1), a + m.end(1), "author-ref", "", score=0.6,
                           authors=[m.group(2).split()[-1]], reason="an author with a citation marker"))
    for m in _WORK_FROM.finditer(seg):
        # ... but "a paper by Kaplan": one work, by a person named by their surname
        one = re.search(r"\b(?:[Aa]|[Tt]his|[Tt]hat|[Oo]ne)[ \t]+(?:[\w\-]+[ \t]+)?$", seg[max(0, m.start() - 20):m.start()]) \
            and m.group(0).split()[-2] == "by" and "paper" in m.group(0).split() \
            and all(_a_surname(text, w) for w in m.group(1).split()) and not _ORG_WORDS.search(m.group(1))
        people = [m.group(1)] + re.findall(r"[A-Z][\w\-]+", m.group(2) or "")
        # "the work by Roe, Fenn, and Lindqvist": surnames listed as co-authors name one work
        listed_authors = bool(m.group(2)) and re.search(r"\bby\s", m.group(0)) is not None \
            and all(_a_surname(text, w) for w in people) and len(m.group(1).split()) == 1 \
            and not any(_ORG_WORDS.search(w) or _INSTITUTION.search(w) for w in people)
        if listed_authors:
            s = a + m.start() + m.group(0).index(m.group(1))
            out.append(Mention(None, text[s:a + m.end()], s, a + m.end(), "author-ref", "", score=0.6,
                               authors=people[:3], reason="a work by surnames listed as its authors"))
            continue
        out.append(Mention(None, m.group(0)[:m.end(1) - m.start()], a + m.start(), a + m.end(1), "author-ref", "",
                           score=0.55 if one else 0.45,
                           authors=[m.group(1).split()[-1]], confidence=WORK if one else MAYBE,
                           reason="a paper by someone" if one else "work by someone, no single work named"))
    return out


# "Frankle and Carbin showed ...": two surnames, then a verb that reports what a work did.
# A person's first name and surname (a middle initial allowed), on one line.
_PERSON_NAME_RX = rf"{_NAME_WORD}(?:[ \t]+[A-Z]\.)*[ \t]+(?:(?:van|von|de|der|da|di|le|la)[ \t]+)?{_NAME_WORD}"
_REPORTING = (r"showed|show|shows|found|find|finds|proposed|propose|proposes|introduced|introduce|introduces|"
              r"demonstrated|demonstrate|demonstrates|argued|argue|argues|observed|observe|observes|reported|"
              r"report|reports|identified|identify|identifies|established|establish|establishes|suggested|"
              r"suggest|suggests|studied|study|studies|call|called|coined|named|describe|described|describes|"
              # what authors say in a work: "Roe and Fenn lay out their argument", "... warn that"
              r"explain|explains|explained|warn|warns|warned|contend|contends|contended|claim|claims|claimed|"
              r"conclude|concludes|concluded|predict|predicts|predicted|estimate|estimates|estimated|"
              r"formalised|formalized|formalises|formalizes|formalise|formalize|"
              r"lay[ \t]+out|lays[ \t]+out|laid[ \t]+out|point[ \t]+out|points[ \t]+out|pointed[ \t]+out|"
              r"make[ \t]+the[ \t]+case|makes[ \t]+the[ \t]+case|made[ \t]+the[ \t]+case")
_REPORTING_AFTER = re.compile(r"[ \t]+(?:also[ \t]+)?(?:" + _REPORTING + r")\b")
_NAMES_MARKER = re.compile(rf"(?<![\w\-])({_NAME_WORD}(?:,[ \t]+{_NAME_WORD})*,?[ \t]+(?:and|&)[ \t]+{_NAME_WORD})"
                           r"[ \t]*\[\d{1,3}(?:[,\u2013\-][ \t]*\d{1,3})*\]")
_PERSON_VERB = re.compile(rf"(?<![\w\-])({_PERSON_NAME_RX})[ \t]+(?:" + _REPORTING + r")\b"
                          rf"|\b(?:by|from)[ \t]+({_PERSON_NAME_RX})[ \t]+in[ \t]+(?:19|20)\d\d\b")
_SINGLING_OUT = frozenset("original seminal landmark foundational first".split())
_RECENT = frozenset("recent new latest".split())
_PAPER_TOPIC = re.compile(r"\s+(?:on|about|introducing)\s+(?:the\s+)?([\w\-]+(?:[ \t]+(?!(?:is|was|are|were|that|which|by|and|"
                          r"has|had|in|for|to|with|" + _REPORTING + r")\b)[\w\-]+){0,3})")
_NAMES_VERB = re.compile(rf"(?<![A-Za-z\-])((?:{_NAME_WORD},\s+){{0,6}}{_NAME_WORD},?\s+(?:and|&)\s+"
                         rf"{_NAME_WORD})"
                         r"(?:\s*\((?:(?:19|20)\d\d|[A-Z][A-Za-z]?(?:[&:/]?[A-Z][A-Za-z]?){1,4})\))?\s+(?:" + _REPORTING + r")\b")
# "UC Berkeley and Peking University presents": places of work, not people
_INSTITUTION = re.compile(r"\b(?:University|Universit\w+|Institute|College|School|Laborator(?:y|ies)|Labs?|Cent(?:er|re)|"
                          r"Foundation|Academy|Inc|Corp|Group|Department|Hospital)\b")
# (a surname may stand beside a full name: "Chandra and Gil Feld provide a response")
_ONE_NAME_RX = rf"(?:{_PERSON_NAME_RX}|{_NAME_WORD})"
_FULL_NAMES_VERB = LazyPattern(rf"(?<![A-Za-z\-])((?:{_ONE_NAME_RX},[ \t]+){{0,6}}{_ONE_NAME_RX},?[ \t]+(?:and|&)[ \t]+"
                              rf"{_ONE_NAME_RX})(?:\s*\((?:19|20)\d\d\))?\s+(?:" + _REPORTING +
                              r"|published|publish|publishes|released|wrote|write|writes|presented|presents|developed"
                              # a published answer: "provide a fantastic response", "offered a rebuttal"
                              r"|(?:provide|provides|provided|offer|offers|offered|wrote|write|writes|published)[ \t]+"
                              r"(?:[\w\-]+[ \t]+){0,3}?(?:response|rebuttal|reply|critique|commentary|rejoinder|counterargument)s?"
                              r"|rebut|rebuts|rebutted"
                              # a study they ran: "Ada Roe and Bo Fenn conducted one of the earliest expert surveys"
                              r"|(?:conducted|conduct|conducts|ran|run|runs|carried[ \t]+out|performed)[ \t]+"
                              r"(?:[\w\-]+[ \t]+){0,6}?(?:survey|study|poll|experiment|evaluation|analysis)s?)\b")
_SENTENCE_ADVERBS = frozenset("Later Earlier First Second Third Next Finally Recently Then Here Indeed Again Still Yet "
                               "Instead Meanwhile Previously Originally Historically Today".split())
_NAME_VERB_THAT = re.compile(r"(?<![\w\-])([A-Z][a-z\u00C0-\u024F\u1E00-\u1EFF'\-]{2,})(?:\s+et\s+al\.?)?\s+(?:finds|found|shows|showed|"
                             r"argues|argued|proposes|proposed|demonstrates|demonstrated|reports|reported|claims|claimed|"
                             r"concludes|concluded|estimates|estimated|predicts|predicted|suggests|suggested|observes|"
                             r"observed|notes|noted|points[ \t]+out|pointed[ \t]+out|warns|warned|writes|wrote)\s+that\b")
# "Irving & Amodei, 2018", "Hendrycks and Gimpel (2017)", "Hubinger (2019)", "(Christiano, 2018;
# Olsson et al., 2022)": surnames, then a year, in the shapes citation styles use.
# ("Saun- ders et al., 2018": a name hyphenated across a line of a PDF)
# (particles: "van der Waals", "de la Cruz"; APA initials after a surname: "Smith, J. (2019)")
_SURNAME = r"(?:(?:van|von|de|der|den|du|di|da|le|la|del|della|dos|ter|ten)\s+){0,2}[" + _UPPER + r"][a-z\u00C0-\u024F\u1E00-\u1EFF'\u2019]*(?:-[ ][a-z\u00C0-\u024F\u1E00-\u1EFF]{2,})?(?:[A-Z][a-z\u00C0-\u024F\u1E00-\u1EFF]+)*(?:[A-Z]{1,2}\b)?(?:-[A-Z][a-z\u00C0-\u024F\u1E00-\u1EFF]+)?"
_INITIALS = r"(?:,\s*(?:[A-Z]\.[\s\-]?){1,3}(?=[\s,&(]))?"
_NAMED = rf"{_SURNAME}{_INITIALS}"
_NAMES = (rf"{_SURNAME}(?:\s*,\s*{_SURNAME}){{0,8}}(?:,?\s+(?:and|&)\s+{_SURNAME})?(?:,?\s+et\s+al\.?)?")
# in running text a surname may carry its initials: "as Smith, J. (2019) and Doe, A., & Roe, B. (2020) show"
_NAMES_INITIALS = (rf"(?:{_NAMES}|{_NAMED}(?:\s*,\s*{_NAMED}){{0,2}}(?:,?\s+(?:and|&)\s+{_NAMED})?(?:,?\s+et\s+al\.?)?)")
_YEAR_RX = r"(?:19[5-9]\d|20[0-4]\d)[a-z]?"
# an older year, only where a style's comma sets it after the names in brackets: "(Hume, 1739)"
_OLD_YEAR_RX = r"(?:1[6-8]\d\d|19[0-4]\d)"
# a company named for its field, as an author in brackets: "(DeepSeek-AI, 2025)", "(Meta AI, 2024)"
_AI_COMPANY = re.compile(r"[A-Za-z][\w]*[ \t\-]AI$")
# "(2018, 2019)", "(2019a, b)": one reference to several of the authors' works
_YEARS_RX = rf"{_YEAR_RX}(?:\s*[,;]\s*(?:{_YEAR_RX}|[a-z]\b))*"
# "Buck Shlegeris, Jun 2024": a post's author and its month
_MONTH_RX = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?"
# a title's date right after it: "..., June 2024", "..., 2019"
_DATED_AFTER = re.compile(rf",[ \t]*(?:{_MONTH_RX}[ \t]+)?{_YEAR_RX}\b")
# "Burns et al. (OpenAI, 2023)", "Hubinger et al. (arXiv:1906.01820, 2019)": one word may come before the year
# "Smith et al. (NeurIPS 2019)", "Smith et al. (2019, p. 5)", "Russell [2019]": a venue before the
# year, a page after it, square brackets
_NARRATIVE_YEAR = (rf"(?P<venue>[A-Za-z][\w.\-]*(?::\S+)?,\s*|[A-Z][\w.\-]*\s+)?({_YEAR_RX})(?:\s*[,;]\s*(?:{_YEAR_RX}|[a-z]\b))*"
                   r"(?:,\s*(?:pp?\.|ch\.|sec\.|section|chapter)\s*[\w.\-\u2013]+"
                   r"|,\s*(?:LessWrong|Alignment[ \t]+Forum|AF|LW|EA[ \t]+Forum|arXiv|Substack|blog))?")   # "(2024, LessWrong)"
_NARRATIVE_REF = LazyPattern(rf"(?<![\w\-])({_NAMES_INITIALS})\s+([(\[]){_NARRATIVE_YEAR}[)\]]")
# "80,000 Hours, Risks from power-seeking AI" among references in brackets: a source, then its work's title
_SOURCE_THEN_TITLE = re.compile(r"([A-Z0-9][\w.&'\u2019\-]*(?:[ \t,]+[A-Z0-9][\w.&'\u2019\-]*){0,4}),[ \t]+"
                                r"([A-Z][^,;()\[\]\n]{8,150}?)[ \t]*")
_TITLE_WORDS = re.compile(r"[A-Za-z][\w\-']*")
# "See: Roe 2023 for ...", "cf. Roe 2021": a name and a year a reader is sent to is a reference
# ... and "as argued in Roe 2022", "described in Roe 2021": what a work did, then the work
_POINTED_TO = re.compile(r"(?:\b(?:[Ss]ee(?:[ \t]+also)?|[Cc]f\.?|e\.g\.,?)[ \t]*:?[ \t]*|\b(?:argued|shown|described|discussed|"
                         r"proposed|introduced|defined|studied|reported|explained|outlined|formali[sz]ed|summari[sz]ed|"
                         r"reviewed|suggested|noted|demonstrated)[ \t]+in[ \t]+)\Z")
_BARE_REF = re.compile(rf"(?<![\w\-])({_NAMES}),?\s+({_YEAR_RX})(?![\w\-/:]|\.\d)")
# "(Smith et al., 2019; Roe, 2020)" and "[Smith 2019]": brackets holding references
# (a bracket that is a link's anchor is a reference only when the link points into the page's
# references: "[Bansal 2022](#ref-bansal_2022)", a converted page's citation linked to its list)
_PAREN = re.compile(r"\(([^()\n]{3,400})\)|\[([^\[\]\n]{3,400})\](?!\((?!#(?i:[\w\-]{0,12}?(?:ref|bib|cit))))")
# A reference's authors and year right before a quoted title ("Vanessa Kosoy, 2023, \u201c...\u201d",
# "Hanson (2022): \"...\"") or in brackets right after it ('"..." (Kosoy, 2023)'): the quote is
# what they wrote.
_NAMES_YEAR_BEFORE = re.compile(rf"(?<![\w\-])({_NAMES}),?\s+\(?{_YEAR_RX}\)?\s*[,:.\u2014\u2013\-]?\s*$")
_NAMES_YEAR_AFTER = re.compile(rf"[,.]?\s*\(({_NAMES}),?\s+{_YEAR_RX}\)")


def _reference_around_quote(text: str, open_q: int, after_q: int) -> bool:
    before = _NAMES_YEAR_BEFORE.search(text, max(0, open_q - 80), open_q)
    after = _NAMES_YEAR_AFTER.match(text, after_q)
    # 'Ada Roe, "Agents that wander off", 2023': the authors before the title, its year after it
    around = _YEAR_AFTER_QUOTE.match(text, after_q) and _NAMES_BEFORE_QUOTE.search(text, max(0, open_q - 80), open_q)
    return any(m is not None and _names_ok(m.group(1)) for m in (before, after)) or bool(
        around and _full_names_ok(around.group(1)))


_NAMES_BEFORE_QUOTE = LazyPattern(rf"(?:^|(?<=\n)|(?<=[-*\u2022]\s)|(?<=\d[.)]\s))((?:{_PERSON_NAME_RX}|{_NAMES})"
                                 rf"(?:(?:,[ \t]+|,?[ \t]+(?:and|&)[ \t]+){_PERSON_NAME_RX}){{0,4}}),[ \t]*$")
_YEAR_AFTER_QUOTE = re.compile(rf"[,.]?[ \t]*\(?{_YEAR_RX}\)?(?![\w\-])")
# 'In "...", Roe and Fenn show': authors and a verb after a quoted title
_AUTHORS_AFTER_QUOTE = LazyPattern(rf",[ \t]+(?:{_NAMES}|{_PERSON_NAME_RX}(?:[ \t]+(?:and|&)[ \t]+{_PERSON_NAME_RX})?)"
                                  r"(?:[ \t]+\(?(?:19|20)\d\d[a-z]?\)?)?[ \t]+[a-z]+")
# Capitalised words that are not surnames when they stand before a year.
_NOT_SURNAMES = frozenset("""January February March April May June July August September October November December
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday
In On At By For From Since Until Of The A An And Or See Also Cf Fig Figure Table Section Chapter Lesson Phase
Day Week Part Vol Volume Version Spring Summer Fall Autumn Winter Q1 Q2 Q3 Q4 Early Late Mid Around Before After
During Between This That These Those Our We It Its Their His Her arXiv ArXiv Proceedings Published Updated Posted
Edited Submitted Accessed Retrieved Copyright NeurIPS ICML ICLR ACL EMNLP NAACL AAAI IJCAI CVPR ECCV ICCV COLT
UAI AISTATS COLM TMLR JMLR FAccT AIES Nature Science Distill Transformer Circuits Thread Jul Sept""".split())


def _names_ok(names: str) -> bool:
    names = re.sub(r"(?<![\w.])[A-Z]\.(?:[\s\-]?[A-Z]\.)*", " ", names)     # "Smith, J.": initials are fine
    words = [w for w in re.split(r"[\s,&]+", names) if w and w not in ("and", "et", "al", "al.") and w[0].isupper()]
    return bool(words) and not any(w in _NOT_SURNAMES or w.isupper() and len(w) > 1 for w in words)


_NOT_FIRST_NAMES = frozenset("Everyone Anyone Someone Nobody Everybody Anybody Somebody Everything Anything Something "
                             "Nothing Each Every Both Either Neither Other Others".split())


def _full_names_ok(names: str) -> bool:
    """People's full names: a short surname after a first name is a name ("Esther An", "Jia Li"),
    unless it is a word that never is one ("Builds It")."""
    return _names_ok(re.sub(r"(?<=[a-z] )(?!(?:It|In|On|At|By|Of|To|Is|As|Or|If|So|Do|No|Up|We|He|Me|My|Us|The|And|For|"
                            r"Its|His|Her|Our|Was|Are|Has|Had|But|Not|All|Any|Can|May|Who|Why|How)\b)[A-Z][a-z]{1,2}\b",
                            "", names))


def _surnames(names: str) -> list[str]:
    names = re.sub(r"(?<=[a-z])-[ ](?=[a-z])", "", names)      # "Saun- ders" is "Saunders"
    names = re.sub(r"(?<![\w.])[A-Z]\.(?:[\s\-]?[A-Z]\.)*", " ", names)
    names = re.sub(r"['\u2019]s?(?=\s|$)", "", names)                   # "Smith & Jones' (2019)"
    return [w for w in re.split(r"[\s,&]+", names) if w and w[0].isupper() and w not in ("and",)]


def _ends_a_heading(text: str, start: int, names: str) -> bool:
    """"Top GSM8K Performance (2025)": one capitalised word after other capitalised words that
    are not a first name (a coined name, or two words) ends a heading, not a reference."""
    from kb.grounding.mentions import FUNCTION_WORDS, _is_acronymish
    prev = text[text.rfind("\n", 0, start) + 1:start]
    prev = re.sub(r"^[ \t]*\[\^[\w\-]{1,40}\]:[ \t]*", "", prev)     # "[^2]: Roe (2021) ...": a footnote's label
    if prev.rstrip().endswith(":") and len(prev.split()) <= 8:
        return True                       # "Superintelligence: Paths, Dangers, Strategies (2014)"
    if re.search(r",|\band\b|&|\bet\s+al", names):
        return False
    # the words of this sentence before the name: its first word is capitalised whatever it is
    # ("As shown by O'Neil (2016)", "Following Stuart Russell (2019)"); "by" brings an author
    clause = re.split(r"[.!?:;]\s+|\s[-\u2013\u2014]\s", prev)[-1].split()
    # (not a name with its own year: "Both Roe (2020) and Fenn (2021)")
    caps_at = [i for i, w in enumerate(clause) if i and w[:1].isupper() and not re.fullmatch(r"[A-Z]\.?", w)
               and not (i + 1 < len(clause) and re.match(r"[(\[](?:19|20)\d\d", clause[i + 1]))]
    n = len(clause)
    if n >= 2 and clause[-1] in FUNCTION_WORDS and clause[-1] not in ("by", "from") and any(i >= n - 3 for i in caps_at):
        return True                       # "The Precipice: ... the Future of Humanity (2020)"
    caps = [clause[i] for i in caps_at if i >= n - 2]
    return bool(caps) and (len(caps) == 2 or any(_is_acronymish(w) for w in caps))


# "Smith, J. (2019). Title": a reference entry's authors and year, then its title
_ENTRY_GOES_ON = re.compile(r"[.,]\s+[A-Z0-9\"\u201c]")


def _ends_a_title(text: str, start: int) -> bool:
    """"... Neural Language Models, 2020", "Theory of Mind, 2021": one capitalised word after two
    others, or after a function word inside a capitalised run, is a title's last word before its
    year; a person's name has one given name before it ("by Stuart Russell, 2019")."""
    from kb.grounding.mentions import FUNCTION_WORDS
    before = text[text.rfind("\n", 0, start) + 1:start].split()[-2:]
    if len(before) < 2 or re.search(r"[.,;:)\]]$", before[0]):
        return False
    if before[1] in FUNCTION_WORDS and before[1] not in ("by", "and", "from"):
        return before[0][:1].isupper()
    return all(w[:1].isupper() and not re.fullmatch(r"(?:[A-Z]\.)+", w) for w in before)


# The arrow or icon a page renders after a link: "Wei 2022 \u2197" is a citation's anchor.
_LINK_GLYPH = re.compile(r"[ \t]*[\u2197\u2934\u21aa\U0001f517]")


_ORG_AUTHOR_YEAR = re.compile(rf"((?:[A-Z][\w\-]*[ \t]+(?:(?:for|of|on|the|and|&)[ \t]+)*)*[A-Z][\w\-]*),?[ \t]+({_YEAR_RX})\s*")
# "Ouyang, Wu, Schulman, and 14 co-authors": surnames and a count of the rest
_NAMES_AND_COAUTHORS = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD},[ \t]+){{2,9}}(?:and[ \t]+)?(?:\d{{1,3}}|two|three|four|five|six|"
                                  r"seven|eight|nine|ten|many|several)[ \t]+(?:co-?authors|others|colleagues))\b")
# "The paper, by Ada Roe, Bo Fenn, and Cyd Lindqvist,": the people a work just named is by
_WORK_WORDS_RX = (r"(?:paper|preprint|article|essay|book|report|study|post|write-?up|sequence|piece|thesis|survey|"
                  r"review|explainer|primer|tutorial|memo|textbook|monograph|dissertation)")
_WORK_BY_FULL_NAMES = LazyPattern(rf"\b{_WORK_WORDS_RX}[ \t]*,?[ \t]+by[ \t]+"
                                 rf"((?:{_PERSON_NAME_RX},[ \t]+){{1,8}}and[ \t]+{_PERSON_NAME_RX}|{_PERSON_NAME_RX}[ \t]+and[ \t]+{_PERSON_NAME_RX})(?![\w\-])")
# "a new essay by Ada Roe", "the write-up by Ada Roe": one person a work the sentence names is by
_A_WORK_BY_ONE = LazyPattern(rf"\b(?:[Aa]n?|[Tt]he|[Tt]his|[Tt]hat|[Hh]er|[Hh]is|[Tt]heir)[ \t]+(?:[\w\-]+[ \t]+)?{_WORK_WORDS_RX}"
                             rf"[ \t]*,?[ \t]+by[ \t]+({_PERSON_NAME_RX}|[A-Z][\w\u00C0-\u024F\u1E00-\u1EFF\x27\-]+(?![ \t]+[A-Z]))"   # ("a post by Gwern")
                             rf"(?![\w\-]|[ \t]+(?:and|&)[ \t]|,[ \t]+{_NAME_WORD})")
# "this post by @Buck", "a sequence by @johnswentworth": a forum's mention of the user a work is by
_A_WORK_BY_HANDLE = re.compile(rf"\b(?:[Aa]n?|[Tt]he|[Tt]his|[Tt]hat|[Hh]er|[Hh]is|[Tt]heir)[ \t]+(?:[\w\-]+[ \t]+)?{_WORK_WORDS_RX}s?"
                               r"[ \t]*,?[ \t]+by[ \t]+@([A-Za-z][\w\-]{1,29}(?:[ \t]+[A-Z][\w\-]+)?)")
# "“A Quiet Mind.” by Ada Roe", "Probability Theory by E. T. Jaynes", "the idea, coined by Ada
# Roe": the person a quoted title, a title or a named idea is by; a full name or initials and a
# surname. Book lists run titles and names together ("by Ada RoeBook Recommendations:"): a
# capital right after the surname ends it. Not the first name of a list ("by Ada Roe, Bo Fenn").
_INITIALS_NAME = r"(?:[A-Z]\.[ \t]?){1,3}[ \t]*[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_BY_AFTER_A_TITLE = LazyPattern(rf"(?:[\"\u201d\u2019][,.;:]?|[,.;:][\"\u201d\u2019]|\b(?:coined|articulated|formulated|"
                                rf"popularized|popularised|proposed|introduced)|[a-z](?=[ \t]+by[ \t]+(?:[A-Z]\.[ \t]?)+))"
                                rf"[ \t]+by[ \t]+({_INITIALS_NAME}|[A-Z][a-z]+[ \t]+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![a-z\-]|[ \t]+[A-Z]|,[ \t]*[A-Z]|,?[ \t]+(?:and|&)[ \t])")
# '"Quiet Minds" (2024) by Ada Roe & Bo Fenn', the names maybe on the next line: the people a quoted
# title and its year are by, two or more of them, as a book list or a review's heading writes them
# (one is _BY_AFTER_A_TITLE's; a sentence's '"Quiet Minds" by Ada Roe, Bo Fenn, ...' stays that title's)
_BY_AFTER_A_QUOTE_NAMES = LazyPattern(rf"[\"\u201d][ \t]+\((?:19|20)\d\d\)[ \t]+by[ \t]*\n?[ \t]*"
                                      rf"((?:{_PERSON_NAME_RX},[ \t]+){{0,6}}{_PERSON_NAME_RX},?[ \t]+(?:and|&)[ \t]+{_PERSON_NAME_RX})(?![\w\-])")
# a book's facts in a review ("• Written by Ada Roe / • Published in 2014 / • 328 pages"): its author,
# not the page's byline, when a line after it gives the year it came out or its length
_BOOK_FACTS_BY = LazyPattern(rf"(?m)(?:^|(?<=[ \t•*\-]))(?:Written|Authored)[ \t]+by[ \t]+({_PERSON_NAME_RX})[ \t]*$")
_BOOK_FACTS_AFTER = re.compile(r"[ \t]*\n(?:.*\n){0,2}?[ \t]*(?:[•*\-][ \t]*)?(?:Published[ \t]+(?:in[ \t]+)?(?:19|20)\d\d"
                               r"|\d{2,4}[ \t]+pages\b|ISBN)")
# "Ada Roe and Bo Fenn have written a new book", "Paul wrote a post on this": people and a work they wrote
# (capitals of any script are checked by _full_names_ok and _a_surname afterwards: a plain capital
# here keeps the pattern quick to compile)
_PLAIN_NAME = r"[A-Z\u00C0-\u00DE][\w\u00C0-\u024F\u1E00-\u1EFF'\-]+"
_PLAIN_PERSON = rf"{_PLAIN_NAME}(?:[ \t]+[A-Z]\.)*(?:[ \t]+(?:(?:van|von|de|der|da|di|le|la)[ \t]+)?{_PLAIN_NAME})?"
# (a forum's or a network's handle is a person too: "@ada_roe recently posted a critique")
_WROTE_A_WORK = LazyPattern(rf"((?<![\w\-@]){_PLAIN_PERSON}(?:,?[ \t]+(?:and|&)[ \t]+{_PLAIN_PERSON})?|(?<=(?<![\w.])@)[A-Za-z]\w{{2,29}})"
                            r"(?:,[ \t]+who)?[ \t]+(?:just[ \t]+|recently[ \t]+|also[ \t]+)?"   # "Ada Roe, who wrote the ..."
                            r"(?:(?:has|have|had)[ \t]+(?:just[ \t]+|recently[ \t]+|also[ \t]+|now[ \t]+)?"
                            r"(?:written|published|released|co-?authored|authored|posted|put[ \t]+out)"
                            r"|wrote|writes|co-?wrote|co-?authored|authored|published|released|posted"
                            # "Gwern has a great essay on this", "Ajeya gave a talk on it", "Ada Roe dropped a
                            # careful, wonky explainer"
                            r"|(?:has|have|had|gave|gives|give|dropped|drops|shared|shares)(?=[ \t]+(?:a|an|one|this|that)[ \t]))[ \t]+"
                            r"(?:(?:a|an|the|their|his|her|this|that|one)[ \t]+)?(?:(?:new|recent|latest|short|long|great|"
                            r"good|excellent|whole|detailed|nice|classic|famous|(?:19|20)\d\d|[a-z]+(?:ful|ky|ly|ive|ous|ic)|in-depth"
                            r"|(?<=the[ \t])[A-Z][\w\-]+)"          # "wrote the Diplomacy paper"
                            r",?[ \t]+){0,2}(?:" + _WORK_WORDS_RX
                            + r"|talk|lecture|presentation|critique|rebuttal)s?\b")
# "Peter Watts mentioned in an early blog post about LaMDA", "Roe argued in her 2019 paper that": a
# person, what they said, and the work of theirs they said it in ("in the post" may be the reader's
# own page, "in an interview" is no work: neither counts)
_SAID_VERBS = (r"mentioned|said|wrote|argued|noted|pointed[ \t]+out|explained|described|discussed|suggested|claimed|"
               r"observed|proposed|speculated|predicted|warned|conceded|admitted|recounted|reported|put[ \t]+it|"
               r"made[ \t]+(?:this|that|the|a|an|similar)[ \t]+(?:point|case|argument|observation)")
_SAID_IN_A_WORK = LazyPattern(rf"((?<![\w\-@]){_PLAIN_PERSON}|(?<=(?<![\w.])@)[A-Za-z]\w{{2,29}})"
                              r"(?:[ \t]+(?:also|once|first|later|famously|previously|already))?[ \t]+(?:" + _SAID_VERBS + r")"
                              r"(?:[ \t]+(?:this|that|it|so|something[ \t]+similar))?[ \t]+in[ \t]+(?:an?|one|his|her|their)[ \t]+"
                              r"(?:[\w\-]+[ \t]+){0,3}?(?:blog[ \t]+post|" + _WORK_WORDS_RX + r"|talk|lecture)s?\b")
# the words that open a sentence before a name ("As Roe put it in a post", "So Roe argued in ...")
_OPENING_WORDS = frozenset("As So But And Or Yet Then Also Still Thus Hence Indeed".split())
_SAID_IN_GATE = re.compile(r"[ \t]in[ \t]+(?:an?|one|his|her|their)[ \t]+(?:\S+[ \t]+){0,3}?" + _WORK_WORDS_RX + r"s?\b")
# "@RyanCarey & @tom4everitt's", "@Ada Roe's": forum users' possessive (what they own is checked after)
_IN_THEIR_WORK_NAME_VERB = LazyPattern(
    r"\b[Ii]n[ \t]+(?:his|her|their)[ \t]+(?:(?:19|20)\d\d[ \t]+|[\w\-]+[ \t]+){0,3}?" + _WORK_WORDS_RX
    + rf"s?\b[^.;:!?\n]{{0,100}}?,[ \t]+({_PERSON_NAME_RX}|{_NAME_WORD})(?:[ \t]+et[ \t]+al\.?)?[ \t]+(?:also[ \t]+)?(?:"
    + _REPORTING + r"|writes|wrote|notes|noted)\b")
_LISTED_TITLE_BY = LazyPattern(rf"(?:\b(?:or|and)|[,;])[ \t]+([A-Z][\w'\u2019\-]*(?:[ \t]+[\w'\u2019\-]+){{0,8}}?)[ \t]+by[ \t]+"
                               rf"({_PERSON_NAME_RX})(?![\w\-]|[ \t]+[A-Z]|,?[ \t]+(?:and|&)[ \t])")
_HANDLE = r"@[A-Za-z][\w\-]{2,29}(?:[ \t]+[A-Z][\w\-]+)?"
_HANDLES_OWN = re.compile(rf"(?<![\w.@]){_HANDLE}(?:,?[ \t]+(?:and|&)[ \t]+{_HANDLE})*['\u2019]s[ \t]+")
# "net benefit (UAI 2023)", "post (2024)": a few words, then a year in brackets, a venue maybe before it
_DATED_WORK = re.compile(r"(?:[\w\-]+[ \t]+){0,4}?[\w\-]+[ \t]*\((?:[A-Z][\w.\-]*[ \t,]+)?(?:19|20)\d\d[a-z]?\)")
# "as in Kaplan", "see Kaplan", "cf. Kaplan", "per Kaplan", "according to Kaplan": a surname cited
_CITED_AS_IN = re.compile(rf"(?:\b[Aa]s[ \t]+in|\b[Ss]ee(?:[ \t]+also)?|\b[Cc]f\.?|\b[Pp]er|\b[Aa]ccording[ \t]+to)[ \t]+"
                          rf"({_PLAIN_NAME})(?![\w\-]|[ \t]+[A-Z]|[ \t]+et\b|['\u2019]|[ \t]*[(\[])")
_WROTE_VERBS = ("wr", "publish", "author", "posted", "released", "put out", "has ", "have ", "had ", "gave ", "give",
                "dropped ", "drops ", "shared ", "shares ")
# "...; nostalgebraist (2020) — Logit Lens": a lower-case handle and its year, where a list of references
# separates its entries; _CITED_YEAR: the other references of such a list
_HANDLE_YEAR = re.compile(r"(?:^|(?<=[;\n])|(?<=[;,][ \t]))[ \t]*([a-z][a-z0-9_\-]{4,29})[ \t]+\(((?:19|20)\d\d)[a-z]?\)"
                          r"(?=[ \t]*(?:[;,:.\u2014\u2013\-]|$))", re.M)
_CITED_YEAR = re.compile(r"(?:[A-Z][\w\-]+(?:[ \t]+et[ \t]+al\.?)?|[a-z][a-z0-9_\-]{4,29})[ \t]+\((?:19|20)\d\d[a-z]?\)")
# "(contra Ada Roe)", "contra Hanson": whose argument a claim answers
_CONTRA = re.compile(rf"\b[Cc]ontra[ \t]+({_PLAIN_PERSON})(?![\w\-]|[ \t]+[A-Z]|[ \t]+et\b|['\u2019]s\b|[ \t]*[(\[])")
_CITED_AS_IN_SIGNS = ("s in ", "see ", "See ", "cf", "Cf", " per ", "Per ", "ccording to ")
# (the sign of _WROTE_A_WORK, cheap to look for: a verb of it and a word for a work a few words on)
_WROTE_GATE = re.compile(r"\b(?:wr[io]te|writ|publish|author|co-?author|posted|released|put[ \t]+out|ha[sd]|have|gave|give|"
                         r"drop(?=ped|s)|shared?s?)"
                         r"\w*[ \t]+(?:\S+[ \t]+){0,3}?(?:" + _WORK_WORDS_RX + r"|talk|lecture|presentation|critique|rebuttal)s?\b")
# "Amodei was lead author on the paper", "Ada Roe, the first author of": a person as a work's author
_AUTHOR_OF = LazyPattern(rf"(?<![\w\-])({_PLAIN_PERSON})(?:,[ \t]+(?:who[ \t]+(?:was|is)[ \t]+(?:also[ \t]+)?)?|[ \t]+(?:was|is|were|are)[ \t]+(?:also[ \t]+)?)"
                         r"(?:(?:the|an?|one[ \t]+of[ \t]+the)[ \t]+)?(?:(?:lead|first|senior|last|main|corresponding|"
                         r"principal)[ \t]+)?(?:co-?)?authors?[ \t]+(?:of|on)\b")
# "Roe, Fenn, et al's preprint", "parts of Roe, Fenn, et al that": surnames listed before "et al"
_SURNAMES_ET_AL = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD},[ \t]+){{1,5}}et[ \t]+al\b\.?)")
# "Lindqvist[13] disagrees", "Roe[4] showed": a surname glued to its numbered marker, then a verb
_SURNAME_MARKER_VERB = re.compile(rf"(?<![\w\-])({_NAME_WORD})[ \t]?\[\d{{1,3}}\](?=,?[ \t]+(?:also[ \t]+)?"
                                  rf"(?:{_REPORTING}|[a-z]{{3,}}(?:ed|es)|[a-z]{{3,}}[^s\W]s)\b)")
# "Roe & Fenn put together ...", "a reply to Roe & Fenn": two surnames joined by an ampersand
_AMPERSAND_PAIR = re.compile(rf"(?<![\w\-&])({_NAME_WORD})[ \t]+&[ \t]+({_NAME_WORD})(?![\w\-&])")
# "- Ada Roe: The Case for Drift": a list line that opens with a person's full name and a colon
# (three words or more after the colon: "- Ada Roe: moderator" is a role)
_NAME_COLON_LINE = re.compile(rf"^[ \t]*(?:[-*\u2022]|\d{{1,3}}[.)])[ \t]+({_PERSON_NAME_RX}):[ \t]+[\"\u201c]?[A-Z0-9]"
                              r"[^\s:]*(?:[ \t]+[^\s:]+){2,}", re.M)
# "- Scott Alexander: Superintelligence FAQ": fewer words after the colon, where they are a work
# the alias table knows (a role is none of its names)
_NAME_COLON_SHORT = re.compile(rf"^[ \t]*(?:[-*\u2022]|\d{{1,3}}[.)])[ \t]+({_PERSON_NAME_RX}):[ \t]+[\"\u201c]?"
                               r"([A-Z0-9][^\s:]*(?:[ \t]+[^\s:]+)?)[\"\u201d]?[ \t]*$", re.M)


# "As Claude E Shannon[7] showed", "Ada Roe[12] argued": a person's name and a numbered marker
_FULL_NAME_MARKER = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD}[ \t]+[A-Z]\.?[ \t]+{_NAME_WORD})[ \t]?\[\d{{1,3}}(?:[,\u2013\-][ \t]*\d{{1,3}})*\]"
                               rf"|{_PERSON_NAME_RX}[ \t]?\[\d{{1,3}}\](?=,?[ \t]+(?:also[ \t]+|first[ \t]+)?(?:{_REPORTING}|[a-z]{{3,}}ed)\b))")
# "Paul Roe and his research organization Quokka identified the problem in a report"
_AND_THEIR_TEAM = re.compile(rf"(?<![\w\-])({_PERSON_NAME_RX}|{_NAME_WORD})[ \t]+and[ \t]+(?:his|her|their)[ \t]+(?:research[ \t]+)?"
                             r"(?:organi[sz]ation|team|lab|group|students|company)\b")
_A_WORK_LATER = re.compile(r"\b(?:report|paper|post|preprint|study|article|book|essay)s?\b")


def _a_surname(text: str, word: str) -> bool:
    """A capitalised word that stands for a person: the text never writes it in lower case and it
    is none of the words that are never surnames."""
    from kb.grounding.mentions import _BREAKERS, _lower_words
    return word.lower() not in _lower_words(text) and word not in _NOT_SURNAMES | _BREAKERS | _LABS \
        and word not in _SENTENCE_ADVERBS and not word.isupper() and not _INSTITUTION.fullmatch(word)


def _surname_elsewhere(text: str, word: str) -> bool:
    """"Kaplan found that ...": a capitalised word is a cited author's surname, not a first name
    ("Alex argues that"), where the text cites it elsewhere: before "et al.", with a year, or
    owning a paper ("Kaplan et al.", "Kaplan (2020)", "Kaplan's paper")."""
    w = re.escape(word)
    return bool(re.search(rf"(?<![\w\-]){w}(?:[ \t]+et[ \t]+al\b|,?[ \t]+\(?(?:19|20)\d\d(?!\d)|['\u2019]s[ \t]+"
                          r"(?:[\w\-]+[ \t]+)?(?:paper|papers|preprint|report|study|article|essay|book)\b)", text))


def _a_persons_name(text: str, names: str) -> bool:
    """A first name and a surname ("Ada Roe"), not an organisation written the same way ("Open
    Philanthropy": "open" is a word of the text)."""
    words = names.split()
    return words[0] not in _PLACE_WORDS | _NOT_FIRST_NAMES and all(_a_surname(text, w) for w in words if len(w) > 2)


def _name_colon_lines(text: str, known=None) -> list[Mention]:
    """"- Ada Roe: The Case for Drift": a list line opening with its author's full name and a colon.
    ``known`` (the alias table's lookup) admits a shorter rest of the line that names a known work
    ("- Scott Alexander: Superintelligence FAQ")."""
    from kb.grounding.mentions import Mention
    found = list(_NAME_COLON_LINE.finditer(text))
    if known is not None:
        found += [m for m in _NAME_COLON_SHORT.finditer(text) if known(m.group(2)) is not None]
    return [Mention(None, m.group(1), m.start(1), m.end(1), "author-ref", "", score=0.65,
                    authors=_surnames(m.group(1))[-1:], reason="a list line that opens with its author's name")
            for m in found if _full_names_ok(m.group(1)) and _a_persons_name(text, m.group(1))]


def _name_year_refs(text: str, a: int, b: int) -> list[Mention]:
    from kb.grounding.mentions import FUNCTION_WORDS, Mention, _BREAKERS, _is_acronymish, _lower_words, _ORG_HEAD, _ORG_WORDS
    out: list[Mention] = []
    seg = text[a:b]

    def add(s: int, e: int, names: str, year: str, why: str):
        lead = re.match(r"([A-Z][\w'\-]*),\s+", names)
        if lead and (lead.group(1) in _BREAKERS or lead.group(1) in _SENTENCE_ADVERBS or lead.group(1).endswith("ly")):
            s, names = s + lead.end(), names[lead.end():]      # "Later, Hubinger, van Merwijk, ... (2019)"
        short = bool(re.fullmatch(rf"{_SURNAME},\s*(?:[A-Z]\.\s*){{1,3}}et\s+al\.?", names.strip()))
        if re.search(r",\s*[A-Z]\.", names) and not short and (names.count(",") > 3 or _ENTRY_GOES_ON.match(text, e)
                                                     or re.search(r"[A-Z]\.,?\s+(?:(?:and|&)\s+)?$", text[max(0, s - 12):s])
                                                     or re.fullmatch(r"[ \t]*(?:[-*\u2022]|\d{1,3}[.)]|\[\d{1,3}\])?[ \t]*",
                                                                     text[text.rfind("\n", 0, s) + 1:s])):
            return                        # "Olah, C., Smith, J. (2023). Title.": a reference entry's authors
        out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.7, authors=_surnames(names)[:3],
                           years=[int(year[:4])], reason=why))

    for m in _NARRATIVE_REF.finditer(seg):
        if re.match(r"[ \t]+by[ \t]+[A-Z]", text[a + m.end():a + m.end() + 6]) and " " not in m.group(1).strip():
            continue                      # "Quiet Minds (2019) by Ada Roe": a title's last word and its year
        if re.fullmatch(r"[A-Z][a-z]+", m.group(1)) and m.group(1).lower() in _lower_words(text):
            continue                      # "A Review of the Drift Paper (2022)": a word of the text, capitalised
        if _names_ok(m.group(1)) and not _ends_a_heading(text, a + m.start(1), m.group(1)) \
                and (m.group(2) == "(") == (m.group(0)[-1] == ")") \
                and not (m.group("venue") and re.fullmatch(r"[\w'\u2019\-]+", m.group(1))
                         and not _is_acronymish(m.group("venue").strip(" ,"))):
            # ("Sparrow (Glaese, 2022)", "Europe (Smith, 2019)": the bracket is the reference, the word
            # before it what is cited; "Burns et al. (OpenAI, 2023)" and "Smith (NeurIPS 2019)" stay one)
            add(a + m.start(1), a + m.end(), m.group(1), m.group(4), "authors and a year")
    for p in _PAREN.finditer(seg):
        inner = 1 if p.group(1) is not None else 2
        pos = a + p.start(inner)
        # "(Smith et al., 2019; Roe, 2020)", "(e.g. Smith et al. 2019, Jones 2020)"
        parts = re.split(r"(;\s*|(?:(?<=\d)|(?<=\d[a-z])),\s*(?=[A-Z]))", p.group(inner))
        for part, sep in zip(parts[::2], parts[1::2] + [""]):
            lead = re.match(r"\s*(?:(?:see(?:\s+also)?|e\.g\.|cf\.|i\.e\.|for\s+example|for\s+instance),?\s*)*", part, re.I)
            body = part[lead.end():]
            if re.match(r"in\s+[A-Z]", body) and not re.match(r"in\s+(?:press|prep)", body):
                # "Orr (in Drift and Wander, 2018)": a title and its year, no authors
                if (t := re.fullmatch(rf"in\s+([A-Z][^,()\n]{{2,100}}?),?\s+{_YEAR_RX}\s*", body)):
                    s = pos + lead.end() + t.start(1)
                    out.append(Mention(None, t.group(1), s, s + len(t.group(1)), "title", "", score=0.65,
                                       reason="a title and its year in brackets"))
                pos += len(part) + len(sep)
                continue
            # ("Janus., 2022": the full stop of an "et al." a writer left out)
            m = re.fullmatch(rf"({_NAMES})(?:(?<=[a-z])\.(?=,))?(?:,\s*[A-Z][\w&.\- ]{{0,30}}?)?,?\s+(?:{_MONTH_RX}\s+)?({_YEAR_RX})"
                             rf"(?:\s*,\s*(?:{_YEAR_RX}|[a-z]\b))*\s*", body)
            if m and _names_ok(m.group(1)):
                s = pos + lead.end()
                add(s, s + len(body.rstrip()), m.group(1), m.group(2), "authors and a year in brackets")
            elif (m := re.match(rf"({_NAMES}),?\s+({_YEAR_RX})(?=\s*(?:[,:]|$))", body)) and _names_ok(m.group(1)):
                s = pos + lead.end()          # "(Sharma 2023, the later diagnosis)"
                add(s, s + m.end(), m.group(1), m.group(2), "authors and a year in brackets")
            elif (m := re.fullmatch(rf"({_NAMES}),{'?' if seg.startswith('(#', p.end()) else ''}\s*({_OLD_YEAR_RX})\s*", body)) \
                    and _names_ok(m.group(1)) \
                    and m.group(1).split()[0] not in _PLACE_WORDS and not _INSTITUTION.search(m.group(1)):
                s = pos + lead.end()          # "(Hume, 1739)": a classic's author and year, the comma a style's
                add(s, s + len(body.rstrip()), m.group(1), m.group(2), "authors and an older year in brackets")
            elif (m := _ORG_AUTHOR_YEAR.fullmatch(body)) and (_INSTITUTION.search(m.group(1)) or _ORG_HEAD.search(m.group(1))
                                                          or _AI_COMPANY.search(m.group(1))
                                                          or re.fullmatch(r"[A-Z]{2,6}", m.group(1)) and m.group(1) not in _GENERIC_ACRONYMS | _NOT_SURNAMES):
                s = pos + lead.end()          # "(Center for AI Safety 2023; METR, 2023)": an organisation's report
                out.append(Mention(None, body.rstrip(), s, s + len(body.rstrip()), "author-ref", "", score=0.7,
                                   authors=[m.group(1)], years=[int(m.group(2)[:4])], reason="an organisation and a year in brackets"))
            elif (len(parts) > 2 or re.search(r"\bet\s+al\b", body)) and (m := re.fullmatch(rf"({_NAMES}),\s*", body)) \
                    and _names_ok(m.group(1)) and all(re.fullmatch(rf"\s*{_NAMES},\s*", x) for x in parts[::2]):
                s = pos + lead.end()          # "(Carlsmith, ; Kokotajlo et al., )": a style's template without years
                out.append(Mention(None, m.group(1), s, s + len(m.group(1)), "author-ref", "", score=0.6,
                                   authors=_surnames(m.group(1).replace(" et al", ""))[:3],
                                   reason="authors in brackets, their years missing"))
            elif len(parts) > 2 and ";" in sep + "".join(parts[1::2]) \
                    and (m := re.fullmatch(rf"({_NAMES})\s*", body)) and _names_ok(m.group(1)) \
                    and re.search(r"\s(?:and|&)\s|\bet\s+al\b", m.group(1)) \
                    and any(re.search(rf"\bet\s+al\b|{_YEAR_RX}", x) for x in parts[::2] if x is not part):
                s = pos + lead.end()          # "(Roe et al.; Fenn & Orr)": a list of references without years
                out.append(Mention(None, m.group(1), s, s + len(m.group(1)), "author-ref", "", score=0.6,
                                   authors=_surnames(m.group(1).replace(" et al", ""))[:3],
                                   reason="authors in brackets beside other references"))
            elif len(parts) > 2 and ";" in sep + "".join(parts[1::2]) \
                    and (m := _SOURCE_THEN_TITLE.fullmatch(body)) and len(_TITLE_WORDS.findall(m.group(2))) >= 3 \
                    and any(re.search(rf"\bet\s+al\b|(?<!\d)(?<!\d,){_YEAR_RX}(?!\d)", x) for x in parts[::2] if x is not part):
                s = pos + lead.end() + m.start(2)   # "(Roe 2022; 80,000 Hours, Risks from drifting AI)"
                out.append(Mention(None, m.group(2), s, s + len(m.group(2)), "title", "", score=0.65,
                                   reason="a title after its source, beside other references in brackets"))
            pos += len(part) + len(sep)
        inside = p.group(inner)
        if re.search(rf"\bet\s+al\b|{_YEAR_RX}", inside):
            # "(see Roe et al. and Fenn & Orr)": two surnames joined by "&" beside another reference
            for q in re.finditer(rf"(?<![\w\-])({_NAME_WORD}[ \t]+&[ \t]+{_NAME_WORD})(?![\w\-])", inside):
                s = a + p.start(inner) + q.start(1)
                if _names_ok(q.group(1)) and not any(o.start <= s < o.end or s <= o.start < s + len(q.group(1)) for o in out):
                    out.append(Mention(None, q.group(1), s, s + len(q.group(1)), "author-ref", "", score=0.6,
                                       authors=_surnames(q.group(1))[:2], reason="authors in brackets beside other references"))
    bare = list(_BARE_REF.finditer(seg)) if re.search(_YEAR_RX, seg) else []
    # "given Roe 2022 proposing it, Fenn et al. 2023 show ...": in a sentence that cites others the same
    # way, a surname and a year is one more reference
    cited = [x for x in bare if re.search(r"\bet\s+al|\band\b|&", x.group(1))]
    for m in bare:
        s = a + m.start(1)
        if any(o.start <= s < o.end for o in out) or not _names_ok(m.group(1)) or re.search(r"\(\s*in\s+$", text[max(0, s - 6):s]):
            continue
        if not re.search(r",|\bet\s+al|\band\b|&", m.group(0)) and not _LINK_GLYPH.match(text, a + m.end()) \
                and not (_REPORTING_AFTER.match(text, a + m.end()) and m.group(1) not in _LABS) \
                and not (m.group(2)[-1].isalpha() and m.group(1) not in _LABS and not _ORG_WORDS.search(m.group(1))) \
                and not (_POINTED_TO.search(text, max(0, s - 16), s) and m.group(1) not in _LABS
                         and not _ORG_WORDS.search(m.group(1))) \
                and not (any(x is not m for x in cited) and m.group(1) not in _LABS and not _ORG_WORDS.search(m.group(1))
                         and _a_surname(text, m.group(1))):
            # (a year with a letter, "Fenn 2024b", is a reference list's: nobody dates anything else so)
            continue                      # "Anthropic 2024" needs a comma, "et al.", a link's arrow ("Wei 2022 \u2197")
            # or a verb that makes it the subject ("as Roe 2021 argues")
        if not re.search(r",|\bet\s+al|\band\b|&", m.group(1)) and _ends_a_title(text, s):
            continue                      # "Scaling Laws for Neural Language Models, 2020": a title and its year
        add(s, a + m.end(), m.group(1), m.group(2), "authors and a year")
    if " of " in seg or " by " in seg:
        out += [c for c in _writers_credited(text, a, b) if not any(o.start < c.end and c.start < o.end for o in out)]
    if "min" in seg or "hour" in seg or "hr" in seg:
        out += [c for c in _reading_credits(text, a, b) if not any(o.start < c.end and c.start < o.end for o in out)]
    for m in _NAMES_MARKER.finditer(seg):
        # "Following Roe and Fenn [12]": two authors, or one and "et al.", and a numbered citation
        s = a + m.start(1)
        if _names_ok(m.group(1)) and m.group(1).split()[0] not in _BREAKERS and not _INSTITUTION.search(m.group(1)) \
                and not any(o.start <= s < o.end for o in out):
            out.append(Mention(None, m.group(0), s, a + m.end(), "author-ref", "", score=0.6,
                               authors=_surnames(m.group(1).replace(" et al", ""))[:3],
                               reason="authors and a citation marker"))
    for m in _DATED_REF.finditer(text, a, b):
        names = m.group(1)
        if (" " in names.replace(" et al", "") or "et al" in names) and names.split()[0] not in _PLACE_WORDS \
                and _names_ok(names) and not any(o.start <= m.start() < o.end for o in out):
            add(m.start(), m.end(), names, m.group(2), "an author and a month")
            out[-1].authors = _surnames(re.sub(r"\s+et\s+al\.?", "", names))[-1:]
    for m in _IN_THEIR_PAPER.finditer(text, a, b):
        pair = _PERSON_AND_BEFORE.search(text, max(a, m.start(1) - 40), m.start(1))
        start = pair.start(1) if pair else m.start(1)
        names = text[start:m.end(1)]
        first = names.split()[0]
        # words between: only a full name or "X et al." ("Researchers describe this in their paper")
        between = re.match(r",?\s+(?:in|and|from|of)\s", text[m.end(1):m.end()]) is None
        if _names_ok(names) and first not in _BREAKERS and first not in _SENTENCE_ADVERBS \
                and not first.endswith("ly") and names not in _LABS \
                and not (between and len(names.split()) < 2
                         # ("Paul said in his post": one person's name, never written in lower case)
                         and not (re.search(r"\s(?:his|her)\s", text[m.end(1):m.end()]) and _a_surname(text, names))):
            out.append(Mention(None, names, start, m.end(1), "author-ref", "", score=0.6,
                               authors=_surnames(names.replace(" et al", ""))[-1:],
                               years=[int(m.group(2))] if m.group(2) else [], reason="an author and their paper"))
    for m in _AND_COLLEAGUES_LOWER.finditer(text, a, b) if "and co" in seg else ():
        # "later, nanda and collaborators cracked open ...": a page typed in lower case writes its
        # names so; a word with a team that did something (not a plural noun, not after "my", "the")
        if m.group(1) in FUNCTION_WORDS or m.group(1).endswith("s") or not _written_in_lower_case(text) \
                or re.search(r"\b(?:the|my|our|your|his|her|their|its|a|an|of|with|to|for)\s+$", text[max(0, m.start() - 8):m.start()]) \
                or any(o.start <= m.start() < o.end for o in out):
            continue
        out.append(Mention(None, m.group(0)[:m.end(2) - m.start()], m.start(), m.end(2), "author-ref", "", score=0.6,
                           authors=[m.group(1).capitalize()], reason="an author and colleagues, typed in lower case"))
    for m in _AND_COLLEAGUES.finditer(text, a, b):
        # "..., by Sevilla and coauthors": the authors of a work just named, not another one
        if _names_ok(m.group(1)) and not any(o.start <= m.start() < o.end for o in out) \
                and (not re.search(r"\bby\s+$", text[max(0, m.start() - 4):m.start()])
                     or re.search(r"\b(?:work|paper|research|study|studies|papers|experiments?)\s+by\s+$",
                                  text[max(0, m.start() - 24):m.start()])):
            out.append(Mention(None, m.group(0), m.start(), m.end(), "author-ref", "", score=0.7, authors=[m.group(1)],
                               years=[int(y) for y in _YEAR_HINT.findall(text[m.end():m.end() + 40])[:1]],
                               reason="an author and colleagues"))
    for m in _AND_THEIR_TEAM.finditer(text, a, b):
        if _full_names_ok(m.group(1)) and m.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS \
                and _A_WORK_LATER.search(text, a, b) and not any(o.start <= m.start() < o.end for o in out):
            out.append(Mention(None, m.group(1), m.start(1), m.end(1), "author-ref", "", score=0.6,
                               authors=_surnames(m.group(1))[-1:], reason="a person and their team, then their work"))
    for rx, why in ((_NAMES_AND_COAUTHORS, "authors and a count of co-authors"),
                    (_WORK_BY_FULL_NAMES, "the people a work is by"),
                    (_A_WORK_BY_ONE, "the person a work is by"),
                    (_A_WORK_BY_HANDLE, "the forum user a work is by"),
                    (_BY_AFTER_A_TITLE, "the person a title or an idea is by"),
                    (_BY_AFTER_A_QUOTE_NAMES, "the people a quoted title is by"),
                    (_BOOK_FACTS_BY, "a book's author, among its facts"),
                    (_FULL_NAME_MARKER, "a full name and a citation marker")):
        # (the names after a "by" that ends a line are on the next line: past the segment's end)
        for m in rx.finditer(text, a, b if rx is not _BY_AFTER_A_QUOTE_NAMES else min(len(text), b + 300)) \
                if rx not in (_A_WORK_BY_ONE, _A_WORK_BY_HANDLE, _BY_AFTER_A_TITLE, _BOOK_FACTS_BY, _BY_AFTER_A_QUOTE_NAMES) \
                or " by " in seg or rx is _BY_AFTER_A_QUOTE_NAMES and " by\n" in text[a:b + 1] else ():
            if m.start() >= b:
                continue
            if (_full_names_ok(m.group(1)) or rx is _A_WORK_BY_HANDLE) and not any(o.start < m.end(1) and m.start(1) < o.end for o in out) \
                    and (rx is not _BOOK_FACTS_BY or _BOOK_FACTS_AFTER.match(text, m.end())
                         and re.fullmatch(r"[ \t•*\-]*", text[text.rfind("\n", 0, m.start()) + 1:m.start()])) \
                    and (rx is not _A_WORK_BY_ONE or _a_persons_name(text, m.group(1)) and (" " in m.group(1) or (
                        # one name: not the text's own ("This post is a write-up by Rob"), not an assistant's
                        not re.search(r"\b[Tt]his[ \t]+(?:is|post|essay|article|piece|paper|write-?up)\b",
                                      text[max(a, m.start() - 30):m.start(1)]) and m.group(1) not in _ASSISTANTS))):
                out.append(Mention(None, m.group(1), m.start(1), m.end(1), "author-ref", "", score=0.7,
                                   authors=_surnames(m.group(1))[:3], reason=why))
    for m in _SURNAMES_ET_AL.finditer(text, a, b) if "et al" in seg else ():
        names, start = m.group(1), m.start(1)
        while (lead := re.match(r"([A-Z][\w'\-]*),\s+", names)) and (lead.group(1) in _BREAKERS | _SENTENCE_ADVERBS
                                                                   or lead.group(1).endswith("ly")):
            names, start = names[lead.end():], start + lead.end()     # "However, Roe, Fenn, et al": not a name
        if re.match(r"et\b", names) or not _names_ok(names) or any(o.start < m.end(1) and start < o.end for o in out):
            continue
        out.append(Mention(None, names, start, m.end(1), "author-ref", "", score=0.6,
                           authors=_surnames(re.sub(r",?\s+et\s+al\.?", "", names))[:3], reason="surnames and et al."))
    for m in _SURNAME_MARKER_VERB.finditer(text, a, b) if "[" in seg else ():
        if _a_surname(text, m.group(1)) and not any(o.start < m.end() and m.start() < o.end for o in out):
            out.append(Mention(None, m.group(0), m.start(), m.end(), "author-ref", "", score=0.6,
                               authors=[m.group(1)], reason="a surname, its citation marker and a verb"))
    for m in _AMPERSAND_PAIR.finditer(text, a, b) if "&" in seg else ():
        # an ampersand joins two names as authors when they did something ("put together", "argue")
        # or are answered ("a reply to"); not words the text writes in lower case, not a firm in
        # brackets ("The firm (Fenwick & Orr) sells tea"), not inside a longer capitalised name
        did = re.match(rf"[ \t]+(?:also[ \t]+)?(?:[a-z]{{2,}}ed|put|wrote|made|built|gave|ran|took|{_REPORTING})\b", text[m.end():m.end() + 40])
        answered = re.search(r"\b(?:repl(?:y|ies)|responses?|rebuttals?|critiques?|comments?|answers?|objections?)[ \t]+"
                             r"(?:to|of|on)[ \t]+$", text[max(0, m.start() - 40):m.start()], re.I)
        if not (did or answered) or not all(_a_surname(text, w) for w in m.groups()) \
                or re.search(r"[A-Z][\w\-]*[ \t]+$", text[max(0, m.start() - 30):m.start()]) \
                or any(o.start < m.end() and m.start() < o.end for o in out):
            continue
        out.append(Mention(None, m.group(0), m.start(), m.end(), "author-ref", "", score=0.6,
                           authors=list(m.groups()), reason="two surnames joined by an ampersand"))
    for m in _CALLED.finditer(text, a, b):
        if _OWN_WORK.search(text, a, m.end(1)):
            continue                      # "this paper ... proposes a method called Gradient Cuff": its own
        if named_character(text, m.start(2)):
            continue                      # "the model lies when a character named "Bob" is mentioned": a person
        out.append(Mention(None, m.group(2), m.start(2), m.end(2), "alias", "", score=0.6,
                           reason=f"a {m.group(1).lower()} the text names"))
    return out


# "AI could defeat all of us combined (Karnofsky - 20 min)", "Debate (Irving, Christiano, Amodei - 12 min)":
# a curriculum's reading, its authors in brackets before how long it takes (a source may come first:
# "(Rational Animations, Yudkowsky - 7 min)")
_CREDIT_ONE = rf"{_NAME_WORD}(?:[ \t]+[A-Z]\.)*(?:[ \t]+{_NAME_WORD}){{0,2}}"
_READING_CREDIT = re.compile(rf"\(((?:{_CREDIT_ONE},[ \t]+)*{_CREDIT_ONE}(?:,?[ \t]+(?:and|&)[ \t]+{_CREDIT_ONE})?)"
                             rf"[ \t]*(?:[-\u2013\u2014:,|\u00b7]|\s[-\u2013\u2014]\s)[ \t]*[~\u2248]?[ \t]*\d{{1,3}}(?:[.,]\d)?[ \t]*"
                             r"(?:min|mins|minutes|hours?|hrs?|h)\b(?:[ \t]+read)?(?:[,;.][^()\n]{0,100})?\)")
# what a session's plan puts in the same bracket: an activity or a medium, no one's name
_NOT_CREDITED = frozenset("""Break Discussion Discussions Video Videos Podcast Audio Reading Readings Read Exercise
Exercises Intro Introduction Lecture Talk Optional Required Summary Skim Watch Listen Lunch Welcome Review Recap
Activity Quiz Slides Episode Transcript Article Paper Blog Post Essay Book Total Approx Approximately About Roughly
Group Pairs Pair Solo Individual Breakout Presentation Demo Walkthrough Overview Wrap Closing Opening Core Extra
Bonus Part Chapter Section Session Week Day Module Unit Lesson YouTube Substack LessWrong Medium Facilitator
Facilitators Host Hosts Speaker Speakers Moderator Organiser Organizer Everyone All Leader Lead Instructor Teacher
Mentor Mentors Participants Students Team Pages Page Sections Chapters Parts Appendix Appendices Abstract Conclusion
Full Entire Whole First Last Only Just Total Estimated Reading Listening Watching""".split())


def _reading_credits(text: str, a: int, b: int) -> list[Mention]:
    """A reading list's item ending in its authors and its length in brackets: each item's authors
    are a reference to the item, surnames or full names ("(Heninger and Johnson - 12 min)"). The
    bracket must close a line that names something before it, and a name must be a person's: not a
    word the text writes in lower case, not an activity or a medium ("(Break - 10 min)"). A source
    before the authors ("Rational Animations, Yudkowsky") is left out where the bracket mixes full
    names with single surnames."""
    from kb.grounding.mentions import Mention
    out = []
    for m in _READING_CREDIT.finditer(text, a, b):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if len(re.findall(r"[A-Za-z][\w'\u2019\-]*", text[line_start:m.start()])) < 2:
            continue                      # nothing named before the bracket: a line that is only a credit
        names = [x for x in re.split(r",?[ \t]+(?:and|&)[ \t]+|,[ \t]+", m.group(1)) if x]
        multi = [len(x.split()) > 1 for x in names]
        if any(multi) and not all(multi):
            while names and multi[0]:     # "Rational Animations, Yudkowsky": the source, then the author
                names, multi = names[1:], multi[1:]
        if not names or not all(w not in _NOT_CREDITED and (len(w) <= 2 or _a_surname(text, w))
                                for x in names for w in x.split()):
            continue
        first = m.group(1).rfind(names[0]) if len(names) < len(m.group(1).split(",")) else 0
        s, e = m.start(1) + first, m.end(1)
        out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.65,
                           authors=[x.split()[-1] for x in names][:3], reason="a reading's authors and its length in brackets"))
    return out


# "The writings of Alex Turner, nostalgebraist, Janus, and Joe Carlsmith influenced ...": the people
# whose works a sentence credits, each a reference to their works
_WRITINGS_OF = re.compile(r"\b(?:[Ww]ritings?|[Ee]ssays|[Pp]osts|[Pp]apers|[Bb]ooks|[Aa]rticles|[Bb]log[ \t]?posts)[ \t]+(?:of|by)[ \t]+")
_WRITER = rf"(?:{_PLAIN_PERSON}|[a-z][a-z0-9_\-]{{4,29}})"
_WRITERS = re.compile(rf"({_WRITER})((?:,[ \t]+(?!and\b){_WRITER}){{0,6}}(?:,?[ \t]+(?:and|&)[ \t]+{_WRITER})?)(?![\w\-])")


_NOT_HANDLES = frozenset("""colleagues coauthors co-authors collaborators others friends students people researchers
authors team teams several many various myself himself herself themselves ourselves others""".split())


def _writers_credited(text: str, a: int, b: int) -> list[Mention]:
    """The people after "the writings of", "essays by", "the posts of": each is a reference to their
    works. A full name is a person; so is one capitalised word the text never writes in lower case,
    after "writings" or "essays" or where the text cites it as a surname elsewhere ("blog posts by
    Refine" are a group's); a lower-case word (a forum handle: "nostalgebraist") counts only beside a
    full name in the same list, and labs, places and words that are never surnames are not people."""
    from kb.grounding.mentions import Mention
    out = []
    for cue in _WRITINGS_OF.finditer(text, a, b):
        m = _WRITERS.match(text, cue.end())
        if not m or m.end() > b:
            continue
        items = [(x.start(), x.group()) for x in re.finditer(_WRITER, m.group(0))]
        items = [(cue.end() + i, w) for i, w in items if w not in ("and",)]
        full = any(" " in w and _a_persons_name(text, w) for _, w in items)
        # ("blog posts by Refine": a group's output; one word is a person's after "writings" or where
        # the text cites it as a surname elsewhere)
        writings = cue.group(0)[:7].lower() in ("writing", "essays ")
        for s, w in items:
            person = _a_persons_name(text, w) and _full_names_ok(w) if " " in w else \
                (_a_surname(text, w) and _names_ok(w) and (writings or _surname_elsewhere(text, w)) if w[0].isupper()
                 else full and w not in _NOT_HANDLES)
            if person and w.split()[0] not in _LABS:
                out.append(Mention(None, w, s, s + len(w), "author-ref", "", score=0.6, authors=[w.split()[-1]],
                                   reason="a person whose writings the sentence credits"))
    return out


# "Kaplan and colleagues at OpenAI in 2020", "Burns and co-authors (2022)": one author named for a team
_AND_COLLEAGUES_LOWER = re.compile(r"(?<![\w\-])([a-z][a-z\-]{2,})\s+and\s+(?:(?:his|her|their)\s+)?"
                                   r"(co-?authors|collaborators|colleagues)\s+(?:[a-z]+ed|showed|found|wrote|built|made|"
                                   r"took|ran|gave|" + _REPORTING + r")\b")


def _written_in_lower_case(text: str) -> bool:
    """A page typed in lower case throughout, as some threads and blogs are: most of its
    sentences (ten or more) open in lower case, and so its names may be."""
    starts = re.findall(r"(?:^|[.!?][ \t]+)([A-Za-z])", text, re.M)
    return len(starts) >= 10 and sum(c.islower() for c in starts) >= 0.7 * len(starts)


_AND_COLLEAGUES = re.compile(rf"(?<![\w\-])({_NAME_WORD})\s+and\s+(?:(?:his|her|their)\s+)?"
                             r"(?:colleagues|co-?authors|collaborators|co-?workers)\b")
# "Buck Shlegeris, Jun 2024", "Ryan Greenblatt et al., Dec 2023": an author, then a post's month
_DATED_REF = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD}\s+)?{_SURNAME}(?:\s+et\s+al\.?)?),\s+{_MONTH_RX}\s+({_YEAR_RX})(?![\w\-])")
_PLACE_WORDS = frozenset("New San Santa Los Las Hong Tel Buenos Rio Saint St Mexico Cape Abu".split())
# "Ian Goodfellow in his paper", "Szegedy et al., in their 2014 paper": no year, but the text
# says the name stands for their paper
# ... and "the Michael Nielsen thing from his post": a few lower-case words between the name and
# the work it stands for ("Ada Roe in the late 20th century in her book": when, between them)
_IN_THEIR_PAPER = re.compile(rf"(?<![\w\-])((?:[A-Z]\.\s*)*(?:{_NAME_WORD}\s+)?{_SURNAME}(?:\s+et\s+al\.?)?),?"
                             r"(?:\s+(?!(?:and|or|but|while|whereas|because|since|than)\b)[a-z]+|\s+(?:19|20)\d\ds?"
                             r"|\s+\d{1,2}(?:st|nd|rd|th)){0,5},?\s+"
                             r"(?:in|and|from|of)\s+(?:his|her|their)\s+(?:((?:19|20)\d\d)\s+|(?:[a-z\-]+\s+){1,4}?)?"
                             r"(?:paper|post|article|essay|book|preprint|report|study|blog\s+post|review|piece|write-?up|talk|"
                             r"sequence|series|survey|explainer|primer|thesis)s?\b")
# A sentence about the document's own contribution ("we propose", "this paper introduces").
# ("Ada Roe and Bo Fenn argue in their paper": the first person too)
_PERSON_AND_BEFORE = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD}\s+)?{_NAME_WORD})\s+(?:and|&)\s+$")
_OWN_WORK = re.compile(r"\b(?:[Ww]e|[Oo]ur|[Tt]his\s+(?:paper|work|study|report|article))\b")
_YEAR_HINT = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# "a new dataset from Fudan University called CrowdTrack"
_CALLED = re.compile(r"\b(dataset|benchmark|corpus|suite|method|technique|framework|paper|model|agent|library|"
                     r"environment)\b[^.;:\n]{0,60}?\b(?:called|named|dubbed)\s+[\"\u201c]?((?-i:[A-Z])[\w\-]+)", re.I)
# Acronyms of a field or a kind of thing, never the name of one work.
_GENERIC_ACRONYMS = frozenset("""AI AGI ASI ML DL RL NLP LLM LLMs LM LMs NN NNs CNN RNN GPU GPUs TPU API APIs SOTA
CoT QA FAQ PDF URL HTML JSON CPU""".split())


def _headings_named_after_authors(text: str, layout: Layout) -> list[Mention]:
    """"Roe Drift Laws" over "Roe et al. found that ...": a section named after the author of the
    work it presents, cited at once under it, names that work."""
    from kb.grounding.mentions import FUNCTION_WORDS, Mention, _BREAKERS
    out = []
    for line in layout.lines:
        words = line.text.strip().lstrip("#").split()
        if not line.heading or not 2 <= len(words) <= 5 or not re.fullmatch(_NAME_WORD, words[0]) \
                or words[0] in _BREAKERS or words[0] in _NOT_SURNAMES or words[0] in _LABS \
                or not all(w[:1].isupper() or w in FUNCTION_WORDS for w in words):
            continue
        below = text[line.end:line.end + 300]
        if re.match(rf"\s*(?:[A-Z][\w'\u2019]*\s+){{0,3}}?{re.escape(words[0])}(?:\s+et\s+al\.?|\s*\((?:19|20)\d\d|,\s+(?:19|20)\d\d)", below):
            s = line.start + len(line.text) - len(line.text.lstrip())
            s += len(text[s:]) - len(text[s:].lstrip("#").lstrip())
            e = line.start + len(line.text.rstrip())
            out.append(Mention(None, text[s:e], s, e, "alias", "", score=0.65, authors=[words[0]],
                               topic=" ".join(words[1:]), reason="a section named after the author of the work it presents"))
    return out


# A person's first name and surname (initials allowed), across a line break too
_PERSON_NAME = rf"{_NAME_WORD}(?:\s+[A-Z]\.)*\s+(?:(?:van|von|de|der|da|di|le|la)\s+)?{_NAME_WORD}"


# 'Dung & Mai, "AI Alignment Strategies from a Risk Perspective" (2024)', 'Esther An, "Towards ...
# Inverse Constitutional AI" (2025)': a reference line's authors, its quoted title, then its year
_AUTHORS_QUOTE_YEAR = LazyPattern(
    r"(?m)^[ \t]*(?:[-*\u2022]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s+)?"
    rf"(?P<names>{_PERSON_NAME}(?:\s*(?:,|,?\s+and|&)\s+{_PERSON_NAME}){{0,5}}(?:,?\s+et\s+al\.?)?|{_NAMES})"
    r"[,.:]?[ \t]+[\"\u201c][^\"\u201c\u201d\n]{3,300}[\"\u201d][,.]?[ \t]*"
    rf"(?:(?:[A-Z][\w.\-]*|arXiv)(?:[ \t]+[\w.\-]+){{0,3}},?[ \t]+)?[(\[]?(?P<year>{_YEAR_RX})\b")


def _quoted_reference_authors(text: str) -> list[Mention]:
    from kb.grounding.mentions import Mention, _BREAKERS
    out = []
    for m in _AUTHORS_QUOTE_YEAR.finditer(text):
        names = re.sub(r"(?<!\bal)[,.\s]+$", "", m.group("names"))
        if "\n" in names:
            continue
        # a short surname after a first name is a name ("Esther An"), not a function word
        if not _full_names_ok(names) or names.split()[0] in _BREAKERS:
            continue
        s = m.start("names")
        out.append(Mention(None, names, s, s + len(names), "author-ref", "", score=0.6,
                           authors=_surnames(names.replace(" et al", ""))[:3], years=[int(m.group("year")[:4])],
                           reason="authors before a quoted title and its year"))
    return out


# "His new book Human Compatible", "her 2019 paper Quiet Minds": a work the text names, owned by a
# pronoun that stands for a person named just before
_THEIR_WORK_BEFORE = re.compile(r"\b(?:[Hh]is|[Hh]er|[Tt]heir)[ \t]+(?:(?:new|latest|recent|first|last|own|famous|"
                                r"(?:19|20)\d\d)[ \t]+)?(?:book|paper|essay|report|novel|post|article|textbook|sequence)"
                                r"[ \t,]+(?:[\"\u201c*_]|titled[ \t]+|called[ \t]+)?$")
_POSSESSIVE_BEFORE = re.compile(rf"(?<![\w\-])({_PERSON_NAME_RX})['\u2019]s[ \t]+[\"\u201c*_]?$")
# "@Ada Roe wrote Quiet Minds", "Ada Roe published "Quiet Minds"": a person right before the work
# they wrote (a forum's mention of a user, "@Ada Roe", is a person too)
_WROTE_BEFORE = re.compile(rf"(?<![\w\-])({_PERSON_NAME_RX})[ \t]+(?:(?:has|had)[ \t]+)?(?:recently[ \t]+|also[ \t]+)?"
                           r"(?:wrote|written|published|authored|co-?authored|co-?wrote|released)"
                           r"(?:[ \t]+(?:the|a|an|his|her|their))?(?:[ \t]+(?:post|paper|essay|book|article|sequence|report))?"
                           r"[ \t]+[\"\u201c*_]?$")
# "As @Ada Roe argued in Quiet Minds", "Roe points out in Quiet Minds": a person (a forum's mention of
# them) and what they said, right before the work they said it in
_SAID_IN_BEFORE = LazyPattern(rf"(?<![\w\-])((?<=@)[A-Za-z][\w\-]{{1,29}}(?:[ \t]+[A-Z][\w\-]+)?|(?<!@){_PERSON_NAME_RX}|(?<!@){_NAME_WORD})"
                              r"(?:[ \t]+(?:also|once|first|later|famously|previously|already|has|had))?[ \t]+(?:"
                              + _SAID_VERBS + "|" + _REPORTING + r"|writes|put[ \t]+it|puts[ \t]+it)[ \t]+in[ \t]+[\"\u201c*_]?$")


def _one_persons_name(text: str, m: re.Match, offset: int = 0) -> bool:
    """A forum's mention of a user ("@Ada Roe"), a person's full name, or a surname the text never
    writes in lower case (``offset``: where the match's string starts in ``text``)."""
    name = m.group(1)
    from kb.grounding.mentions import _BREAKERS
    if name.split()[0] in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS | _OPENING_WORDS:
        if " " not in name:
            return False                  # ("As discussed in ...": no name at all)
        name = name.split(None, 1)[-1]
    if text[offset + m.start(1) - 1:offset + m.start(1)] == "@":
        return True
    if " " in name:
        return _full_names_ok(name) and _a_persons_name(text, name)
    return _a_surname(text, name) and name not in _NOT_FIRST_NAMES | _PLACE_WORDS


# "In The Quiet Drift, Ada Roe argues": the person a sentence says writes in the work it opens with
_NAME_AFTER_IN_TITLE = LazyPattern(rf"[\"\u201d*_]?,[ \t]+({_PERSON_NAME_RX}|{_NAME_WORD})[ \t]+(?:also[ \t]+)?(?:{_REPORTING}|writes|wrote|"
                                   r"lists|listed|presents|presented|discusses|discussed|sets[ \t]+out|lays[ \t]+out)\b")
_PERSON_IN_PROSE = LazyPattern(rf"(?<![\w\-])({_PERSON_NAME_RX})(?![\w\-]|['\u2019]s\b)")


def _people_before_their_works(text: str, works: list[Mention]) -> list[Mention]:
    """The author a work the text names is given with: "Ada Roe's Quiet Minds" (a full name's
    possessive right before the work) and "Ada Roe is a professor. Her new book Quiet Minds ..."
    (the one person named in the sentences before a pronoun's work). ``works`` are the mentions
    kept so far; what overlaps them is not added."""
    from kb.grounding.mentions import WORK, Mention, _BREAKERS
    out: list[Mention] = []
    taken = [(m.start, m.end) for m in works]
    for w in works:
        if w.kind not in ("title", "alias") or w.confidence != WORK or w.score < 0.6:
            continue
        found = None
        if (pos := _POSSESSIVE_BEFORE.search(text, max(0, w.start - 60), w.start)) and _full_names_ok(pos.group(1)) \
                and _a_persons_name(text, pos.group(1)) \
                and pos.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS:
            found = (pos.start(1), pos.end(1), "a person's work, named after their possessive")
        elif (wrote := _WROTE_BEFORE.search(text, max(0, w.start - 80), w.start)) and _full_names_ok(wrote.group(1)) \
                and _a_persons_name(text, wrote.group(1)) \
                and wrote.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS:
            found = (wrote.start(1), wrote.end(1), "the person who wrote a work, named right before it")
        elif (said := _SAID_IN_BEFORE.search(text, max(0, w.start - 80), w.start)) and _one_persons_name(text, said) \
                and said.group(1).split()[-1] not in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS:
            # ("As Roe points out in ...": the sentence's first word is no first name)
            cut = said.start(1) + (len(said.group(1).split()[0]) + 1 if said.group(1).split()[0] in _BREAKERS
                                   | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS | _OPENING_WORDS else 0)
            found = (cut, said.end(1), "a person and what they said in a work, named right after")
        elif re.search(r"(?:^|[.!?:\n][ \t]*|\()In[ \t]+[\"\u201c*_]?$", text[max(0, w.start - 12):w.start]) \
                and (after := _NAME_AFTER_IN_TITLE.match(text, w.end)) \
                and (_full_names_ok(after.group(1)) and _a_persons_name(text, after.group(1)) if " " in after.group(1)
                     else _a_surname(text, after.group(1)) and after.group(1) not in _NOT_FIRST_NAMES | _PLACE_WORDS):
            found = (after.start(1), after.end(1), "the person a sentence says writes in the work it opens with")
        elif _THEIR_WORK_BEFORE.search(text, max(0, w.start - 50), w.start):
            para = text.rfind("\n\n", 0, w.start) + 2 if text.rfind("\n\n", 0, w.start) >= 0 else 0
            back = max(para, w.start - 400)
            people = [p for p in _PERSON_IN_PROSE.finditer(text, back, w.start) if _full_names_ok(p.group(1))
                      and _a_persons_name(text, p.group(1)) and p.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS]
            if len({p.group(1) for p in people}) == 1:
                found = (people[-1].start(1), people[-1].end(1), "the person a pronoun's work belongs to")
        # (a maybe title that is only the person's name gives way: "Ada Roe" has a title's shape)
        if found and not any(s < found[1] and found[0] < e and not (m.confidence != WORK and m.kind in ("title", "author-ref")
                                                                  and found[0] <= s and e <= found[1])
                             for m, (s, e) in zip(works, taken)) \
                and not any(o.start < found[1] and found[0] < o.end for o in out):
            s, e, why = found
            # the same work as the one it stands beside: resolved as that work, not a second one
            out.append(Mention(None, text[s:e], s, e, "author-ref", "", id=w.id, score=0.6,
                               alias_title=w.alias_title or (w.surface if w.kind == "title" and not w.id else None),
                               alias_kind=w.alias_kind, authors=[text[s:e].split()[-1]], years=list(w.years),
                               topic=w.surface, reason=f"{why} ({w.surface})"))
    for w in works:
        # "Ada Roe lists ten examples in Quiet Minds (Roe, 2014)": the full name of a reference's author
        # earlier in its sentence is that author, named for the same work
        if w.kind != "author-ref" or w.confidence != WORK or not w.years or not re.search(r"(?:19|20)\d\d", w.surface):
            continue
        surname = (_surnames(re.sub(r"\bet\s+al\b\.?|\d+", " ", w.surface)) or [""])[0]
        stop = max(text.rfind(". ", 0, w.start), text.rfind("\n", 0, w.start) - 1)
        back = max(stop + 2 if stop >= 0 else 0, w.start - 300)
        if not surname:
            continue
        named = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD})(?:[ \t]+[A-Z]\.)*[ \t]+{re.escape(surname)})(?![\w\-]|['\u2019]s\b)")
        people = [p for p in named.finditer(text, back, w.start) if _full_names_ok(p.group(1)) and _a_persons_name(text, p.group(1))
                  and p.group(1).split()[0] not in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS]
        if not people:
            continue
        s, e = people[-1].span(1)
        if any(a < e and s < b for a, b in taken if not (a >= s and b <= e)) or any(o.start < e and s < o.end for o in out):
            continue
        out.append(Mention(None, text[s:e], s, e, "author-ref", "", score=0.6, authors=[surname], years=list(w.years),
                           reason=f"the full name of a reference's author, earlier in its sentence ({w.surface})"))
    for w in works:
        # "Yudkowsky's / Armstrong's (2013) proposal", "Roe's and Fenn's papers": a possessive joined to
        # a cited author's possessive shares the work they own
        if w.kind != "author-ref" or w.confidence != WORK or not re.match(r"[A-Z][\w\-]*['\u2019]s\b", w.surface) \
                or not (pos := _JOINED_POSSESSIVE.search(text, max(0, w.start - 50), w.start)):
            continue
        name, (s, e) = pos.group(1), pos.span(1)
        if not (_full_names_ok(name) and _a_persons_name(text, name) if " " in name else _a_surname(text, name)) \
                or name.split()[0] in _BREAKERS | _SENTENCE_ADVERBS | _LEADING_PREPOSITIONS \
                or any(a < e + 2 and s < b for a, b in taken) or any(o.start < e + 2 and s < o.end for o in out):
            continue
        out.append(Mention(None, text[s:e + 2], s, e + 2, "author-ref", "", score=0.6, authors=[name.split()[-1]],
                           years=list(w.years), reason=f"a possessive joined to a cited author's ({w.surface})"))
    return out


_JOINED_POSSESSIVE = re.compile(rf"(?<![\w\-])((?:{_NAME_WORD}[ \t]+)?{_NAME_WORD})['\u2019]s[ \t]*(?:/|,|and|&|or)[ \t]*$")


# "By Ada Roe", "Guest speaker: Ada Roe", "Introductions from Ada and Bo", "Narrated by TYPE III
# AUDIO": a line that credits people (a byline, a role, who speaks) names them, not a work
_CREDIT_NAMES = r"[A-Z][\w'\u2019\-]*(?:[ \t]+[A-Z][\w'\u2019\-]*){0,3}"
_CREDIT_LINE = re.compile(rf"(?:(?P<lead>[A-Z][a-z]+)[ \t]+)?(?P<prep>[Bb]y|[Ff]rom|[Ww]ith|[Ff]eaturing)[ \t]+(?P<names>"
                          rf"{_CREDIT_NAMES}(?:(?:,[ \t]+|,?[ \t]+(?:and|&)[ \t]+){_CREDIT_NAMES})*)"
                          r"(?:[ \t]+(?:on|via|at)[ \t]+[A-Z][\w.\-]*(?:[ \t]+[A-Z][\w.\-]*)?)?"     # "... on Unsplash"
                          r"|(?:Guest[ \t]+)?(?:[Ss]peaker|[Hh]ost|[Mm]oderator|[Ff]acilitator|[Pp]resenter|[Pp]anelist|[Gg]uest|"
                          rf"[Cc]hair|[Nn]arrator|[Rr]eader)s?[ \t]*:[ \t]+(?P<names2>{_CREDIT_NAMES}"
                          rf"(?:(?:,[ \t]+|,?[ \t]+(?:and|&)[ \t]+){_CREDIT_NAMES})*)")
# the participles of a credit line: "Narrated by ...", "Hosted by ..."
_CREDITS = frozenset("""narrated written read hosted presented edited produced translated illustrated curated compiled
recorded posted published shared sponsored organized organised led moderated voiced""".split())
_GREETINGS = frozenset("introductions introduction welcome remarks greetings words message opening".split())
# what a page credits to its maker: "Photo by Ada Roe on Unsplash"
_SOURCES = frozenset("photo photos image images picture illustration art artwork cover icon graphic chart map design "
                     "logo drawing comic".split())


def credits_people(text: str, start: int, end: int) -> bool:
    """A title-shaped span that only credits people: "By Ada Roe", "Guest speaker: Ada Roe",
    "Introductions from Ada and Bo" (each name a word the text never writes in lower case), or
    the participle of a credit line cut off before its "by" ("Narrated" in "Narrated by ...")."""
    surface = text[start:end].strip()
    if surface.lower() in _CREDITS:
        return bool(re.match(r"[ \t]+by[ \t]+\S", text[end:end + 40]))
    if not re.search(r"(?:^|\s)(?:[Bb]y|[Ff]rom|[Ww]ith|[Ff]eaturing)\s|:", surface):
        return False
    m = _CREDIT_LINE.fullmatch(surface)
    lead = (m.group("lead") or "").lower() if m else ""
    if m is None or lead and lead not in _CREDITS | _GREETINGS | (_SOURCES if m.group("prep") in ("by", "By") else set()):
        return False                      # "Lessons from Human Minds", "Image from Cold Takes": a title, a source
    credit = lead in _CREDITS
    words = re.findall(r"[\w'\u2019\-]+", m.group("names") or m.group("names2"))
    return all(w in ("and",) or _a_surname(text, w) or credit and w.isupper() for w in words)


# "a character named "Bob"", "a user called Alice": a name given to a person in an example, no work
_CHARACTER_NAMED = re.compile(r"\b(?:character|person|persona|user|man|woman|girl|boy|guy|someone|somebody|agent|"
                              r"assistant|player|friend|customer|employee|colleague|student|dog|cat)s?[ \t]+"
                              r"(?:named|called)[ \t]+[\"\u201c'\u2018]?$")


def named_character(text: str, start: int) -> bool:
    """The name at ``start`` is what a sentence calls a person of its example ("a character named
    'Bob'"), not the name of a work."""
    before = text[max(0, start - 40):start]
    return ("named" in before or "called" in before) and bool(_CHARACTER_NAMED.search(before))


# "Claude Code with Opus 4", "Dall-E 3 via Bing": products and their versions, in use
_PRODUCT_WORDS = _ASSISTANTS | frozenset("Opus Sonnet Haiku Dall-E DALL-E Midjourney Codex Cursor Gemma Mixtral".split())


def a_product_in_use(surface: str) -> bool:
    """A short capitalised run naming AI products with a version number and nothing that names a
    work ("Claude Code with Opus 4"; not "Claude 3 Model Card", not "Llama 2: Open Foundation ...")."""
    words = surface.split()
    return len(words) <= 6 and ":" not in surface and any(w in _PRODUCT_WORDS for w in words) \
        and any(re.fullmatch(r"\d+(?:\.\d+)?", w) for w in words) \
        and not any(w.lower() in _WORK_NOUNS or w.lower() in ("card", "technical") for w in words)
