"""One way to name a paper: every command that takes a paper accepts the same forms (a sha or
the 10 characters `kb seed list` shows, #N, CorpusId:, ARXIV:, DOI:, URLs, title words) and
fails the same way (one line, exit 2 when ambiguous, 4 when missing)."""

from __future__ import annotations

import json

import pytest

from kb.store.records import PaperRecord
from tests.use_fixtures import add_seeds, build_store, sha

TOY_SHA = "f00dfacade" + "1" * 30
TOY = PaperRecord(TOY_SHA, corpus_id=253761015, arxiv_id="2209.10652", doi="10.48550/toy.2022",
                  title="Toy Models of Superposition", year=2022,
                  abstract="Superposition of features in small models.", detail_level=2)

FORMS = [
    TOY_SHA,
    TOY_SHA[:10],                       # what `kb seed list` shows
    "CorpusId:253761015",
    "ARXIV:2209.10652",
    "arXiv:2209.10652v2",
    "2209.10652",
    "DOI:10.48550/toy.2022",
    "https://arxiv.org/abs/2209.10652v1",
    "https://doi.org/10.48550/toy.2022",
    f"https://www.semanticscholar.org/paper/Toy-Models/{TOY_SHA}",
    "toy models of superposition",       # title words
    "toy models",
]


@pytest.fixture()
def db(tmp_path):
    store = build_store(tmp_path / "kb.sqlite")
    store.upsert_papers([TOY])
    toy = store.internal_ids([TOY_SHA])[TOY_SHA]
    add_seeds(store, [toy])
    store.close()
    return tmp_path / "kb.sqlite", toy


@pytest.mark.parametrize("form", FORMS)
def test_show_accepts_every_form(kb_cli, db, form):
    path, toy = db
    out = kb_cli("show", form, "--json", db=path)
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["id"] == toy
    assert kb_cli("show", f"#{toy}", "--json", db=path).exit_code == 0


def _commands(toy_form: str, list_name: str = "r") -> list[list[str]]:
    return [
        ["show", toy_form],
        ["trail", toy_form],
        ["tag", "add", toy_form, "interpretability"],
        ["tag", "rm", toy_form, "interpretability"],
        ["tag", "list", toy_form],
        ["list", "add", list_name, toy_form],
        ["list", "mark", list_name, toy_form],
        ["list", "rm", list_name, toy_form],
        ["graph", "--format", "graphml", "--around", toy_form],
        ["seed", "rm", toy_form],
    ]


@pytest.mark.parametrize("form", ["toy models of superposition", TOY_SHA[:10], "ARXIV:2209.10652"])
def test_every_paper_command_accepts_the_same_forms(kb_cli, db, form):
    path, toy = db
    assert kb_cli("list", "create", "r", db=path).exit_code == 0
    for argv in _commands(form):
        out = kb_cli(*argv, db=path)
        assert out.exit_code == 0, (argv, out.stderr)
    listed = json.loads(kb_cli("seed", "list", "--json", db=path).stdout)
    assert toy not in [s["paper"] for s in listed["seeds"]]


def test_graph_around_a_paper_keeps_its_neighbourhood(kb_cli, db):
    path, _ = db
    out = kb_cli("graph", "--format", "graphml", "--around", "Risks from Learned Optimization",
                 "--hops", "1", db=path)
    assert out.exit_code == 0, out.stderr
    nodes = {sha(n) for n in range(1, 10) if f'id="{sha(n)}"' in out.stdout}
    assert nodes == {sha(4), sha(2), sha(3), sha(7), sha(5)}  # P4, what it cites, its citer


@pytest.mark.parametrize("name, code, words", [
    ("reinforcement learning", 2, "matches several papers"),   # two titles
    ("0000000000", 2, "matches several papers"),              # a short sha most papers share
    ("quantum chromodynamics", 4, "no paper in the store matches"),
    ("ARXIV:1999.99999", 4, "no paper with arXiv id 1999.99999"),
])
def test_every_paper_command_fails_in_one_line(kb_cli, db, name, code, words):
    path, _ = db
    assert kb_cli("list", "create", "r", db=path).exit_code == 0
    for argv in _commands(name):
        out = kb_cli(*argv, db=path)
        assert out.exit_code == code, (argv, out.stderr)
        assert out.stderr.startswith("kb: error: ") and words in out.stderr, (argv, out.stderr)
        assert out.stderr.count("\n") == 1, (argv, out.stderr)


def test_seed_rm_refuses_a_paper_that_is_not_a_seed(kb_cli, db):
    path, _ = db
    out = kb_cli("seed", "rm", "Goal Misgeneralization", db=path)
    assert out.exit_code == 4 and "is not a seed" in out.stderr


def test_a_works_main_title_names_it_among_titles_that_start_the_same(kb_cli, tmp_path):
    """"AGI Ruin" is how people name "AGI Ruin: A List of Lethalities", even when a store also
    holds "AGI ruin scenarios are likely (and disjunctive)"; two works whose main title is the
    same stay ambiguous."""
    store = build_store(tmp_path / "kb.sqlite")
    store.upsert_papers([
        PaperRecord("a" * 40, title="AGI Ruin: A List of Lethalities", year=2022, detail_level=2),
        PaperRecord("b" * 40, title="AGI ruin scenarios are likely (and disjunctive)", year=2022, detail_level=2),
        PaperRecord("c" * 40, title="Shard Theory: An Overview", year=2022, detail_level=2),
        PaperRecord("d" * 40, title="Shard Theory - A Critique", year=2023, detail_level=2),
    ])
    store.close()
    path = tmp_path / "kb.sqlite"
    out = kb_cli("show", "AGI Ruin", "--json", db=path)
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["title"] == "AGI Ruin: A List of Lethalities"
    out = kb_cli("show", "shard theory", db=path)
    assert out.exit_code == 2 and "matches several papers" in out.stderr
