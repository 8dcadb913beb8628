"""The trained theme model kept beside the store, so that `kb tag auto` scores only new work.

Training and calibrating every theme is most of the cost of `kb tag auto` on a small store (146
SVM fits over the ~2,000 labelled works: 6-10 s of CPU for a 50-paper store, 15-28 s for a
few thousand papers), featurising and keyword-matching every paper most of it on a big one, and
almost none of it changes between two runs: a crawl adds a few thousand papers to a million, and
`kb crawl`, `kb crawl --refresh`, `kb seed add` and `kb build` each tag a small store that gained a
few papers or none. So a full run on any SQLite store leaves, in a directory beside the file
(``<store>.themes/``):

* ``model.npz``: the trained model (:class:`kb.knowledge.theme_model.ThemeModel`), and
  ``model-posts.npz`` the posts' model when the store holds forum posts (one model per kind);
* ``papers.npz``: for every paper it scored, a signature of its text (lengths of title,
  abstract and TLDR, whether it is a forum post, and a hash of its forum tags);
* ``key.json``: what the model was trained from: a digest of the labelled works, the taxonomy
  (keywords, forum tags, thresholds), the model settings, the sources and the user's manual tags,
  and how many papers the store had;
* ``texts-N.npz`` and ``texts.json``: what tokenising each paper gave (:class:`PaperTexts`: term
  counts, keyword scores and phrases), in segments that runs append and a full run past
  ``MAX_SEGMENTS`` rewrites as one, valid while the keywords stay the same. A full run (after a
  model change, or ``--full``) reads them instead of tokenising a million abstracts again, and
  tokenises only papers whose text signature is new or different.

The next run with the same key scores only papers whose signature is new or different, and
leaves every other paper's automatic tags as they are. It trains afresh (and rescores all) when
the key changes (labels, keywords, thresholds, manual tags), when the store has grown by more
than ``retrain_growth`` since training (so the store's own evidence, confident keyword tags and
weak negatives, keeps feeding the model, and unchanged papers' graph evidence is brought up to
date), or when asked (`kb tag auto --full`). The share needs no floor in papers on a tiny store:
it retrains at the first new papers there (5 papers trained: the sixth retrains; 20: the third),
where each is a large part of the store's own evidence. A store of 50 papers tagged again with
nothing new costs 0.1 s of CPU instead of 6-8 s. A dry run reads the kept model and writes
nothing. The key is written last and ``papers.npz`` replaced whole, so a run killed mid-way
leaves a usable cache or none. The kept model is about 17 MB whatever the store's size (weights
over the labelled works' features), the kept texts 1.5-4.5 KB a paper. PostgreSQL stores have
no file to sit beside and always train afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

CACHE_SUFFIX = ".themes"


@dataclass
class Signatures:
    """Store ids (ascending) and a 64-bit signature of each paper's text."""

    ids: object
    sigs: object

    def changed(self, other: "Signatures"):
        """Ids of ``self`` that ``other`` lacks or has with a different signature."""
        import numpy as np

        pos = np.searchsorted(other.ids, self.ids)
        pos = np.minimum(pos, max(len(other.ids) - 1, 0))
        if not len(other.ids):
            return self.ids
        same = (other.ids[pos] == self.ids) & (other.sigs[pos] == self.sigs)
        return self.ids[~same]


