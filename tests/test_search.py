"""Search: the safe query language, bm25 ranking, filters, sorts, `kb search`, and fuzzing that
no query text ever reaches SQLite as an SQL error."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.cli_runner import invoke

from kb.errors import NotFoundError, UsageError
from kb.knowledge.query import PaperFilter, build_query, query_papers
from kb.knowledge.resolve import parse_paper_ref, resolve_paper
from kb.knowledge.ranking import compute_ranks
from kb.knowledge.search import search, search_papers, to_match_expression
from tests.use_fixtures import build_store, sha


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory, new_target):
    s = build_store(new_target(request.param, tmp_path_factory.mktemp("search"), "search"))
    compute_ranks(s)
    yield s
    s.close()


def hits(store, query, **filters) -> list[int]:
    f = PaperFilter(**{"sort": "relevance", "limit": None, **filters})
    return [r["id"] for r in search(store, query, f).rows]


# -- query language ----------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("reward", '"reward"'),
    ("reward hacking", '("reward" AND "hacking")'),
    ('"human feedback"', '"human feedback"'),
    ("misgeneral*", '"misgeneral"*'),
    ("gaming OR protein", '("gaming" OR "protein")'),
    ("reward -toxicity", '(("reward") NOT ("toxicity"))'),
    ("reward NOT (toxicity OR agent)", '(("reward") NOT (("toxicity" OR "agent")))'),
    ('title:human abstract:"reward function"', '(title : "human" AND abstract : "reward function")'),
    ("tldr:(rewards OR x)", '(tldr : "rewards" OR tldr : "x")'),
    ('say "it""s"', '("say" AND "it" AND "s")'),
    ('c++ AND it\'s', '("c++" AND "it\'s")'),
    ("and or not", '("and" AND "or" AND "not")'),  # lower-case operators are words
    ("foo:bar", '"foo:bar"'),
])
def test_query_translation(query, expected):
    assert to_match_expression(query) == expected


@pytest.mark.parametrize("query, message", [
    ("", "empty"),
    ("   ", "empty"),
    ('"unclosed phrase', "unclosed quote"),
    ("(reward hacking", "unclosed '('"),
    ("reward)", "unmatched ')'"),
    ("()", "empty parentheses"),
    ("reward OR", "OR needs a search term on both sides"),
    ("OR reward", "OR needs a search term on both sides"),
    ("reward AND", "AND needs a search term on both sides"),
    ("AND", "AND needs a search term"),
    ("NOT reward", "only excludes words"),
    ("-reward -agent", "only excludes words"),
    ("reward NOT", "must be followed by the term to exclude"),
    ("!!! ???", "no words"),
    ("title:", "title: must be followed"),
    ("title: reward", "title: must be followed"),
    ("(" * 40 + "x" + ")" * 40, "nests parentheses"),
    ("x" * 2000, "longer than"),
])
def test_query_errors_are_clear_usage_errors(store, query, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        search(store, query)


# -- matching and ranking ----------------------------------------------------------------------

def test_words_are_anded_stemmed_and_title_weighs_most(store):
    found = hits(store, "reward")
    # P3 and P9 have "reward" in the title, P1 only in the abstract and TLDR, P2 in the abstract.
    assert set(found) == {1, 2, 3, 9}
    assert set(found[:2]) == {3, 9}
    assert set(hits(store, "rewards")) == set(found)  # porter stemming
    assert hits(store, "reward toxicity") == [9]


def test_phrases_prefixes_boolean_and_fields(store):
    assert set(hits(store, '"human feedback"')) == {6}
    assert set(hits(store, '"feedback human"')) == set()
    assert hits(store, "misgeneral*") == [5]
    assert set(hits(store, "protein OR gaming")) == {7, 8}
    assert set(hits(store, "reward -toxicity")) == {1, 2, 3}
    assert set(hits(store, "reward NOT (toxicity OR agent)")) == {1, 2}
    assert set(hits(store, "title:human")) == {1, 6}  # P1 has "human" in its abstract too
    assert set(hits(store, "abstract:human")) == {1, 6}
    assert set(hits(store, "tldr:human")) == {1}
    assert set(hits(store, '"human pref"*')) == {1}
    assert hits(store, "mesa-optimization") == [4]  # hyphenated text is a phrase


def test_filters_and_sorts(store):
    assert set(hits(store, "reward", year_from=2018)) == {3, 9}
    assert set(hits(store, "reward", year_to=2017)) == {1, 2}
    assert set(hits(store, "reward", seed_distance=1)) == {1, 2, 3}
    assert set(hits(store, "reward", min_citations=300)) == {1, 2, 3}
    assert hits(store, "reward", sort="year") == [9, 3, 1, 2]
    assert hits(store, "reward", sort="oldest") == [2, 1, 3, 9]
    assert hits(store, "reward", sort="citations") == [1, 2, 3, 9]
    by_rank = [r["relevance"] for r in search(store, "reward", PaperFilter(sort="rank")).rows]
    assert by_rank == sorted(by_rank, reverse=True)
    result = search(store, "reward", PaperFilter(sort="relevance", limit=2))
    assert len(result.rows) == 2 and result.total == 4
    scores = [r["score"] for r in search(store, "reward").rows]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert "«" in search(store, "toxicity").rows[0]["snippet"]
    with pytest.raises(UsageError, match="unknown sort"):
        hits(store, "reward", sort="fame")
    with pytest.raises(UsageError, match="after --year-to"):
        hits(store, "reward", year_from=2020, year_to=2010)


def test_theme_filter(store, tmp_path, monkeypatch):
    themes = tmp_path / "themes.toml"
    themes.write_text('[theme.reward-learning]\nname = "Reward learning"\n'
                      '[theme.reward-modeling]\nname = "Reward modeling"\nparent = "reward-learning"\n'
                      '[theme.inner-alignment]\nname = "Inner alignment"\n')
    monkeypatch.setenv("KB_THEMES", str(themes))
    with store.transaction() as conn:
        conn.executemany("INSERT OR REPLACE INTO paper_theme (paper, theme, source, score) VALUES "
                         "(?, ?, 'manual', 1.0)", [(1, "reward-learning"), (3, "reward-modeling"),
                                                   (4, "inner-alignment")])
    try:
        assert set(hits(store, "reward", theme="reward-learning")) == {1, 3}  # with sub-themes
        assert set(hits(store, "reward", theme="reward-modeling")) == {3}
        assert {r["id"] for r in query_papers(store, PaperFilter(theme="inner-alignment"))} == {4}
        with pytest.raises(UsageError, match="unknown theme"):
            hits(store, "reward", theme="no-such-theme")
    finally:
        with store.transaction() as conn:
            conn.execute("DELETE FROM paper_theme")


def test_search_papers_for_exports(store):
    rows = search_papers(store, "reward", PaperFilter(sort="year"))
    assert [r["id"] for r in rows] == [9, 3, 1, 2]


def test_build_query_ids_subset_and_seed_distance(store):
    f = PaperFilter(ids=[9, 5, 1, 8], sort="oldest")
    assert [r["id"] for r in query_papers(store, f)] == [1, 8, 5, 9]
    rows = {r["id"]: r for r in query_papers(store, PaperFilter(sort="pagerank"))}
    assert rows[1]["seed_distance"] == 0 and rows[9]["seed_distance"] == 3
    assert rows[8]["seed_distance"] is None  # never reached by the crawler
    assert {r["id"] for r in query_papers(store, PaperFilter(seed_distance=0))} == {1, 2}
    assert rows[1]["authors"] == ["Paul Christiano", "Jan Leike"]
    sql, params = build_query(store, PaperFilter(limit=5, offset=5))
    assert sql.rstrip().endswith("LIMIT ? OFFSET ?") and params[-2:] == [5, 5]
    with pytest.raises(UsageError, match="needs a search query"):
        build_query(store, PaperFilter(sort="relevance"))


# -- naming a paper ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, paper", [
    (sha(4), 4),
    (sha(4).upper(), 4),
    ("#6", 6),
    ("CorpusId:1005", 5),
    ("corpusid: 1005", 5),
    ("DOI:10.5555/risks.2019", 4),
    ("10.5555/RISKS.2019", 4),
    ("https://doi.org/10.5555/Risks.2019", 4),
    ("ARXIV:1706.03741", 1),
    ("arXiv:1706.03741v3", 1),
    ("1606.06565", 2),
    ("https://arxiv.org/abs/1606.06565v2", 2),
    ("https://arxiv.org/pdf/1706.03741.pdf", 1),
    ("https://doi.org/10.48550/arXiv.1606.06565", 2),  # arXiv's DOI, stored as an arXiv id
    ("URL:https://arxiv.org/abs/1606.06565", 2),
    (f"https://www.semanticscholar.org/paper/Risks-from-Learned/{sha(4)}", 4),
    ("https://api.semanticscholar.org/CorpusID:1009", 9),
    ("Concrete Problems in AI Safety", 2),
    ("concrete problems", 2),
    ("goal misgen", 5),  # the last word may be half typed
    ("specification gaming: the flip", 7),
    ("learned optimization", 4),
])
def test_resolve_paper_any_form(store, text, paper):
    assert resolve_paper(store, text)["id"] == paper


def test_resolve_paper_errors(store):
    with pytest.raises(UsageError, match="several papers") as err:
        resolve_paper(store, "reinforcement learning")
    assert sha(1) in str(err.value) and sha(5) in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(NotFoundError, match="no paper in the store matches"):
        resolve_paper(store, "quantum chromodynamics")
    with pytest.raises(NotFoundError, match="DOI 10.1/none"):
        resolve_paper(store, "DOI:10.1/none")
    with pytest.raises(NotFoundError):
        resolve_paper(store, "f" * 40)
    with pytest.raises(UsageError, match="CorpusId must be a number"):
        resolve_paper(store, "CorpusId:abc")
    with pytest.raises(UsageError, match="cannot find a paper id in the URL"):
        resolve_paper(store, "https://arxiv.org/list/cs.AI")
    with pytest.raises(UsageError, match="name a paper"):
        resolve_paper(store, "  ")
    assert parse_paper_ref("hep-th/9901001v2") == ("arxiv", "hep-th/9901001")


# -- fuzzing: no sqlite3 error escapes ---------------------------------------------------------

QUERY_ALPHABET = st.sampled_from(list('abc xyz"()*-:^+~.,\'!?&|{}[]\\/') +
                                 ["AND", "OR", "NOT", "NEAR", "title:", "abstract:", "tldr:",
                                  "reward", "human", "é", "日本", "\x00", "\t", "\n", "0", "_"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.lists(QUERY_ALPHABET, max_size=25).map("".join)))
def test_fuzz_no_sql_error_escapes(store, query):
    try:
        result = search(store, query, PaperFilter(sort="relevance", limit=5))
    except UsageError:
        return
    except sqlite3.Error as exc:  # pragma: no cover - the property under test
        pytest.fail(f"sqlite3 error for {query!r}: {exc}")
    assert result.total >= len(result.rows)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_fuzz_resolve_paper_never_sql_error(store, text):
    try:
        resolve_paper(store, text)
    except (UsageError, NotFoundError):
        pass


# -- CLI ---------------------------------------------------------------------------------------

def run(db, *args):
    return invoke(*args, db=db)


def test_kb_search_cli(store):
    db = store.path
    out = run(db, "search", "reward", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["total"] == 4 and data["expression"] == '"reward"'
    assert {r["paper_id"] for r in data["results"]} == {sha(i) for i in (1, 2, 3, 9)}
    assert all("themes" in r and "score" in r for r in data["results"])

    plain = run(db, "search", "reward", "--sort", "year", "--limit", "2")
    lines = plain.stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [sha(9), sha(3)]

    filtered = json.loads(run(db, "search", "reward", "--year-from", "2018", "--seed-distance",
                              "2", "--min-citations", "100", "--json").stdout)
    assert [r["id"] for r in filtered["results"]] == [3]

    bad = run(db, "search", '"reward')
    assert bad.exit_code == 2
    assert bad.stderr.startswith("kb: error: unclosed quote") and "Traceback" not in bad.output
    assert run(db, "search", "reward", "--sort", "fame").exit_code == 2
    none = run(db, "search", "zzzz", "--json")
    assert none.exit_code == 0 and json.loads(none.stdout)["total"] == 0
