"""An experiment, kept so it can be run again: session 13's seventeenth pass (issue 19,
docs/themes-evaluation.md), whether training on the hand-labelled posts of
``data/theme_labels_pending.jsonl`` helps the shipped theme model.

    .venv/bin/python scripts/theme_pending_pass.py S0 S1 --splits
    .venv/bin/python scripts/theme_pending_pass.py S1 --tables       # each theme's figures
    .venv/bin/python scripts/theme_pending_pass.py S1pos S1neg       # the diagnostics
    .venv/bin/python scripts/theme_pending_pass.py --training     # CPU of one training, before/after

The works are ``data/theme_labels.jsonl`` (1,958) then the pending posts (592), file order, folds
``i % 5`` (the out-of-fold code of s13-themes16's ``scripts/theme_post_variants.py``): each fold's
works are stored together (as ``kb crawl`` stores them, posts as posts) and tagged by the shipped
model trained on the other folds, S0 on their works of ``theme_labels.jsonl`` only (what kb ships),
S1 on all of them (the pending posts moved into the labelled set). Posts and papers are scored
apart; ``about`` is the macro-F1 over only the themes the scored works are about (a theme no work
is about but some work was tagged with counts 0 in ``macro_f1``). Only development works are
read; no kept-out part. Once the pending file is emptied, S0 and S1 are the same model.

Session 13 (posts' macro-F1, negative posts; papers' macro-F1, negative papers): S0 0.7147, 13/178;
0.8726, 14/410. S1 0.7240 (0.7621 over the 19 themes the posts are about), 15/178; 0.8722, 34/410:
not merged (the rule wanted +0.02, at most 5% and at most 15/410). S1pos 0.7241, 54/178; 0.8639,
20/410. S1neg 0.6217, 2/178; 0.8740, 16/410. Each run about 30-50 s of CPU.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kb.knowledge.theme_eval import figures, predict
from kb.knowledge.theme_model import DATA_DIR, LABELS_FILE, read_works
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy

PENDING_FILE = DATA_DIR / "theme_labels_pending.jsonl"


# Which works of the other folds each variant trains on: S0 those of theme_labels.jsonl, S1 all
# of them; the diagnostics S1pos and S1neg (not candidates) those and only the pending posts about
# a theme, or only the pending posts about none.
VARIANTS = {
    "S0": lambda work, pending: not pending,
    "S1": lambda work, pending: True,
    "S1pos": lambda work, pending: not pending or bool(work["themes"]),
    "S1neg": lambda work, pending: not pending or not work["themes"],
}


def out_of_fold(variant: str, folds: int = 5) -> tuple[list[dict], list[set[str]]]:
    """The development works and each one's themes, tagged by models trained on the other folds
    (those of them ``VARIANTS[variant]`` keeps)."""
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    dev = read_works(LABELS_FILE)
    every = dev + (read_works(PENDING_FILE) if PENDING_FILE.is_file() else [])
    trains = [VARIANTS[variant](w, i >= len(dev)) for i, w in enumerate(every)]
    predicted: list[set[str]] = [set() for _ in every]
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held = [i for i in range(len(every)) if i % folds == fold]
            rest = [every[i] for i in range(len(every)) if i % folds != fold and trains[i]]
            for i, themes in zip(held, predict([every[i] for i in held], rest, taxonomy, Path(tmp))):
                predicted[i] = themes
    return every, predicted


def summary(works: list[dict], predicted: list[set[str]], taxonomy) -> dict:
    f = figures(works, predicted, taxonomy)
    about = [t["f1"] for t in f.themes if t["n"]]
    lowest = min((t for t in f.themes if t["n"]), key=lambda t: t["recall"])
    return {"works": len(works), "macro_f1": round(f.macro_f1, 4), "about": round(sum(about) / len(about), 4),
            "negatives": f"{f.negatives_tagged}/{f.negatives}", "min_recall": round(f.min_recall, 3),
            "lowest": lowest["slug"]}


def training_cpu(works: list[dict]) -> float:
    """CPU seconds of one training on ``works`` (and tagging one of them)."""
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    start = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        predict(works[:1], works, taxonomy, Path(tmp))
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", help=f"any of {', '.join(VARIANTS)}")
    parser.add_argument("--splits", action="store_true", help="the posts' figures apart for each batch (split field)")
    parser.add_argument("--tables", action="store_true", help="each theme's figures on the posts and on the papers")
    parser.add_argument("--training", action="store_true", help="CPU of one training on the labelled set, S0 and S1")
    args = parser.parse_args()
    if set(args.variants) - set(VARIANTS):
        parser.error(f"variants are {', '.join(VARIANTS)}")
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    if args.training:
        dev = read_works(LABELS_FILE)
        pending = read_works(PENDING_FILE) if PENDING_FILE.is_file() else []
        print(json.dumps({"S0_works": len(dev), "S0_cpu_s": round(training_cpu(dev), 1),
                          "S1_works": len(dev) + len(pending), "S1_cpu_s": round(training_cpu(dev + pending), 1)}),
              flush=True)
    for name in args.variants:
        start = time.process_time()
        every, predicted = out_of_fold(name)
        posts = [i for i, w in enumerate(every) if w.get("kind") == "post"]
        papers = [i for i, w in enumerate(every) if w.get("kind") != "post"]
        print(json.dumps({"variant": name,
                          "posts": summary([every[i] for i in posts], [predicted[i] for i in posts], taxonomy),
                          "papers": summary([every[i] for i in papers], [predicted[i] for i in papers], taxonomy),
                          "cpu_s": round(time.process_time() - start)}), flush=True)
        if args.tables:
            for kind, part in (("posts", posts), ("papers", papers)):
                print(figures([every[i] for i in part], [predicted[i] for i in part], taxonomy).table(f"{name}: {kind}"))
        if args.splits:
            for split in sorted({str(every[i].get("split")) for i in posts}):
                part = [i for i in posts if str(every[i].get("split")) == split]
                print(json.dumps({"variant": name, "split": split,
                                  **summary([every[i] for i in part], [predicted[i] for i in part], taxonomy)}),
                      flush=True)


if __name__ == "__main__":
    main()