def paper_signatures(store) -> Signatures:
    """Every titled paper's signature, read without fetching the texts themselves."""
    import numpy as np

    rows = store.conn.execute(
        "SELECT p.id, length(p.title), coalesce(length(p.abstract), -1), coalesce(length(p.tldr), -1),"
        " coalesce(length(po.tags), -1) FROM paper p LEFT JOIN post po ON po.paper = p.id"
        " WHERE p.title IS NOT NULL ORDER BY p.id").fetchall()
    if not rows:
        return Signatures(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    a = np.asarray(rows, dtype=np.int64)
    with np.errstate(over="ignore"):
        sigs = (a[:, 1] + 2) * 1_000_003 + (a[:, 2] + 2) * 2_147_483_659 \
            + (a[:, 3] + 2) * 4_398_046_511_093 + (a[:, 4] + 2) * 1_099_511_628_211
    return Signatures(a[:, 0], sigs)


def cache_dir(store) -> Path | None:
    """Where a store's cached model lives; None for stores that are not a local file."""
    path = getattr(store, "path", None)
    if not isinstance(path, Path) or not path.is_file():
        return None
    return path.with_name(path.name + CACHE_SUFFIX)


def model_key(store, labelled, taxonomy, settings, sources, manual_rows, thresholds, post_model=None) -> str:
    """A digest of everything the trained model depends on except the store's papers (and of
    the store's first papers, so that a store made anew at the same path is not mistaken for
    the old one)."""
    h = hashlib.sha256()
    h.update(json.dumps([r[0] for r in store.conn.execute(
        "SELECT paper_id FROM paper ORDER BY id LIMIT 8")]).encode())
    h.update("\n".join(f"{t}\t{b}" for t, b in zip(labelled.titles, labelled.bodies)).encode())
    h.update(labelled.y.tobytes() if labelled.y is not None else b"")
    h.update(json.dumps({s: [t.parent, list(t.keywords), list(t.forum_tags)]
                         for s, t in taxonomy.themes.items()}, sort_keys=True).encode())
    h.update(json.dumps({k: getattr(thresholds, k) for k in thresholds.__dataclass_fields__},
                        sort_keys=True).encode())
    h.update(json.dumps(settings.stamped(), sort_keys=True).encode())
    h.update(json.dumps(sorted(sources)).encode())
    h.update(json.dumps(sorted(manual_rows)).encode())
    h.update(f"texts {TEXTS_VERSION}".encode())    # a model's weights are over the features of its day
    if post_model is not None:      # the posts' model (kb.knowledge.theme_model.PostModel)
        posts = post_model.labelled
        h.update("\nposts\n".encode())
        h.update("\n".join(f"{t}\t{b}" for t, b in zip(posts.titles, posts.bodies)).encode())
        h.update(posts.y.tobytes() if posts.y is not None else b"")
        h.update(posts.posts.tobytes() if posts.posts is not None else b"")
        h.update(json.dumps(post_model.settings.stamped(), sort_keys=True).encode())
    return h.hexdigest()


@dataclass
class Cached:
    model: object
    papers: Signatures
    trained_papers: int
    post_model: object = None     # the posts' model, when the store held posts


def load(directory: Path | None, key: str):
    """The cached model and signatures if they were made under ``key``; None otherwise."""
    import zipfile

    import numpy as np

    from kb.knowledge.theme_model import ThemeModel

    if directory is None or not (directory / "key.json").is_file():
        return None
    try:
        meta = json.loads((directory / "key.json").read_text())
        if meta.get("key") != key:
            return None
        with np.load(directory / "papers.npz") as z:
            papers = Signatures(z["ids"], z["sigs"])
        posts = directory / POST_MODEL
        return Cached(ThemeModel.load(directory / "model.npz"), papers, int(meta["trained_papers"]),
                      ThemeModel.load(posts) if posts.is_file() else None)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None   # a damaged cache only costs a full run


POST_MODEL = "model-posts.npz"


def save(directory: Path | None, key: str, model, papers: Signatures, trained_papers: int,
         post_model=None) -> None:
    """Write the cache; the key goes last, so a half-written cache is never taken as valid."""
    if directory is None:
        return
    directory.mkdir(exist_ok=True)
    (directory / "key.json").unlink(missing_ok=True)
    if model is not None:
        model.save(directory / "model.npz")
    if post_model is not None:
        post_model.save(directory / POST_MODEL)
    else:
        (directory / POST_MODEL).unlink(missing_ok=True)
    save_papers(directory, papers)
    (directory / "key.json").write_text(json.dumps({"key": key, "trained_papers": trained_papers}))


def save_papers(directory: Path | None, papers: Signatures) -> None:
    """Remember the signatures of the papers a run scored (after an incremental run, under the
    key already written), in a file replaced whole: one cut short by a kill would be the cache's."""
    import numpy as np

    if directory is None:
        return
    part = directory / "papers.npz.part"
    with open(part, "wb") as f:
        np.savez(f, ids=papers.ids, sigs=papers.sigs)
    os.replace(part, directory / "papers.npz")


# -- what each paper's texts gave -------------------------------------------------------------

TEXTS_VERSION = 2        # bump when featurising or keyword matching changes what they give
MAX_SEGMENTS = 8         # a full run rewrites the segments as one past this many


@dataclass
class PaperTexts:
    """What featurising and keyword-matching papers gave, row by row: their store ids and text
    signatures, hashed sublinear term frequencies (:func:`kb.knowledge.theme_model.term_counts`),
    keyword scores per theme and the keyword phrases found (:func:`kb.knowledge.tagging.rule_matrix`).
    Tokenising a million abstracts twice is most of a full run, and only new and edited papers'
    texts change between runs, so a store keeps these beside the file: a run after a model
    change (``--full``, new labels or manual tags) reads them instead of the texts."""

    ids: object              # (papers,) int64 store ids
    sigs: object             # (papers,) int64 text signatures (:func:`paper_signatures`)
    counts: object           # (papers x FEATURES) float32 CSR
    rules: object            # (papers x themes) float32 CSR keyword scores
    phrase_indptr: object    # (papers + 1,) int64: row r's phrases are phrases[indptr[r]:indptr[r + 1]]
    phrases: object          # int32 phrase indices of the taxonomy's keyword matcher
    title_hashes: object     # (papers,) int64 crc32 of each title's key (theme_model.title_key), to find labelled works

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows) -> "PaperTexts":
        """These rows, in this order."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == len(self) and (rows == np.arange(len(rows))).all():
            return self
        starts, stops = self.phrase_indptr[rows], self.phrase_indptr[rows + 1]
        lengths = stops - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        at = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
        return PaperTexts(self.ids[rows], self.sigs[rows], self.counts[rows], self.rules[rows], indptr,
                          self.phrases[at], self.title_hashes[rows])

    @staticmethod
    def join(parts: list["PaperTexts"]) -> "PaperTexts":
        import numpy as np
        from scipy import sparse

        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [len(p.phrases) for p in parts])
        return PaperTexts(np.concatenate([p.ids for p in parts]), np.concatenate([p.sigs for p in parts]),
                          sparse.vstack([p.counts for p in parts], format="csr", dtype=np.float32),
                          sparse.vstack([p.rules for p in parts], format="csr", dtype=np.float32),
                          np.concatenate([[0]] + [p.phrase_indptr[1:] + o for p, o in zip(parts, offsets)]),
                          np.concatenate([p.phrases for p in parts]), np.concatenate([p.title_hashes for p in parts]))

    def arrays(self) -> dict:
        import numpy as np

        return {"ids": self.ids, "sigs": self.sigs, "c_data": self.counts.data, "c_indices": self.counts.indices,
                "c_indptr": self.counts.indptr, "r_data": self.rules.data, "r_indices": self.rules.indices,
                "r_indptr": self.rules.indptr, "r_shape": np.asarray(self.rules.shape),
                "p_indptr": self.phrase_indptr, "phrases": self.phrases, "title_hashes": self.title_hashes}

    @classmethod
    def from_arrays(cls, z) -> "PaperTexts":
        from scipy import sparse

        from kb.knowledge.theme_model import FEATURES

        n = len(z["ids"])
        return cls(z["ids"], z["sigs"], sparse.csr_matrix((z["c_data"], z["c_indices"], z["c_indptr"]), shape=(n, FEATURES)),
                   sparse.csr_matrix((z["r_data"], z["r_indices"], z["r_indptr"]), shape=tuple(z["r_shape"])),
                   z["p_indptr"], z["phrases"], z["title_hashes"])


def texts_key(store, taxonomy) -> str:
    """A digest of what featurising and keyword matching depend on besides the texts: the
    taxonomy's themes and keywords (phrase indices follow them), the features' version, and the
    store's first papers (a store made anew at the same path is not the old one)."""
    h = hashlib.sha256()
    h.update(json.dumps([r[0] for r in store.conn.execute(
        "SELECT paper_id FROM paper ORDER BY id LIMIT 8")]).encode())
    h.update(json.dumps([[s, list(t.keywords)] for s, t in taxonomy.themes.items()]).encode())
    h.update(f"texts {TEXTS_VERSION}".encode())
    return h.hexdigest()


