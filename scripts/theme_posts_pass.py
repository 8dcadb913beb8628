"""An experiment, kept so it can be run again: session 14's eighteenth pass and session 15's
nineteenth (issue 19, docs/themes-evaluation.md), a posts' model trained on the hand-labelled posts,
kept away from the papers' model.

    .venv/bin/python scripts/theme_posts_pass.py T0 T1 T2 T3 --save /tmp/pass18
    .venv/bin/python scripts/theme_posts_pass.py T2 --save /tmp/pass18 --tables   # compared with the saved T0
    .venv/bin/python scripts/theme_posts_pass.py U0 U1 --save /tmp/pass19 --tables  # U1 compared with U0
    .venv/bin/python scripts/theme_posts_pass.py V05-no V05-yes V04-no V04-yes V03-no V03-yes --save /tmp/pass20
    .venv/bin/python scripts/theme_posts_pass.py W0 W1 W2 W3 --save /tmp/pass21
    .venv/bin/python scripts/theme_posts_pass.py V04-yes X04-alone Y3.5-forum --save /tmp/pass22

The nineteenth pass (session 15) adds the 399 random posts of ``"split": "dev14"`` to the pending
file. They are scored in every variant; the posts' model trains on them only in U1:

* U0: T2 exactly as the eighteenth pass ran it: the posts' model trained on the labelled works and
  the 592 earlier pending posts of the other folds, never on a dev14 post;
* U1: U0 with the dev14 posts of the other folds in the posts' model's training too.

T0-T3 train as in session 14 (no dev14 post), so that they stay the eighteenth pass's models.

* T0: the shipped model tags posts and papers (no posts' model);
* T1: papers tagged by the shipped model exactly as in T0; posts by a posts' model, the shipped
  settings trained on every labelled work of the other folds, the pending posts included;
* T2: T1 with the posts' gate's cuts raised, within the training folds, so that at most 5% of
  their labelled posts about no theme would be tagged (``gate_negative_posts``);
* T3: T1 with the posts' model kept from themes fewer than 3 of its training posts carry
  (``min_posts``).

The works are ``data/theme_labels.jsonl`` (1,958) then the pending posts (592), file order, folds
``i % 5``; each fold's works are stored together as ``kb crawl`` stores them (posts as posts) and
tagged by models trained on the other folds: the papers' model on their works of
``theme_labels.jsonl`` (every variant), the posts' model on all of them. Posts are scored on the
782 development posts (178 about no theme), also apart for the 295 drawn at random (``"split":
"dev13"``) and the 487 before them; ``about`` averages F1 over the themes the scored works are
about only (``macro_f1`` also counts a theme no work is about that some work was tagged with).
Each variant's papers' tag rows (theme, source, score, signals) are compared with T0's: the
papers' model is the same, so they must be identical. Only development works are read; no
kept-out part.

Session 14 (posts' macro-F1 over the 19 themes they are about, negative posts; papers): T0 0.7147,
13/178; T1 0.7621, 15/178; T2 0.7500, 8/178 (the one eligible, +0.035); T3 0.7209, 15/178; papers
0.8726, 14/410 in all four, every paper's rows T0's. T2 was not switched on: with it on, the
development tests took 77 -> 160 s of CPU (the rule allowed 30 s more). Each run 26-90 s of CPU.

Session 15 (the random posts, dev13 + dev14, over the 16 themes they are about; the 782 older
posts; papers): U0 0.4104, 13/265; 0.7449, 8/178; U1 0.4386, 14/265 (5.3%, over the rule's 5%);
0.7469, 8/178; papers 0.8711, 16/410 in both, every paper's rows U0's. U1 not chosen: the posts'
model does not train on dev14 (``theme_model.POST_UNTRAINED_SPLITS``). 64-71 s of CPU a run.

The twentieth pass (session 15) runs a grid the lead fixed beforehand: ``V<gate>-<dev14>``, the
posts' gate held to 3, 4 or 5% of the training folds' negative posts (``gate_negative_posts``),
the posts' model trained on the other folds' dev14 posts (``yes``) or not (``no``); V05-no is U0
and V05-yes U1, and every V variant's papers' rows are compared with V05-no's (run it first).
Random posts (macro-F1 over their 16 themes, negatives; the 782 older posts): V05-no 0.4104, 13/265,
0.7449; V05-yes 0.4386, 14/265, 0.7469; V04-no 0.3973, 9/265, 0.7216; **V04-yes 0.4369, 13/265,
0.7423** (chosen and adopted: ``POST_GATE_NEGATIVE_POSTS``, ``POST_UNTRAINED_SPLITS`` empty); V03-no
0.3146, 6/265, 0.7068; V03-yes 0.3708, 8/265, 0.7254; papers 0.8711, 16/410 and every paper's rows
V05-no's in all six. 60-87 s of CPU a run.

The twenty-first pass (session 15): ``W0`` is V04-yes, and W1-W3 each add one change, fixed by the
lead beforehand, to the posts' model only (every W variant's papers' rows are compared with W0's:
run it first, or with ``--save`` to the same directory). Random posts (16 themes), negatives; the
782 older posts: W0 0.4369, 13/265, 0.7423; W1 ``post_positive_weight=2`` 0.3955, 14/265, 0.7398;
W2 ``recall_floor=0.7`` 0.4295, 12/265, 0.7426; W3 ``post_weight=2`` 0.4391, 12/265, 0.7507 (the best
eligible, +0.0022, under the +0.02 needed: nothing adopted); papers 0.8711, 16/410 and every
paper's rows W0's in all four. 73-76 s of CPU a run.

Session 16 (one posts' model for every store, which kb could ship trained instead of training it in
every `kb tag auto`; the lead's rule, fixed beforehand: random posts >= 0.4269, at most 13/265
negatives, the 782 older posts >= 0.7323, every paper's rows V04-yes's; ``X`` and ``Y`` variants'
papers' rows are compared with V04-yes's). ``X<gate>-alone``: V04-yes trained on the labelled works
and posts and the theme texts alone (``store_rows=False``); ``Y<gate>-forum``: the same with the
forum stand-in's 22k listed posts, less every labelled title, standing in for a store's rows
(``forum_rows=True``: confident keyword tags as positives, a sample as weak negatives). Random
posts (16 themes), negatives; the 782 older posts: V04-yes 0.4369, 13/265, 0.7423; X04-alone 0.3771,
8/265, 0.7390; X05 0.3862, 11/265, 0.7527; X06 0.4337, 16/265, 0.7581; X08 0.4431, 21/265, 0.7653;
Y04-forum 0.4367, 15/265, 0.7539; Y03 0.3689, 10/265, 0.7405; **Y3.5-forum 0.4342, 13/265, 0.7485**
(the one eligible); papers 0.8711, 16/410 and every paper's rows V04-yes's in all. 37-122 s of CPU a
run. Not switched on: cost (docs/themes-evaluation.md, session 16).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kb.knowledge.theme_eval import figures, predict_rows, themes_of_rows
from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE, ModelSettings, read_works
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy

#: Each variant: the posts' model's settings (False: none), and the pending posts' splits it never
#: trains on (they are still stored and scored).
VARIANTS = {
    "T0": (False, {"dev14"}),
    "T1": (ModelSettings(), {"dev14"}),
    "T2": (ModelSettings(gate_negative_posts=0.05), {"dev14"}),
    "T3": (ModelSettings(min_posts=3), {"dev14"}),
    "U0": (ModelSettings(gate_negative_posts=0.05), {"dev14"}),
    "U1": (ModelSettings(gate_negative_posts=0.05), set()),
    **{f"V{round(gate * 100):02d}-{'yes' if dev14 else 'no'}":
       (ModelSettings(gate_negative_posts=gate), set() if dev14 else {"dev14"})
       for gate in (0.03, 0.04, 0.05) for dev14 in (False, True)},
    # The twenty-first pass: W0 is V04-yes; each W adds one change to the posts' model only.
    "W0": (ModelSettings(gate_negative_posts=0.04), set()),
    "W1": (ModelSettings(gate_negative_posts=0.04, post_positive_weight=2.0), set()),
    "W2": (ModelSettings(gate_negative_posts=0.04, recall_floor=0.7), set()),
    "W3": (ModelSettings(gate_negative_posts=0.04, post_weight=2.0), set()),
    # Session 16: V04-yes trained on the labelled works and posts and the theme texts alone, none
    # of the store's rows (one model for every store, which kb can ship: kb.knowledge.posts_model).
    **{f"X{round(gate * 100):02d}-alone": (ModelSettings(gate_negative_posts=gate, store_rows=False), set())
       for gate in (0.04, 0.05, 0.06, 0.08)},
    **{f"Y{gate * 100:g}-forum": (ModelSettings(gate_negative_posts=gate, store_rows=False, forum_rows=True),
                                           set()) for gate in (0.03, 0.035, 0.04)},
}
#: The variant each one's papers' rows are compared with (by its name's first letter).
BASELINE = {"T": "T0", "U": "U0", "V": "V05-no", "W": "W0", "X": "V04-yes", "Y": "V04-yes"}
#: The posts drawn at random from the recorded forum list (docs/themes-evaluation.md, sessions 13, 15).
RANDOM_SPLITS = ("dev13", "dev14")


def out_of_fold(post_settings, untrained: set[str] = frozenset(), folds: int = 5) -> tuple[list[dict], list[list]]:
    """The development works and each one's tag rows, by models trained on the other folds (the
    posts' model never on a pending post whose split is in ``untrained``)."""
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    dev, posts = read_works(LABELS_FILE), read_works(POST_LABELS_FILE)
    every = dev + posts
    rows: list[list] = [[] for _ in every]
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held = [i for i in range(len(every)) if i % folds == fold]
            rest_dev = [every[i] for i in range(len(dev)) if i % folds != fold]
            rest_posts = [every[i] for i in range(len(dev), len(every))
                          if i % folds != fold and every[i].get("split") not in untrained]
            got = predict_rows([every[i] for i in held], rest_dev, taxonomy, Path(tmp), post_works=rest_posts,
                               post_settings=post_settings)
            for i, work_rows in zip(held, got):
                rows[i] = [list(r) for r in work_rows]
    return every, rows


