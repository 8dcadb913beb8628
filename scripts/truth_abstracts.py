"""Give the grounding evaluation's truth works the abstracts the real Semantic Scholar API
would serve, from recorded text only, so that the online stand-in (``grounding_eval.
realistic_standin``) lets kb's author route pick a person's paper by the words of its abstract
as it can on the real API (issue 15; session 13).

    python scripts/truth_abstracts.py            # rewrite tests/data/grounding_eval/abstracts.jsonl
    python scripts/truth_abstracts.py --check    # exit 1 when the file would change

Every truth work of every part (development and held-out alike, the seed and unseen truths) is
treated the same, mechanically; the script prints counts only. Where an abstract comes from,
most faithful first (the first source that has the work wins):

1. ``standin-works``: kb's own real works (``kb/standin/works/*.jsonl``) that carry one;
2. ``s2-recorded``: a paper in the recorded Semantic Scholar answers
   (``/work/shared/s2-recorded``) with a non-null ``abstract``;
3. ``forum-recorded``: an Alignment Forum post of the same title
   (``/work/shared/forum-recorded/alignment-forum-posts.csv``): its first text, cut as
   ``kb/sources/forum/parse.py`` cuts a post's summary;
4. ``summary``: a faithful summary of the real abstract written for the theme labels
   (``data/theme_labels*.jsonl``, ``tests/data/theme_*.jsonl``), not the abstract's own words;
5. ``search``: the abstract read by hand from a public page (arXiv abstract pages, proceedings
   pages) through the session's search tool, its URL kept. These rows cannot be derived again,
   so the script keeps every ``search`` row of the existing file for a work no earlier source has.

A work is matched by arXiv id, DOI (the truth's own, when it gives one) or normalised title. One
row per work (its ``work_key``: arXiv id, else title), with the truth's key, title and arXiv id,
the abstract, its ``source`` and where it was read (``url``, or ``file`` for a recorded file
without one).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.sources.forum.parse import SUMMARY_CHARS  # noqa: E402  (the cut kb applies to a post's first text)
from kb.standin.corpus import normalize_arxiv, normalize_doi, normalize_title, work_key  # noqa: E402

EVAL = ROOT / "tests" / "data" / "grounding_eval"
OUT = EVAL / "abstracts.jsonl"
S2_RECORDED = Path("/work/shared/s2-recorded")
FORUM_RECORDED = Path("/work/shared/forum-recorded/alignment-forum-posts.csv")
ORDER = ("standin-works", "s2-recorded", "forum-recorded", "summary", "search")
FORUM_URL = "https://www.alignmentforum.org/posts/{id}/{slug}"


def truth_files() -> list[Path]:
    return sorted(EVAL.glob("*/truth.json")) + [ROOT / "tests" / "data" / "seed_truth.json",
                                                ROOT / "tests" / "data" / "unseen_docs" / "truth.json"]


def truth_works() -> list[dict]:
    """The truth's paper works (as ``grounding_eval.truth_works`` takes them), one per
    ``work_key``, with the truth's DOI kept for matching (the stand-in does not serve it)."""
    out: dict[str, dict] = {}
    for f in truth_files():
        for key, w in json.loads(f.read_text(encoding="utf-8")).get("works", {}).items():
            if w.get("title") and (w.get("kind") or "paper") == "paper":
                work = {"key": key, "title": w["title"], "arxiv": w.get("arxiv"), "doi": w.get("doi")}
                out.setdefault(work_key(work | {"doi": None}), work)
    return list(out.values())


class Index:
    """Abstracts of one source by arXiv id, DOI and normalised title (the first one wins)."""

    def __init__(self, source: str):
        self.source = source
        self.by: dict[str, dict] = {}

    def put(self, abstract, *, title=None, arxiv=None, doi=None, **where) -> None:
        if not isinstance(abstract, str) or not abstract.strip():
            return
        row = {"abstract": " ".join(abstract.split()), "source": self.source,
               **{k: v for k, v in where.items() if v}}
        for k in ("ARXIV:" + normalize_arxiv(str(arxiv)) if arxiv else None,
                  "DOI:" + normalize_doi(str(doi)) if doi else None,
                  "T:" + normalize_title(title) if title and normalize_title(title) else None):
            if k:
                self.by.setdefault(k, row)

    def find(self, work: dict) -> dict | None:
        for k in ("ARXIV:" + normalize_arxiv(str(work["arxiv"])) if work.get("arxiv") else None,
                  "DOI:" + normalize_doi(str(work["doi"])) if work.get("doi") else None,
                  "T:" + normalize_title(work["title"])):
            if k and k in self.by:
                return self.by[k]
        return None