def load_texts(directory: Path | None, key: str) -> tuple[PaperTexts | None, int]:
    """(every paper's latest kept texts, in the order they were kept, or None; how many segment
    files hold them). A damaged or foreign cache counts as none: it only costs featurising again."""
    import numpy as np

    if directory is None or not (directory / "texts.json").is_file():
        return None, 0
    try:
        meta = json.loads((directory / "texts.json").read_text())
        if meta.get("key") != key:
            return None, 0
        parts = [PaperTexts.from_arrays(read_arrays(directory / name)) for name in meta["segments"]]
    except (OSError, ValueError, KeyError):
        return None, 0
    if not parts:
        return None, 0
    whole = PaperTexts.join(parts)
    # A paper tokenised again (edited) appears in a later segment: its latest row wins. Rows stay
    # in the order they were kept (that of the run's papers), which usually spares a copy.
    order = np.argsort(whole.ids, kind="stable")
    ids = whole.ids[order]
    last = np.append(ids[1:] != ids[:-1], True)
    return (whole if last.all() else whole.take(np.sort(order[last]))), len(parts)


def read_arrays(path: Path) -> dict:
    """The arrays of a ``.npz`` that ``np.savez`` or :func:`save_arrays` wrote (members stored,
    not compressed), each read straight from its place in the file: ``np.load`` copies a member
    through zipfile a quarter megabyte at a time and checks its CRC, 13 s of CPU for a million
    papers' kept texts (4 GB). A big member whose data starts on a multiple of 64 bytes
    (:func:`save_arrays` places them so) is mapped copy-on-write instead of read: copying 4 GB
    out of the page cache into fresh memory took 8 s of CPU, mapping it under 1 s; the pages
    stay the page cache's until written (only the term counts' values are, when
    :func:`kb.knowledge.theme_model.weigh` weighs them in place: a page is then copied once, and
    memory holds each page once, as when read). The file itself is never written. A member it
    cannot read so is read by ``np.load``; a damaged file raises ValueError."""
    import mmap
    import struct
    import zipfile

    import numpy as np
    from numpy.lib import format as npy

    out = {}
    mapped = None
    try:
        with zipfile.ZipFile(path) as archive, open(path, "rb") as f:
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                f.seek(info.header_offset)
                local = f.read(30)
                if info.compress_type != zipfile.ZIP_STORED or len(local) < 30 or local[:4] != b"PK\x03\x04":
                    with np.load(path) as z:
                        out[name] = z[name]
                    continue
                f.seek(info.header_offset + 30 + sum(struct.unpack("<HH", local[26:30])))
                version = npy.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    with np.load(path) as z:
                        out[name] = z[name]
                    continue
                shape, fortran, dtype = (npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0)(f)
                count = int(np.prod(shape, dtype=np.int64))
                if dtype.hasobject:
                    raise ValueError(f"{path}: {name} holds objects")
                start = f.tell()
                if count and start % ALIGN == 0 and count * dtype.itemsize >= MAP_BYTES and hasattr(mmap, "MAP_SHARED"):
                    if mapped is None:
                        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
                    if start + count * dtype.itemsize > len(mapped):
                        raise ValueError(f"{path}: {name} is cut short")
                    array = np.frombuffer(mapped, dtype=dtype, count=count, offset=start)
                else:
                    array = np.fromfile(f, dtype=dtype, count=count) if count else np.zeros(0, dtype=dtype)
                if len(array) != count:
                    raise ValueError(f"{path}: {name} is cut short")
                out[name] = array.reshape(shape, order="F" if fortran else "C")
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: {exc}") from None
    return out


