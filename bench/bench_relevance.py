"""Does the default ranking surface the papers of the seeds' topic? Every rank figure, scored
against a corpus whose answers are known.

    python bench/bench_relevance.py [--quick] [--work-dir DIR]
    python bench/run.py --only relevance

The stand-in's generated literature (kb.standin.generate) has topic communities and generic
method hubs, and every paper knows its topic. For each topic below, five seeds of that topic
are put in a fresh store and kb crawls from them (depth 2, a request budget, through the real
client against the stand-in over HTTP), then ranks. For every figure the benchmark scores the
non-seed papers it puts first: precision@20/50/100 and nDCG@50 of papers of the seeds' topic,
and the share of generic hubs in the top 50. Leave-one-out: one seed is hidden, kb crawls
from the others, and the hidden seed's rank (and whether it is in the top 50: recall@50)
says whether the figure would have found it; each seed of a topic is hidden in turn, and a
part's hidden seeds are pooled (median rank, geometric mean rank of those the crawl reached,
recall@50).

The relevance weights (kb.knowledge.relevance) were tuned on the TUNE topics only; HELD_OUT
topics were scored once the weights were fixed, and are reported separately.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Topics the relevance weights were tuned on, and topics kept out of the tuning.
TUNE = ("rlhf", "circuits", "scaling-laws")
HELD_OUT = ("probing", "agent-foundations", "reinforcement-learning")
SEEDS_PER_TOPIC = 5
CORPUS = {"full": (20_000, 7), "quick": (3_000, 7)}
BUDGET_REQUESTS = {"full": 300, "quick": 40}
#: Seeds hidden in turn per topic, one crawl each. Every seed in a full run: with 2 a topic (6
#: hidden seeds a part) one seed's move of a few places swung recall@50 by 0.17.
LEAVE_ONE_OUT = {"full": SEEDS_PER_TOPIC, "quick": 1}
#: Each figure: (label, paper_rank column or SQL expression over p and r).
FIGURES = (
    ("relevance", "r.relevance"),
    ("seed PageRank", "r.seed_pagerank"),
    ("global PageRank", "r.pagerank"),
    ("citations", "max(COALESCE(p.citation_count, 0), COALESCE(r.in_citations, 0))"),
    ("co-citation", "r.cocitation"),
    ("coupling", "r.coupling"),
)
#: With --recommended (the crawls add Semantic Scholar's recommendations for the seeds first):
#: the recommender's own order as one more figure (sum over the lists a paper is on of 1/place).
RECOMMENDED_FIGURE = ("S2 recommendations",
                      "COALESCE((SELECT sum(1.0 / rc.position) FROM recommendation rc WHERE rc.paper = p.id), 0)")


def pick_seeds(corpus, answers, topic: str, n: int, rng_seed: int) -> list[str]:
    """``n`` papers of ``topic`` that a researcher might start from: recent enough, cited a
    little but not hubs, chosen reproducibly (not necessarily near each other, so a hidden
    seed is often beyond a budgeted crawl from the others)."""
    import random

    pool = [pid for pid, (slug, hub) in answers.items()
            if slug == topic and not hub and 5 <= len(corpus.citations_of(pid)) <= 150
            and (corpus.record(pid)["year"] or 0) >= 2012]
    pool.sort()
    return random.Random(f"{topic}:{rng_seed}").sample(pool, min(n, len(pool)))


def plant_seeds(db: Path, corpus, paper_ids: list[str]) -> None:
    """Put papers in a fresh store as seeds and depth-0 crawl roots, as `kb seed add` does."""
    from kb.crawl.frontier import SEED_PRIORITY
    from kb.sources.s2.parse import parse_paper
    from kb.store import Store, utc_now

    with Store(db) as store:
        store.upsert_papers([parse_paper(_with_embedding(corpus, pid), detail_level=2)
                             for pid in paper_ids])
        ids = store.internal_ids(paper_ids)
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO crawl_state (paper, depth, priority, reached_via, seeds, "
                "details_fetched, updated_at) VALUES (?, 0, ?, 'seed', json_array(?), 1, ?)",
                [(ids[pid], SEED_PRIORITY, ids[pid], utc_now()) for pid in paper_ids])
            conn.executemany("INSERT OR IGNORE INTO seed (paper, added_at, source) "
                             "VALUES (?, ?, 'bench')", [(ids[pid], utc_now()) for pid in paper_ids])


def _with_embedding(corpus, pid: str) -> dict:
    """The record `kb seed add` would store: the detail fields and the SPECTER v2 vector."""
    from kb.standin.fields import PaperSpec

    spec = PaperSpec(fields=("embedding",), embedding="specter_v2")
    return {**corpus.record(pid), **json.loads(corpus.render(corpus.index_of(pid), spec))}


def crawl_from(db: Path, url: str, corpus, seeds: list[str], requests: int,
               recommended: bool = False) -> dict:
    from kb.crawl.crawler import CrawlBudget, crawl
    from kb.settings import Settings

    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    plant_seeds(db, corpus, seeds)
    settings = Settings(db_path=db, api_url=url, requests_per_second=1000.0, timeout_seconds=10.0,
                        max_attempts=5, backoff_base=0.001, backoff_cap=0.01)
    # No tagging: the ranks are computed before a crawl tags (kb.crawl.crawler.after_crawl) and no
    # figure reads a tag, so training the theme model after each crawl cost a third of the run
    # (three quarters of a --quick one) and changed no figure.
    report = crawl(db, CrawlBudget(depth=2, max_requests=requests, recommended=recommended),
                   settings=settings, rank=True, tag=False)
    return {"requests": report.requests, "papers": report.new_papers, "status": report.status}


def figures_for(recommended: bool = False) -> tuple:
    return FIGURES + ((RECOMMENDED_FIGURE,) if recommended else ())


def ranked(db: Path, recommended: bool = False) -> dict[str, list[str]]:
    """Every figure's order of the non-seed papers (best first; ties by store id)."""
    from kb.store import Store

    out = {}
    with Store(db, readonly=True) as store:
        for label, expr in figures_for(recommended):
            rows = store.conn.execute(
                f"SELECT p.paper_id FROM paper p JOIN paper_rank r ON r.paper = p.id "
                f"WHERE p.id NOT IN (SELECT paper FROM seed) "
                f"ORDER BY {expr} DESC, p.id").fetchall()
            out[label] = [r[0] for r in rows]
    return out


