"""The ranking benchmark's own arithmetic (bench/bench_relevance.py): how the hidden seeds' ranks
are pooled per part, and that `--reuse` re-ranks only stores crawled from this corpus's seeds.
The benchmark itself runs in test_bench_smoke (quick size)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_relevance as bench  # noqa: E402

MISSED = 10**6


def _topic(part, relevance_ranks, rival_ranks):
    precision = {"p@20": 1.0, "p@50": 1.0, "p@100": 1.0, "ndcg@50": 1.0, "hubs@50": 0.0}
    return {"part": part, "scores": {
        label: {**precision, "loo_ranks": ranks, "recall@50": bench._recall(ranks)}
        for label, ranks in zip([label for label, _ in bench.FIGURES],
                                [relevance_ranks] + [rival_ranks] * (len(bench.FIGURES) - 1))}}


def test_hidden_seed_ranks_are_pooled_over_a_parts_topics():
    per_topic = {"a": _topic("tune", [10, 1000, 40], [5, 20, 300]),
                 "b": _topic("tune", [60, MISSED], [70, MISSED])}
    tune = bench.averages(per_topic)["tune"]
    relevance, rival = tune["relevance"], tune["co-citation"]
    assert relevance["loo_rank"] == 60 and rival["loo_rank"] == 70      # median of the 5, missed last
    assert relevance["recall@50"] == rival["recall@50"] == pytest.approx(2 / 5)
    # geometric mean over the 4 the crawls reached: (10 * 1000 * 40 * 60) ** (1/4)
    assert relevance["loo_gmean"] == pytest.approx((10 * 1000 * 40 * 60) ** 0.25)
    wins = bench.wins({"tune": tune})["tune"]
    assert wins["hidden-seed median rank"] and wins["leave-one-out"]
    assert not wins["hidden-seed geometric mean"]                      # 70 against 38


def test_reuse_only_rescores_a_store_crawled_from_the_same_seeds(tmp_path):
    db = tmp_path / "relevance-x.sqlite"
    assert not bench._crawled_from(db, ["p1"])
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE paper (id INTEGER PRIMARY KEY, paper_id TEXT);"
                       "CREATE TABLE seed (paper INTEGER);"
                       "INSERT INTO paper VALUES (1, 'p1'), (2, 'p2'), (3, 'p3');"
                       "INSERT INTO seed VALUES (1), (2);")
    conn.commit()
    conn.close()
    assert bench._crawled_from(db, ["p2", "p1"])
    # the corpus follows data/themes.toml: after a keyword edit the seeds are other papers
    assert not bench._crawled_from(db, ["p1", "p3"])
