"""The stand-in's bulk datasets: the same generated corpus the Graph API stand-in serves, written
as Semantic Scholar's dataset files (gzipped JSON lines, the real field names, nulls where S2
has them), in two releases with the diff between them.

The *latest* release is the corpus exactly as the Graph API stand-in serves it, so that a store
crawled through the API and a store extracted from the bulk files can be compared paper by
paper and edge by edge. The *previous* release is the same corpus a week earlier: its newest
papers (and the citations they make) are not there yet, a few papers that S2 later withdrew are
still there (with their citations), and a few titles were still being corrected. The diff
between the two is computed from the two record sets, by primary key, the way S2 describes it:
records to insert or replace, keys to delete.

Only the datasets kb reads are generated: papers, citations, abstracts, tldrs and
embeddings-specter_v2 (the others are listed in the release but have no files).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.standin.corpus import S2_PAPER_URL, Corpus

PREVIOUS_RELEASE = "2026-11-17"
LATEST_RELEASE = "2026-11-24"
RELEASES = (PREVIOUS_RELEASE, LATEST_RELEASE)

# Dataset name -> (description as in the recorded release listing, primary key).
DATASETS: dict[str, tuple[str, str | None]] = {
    "abstracts": ("Paper abstract text, where available.\n100M records in 30 1.8GB files.", "corpusid"),
    "authors": ("The core attributes of an author (name, affiliation, paper count, etc.).", None),
    "citations": ("Instances where the bibliography of one paper (the \"citingPaper\") mentions "
                  "another paper (the \"citedPaper\"), where both papers are identified by the "
                  "\"paperId\" field. Citations have attributes of their own, (influential "
                  "classification, intent classification, and citation context).\n2.4B records "
                  "in 30 8.5GB files.", "citationid"),
    "embeddings-specter_v1": ("A dense vector embedding representing the contents of the paper.\n"
                              "120M records in 30 28GB files.", None),
    "embeddings-specter_v2": ("A dense vector embedding representing the contents of the paper, "
                              "generated with SPECTER2\n120M records in 30 28GB files.\n", "corpusid"),
    "paper-ids": ("Mapping from sha-based ID to paper corpus ID.\n450M records in 30 500MB files", None),
    "papers": ("The core attributes of a paper (title, authors, date, etc.).\n200M records in 30 "
               "1.5GB files.", "corpusid"),
    "publication-venues": ("Details about the venues in which papers are published.", None),
    "s2orc": ("Full-body paper text parsed from open-access PDFs.\n10M records in 30 4GB files.", None),
    "tldrs": ("A short natural-language summary of the contents of a paper.\n58M records in 30 "
              "200MB files.", "corpusid"),
}
GENERATED = tuple(name for name, (_, key) in DATASETS.items() if key is not None)

EXTERNAL_ID_KEYS = ("ACL", "DBLP", "ArXiv", "MAG", "CorpusId", "PubMed", "DOI", "PubMedCentral")
OPEN_ACCESS_ID_KEYS = ("MAG", "ACL", "DOI", "PubMedCentral", "ArXiv")
EMBEDDING_MODEL = "specter_v2"
EMBEDDING_DIM = 768
_TITLE_FIX = " (extended abstract)"


def _updated(release: str, key: int) -> str:
    """The per-record ``updated`` stamp: a moment in the week before the release."""
    return f"{release}T{key % 24:02d}:{key % 60:02d}:{(key * 7) % 60:02d}.{key % 1000:03d}Z"


def citation_id(citing: int, cited: int | None, position: int) -> int:
    """A stable citation key: S2's own ids are opaque integers, so any stable one will do."""
    raw = f"{citing}:{cited if cited is not None else f'unresolved{position}'}"
    return int(hashlib.sha1(raw.encode()).hexdigest()[:15], 16)


@dataclass
class Snapshot:
    """What one release holds, as index sets into the corpus plus the withdrawn extras."""

    release: str
    papers: list[int]
    retitled: set[int] = field(default_factory=set)
    withdrawn: list[dict] = field(default_factory=list)


