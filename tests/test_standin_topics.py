"""The generated literature has the structure the ranking benchmark scores against: topic
communities, generic method hubs cited from everywhere, references of their time, topical
text, and embeddings that are closer within a topic. Each statistic the generator's
docstring claims is checked here on one 20,000-paper corpus (the default size)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb.standin.generate import generate_corpus
from kb.standin.embedding import paper_vector
from kb.standin.fields import PaperSpec
from kb.standin.generate import GENERIC, paper_topics, topic_table


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(20_000, seed=7)


def _edges(corpus):
    index = {p: i for i, p in enumerate(corpus.paper_ids())}
    return [(index[a], index[b]) for a, b in corpus.edges() if a and b], index


def test_default_corpus_has_its_twenty_thousand_papers(corpus):
    # how long generating it takes is a benchmark figure (bench/bench_relevance.py logs it), not a test
    assert len(corpus) == 20_000


def test_every_paper_knows_its_topic_and_the_topics_are_the_themes(corpus):
    topics = {t.slug: t for t in topic_table()}
    known = paper_topics(corpus)
    assert len(known) == len(corpus) and all(slug in topics for slug, _hub in known.values())
    assert {"interpretability", "rlhf", "computer-vision", "economics", GENERIC} <= \
        {slug for slug, _hub in known.values()}
    hubs = [pid for pid, (slug, hub) in known.items() if hub]
    assert len(hubs) == 40 and all(known[p][0] == GENERIC for p in hubs)
    # the answer key is not served: the API record has only S2's fields
    assert not any(k.startswith("_") for k in corpus.record(hubs[0]))


def test_citations_are_homophilous_and_hubs_are_heavy_tailed(corpus):
    edges, index = _edges(corpus)
    known = paper_topics(corpus)
    ids = corpus.paper_ids()
    topic = [known[p][0] for p in ids]
    hub = np.array([known[p][1] for p in ids])
    to_hub = np.array([hub[b] for _a, b in edges])
    same = np.array([topic[a] == topic[b] for a, b in edges])
    assert 0.04 < to_hub.mean() < 0.15                        # hubs: a few % of all references
    assert same[~to_hub].mean() > 0.7                         # homophily of the rest
    citers = np.bincount([b for _a, b in edges], minlength=len(ids))
    hub_citers = np.sort(citers[hub])[::-1]
    assert hub_citers[0] > 0.15 * len(ids)                     # one hub cited by thousands
    assert (hub_citers > 500).sum() >= 5                       # several with very many citers
    assert hub_citers[0] > 4 * np.median(hub_citers)           # heavy-tailed among hubs too
    assert hub_citers[0] > 10 * np.sort(citers[~hub])[::-1][0] / 2
    # hubs are cited from every group of topics
    groups = {t.slug: t.group for t in topic_table()}
    citing_groups = {groups[topic[a]] for a, b in edges if hub[b]}
    assert {"alignment", "ml", "other"} <= citing_groups
    assert (citers == 0).mean() > 0.1                           # and many papers nobody cites


def test_references_are_mostly_a_few_years_old(corpus):
    edges, _ = _edges(corpus)
    ages = np.array([corpus.date_key(a) - corpus.date_key(b) for a, b in edges[::7]]) / 365.25
    assert np.median(ages) < 3.0
    assert (ages > 15).mean() < 0.05
    assert (ages >= 0).all()


def test_titles_use_the_topic_vocabulary(corpus):
    topics = {t.slug: t for t in topic_table()}
    known = paper_topics(corpus)
    hits = total = 0
    for pid, (slug, hub) in list(known.items())[::20]:
        if hub or slug is None:
            continue
        title = corpus.record(pid)["title"].lower()
        total += 1
        hits += any(phrase.lower() in title for phrase in topics[slug].phrases)
    assert hits > 0.9 * total


def test_embeddings_are_closer_within_a_topic(corpus):
    known = paper_topics(corpus)
    by_topic: dict[str, list[str]] = {}
    for pid, (slug, _hub) in known.items():
        by_topic.setdefault(slug, []).append(pid)

    def unit(pid):
        v = np.array(paper_vector(pid, known[pid][0]))
        return v / np.linalg.norm(v)

    a = np.array([unit(p) for p in by_topic["rlhf"][:30]])
    b = np.array([unit(p) for p in by_topic["economics"][:30]])
    c = np.array([unit(p) for p in by_topic["reward-hacking"][:30]])
    within = (a @ a.T)[np.triu_indices(30, 1)].mean()
    assert within > 0.4
    assert (a @ b.T).mean() < 0.1
    assert (a @ b.T).mean() < (a @ c.T).mean() < within     # alignment themes share a direction
    spec = PaperSpec(fields=("paperId", "embedding"), embedding="specter_v2")
    served = json.loads(corpus.render(corpus.index_of(by_topic["rlhf"][0]), spec))
    assert served["embedding"]["model"] == "specter_v2" and len(served["embedding"]["vector"]) == 768
    assert served["embedding"]["vector"] == paper_vector(by_topic["rlhf"][0], "rlhf")