def score_order(order: list[str], answers: dict, topic: str) -> dict:
    on = [answers.get(pid, (None, False))[0] == topic for pid in order]
    hubs = [answers.get(pid, (None, False))[1] for pid in order[:50]]
    dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(on[:50]) if hit)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(50, sum(on))))
    return {"p@20": sum(on[:20]) / 20, "p@50": sum(on[:50]) / 50, "p@100": sum(on[:100]) / 100,
            "ndcg@50": dcg / ideal if ideal else 0.0, "hubs@50": sum(hubs) / max(1, len(hubs))}


def _crawled_from(db: Path, seeds: list[str]) -> bool:
    """Whether ``db`` is a crawl from exactly these seeds. The generated corpus follows
    data/themes.toml (each topic's vocabulary), so editing a theme's keywords gives other
    papers and other seeds, and a store crawled before is then no answer to this corpus."""
    import sqlite3

    if not db.exists():
        return False
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        stored = {r[0] for r in conn.execute("SELECT p.paper_id FROM seed s JOIN paper p ON p.id = s.paper")}
    finally:
        conn.close()
    return stored == set(seeds)


def rescore(db: Path) -> dict:
    """Rank an already crawled store again (a crawl does not depend on the relevance weights,
    so changing them needs no new crawl)."""
    from kb.knowledge.ranking import compute_ranks
    from kb.store import Store

    with Store(db) as store:
        compute_ranks(store)
        return {"requests": None, "papers": store.conn.execute("SELECT count(*) FROM paper").fetchone()[0],
                "status": "rescored"}