def _jsonl(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield json.loads(line)


def standin_index() -> Index:
    ix = Index("standin-works")
    for f in sorted((ROOT / "kb" / "standin" / "works").glob("*.jsonl")):
        for w in _jsonl(f):
            ix.put(w.get("abstract"), title=w.get("title"), arxiv=w.get("arxiv"), doi=w.get("doi"),
                   file=str(f.relative_to(ROOT)))
    return ix


def recorded_bodies():
    """(file, parsed JSON body) of every recorded answer: plain JSON files and the bodies of the
    vcrpy cassettes (gzip ones unpacked)."""
    import gzip

    import yaml

    if not S2_RECORDED.is_dir():
        return
    for f in sorted(S2_RECORDED.rglob("*")):
        bodies = []
        if f.suffix == ".json":
            bodies = [f.read_text(encoding="utf-8")]
        elif f.suffix == ".yaml" and "openapi" not in f.name:
            for i in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("interactions") or []:
                r = i.get("response") or {}
                b = (r.get("body") or {}).get("string") if "body" in r else r.get("content")
                if isinstance(b, bytes) and b[:2] == b"\x1f\x8b":
                    b = gzip.decompress(b)
                bodies.append(b)
        for b in bodies:
            try:
                yield f, json.loads(b)
            except (TypeError, ValueError):
                continue


def s2_papers():
    """Every Semantic Scholar paper object in the recorded answers that has an ``abstract``
    key (null or not): (file, object)."""
    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("title"), str) and "abstract" in o and "paperId" in o:
                yield o
            for v in o.values():
                yield from walk(v)
        elif isinstance(o, list):
            for v in o:
                yield from walk(v)

    for f, body in recorded_bodies():
        for o in walk(body):
            yield f, o


def s2_index() -> Index:
    ix = Index("s2-recorded")
    for f, o in s2_papers():
        ext = o.get("externalIds") if isinstance(o.get("externalIds"), dict) else {}
        ix.put(o.get("abstract"), title=o["title"], arxiv=ext.get("ArXiv"), doi=ext.get("DOI"),
               url=o.get("url"), file=str(f.relative_to(S2_RECORDED.parent)))
    return ix


def forum_index() -> Index:
    ix = Index("forum-recorded")
    if FORUM_RECORDED.is_file():
        with FORUM_RECORDED.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = " ".join((row.get("summary") or "").split())[:SUMMARY_CHARS]
                ix.put(text, title=row["title"],
                       url=row.get("pageUrl") or FORUM_URL.format(id=row["_id"], slug=row["slug"]))
    return ix


def summary_index() -> Index:
    ix = Index("summary")
    files = sorted((ROOT / "data").glob("theme_labels*.jsonl")) + sorted((ROOT / "tests" / "data").glob("theme_*.jsonl"))
    for f in files:
        for w in _jsonl(f):
            if w.get("abstract_source") == "summary":
                ix.put(w.get("abstract"), title=w.get("title"), arxiv=w.get("arxiv"), doi=w.get("doi"),
                       url=w.get("abstract_url"), file=str(f.relative_to(ROOT)))
    return ix


def searched_index() -> Index:
    """The ``search`` rows already in the file (read by hand; kept as they are)."""
    ix = Index("search")
    for r in (_jsonl(OUT) if OUT.is_file() else ()):
        if r.get("source") == "search":
            ix.put(r["abstract"], title=r["title"], arxiv=r.get("arxiv"), url=r.get("url"))
    return ix


def rows() -> list[dict]:
    indexes = [standin_index(), s2_index(), forum_index(), summary_index(), searched_index()]
    out = []
    for w in truth_works():
        for ix in indexes:
            found = ix.find(w)
            if found:
                out.append({"key": w["key"], "title": w["title"], "arxiv": w.get("arxiv"), **found})
                break
    return sorted(out, key=lambda r: (ORDER.index(r["source"]), r["key"], r["title"]))


def null_share() -> tuple[int, int]:
    """(papers with a null abstract, papers with an abstract key) in the recorded answers,
    each paper counted once: how often the real API serves no abstract."""
    seen: dict[str, bool] = {}
    for _, o in s2_papers():
        seen.setdefault(o.get("paperId") or o["title"], not o.get("abstract"))
    return sum(seen.values()), len(seen)


def main(argv: list[str]) -> int:
    got = rows()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got)
    works = truth_works()
    counts = {s: sum(r["source"] == s for r in got) for s in ORDER}
    print(f"{len(got)}/{len(works)} truth works with an abstract: {counts}")
    arx = [w for w in works if w.get("arxiv")]
    have = {work_key(r | {"doi": None}) for r in got}
    print(f"  with an arXiv id: {sum(work_key(w | {'doi': None}) in have for w in arx)}/{len(arx)}")
    nulls, total = null_share()
    print(f"recorded Semantic Scholar papers: {nulls}/{total} with a null abstract")
    if "--check" in argv:
        return 0 if OUT.is_file() and OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