ALIGN = 64              # a member's data on a multiple of this many bytes can be mapped (any dtype's alignment)
MAP_BYTES = 1 << 20     # members smaller than this are read (a map's pages cost more than a copy)


def save_arrays(path: Path, arrays: dict) -> None:
    """``np.savez(path, **arrays)``, with each member's data placed on a multiple of ``ALIGN``
    bytes (padding in the zip header's extra field, which readers skip), so that
    :func:`read_arrays` can map it: ``np.savez`` leaves them wherever the header ends, and
    numpy and scipy copy an array that is not aligned. Any npz reader reads the file."""
    import struct
    import zipfile

    import numpy as np
    from numpy.lib import format as npy

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            value = np.asanyarray(value)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            # Local header: 30 bytes, the name, the extra field and zipfile's zip64 field (20
            # bytes: it is told the file may be large); the npy header then pads itself to 64.
            at = archive.fp.tell() + 30 + len(info.filename.encode()) + 20
            pad = -(at + 4) % ALIGN + 4
            info.extra = struct.pack("<HH", 0xA11C, pad - 4) + bytes(pad - 4)
            with archive.open(info, "w", force_zip64=True) as member:
                npy.write_array(member, value, allow_pickle=False)


def save_texts(directory: Path | None, key: str, new: PaperTexts, *, rewrite: PaperTexts | None = None) -> None:
    """Add ``new`` rows as one more segment, or with ``rewrite`` replace every segment by it.
    The list of segments is written last, so a half-written segment is never read."""
    import numpy as np

    if directory is None or (not len(new) and rewrite is None):
        return
    directory.mkdir(exist_ok=True)
    meta_path = directory / "texts.json"
    segments: list[str] = []
    if rewrite is None and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
            segments = list(meta["segments"]) if meta.get("key") == key else []
        except (OSError, ValueError, KeyError):
            segments = []
    part = rewrite if rewrite is not None else new
    # Never over a file in use: a kill before the list is written leaves the old list valid.
    number = 1 + max([int(p.stem.split("-")[1]) for p in directory.glob("texts-*.npz")] + [0])
    name = f"texts-{number}.npz"
    save_arrays(directory / name, part.arrays())
    old = segments if rewrite is None else []
    meta_path.write_text(json.dumps({"key": key, "segments": old + [name]}))
    for stale in directory.glob("texts-*.npz"):
        if stale.name not in old + [name]:
            stale.unlink(missing_ok=True)
