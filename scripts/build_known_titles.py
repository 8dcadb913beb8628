"""Build kb's gazetteer of known work titles (kb/grounding/known_titles.tsv.gz) from its sources.

    python scripts/build_known_titles.py            # rebuild the shipped file
    python scripts/build_known_titles.py --stats    # also print counts per source and per rule
    python scripts/build_known_titles.py --common-words   # re-derive the common words (see below)

Sources, all independent of the evaluation pages (the script refuses a GitHub source whose
repository any evaluation part names):

- ``data/known_titles/sources/*.txt``: curated paper lists from public GitHub repositories, read
  through the search tool's code corpus; each file starts with ``# repo:``, ``# path:``,
  ``# commit:`` and ``# licence:`` lines and then holds the titles as the list writes them, one a
  line (markup, authors, years and links left out);
- the Alignment Forum posts kb's forum stand-in ships (``kb/standin/forum/alignment-forum-posts.csv.gz``);
- the papers in the recorded Semantic Scholar answers (``/work/shared/s2-recorded``, when present);
- kb's own data: the alias table's titles (``data/aliases.toml``), the theme labels' works
  (``data/theme_labels.jsonl``) and the stand-in's real works (``kb/standin/works/*.jsonl``).

A title is kept only when it is distinctive (:func:`distinctive`): a title that is also an
ordinary phrase ("Deep learning", "Reinforcement learning: an introduction") would turn prose
into citations; so is one on the stop list (``data/known_titles/stop_titles.tsv``: titles that
name a research field or a topic, each with the prose where it was seen used as a phrase).
Nothing is added by hand: to change the gazetteer, change a source.

A title's verdict depends on the title and on fixed reference data only (the common words, the
forum posts' prose, the stop list, the reference lists' titles), never on which other lists are
sources: adding a list only adds titles (``tests/test_known_titles.py`` builds with a subset).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import tomllib
from collections import Counter
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.grounding.aliases import PARSED_PATH, parsed_text  # noqa: E402
from kb.grounding.known_titles import (ANY_CASE_WORDS, GAZETTEER_PATH, MIN_WORDS, TITLE_FUNCTION_WORDS,  # noqa: E402
                                       common_words, distinctive, key_column, needs_capitals, title_words)

SOURCES = ROOT / "data" / "known_titles" / "sources"
FORUM = ROOT / "kb" / "standin" / "forum" / "alignment-forum-posts.csv.gz"
STOP = ROOT / "data" / "known_titles" / "stop_titles.tsv"
EVAL = ROOT / "tests" / "data" / "grounding_eval"
UNSEEN = ROOT / "tests" / "data" / "unseen_docs"


def github_lists(files=None) -> list[tuple[str, str]]:
    """(title, source) from each collected list (or the given list files); the source names the repository."""
    out = []
    for f in sorted(SOURCES.glob("*.txt")) if files is None else files:
        head, titles = {}, []
        for line in f.read_text(encoding="utf-8").splitlines():
            m = re.match(r"#\s*(repo|path|commit|licence):\s*(.*)", line)
            if m:
                head[m.group(1)] = m.group(2).strip()
            elif line.strip() and not line.startswith("#"):
                titles.append(line.strip())
        if not {"repo", "path", "commit"} <= head.keys():
            raise SystemExit(f"{f}: needs # repo:, # path: and # commit: lines")
        out += [(t, f"github:{head['repo']}") for t in titles]
    return out


COMMON = ROOT / "data" / "known_titles" / "common_words.txt"


def common_reference() -> list[str]:
    """The sources the common words are ranked over, as ``common_words.txt`` names them."""
    return re.findall(r"^#\s*reference:\s*(\S+)", COMMON.read_text(encoding="utf-8"), re.M)


def reference_titles(reference: list[str]) -> list[tuple[str, str]]:
    """(title, source) of the reference sources: the named list files and the forum posts."""
    files = {f.name for f in SOURCES.glob("*.txt")}
    missing = [r for r in reference if r != "alignment-forum" and r not in files]
    if missing:
        raise SystemExit(f"{COMMON}: reference lists missing from {SOURCES}: {missing}")
    out = github_lists([SOURCES / r for r in reference if r != "alignment-forum"])
    return out + (forum_posts() if "alignment-forum" in reference else [])


def derive_common_words(reference: list[str]) -> list[str]:
    """The rule behind ``common_words.txt``: :func:`common_words` over the reference sources' titles."""
    keys = {(" ".join(title_words(clean(t))), s) for t, s in reference_titles(reference)}
    return sorted(common_words(sorted(k for k in keys if k[0])) - TITLE_FUNCTION_WORDS)


