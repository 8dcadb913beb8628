"""How far two hand readings of the same forum posts agree on their themes (issue 19, session 16).

    .venv/bin/python scripts/theme_agreement.py
    .venv/bin/python scripts/theme_agreement.py --model /tmp/pass/W0.json   # a pass's saved rows too

Issue 19 asks macro-F1 >= 0.85 of the theme model on labelled works nobody tuned on; on random
forum posts it reaches 0.31-0.45. Whether 0.85 is within reach there depends on how well the labels
themselves can be reproduced: a second reader, blind to the first reading, labelled 240 of the
random development posts (``tests/data/theme_second_reading.jsonl``, drawn by
``scripts/theme_second_reading_draw.py`` and committed before any comparison). This script scores
reading 2 against reading 1 (``data/theme_labels_pending.jsonl``) as the passes score the model:
reading 1 as truth, reading 2 as the predictions, sub-themes implying their parents for both
(:func:`kb.knowledge.theme_model.labelled_from_works`), macro-F1 over the themes the truth is about,
per theme precision, recall, F1 and Cohen's kappa, the truth's negatives (posts about no theme) that
the predictions tag, exact-set agreement; then the other direction and the mean of both.

``--model`` adds, for the same 240 posts, a development pass's out-of-fold predictions (the rows
``scripts/theme_posts_pass.py --save`` writes, in the order of ``data/theme_labels.jsonl`` then the
pending posts) scored against each reading, so the model and the second reader are measured on
the same posts and by the same arithmetic.

Session 16 (240 posts, docs/themes-evaluation.md): macro-F1 0.865 over the 14 themes each
direction's truth is about (symmetric 0.865; 95% of 1,000 resamplings 0.825-0.952), micro-F1 0.929,
the same set of themes on 218/240 posts, reading 1's negatives tagged 4/93 and reading 2's 7/96,
kappa 0.81-1.00 on the 9 themes with 5 or more posts. ``--model`` with T0 and W0: 0.307 and 0.387
against reading 1, 0.333 and 0.412 against reading 2. Under a second of CPU.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE, labelled_from_works, read_works
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy
from kb.settings import PROJECT_ROOT

SECOND_READING = PROJECT_ROOT / "tests" / "data" / "theme_second_reading.jsonl"
RANDOM_SPLITS = ("dev13", "dev14")


def paired(second: list[dict], first: list[dict]) -> list[tuple[dict, dict]]:
    """Each post of the second reading with the first reading's row for it (same title and split)."""
    by_key = {(w["title"], w.get("split")): w for w in first if w.get("split") in RANDOM_SPLITS}
    missing = [w["title"] for w in second if (w["title"], w.get("split")) not in by_key]
    if missing:
        raise ValueError(f"{len(missing)} second-reading titles not among the random development posts: {missing[:3]}")
    return [(by_key[(w["title"], w["split"])], w) for w in second]


def agreement(truth, predicted, slugs: list[str]) -> dict:
    """``predicted`` scored against ``truth`` (boolean works x themes matrices, parents already
    implied): per theme counts, precision, recall, F1 and Cohen's kappa; macro-F1 over the themes
    the truth is about (``about``, the figure the posts' passes report) and over the themes either
    carries (``either``); micro-F1; the truth's negatives the predictions tag and the reverse;
    exact-set agreement."""
    truth, predicted = np.asarray(truth, dtype=bool), np.asarray(predicted, dtype=bool)
    works = len(truth)
    themes = []
    for c, slug in enumerate(slugs):
        t, p = truth[:, c], predicted[:, c]
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        tn = works - tp - fp - fn
        if not tp + fp + fn:
            continue            # neither reading gives the theme: no F1 to average
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        themes.append({"slug": slug, "n": tp + fn, "given": tp + fp, "tp": tp, "fp": fp, "fn": fn,
                       "precision": precision, "recall": recall, "f1": f1,
                       "kappa": cohen_kappa(tp, fp, fn, tn)})
    about = [t["f1"] for t in themes if t["n"]]
    tp, fp, fn = (sum(t[k] for t in themes) for k in ("tp", "fp", "fn"))
    neg_truth, neg_pred = ~truth.any(axis=1), ~predicted.any(axis=1)
    return {"works": works, "themes": themes,
            "about": sum(about) / len(about) if about else 0.0, "about_themes": len(about),
            "either": sum(t["f1"] for t in themes) / len(themes) if themes else 0.0,
            "micro": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0,
            "negatives": int(neg_truth.sum()), "negatives_tagged": int((neg_truth & ~neg_pred).sum()),
            "predicted_negatives": int(neg_pred.sum()), "positives_untagged": int((~neg_truth & neg_pred).sum()),
            "exact": int((truth == predicted).all(axis=1).sum())}


def cohen_kappa(tp: int, fp: int, fn: int, tn: int) -> float | None:
    """Cohen's kappa of one theme's 2 x 2 table: agreement beyond what the two readings' own rates
    of giving the theme would reach by chance (None when chance agreement is total)."""
    n = tp + fp + fn + tn
    observed = (tp + tn) / n
    first, second = (tp + fn) / n, (tp + fp) / n
    chance = first * second + (1 - first) * (1 - second)
    return None if chance == 1 else (observed - chance) / (1 - chance)


