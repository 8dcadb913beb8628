"""Relevance: kb's default order, "how much is this paper about what my seeds are about".

No single graph figure answers that. Personalised PageRank from the seeds flows into whatever
everybody cites (Adam, ResNet, the Transformer), so its top 50 is full of generic method hubs;
co-citation and coupling stay on topic but only see papers that share citers or references
with a seed, and rank the rest arbitrarily. Relevance combines five signals, each turned into
a number in [0, 1) by x / (x + m), m the median of its positive values (so no signal's
outliers swamp the others, and a typical positive value counts 0.5):

* ``lift``: seed PageRank divided by global PageRank to the power ``LIFT_POWER`` (how much more
  the walk from the seeds visits the paper than a walk from anywhere does). A hub that the
  whole store cites gets little lift however much seed PageRank it collects.
* ``cocitation`` and ``coupling`` with the seeds (kb.knowledge.ranking: Salton's cosine and
  Adamic-Adar, both already discounting popular papers and references). Coupling is divided
  by the paper's own number of known references: summed over shared references it favours
  papers that cite a lot (surveys, and papers whose long reference lists the crawl fetched)
  over a paper most of whose few references are the seeds' too. As a share, on the TUNE
  topics, it moved the hidden seeds of the leave-one-out test up (median rank 85 -> 68,
  recall@50 0.33 -> 0.50; ranks within a crawl, hiding each seed in turn: 55 -> 47) at no
  cost in precision; dividing by the square root (Salton's form) did less (82). On the
  HELD_OUT topics, with 2 hidden seeds a topic, it did not show (median 235 -> 252); with all
  5 hidden in turn it did (169 -> 138). Those figures are of the benchmark's corpus before a
  data/themes.toml edit regenerated it; on the current one relevance leads every figure on
  both parts (bench/README.md).
* ``embedding``: cosine of the paper's SPECTER v2 vector with the mean of the seeds' (0 when
  either is unknown), above a floor of ``EMBEDDING_FLOOR``: text similarity reaches papers the
  crawl found but that share no citer or reference with a seed.
* ``links``: how many seeds the paper cites or is cited by. A direct link says more about one
  paper than any neighbourhood figure: on the TUNE topics it moved the hidden seeds of the
  leave-one-out test up (median rank 114 -> 85; rlhf's 49 -> 4) at no cost in precision.

Two more signals were tried and left at weight 0:

* ``recommended``: how strongly Semantic Scholar's recommender backs the paper for the seeds
  (kb.knowledge.recommendations, after `kb crawl --recommended`). On the TUNE topics, crawled
  with recommendations, it did not help: precision was 1.00 with or without it, recall@50 of
  the hidden seeds 0.33 at every weight, and their median rank went from 87 (weight 0) to 95,
  109 and 129 (weights 0.5, 1, 2) with ``links`` at 0.5, from 122 to 112, 115 and 135 without
  ``links``. Measured again on the regenerated corpus with every TUNE seed hidden in turn
  (15 hidden seeds), it still made no difference worth a weight: median rank 42 at weight 0,
  39-43 at weights 0.25-1 whatever the form (1 / sqrt(place), 1 / place, lists it is on, seeds
  it is recommended for), geometric mean 55 against 49-58, recall@50 0.53 at every weight. The
  hidden seeds the recommender proposed (11 of 15, each on 1 to 5 of its 5 lists: the
  joint one and one per seed) were all co-cited with the seeds and 9 of them linked to one,
  which relevance counts already. It stays computed so that
  `bench/bench_relevance.py --recommended --weight recommended=W` can measure it again (the
  stand-in's recommender is a model of the real one, not the real one).
* Theme tags (the share of the seeds' themes a paper carries): on the TUNE topics they did not
  help, and after a crawl the tags are recomputed only after the ranks, so relevance would lag
  one crawl behind them. Removed.

relevance = sum of weight * signal, with WEIGHTS chosen on the ranking benchmark's TUNE topics
only (bench/bench_relevance.py) and checked on its HELD_OUT topics. Papers cited by more than
``HUB_SHARE`` of the store's papers are generic by definition and keep a tenth of their score.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How much each signal counts (tuned on the benchmark's TUNE topics; see the module docstring).
WEIGHTS = {"lift": 1.0, "cocitation": 1.0, "coupling": 1.0, "embedding": 1.5, "links": 1.0,
           "recommended": 0.0}
LIFT_POWER = 0.75
EMBEDDING_FLOOR = 0.0
HUB_SHARE = 0.05
SIGNALS = tuple(WEIGHTS)


@dataclass
class Relevance:
    score: "object"          # np.ndarray, one per paper of the graph
    signals: dict            # name -> np.ndarray in [0, 1), before weighting


def saturate(x):
    """x / (x + median of positive x): 0 stays 0, a typical positive value becomes 0.5."""
    import numpy as np

    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0)
    x = np.maximum(x, 0.0)
    positive = x[x > 0]
    if not positive.size:
        return np.zeros_like(x)
    m = float(np.median(positive))
    return x / (x + m)


def seed_similarity(vectors, present, seeds):
    """Cosine of every paper's vector with the mean unit vector of the seeds that have one
    (0 for papers without a vector, or when no seed has one)."""
    import numpy as np

    n = present.size
    out = np.zeros(n)
    have = seeds[present[seeds]] if seeds.size else seeds
    if not have.size or vectors is None:
        return out
    centre = vectors[have].mean(axis=0)
    norm = np.linalg.norm(centre)
    if norm == 0:
        return out
    out[present] = (vectors[present] @ (centre / norm)).astype(np.float64)
    return out


def relevance(*, seeds, seed_pagerank, pagerank, cocitation, coupling, in_citations,
              in_references=None, links=None, similarity=None, recommended=None,
              weights=None) -> Relevance:
    """The relevance of every paper (see the module docstring). Seeds score 0 here: they are
    the question, not an answer (listings show them first or leave them out anyway).
    ``in_references``: each paper's known references, which coupling is divided by."""
    import numpy as np

    weights = {**WEIGHTS, **(weights or {})}
    n = seed_pagerank.size
    lift = np.zeros(n)
    ok = pagerank > 0
    lift[ok] = seed_pagerank[ok] / pagerank[ok] ** LIFT_POWER
    signals = {
        "lift": saturate(lift),
        "cocitation": saturate(cocitation),
        "coupling": saturate(coupling if in_references is None
                             else np.asarray(coupling) / np.maximum(in_references, 1)),
        "embedding": (np.maximum(similarity - EMBEDDING_FLOOR, 0.0) / (1.0 - EMBEDDING_FLOOR)
                      if similarity is not None else np.zeros(n)),
        "links": saturate(links) if links is not None else np.zeros(n),
        "recommended": saturate(recommended) if recommended is not None else np.zeros(n),
    }
    score = sum(weights[name] * signal for name, signal in signals.items())
    if n:
        generic = in_citations > max(HUB_SHARE * n, 20)
        score = np.where(generic, score * 0.1, score)
    score = np.asarray(score, dtype=np.float64)
    if seeds.size:
        score[seeds] = 0.0
    return Relevance(score=score, signals=signals)
