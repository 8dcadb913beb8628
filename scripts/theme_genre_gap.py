"""An experiment, kept so it can be run again: session 18's twenty-fifth pass (issue 19,
docs/themes-evaluation.md), information only. Does the genre column (``ModelSettings.genre``) close
the gap between the margins of a theme's labelled posts and of its labelled papers, and what does
the posts' gate then do?

    PYTHONPATH=$PWD .venv/bin/python scripts/theme_genre_gap.py P0 G2

Trains the posts' model of each variant of ``scripts/theme_posts_pass.py`` once on what kb ships
(the labelled works and the posts it trains on, the forum stand-in's rows: as
``scripts/build_posts_model.py`` does) and prints, per theme, the labelled works' out-of-fold
margins the thresholds are fitted on (``ThemeScores.labelled_margins``): the median margin and the
share over the threshold of the positive papers, of the positive posts and of the posts about no
theme, and the gate's cut. Only development works are read; no kept-out part.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import theme_posts_pass  # noqa: E402

import kb.knowledge.theme_model as tm  # noqa: E402
from kb.knowledge import posts_model  # noqa: E402
from kb.knowledge.theme_model import PostModel  # noqa: E402


def scores_of(settings):
    """The ThemeScores of a posts' model with ``settings`` trained as :func:`posts_model.train` trains it."""
    base, taxonomy, fallback = posts_model.shipped_inputs()
    captured = {}
    real = tm.theme_scores

    def keep(*args, **kwargs):
        captured["scores"] = real(*args, **kwargs)
        return captured["scores"]
    tm.theme_scores = keep
    try:
        posts_model.train(PostModel(base.labelled, settings), taxonomy, fallback)
    finally:
        tm.theme_scores = real
    return base.labelled, taxonomy, captured["scores"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", choices=sorted(theme_posts_pass.VARIANTS))
    args = parser.parse_args()
    for name in args.variants:
        settings, _ = theme_posts_pass.VARIANTS[name]
        labelled, taxonomy, scores = scores_of(settings)
        oof, thresholds, y, posts = scores.labelled_margins, scores.thresholds, labelled.y, labelled.posts
        cuts = scores.model.gate_cuts
        print(f"{name}: gate cut {scores.model.gate_cut:.3f}, cuts {np.round(cuts, 3).tolist() if cuts is not None else None}")
        print("theme | threshold | papers: median, share over | posts: median, share over | posts about none: median, share over")
        off = ~y.any(axis=1) & posts
        for c, slug in enumerate(taxonomy.themes):
            if np.isnan(oof[:, c]).all() or y[posts, c].sum() < 10:
                continue
            t = thresholds[c]

            def cell(rows):
                m = oof[rows, c]
                return f"{np.median(m):+.2f}, {np.mean(m >= t):.2f}"
            print(f"{slug} | {t:+.2f} | {cell(y[:, c] & ~posts)} | {cell(y[:, c] & posts)} | {cell(off)}")


if __name__ == "__main__":
    main()