def evaluate(work_dir: Path, quick: bool = False, log=print, topics=None, reuse: bool = False,
             recommended: bool = False, leave_one_out: int | None = None) -> dict:
    """Crawl and score every topic (``reuse``: re-rank the stores of an earlier run instead of
    crawling again; ``recommended``: crawl with `--recommended`; ``leave_one_out``: how many of
    each topic's seeds to hide in turn, one crawl each); returns per-topic and averaged figures."""
    from kb.standin.generate import generate_corpus
    from kb.standin.generate import paper_topics
    from kb.standin.server import StandIn

    size = "quick" if quick else "full"
    n, seed = CORPUS[size]
    started = time.process_time()
    corpus = generate_corpus(n, seed=seed)
    log(f"relevance: corpus of {n:,} papers generated in {time.process_time() - started:.1f}s of CPU")
    answers = paper_topics(corpus)
    topics = topics or ((TUNE[:1], HELD_OUT[:1]) if quick else (TUNE, HELD_OUT))
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    server = StandIn(corpus).start()
    per_topic = {}
    try:
        for part, names in zip(("tune", "held-out"), topics):
            for topic in names:
                t0 = time.perf_counter()
                seeds = pick_seeds(corpus, answers, topic, SEEDS_PER_TOPIC, 0)
                db = work_dir / f"relevance-{topic}.sqlite"
                if reuse and _crawled_from(db, seeds):
                    crawl = rescore(db)
                else:
                    crawl = crawl_from(db, server.url, corpus, seeds, BUDGET_REQUESTS[size], recommended)
                scores = {label: score_order(order, answers, topic)
                          for label, order in ranked(db, recommended).items()}
                loo: dict[str, list[int]] = {label: [] for label, _ in figures_for(recommended)}
                hidden_seeds = seeds[:leave_one_out or LEAVE_ONE_OUT[size]]
                for k, hidden in enumerate(hidden_seeds):
                    db_loo = work_dir / f"relevance-{topic}-loo{k}.sqlite"
                    if reuse and _crawled_from(db_loo, [s for s in seeds if s != hidden]):
                        rescore(db_loo)
                    else:
                        crawl_from(db_loo, server.url, corpus, [s for s in seeds if s != hidden],
                                   BUDGET_REQUESTS[size], recommended)
                    for label, order in ranked(db_loo, recommended).items():
                        loo[label].append(order.index(hidden) + 1 if hidden in order else 10**6)
                for label in scores:
                    scores[label]["loo_ranks"] = loo[label]
                    scores[label]["recall@50"] = _recall(loo[label])
                per_topic[topic] = {"part": part, "seeds": seeds, "crawl": crawl, "scores": scores}
                log(f"relevance: {topic} ({part}): {crawl['status']}, {crawl['papers']:,} papers, "
                    f"{crawl['requests']} requests; {time.perf_counter() - t0:.1f}s; "
                    + ", ".join(f"{label} p@50 {s['p@50']:.2f} hubs {s['hubs@50']:.2f}"
                                for label, s in scores.items()))
    finally:
        server.stop()
    return {"corpus": {"papers": n, "seed": seed}, "topics": per_topic,
            "averages": averages(per_topic, recommended), "recommended": recommended}


