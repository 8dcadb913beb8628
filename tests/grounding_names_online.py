"""The online figures for names (nicknames and author references) of the development parts,
links removed, against the stand-in serving :func:`grounding_eval.realistic_works` among
20,000 generated papers, with namesakes (:mod:`kb.standin.namesakes`):

- recall and precision as ``score_online`` counts them (a maybe the resolver confirms is a work);
- whether each found name resolves to the paper the truth says it names (``resolve_names``:
  the whole document resolved as ``kb seed add`` does), right / wrong paper / none;
- requests per document, and of them the author route's (``/author/search``, ``/author/{id}/papers``).

    python tests/grounding_names_online.py                 # every development part
    python tests/grounding_names_online.py dev8 even --wrong   # one half, and its wrong papers
    python tests/grounding_names_online.py --papers=3000 --no-namesakes   # the stand-in before namesakes
    python tests/grounding_names_online.py --papers=3000 --no-namesakes --no-authors   # and before authors
    python tests/grounding_names_online.py --dump-works=/tmp/works.json   # (on main) what the stand-in serves
    python tests/grounding_names_online.py --works=/tmp/works.json        # (on a branch) against the same corpus

The stand-in's works include decoys made from the documents' uncertain phrases, so a change to
the extractor changes the generated corpus (its namesakes' papers) as well: compare two versions
of the code on one corpus (``--dump-works`` with the one, ``--works`` with the other) to tell a
change in the resolver from a reshuffled corpus.

Development parts only (held-out parts are scored by the lead; heldout22, 23, 25 and 26 were
opened for development in session 17, as halves); the wrong papers of a held-aside half
(the odd pages of dev8-dev14 and of those four) are never printed. ``tuning`` scores the tuning
pages (dev..dev7 whole, the even halves of the others) as one line, ``aside`` the held-aside
halves (figures only):

    python tests/grounding_names_online.py tuning --works=/tmp/works.json
    python tests/grounding_names_online.py aside --works=/tmp/works.json
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grounding_eval as ge  # noqa: E402
from grounding_subset import half  # noqa: E402

DEV = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
       "heldout22", "heldout23", "heldout25", "heldout26")
HALVED = tuple(p for p in DEV if p in ge.HELD_ASIDE)     # even pages tuned on, odd pages figures only


def line(part: str, sc: ge.Score, res: ge.Resolution) -> str:
    def cell(*forms: str) -> str:
        return f"{sum(sc.found[f] for f in forms)}/{sum(sc.total[f] for f in forms)}"

    def paper(form: str) -> str:
        return f"{res.right[form]}/{res.wrong[form]}/{res.none[form]}"
    n = max(1, len(res.requests))
    return (f"{part:12} names {cell('nickname', 'author-ref')} author-ref {cell('author-ref')} "
            f"precision {sc.right}/{sc.surfaces} = {sc.precision:.1%} | papers right/wrong/none: "
            f"author-ref {paper('author-ref')} nickname {paper('nickname')} | requests/doc "
            f"{sum(res.requests) / n:.1f} (max {max(res.requests, default=0)}), author route "
            f"{sum(res.author_requests) / n:.1f} (max {max(res.author_requests, default=0)})"
            f" | right by {dict(sorted(res.right_by.items()))} wrong by {dict(sorted(res.wrong_by.items()))}")


def group_half(part: str, group: str) -> str:
    """Which pages of ``part`` the ``tuning`` or the ``aside`` line counts (``none``: not one)."""
    if part not in HALVED:
        return "all" if group == "tuning" else "none"
    return "even" if group == "tuning" else "odd"


def print_wrong(sc: ge.Score, res: ge.Resolution, aside) -> None:
    """The wrong papers, the names resolved to none and the names not found, but never those
    of a held-aside page (``aside(doc)``)."""
    for doc, surface, got, want in res.wrong_papers:
        if not aside(doc):
            print(f"  WRONG {doc} {surface!r} -> {got!r} (truth: {want!r})")
    for doc, surface, status, want in res.unresolved:
        if not aside(doc):
            print(f"  NONE {doc} {surface!r} ({status}; truth: {want!r})")
    for m in sc.misses:
        if not aside(m[0]) and m[1] in ("author-ref", "nickname"):
            print("  MISS", *m)


def main(argv: list[str]) -> int:
    from kb.grounding.aliases import AliasTable

    args = [a for a in argv if not a.startswith("--")]
    groups = [a for a in args if a in ("tuning", "aside")]
    parts = [a for a in args if a in DEV] or list(DEV)
    which = next((a for a in args if a in ("even", "odd", "all")), "all")
    if any(a not in DEV + ("even", "odd", "all", "tuning", "aside") for a in args):
        raise SystemExit("development parts only: " + ", ".join(DEV))
    aliases = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    if (dump := next((a.split("=", 1)[1] for a in argv if a.startswith("--dump-works=")), None)):
        Path(dump).write_text(json.dumps(ge.realistic_works()), encoding="utf-8")
        return 0
    works = next((json.loads(Path(a.split("=", 1)[1]).read_text(encoding="utf-8"))
                  for a in argv if a.startswith("--works=")), None)
    if "--no-authors" in argv:              # the truth works as they were before scripts/truth_authors.py
        plain = ge.truth_works
        ge.truth_works = lambda: [dict(w, authors=[]) for w in plain()]
    papers = int(next((a.split("=", 1)[1] for a in argv if a.startswith("--papers=")), ge.NAMES_PAPERS))
    url = next((a.split("=", 1)[1] for a in argv if a.startswith("--url=")), None)   # a stand-in already serving them
    with contextlib.nullcontext(type("Served", (), {"url": url})) if url else \
            ge.realistic_standin(papers, works, namesakes="--no-namesakes" not in argv) as standin:
        for group in groups:         # one line over many parts; page names prefixed by their part
            docs = [dataclasses.replace(d, name=f"{part}/{d.name}") for part in DEV
                    if group_half(part, group) != "none"
                    for d in half(ge.load(part, links=False), group_half(part, group))]
            sc = ge.score_online(docs, aliases, standin.url)
            res = ge.resolve_names(docs, aliases, standin.url)
            print(line(group, sc, res), flush=True)
            if "--wrong" in argv and group == "tuning":
                print_wrong(sc, res, lambda doc: False)
        for part in parts if not groups else []:
            docs = half(ge.load(part, links=False), which)
            sc = ge.score_online(docs, aliases, standin.url)
            res = ge.resolve_names(docs, aliases, standin.url)
            print(line(part + ("" if which == "all" else " " + which), sc, res), flush=True)
            if "--wrong" in argv:
                print_wrong(sc, res, lambda doc, part=part: ge.held_aside(part, doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
