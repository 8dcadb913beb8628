"""Forum tags as a tagging signal: a post tagged "Deceptive Alignment" on the forum is about
the theme ``deceptive-alignment`` as surely as a keyword in its title says so. The mapping is
``[forum_tags]`` in the themes file; a mapped tag counts as a confident rule hit, so it tags
the post and trains the per-theme model like one."""

from __future__ import annotations

import json


def forum_tag_matrix(store, texts, taxonomy, score: float):
    """(papers x themes) matrix: ``score`` where a post's forum tag maps to the theme."""
    import numpy as np

    index = {s: i for i, s in enumerate(taxonomy.themes)}
    row_of = {paper: r for r, paper in enumerate(texts.ids)}
    out = np.zeros((len(texts.ids), len(index)), dtype=np.float32)
    for paper, tags in store.conn.execute("SELECT paper, tags FROM post WHERE tags IS NOT NULL"):
        row = row_of.get(paper)
        if row is None:
            continue
        try:
            names = json.loads(tags)
        except ValueError:
            continue
        for name in names if isinstance(names, list) else []:
            for slug in taxonomy.forum_tags.get(str(name).strip().lower(), ()):
                out[row, index[slug]] = score
    return out
