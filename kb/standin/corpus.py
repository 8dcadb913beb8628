"""The stand-in's papers and citation graph, held in memory and rendered as API JSON.

The stand-in is only as useful as its data is realistic: a crawler tested against a toy graph
of ten papers never meets a hub with 10,000 citers, a paper that cites nothing, a DOI in upper
case, or a citations list that grows between two runs. ``Corpus`` therefore stores API-shaped
records (the same keys and value shapes as the real Graph API), a reference/citation
adjacency over integer indices, and the id indexes the real API resolves (sha, CorpusId, DOI,
arXiv). Rendering is cached per (paper, field spec) because a crawler asks for the same field
list thousands of times and the server must answer 1000-edge pages hundreds of times a second
on a small machine; any mutation drops the caches, so answers never go stale.

Orders follow the real API: citations newest first (publication date descending, then the
most recently added citer first), references in a stable insertion order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import random
import re
import threading
from pathlib import Path
from typing import Any, Iterator

from kb.standin import scale
from kb.standin.fields import AUTHOR_FIELDS, EdgeSpec, PaperSpec

WORKS_DIR = Path(__file__).resolve().parent / "works"
S2_PAPER_URL = "https://www.semanticscholar.org/paper/"
S2_AUTHOR_URL = "https://www.semanticscholar.org/author/"
#: The real API never nests more than this many citations/references inside one paper.
NESTED_LIST_CAP = 1000

_TOKEN = re.compile(r"[^\W_]+")
_ARXIV_VERSION = re.compile(r"v\d+$", re.IGNORECASE)
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
#: Id prefixes the real API takes besides sha, CorpusId, DOI, ARXIV and URL -> externalIds key.
_EXTERNAL_FORMS = {"mag": "MAG", "acl": "ACL", "pmid": "PubMed", "pmcid": "PubMedCentral"}


# -- ids ---------------------------------------------------------------------------------------

def normalize_title(title: str | None) -> str:
    """Lower-case words joined by single spaces: how titles are compared and hashed."""
    return " ".join(_TOKEN.findall((title or "").casefold()))


def normalize_arxiv(arxiv: str) -> str:
    """``arXiv:2111.02080v2`` and ``https://arxiv.org/abs/2111.02080`` both become ``2111.02080``."""
    a = arxiv.strip()
    for prefix in ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "https://arxiv.org/pdf/",
                   "http://arxiv.org/pdf/", "arxiv.org/abs/", "arxiv.org/pdf/"):
        if a.lower().startswith(prefix):
            a = a[len(prefix):]
            break
    if a.lower().startswith("arxiv:"):
        a = a[6:]
    if a.lower().endswith(".pdf"):
        a = a[:-4]
    return _ARXIV_VERSION.sub("", a.strip().strip("/"))


def normalize_doi(doi: str) -> str:
    """DOIs are case-insensitive; the index keys them lower-cased without resolver prefixes."""
    d = doi.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
                   "doi:"):
        if d.lower().startswith(prefix):
            d = d[len(prefix):]
            break
    return d.lower()


def work_key(work: dict) -> str:
    """The identity a real work is known by: its arXiv id, else its DOI, else its title."""
    if work.get("arxiv"):
        return "ARXIV:" + normalize_arxiv(str(work["arxiv"]))
    if work.get("doi"):
        return "DOI:" + normalize_doi(str(work["doi"]))
    return normalize_title(work.get("title"))


def standin_paper_id(work: dict) -> str:
    """A deterministic 40-hex paperId for a real work, stable across corpora and seeds.

    Tests and the seed files name works by title or external id, never by a sha, so the sha
    must be derivable from the work alone: ``sha1("standin:" + work_key(work))``.
    """
    return hashlib.sha1(("standin:" + work_key(work)).encode("utf-8")).hexdigest()


def default_works_files() -> list[Path]:
    """Every ``kb/standin/works/*.jsonl`` (none is fine: the directory may be empty)."""
    return sorted(WORKS_DIR.glob("*.jsonl")) if WORKS_DIR.is_dir() else []


def load_works(path: str | Path) -> list[dict]:
    """The ``kind == "paper"`` entries of a real-works JSONL file (missing file: none).

    Books and forum posts are listed in the same files for other parts of kb, but the real
    API does not serve them as papers, so neither does the stand-in.
    """
    from kb.errors import UsageError

    p = Path(path)
    if not p.is_file():
        return []
    works: list[dict] = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{p}:{lineno}: not a JSON object ({exc.msg})") from None
        if not isinstance(obj, dict) or not obj.get("title"):
            raise UsageError(f"{p}:{lineno}: a work needs at least a title")
        if (obj.get("kind") or "paper") == "paper":
            works.append(obj)
    return works


# -- edge metadata -----------------------------------------------------------------------------

