"""`kb show` (everything about one paper) and `kb trail` (shortest citation paths from the
seeds), on the known graph of tests/use_fixtures.py."""

from __future__ import annotations

import json

import pytest
from tests.cli_runner import invoke

from kb.errors import NotFoundError, UsageError
from kb.knowledge.paper_view import paper_view
from kb.knowledge.resolve import resolve_paper
from kb.knowledge.ranking import compute_ranks
from kb.store.records import EdgeRecord, PaperRecord
from kb.store import Store
from kb.knowledge.trail import find_trail
from tests.use_fixtures import build_store, sha

SENTENCE = "Hubinger et al. introduced mesa-optimization in Risks from Learned Optimization."


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = build_store(tmp_path_factory.mktemp("show") / "kb.sqlite")
    compute_ranks(s)
    with s.transaction() as conn:
        conn.execute("INSERT INTO document (id, path, sha256) VALUES (1, '/notes/forum-post.md', 'x')")
        conn.executemany(
            "INSERT INTO mention (document, surface, start, \"end\", kind, sentence, norm_text, "
            "status, paper) VALUES (1, ?, ?, ?, 'title', ?, ?, ?, 4)",
            [("Risks from Learned Optimization", 40, 71, SENTENCE, "risks", "resolved"),
             ("mesa-optimization", 27, 44, SENTENCE, "mesa", "resolved"),  # same sentence
             ("Risks", 0, 5, "A rejected guess.", "r", "rejected")])
        conn.execute("INSERT INTO paper_theme (paper, theme, source, score) VALUES "
                     "(4, 'deceptive-alignment', 'manual', 1.0), (4, 'agent-foundations', 'rule', 3.0)")
    yield s
    s.close()


# -- trail -------------------------------------------------------------------------------------

def hops(trail):
    return [[(h.source, h.target, h.direction) for h in path] for path in trail.paths]


def test_trail_single_shortest_path_with_directions(store):
    trail = find_trail(store, 9)
    assert trail.distance == 3 and trail.total_paths == 1
    assert hops(trail) == [[(2, 4, "cited by"), (4, 5, "cited by"), (5, 9, "cited by")]]
    assert trail.papers[9]["title"] == "Reward modeling for mitigating toxicity"


def test_trail_all_shortest_paths_both_directions(store):
    trail = find_trail(store, 7)
    assert trail.distance == 2 and trail.total_paths == 2
    # P1 <- P6 -> P7 and P2 <- P4 -> P7: "cited by" then "cites"
    assert sorted(hops(trail)) == [[(1, 6, "cited by"), (6, 7, "cites")],
                                   [(2, 4, "cited by"), (4, 7, "cites")]]
    assert find_trail(store, 3).total_paths == 2  # P3 cites both seeds
    limited = find_trail(store, 7, max_paths=1)
    assert len(limited.paths) == 1 and limited.total_paths == 2


def test_trail_seed_isolated_and_limits(store):
    seed = find_trail(store, 1)
    assert seed.distance == 0 and seed.paths == [[]]
    isolated = find_trail(store, 8)
    assert isolated.distance is None and isolated.paths == [] and not isolated.limited
    capped = find_trail(store, 9, max_hops=2)
    assert capped.distance is None and capped.limited
    with pytest.raises(NotFoundError, match="no seeds"):
        find_trail(store, 9, seeds=[])
    with pytest.raises(UsageError):
        find_trail(store, 9, max_paths=0)


def test_trail_counts_many_paths_without_listing_them(tmp_path):
    # A seed, a layer of 6 papers citing it, a layer of 6 papers citing all of those, and a
    # target citing all of the second layer: 36 shortest paths of 3 hops.
    s = Store(tmp_path / "wide.sqlite")
    s.upsert_papers([PaperRecord(sha(100 + i), title=f"w{i}") for i in range(14)])
    edges = [(sha(101 + i), sha(100)) for i in range(6)]
    edges += [(sha(107 + j), sha(101 + i)) for i in range(6) for j in range(6)]
    edges += [(sha(113), sha(107 + j)) for j in range(6)]
    s.upsert_edges(EdgeRecord(a, b) for a, b in edges)
    ids = s.internal_ids([sha(100), sha(113)])
    trail = find_trail(s, ids[sha(113)], seeds=[ids[sha(100)]], max_paths=5)
    assert trail.distance == 3 and trail.total_paths == 36 and len(trail.paths) == 5
    assert all(len(p) == 3 and p[0].source == ids[sha(100)] for p in trail.paths)
    s.close()


