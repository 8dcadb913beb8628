"""Deterministic stand-ins for Semantic Scholar's SPECTER embeddings (768 floats).

The real vectors place papers on the same subject close together; that is all kb uses them
for (nearest neighbours, similarity to the seeds), so the stand-in's vectors are a topic
direction plus per-paper noise: papers of one topic have a cosine of about 0.5, papers of
unrelated topics about 0, and the alignment themes share a common direction (cosine about
0.2 across themes), as do the ML topics. A paper without a topic (added by a test) gets
noise alone. Everything is derived from the paperId and topic slug, so a vector never changes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

DIM = 768
#: Weights of the group direction, the topic direction and the paper's own noise.
GROUP_WEIGHT, TOPIC_WEIGHT, NOISE_WEIGHT = 0.5, 0.9, 1.0


def _rng(key: str):
    import numpy as np

    return np.random.default_rng(int(hashlib.sha1(key.encode()).hexdigest()[:16], 16))


@lru_cache(maxsize=256)
def _direction(key: str):
    v = _rng("direction:" + key).standard_normal(DIM)
    return v / (v ** 2).sum() ** 0.5 * DIM ** 0.5


@lru_cache(maxsize=256)
def _group_of(topic: str) -> str:
    from kb.standin.generate import topic_table

    return next((t.group for t in topic_table() if t.slug == topic), "other")


def paper_vector(paper_id: str, topic: str | None, model: str = "specter_v2") -> list[float]:
    """The 768 floats served as ``embedding.vector`` for one paper: float32 values written out
    as doubles (``1.4912004470825195``), as the recorded answers have them, so that a batch of
    500 papers weighs what a real one does (8-9 MB, near the 10 MB cap)."""
    import numpy as np

    v = _rng(f"{paper_id}:{model}").standard_normal(DIM) * NOISE_WEIGHT
    if topic:
        v = v + TOPIC_WEIGHT * _direction(topic) + GROUP_WEIGHT * _direction("group:" + _group_of(topic))
    return v.astype(np.float32).astype(np.float64).tolist()
