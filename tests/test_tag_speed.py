"""The fast paths of `kb tag auto` (array tokenising, term counts as sparse products) give what
the straightforward code gives: the same term counts to the bit as counting each text on its
own, and the same tags, scores and signals on a store of a few thousand papers."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from kb.settings import PROJECT_ROOT


def reference_counts(docs):
    """Sublinear term frequencies counted text by text, as the model's features are defined
    (:func:`kb.knowledge.theme_model.term_counts`): words without stop words and their bigrams,
    plus ``CHAR_WEIGHT`` times the words' character 5-grams, hashed; float32 as the fast path
    computes them."""
    from scipy import sparse

    from kb.knowledge.text_tokens import FEATURE_WORD
    from kb.knowledge.theme_model import CHAR_WEIGHT, FEATURES, char_grams, hashed_column, words_and_bigrams

    rows, cols, data = [], [], []
    for r, doc in enumerate(docs):
        words = Counter(hashed_column(t) for t in words_and_bigrams(doc))
        grams = Counter(hashed_column(g) for w in FEATURE_WORD.findall(doc.lower()) for g in char_grams(w))
        value: dict[int, np.float32] = {}
        for column, count in words.items():
            value[column] = np.float32(1.0) + np.log(np.float32(count))
        for column, count in grams.items():
            g = np.float32(CHAR_WEIGHT) * (np.float32(1.0) + np.log(np.float32(count)))
            value[column] = value[column] + g if column in value else g
        for column in sorted(value):
            rows.append(r)
            cols.append(column)
            data.append(value[column])
    out = sparse.csr_matrix((np.asarray(data, dtype=np.float32), (rows, cols)), shape=(len(docs), FEATURES))
    out.indices = out.indices.astype(np.int32)
    return out


def same_bits(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    return (a.shape == b.shape and (a.indptr == b.indptr).all() and (a.indices == b.indices).all()
            and (a.data.view(np.int32) == b.data.view(np.int32)).all())


@pytest.fixture(scope="module")
def corpus_texts(standin_corpus):
    """Titles and abstracts + TLDRs of the stand-in's corpus: 1,500 generated papers and the
    real works (real abstracts: non-ASCII letters, hyphens, formulas)."""
    records = [r for r in standin_corpus.records_view() if r.get("title")]
    return ([r["title"] for r in records],
            [" ".join(x for x in (r.get("abstract"), (r.get("tldr") or {}).get("text")) if x) for r in records])


def test_expand_gathers_what_spreading_every_entry_gives():
    from kb.knowledge.text_tokens import Growing, expand

    rng = np.random.default_rng(0)
    for shares in ([0, 1, 0, 0], [0.2, 0.8, 0, 0], [0, 0.9, 0.1, 0], [0.1, 0.7, 0.15, 0.05], [0, 0, 0, 1]):
        lengths = rng.choice(4, size=500, p=shares)
        ptr = np.concatenate([[0], np.cumsum(lengths)])
        flat = rng.integers(0, 1000, size=int(ptr[-1]))
        ids = rng.integers(0, 500, size=3000)
        got, counts = expand(ptr, flat, ids)
        assert (counts == lengths[ids]).all()
        assert got.tolist() == [v for i in ids.tolist() for v in flat[ptr[i]:ptr[i + 1]].tolist()]
        rows = Growing()        # the same rows, grown in two steps
        for at in (0, 200):
            rows.rows += [tuple(flat[ptr[i]:ptr[i + 1]].tolist()) for i in range(at, 200 if at == 0 else 500)]
            known = ids[ids < len(rows.rows)]
            got, counts = rows.expand(known)
            assert (counts == lengths[known]).all()
            assert got.tolist() == [v for i in known.tolist() for v in flat[ptr[i]:ptr[i + 1]].tolist()]


def test_term_counts_are_those_of_each_text_counted_alone(corpus_texts, taxonomy_real):
    from kb.knowledge.tagging import Texts, rules_and_counts
    from kb.knowledge.theme_model import term_counts

    titles, bodies = corpus_texts
    docs = [f"{t}\n{b}" for t, b in zip(titles, bodies)]
    docs += ["", "the of and", "Naïve in-context GPT-4 x_y 3d -foo- a- İstanbul café-bar end- aaaaaaa aaaaaaa",
             "ΟΔΥΣΣΕΥΣ ΣΑΣ Σ", "\u212aelvin"]
    expected = reference_counts(docs)
    assert same_bits(term_counts(docs, chunk=700), expected)
    odd = docs[-5:] + ["a nul\x00inside", " \x00 "]       # the mark between joined texts, in a text
    assert same_bits(term_counts(odd), reference_counts(odd))
    n = len(titles)
    _, _, counts = rules_and_counts(Texts(ids=list(range(n)), titles=titles, bodies=bodies), taxonomy_real, chunk=900)
    assert same_bits(counts, expected[:n])


def test_term_counts_of_odd_texts_are_those_of_each_text_counted_alone():
    """Counting a batch's terms by packed sorts (:func:`kb.knowledge.text_tokens.counted`,
    ``distinct``) and its n-grams by a transposed product, on texts at their edges: empty ones,
    stop words or numbers only, apostrophes and curly quotes, hyphens and dashes, non-ASCII
    letters, a batch with no word at all, and a text whose n-gram is counted over 2^20 times."""
    from kb.knowledge.theme_model import term_counts

    odd = ["", "   ", "the of and is", "12 345 6789", "it's don't we’re “quoted” l’homme o'neill",
           "in-context in--context -x- a- -b state-of-the-art — en–dash x_y _z", "Naïve café ΣΑΣ σ İz \u212a x²",
           "a" * 300 + " " + "bc" * 40, "word " * 5000, "the interpretability of interpretable models " * 50]
    assert same_bits(term_counts(odd, chunk=3), reference_counts(odd))
    assert same_bits(term_counts(["", "the", "12"]), reference_counts(["", "the", "12"]))
    assert same_bits(term_counts([]), reference_counts([]))
    long = ["ab " * (1 << 20) + "ab cd", "cd ab"]      # " ab " is one 5-gram, counted 2^20 + 1 times
    assert same_bits(term_counts(long), reference_counts(long))


def test_distinct_is_numpys_unique():
    """``distinct`` (a sort of packed keys, checked for keys whose mixed bits agree) numbers the
    keys as ``np.unique`` does, up to the order of the distinct keys, on keys that collide in
    their mixed top bits too."""
    from kb.knowledge.text_tokens import distinct

    rng = np.random.default_rng(0)
    for keys in (np.zeros(0, dtype=np.int64), np.array([7], dtype=np.int64),
                 rng.integers(0, 50, size=10_000), rng.integers(-2**62, 2**62, size=5_000),
                 np.repeat(rng.integers(0, 2**40, size=300), 7)):
        uniq, inverse = distinct(keys.astype(np.int64))
        assert len(uniq) == len(np.unique(keys)) and (uniq[inverse] == keys).all()
    # Two keys whose mixed top bits agree (their product with the mix differs by 1): the check
    # sees it and np.unique answers.
    other = pow(0x9E3779B97F4A7C15, -1, 1 << 64)
    keys = np.array([0, other - (1 << 64) if other >= 1 << 63 else other, 5, 0], dtype=np.int64)
    uniq, inverse = distinct(keys)
    assert (uniq[inverse] == keys).all() and len(uniq) == 3


def test_title_hashes_of_a_batch_are_those_of_each_title():
    """Kept texts find labelled works by the crc32 of each title's key: reduced a batch of titles
    at once, they are those of `title_key` title by title (odd characters, empty titles, a title
    with a new line)."""
    import random
    import zlib

    from kb.knowledge.tagging import title_hashes
    from kb.knowledge.theme_model import title_key

    rng = random.Random(1)
    alphabet = "abcXYZ09 -_.,'’é\u212aİΣσ\t\x00"
    titles = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(3000)] + ["", " A  b "]
    for batch in (titles, titles + ["a\nb"], []):
        assert title_hashes(batch).tolist() == [zlib.crc32(title_key(t).encode()) for t in batch]


@pytest.fixture()
def few_labels(tmp_path, monkeypatch):
    """The first 150 labelled works only: the model's fits (a fixed cost of every full run,
    the same on both paths) take a fraction of the time."""
    path = tmp_path / "labels.jsonl"
    lines = (PROJECT_ROOT / "data" / "theme_labels.jsonl").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:150]) + "\n", encoding="utf-8")
    monkeypatch.setenv("KB_THEME_LABELS", str(path))
    return path


@pytest.fixture(scope="module")
def taxonomy_real():
    from kb.knowledge.themes import load_taxonomy

    return load_taxonomy(PROJECT_ROOT / "data" / "themes.toml")


def test_the_fast_path_tags_a_store_as_the_straightforward_one(tmp_path, corpus_texts, taxonomy_real, few_labels,
                                                               monkeypatch):
    """Every automatic row (paper, theme, source, score, signals) of a full run on a store of a
    few thousand papers, with the store's kept texts (a first run, then a run that reads them),
    equals that of a run whose term counts are counted text by text."""
    from kb.knowledge import tagging, theme_model
    from kb.knowledge.tagging import auto_tag
    from kb.knowledge.theme_model import ModelSettings
    from kb.store import Store
    from kb.store.records import PaperRecord

    monkeypatch.setenv("KB_THEMES", str(PROJECT_ROOT / "data" / "themes.toml"))
    titles, bodies = corpus_texts
    settings = ModelSettings(folds=2, unlabelled=800, store_positives=300)
    store = Store(tmp_path / "fast.sqlite")
    store.upsert_papers([PaperRecord(paper_id=f"{i:040x}", title=t, abstract=b or None, year=2020, detail_level=2)
                         for i, (t, b) in enumerate(zip(titles, bodies), start=1)])
    store.close()
    shutil.copy(tmp_path / "fast.sqlite", tmp_path / "reference.sqlite")

    def rows(path, runs):
        with Store(path) as s:
            for _ in range(runs):
                auto_tag(s, taxonomy_real, settings=settings, full=True)
            return sorted(map(tuple, s.conn.execute("SELECT paper, theme, source, score, signals FROM paper_theme"
                                                  " WHERE source != 'manual'")))

    fast = rows(tmp_path / "fast.sqlite", 2)          # the second run reads the kept texts

    keywords = tagging.rules_and_counts

    def straightforward_rules_and_counts(texts, taxonomy, *, counts=True, chunk=20_000):
        rules, fired, _ = keywords(texts, taxonomy, counts=False)
        return rules, fired, reference_counts(list(texts.joined())) if counts else None

    monkeypatch.setattr(tagging, "rules_and_counts", straightforward_rules_and_counts)
    monkeypatch.setattr(theme_model, "term_counts", lambda docs, chunk=0: reference_counts(list(docs)))
    reference = rows(tmp_path / "reference.sqlite", 1)
    assert len(fast) > 500 and {r[2] for r in fast} >= {"rule", "model"}
    assert fast == reference


def test_bench_tag_runs_on_a_small_store(tmp_path, few_labels):
    """`bench/bench_tag.py` (smoke): every timing and ratio is reported on a tiny store."""
    import json

    store = tmp_path / "small.sqlite"
    subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "make_store.py"), str(store), "--papers", "300",
                    "--edges", "1500", "--abstract-words", "40"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "bench_tag.py"), str(store)],
                         check=True, capture_output=True, text=True)
    report = json.loads(out.stdout)
    for name in ("tag_full", "tag_full_kept", "tag_nothing_new", "tag_after_crawl"):
        assert report[f"{name}_cpu"] >= 0 and not math.isnan(report[f"{name}_cpu_ratio_to_rank"])
    assert report["tag_after_crawl_papers"] == 3        # a small store keeps its model too: only the new are scored


def test_kept_texts_are_read_as_numpy_reads_them(tmp_path):
    """`read_arrays` reads each member of an `np.savez` file straight from its place in the file:
    the arrays `np.load` gives (empty, 2-D, Fortran-ordered ones too), and a damaged file is a
    ValueError (the kept texts then count as none)."""
    from kb.knowledge.theme_cache import read_arrays

    arrays = {"ids": np.arange(10, dtype=np.int64), "empty": np.zeros(0, dtype=np.float32),
              "grid": np.arange(12, dtype=np.float32).reshape(3, 4), "fortran": np.asfortranarray(np.eye(3)),
              "data": np.random.default_rng(0).random(100_000).astype(np.float32)}
    path = tmp_path / "texts-1.npz"
    np.savez(path, **arrays)
    got = read_arrays(path)
    with np.load(path) as z:
        assert sorted(got) == sorted(z.files)
        for name in z.files:
            assert got[name].dtype == z[name].dtype and got[name].shape == z[name].shape
            assert (got[name] == z[name]).all()
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size - 200)
    with pytest.raises(ValueError):
        read_arrays(path)


def test_kept_texts_are_written_aligned_and_mapped(tmp_path, monkeypatch):
    """`save_arrays` writes what `np.savez` writes, readable by `np.load`, with every member's data
    on a multiple of 64 bytes, so that `read_arrays` maps the big ones copy-on-write instead of
    copying them (the same values); weighing mapped counts in place gives the same bits as
    weighing a copy, and leaves the file as it was."""
    import mmap

    from scipy import sparse

    from kb.knowledge import theme_cache
    from kb.knowledge.theme_cache import read_arrays, save_arrays
    from kb.knowledge.theme_model import FEATURES, weigh

    monkeypatch.setattr(theme_cache, "MAP_BYTES", 1024)
    rng = np.random.default_rng(1)
    arrays = {"ids": np.arange(10, dtype=np.int64), "empty": np.zeros(0, dtype=np.float32),
              "grid": np.arange(12, dtype=np.float32).reshape(3, 4), "fortran": np.asfortranarray(np.eye(3)),
              "c_data": (1 + rng.random(50_001)).astype(np.float32),
              "c_indices": rng.integers(0, FEATURES, size=50_001).astype(np.int32),
              "odd": np.arange(7, dtype=np.int8), "c_indptr": np.linspace(0, 50_001, 101).astype(np.int64)}
    path = tmp_path / "texts-1.npz"
    save_arrays(path, arrays)
    got = read_arrays(path)
    with np.load(path) as z:
        assert sorted(got) == sorted(z.files) == sorted(arrays)
        for name in z.files:
            for other in (got[name], z[name]):
                assert other.dtype == arrays[name].dtype and other.shape == arrays[name].shape
                assert (other == arrays[name]).all()
    def mapped(array) -> bool:
        while isinstance(array, np.ndarray):
            array = array.base
        return isinstance(array.obj if isinstance(array, memoryview) else array, mmap.mmap)

    for name in ("c_data", "c_indices"):
        assert mapped(got[name]) and got[name].flags.aligned and got[name].flags.writeable   # mapped, not read
    assert not mapped(got["ids"]) and not mapped(got["c_indptr"])                          # small ones are read
    mapped = sparse.csr_matrix((got["c_data"], got["c_indices"], got["c_indptr"]), shape=(100, FEATURES))
    mapped.has_canonical_format = True
    plain = sparse.csr_matrix((arrays["c_data"].copy(), arrays["c_indices"], arrays["c_indptr"]), shape=(100, FEATURES))
    idf = (1 + rng.random(FEATURES)).astype(np.float32)
    a, _ = weigh(plain, idf)
    b, _ = weigh(mapped, idf)
    assert np.array_equal(a.data.view(np.int32), b.data.view(np.int32))
    assert (read_arrays(path)["c_data"] == arrays["c_data"]).all()       # weighed in memory, not in the file
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size - 200)
    with pytest.raises(ValueError):
        read_arrays(path)


def test_numbers_share_one_inert_rule_token_and_match_as_before():
    """Numbers whose first digit begins no keyword phrase share one rule token
    (`text_tokens.Inert`): keyword scores and phrases found are those of the matcher with every
    number its own token, with phrases that begin with, hold or end in numbers, and numbers
    that begin with a digit some phrase word begins with."""
    from kb.knowledge.tagging import RuleMatcher, RuleTokens
    from kb.knowledge.text_tokens import Pieces, Vocabulary, split
    from kb.knowledge.themes import parse_taxonomy

    taxonomy = parse_taxonomy('[theme.a]\nkeywords = ["3d vision", "gpt 4", "top 10 list", "2024*", "model 7b"]\n'
                              '[theme.b]\nkeywords = ["reward 1", "5 shot*", "vision", "4"]\n')
    m = RuleMatcher(taxonomy)
    assert "1" in m.initials and "9" not in m.initials       # no phrase word begins with a 9
    rng = np.random.default_rng(4)
    vocabulary = ["3d", "vision", "gpt", "4", "40", "41", "top", "10", "100", "list", "2024", "20245", "model",
                  "7b", "reward", "1", "12", "5", "55", "shot", "shots", "0", "9", "90210", "x", "3", "33d"]
    titles = [" ".join(rng.choice(vocabulary, size=rng.integers(0, 6))) for _ in range(400)]
    bodies = [" ".join(rng.choice(vocabulary, size=rng.integers(0, 40))) for _ in range(400)]
    titles += ["GPT 4 and 3D vision", "", "4"]
    bodies += ["top 10 list of 2024 models: model 7b", "reward 1, 5 shots", "12 41 90210 1 0"]

    def matched(inert: bool):
        tokens = RuleTokens(m)
        if not inert:
            tokens.vocabulary.inert = None
        pieces = Pieces(tokens.vocabulary, Vocabulary())
        out = m.match(split(pieces, titles, bodies), tokens, len(titles))
        return out, len(tokens.vocabulary)

    (fast, indptr, found), shared = matched(True)
    (plain, indptr_plain, found_plain), own = matched(False)
    assert shared < own                                       # numbers did share a token
    assert np.array_equal(fast, plain) and np.array_equal(indptr, indptr_plain) and np.array_equal(found, found_plain)
    assert fast.any(axis=0).all()