def symmetric(one: dict, other: dict) -> dict:
    """The mean of both directions of the figures that depend on which reading is truth."""
    return {k: (one[k] + other[k]) / 2 for k in ("about", "either", "micro")}


def bootstrap(one, two, slugs: list[str], draws: int = 1000, seed: int = 16) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the symmetric macro-F1 over posts drawn with
    replacement: with themes that 1-5 posts carry, a figure on 240 posts moves a lot with the
    posts drawn, and the spread says how much."""
    rng = np.random.default_rng(seed)
    got = []
    for _ in range(draws):
        rows = rng.integers(0, len(one), len(one))
        got.append(symmetric(agreement(one[rows], two[rows], slugs), agreement(two[rows], one[rows], slugs))["about"])
    low, high = np.percentile(got, [2.5, 97.5])
    return float(low), float(high)


def render(a: dict, heading: str) -> str:
    lines = [heading, f"{'theme':30} {'n':>4} {'given':>5} {'precision':>9} {'recall':>6} {'F1':>5} {'kappa':>6}"]
    for t in a["themes"]:
        kappa = "-" if t["kappa"] is None else f"{t['kappa']:.2f}"
        lines.append(f"{t['slug']:30} {t['n']:>4} {t['given']:>5} {t['precision']:>9.2f} {t['recall']:>6.2f}"
                     f" {t['f1']:>5.2f} {kappa:>6}")
    lines.append(f"macro-F1 {a['about']:.3f} over the {a['about_themes']} themes the truth is about"
                 f" ({a['either']:.3f} over the {len(a['themes'])} either gives); micro-F1 {a['micro']:.3f}")
    lines.append(f"truth's negatives tagged {a['negatives_tagged']}/{a['negatives']}"
                 f" ({a['negatives_tagged'] / max(a['negatives'], 1):.1%}); truth's positives left untagged"
                 f" {a['positives_untagged']}/{a['works'] - a['negatives']}; exact same set {a['exact']}/{a['works']}"
                 f" ({a['exact'] / a['works']:.1%})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--second", type=Path, default=SECOND_READING)
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamplings of the posts for the spread (0: none)")
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="a development pass's saved rows (scripts/theme_posts_pass.py --save), scored on the same posts")
    args = parser.parse_args()
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    slugs = list(taxonomy.themes)
    first_all = read_works(POST_LABELS_FILE)
    pairs = paired(read_works(args.second), first_all)
    one = labelled_from_works([p[0] for p in pairs], taxonomy).y
    two = labelled_from_works([p[1] for p in pairs], taxonomy).y
    forward = agreement(one, two, slugs)
    backward = agreement(two, one, slugs)
    print(render(forward, f"Reading 2 scored against reading 1 ({len(pairs)} random development posts)"))
    print()
    print(render(backward, "Reading 1 scored against reading 2"))
    both = symmetric(forward, backward)
    print(f"\nsymmetric (mean of both directions): macro-F1 {both['about']:.3f} over the themes the truth is about,"
          f" {both['either']:.3f} over the themes either gives; micro-F1 {both['micro']:.3f}")
    if args.bootstrap:
        low, high = bootstrap(one, two, slugs, args.bootstrap)
        print(f"symmetric macro-F1 over {args.bootstrap} resamplings of the posts: 95% between {low:.3f} and {high:.3f}")
    for split in RANDOM_SPLITS:
        rows = [i for i, (w, _) in enumerate(pairs) if w["split"] == split]
        f, b = agreement(one[rows], two[rows], slugs), agreement(two[rows], one[rows], slugs)
        print(f"{split} ({len(rows)} posts): macro-F1 {f['about']:.3f} / {b['about']:.3f} (symmetric"
              f" {symmetric(f, b)['about']:.3f}); negatives tagged {f['negatives_tagged']}/{f['negatives']}"
              f" and {b['negatives_tagged']}/{b['negatives']}; exact {f['exact']}/{f['works']}")
    if args.model:
        every = read_works(LABELS_FILE) + first_all
        at = {(w["title"], w.get("split")): i for i, w in enumerate(every) if w.get("split") in RANDOM_SPLITS}
        for path in args.model:
            rows = json.loads(path.read_text())
            if len(rows) != len(every):
                raise SystemExit(f"{path}: {len(rows)} rows for {len(every)} development works")
            model = labelled_from_works([{"title": w["title"], "themes": [r[0] for r in rows[at[(w["title"], w["split"])]]]}
                                         for _, w in pairs], taxonomy).y
            for name, truth in (("reading 1", one), ("reading 2", two)):
                m = agreement(truth, model, slugs)
                print(f"\n{path.stem} against {name}: macro-F1 {m['about']:.3f} over {m['about_themes']} themes"
                      f" ({m['either']:.3f} over {len(m['themes'])}); micro-F1 {m['micro']:.3f}; negatives tagged"
                      f" {m['negatives_tagged']}/{m['negatives']}; exact {m['exact']}/{m['works']}")


if __name__ == "__main__":
    main()
