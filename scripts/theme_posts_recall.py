"""An experiment, kept so it can be run again: session 16's twenty-third pass (issue 19,
docs/themes-evaluation.md), why the posts' model misses on-topic random posts.

    .venv/bin/python scripts/theme_posts_recall.py run X0 --save /tmp/pass23     # out of fold, with each post's scores
    .venv/bin/python scripts/theme_posts_recall.py diagnose X0 --save /tmp/pass23

``run`` tags the development works out of fold exactly as ``scripts/theme_posts_pass.py`` does (the
same works, folds ``i % 5``, each fold stored as `kb crawl` stores it, the papers' model trained on
the other folds' works of ``theme_labels.jsonl``, the posts' model on them and the other folds'
pending posts but its variant's untrained splits), and keeps, for every post, what the posts' model
computed: each theme's combined score (margin + keywords), margin and threshold, whether the gate
passes it for the theme, the gate's own score and cuts; and, per fold, the out-of-fold margins of
the labelled works the thresholds were calibrated on (``ThemeScores.labelled_margins``), apart for
papers and posts. ``diagnose`` sorts every on-topic random post's missed theme by cause: the
gate cut it (its score cleared the threshold), its score is under the threshold (by how much), the
theme is not trained or not calibrated for posts; and every tagged random negative by theme and
source. Only development works are read; no kept-out part.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import theme_posts_pass  # noqa: E402

from kb.knowledge import tagging, theme_model  # noqa: E402
from kb.knowledge.theme_eval import predict_rows, themes_of_rows  # noqa: E402
from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE, best_gap, read_works, weigh  # noqa: E402
from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy  # noqa: E402

RANDOM_SPLITS = theme_posts_pass.RANDOM_SPLITS


def _capture():
    """Patches that keep each fold's proposal and the posts' model's scores (undone by the caller)."""
    kept = {"proposals": [], "posts": []}
    original_scores, original_propose = theme_model.theme_scores, tagging.propose

    def theme_scores(docs, rules, *args, **kwargs):
        result = original_scores(docs, rules, *args, **kwargs)
        rows = kwargs.get("score_rows")
        if rows is not None:        # the posts' model (it alone scores some rows only)
            rows = np.asarray(rows, dtype=np.int64)
            model = result.model
            gate = None
            if model is not None and model.gate_weights is not None:
                X, _ = weigh(kwargs["counts"][rows], model.idf)      # a copy: the counts are left as they are
                gate = np.asarray((X @ model.gate_weights.T).todense()).ravel() + model.gate_intercept
                if model.gate_gap:
                    keywords = result.combined - result.margins if model.gate_rules else 0.0
                    gate = gate + model.gate_gap * best_gap(result.margins + keywords, model.gap_thresholds)
            labelled = args[3]
            kept["posts"].append({"rows": rows, "scores": result, "gate": gate,
                                  "gate_cuts": None if model is None else model.gate_cuts,
                                  "labelled_posts": np.asarray(labelled.posts, dtype=bool),
                                  "labelled_y": labelled.y, "labelled_lengths": np.array(
                                      [len(b) for b in labelled.bodies])})
        return result

    def propose(*args, **kwargs):
        proposal = original_propose(*args, **kwargs)
        kept["proposals"].append(proposal)
        return proposal

    theme_model.theme_scores, tagging.propose = theme_scores, propose
    return kept, lambda: (setattr(theme_model, "theme_scores", original_scores),
                          setattr(tagging, "propose", original_propose))


