"""Fill the ``authors`` of the grounding evaluation's truth works, mechanically, from what is
available offline, so that the online evaluation can confirm an author reference ("Irving &
Amodei, 2018") the way the real API would (it returns every author of a paper).

    python scripts/truth_authors.py            # every part, the seed and unseen truths
    python scripts/truth_authors.py --check    # exit 1 when a file would change

Where the names come from, most trusted first:

1. **recorded**: a real work with the same arXiv id or the same normalised title in kb's own
   real works (``kb/standin/works/*.jsonl``, ``data/theme_labels*.jsonl``: full names as
   published) or in the recorded Semantic Scholar answers (``/work/shared/s2-recorded``: the
   API's own author lists);
2. **recorded, forum**: an Alignment Forum post of the same title
   (``/work/shared/forum-recorded/alignment-forum-posts.csv``): its author's display name when it
   is written as a person's name (``Rohin Shah``, ``Stuart_Armstrong``), not a handle (``evhub``);
3. **inferred from the citing text**: the names the truth's own author references give for the
   work (kind ``author-ref``), in order: ``Irving, Christiano & Amodei (2018)`` gives three
   surnames, ``Geoffrey Irving`` a full name that fills the surname ``Irving`` in; ``et al.``
   gives the first author only. A lone name without year, ``et al.`` or a second author
   (``Scott's post``) may be a given name: it counts only when it is a fuller name's surname or
   begins the work's key (``turing1950``). Organisations (``Anthropic, 2024``) are not authors.
   A surname that the recorded works give to one person only (``Hubinger``: Evan Hubinger)
   is written as that person's full name.

A work whose authors nothing establishes keeps none. Each work filled gets ``authors_from``
(``recorded``, ``forum`` or ``inferred``) so the evaluation can say what it measured; a work's
existing ``authors`` are never overwritten. The script prints counts only: it runs over the
held-out parts too, whose results nobody reads (only the lead scores them).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.standin.namesakes import PARTICLES, surname  # noqa: E402  (one rule for a name's surname, as the stand-in splits it)
EVAL = ROOT / "tests" / "data" / "grounding_eval"
S2_RECORDED = Path("/work/shared/s2-recorded")
FORUM_RECORDED = Path("/work/shared/forum-recorded/alignment-forum-posts.csv")

ORGANISATIONS = frozenset(
    "anthropic openai deepmind google microsoft meta apple nvidia amazon ibm redwood miri metr epoch conjecture "
    "apollo eleutherai openphil cais arc far union government commission congress parliament hours takes "
    "forum lesswrong wikipedia philanthropy safety bytebytego institute foundation university college lab labs research team "
    "group center centre council society association committee agency office department ministry".split())
MONTHS = frozenset("jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
                   "august september october november december".split())
ARTICLES = frozenset("the a an".split())


# -- names from a surface ------------------------------------------------------------------------

def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


def _is_initial(tok: str) -> bool:
    return re.fullmatch(r"(?:[A-Z]\.?-?){1,3}", tok) is not None and (len(tok) == 1 or "." in tok)


def _name_token(tok: str) -> bool:
    """A capitalised word of a name (``McCain``, ``Daniels-Koch``, ``Tramèr``) or an initial."""
    if _is_initial(tok):
        return True
    if re.fullmatch(r"[A-Z]{2,}\W*", tok):          # MIRI, HH: an acronym, not a name
        return False
    return re.fullmatch(r"[^\W\d_][\w'’\-]*", tok) is not None and tok[0].isupper() and not any(c.isdigit() for c in tok)


def _piece_name(piece: str) -> str | None:
    """The name a comma- or and-separated piece of a reference holds: skip leading lower-case
    words and articles ("the work of Tversky"), then the longest run of name words, particles
    inside (``van Merwijk``, ``de Witt``), ending at the first other word ("Gao merges")."""
    toks = piece.split()
    if any(_fold(t.strip(".,:;!?")) in ORGANISATIONS for t in toks) or \
            (len(toks) == 1 and _fold(toks[0].strip(".")) in MONTHS):
        return None                                      # "Future of Life Institute", "new paper by Anthropic"
    i = 0
    while i < len(toks) and not (_name_token(toks[i]) and toks[i].casefold() not in ARTICLES) \
            and not (toks[i] in PARTICLES and i + 1 < len(toks) and _name_token(toks[i + 1])):
        if _name_token(toks[i]) is False and re.fullmatch(r"[A-Z]{2,}\W*", toks[i]):
            return None                                  # an acronym leads: an organisation
        i += 1
    run = []
    while i < len(toks):
        t = toks[i]
        if _name_token(t) and (run or t.casefold() not in ARTICLES):
            run.append(t)
        elif t in PARTICLES and i + 1 < len(toks) and _name_token(toks[i + 1]):
            run.append(t)
        else:
            break
        i += 1
    if not run or all(_is_initial(t) or t in PARTICLES for t in run):
        return " ".join(run) or None                   # initials alone: joined to a surname by the caller
    return " ".join(run)


def names_in(surface: str) -> tuple[list[str], bool]:
    """The names an author reference writes, in order, and whether it is a citation (a year,
    ``et al.``, several authors) rather than a lone name that might be a first name."""
    s = surface.strip()
    if not re.search(r"[A-Z]", s):                       # "amodei et al." written in lower case
        head = re.split(r"(?i)\bet\.?\s*al\b", s, maxsplit=1)
        s = (head[0].title() + " et al" + head[1]) if len(head) == 2 else ""
    s = re.sub(r"(\w)- (\w)", r"\1\2", s)               # "Saun- ders": a hyphenated line break
    s = re.split(r"[’'](?:s\b)?(?=\s|$)", s, maxsplit=1)[0]   # "Wang et al.'s IOI circuit", "Dettmers’"
    s = re.sub(r"[\[\](){}]", " ", s)
    etal = re.search(r"(?i)\bet\.?\s*al\b", s) is not None
    s = re.split(r"(?i)\bet\.?\s*al\b", s, maxsplit=1)[0]
    year = re.search(r"\b(?:1[89]|20)\d\d[a-z]?\b", s) is not None
    s = re.sub(r"\b(?:1[89]|20)\d\d[a-z]?(?:,[a-z])?\b|#\d+|\b\d+\b", " ", s)
    s = re.sub(r"(?<=[a-z]{2})\.\s+(?=[A-Z][a-z])", ", ", s)   # "Everitt. Lea": a stray full stop
    pieces = re.split(r"\s*(?:,|;|&|\band\b|\s-\s)\s*", s)
    names: list[str] = []
    for piece in pieces:
        name = _piece_name(piece)
        if not name:
            continue
        if all(_is_initial(t) for t in name.split()):
            if names and surname(names[-1]) == names[-1]:   # "Hubinger, E.", "van Merwijk, C.": initials after a surname
                names[-1] = f"{name} {names[-1]}"
            continue
        names.append(name)
    return names, bool(etal or year or len(names) > 1)


def _key_surname(key: str) -> str:
    return re.sub(r"[^a-z]", "", re.match(r"[^\d_]*", _fold(key)).group(0))


def inferred_authors(key: str, surfaces: list[str]) -> list[str]:
    """One work's authors from the author references naming it: the longest ordered list
    first, then fuller names fill in surnames and names not yet listed follow."""
    cited, lone = [], []
    for s in surfaces:
        names, citation = names_in(s)
        if names:
            (cited if citation else lone).append(names)
    cited.sort(key=len, reverse=True)
    out: list[str] = []

    def add(name: str, *, new_ok: bool) -> None:
        sur = _fold(surname(name))
        for i, have in enumerate(out):
            if _fold(surname(have)) == sur:
                if len(name.split()) > len(have.split()):
                    out[i] = name                        # "Irving" -> "Geoffrey Irving"
                return
            if len(have.split()) > 1 and _fold(have.split()[0]) == _fold(name) and len(name.split()) == 1:
                return                                   # "Ajeya" beside "Ajeya Cotra": the given name
        if new_ok:
            out.append(name)

    for names in cited:
        for n in names:
            add(n, new_ok=True)
    for names in lone:
        for n in names:
            multi = len(n.split()) > 1
            add(n, new_ok=multi or _key_surname(key).startswith(re.sub(r"[^a-z]", "", _fold(n))))
    return out


# -- recorded names --------------------------------------------------------------------------------

def _norm_title(t: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", _fold(t)).split())


def _norm_arxiv(a) -> str:
    return re.sub(r"v\d+$", "", str(a or "").strip().lower().removeprefix("arxiv:"))


def recorded_index() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, set[str]]]:
    """(arXiv id -> authors, normalised title -> authors, folded surname -> the full names
    that carry it) from kb's real works and the recorded Semantic Scholar answers; the first
    source to give a title wins."""
    by_arxiv: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    people: dict[str, set[str]] = {}

    def put(title, arxiv, names):
        names = [n.strip() for n in names if isinstance(n, str) and n.strip()]
        if not names or not title:
            return
        for n in names:
            if len(n.split()) > 1:
                people.setdefault(_fold(surname(n)), set()).add(n)
        by_title.setdefault(_norm_title(title), names)
        if arxiv:
            by_arxiv.setdefault(_norm_arxiv(arxiv), names)

    files = sorted((ROOT / "kb" / "standin" / "works").glob("*.jsonl")) + sorted((ROOT / "data").glob("theme_labels*.jsonl"))
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                w = json.loads(line)
                put(w.get("title"), w.get("arxiv"), w.get("authors") or [])

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("title"), str) and isinstance(o.get("authors"), list):
                ext = o.get("externalIds") or {}
                put(o["title"], ext.get("ArXiv") if isinstance(ext, dict) else None,
                    [a.get("name") for a in o["authors"] if isinstance(a, dict)])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    if S2_RECORDED.is_dir():
        import yaml

        for f in sorted(S2_RECORDED.rglob("*")):
            bodies = []
            if f.suffix == ".json":
                bodies = [f.read_text(encoding="utf-8")]
            elif f.suffix == ".yaml":
                for i in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("interactions") or []:
                    r = i.get("response") or {}
                    bodies.append((r.get("body") or {}).get("string") if "body" in r else r.get("content"))
            for b in bodies:
                try:
                    walk(json.loads(b))
                except (TypeError, ValueError):
                    continue
    return by_arxiv, by_title, people


def forum_index() -> dict[str, list[str]]:
    """Normalised post title -> [its author], when the display name is written as a person's
    name (two or more capitalised words once underscores are spaces)."""
    out: dict[str, list[str]] = {}
    if not FORUM_RECORDED.is_file():
        return out
    with FORUM_RECORDED.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = " ".join((row.get("author") or "").replace("_", " ").split())
            if re.fullmatch(r"[A-Z][\w'\-]*(?: [A-Z][\w'.\-]*)+", name):
                out.setdefault(_norm_title(row["title"]), [name])
    return out


# -- the files -------------------------------------------------------------------------------------

def truth_files() -> list[Path]:
    return sorted(EVAL.glob("*/truth.json")) + [ROOT / "tests" / "data" / "seed_truth.json",
                                                ROOT / "tests" / "data" / "unseen_docs" / "truth.json"]


def _refs_by_work(truth: dict) -> dict[str, list[str]]:
    refs: dict[str, list[str]] = {}
    mentions = [m for d in (truth.get("documents") or {}).values() for m in d.get("mentions") or []]
    mentions += truth.get("mentions") or []
    for m in mentions:
        if (m.get("kind") or m.get("style")) == "author-ref" and m.get("work"):
            refs.setdefault(m["work"], []).append(m["surface"])
    return refs


def _dump_like(raw: str, data: dict) -> str:
    """``data`` written in the file's own layout (indent, escaping, final newline)."""
    old = json.loads(raw)
    for indent in (1, 2, 4, None):
        for ascii_ in (False, True):
            s = json.dumps(old, indent=indent, ensure_ascii=ascii_)
            for end in ("", "\n"):
                if s + end == raw:
                    return json.dumps(data, indent=indent, ensure_ascii=ascii_) + end
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _one_person(name: str, people: dict[str, set[str]]) -> str:
    """``name``'s full form when it is a surname the recorded works give to one person only,
    written with a given name (``Hubinger``: Evan Hubinger; not ``S. Na``, an initial)."""
    if len(name.split()) > 1:
        return name
    carriers = people.get(_fold(name), set())
    if len(carriers) == 1:
        full = next(iter(carriers))
        if not _is_initial(full.split()[0]):
            return full
    return name