# -- show --------------------------------------------------------------------------------------

def test_paper_view_gathers_everything(store):
    view = paper_view(store, resolve_paper(store, "learned optimization"))
    assert view["id"] == 4 and view["doi"] == "10.5555/Risks.2019"
    assert view["links"]["semantic_scholar"] == f"https://www.semanticscholar.org/paper/{sha(4)}"
    assert view["links"]["doi"] == "https://doi.org/10.5555/Risks.2019"
    assert [t["theme"] for t in view["themes"]] == ["deceptive-alignment", "agent-foundations"]
    assert view["themes"][0]["source"] == "manual"
    assert view["seed_distance"] == 1 and not view["is_seed"]
    assert view["seed_sentences"] == [{"sentence": SENTENCE, "surface": "Risks from Learned Optimization",
                                       "status": "resolved", "kind": "title",
                                       "document": "/notes/forum-post.md"}]
    ranks = view["ranks"]
    assert ranks["in_citations"]["value"] == 1 and ranks["in_references"]["value"] == 3
    assert 1 <= ranks["seed_pagerank"]["position"] <= 9 and ranks["pagerank"]["of"] == 9
    assert view["references_in_store"] == 3 and view["citers_in_store"] == 1
    assert {r["id"] for r in view["references"]} == {2, 3, 7}
    refs = [r["relevance"] for r in view["references"]]
    assert refs == sorted(refs, reverse=True)  # most relevant first
    assert view["why"] and ranks["relevance"]["position"] >= 1
    assert [r["id"] for r in view["citers"]] == [5]
    seed = paper_view(store, resolve_paper(store, "ARXIV:1706.03741"))
    assert seed["is_seed"] and seed["seed_distance"] == 0
    assert seed["links"]["arxiv"] == "https://arxiv.org/abs/1706.03741"
    assert seed["links"]["pdf"] == "https://arxiv.org/pdf/1706.03741"


def test_paper_view_without_ranks(tmp_path):
    s = Store(tmp_path / "bare.sqlite")
    s.upsert_papers([PaperRecord(sha(1), title="Only paper")])
    view = paper_view(s, resolve_paper(s, "only paper"))
    assert view["ranks"] is None and view["seed_distance"] is None and view["citers"] == []
    s.close()


# -- CLI ---------------------------------------------------------------------------------------

def run(db, *args):
    return invoke(*args, db=db, terminal_width=120)


def test_kb_show_cli(store):
    out = run(store.path, "show", "Risks from Learned Optimization")
    assert out.exit_code == 0, out.output
    text = out.stdout
    for expected in ("Risks from Learned Optimization in Advanced Machine Learning Systems",
                     "https://doi.org/10.5555/Risks.2019", "deceptive-alignment (manual)",
                     "agent-foundations (rule 3.00)", "1 citation hop from the nearest seed",
                     "forum-post.md", "mesa-optimization in Risks", "References in the store",
                     "Concrete Problems in AI Safety", "Goal Misgeneralization", "PageRank"):
        assert expected in " ".join(text.split()), expected
    data = json.loads(run(store.path, "show", "#4", "--json").stdout)
    assert data["paper_id"] == sha(4) and data["citers"][0]["paper_id"] == sha(5)
    ambiguous = run(store.path, "show", "reinforcement learning")
    assert ambiguous.exit_code == 2 and "matches several papers" in ambiguous.stderr
    missing = run(store.path, "show", "DOI:10.1/none")
    assert missing.exit_code == 4 and missing.stderr.startswith("kb: error: no paper with DOI")


def test_kb_trail_cli(store):
    out = run(store.path, "trail", sha(7))
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "2 hops from the nearest seed; 2 shortest paths" in text
    assert "seed       Deep Reinforcement Learning from Human Preferences (2017)" in text
    assert "← cited by Training language models" in text
    assert "→ cites    Specification gaming" in text
    assert "← cited by Training language models" in text
    data = json.loads(run(store.path, "trail", "CorpusId:1009", "--json").stdout)
    assert data["distance"] == 3 and data["total_paths"] == 1
    assert [h["direction"] for h in data["paths"][0]["hops"]] == ["cited by"] * 3
    assert data["paths"][0]["seed"]["paper_id"] == sha(2)
    assert "is a seed" in run(store.path, "trail", "#1").stdout
    assert "No citation path" in run(store.path, "trail", "protein structure").stdout