@lru_cache(maxsize=1)
def reference_keys() -> frozenset[tuple[str, ...]]:
    """The reference sources' titles as :func:`title_words`."""
    return frozenset(tuple(title_words(clean(t))) for t, _ in reference_titles(common_reference()))


def frozen_common_words() -> frozenset[str]:
    """The common words the build uses: read from ``data/known_titles/common_words.txt``, not
    ranked over the sources of the day.

    Why frozen: ranked over every source, the 300 words shifted whenever lists were added (15
    lists made 16 words common, "bayesian" and "hierarchical" among them, and pushed 16 out), and
    with them the verdicts of unrelated titles: they removed 6 kept titles ("Transformers Can Do
    Bayesian Inference") and changed 15 short forms, so adding evidence removed evidence. Why ranked over titles and not
    over prose: the words a title shares with many others ("adversarial", "contrastive",
    "benchmark", "efficient") are the field's titling vocabulary; ordinary prose (the forum
    posts' summaries, the recorded abstracts) shares only 100-190 of its 300 top words with them.
    Why these reference lists: the 134 lists and the forum posts read up to 2026-12 span the
    field's topics, and all ship with kb, so the file's currency is checked on any clone
    (``--common-words`` re-derives it; a changed file changes verdicts and is reviewed as such)."""
    return frozenset(w for w in COMMON.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#")) | TITLE_FUNCTION_WORDS


def write_common_words(reference: list[str]) -> None:
    words = derive_common_words(reference)
    head = ["# kb's common title words: a title made only of these (and function words) is a phrase unless long.",
            "# Generated by python scripts/build_known_titles.py --common-words from the reference sources below,",
            "# ranked by how many of them use a word in a title (kb.grounding.known_titles.common_words); do not edit.",
            "# New source lists are not added here: the gazetteer's verdicts must not depend on which lists exist."]
    COMMON.write_text("\n".join(head + [f"# reference: {r}" for r in reference] + words) + "\n", encoding="utf-8")


def forum_rows() -> list[dict]:
    with gzip.open(FORUM, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def forum_posts() -> list[tuple[str, str]]:
    return [(row["title"], "alignment-forum") for row in forum_rows() if row.get("title")]


# A short title that prose writes this many times or more is a phrase people use as a term.
PHRASE_USES = 1
# A short title that this many longer titles contain is the field's term for a method or a model
# ("Bayesian Neural Networks", "Video Diffusion Models"): naming it is not citing one work.
TERM_IN_TITLES = 3


# A word in at least this share of the forum posts' summaries is one prose uses commonly.
PROSE_COMMON_SHARE = 0.005


@lru_cache(maxsize=1)
def summary_words() -> tuple[list[str], ...]:
    """The forum posts' summaries as :func:`title_words`: fixed prose, read once per run (a test
    builds several times)."""
    return tuple(title_words(row.get("summary") or "") for row in forum_rows())


@lru_cache(maxsize=1)
def prose_common_words() -> frozenset[str]:
    """The words of at least :data:`PROSE_COMMON_SHARE` of the 4,274 forum posts' summaries:
    the common words of alignment prose ("law", "learning", "safety", "problems")."""
    texts = summary_words()
    df = Counter(w for words in texts for w in set(words))
    return frozenset(w for w, c in df.items() if c >= PROSE_COMMON_SHARE * len(texts))


def prose_phrases(candidates: set[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """The candidate short titles (word tuples) that the forum posts' summaries, 4,274 texts of
    alignment prose, write at least :data:`PHRASE_USES` times."""
    uses: Counter = Counter()
    for words in summary_words():
        for n in range(MIN_WORDS, ANY_CASE_WORDS):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i:i + n])
                if gram in candidates:
                    uses[gram] += 1
    return frozenset(g for g, c in uses.items() if c >= PHRASE_USES)


def title_terms(short: set[tuple[str, ...]], keys) -> frozenset[tuple[str, ...]]:
    """The short titles that at least :data:`TERM_IN_TITLES` longer titles (``keys``: the reference
    lists' and the sources' that are not lists) contain word for word."""
    inside: Counter = Counter()
    for key in set(keys):
        for n in range(MIN_WORDS, min(len(key), ANY_CASE_WORDS)):
            for gram in {key[i:i + n] for i in range(len(key) - n + 1)}:
                if gram in short:
                    inside[gram] += 1
    return frozenset(g for g, c in inside.items() if c >= TERM_IN_TITLES)


def stop_titles() -> frozenset[tuple[str, ...]]:
    """The stop list's titles (their :func:`title_words`): titles that name a field or a topic
    ("Human-AI Interaction", "Inductive Logic Programming"), seen written as a phrase in prose
    that cites nothing; neither they nor a title's part before its colon equal to one are kept."""
    lines = STOP.read_text(encoding="utf-8").splitlines() if STOP.is_file() else []
    return frozenset(tuple(title_words(line.split("\t")[0])) for line in lines if line.strip() and not line.startswith("#"))


def recorded_papers() -> list[tuple[str, str]]:
    """The papers of the recorded Semantic Scholar answers, as the evaluation's stand-in reads them."""
    sys.path.insert(0, str(ROOT / "tests"))
    from grounding_eval import recorded_titles

    return [(w["title"], "s2-recorded") for w in recorded_titles() if w["key"].startswith("s2rec")]


def kb_data() -> list[tuple[str, str]]:
    out = []
    aliases = tomllib.loads((ROOT / "data" / "aliases.toml").read_text(encoding="utf-8"))
    out += [(a["title"], "kb-aliases") for a in aliases.get("alias", []) if a.get("title")]
    for line in (ROOT / "data" / "theme_labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append((json.loads(line)["title"], "kb-theme-labels"))
    for f in sorted((ROOT / "kb" / "standin" / "works").glob("*.jsonl")):
        if f.name == "curated_alias_works.jsonl":           # written by this script from the lists above
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip() and (t := json.loads(line).get("title")):
                out.append((t, "kb-standin-works"))
    return out


def evaluation_repositories() -> set[str]:
    """Every GitHub repository an evaluation part names (its README or truth, or an unseen
    document or its truth): never a source."""
    names = set()
    files = list(EVAL.glob("*/README.md")) + list(EVAL.glob("*/truth.json"))
    files += list(UNSEEN.glob("*.json")) + list(UNSEEN.glob("*.txt"))
    for f in files:
        names |= {m.lower().rstrip(".") for m in re.findall(r"github\.com/([\w.\-]+/[\w.\-]+)", f.read_text(encoding="utf-8"))}
    return names


def clean(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip().strip("*_`\"'\u201c\u201d").strip()
    return re.sub(r"\s*\((?:19|20)\d\d\)$", "", title)         # "Title (1950)"


def all_sources() -> list[tuple[str, str]]:
    """(title, source) of every source; refuses a list from a repository an evaluation part names."""
    raw = github_lists()
    clash = {s.split(":", 1)[1].lower() for _, s in raw} & evaluation_repositories()
    if clash:
        raise SystemExit(f"refusing sources an evaluation part names: {sorted(clash)}")
    return raw + forum_posts() + recorded_papers() + kb_data()


def select(raw: list[tuple[str, str]]) -> tuple[list[tuple[str, set[str], str, str]], Counter, int]:
    """The kept titles (title, sources, the part before its colon when it names the work too,
    flags), the dropped ones' reasons, and the number of distinct titles. Each verdict reads the
    title and fixed reference data only, so a source added to ``raw`` can only add titles."""
    by_key: dict[str, tuple[str, set[str]]] = {}
    for title, source in raw:
        title = clean(title)
        key = " ".join(title_words(title))
        if not key:
            continue
        if key not in by_key:
            by_key[key] = (title, set())
        by_key[key][1].add(source.split(":")[0] if source.startswith("github:") else source)
    common = frozen_common_words()
    mains = {k: title.split(":", 1)[0] for k, (title, _) in by_key.items() if ":" in title}
    short = {tuple(k.split()) for k in by_key} | {tuple(title_words(m)) for m in mains.values()}
    candidates = {w for w in short if MIN_WORDS <= len(w) < ANY_CASE_WORDS}
    # the field's terms are counted in the reference lists and the sources that are not lists, so a
    # new list's titles do not turn a short title of another into a term
    counted = reference_keys() | {tuple(title_words(clean(t))) for t, s in raw if not s.startswith("github:")}
    phrases = prose_phrases(candidates) | title_terms(candidates, counted)
    plain, stop = prose_common_words(), stop_titles()
    kept, why_not = [], Counter()
    for key, (title, sources) in sorted(by_key.items()):
        verdict = "on the stop list" if tuple(key.split()) in stop else distinctive(title, common, phrases)
        if verdict is None:
            main = mains.get(key)
            main = main if main and tuple(title_words(main)) not in stop and distinctive(main, common, phrases) is None else ""
            flags = ("T" if needs_capitals(title_words(title), plain) else "") + \
                    ("M" if main and needs_capitals(title_words(main), plain) else "")
            kept.append((title, sources, main, flags))
        else:
            why_not[verdict] += 1
    return kept, why_not, len(by_key)


def build(stats: bool = False) -> dict:
    raw = all_sources()
    kept, why_not, distinct = select(raw)
    body = "".join(f"{t}\t{','.join(sorted(s))}\t{m}\t{f}\t{key_column(t)}\n" for t, s, m, f in kept)
    header = (f"# kb's known work titles: built by scripts/build_known_titles.py from {len(raw)} source titles; "
              f"{distinct} distinct, {len(kept)} kept\n# title, sources, the part before its colon when that names it too, flags "
              f"(T: the title counts only capitalised, M: the same for the part before its colon), the title's index key\n")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write((header + body).encode("utf-8"))
    GAZETTEER_PATH.write_bytes(buf.getvalue())
    per_source = Counter(s.split(":")[0] if not s.startswith("github:") else "github" for _, s in raw)
    out = {"source_titles": len(raw), "distinct": distinct, "kept": len(kept), "dropped": dict(why_not),
           "per_source": dict(per_source), "github_lists": len({s for _, s in raw if s.startswith("github:")}),
           "bytes": len(buf.getvalue())}
    if stats:
        print(json.dumps(out, indent=1))
    return out


NICKNAMES = ROOT / "data" / "known_titles" / "nicknames"
CURATED = ROOT / "data" / "aliases_curated.toml"
STANDIN_WORKS = ROOT / "kb" / "standin" / "works" / "curated_alias_works.jsonl"


def curated_nicknames() -> list[dict]:
    """Alias entries from the curated lists' nicknames (``data/known_titles/nicknames/*.tsv``:
    name, arXiv id, title, and ``benchmark`` where the name cites its paper without a cue, unless it
    spells a common word of the forum posts' prose),
    leaving out names the hand-kept table (``data/aliases.toml``) already has."""
    taken = {n.lower() for a in tomllib.loads((ROOT / "data" / "aliases.toml").read_text(encoding="utf-8")).get("alias", [])
             for n in a["names"]}
    plain = prose_common_words()
    out, seen = [], set()
    for f in sorted(NICKNAMES.glob("*.tsv")):
        head = dict(re.findall(r"^#\s*(repo|kind):\s*(\S+)", f.read_text(encoding="utf-8"), re.M))
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, arxiv, title, *rest = line.split("\t")
            names = [n.strip() for n in name.split("/") if n.strip()]
            if "/" in name and "-" in names[0]:                  # "Flan-T5/PaLM": Flan-T5 and Flan-PaLM
                names = [names[0]] + [names[0].rsplit("-", 1)[0] + "-" + n for n in names[1:]]
            names = [n for n in names if n.lower() not in taken and n.lower() not in seen]
            if not names:
                continue
            seen.update(n.lower() for n in names)
            # a benchmark's name, or a research artefact's coined name (coined_names.tsv), cites its paper
            cites = bool(rest and rest[0] in ("benchmark", "coined"))
            known = arxiv != "-"                 # "-": no arXiv id, the work is matched by its exact title
            out.append({"names": names, "id": f"ARXIV:{arxiv}" if known else None, "title": title,
                        "year": 2000 + int(arxiv[:2]) if known else None,
                        # a benchmark's name that spells a word of ordinary prose ("ConTRoL") needs a cue too
                        "needs_cue": [n for n in names if not cites or n.lower() in plain],
                        "from": head.get("repo", f.name)})
    return out


def write_curated(entries: list[dict]) -> None:
    lines = ["# Generated by scripts/build_known_titles.py from data/known_titles/nicknames/: do not edit.",
             "# Nicknames from curated paper lists, with the paper each list links; data/aliases.toml wins",
             "# where both name a work. Method and model names cite their paper only with a cue.", ""]
    for e in entries:
        lines += ["[[alias]]", f"# from {e['from']}", f"names = {json.dumps(e['names'])}"]
        lines += [f"id = {json.dumps(e['id'])}"] if e["id"] else ['match = "title"']
        lines += [f"title = {json.dumps(e['title'])}"] + ([f"year = {e['year']}"] if e["year"] else [])
        if e["needs_cue"]:
            lines.append(f"needs_cue = {json.dumps(e['needs_cue'])}")
        lines.append("")
    CURATED.write_text("\n".join(lines), encoding="utf-8")
    # the stand-in serves every alias's paper (test_alias_table_is_large_and_every_work_is_real):
    # the lists give title, arXiv id and year; authors and abstracts are not recorded
    works = [{"title": e["title"], "authors": [], "year": e["year"], "venue": "arXiv",
              "arxiv": e["id"].split(":", 1)[1] if e["id"] else None,
              "doi": None, "abstract": None, "tldr": None, "publication_date": None, "kind": "paper",
              "key": "curated-" + e["names"][0].lower()} for e in entries]
    served = {json.loads(line).get("arxiv") for f in STANDIN_WORKS.parent.glob("*.jsonl") if f != STANDIN_WORKS
              for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    # a work the lists give no year (a coined name matched by its title) is not served: the stand-in's
    # citation graph would date it at the start of time, where every generated paper could cite it
    works = [w for w in works if w["year"] and w["arxiv"] not in served]
    STANDIN_WORKS.write_text("".join(json.dumps(w) + "\n" for w in works), encoding="utf-8")


if __name__ == "__main__":
    if "--common-words" in sys.argv:
        write_common_words(common_reference() if COMMON.is_file() else
                           sorted(f.name for f in SOURCES.glob("*.txt")) + ["alignment-forum"])
        print(f"{COMMON.relative_to(ROOT)}: re-derived from its reference sources")
    r = build(stats="--stats" in sys.argv)
    nicknames = curated_nicknames()
    write_curated(nicknames)
    print(f"{CURATED.relative_to(ROOT)}: {len(nicknames)} nicknames")
    PARSED_PATH.write_text(parsed_text(), encoding="utf-8")
    print(f"{PARSED_PATH.relative_to(ROOT)}: both alias tables as kb reads them")
    print(f"{GAZETTEER_PATH.relative_to(ROOT)}: {r['kept']} titles of {r['distinct']} distinct ({r['bytes']} bytes)")
