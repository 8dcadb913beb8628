"""An experiment, kept so it can be run again: the variants of the posts' theme model (issue 19,
session 12's fourteenth and fifteenth passes and session 13's sixteenth, docs/themes-evaluation.md),
out of fold on the development posts.

    .venv/bin/python scripts/theme_post_variants.py P0 P3      # any of P0 P1 P2 P3 Q1 Q2 Q3
    .venv/bin/python scripts/theme_post_variants.py Q1 --tables --splits

The works are the 2,550 development works (``data/theme_labels.jsonl`` then the labelled posts of
``data/theme_labels_pending.jsonl``, file order), folds ``i % 5``; each fold's works are stored
together (as ``kb crawl`` stores them, posts as posts) and tagged by models trained on the other
folds: the papers' model on their works of ``theme_labels.jsonl``, the posts' model on those and
their labelled posts. Scored on the 782 development posts (178 of them about no theme: 487 posts,
56 negatives, until session 13 added 295 drawn at random from the recorded forum, ``"split":
"dev13"``; ``--splits`` scores each batch apart); the papers' figures are printed too (the papers'
model is the same in every variant, so they are too; they move when the stored folds hold more
posts, since that model reads the store). Only development works are read; no kept-out part.

* P0: no posts' model (posts tagged by the shipped model);
* P1: a posts' model trained with the labelled posts; P2: posts weighted 2 in its SVMs;
* P3: thresholds and gate fitted on the labelled posts (``calibrate_posts``);
* Q1, Q2: P3 with the gate's cuts raised so that at most 5% (3%) of the labelled negative posts
  pass it, out of fold within the training folds (``gate_negatives``);
* Q3: Q1 with a post about a theme counted twice in fitting the theme's threshold
  (``post_positive_weight``).

Each variant takes about 35-120 s of CPU. The sixteenth pass (R0-R3 = P0, P3, Q1, Q3 on the 782
posts): 0.7147, 13/178; 0.7225, 23/178; 0.7093, 9/178; 0.6989, 8/178 (the only one at most 5%,
under P0), so nothing was switched on.
"""
from __future__ import annotations

import argparse
import json
import time

from kb.knowledge.theme_eval import figures, themes_of_rows
from kb.knowledge.theme_model import ModelSettings
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy

P3 = ModelSettings(calibrate_posts=True)
VARIANTS = {
    "P0": False,
    "P1": ModelSettings(),
    "P2": ModelSettings(post_weight=2.0),
    "P3": P3,
    "Q1": ModelSettings(calibrate_posts=True, gate_negatives=0.05),
    "Q2": ModelSettings(calibrate_posts=True, gate_negatives=0.03),
    "Q3": ModelSettings(calibrate_posts=True, gate_negatives=0.05, post_positive_weight=2.0),
}


def out_of_fold(settings, folds: int = 5) -> tuple[list[dict], list[set[str]]]:
    """The development works and each one's themes, tagged by models trained on the other folds
    (the out-of-fold code of ``theme_posts_pass.py``, the eighteenth pass)."""
    from theme_posts_pass import out_of_fold as rows_out_of_fold

    every, rows = rows_out_of_fold(settings, folds)
    return every, themes_of_rows(rows, load_taxonomy(DEFAULT_THEMES_FILE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", choices=sorted(VARIANTS))
    parser.add_argument("--tables", action="store_true", help="each theme's figures on the posts")
    parser.add_argument("--splits", action="store_true",
                        help="the posts' figures apart for each batch of labelled posts (their split field)")
    args = parser.parse_args()
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    for name in args.variants:
        start = time.process_time()
        every, predicted = out_of_fold(VARIANTS[name])
        posts = [i for i, w in enumerate(every) if w.get("kind") == "post"]
        papers = [i for i, w in enumerate(every) if w.get("kind") != "post"]
        fp = figures([every[i] for i in posts], [predicted[i] for i in posts], taxonomy)
        fa = figures([every[i] for i in papers], [predicted[i] for i in papers], taxonomy)
        lowest = min((t for t in fp.themes if t["n"]), key=lambda t: t["recall"])
        print(json.dumps({"variant": name, "posts": len(posts), "macro_f1": round(fp.macro_f1, 4),
                          "negatives": f"{fp.negatives_tagged}/{fp.negatives}", "min_recall": round(fp.min_recall, 3),
                          "lowest": lowest["slug"], "papers_macro_f1": round(fa.macro_f1, 4),
                          "papers_negatives": f"{fa.negatives_tagged}/{fa.negatives}",
                          "cpu_s": round(time.process_time() - start)}), flush=True)
        if args.tables:
            print(fp.table(f"{name}: development posts"), flush=True)
        if args.splits:
            for split in sorted({every[i].get("split") for i in posts}):
                part = [i for i in posts if every[i].get("split") == split]
                fs = figures([every[i] for i in part], [predicted[i] for i in part], taxonomy)
                print(json.dumps({"variant": name, "split": split, "posts": len(part), "macro_f1": round(fs.macro_f1, 4),
                                  "negatives": f"{fs.negatives_tagged}/{fs.negatives}",
                                  "min_recall": round(fs.min_recall, 3)}), flush=True)
                if args.tables:
                    print(fs.table(f"{name}: posts of split {split}"), flush=True)


if __name__ == "__main__":
    main()