def run(name: str, folds: int = 5) -> dict:
    """Out of fold with the variant ``name`` of ``theme_posts_pass.VARIANTS``: every work's rows and,
    for each post, the posts' model's scores."""
    post_settings, untrained = theme_posts_pass.VARIANTS[name]
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    slugs = list(taxonomy.themes)
    dev, posts = read_works(LABELS_FILE), read_works(POST_LABELS_FILE)
    every = dev + posts
    rows: list[list] = [[] for _ in every]
    post_scores: dict[int, dict] = {}
    labelled_margins = []
    kept, undo = _capture()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for at in range(folds):
                held, rest_dev, rest_posts = theme_posts_pass.fold(every, len(dev), at, folds, untrained)
                kept["proposals"].clear()
                kept["posts"].clear()
                got = predict_rows([every[i] for i in held], rest_dev, taxonomy, Path(tmp), post_works=rest_posts,
                                   post_settings=post_settings)
                for i, work_rows in zip(held, got):
                    rows[i] = [list(r) for r in work_rows]
                if not kept["posts"]:
                    continue
                proposal, scored = kept["proposals"][-1], kept["posts"][-1]
                by_title = {every[i]["title"]: i for i in held}
                s = scored["scores"]
                for j, r in enumerate(scored["rows"].tolist()):
                    i = by_title[proposal.texts.titles[r]]
                    post_scores[i] = {
                        "combined": _floats(s.combined[j]), "margin": _floats(s.margins[j]),
                        "on_topic": None if s.on_topic is None else np.asarray(s.on_topic[j]).tolist(),
                        "gate": None if scored["gate"] is None else float(scored["gate"][j])}
                lm = s.labelled_margins
                labelled_margins.append({
                    "fold": at, "thresholds": _floats(s.thresholds), "calibrated": list(s.calibrated),
                    "trained": sorted(s.trained), "gate_cuts": _floats(scored["gate_cuts"]),
                    "posts": scored["labelled_posts"].tolist(), "lengths": scored["labelled_lengths"].tolist(),
                    "y": np.asarray(scored["labelled_y"]).astype(int).tolist(),
                    "margins": [_floats(lm[:, c]) for c in range(len(slugs))]})
    finally:
        undo()
    return {"variant": name, "slugs": slugs, "rows": json.loads(json.dumps(rows)),
            "post_scores": {str(i): v for i, v in post_scores.items()}, "folds": labelled_margins}


def _floats(a):
    if a is None:
        return None
    return [None if not np.isfinite(x) else round(float(x), 5) for x in np.asarray(a, dtype=np.float64)]