def summary(works: list[dict], predicted: list[set[str]], taxonomy) -> dict:
    f = figures(works, predicted, taxonomy)
    about = [t["f1"] for t in f.themes if t["n"]]
    lowest = min((t for t in f.themes if t["n"]), key=lambda t: t["recall"])
    return {"works": len(works), "about": round(sum(about) / len(about), 4), "about_themes": len(about),
            "macro_f1": round(f.macro_f1, 4), "macro_themes": len(f.themes),
            "negatives": f"{f.negatives_tagged}/{f.negatives}", "min_recall": round(f.min_recall, 3),
            "lowest": f"{lowest['slug']} {lowest['tp']}/{lowest['n']}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", choices=sorted(VARIANTS))
    parser.add_argument("--save", type=Path, help="write each variant's rows here (and read T0's from here)")
    parser.add_argument("--tables", action="store_true", help="each theme's figures on the posts")
    args = parser.parse_args()
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    baselines = {}
    for base in BASELINE.values():
        if args.save and (args.save / f"{base}.json").is_file():
            baselines[base] = json.loads((args.save / f"{base}.json").read_text())
    for name in args.variants:
        start = time.process_time()
        every, rows = out_of_fold(*VARIANTS[name])
        cpu = round(time.process_time() - start)
        rows = json.loads(json.dumps(rows))     # as saved (tuples as lists, floats as JSON keeps them)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{name}.json").write_text(json.dumps(rows))
        if name in BASELINE.values():
            baselines[name] = rows
        base = BASELINE[name[0]]
        baseline = baselines.get(base)
        predicted = themes_of_rows(rows, taxonomy)
        posts = [i for i, w in enumerate(every) if w.get("kind") == "post"]
        papers = [i for i, w in enumerate(every) if w.get("kind") != "post"]
        line = {"variant": name, "cpu_s": cpu,
                "posts": summary([every[i] for i in posts], [predicted[i] for i in posts], taxonomy),
                "papers": summary([every[i] for i in papers], [predicted[i] for i in papers], taxonomy)}
        if baseline is not None:
            differ = [i for i in papers if rows[i] != baseline[i]]
            line["papers_rows_as_" + base] = f"{len(papers) - len(differ)}/{len(papers)}"
        print(json.dumps(line), flush=True)
        parts = {"random (dev13 + dev14)": lambda w: w.get("split") in RANDOM_SPLITS,
                 "dev13": lambda w: w.get("split") == "dev13",
                 "dev14": lambda w: w.get("split") == "dev14",
                 "older (all but dev14)": lambda w: w.get("split") != "dev14",
                 "before (neither dev13 nor dev14)": lambda w: w.get("split") not in RANDOM_SPLITS}
        for label, keep in parts.items():
            part = [i for i in posts if keep(every[i])]
            print(json.dumps({"variant": name, "posts": label,
                              **summary([every[i] for i in part], [predicted[i] for i in part], taxonomy)}),
                  flush=True)
        rand = [i for i in posts if every[i].get("split") in RANDOM_SPLITS]
        print(json.dumps({"variant": name, "random posts per theme (n, right, recall, precision)": {
            t["slug"]: [t["n"], t["tp"], round(t["recall"], 2), round(t["precision"], 2)]
            for t in figures([every[i] for i in rand], [predicted[i] for i in rand], taxonomy).themes}}),
            flush=True)
        if args.tables:
            print(figures([every[i] for i in posts], [predicted[i] for i in posts], taxonomy)
                  .table(f"{name}: development posts"), flush=True)
            print(figures([every[i] for i in rand], [predicted[i] for i in rand], taxonomy)
                  .table(f"{name}: random posts (dev13 + dev14)"), flush=True)


if __name__ == "__main__":
    main()
