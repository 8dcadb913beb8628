"""Do SPECTER-style embeddings help theme tagging? Macro-F1 with and without, on papers the
model never trained on, in the stand-in corpus where every paper's topic is known.

    python bench/bench_theme_embeddings.py [--papers 3000]

The labelled works kb ships have no vectors (they are summaries, not fetched papers), so the
measurement uses the stand-in's generated literature: every paper belongs to one topic (an
alignment theme, or an unrelated field) and its ``specter_v2`` vector is the stand-in's (a
topic direction plus a group direction plus per-paper noise, kb.standin.embedding). Half the
papers train, half are tested. Per theme, the same recipe as `kb tag auto`'s text model (a
linear SVM, class-balanced, threshold by 5-fold cross-validation on the training half) over
(a) tf-idf of title + abstract + TLDR; (b) the same plus the unit vector; and, since real
stores hold many papers known only by title (nested in a citation list), (c) and (d): titles
only, without and with the vector. Papers of the stand-in's ``reinforcement-learning`` topic
are left out: the taxonomy counts RL under ``rlhf`` but the stand-in's answer key does not.

What it shows and what it does not: the stand-in's vectors encode the topic by construction,
so this measures how much a topic-faithful embedding can add to the text model (an upper
bound, most visible when the text is short), not how well real SPECTER vectors separate
these themes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def macro_f1(pred, truth) -> float:
    import numpy as np

    f1 = []
    for c in range(truth.shape[1]):
        tp = int((pred[:, c] & truth[:, c]).sum())
        denom = int(pred[:, c].sum() + truth[:, c].sum())
        f1.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1))


def topical_papers(taxonomy, n_papers: int, seed: int):
    """The stand-in's papers that have a topic (less ``reinforcement-learning``, see above) and
    their themes as a (papers x themes) boolean matrix, sub-themes implying their parents."""
    import numpy as np

    from kb.standin.generate import generate_corpus

    slugs = list(taxonomy.themes)
    records = [r for r in generate_corpus(n_papers, seed=seed).records_view()
               if r.get("_topic") and r["_topic"] != "reinforcement-learning"]
    y = np.zeros((len(records), len(slugs)), dtype=bool)
    for i, r in enumerate(records):
        if r["_topic"] in taxonomy:
            for s in [r["_topic"], *taxonomy.ancestors(r["_topic"])]:
                y[i, slugs.index(s)] = True
    return records, y


def run(n_papers: int = 3000, seed: int = 1, embedding_weight: float = 1.0) -> dict:
    import numpy as np
    from scipy import sparse
    from sklearn.svm import LinearSVC

    from kb.knowledge.theme_model import best_threshold, text_features
    from kb.knowledge.themes import load_taxonomy
    from kb.standin.embedding import paper_vector

    taxonomy = load_taxonomy()
    slugs = list(taxonomy.themes)
    records, y = topical_papers(taxonomy, n_papers, seed)
    vectors = np.array([paper_vector(r["paperId"], r["_topic"]) for r in records], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    tldr = [(r.get("tldr") or {}).get("text", "") if isinstance(r.get("tldr"), dict) else "" for r in records]
    full = [f"{r['title']}\n{r.get('abstract') or ''} {t}" for r, t in zip(records, tldr)]
    titles = [r["title"] for r in records]
    train = np.arange(len(records)) % 2 == 0
    out: dict = {"papers": len(records), "themes": len(slugs),
                 "negatives": int((~y.any(axis=1)).sum())}
    margins: dict = {"title_abstract_tldr": {}, "title_only": {}}
    for text_name, docs in (("title_abstract_tldr", full), ("title_only", titles)):
        X_text, _ = text_features(docs)
        for with_vec in (False, True):
            X = sparse.hstack([X_text, sparse.csr_matrix(vectors * embedding_weight)]).tocsr() if with_vec else X_text
            Xtr, Xte, ytr, yte = X[train], X[~train], y[train], y[~train]
            pred = np.zeros_like(yte)
            t0 = time.perf_counter()
            for c in range(len(slugs)):
                folds = np.arange(Xtr.shape[0]) % 5
                oof = np.zeros(Xtr.shape[0], dtype=np.float32)
                for f in range(5):
                    clf = LinearSVC(C=0.5, class_weight="balanced", dual="auto", max_iter=5000)
                    clf.fit(Xtr[folds != f], ytr[folds != f, c])
                    oof[folds == f] = clf.decision_function(Xtr[folds == f])
                cut = best_threshold(oof, ytr[:, c])
                clf = LinearSVC(C=0.5, class_weight="balanced", dual="auto", max_iter=5000).fit(Xtr, ytr[:, c])
                pred[:, c] = clf.decision_function(Xte) >= (cut if cut is not None else 0.0)
                if not with_vec:
                    margins[text_name][c] = (oof, clf.decision_function(Xte))
            key = f"{text_name}{'_with_embedding' if with_vec else ''}"
            neg = ~yte.any(axis=1)
            out[key] = {"macro_f1": round(macro_f1(pred, yte), 3),
                        "negatives_tagged": round(float(pred[neg].any(axis=1).mean()), 3),
                        "seconds": round(time.perf_counter() - t0, 1)}
    out.update(neighbour_votes(vectors, y, train, margins))
    return out


def neighbour_votes(vectors, y, train, margins, k: int = 10, weight: float = 1.0) -> dict:
    """The vectors as a vote rather than as features: each paper's ``k`` nearest training papers
    (cosine of unit vectors; a training paper's own vote is left out) vote for their themes.
    ``nearest_neighbours``: the vote alone, a theme when at least half the neighbours carry it;
    ``<text>_plus_neighbour_vote``: the text model's margin plus ``weight`` x (vote share - 0.5),
    its cut chosen by cross-validation on the training half like the text model's."""
    import numpy as np

    from kb.knowledge.theme_model import best_threshold

    Vtr, Vte, ytr, yte = vectors[train], vectors[~train], y[train], y[~train]

    def shares(sims):
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        return ytr[top].mean(axis=1)

    own = Vtr @ Vtr.T
    np.fill_diagonal(own, -np.inf)
    share_tr, share_te = shares(own), shares(Vte @ Vtr.T)
    neg = ~yte.any(axis=1)
    out = {}
    pred = share_te >= 0.5
    out["nearest_neighbours"] = {"macro_f1": round(macro_f1(pred, yte), 3),
                                 "negatives_tagged": round(float(pred[neg].any(axis=1).mean()), 3)}
    for text_name, per_theme in margins.items():
        pred = np.zeros_like(yte)
        for c, (oof, test) in per_theme.items():
            cut = best_threshold(oof + weight * (share_tr[:, c] - 0.5), ytr[:, c])
            pred[:, c] = test + weight * (share_te[:, c] - 0.5) >= (cut if cut is not None else 0.0)
        out[f"{text_name}_plus_neighbour_vote"] = {
            "macro_f1": round(macro_f1(pred, yte), 3),
            "negatives_tagged": round(float(pred[neg].any(axis=1).mean()), 3)}
    return out



def pipeline(n_papers: int = 3000, seed: int = 1, titles_only: float = 0.5) -> dict:
    """The embedding signal as `kb tag auto` uses it: the stand-in's papers in a store with their
    vectors, tagged by :func:`kb.knowledge.tagging.propose` (trained on kb's shipped labelled
    works and the store's own confident keyword tags: no stand-in paper's topic is ever shown
    to it), with and without the vectors. ``titles_only``: the share of papers stored without
    abstract and TLDR, as a crawl holds many papers it knows only from a reference list."""
    import tempfile

    import numpy as np

    from kb.knowledge.tagging import propose
    from kb.knowledge.themes import load_taxonomy, sync_taxonomy
    from kb.standin.embedding import paper_vector
    from kb.store import Store
    from kb.store.records import PaperRecord

    taxonomy = load_taxonomy()
    slugs = list(taxonomy.themes)
    records, y = topical_papers(taxonomy, n_papers, seed)
    short = np.arange(len(records)) % round(1 / titles_only) == 0 if titles_only else np.zeros(len(records), bool)
    out: dict = {"papers": len(records), "titles_only": int(short.sum()), "negatives": int((~y.any(axis=1)).sum())}
    with tempfile.TemporaryDirectory() as tmp:
        for with_vectors in (False, True):
            store = Store(Path(tmp) / f"vectors-{with_vectors}.sqlite")
            papers = []
            for r, bare in zip(records, short):
                tldr = r.get("tldr") if isinstance(r.get("tldr"), dict) else None
                vector = np.array(paper_vector(r["paperId"], r["_topic"]), dtype="<f2").tobytes()
                papers.append(PaperRecord(paper_id=r["paperId"], title=r["title"], year=r.get("year"),
                                          abstract=None if bare else r.get("abstract"),
                                          tldr=None if bare or not tldr else tldr.get("text"), detail_level=2,
                                          embedding=vector if with_vectors else None))
            store.upsert_papers(papers)
            sync_taxonomy(store, taxonomy)
            t0 = time.perf_counter()
            proposal = propose(store, taxonomy)
            seconds = time.perf_counter() - t0
            ids = store.internal_ids([r["paperId"] for r in records])
            store.close()
            row = {ids[r["paperId"]]: i for i, r in enumerate(records)}
            pred = np.zeros_like(y)
            for paper, slug, _source in proposal.rows:
                for s in [slug, *taxonomy.ancestors(slug)]:
                    pred[row[paper], slugs.index(s)] = True
            neg = ~y.any(axis=1)
            key = "with_vectors" if with_vectors else "text_only"
            out[key] = {"macro_f1": round(macro_f1(pred, y), 3),
                        "macro_f1_full_text": round(macro_f1(pred[~short], y[~short]), 3),
                        "macro_f1_titles_only": round(macro_f1(pred[short], y[short]), 3),
                        "negatives_tagged": round(float(pred[neg].any(axis=1).mean()), 3),
                        "seconds": round(seconds, 1)}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--pipeline", action="store_true",
                        help="Only the embedding signal of `kb tag auto`, with and without vectors.")
    args = parser.parse_args(argv)
    print(json.dumps(pipeline(args.papers) if args.pipeline else run(args.papers)))


if __name__ == "__main__":
    main()
