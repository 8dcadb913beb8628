"""Derive the coined names of works from the curated lists' titles (issue 15, nicknames).

    python scripts/coined_names.py      # rewrites data/known_titles/nicknames/coined_names.tsv

A paper that coins a name puts it before its title's colon ("SelfIE: Self-Interpretation of Large
Language Model Embeddings", "HarmBench: A Standardized Evaluation Framework ..."), and prose names
the work by it ("prior approaches like SelfIE"). The lists in ``data/known_titles/sources/`` (read
from public GitHub repositories, none that an evaluation part names) hold thousands of such titles;
this script takes the names from the lists on alignment, AI safety, interpretability, honesty, RLHF
and reward hacking (:data:`TOPICAL`: not the long lists of jailbreaks, watermarks, privacy attacks
and evaluations, whose hundreds of names cost the alias table's load time more than they find),
where a coined name is a research artefact (a method, a benchmark, an attack) rather than a product, and writes them for ``scripts/build_known_titles.py``,
which turns them into ``data/aliases_curated.toml`` entries matched by their exact title.

A name is kept only when it cannot be anything else (:func:`coined`): one token of four characters
or more with a capital inside it or a digit ("SelfIE", "AgentPoison", "AEGIS2.0"), an all-capital
acronym only from five letters ("MQUAKE"), not a word the lists' titles or the forum posts' prose write in lower case, not a name
any other list's title starts with (two works), and not already in the hand-kept table or another
nickname list. A name with a version or a size ("GLM-4.5", "Starling-7b") or a title that announces
a model, a library or a toolkit names a thing people use, and a name in capitals only may be a
word written in capitals ("ARMOR", "PRISM"): these cite their paper only with a cue (``model`` in
the file); every other name cites its paper where it stands (``coined``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import build_known_titles as build  # noqa: E402

OUT = build.NICKNAMES / "coined_names.tsv"
# the lists whose coined names are research artefacts of kb's field (matched against the file name)
TOPICAL = re.compile(r"alignment|safety__|safety\.txt|awesome-ai-safety|interp|mechanis|representation|Sparse-Autoencoder|"
                     r"Attention-Heads|KnowledgeEditing|Honesty|rlhf|RLHF|Reward-Hacking|XAI|explainable|StampyAI|shallow|"
                     r"ForumMagnum|scraping|mlsafety|understanding-mechanism|language-model-analysis|trait-interp|"
                     r"oversight|agisf|reading-group|impact-rio", re.I)
_NAMED = re.compile(r"^\s*([A-Za-z][\w\-.+]*[\w+])\s*:\s+(\S.*)$")
# a model's version or size, or a title that announces a model, a library or a toolkit
_PRODUCT = re.compile(r"[\-\s]?v?\d+(?:\.\d+)*[a-zA-Z]?$|\d+[bBmM]$|-\d")
_PRODUCT_TITLE = re.compile(r"technical report|\bfoundation models?\b|\bmodel family\b|"
                            r"\bopen(?:-source)?\s+(?:\w+\s+)?(?:language\s+|chat\s+|reasoning\s+)?models?\b|"
                            r"\blibrary\b|\btoolkit\b|\btoolbox\b|\bpython package\b", re.I)


def coined(name: str) -> bool:
    if len(name) < 4:
        return False
    if name.isupper() and not any(c.isdigit() for c in name) and len(name) < 5:
        return False
    return any(c.isupper() for c in name[1:]) or any(c.isdigit() for c in name)


def names() -> list[tuple[str, str, str]]:
    """(name, title, kind) for every coined name the topical lists' titles give."""
    by_name: dict[str, set[str]] = defaultdict(set)         # every list's titles, to see a name used twice
    topical: dict[str, str] = {}
    lower_words: set[str] = set()
    for f in sorted(build.SOURCES.glob("*.txt")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            lower_words |= set(re.findall(r"\b[a-z][a-z\-]+\b", line))
            m = _NAMED.match(line.strip())
            if m:
                by_name[m.group(1)].add(re.sub(r"\W+", " ", line.lower()).strip())
                if TOPICAL.search(f.name):
                    topical.setdefault(m.group(1), " ".join(line.split()))
    taken = {n.lower() for a in tomllib.loads((ROOT / "data" / "aliases.toml").read_text(encoding="utf-8"))["alias"]
             for n in a["names"]}
    for f in build.NICKNAMES.glob("*.tsv"):
        if f != OUT:
            taken |= {n.strip().lower() for line in f.read_text(encoding="utf-8").splitlines()
                      if line.strip() and not line.startswith("#") for n in line.split("\t")[0].split("/")}
    plain = build.prose_common_words()
    out = []
    for name, title in sorted(topical.items()):
        low = name.lower()
        if not coined(name) or low in taken or low in plain or low in lower_words or len(by_name[name]) > 1:
            continue
        # a name in capitals only may be a word written in capitals ("ARMOR", "PRISM"): with a cue only
        kind = "model" if _PRODUCT.search(name) or _PRODUCT_TITLE.search(title.split(":", 1)[1]) \
            or re.fullmatch(r"[A-Z]+", name) else "coined"
        out.append((name, title, kind))
    return out


def main() -> int:
    rows = names()
    head = ["# derived by scripts/coined_names.py from data/known_titles/sources/ (the lists on alignment, AI safety,",
            "# interpretability, honesty, RLHF and reward hacking): the name a title puts before its colon",
            "# kind: coined (a research artefact's name cites its paper where it stands); model rows cite it only with a cue",
            "# name <TAB> - (no arXiv id: the work is matched by its exact title) <TAB> the title as the list writes it <TAB> kind"]
    OUT.write_text("\n".join(head + [f"{n}\t-\t{t}\t{k}" for n, t, k in rows]) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} names ({sum(k == 'model' for *_, k in rows)} need a cue)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