def fill(truth: dict, by_arxiv, by_title, people, forum) -> dict[str, int]:
    counts = {"works": 0, "recorded": 0, "forum": 0, "inferred": 0, "none": 0, "kept": 0}
    refs = _refs_by_work(truth)
    for key, w in (truth.get("works") or {}).items():
        counts["works"] += 1
        if w.get("authors"):
            counts["kept"] += 1
            continue
        names, source = None, None
        if w.get("arxiv") and _norm_arxiv(w["arxiv"]) in by_arxiv:
            names, source = by_arxiv[_norm_arxiv(w["arxiv"])], "recorded"
        elif w.get("title") and _norm_title(w["title"]) in by_title:
            names, source = by_title[_norm_title(w["title"])], "recorded"
        else:
            names = inferred_authors(key, refs.get(key, []))
            # a surname the recorded works give to one person only is that person's
            names = [_one_person(n, people) for n in names]
            source = "inferred" if names else None
            if not names and (w.get("kind") or "paper") != "paper" and _norm_title(w.get("title") or "") in forum:
                # a post's author; a paper's linkpost is often posted by its second author
                names, source = forum[_norm_title(w["title"])], "forum"
        if names:
            w["authors"] = list(names)
            w["authors_from"] = source
            counts[source] += 1
        else:
            counts["none"] += 1
    return counts


def main(argv: list[str]) -> int:
    by_arxiv, by_title, people = recorded_index()
    forum = forum_index()
    changed = []
    for f in truth_files():
        raw = f.read_text(encoding="utf-8")
        truth = json.loads(raw)
        counts = fill(truth, by_arxiv, by_title, people, forum)
        new = _dump_like(raw, truth)
        if new != raw:
            changed.append(f)
            if "--check" not in argv:
                f.write_text(new, encoding="utf-8")
        part = f.parent.name
        # counts only, and none for a held-out part
        if not part.startswith("heldout"):
            print(f"{part:12} " + " ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"{len(changed)} file(s) {'would change' if '--check' in argv else 'written'}")
    return 1 if ("--check" in argv and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