def diagnose(saved: dict, out=print) -> None:
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    slugs = saved["slugs"]
    index = {s: c for c, s in enumerate(slugs)}
    every = read_works(LABELS_FILE) + read_works(POST_LABELS_FILE)
    rows = saved["rows"]
    predicted = themes_of_rows(rows, taxonomy)
    fold_of = {f["fold"]: f for f in saved["folds"]}
    scores = {int(i): v for i, v in saved["post_scores"].items()}
    folds = len(fold_of)

    def gold(w):
        return {a for s in w["themes"] if s in taxonomy for a in [s, *taxonomy.ancestors(s)]}

    def family(s):
        return [s] + [d for d in slugs if s in taxonomy.ancestors(d)]

    rand = [i for i, w in enumerate(every) if w.get("kind") == "post" and w.get("split") in RANDOM_SPLITS]
    older = [i for i, w in enumerate(every) if w.get("kind") == "post" and w.get("split") not in theme_posts_pass.LATER_SPLITS]
    for label, part in (("random (1,094)", rand), ("older (782)", older)):
        out(json.dumps({"variant": saved["variant"], "posts": label, **theme_posts_pass.summary(
            [every[i] for i in part], [predicted[i] for i in part], taxonomy)}))
    causes = defaultdict(Counter)
    gaps = defaultdict(list)
    within = defaultdict(Counter)
    detail = []
    for i in rand:
        w, sc, f = every[i], scores[i], fold_of[i % folds]
        for s in sorted(gold(w) - predicted[i]):
            best = None
            for d in family(s):
                c = index[d]
                thr, comb = f["thresholds"][c], sc["combined"][c]
                if thr is None or comb is None:
                    continue
                gap = thr - comb
                gate_ok = sc["on_topic"] is None or sc["on_topic"][c]
                key = (gap > 0, gap)
                if best is None or key < best[0]:
                    best = (key, d, gap, gate_ok, d in f["calibrated"])
            if best is None:
                cause = "c: not trained"
            else:
                _, d, gap, gate_ok, calibrated = best
                if gap <= 0 and not gate_ok:
                    cause = "a: gate"
                elif gap > 0:
                    cause = "b: under threshold" if calibrated else "b: under (fallback threshold)"
                    gaps[s].append(gap)
                    for step in (0.05, 0.1, 0.2, 0.3):
                        if gap <= step:
                            within[s][f"<= {step}"] += 1
                            if gate_ok:
                                within[s][f"<= {step}, gate passes"] += 1
                else:
                    cause = "d: other"
            causes[s][cause] += 1
            detail.append((s, cause, w["title"][:70]))
    themes = sorted(causes, key=lambda s: -sum(causes[s].values()))
    n_of = Counter(s for i in rand for s in gold(every[i]))
    tp_of = Counter(s for i in rand for s in gold(every[i]) & predicted[i])
    out(f"\n## {saved['variant']}: misses on the {len(rand)} random posts, by theme and cause")
    out("| theme | n | found | missed | a: gate | b: under threshold | c: not trained | median gap | gap <= 0.1 (gate passes) | gap <= 0.2 (gate passes) |")
    out("|---|---|---|---|---|---|---|---|---|---|")
    tot = Counter()
    allgaps = []
    for s in themes:
        c = causes[s]
        b = c["b: under threshold"] + c["b: under (fallback threshold)"]
        g = gaps[s]
        allgaps += g
        tot.update(c)
        tot.update({k: v for k, v in within[s].items()})
        out(f"| {s} | {n_of[s]} | {tp_of[s]} | {n_of[s] - tp_of[s]} | {c['a: gate']} | {b}"
            f"{' (' + str(c['b: under (fallback threshold)']) + ' fallback)' if c['b: under (fallback threshold)'] else ''}"
            f" | {c['c: not trained']} | {statistics.median(g):.2f} | {within[s]['<= 0.1']} ({within[s]['<= 0.1, gate passes']})"
            f" | {within[s]['<= 0.2']} ({within[s]['<= 0.2, gate passes']}) |" if g else
            f"| {s} | {n_of[s]} | {tp_of[s]} | {n_of[s] - tp_of[s]} | {c['a: gate']} | {b} | {c['c: not trained']} | - | 0 | 0 |")
    out(f"| all | | | {sum(sum(c.values()) for c in causes.values())} | {tot['a: gate']} | "
        f"{tot['b: under threshold'] + tot['b: under (fallback threshold)']} | {tot['c: not trained']} | "
        f"{statistics.median(allgaps):.2f} | {tot['<= 0.1']} ({tot['<= 0.1, gate passes']}) | "
        f"{tot['<= 0.2']} ({tot['<= 0.2, gate passes']}) |")
    q = np.quantile(allgaps, [0.1, 0.25, 0.5, 0.75, 0.9])
    out(f"gap (threshold - combined) of the under-threshold misses: deciles 10/25/50/75/90% = "
        f"{', '.join(f'{x:.2f}' for x in q)}; <= 0.05: {tot['<= 0.05']}, <= 0.1: {tot['<= 0.1']}, "
        f"<= 0.2: {tot['<= 0.2']}, <= 0.3: {tot['<= 0.3']} of {len(allgaps)}")
    # Posts given no theme at all.
    on = [i for i in rand if gold(every[i])]
    none = [i for i in on if not predicted[i]]
    why = Counter()
    for i in none:
        sc, f = scores[i], fold_of[i % folds]
        cleared = [c for c in range(len(slugs)) if f["thresholds"][c] is not None and sc["combined"][c] is not None
                   and sc["combined"][c] >= f["thresholds"][c]]
        why["some theme's score clears its threshold, gate cuts it" if cleared else "no theme's score clears its threshold"] += 1
    out(f"\non-topic random posts given no theme: {len(none)} of {len(on)}: {dict(why)}")
    # The tagged negatives.
    neg = [i for i in rand if not gold(every[i])]
    tagged = [i for i in neg if predicted[i]]
    out(f"\n## {saved['variant']}: tagged random negatives ({len(tagged)}/{len(neg)})")
    out("| post | split | tags (source, combined - threshold) |")
    out("|---|---|---|")
    for i in tagged:
        f = fold_of[i % folds]
        parts = []
        for slug, source, score, *_ in rows[i]:
            c = index[slug]
            thr = f["thresholds"][c]
            parts.append(f"{slug} ({source}, {score - thr:+.2f})" if source == "model" and thr is not None
                         else f"{slug} ({source}, {score:.2f})")
        out(f"| {every[i]['title'][:80]} | {every[i].get('split')} | {'; '.join(parts)} |")
    shift(saved, every, slugs, fold_of, scores, rand, gold, out)