def snapshots(corpus: Corpus, seed: int = 0) -> dict[str, Snapshot]:
    """The two releases of one corpus (deterministic per corpus and seed)."""
    records = corpus.records_view()
    resolvable = [i for i, r in enumerate(records) if r["paperId"] is not None and not r.get("_stub")]
    works = set(corpus.work_ids)
    generated = [i for i in resolvable if records[i]["paperId"] not in works
                 and records[i]["paperId"] != corpus.hub_id]
    n_new = max(1, len(generated) * 3 // 100)
    new = set(generated[-n_new:])
    rng = random.Random(seed * 7919 + len(records))
    old = [i for i in resolvable if i not in new]
    retitled = set(rng.sample(old, max(1, len(old) // 100))) if old else set()
    withdrawn = []
    for k in range(max(1, len(resolvable) // 200)):
        cid = 900_000_000 + k
        targets = rng.sample(old, min(len(old), 4)) if old else []
        withdrawn.append({"corpusid": cid, "title": f"Withdrawn duplicate record {k}",
                          "paper_id": hashlib.sha1(f"standin:withdrawn:{seed}:{k}".encode()).hexdigest(),
                          "cites": targets, "year": 2025})
    return {
        PREVIOUS_RELEASE: Snapshot(PREVIOUS_RELEASE, old, retitled, withdrawn),
        LATEST_RELEASE: Snapshot(LATEST_RELEASE, resolvable),
    }


class BulkRecords:
    """Dataset records of one release of a corpus, as JSON-ready dicts, keyed by primary key."""

    def __init__(self, corpus: Corpus, snapshot: Snapshot):
        self.corpus = corpus
        self.snap = snapshot
        self.members = set(snapshot.papers)

    # -- papers ---------------------------------------------------------------------------------
    def papers(self) -> Iterator[tuple[int, dict]]:
        corpus, release = self.corpus, self.snap.release
        records = corpus.records_view()
        for idx in self.snap.papers:
            rec = records[idx]
            cid = int(rec["corpusId"])
            ext = rec.get("externalIds") or {}
            externalids = {k: (str(ext[k]) if ext.get(k) is not None else None) for k in EXTERNAL_ID_KEYS}
            externalids["CorpusId"] = str(cid)
            venue = rec.get("publicationVenue") or {}
            title = rec["title"] + (_TITLE_FIX if idx in self.snap.retitled else "")
            yield cid, {
                "corpusid": cid,
                "externalids": externalids,
                "url": rec["url"] or S2_PAPER_URL + rec["paperId"],
                "title": title,
                "authors": [{"authorId": a["authorId"], "name": a["name"]} for a in rec["authors"]],
                "venue": rec.get("venue") or "",
                "publicationvenueid": venue.get("id"),
                "year": rec.get("year"),
                "referencecount": self._count(idx, "referenceCount"),
                "citationcount": self._count(idx, "citationCount"),
                "influentialcitationcount": self._count(idx, "influentialCitationCount"),
                "isopenaccess": bool(rec.get("isOpenAccess")),
                "s2fieldsofstudy": rec.get("s2FieldsOfStudy") or None,
                "publicationtypes": rec.get("publicationTypes"),
                "publicationdate": rec.get("publicationDate"),
                "journal": rec.get("journal"),
                "updated": _updated(release, cid),
            }
        for w in self.snap.withdrawn:
            cid = w["corpusid"]
            yield cid, {
                "corpusid": cid, "externalids": {k: (str(cid) if k == "CorpusId" else None)
                                                 for k in EXTERNAL_ID_KEYS},
                "url": S2_PAPER_URL + w["paper_id"], "title": w["title"], "authors": [],
                "venue": "", "publicationvenueid": None, "year": w["year"], "referencecount": len(w["cites"]),
                "citationcount": 0, "influentialcitationcount": 0, "isopenaccess": False,
                "s2fieldsofstudy": None, "publicationtypes": None, "publicationdate": None,
                "journal": None, "updated": _updated(release, cid),
            }

    def _count(self, idx: int, field_name: str) -> int:
        if self.snap.release == LATEST_RELEASE:
            return self.corpus.count(idx, field_name)
        # a week earlier the newest papers had not cited anything yet
        refs = self.corpus._refs if field_name == "referenceCount" else None
        if refs is not None:
            return len(refs[idx])
        citers = [c for c in self.corpus._cits[idx] if c in self.members]
        if field_name == "citationCount":
            return len(citers)
        return sum(1 for c in citers if self.corpus.edge_attributes(c, idx)["isInfluential"])

    # -- citations ------------------------------------------------------------------------------
    def citations(self) -> Iterator[tuple[int, dict]]:
        corpus, release = self.corpus, self.snap.release
        records = corpus.records_view()
        for idx in self.snap.papers:
            citing = int(records[idx]["corpusId"])
            position = 0
            for position, j in enumerate(corpus._refs[idx]):
                cited_rec = records[j]
                cited = int(cited_rec["corpusId"]) if cited_rec["paperId"] is not None else None
                attrs = corpus.edge_attributes(idx, j)
                yield self._citation(citing, cited, position, attrs, release)
            # bibliography entries S2 could not match to a paper: citedcorpusid is null
            for k in range(citing % 3 if citing % 7 == 0 else 0):
                yield self._citation(citing, None, position + 1 + k,
                                     {"isInfluential": False, "contexts": [], "intents": []}, release)
        for w in self.snap.withdrawn:
            for position, j in enumerate(w["cites"]):
                yield self._citation(w["corpusid"], int(records[j]["corpusId"]), position,
                                     {"isInfluential": False, "contexts": [], "intents": []}, release)

    @staticmethod
    def _citation(citing: int, cited: int | None, position: int, attrs: dict,
                  release: str) -> tuple[int, dict]:
        cid = citation_id(citing, cited, position)
        return cid, {
            "citationid": cid, "citingcorpusid": citing, "citedcorpusid": cited,
            "isinfluential": bool(attrs.get("isInfluential")),
            "contexts": list(attrs.get("contexts") or []) or None,
            "intents": list(attrs.get("intents") or []) or None,
            "updated": _updated(release, citing),
        }

    # -- abstracts, tldrs, embeddings -------------------------------------------------------------
    def abstracts(self) -> Iterator[tuple[int, dict]]:
        records = self.corpus.records_view()
        for idx in self.snap.papers:
            rec = records[idx]
            if not rec.get("abstract"):
                continue
            cid = int(rec["corpusId"])
            ext = rec.get("externalIds") or {}
            oa = rec.get("openAccessPdf") or {}
            yield cid, {
                "corpusid": cid,
                "openaccessinfo": {
                    "externalids": {k: (str(ext[k]) if ext.get(k) is not None else None)
                                    for k in OPEN_ACCESS_ID_KEYS},
                    "license": oa.get("license"), "url": oa.get("url") or None, "status": oa.get("status"),
                },
                "abstract": rec["abstract"],
                "updated": _updated(self.snap.release, cid),
            }

    def tldrs(self) -> Iterator[tuple[int, dict]]:
        records = self.corpus.records_view()
        for idx in self.snap.papers:
            rec = records[idx]
            tldr = rec.get("tldr")
            if not tldr or not tldr.get("text"):
                continue
            cid = int(rec["corpusId"])
            yield cid, {"corpusid": cid, "model": tldr.get("model") or "tldr@v2.0.0",
                        "text": tldr["text"]}

    def embeddings(self) -> Iterator[tuple[int, dict]]:
        records = self.corpus.records_view()
        for idx in self.snap.papers:
            rec = records[idx]
            cid = int(rec["corpusId"])
            rng = random.Random(int(hashlib.sha1(f"{rec['paperId']}:{EMBEDDING_MODEL}".encode()).hexdigest()[:12], 16))
            vector = "[" + ", ".join(repr(round(rng.gauss(0.0, 1.0), 6)) for _ in range(EMBEDDING_DIM)) + "]"
            yield cid, {"corpusid": cid, "model": EMBEDDING_MODEL, "vector": vector,
                        "updated": _updated(self.snap.release, cid)}

    def dataset(self, name: str) -> Iterator[tuple[int, dict]]:
        producer = {"papers": self.papers, "citations": self.citations, "abstracts": self.abstracts,
                    "tldrs": self.tldrs, "embeddings-specter_v2": self.embeddings}.get(name)
        if producer is None:
            return iter(())
        return producer()


def write_jsonl_gz(path, records: Iterator[dict]) -> int:
    """Write records as gzipped JSON lines (compact, like S2's files); returns how many."""
    n = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=5) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n


def shard(items: list[Any], n_files: int) -> list[list[Any]]:
    """Split into ``n_files`` contiguous parts (some may be empty, as S2's sometimes are)."""
    size = max(1, -(-len(items) // max(1, n_files)))
    return [items[i * size:(i + 1) * size] for i in range(max(1, n_files))]