_CONTEXT_SENTENCES = (
    "Prior work has studied this problem in a closely related setting [{n}].",
    "We build on the framework introduced in [{n}].",
    "Our evaluation protocol follows [{n}].",
    "This observation is consistent with the results reported in [{n}].",
    "Several approaches have been proposed to address this issue [{n}, {m}].",
    "We use the same training objective as [{n}].",
    "In contrast to [{n}], our method does not require human labels.",
    "A related line of work considers adversarial settings [{n}].",
    "Following [{n}], we measure performance on held-out tasks.",
    "This extends earlier theoretical analysis [{n}] to the multi-agent case.",
    "The benchmark was introduced by [{n}].",
    "Recent surveys [{n}] discuss open problems in this area.",
)
_INTENT_SETS = (("background",), ("methodology",), ("result",), ("background", "methodology"),
                ("background", "result"), (), ())


def _make_edge_variants(n: int = 97) -> list[dict]:
    rng = random.Random(20240611)
    variants = []
    for _ in range(n):
        k = rng.choice((0, 1, 1, 1, 2, 2, 3))
        contexts, with_intent = [], []
        all_intents: list[str] = []
        for _ in range(k):
            sentence = rng.choice(_CONTEXT_SENTENCES).format(n=rng.randint(1, 60), m=rng.randint(1, 60))
            intents = list(rng.choice(_INTENT_SETS))
            contexts.append(sentence)
            with_intent.append({"context": sentence, "intents": intents})
            all_intents += [i for i in intents if i not in all_intents]
        variants.append({"contexts": contexts, "intents": all_intents,
                         "contextsWithIntent": with_intent,
                         "isInfluential": rng.random() < 0.12})
    return variants


_EDGE_VARIANTS = _make_edge_variants()


def _edge_variant(citing: int, cited: int) -> int:
    return (((citing * 2654435761) ^ (cited * 2246822519)) & 0xFFFFFFFF) % len(_EDGE_VARIANTS)


# -- records -----------------------------------------------------------------------------------

_RECORD_DEFAULTS: dict[str, Any] = {
    "externalIds": None, "corpusId": None, "publicationVenue": None, "url": None, "title": "",
    "abstract": None, "venue": "", "year": None, "isOpenAccess": False, "openAccessPdf": None,
    "fieldsOfStudy": None, "s2FieldsOfStudy": [], "tldr": None, "publicationTypes": None,
    "publicationDate": None, "journal": None, "citationStyles": None, "authors": [],
}
_COUNT_FIELDS = ("referenceCount", "citationCount", "influentialCitationCount")
#: What S2 knows about an unresolved bibliography entry (``paperId: null``); the rest is null.
_STUB_KEPT = frozenset({"title", "venue", "year", "authors"})


def _date_key(rec: dict) -> int:
    date = rec.get("publicationDate")
    if date:
        try:
            return dt.date.fromisoformat(str(date)[:10]).toordinal()
        except ValueError:
            pass
    year = rec.get("year")
    if isinstance(year, int) and 1 <= year <= 9999:
        return dt.date(year, 1, 1).toordinal()
    return 0


def make_bibtex(rec: dict) -> str:
    """A BibTeX entry in the layout S2 serves in ``citationStyles.bibtex``."""
    authors = [a.get("name") or "" for a in rec.get("authors") or []]
    title = rec.get("title") or ""
    year = rec.get("year")
    last = (authors[0].split()[-1] if authors and authors[0].split() else "Anonymous")
    words = _TOKEN.findall(title)
    key = re.sub(r"[^A-Za-z]", "", last) + (str(year) if year else "") + \
        (words[0].capitalize() if words else "") + "".join(w[0].upper() for w in words[1:3])
    journal = rec.get("journal") or {}
    kinds = rec.get("publicationTypes") or []
    entry = "Inproceedings" if "Conference" in kinds and "JournalArticle" not in kinds else (
        "Book" if "Book" in kinds else "Article")
    lines = [f"@{entry}{{{key},"]
    if authors:
        lines.append(f" author = {{{' and '.join(authors)}}},")
    if rec.get("venue"):
        lines.append(f" booktitle = {{{rec['venue']}}},")
    if journal.get("name"):
        lines.append(f" journal = {{{journal['name']}}},")
    if journal.get("pages"):
        lines.append(f" pages = {{{journal['pages']}}},")
    lines.append(f" title = {{{title}}},")
    if journal.get("volume"):
        lines.append(f" volume = {{{journal['volume']}}},")
    if year:
        lines.append(f" year = {{{year}}}")
    else:
        lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n"


