"""The embedding signal of theme tagging: does a paper's SPECTER vector lie with the papers
that carry a theme?

The text model knows the words of the labelled works; a paper known by its title alone, or
written in words those works never used, gives it little to go on, while Semantic Scholar's
vector (stored by the crawler, :mod:`kb.knowledge.embeddings`) places it among papers about the
same thing. Per theme, a ridge regression over the store's vectors of whether the other signals
(keywords, the text model, the user's manual tags) tag a paper with the theme; a paper's score
is its prediction rescaled so that the untagged papers' mean is 0 and the tagged papers' mean
is 1, and the combined score of the text model moves by ``WEIGHT`` x (score clipped to [0, 1]
- 0.5): towards a theme whose papers the vector sits among, away from one it sits far from.

On the stand-in (``bench/bench_theme_embeddings.py --pipeline``) the regression beat the
difference of the two means (the alignment themes share a direction, which the means carry into
every theme's score and the regression discounts), and a nearest-neighbour vote needs a query
per paper; the regression needs one pass over the vectors (sums and second moments, 768 x 768)
to fit and one to score, the same at a million papers. A theme needs ``MIN_POSITIVES`` vectored
papers tagged with it, and the store ``MIN_PAPERS`` vectored papers, for the signal to speak;
papers without a vector are scored by the other signals alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.store.records import EMBEDDING_DIM

WEIGHT = 1.0
MIN_PAPERS = 50
MIN_POSITIVES = 5
RIDGE = 1e-2


@dataclass
class ThemeDirections:
    """Per theme: the regression's weights, and where the untagged and the tagged papers' means
    fall along them; ``usable``: the theme had enough vectored papers."""

    directions: object     # (themes x 768) float64
    offsets: object        # (themes,) the rest's mean along the direction
    spans: object          # (themes,) the theme's mean minus the rest's, along the direction
    usable: object         # (themes,) bool

    def scores(self, vectors):
        """(papers x themes): 0 at the untagged papers' mean, 1 at the theme's; NaN where the
        theme is not usable."""
        import numpy as np

        out = (vectors.astype(np.float64) @ self.directions.T - self.offsets) / self.spans
        out[:, ~self.usable] = np.nan
        return out

    def as_arrays(self) -> dict:
        return {"v_directions": self.directions, "v_offsets": self.offsets, "v_spans": self.spans,
                "v_usable": self.usable}

    @classmethod
    def from_arrays(cls, z) -> "ThemeDirections | None":
        if "v_directions" not in z.files:
            return None
        return cls(z["v_directions"], z["v_offsets"], z["v_spans"], z["v_usable"])


class Rows:
    """Finds the rows of store ids among the papers being tagged (which are in Semantic Scholar
    id order, not store id order), a chunk of ids at a time."""

    def __init__(self, paper_ids):
        import numpy as np

        ids = np.asarray(paper_ids, dtype=np.int64)
        self.order = np.argsort(ids, kind="stable")
        self.sorted = ids[self.order]

    def of(self, chunk_ids):
        """(rows of the chunk's ids that are among the papers, mask of those)."""
        import numpy as np

        pos = np.searchsorted(self.sorted, chunk_ids)
        known = pos < len(self.sorted)
        known[known] = self.sorted[pos[known]] == chunk_ids[known]
        return self.order[pos[known]], known


@dataclass
class Moments:
    """What a ridge regression of the tags on the vectors needs, summed over papers."""

    total: object            # (dims,) sum of the vectors
    second: object           # (dims x dims) sum of their outer products
    positive: object         # (themes x dims) sum of the vectors of each theme's tagged papers
    count: int
    count_pos: object        # (themes,) tagged papers per theme

    @classmethod
    def zero(cls, k: int) -> "Moments":
        import numpy as np

        return cls(np.zeros(EMBEDDING_DIM), np.zeros((EMBEDDING_DIM, EMBEDDING_DIM)),
                   np.zeros((k, EMBEDDING_DIM)), 0, np.zeros(k, dtype=np.int64))

    def add(self, vectors, labels) -> None:
        # In float64: the papers come in chunks of store ids, which a resumed crawl assigns
        # differently, and float32 sums of other chunks moved scores in their 4th decimal.
        import numpy as np

        vectors, labels = vectors.astype(np.float64), labels.astype(np.float64)
        self.total += vectors.sum(axis=0)
        self.second += vectors.T @ vectors
        self.positive += labels.T @ vectors
        self.count += len(vectors)
        self.count_pos += labels.sum(axis=0).astype(self.count_pos.dtype)

    def __add__(self, other: "Moments") -> "Moments":
        return Moments(self.total + other.total, self.second + other.second, self.positive + other.positive,
                       self.count + other.count, self.count_pos + other.count_pos)

    def regression(self, ridge: float = RIDGE) -> ThemeDirections:
        import numpy as np

        count, count_pos = max(self.count, 1), self.count_pos
        usable = (count_pos >= MIN_POSITIVES) & (self.count - count_pos >= MIN_POSITIVES)
        mean = self.total / count
        covariance = self.second / count - np.outer(mean, mean)
        cross = self.positive.T / count - np.outer(mean, count_pos / count)     # (dims x themes)
        directions = np.linalg.solve(covariance + ridge * np.eye(EMBEDDING_DIM), cross).T
        theme_mean = self.positive / np.maximum(count_pos, 1)[:, None]
        rest_mean = (self.total[None, :] - self.positive) / np.maximum(self.count - count_pos, 1)[:, None]
        offsets = np.einsum("ij,ij->i", rest_mean, directions)
        spans = np.einsum("ij,ij->i", theme_mean, directions) - offsets
        usable &= spans > 1e-9
        spans[~usable] = 1.0
        return ThemeDirections(directions, offsets, spans, usable)


def fit(store, paper_ids, row_halves, tagged, ridge: float = RIDGE):
    """(the regression on every vectored paper, the two regressions on each half) from one pass
    over the store's vectors, or None when too few papers have one; ``tagged`` is (papers x
    themes) for ``paper_ids`` (store ids), and ``row_halves`` says which half (0 or 1) each is
    in: each half's papers are scored by the regression fitted on the other half, so a paper's
    own tag never confirms itself."""
    import numpy as np

    from kb.knowledge.embeddings import unit_chunks

    rows = Rows(paper_ids)
    halves = [Moments.zero(tagged.shape[1]), Moments.zero(tagged.shape[1])]
    for ids, matrix in unit_chunks(store):
        # Read once there is a vector (a store without any never works its papers' halves out).
        row_halves = np.asarray(row_halves, dtype=np.int8)
        at, known = rows.of(ids)
        half = row_halves[at]
        vectors, labels = matrix[known], tagged[at].astype(np.float32)
        for h in (0, 1):
            if (half == h).any():
                halves[h].add(vectors[half == h], labels[half == h])
    whole = halves[0] + halves[1]
    if whole.count < MIN_PAPERS:
        return None
    return whole.regression(ridge), [m.regression(ridge) for m in halves]


def score(store, paper_ids, directions: ThemeDirections, *, halves=None, row_halves=None,
          by_id: bool = False):
    """(papers x themes) scores of ``paper_ids`` (store ids), NaN for a paper without a
    vector. With ``halves`` (the regressions :func:`fit` made on each half), a paper is scored
    by the one fitted on the other half (``row_halves`` as in :func:`fit`). ``by_id``: they are
    a few papers of a big store; their vectors are read by id instead of in one pass over all of them."""
    import numpy as np

    from kb.knowledge.embeddings import unit_chunks, vectors_of

    rows = Rows(paper_ids)
    if halves is not None:
        row_halves = np.asarray(row_halves, dtype=np.int8)
    out = np.full((len(paper_ids), directions.directions.shape[0]), np.nan)
    if by_id:
        found = vectors_of(store, paper_ids)
        chunks = [(np.array(list(found), dtype=np.int64),
                   np.array(list(found.values()), dtype=np.float32).reshape(-1, EMBEDDING_DIM))]
    else:
        chunks = unit_chunks(store)
    for ids, matrix in chunks:
        at, known = rows.of(ids)
        if not known.any():
            continue
        if halves is None:
            out[at] = directions.scores(matrix[known])
            continue
        half = row_halves[at]
        for h in (0, 1):
            mine = half == h
            if mine.any():
                out[at[mine]] = halves[1 - h].scores(matrix[known][mine])
    return out


def shift(vector_scores):
    """What the embedding signal adds to the combined score (0 where it does not speak)."""
    import numpy as np

    return np.nan_to_num(WEIGHT * (np.clip(vector_scores, 0.0, 1.0) - 0.5), nan=0.0)