def averages(per_topic: dict, recommended: bool = False) -> dict:
    """Each part's figures averaged over its topics; the hidden seeds' ranks pooled."""
    out = {}
    for part in ("tune", "held-out"):
        rows = [t["scores"] for t in per_topic.values() if t["part"] == part]
        if not rows:
            continue
        out[part] = {}
        for label, _ in figures_for(recommended):
            figures = {k: _mean([r[label][k] for r in rows]) for k in rows[0][label]
                       if k not in ("loo_ranks", "recall@50")}
            pooled = sorted(rank for r in rows for rank in r[label]["loo_ranks"])
            figures["loo_rank"] = pooled[len(pooled) // 2] if pooled else None
            figures["loo_gmean"] = _geometric_mean([rank for rank in pooled if rank < 10**6])
            figures["recall@50"] = _recall(pooled)
            out[part][label] = figures
    return out


def _recall(ranks: list[int]) -> float | None:
    """Share of hidden seeds in the top 50 (not reached by the crawl counts as missed)."""
    return sum(r <= 50 for r in ranks) / len(ranks) if ranks else None


def _geometric_mean(ranks: list[int]) -> float | None:
    """Of the hidden seeds the crawl reached (the same ones for every figure): one place in a
    hundred counts as much as ten in a thousand, which a median of a few ranks does not show."""
    return math.exp(sum(math.log(r) for r in ranks) / len(ranks)) if ranks else None


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def wins(averages: dict) -> dict:
    """Whether relevance beats every single figure on each averaged measure (ties allowed)."""
    out = {}
    for part, figures in averages.items():
        best = figures["relevance"]
        others = [f for label, f in figures.items() if label != "relevance"]
        out[part] = {
            "precision": all(best[k] >= o[k] for o in others for k in ("p@20", "p@50", "p@100", "ndcg@50")),
            "hubs@50 <= 0.10": best["hubs@50"] <= 0.10,
            "leave-one-out": all(best["recall@50"] >= o["recall@50"] for o in others),
            "hidden-seed median rank": all(best["loo_rank"] <= o["loo_rank"] for o in others),
            "hidden-seed geometric mean": all(best["loo_gmean"] <= o["loo_gmean"] for o in others
                                              if None not in (best["loo_gmean"], o["loo_gmean"])),
        }
    return out


def markdown(result: dict) -> str:
    lines = []
    for part, figures in result["averages"].items():
        lines.append(f"\n{part} topics ({', '.join(t for t, v in result['topics'].items() if v['part'] == part)}), averaged:\n")
        lines.append("| figure | p@20 | p@50 | p@100 | nDCG@50 | hubs in top 50 | hidden seed: median rank "
                     "| geometric mean | recall@50 |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for label, s in figures.items():
            lines.append(f"| {label} | {s['p@20']:.2f} | {s['p@50']:.2f} | {s['p@100']:.2f} | "
                         f"{s['ndcg@50']:.2f} | {s['hubs@50']:.2f} | "
                         f"{_fmt_rank(s['loo_rank'])} | {_fmt_rank(s.get('loo_gmean'))} | {s['recall@50']:.2f} |")
    lines.append("\nper topic: p@50 / hubs in top 50 / ranks of the hidden seeds (- : not reached by the crawl)\n")
    labels = [label for label, _ in figures_for(result.get("recommended", False))]
    lines.append("| topic | part | " + " | ".join(labels) + " |")
    lines.append("|---|---|" + "---|" * len(labels))
    for topic, t in result["topics"].items():
        lines.append(f"| {topic} | {t['part']} | " + " | ".join(
            f"{t['scores'][label]['p@50']:.2f} / {t['scores'][label]['hubs@50']:.2f} / "
            + ", ".join("-" if r >= 10**6 else str(r) for r in t['scores'][label]['loo_ranks'])
            for label in labels) + " |")
    return "\n".join(lines)


def _fmt_rank(value) -> str:
    return "-" if value is None else ("not reached" if value >= 10**6 else f"{value:.0f}")


# -- as part of `python bench/run.py` ----------------------------------------------------------

def run(work_dir, quick: bool = False, log=print) -> dict:
    from common import Metric

    result = evaluate(Path(work_dir) / "relevance", quick=quick, log=log)
    metrics = []
    for part, figures in result["averages"].items():
        best = figures["relevance"]
        for measure in ("p@50", "ndcg@50", "recall@50"):
            rival = max((label for label in figures if label != "relevance"),
                        key=lambda label: figures[label][measure])
            metrics.append(Metric(
                group="relevance", name=f"{measure} of the seeds' topic ({part} topics)",
                value=best[measure], baseline=figures[rival][measure], baseline_name=f"best single figure: {rival}",
                target_on="ratio", target_op=">=", target=1.0,
                note=", ".join(f"{label} {s[measure]:.2f}" for label, s in figures.items())))
        rival = min((label for label in figures if label != "relevance"),
                    key=lambda label: figures[label]["loo_rank"])
        metrics.append(Metric(
            group="relevance", name=f"hidden seed's median rank ({part} topics)",
            value=best["loo_rank"], baseline=figures[rival]["loo_rank"],
            baseline_name=f"best single figure: {rival}", target_on="ratio", target_op="<=", target=1.0,
            note=", ".join(f"{label} {_fmt_rank(s['loo_rank'])}" for label, s in figures.items())))
        metrics.append(Metric(
            group="relevance", name=f"generic hubs in the top 50 ({part} topics)",
            value=best["hubs@50"], baseline=figures["seed PageRank"]["hubs@50"],
            baseline_name="seed PageRank", target_on="value", target_op="<=", target=0.10,
            note=", ".join(f"{label} {s['hubs@50']:.2f}" for label, s in figures.items())))
    return {"metrics": metrics, "context": {"relevance": result, "table": markdown(result)}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/kb-bench-relevance"))
    parser.add_argument("--json", type=Path, help="Also write the full result here.")
    parser.add_argument("--reuse", action="store_true",
                        help="Re-rank the stores an earlier run crawled in --work-dir instead of crawling.")
    parser.add_argument("--topics", help="Comma-separated topics to run (all scored as tune).")
    parser.add_argument("--recommended", action="store_true",
                        help="Crawl with --recommended (Semantic Scholar's recommendations for the seeds first).")
    parser.add_argument("--leave-one-out", type=int, metavar="N",
                        help=f"Hide each of the first N seeds of a topic in turn (default {LEAVE_ONE_OUT['full']}: "
                             "every seed; fewer for a shorter run).")
    parser.add_argument("--weight", action="append", default=[], metavar="SIGNAL=W",
                        help="Override one relevance weight (tuning on the TUNE topics; with --reuse).")
    args = parser.parse_args(argv)
    from kb.knowledge.relevance import WEIGHTS

    for item in args.weight:
        name, value = item.split("=")
        WEIGHTS[name] = float(value)
    topics = (tuple(args.topics.split(",")), ()) if args.topics else None
    result = evaluate(args.work_dir, quick=args.quick, log=lambda m: print(m, file=sys.stderr),
                      topics=topics, reuse=args.reuse, recommended=args.recommended,
                      leave_one_out=args.leave_one_out)
    print(markdown(result))
    print(json.dumps(wins(result["averages"]), indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