class Corpus:
    """Papers (API-shaped records) and who-cites-whom, with the lookups the real API offers.

    Papers are addressed internally by a dense integer index; stubs (papers S2 knows only as
    an unresolved bibliography entry, served with ``paperId: null``) live in the same arrays
    but are not reachable by any id. All mutation goes through ``add_paper``/``add_stub``/
    ``add_citation`` under one lock and clears every render cache.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: list[dict] = []
        self._refs: list[list[int]] = []
        self._cits: list[list[int]] = []
        self._date: list[int] = []
        self._by_sha: dict[str, int] = {}
        self._by_corpus: dict[int, int] = {}
        self._by_doi: dict[str, int] = {}
        self._by_arxiv: dict[str, int] = {}
        # MAG:, ACL:, PMID:, PMCID: ids, keyed by (externalIds key, value).
        self._by_external: dict[tuple[str, str], int] = {}
        self._authors: dict[str, dict] = {}
        self._edge_meta: dict[tuple[int, int], dict] = {}
        self._next_corpus_id = 300_000_000
        self._render_cache: dict[PaperSpec, dict[int, str]] = {}
        self._prefix_cache: dict[tuple, str] = {}
        self._author_stats: dict[str, tuple[int, int, int]] | None = None
        self._search = None
        self.version = 0
        self.hub_id: str | None = None
        self.work_ids: list[str] = []
        self.namesake_slots = 0          # author entries kb.standin.namesakes placed
        self.seed: int | None = None
        # Lazy citers (kb.standin.scale): work index -> how many, and the works by number.
        self._lazy: dict[int, int] = {}
        self._lazy_works: list[int] = []
        self._lazy_end = 0
        self._lazy_records: dict[int, dict] = {}
        self._lazy_positions: dict[int, list[int]] = {}
        self._older: tuple | None = None
        self._topics: dict | None = None
        # What kb.standin.oddities.add_oddities gave this corpus (None: a tidy corpus).
        self.oddities = None

    # -- size and lookup -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_sha)

    @property
    def edge_count(self) -> int:
        return sum(len(r) for r in self._refs)

    def paper_ids(self) -> list[str]:
        """Every resolvable paperId, in internal (for generated corpora: chronological) order."""
        return [r["paperId"] for r in self._records if r["paperId"] is not None]

    def resolve(self, paper_id: str) -> int | None:
        """The internal index for any id form the real API accepts, or None.

        Forms: 40-hex sha, ``CorpusId:n``, ``DOI:x`` or a bare ``10.x/...`` DOI, ``ARXIV:x``,
        ``MAG:n``, ``ACL:x``, ``PMID:n``, ``PMCID:n``, ``URL:`` with an arxiv.org or
        semanticscholar.org paper URL; prefixes are case-insensitive.
        """
        pid = (paper_id or "").strip()
        if not pid:
            return None
        if _SHA.match(pid):
            found = self._by_sha.get(pid.lower())
            if found is None and self._lazy:
                found = self._lazy_index(scale.parse_lazy_paper_id(self.seed, pid))
            return found
        prefix, colon, rest = pid.partition(":")
        p = prefix.lower()
        if colon and p == "corpusid":
            try:
                cid = int(rest.strip())
            except ValueError:
                return None
            found = self._by_corpus.get(cid)
            if found is None and self._lazy:
                found = self._lazy_index(scale.parse_lazy_corpus_id(cid))
            return found
        if colon and p == "doi":
            return self._by_doi.get(normalize_doi(rest))
        if colon and p == "arxiv":
            return self._by_arxiv.get(normalize_arxiv(rest))
        if colon and p == "url":
            return self._resolve_url(rest.strip())
        if colon and p in _EXTERNAL_FORMS:
            return self._by_external.get((_EXTERNAL_FORMS[p], rest.strip().lower()))
        if pid.startswith("10.") and "/" in pid:
            return self._by_doi.get(normalize_doi(pid))
        return None

    def _resolve_url(self, url: str) -> int | None:
        low = url.lower()
        if "arxiv.org/" in low:
            return self._by_arxiv.get(normalize_arxiv(url[low.index("arxiv.org/"):]))
        if "semanticscholar.org/paper/" in low:
            tail = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            return self._by_sha.get(tail.lower()) if _SHA.match(tail) else None
        if "doi.org/" in low:
            return self._by_doi.get(normalize_doi(url))
        return None

    def _lazy_index(self, decoded: tuple[int, int] | None) -> int | None:
        if decoded is None:
            return None
        work_no, k = decoded
        if work_no >= len(self._lazy_works) or k >= self._lazy[self._lazy_works[work_no]]:
            return None
        return scale.lazy_index(work_no, k)

    def index_of(self, ref: str | int) -> int:
        """The internal index of a paperId/id form, or an internal index passed through."""
        if isinstance(ref, int):
            if ref >= scale.LAZY_BASE and self._lazy_index(scale.split_index(ref)) == ref:
                return ref
            if not 0 <= ref < len(self._records):
                raise KeyError(ref)
            return ref
        idx = self.resolve(ref)
        if idx is None:
            raise KeyError(ref)
        return idx

    def paper_id(self, idx: int) -> str | None:
        return self._rec(idx)["paperId"]

    def record(self, ref: str | int) -> dict:
        """The full API-shaped record (counts computed now; no nested lists, no embedding)."""
        idx = self.index_of(ref)
        return self._paper_obj(idx, PaperSpec(fields=_ALL_FLAT_FIELDS, author_fields=AUTHOR_FIELDS))

    def citations_of(self, ref: str | int) -> list[str | None]:
        """Citing paperIds in served order (newest first); None for stub citers."""
        idx = self.index_of(ref)
        return [self.paper_id(j) for j in self._window(idx, "citations", 0, self.list_length(idx, "citations"))]

    def references_of(self, ref: str | int) -> list[str | None]:
        """Cited paperIds in served order; None for stub (unresolved) references."""
        return [self.paper_id(j) for j in self._ref_list(self.index_of(ref))]

    def edges(self) -> Iterator[tuple[str | None, str | None]]:
        """Every (citing, cited) pair, as paperIds (None for stubs)."""
        for i, refs in enumerate(self._refs):
            a = self._records[i]["paperId"]
            for j in refs:
                yield a, self._records[j]["paperId"]

    # -- mutation --------------------------------------------------------------------------

    def _changed(self, *, reindex: bool = False) -> None:
        self.version += 1
        self._lazy_positions = {}
        self._render_cache = {}
        self._prefix_cache = {}
        self._author_stats = None
        if reindex:
            self._search = None

    def _alloc_corpus_id(self, preferred: int | None = None) -> int:
        if preferred is not None:
            cid = preferred
            while cid in self._by_corpus:
                cid += 1
            return cid
        while self._next_corpus_id in self._by_corpus:
            self._next_corpus_id += 1
        cid = self._next_corpus_id
        self._next_corpus_id += 1
        return cid

    def _index_ids(self, idx: int, rec: dict) -> None:
        if rec["paperId"] is None:
            return
        self._by_sha[rec["paperId"]] = idx
        if rec.get("corpusId") is not None:
            self._by_corpus[int(rec["corpusId"])] = idx
        ext = rec.get("externalIds") or {}
        if ext.get("DOI"):
            self._by_doi.setdefault(normalize_doi(str(ext["DOI"])), idx)
        if ext.get("ArXiv"):
            self._by_arxiv.setdefault(normalize_arxiv(str(ext["ArXiv"])), idx)
        for key in _EXTERNAL_FORMS.values():
            if ext.get(key):
                self._by_external.setdefault((key, str(ext[key]).strip().lower()), idx)

    def _unindex_ids(self, idx: int, rec: dict) -> None:
        for index, key in ((self._by_corpus, rec.get("corpusId")),
                           (self._by_doi, normalize_doi(str((rec.get("externalIds") or {}).get("DOI") or ""))),
                           (self._by_arxiv, normalize_arxiv(str((rec.get("externalIds") or {}).get("ArXiv") or "")))):
            if key is not None and index.get(key) == idx:
                del index[key]
        ext = rec.get("externalIds") or {}
        for key in _EXTERNAL_FORMS.values():
            if ext.get(key) and self._by_external.get((key, str(ext[key]).strip().lower())) == idx:
                del self._by_external[(key, str(ext[key]).strip().lower())]

    def _normalize_record(self, fields: dict, *, stub: bool) -> dict:
        rec: dict[str, Any] = {}
        pid = None if stub else fields.get("paperId")
        if not stub:
            if not pid:
                pid = hashlib.sha1(("standin:" + normalize_title(fields.get("title"))).encode()).hexdigest()
                if pid in self._by_sha:
                    pid = hashlib.sha1(f"standin:{pid}:{len(self._records)}".encode()).hexdigest()
            pid = str(pid).lower()
        rec["paperId"] = pid
        for key, default in _RECORD_DEFAULTS.items():
            if stub and key not in _STUB_KEPT:
                default = None
            value = fields.get(key, default)
            rec[key] = list(value) if isinstance(value, list) else value
        declared = {k: int(fields[k]) for k in _COUNT_FIELDS if isinstance(fields.get(k), int)}
        rec["_declared"] = declared or None
        rec["_keywords"] = fields.get("_keywords")
        rec["_stub"] = stub
        if rec["year"] is None and rec["publicationDate"] and str(rec["publicationDate"])[:4].isdigit():
            rec["year"] = int(str(rec["publicationDate"])[:4])
        if not stub:
            ext = dict(rec["externalIds"] or {})
            if rec["corpusId"] is None:
                rec["corpusId"] = ext.get("CorpusId") if isinstance(ext.get("CorpusId"), int) else None
            if rec["url"] is None:
                rec["url"] = S2_PAPER_URL + pid
            rec["externalIds"] = ext
        authors = []
        for a in rec["authors"] or []:
            if isinstance(a, str):
                a = {"authorId": None, "name": a}
            ref = {"authorId": a.get("authorId"), "name": a.get("name")}
            extra = {k: v for k, v in a.items() if k in AUTHOR_FIELDS and k not in ref}
            if extra and ref["authorId"]:
                self._authors.setdefault(ref["authorId"], {}).update(extra)
            authors.append(ref)
        rec["authors"] = authors
        return rec

    def add_paper(self, record: dict | None = None, **fields: Any) -> str:
        """Add (or update, if its paperId exists) a paper; returns its paperId.

        Takes any subset of the API's paper fields (a real API response works as-is); missing
        fields get the values the real API uses for unknown data (null, "", []). Counts given
        here are a floor: the served count is the larger of it and the graph's own count.
        """
        data = {**(record or {}), **fields}
        with self._lock:
            existing = self.resolve(str(data["paperId"])) if data.get("paperId") else None
            if existing is not None:
                old = self._records[existing]
                merged = {k: v for k, v in old.items() if not k.startswith("_")}
                merged.update(old["_declared"] or {})
                merged.update(data)
                rec = self._normalize_record(merged, stub=False)
                if rec["corpusId"] is None:
                    rec["corpusId"] = old["corpusId"]
                    rec["externalIds"].setdefault("CorpusId", old["corpusId"])
                self._unindex_ids(existing, old)
                self._records[existing] = rec
                self._index_ids(existing, rec)
                if _date_key(rec) != self._date[existing]:
                    self._date[existing] = _date_key(rec)
                    date = self._date
                    for b in self._refs[existing]:  # its place in newest-first lists moved
                        self._cits[b] = sorted(self._cits[b], key=lambda j: (-date[j], -j))
                self._changed(reindex=True)
                return rec["paperId"]
            rec = self._normalize_record(data, stub=False)
            if rec["corpusId"] is None or rec["corpusId"] in self._by_corpus:
                rec["corpusId"] = self._alloc_corpus_id()
            rec["externalIds"]["CorpusId"] = rec["corpusId"]
            self._append(rec)
            return rec["paperId"]

    def add_stub(self, title: str, **fields: Any) -> int:
        """Add a paper S2 cannot resolve (served with ``paperId: null``); returns its index."""
        with self._lock:
            rec = self._normalize_record({**fields, "title": title}, stub=True)
            return self._append(rec)

    def _append(self, rec: dict) -> int:
        idx = len(self._records)
        self._records.append(rec)
        self._refs.append([])
        self._cits.append([])
        self._date.append(_date_key(rec))
        self._index_ids(idx, rec)
        self._changed()
        if self._search is not None:
            self._search.add(idx, rec)
        return idx

    def add_citation(self, citing: str | int, cited: str | int, *, contexts: list[str] | None = None,
                     intents: list[str] | None = None, is_influential: bool | None = None,
                     contexts_with_intent: list[dict] | None = None) -> bool:
        """Record that ``citing`` cites ``cited``; returns False if the edge already existed.

        The citer is placed in the cited paper's list by publication date (newest first),
        ahead of older-added citers with the same date, as the real API lists citations.
        Edge metadata given here is served verbatim instead of the generated contexts.
        """
        with self._lock:
            a, b = self.index_of(citing), self.index_of(cited)
            if a in self._cits[b]:
                return False
            self._refs[a].append(b)
            date = self._date
            bisect.insort(self._cits[b], a, key=lambda j: (-date[j], -j))
            meta = {}
            if contexts is not None:
                meta["contexts"] = list(contexts)
            if intents is not None:
                meta["intents"] = list(intents)
            if contexts_with_intent is not None:
                meta["contextsWithIntent"] = list(contexts_with_intent)
            if is_influential is not None:
                meta["isInfluential"] = bool(is_influential)
            if meta:
                self._edge_meta[(a, b)] = meta
            self._changed()
            return True

    def set_edges(self, refs: list[list[int]]) -> None:
        """Replace the whole graph at once (generation): ``refs[i]`` = indices paper i cites.

        Citation lists are derived and sorted newest first here, in one pass, because sorting
        a million edges one ``add_citation`` at a time would take far too long.
        """
        with self._lock:
            n = len(self._records)
            cits: list[list[int]] = [[] for _ in range(n)]
            for i, rs in enumerate(refs):
                for j in rs:
                    cits[j].append(i)
            date = self._date
            for j, cs in enumerate(cits):
                if len(cs) > 1:
                    cs.sort(key=lambda c: (date[c], c), reverse=True)
            self._refs = [list(r) for r in refs]
            self._cits = cits
            self._changed()

    def set_sorted_edges(self, refs: list[list[int]], cits: list[list[int]]) -> None:
        """Install adjacency already in served order (the fast path for generation)."""
        with self._lock:
            self._refs = refs
            self._cits = cits
            self._changed()

    def copy(self) -> "Corpus":
        """An independent corpus with the same papers and edges, for tests that mutate."""
        with self._lock:
            other = Corpus()
            other._records = [dict(r) for r in self._records]
            other._refs = [list(r) for r in self._refs]
            other._cits = [list(c) for c in self._cits]
            other._date = list(self._date)
            other._by_sha = dict(self._by_sha)
            other._by_corpus = dict(self._by_corpus)
            other._by_doi = dict(self._by_doi)
            other._by_arxiv = dict(self._by_arxiv)
            other._by_external = dict(self._by_external)
            other._authors = {k: dict(v) for k, v in self._authors.items()}
            other._edge_meta = dict(self._edge_meta)
            other._next_corpus_id = self._next_corpus_id
            other.hub_id = self.hub_id
            other.work_ids = list(self.work_ids)
            other.seed = self.seed
            other._lazy = dict(self._lazy)
            other._lazy_works = list(self._lazy_works)
            other._lazy_end = self._lazy_end
            other.oddities = self.oddities
            return other

    # -- rendering -------------------------------------------------------------------------

    def count(self, idx: int, field: str) -> int:
        rec = self._rec(idx)
        if field == "citationCount":
            actual = self.list_length(idx, "citations")
        elif field == "referenceCount":
            actual = self.list_length(idx, "references")
        else:
            meta = self._edge_meta
            citers = self._window(idx, "citations", 0, self.list_length(idx, "citations"))
            actual = sum(1 for c in citers
                         if (meta[(c, idx)].get("isInfluential", False) if (c, idx) in meta
                             else _EDGE_VARIANTS[_edge_variant(c, idx)]["isInfluential"]))
        served = rec.get("_served")
        if served and field in served:
            return served[field]
        declared = (rec["_declared"] or {}).get(field)
        return max(actual, declared) if declared is not None else actual

    def set_served_count(self, ref: str | int, field: str, value: int) -> None:
        """Serve ``value`` as the paper's ``field`` whatever its lists hold: on the real API
        ``referenceCount`` can be 0 for a paper with 150 references, and ``citationCount``
        larger than the list it serves."""
        with self._lock:
            idx = self.index_of(ref)
            self._records[idx].setdefault("_served", {})[field] = value
            self._changed()

    def _stats(self) -> dict[str, tuple[int, int, int]]:
        stats = self._author_stats
        if stats is None:
            papers: dict[str, list[int]] = {}
            for i, rec in enumerate(self._records):
                for a in rec["authors"]:
                    if a["authorId"]:
                        papers.setdefault(a["authorId"], []).append(len(self._cits[i]))
            stats = {}
            for aid, counts in papers.items():
                counts.sort(reverse=True)
                h = sum(1 for rank, c in enumerate(counts, 1) if c >= rank)
                stats[aid] = (len(counts), sum(counts), h)
            self._author_stats = stats
        return stats

    def author_obj(self, author: dict, fields: tuple[str, ...]) -> dict:
        aid = author["authorId"]
        extra = self._authors.get(aid, {}) if aid else {}
        out: dict[str, Any] = {}
        for f in fields:
            if f == "authorId":
                out[f] = aid
            elif f == "name":
                out[f] = author["name"]
            elif f in extra:
                out[f] = extra[f]
            elif f == "url":
                out[f] = S2_AUTHOR_URL + aid if aid else None
            elif f == "externalIds":
                out[f] = {}
            elif f == "affiliations":
                out[f] = []
            elif f == "homepage":
                out[f] = None
            else:
                stats = self._stats().get(aid) if aid else None
                pos = {"paperCount": 0, "citationCount": 1, "hIndex": 2}[f]
                out[f] = stats[pos] if stats else (None if aid is None else 0)
        return out

    def _embedding(self, idx: int, model: str) -> dict:
        from kb.standin.embedding import paper_vector

        rec = self._rec(idx)
        return {"model": model, "vector": paper_vector(rec["paperId"], rec.get("_topic"), model)}

    def _paper_obj(self, idx: int, spec: PaperSpec, *, as_stub: bool = False) -> dict:
        rec = self._rec(idx)
        out: dict[str, Any] = {}
        if as_stub or rec.get("_stub"):
            for f in spec.fields:
                if f == "authors":
                    out[f] = [self.author_obj(a, spec.author_fields) for a in rec["authors"]]
                elif f in _STUB_KEPT:
                    out[f] = rec[f]
                elif f in ("citations", "references"):
                    out[f] = []
                else:
                    out[f] = None
            return out
        for f in spec.fields:
            if f in _RECORD_DEFAULTS or f == "paperId":
                if f == "citationStyles":
                    value = rec["citationStyles"]
                    out[f] = value if value is not None else {"bibtex": make_bibtex(rec)}
                elif f == "authors":
                    out[f] = [self.author_obj(a, spec.author_fields) for a in rec["authors"]]
                else:
                    out[f] = rec[f]
            elif f in _COUNT_FIELDS:
                out[f] = self.count(idx, f)
            elif f == "embedding":
                out[f] = None if rec["paperId"] is None else self._embedding(idx, spec.embedding)
            elif f == "citations":
                out[f] = [self._paper_obj(j, spec.citations)
                          for j in self._window(idx, "citations", 0, NESTED_LIST_CAP)]
            elif f == "references":
                out[f] = [self._paper_obj(j, spec.references)
                          for j in self._window(idx, "references", 0, NESTED_LIST_CAP)]
        return out

    def render(self, idx: int, spec: PaperSpec, *, null_id: bool = False) -> str:
        """The JSON text of one paper for a field spec (cached until the corpus changes).

        ``null_id`` renders the paper as an unresolved entry (``paperId: null``), which is
        how the fault injector imitates S2's null ids without touching the corpus.
        """
        if null_id:
            return json.dumps(self._paper_obj(idx, spec, as_stub=True))
        version = self.version
        cache = self._render_cache.get(spec)
        if cache is None:
            if len(self._render_cache) > 32:
                self._render_cache = {}
            cache = self._render_cache.setdefault(spec, {})
        text = cache.get(idx)
        if text is None:
            text = json.dumps(self._paper_obj(idx, spec))
            if self.version == version:  # not rendered across a concurrent mutation
                cache[idx] = text
        return text

    def _edge_prefix(self, citing: int, cited: int, edge_fields: tuple[str, ...], key: str) -> str:
        meta = self._edge_meta.get((citing, cited)) if self._edge_meta else None
        if meta is None:
            variant = _edge_variant(citing, cited)
            cache_key = (edge_fields, key, variant)
            prefix = self._prefix_cache.get(cache_key)
            if prefix is None:
                data = _EDGE_VARIANTS[variant]
                parts = [f"{json.dumps(f)}: {json.dumps(data[f])}" for f in edge_fields]
                prefix = "{" + "".join(p + ", " for p in parts) + f'"{key}": '
                self._prefix_cache[cache_key] = prefix
            return prefix
        contexts = meta.get("contexts", [])
        intents = meta.get("intents", [])
        values = {
            "contexts": contexts,
            "intents": intents,
            "contextsWithIntent": meta.get("contextsWithIntent",
                                           [{"context": c, "intents": intents} for c in contexts]),
            "isInfluential": meta.get("isInfluential", False),
        }
        parts = [f"{json.dumps(f)}: {json.dumps(values[f])}" for f in edge_fields]
        return "{" + "".join(p + ", " for p in parts) + f'"{key}": '

    def edge_items(self, idx: int, direction: str, offset: int, limit: int,
                   spec: EdgeSpec) -> tuple[list[tuple[int, int]], int]:
        """The (citing, cited) pairs of one page, and how many edges the list holds in all."""
        window = self._window(idx, direction, offset, limit)
        pairs = [(c, idx) for c in window] if direction == "citations" else [(idx, c) for c in window]
        return pairs, self.list_length(idx, direction)

    def render_edge(self, citing: int, cited: int, direction: str, spec: EdgeSpec, *,
                    null_id: bool = False) -> str:
        """One ``data[]`` item of /citations or /references as JSON text."""
        key = "citingPaper" if direction == "citations" else "citedPaper"
        other = citing if direction == "citations" else cited
        return (self._edge_prefix(citing, cited, spec.edge_fields, key)
                + self.render(other, spec.paper, null_id=null_id) + "}")

    def unresolved_entry(self, citing: int) -> bool:
        """A lazy citer S2 could not resolve: the recorded 0.4% of a citation list, fixed by
        a hash (only in a corpus with the real API's oddities)."""
        if self.oddities is None or citing < scale.LAZY_BASE:
            return False
        from kb.standin.oddities import CITATION_NULL_SHARE

        return scale.unit_of(citing) < CITATION_NULL_SHARE

    def nested_length(self, idx: int, direction: str) -> int:
        """How many entries the paper's nested ``citations``/``references`` field serves."""
        return min(self.list_length(idx, direction), NESTED_LIST_CAP)

    def neighbour_indexes(self, idx: int) -> list[int]:
        """The papers it cites and the papers citing it (internal indexes)."""
        return [*self._refs[idx], *self._cits[idx]]

    def edge_attributes(self, citing: int, cited: int) -> dict:
        """isInfluential, contexts and intents of one edge, as every list page serves them
        (the bulk citations dataset reads them here so that both forms agree)."""
        meta = self._edge_meta.get((citing, cited)) if self._edge_meta else None
        if meta is None:
            data = _EDGE_VARIANTS[_edge_variant(citing, cited)]
            return {"isInfluential": data["isInfluential"], "contexts": data["contexts"],
                    "intents": data["intents"]}
        return {"isInfluential": meta.get("isInfluential", False),
                "contexts": meta.get("contexts", []), "intents": meta.get("intents", [])}

    def authors_of(self, idx: int) -> list[dict]:
        return self._rec(idx)["authors"]

    # -- search ----------------------------------------------------------------------------

    def search_index(self):
        """The lazily built token index behind /paper/search and /paper/search/match."""
        index = self._search
        if index is None:
            from kb.standin.search import SearchIndex

            with self._lock:
                index = self._search
                if index is None:
                    index = SearchIndex(self)
                    self._search = index
        return index

    def match_title(self, query: str) -> tuple[int, float] | None:
        return self.search_index().match_title(query)

    def search(self, query: str, filters: dict[str, str] | None = None) -> list[int]:
        return self.search_index().search(query, filters or {})

    def records_view(self) -> list[dict]:
        """The raw record list (read-only by convention) for the search index and generator."""
        return self._records

    def date_key(self, idx: int) -> int:
        if idx >= scale.LAZY_BASE:
            work_no, k = scale.split_index(idx)
            work = self._lazy_works[work_no]
            return scale.lazy_date(self._date[work], self._lazy_end, self._lazy[work], k)
        return self._date[idx]

    # -- lazy citers (kb.standin.scale) ------------------------------------------------------

    def add_lazy_citers(self, work: str | int, n: int) -> None:
        """Give a paper ``n`` more citers, generated only when asked for (a 200,000-citer work
        costs nothing up front); they are newer than the work, up to the newest paper."""
        with self._lock:
            idx = self.index_of(work)
            if idx not in self._lazy:
                self._lazy_works.append(idx)
            self._lazy[idx] = self._lazy.get(idx, 0) + int(n)
            self._lazy_end = max(self._date, default=0)
            self._changed()

    def lazy_citers(self, work: str | int) -> int:
        return self._lazy.get(self.index_of(work), 0)

    def _rec(self, idx: int) -> dict:
        if idx < scale.LAZY_BASE:
            return self._records[idx]
        rec = self._lazy_records.get(idx)
        if rec is None:
            work_no, k = scale.split_index(idx)
            work = self._lazy_works[work_no]
            rec = scale.lazy_record(self.seed, work_no, k, self.date_key(idx),
                                    self._topic(self._records[work].get("_topic")))
            if len(self._lazy_records) > 50_000:
                self._lazy_records.clear()
            self._lazy_records[idx] = rec
        return rec

    def _topic(self, slug: str | None):
        if self._topics is None:
            from kb.standin.generate import topic_table

            self._topics = {t.slug: t for t in topic_table()}
        return self._topics.get(slug) or next(iter(self._topics.values()))

    def list_length(self, idx: int, direction: str) -> int:
        if idx < scale.LAZY_BASE:
            if direction == "citations":
                return len(self._cits[idx]) + self._lazy.get(idx, 0)
            return len(self._refs[idx])
        if direction == "citations":
            return 0
        return 1 + min(self._lazy_ref_picks(idx), self._older_count(self.date_key(idx)) - 1)

    @staticmethod
    def _lazy_ref_picks(idx: int) -> int:
        return 15 + int(scale.unit_of(idx ^ 0x5BD1E995) * 46)

    def _ref_list(self, idx: int) -> list[int]:
        if idx < scale.LAZY_BASE:
            return self._refs[idx]
        # the work it cites, then older papers fixed by its index
        work = self._lazy_works[scale.split_index(idx)[0]]
        n = self._older_count(self.date_key(idx))
        k = min(self._lazy_ref_picks(idx), n - 1)
        order = self._older[1]
        picks = [order[j] for j in random.Random(idx).sample(range(n), k + 1)]
        return [work, *sorted(p for p in picks if p != work)[:k]]

    def _older_count(self, date: int) -> int:
        """How many materialised papers were published before ``date``; ``self._older[1]``
        lists them oldest first (a lazy citer's references are drawn from them)."""
        if self._older is None or self._older[0] != self.version:
            order = sorted(range(len(self._records)), key=self._date.__getitem__)
            self._older = (self.version, order, [self._date[i] for i in order])
        return bisect.bisect_left(self._older[2], date)

    def _window(self, idx: int, direction: str, offset: int, limit: int) -> list[int]:
        """Entries ``offset`` to ``offset + limit`` of a list in served order; a work's lazy
        citers merged with its materialised ones by date, newest first."""
        if direction != "citations":
            return self._ref_list(idx)[offset:offset + limit]
        if idx >= scale.LAZY_BASE:
            return []
        real = self._cits[idx]
        n = self._lazy.get(idx, 0)
        if not n:
            return real[offset:offset + limit]
        positions = self._merged_positions(idx)
        work_no = self._lazy_works.index(idx)
        out = []
        i = bisect.bisect_left(positions, offset)
        for p in range(offset, min(offset + limit, len(real) + n)):
            if i < len(positions) and positions[i] == p:
                out.append(real[i])
                i += 1
            else:
                out.append(scale.lazy_index(work_no, p - i))
        return out

    def _merged_positions(self, idx: int) -> list[int]:
        """Where each materialised citer of a work stands among all its citers: after every
        lazy citer newer than it."""
        cached = self._lazy_positions.get(idx)
        if cached is not None:
            return cached
        n, work_date, end = self._lazy[idx], self._date[idx], self._lazy_end
        positions = []
        lo = 0  # never back: a list out of date order (an unresolved entry) keeps its place
        for i, c in enumerate(self._cits[idx]):
            d = self._date[c]
            hi = n  # the first lazy citer not newer than d
            while lo < hi:
                mid = (lo + hi) // 2
                if scale.lazy_date(work_date, end, n, mid) > d:
                    lo = mid + 1
                else:
                    hi = mid
            positions.append(i + lo)
        self._lazy_positions[idx] = positions
        return positions


_ALL_FLAT_FIELDS = tuple(f for f in (
    "paperId", "externalIds", "corpusId", "publicationVenue", "url", "title", "abstract",
    "venue", "year", "referenceCount", "citationCount", "influentialCitationCount",
    "isOpenAccess", "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "tldr",
    "publicationTypes", "publicationDate", "journal", "citationStyles", "authors"))