def shift(saved, every, slugs, fold_of, scores, rand, gold, out) -> None:
    """Papers' and posts' out-of-fold margins against the thresholds they set."""
    folds = len(fold_of)
    out(f"\n## {saved['variant']}: what the thresholds are calibrated on (the labelled works' out-of-fold margins, pooled over the 5 folds)")
    out("| theme | threshold (mean) | positive papers: n, median margin, share over threshold | positive posts (trained): n, median, share | held-out random posts: n, median combined, share over threshold | negatives' median margin, papers / posts |")
    out("|---|---|---|---|---|---|")
    lengths = defaultdict(list)
    for s in slugs:
        c = slugs.index(s)
        pap, pos_, negp, negq, thr_all = [], [], [], [], []
        for f in fold_of.values():
            thr = f["thresholds"][c]
            if thr is None or s not in f["calibrated"]:
                continue
            thr_all.append(thr)
            m = np.array([np.nan if x is None else x for x in f["margins"][c]])
            y = np.array(f["y"])[:, c].astype(bool)
            p = np.array(f["posts"], dtype=bool)
            pap += [(v, thr) for v in m[y & ~p]]
            pos_ += [(v, thr) for v in m[y & p]]
            negp += list(m[~y & ~p])
            negq += list(m[~y & p])
        held = []
        for i in rand:
            if s in gold(every[i]):
                f = fold_of[i % folds]
                comb, thr = scores[i]["combined"][c], f["thresholds"][c]
                if comb is not None and thr is not None:
                    held.append((comb, thr))
        if not thr_all:
            continue

        def cell(pairs):
            if not pairs:
                return "0"
            v = np.array([a for a, _ in pairs])
            over = np.mean([a >= t for a, t in pairs])
            return f"{len(pairs) // (folds - 1) if pairs is not held else len(pairs)}, {np.median(v):+.2f}, {over:.2f}"
        out(f"| {s} | {np.mean(thr_all):+.2f} | {cell(pap)} | {cell(pos_)} | {cell(held)} | "
            f"{np.nanmedian(negp):+.2f} / {np.nanmedian(negq):+.2f} |")
    out("(paper and trained-post counts are per training, each labelled work being in 4 of the 5 trainings)")
    f = fold_of[0]
    L = np.array(f["lengths"])
    p = np.array(f["posts"], dtype=bool)
    out(f"text length (characters of abstract + TLDR) in fold 0's training: papers median {int(np.median(L[~p]))}, "
        f"posts median {int(np.median(L[p]))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("run", "diagnose"))
    parser.add_argument("variants", nargs="+", choices=sorted(theme_posts_pass.VARIANTS))
    parser.add_argument("--save", type=Path, required=True)
    args = parser.parse_args()
    args.save.mkdir(parents=True, exist_ok=True)
    for name in args.variants:
        path = args.save / f"{name}-diagnosis.json"
        if args.what == "run":
            start = time.process_time()
            saved = run(name)
            saved["cpu_s"] = round(time.process_time() - start)
            path.write_text(json.dumps(saved))
            (args.save / f"{name}.json").write_text(json.dumps(saved["rows"]))   # as theme_posts_pass.py --save writes them
            print(json.dumps({"variant": name, "cpu_s": saved["cpu_s"], "saved": str(path)}), flush=True)
        else:
            diagnose(json.loads(path.read_text()))


if __name__ == "__main__":
    main()
