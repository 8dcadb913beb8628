"""Resolution of mentions into seed papers (kb/grounding/seeds.py, kb/grounding/bibtex_import.py, `kb seed ...`),
end to end against the local Semantic Scholar stand-in, and the evaluation on the five seed
documents against a ground truth written by reading them."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path

import pytest
from tests.cli_runner import invoke

from kb.grounding import seeds
from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import extract, normalise
from kb.sources.s2.client import S2Client
from kb.settings import PROJECT_ROOT, Settings
from kb.store import Store

SEEDS = PROJECT_ROOT / "data" / "seeds"
TRUTH = PROJECT_ROOT / "tests" / "data" / "seed_truth.json"
UNSEEN = PROJECT_ROOT / "tests" / "data" / "unseen_docs"
NO_USER_ALIASES = Path("/nonexistent/aliases.user.toml")

STYLE_GROUPS = {"exact-title": "titles", "near-title": "titles", "cut-off-title": "titles",
                "nickname": "nicknames+author-refs", "author-ref": "nicknames+author-refs", "id": "ids"}


@pytest.fixture(scope="module")
def aliases():
    return AliasTable.load(user=NO_USER_ALIASES)


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "kb.sqlite") as s:
        yield s


def run(coro_fn, standin, *args):
    async def go():
        async with S2Client(Settings(api_url=standin.url, requests_per_second=1000, max_attempts=2)) as client:
            return await coro_fn(client, *args)
    return asyncio.run(go())


def add_docs(store, standin, paths, aliases):
    return run(lambda c: seeds.add_documents(store, c, list(paths), aliases), standin)


# -- evaluation against the ground truth ---------------------------------------------------------

def _work_matches(work: dict, row) -> bool:
    if row is None:
        return False
    if work.get("arxiv") and row["arxiv_id"] == work["arxiv"]:
        return True
    if work.get("doi") and (row["doi"] or "").lower() == work["doi"].lower():
        return True
    return normalise(row["title"] or "") == normalise(work["title"])


def evaluate(store: Store, doc_dir: Path, truth: dict, aliases: AliasTable) -> dict:
    """Recall and precision of extraction and resolution, by mention style."""
    works = truth["works"]
    files = sorted({t["file"] for t in truth["mentions"]})
    rows = defaultdict(list)
    for r in store.conn.execute(
            'SELECT d.path, m.start, m."end", m.surface, m.status, p.title, p.arxiv_id, p.doi FROM mention m '
            "JOIN document d ON d.id = m.document LEFT JOIN paper p ON p.id = m.paper"):
        rows[Path(r["path"]).name].append(r)
    extracted = {f: extract((doc_dir / f).read_text(encoding="utf-8"), file=f, aliases=aliases) for f in files}
    overlap = lambda a, t: a["start"] < t["end"] and t["start"] < a["end"]
    stats: dict = defaultdict(lambda: defaultdict(int))
    misses = []
    for t in truth["mentions"]:
        if t.get("optional"):
            continue
        keys = (t["style"], STYLE_GROUPS[t["style"]], "all")
        for k in keys:
            stats[k]["n"] += 1
        ext = [m for m in extracted[t["file"]] if m.start < t["end"] and t["start"] < m.end]
        if ext:
            for k in keys:
                stats[k]["extracted"] += 1
        mine = [r for r in rows[t["file"]] if overlap({"start": r["start"], "end": r["end"]}, t)]
        work = works[t["work"]]
        if work["in_s2"]:
            ok = any(r["status"] == "resolved" and _work_matches(work, r) for r in mine)
        else:   # a forum post or book: kept as an unresolved work, never resolved to a paper
            ok = bool(mine) and all(r["status"] in ("unresolved", "ambiguous", "not-in-s2") for r in mine)
        if ok:
            for k in keys:
                stats[k]["resolved_right"] += 1
        else:
            misses.append((t["file"], t["surface"], [(r["status"], r["title"]) for r in mine]))
    # precision: every mention the resolver accepted
    tp = fp = 0
    wrong = []
    for f in files:
        for r in rows[f]:
            if r["status"] != "resolved":
                continue
            hits = [t for t in truth["mentions"] if t["file"] == f
                    and overlap({"start": r["start"], "end": r["end"]}, t)]
            if any(t["work"] and _work_matches(works[t["work"]], r) for t in hits):
                tp += 1
            elif hits and all(t.get("optional") and not t["work"] for t in hits):
                continue
            else:
                fp += 1
                wrong.append((f, r["surface"], r["title"]))
    kept = [r for f in files for r in rows[f] if r["status"] != "rejected"]
    cand = [m for f in files for m in extracted[f]]
    ext_tp = sum(1 for f in files for m in extracted[f]
                 if any(t["file"] == f and m.start < t["end"] and t["start"] < m.end for t in truth["mentions"]))
    kept_tp = sum(1 for f in files for r in rows[f] if r["status"] != "rejected"
                  and any(t["file"] == f and overlap({"start": r["start"], "end": r["end"]}, t)
                          for t in truth["mentions"]))
    report = {g: {"mentions": s["n"], "extraction_recall": round(s["extracted"] / s["n"], 3),
                  "resolution_recall": round(s["resolved_right"] / s["n"], 3)} for g, s in stats.items()}
    report["precision"] = {
        "resolution": round(tp / max(tp + fp, 1), 3), "resolved_mentions": tp + fp,
        "extraction_candidates": round(ext_tp / max(len(cand), 1), 3), "candidates": len(cand),
        "extraction_kept": round(kept_tp / max(len(kept), 1), 3), "kept": len(kept)}
    report["misses"] = misses
    report["wrong"] = wrong
    return report


def _print_report(name: str, report: dict, tmp_path: Path) -> None:
    (tmp_path / f"{name}_metrics.json").write_text(json.dumps(report, indent=1))
    print(f"\n{name}: style group     n  extract-recall  resolve-recall")
    for g in ("exact-title", "near-title", "cut-off-title", "nickname", "author-ref", "id",
              "titles", "nicknames+author-refs", "ids", "all"):
        if g in report:
            r = report[g]
            print(f"  {g:24s} {r['mentions']:3d}  {r['extraction_recall']:14.3f}  {r['resolution_recall']:14.3f}")
    print(f"  precision: {report['precision']}")
    if report["misses"] or report["wrong"]:
        print(f"  misses: {report['misses']}\n  wrong: {report['wrong']}")


def test_seed_documents_metrics(store, standin, aliases, tmp_path):
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    report = add_docs(store, standin, sorted(SEEDS.glob("*.txt")), aliases)
    assert report.mentions > 40 and report.new_seeds >= 15
    metrics = evaluate(store, SEEDS, truth, aliases)
    _print_report("seed_documents", metrics, tmp_path)
    assert metrics["titles"]["resolution_recall"] >= 0.95
    assert metrics["nicknames+author-refs"]["resolution_recall"] >= 0.80
    assert metrics["precision"]["resolution"] >= 0.90
    assert metrics["all"]["extraction_recall"] >= 0.95


def test_unseen_documents_metrics(store, standin, aliases, tmp_path):
    truth = json.loads((UNSEEN / "truth.json").read_text(encoding="utf-8"))
    add_docs(store, standin, sorted(UNSEEN.glob("*.txt")), aliases)
    metrics = evaluate(store, UNSEEN, truth, aliases)
    _print_report("unseen_documents", metrics, tmp_path)
    assert metrics["titles"]["resolution_recall"] >= 0.9
    assert metrics["nicknames+author-refs"]["resolution_recall"] >= 0.8
    assert metrics["ids"]["resolution_recall"] == 1.0
    assert metrics["precision"]["resolution"] >= 0.9


# -- one request per distinct mention ------------------------------------------------------------

def _requests_naming(standin, words: str) -> int:
    return sum(1 for r in standin.log if words.lower() in json.dumps(r.query).lower())


def test_repeated_mention_costs_one_request(store, standin, aliases, tmp_path):
    title = "An Explanation of In-context Learning as Implicit Bayesian Inference"
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text(f"Follow the citation trail of {title}. It is good.\n")
    b.write_text(f"Someone else also said: see {title} for the theory.\n")
    add_docs(store, standin, [a, b], aliases)
    assert _requests_naming(standin, "Implicit Bayesian") == 1
    before = len(standin.log)
    report = add_docs(store, standin, [a, b], aliases)        # a second run: all from the cache
    assert len(standin.log) == before and report.requests == 0 and report.cached >= 1
    rows = store.conn.execute("SELECT status, paper FROM mention WHERE surface = ?", (title,)).fetchall()
    assert len(rows) == 2 and {r["status"] for r in rows} == {"resolved"} and len({r["paper"] for r in rows}) == 1
    c = tmp_path / "c.txt"
    c.write_text(f"A third document cites {title} again.\n")
    add_docs(store, standin, [c], aliases)
    assert len(standin.log) == before


def test_ids_in_text_resolve_in_one_batch(store, standin, aliases, tmp_path):
    doc = tmp_path / "ids.txt"
    doc.write_text("Read arXiv:2211.00593 and doi:10.1073/pnas.2300445120, also https://arxiv.org/abs/2001.08361 "
                   "and the unknown arXiv:2999.99999.\n")
    report = add_docs(store, standin, [doc], aliases)
    batches = [r for r in standin.log if r.path.endswith("/paper/batch")]
    assert len(batches) == 1 and len(standin.log) == 1
    assert report.by_status == {"resolved": 3, "unresolved": 1}
    got = {r["title"] for r in store.conn.execute(
        "SELECT p.title FROM seed s JOIN paper p ON p.id = s.paper")}
    assert "Scaling Laws for Neural Language Models" in got
    assert any(t.startswith("Internal feedback") for t in got)


def test_cut_off_title_resolves(store, standin, aliases, tmp_path):
    doc = tmp_path / "cut.txt"
    doc.write_text("Let's Agree to Agree: Neural Networks Share Classification Order on Real Datas...\n")
    add_docs(store, standin, [doc], aliases)
    row = store.conn.execute("SELECT m.status, m.resolved_by, p.arxiv_id FROM mention m "
                             "LEFT JOIN paper p ON p.id = m.paper").fetchone()
    assert (row["status"], row["arxiv_id"]) == ("resolved", "1905.10854")


def test_seed_rows_provenance_and_frontier(store, standin, aliases):
    add_docs(store, standin, [SEEDS / "004_d9dd958d3865a5ec.txt"], aliases)
    info = seeds.list_seeds(store)
    titles = {s["title"]: s for s in info["seeds"]}
    kaplan = titles["Scaling Laws for Neural Language Models"]
    assert len(kaplan["mentions"]) == 2 and "token budget methodology" in kaplan["mentions"][0]["sentence"]
    assert kaplan["mentions"][0]["document"].endswith("004_d9dd958d3865a5ec.txt")
    state = store.conn.execute("SELECT depth, status, reached_via FROM crawl_state WHERE paper = ?",
                               (kaplan["paper"],)).fetchone()
    assert tuple(state) == (0, "pending", "seed")
    detail = store.conn.execute("SELECT detail_level, abstract FROM paper WHERE id = ?", (kaplan["paper"],)).fetchone()
    assert detail["detail_level"] == 2 and detail["abstract"]


def test_unresolved_works_are_kept_with_their_sentence(store, standin, aliases):
    add_docs(store, standin, [SEEDS / "003_500e1ad4d969550b.txt"], aliases)
    info = seeds.list_seeds(store)
    others = {m["surface"]: m for m in info["mentions"]}
    # a forum post the alias table knows: kept as a work Semantic Scholar does not hold
    assert "Deep Deceptiveness" in others and others["Deep Deceptiveness"]["status"] == "not-in-s2"
    assert "Charbel comment" in others["Deep Deceptiveness"]["sentence"]
    assert others["Davidad's plan"]["kind"] == "author-ref"
    rejected = seeds.list_seeds(store, include_rejected=True)["mentions"]
    assert len(rejected) > len(info["mentions"])


def test_done_crawl_rows_are_not_reset(store, standin, aliases):
    add_docs(store, standin, [SEEDS / "004_d9dd958d3865a5ec.txt"], aliases)
    paper = store.conn.execute("SELECT paper FROM seed").fetchone()[0]
    with store.transaction() as conn:
        conn.execute("UPDATE crawl_state SET status = 'done', refs_next_offset = -1 WHERE paper = ?", (paper,))
    seeds.make_seeds(store, [paper], "hand")
    assert store.conn.execute("SELECT status FROM crawl_state WHERE paper = ?", (paper,)).fetchone()[0] == "done"


# -- other seed forms ----------------------------------------------------------------------------

def test_seed_by_id_and_title(store, standin):
    report = run(lambda c: seeds.add_ids(store, c, ["arXiv:2209.10652", "DOI:10.1088/2634-4386/aca7de"]), standin)
    assert report.by_status == {"resolved": 2} and report.new_seeds == 2
    report = run(lambda c: seeds.add_titles(store, c, ["toy models of superposition",
                                                       "A Title That Names No Paper At All In Any Corpus"]),
                 standin)
    assert report.by_status == {"resolved": 1, "unresolved": 1} and report.new_seeds == 0
    rows = store.conn.execute("SELECT surface, sentence, status FROM mention ORDER BY start").fetchall()
    assert [r["status"] for r in rows] == ["resolved", "resolved", "resolved", "unresolved"]
    assert rows[0]["sentence"] == "kb seed add --id arXiv:2209.10652"


BIB = r"""
@article{wang2022ioi,
  title = {Interpretability in the Wild: a Circuit for Indirect Object Identification in {GPT}-2 small},
  author = {Wang, Kevin and Variengien, Alexandre},
  journal = {arXiv preprint arXiv:2211.00593},
  year = 2022
}
@inproceedings{li2023, title="Internal feedback in the cortical perception-action loop enables fast and accurate behavior",
  doi = {10.1073/pnas.2300445120}, year = {2023}}
@misc{bricken, title = {Towards Monosemanticity: Decomposing Language Models With Dictionary Learning},
  author = {Bricken, Trenton and others}, year = {2023}, howpublished = {Transformer Circuits Thread}}
@misc{hubinger2019, title={Risks from Learned Optimization in Advanced Machine Learning Systems},
  eprint={1906.01820}, archivePrefix={arXiv}}
@misc{nothing, title = {An Unpublished Note Nobody Indexed}, year = {2021}}
@comment{ignored}
"""


def test_bibtex_import(store, standin, tmp_path):
    from kb.grounding.bibtex_import import entry_id, parse_bibtex

    entries = parse_bibtex(BIB)
    assert [e.key for e in entries] == ["wang2022ioi", "li2023", "bricken", "hubinger2019", "nothing"]
    assert [entry_id(e)[0] for e in entries] == ["ARXIV:2211.00593", "DOI:10.1073/pnas.2300445120", None,
                                                 "ARXIV:1906.01820", None]
    assert entries[0].fields["title"].endswith("GPT-2 small")
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    report = run(lambda c: seeds.add_bibtex(store, c, bib), standin)
    assert report.by_status == {"resolved": 4, "unresolved": 1} and report.new_seeds == 4
    info = seeds.list_seeds(store)
    mono = [s for s in info["seeds"] if s["title"].startswith("Towards Monosemanticity")][0]
    assert mono["source"] == "bib" and mono["mentions"][0]["sentence"].startswith("@misc{bricken}")
    assert [m["surface"] for m in info["mentions"]] == ["An Unpublished Note Nobody Indexed"]


def test_hand_resolution_and_removal(store, standin, aliases, tmp_path):
    doc = tmp_path / "hand.txt"
    doc.write_text("I liked the post Deep Deceptiveness a lot. See also the Kaplan paper.\n")
    add_docs(store, standin, [doc], aliases)
    (m,) = [m for m in seeds.list_seeds(store)["mentions"] if m["surface"] == "Deep Deceptiveness"]
    result = run(lambda c: seeds.resolve_by_hand(store, c, str(m["mention"]), "ARXIV:2211.00593"), standin)
    assert result["mentions"] == 1
    row = store.conn.execute("SELECT status, resolved_by FROM mention WHERE id = ?", (m["mention"],)).fetchone()
    assert tuple(row) == ("resolved", "hand")
    # the same text in another document resolves the same way, without a request
    other = tmp_path / "other.txt"
    other.write_text("Nate's essay, see Deep Deceptiveness, is related.\n")
    before = len(standin.log)
    add_docs(store, standin, [other], aliases)
    assert len(standin.log) == before
    rows = store.conn.execute("SELECT status, resolved_by FROM mention WHERE surface = 'Deep Deceptiveness'").fetchall()
    assert {tuple(r) for r in rows} == {("resolved", "hand")}
    # by text, and removal
    run(lambda c: seeds.resolve_by_hand(store, c, "deep deceptiveness", "ARXIV:2001.08361"), standin)
    seed_ids = {s["arxiv"] for s in seeds.list_seeds(store)["seeds"]}
    assert "2001.08361" in seed_ids
    removed = seeds.remove_seed(store, "ARXIV:2001.08361")
    assert removed["title"] == "Scaling Laws for Neural Language Models"
    assert "2001.08361" not in {s["arxiv"] for s in seeds.list_seeds(store)["seeds"]}
    add_docs(store, standin, [doc], aliases)        # adding the document again does not bring it back
    assert "2001.08361" not in {s["arxiv"] for s in seeds.list_seeds(store)["seeds"]}
    from kb.errors import NotFoundError
    with pytest.raises(NotFoundError):
        seeds.remove_seed(store, "ARXIV:2001.08361")


def test_title_similarity():
    sim = seeds.title_similarity
    assert sim("Mind Children", "Mind Children: The Future of Robot and Human Intelligence") == 1.0
    assert sim("Let's Agree to Agree: Neural Networks Share Classification Order on Real Datas",
               "Let's Agree to Agree: Neural Networks Share Classification Order on Real Datasets", truncated=True) == 1.0
    assert sim("Deep Deceptiveness", "Deep Residual Learning for Image Recognition") < 0.6
    assert sim("internal feedback in the cortical perception–action loop",
               "Internal feedback in the cortical perception-action loop") == 1.0


# -- CLI -----------------------------------------------------------------------------------------

def test_seed_cli(standin_env, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DB", str(tmp_path / "cli.sqlite"))
    monkeypatch.setenv("KB_USER_ALIASES", str(tmp_path / "none.toml"))
    r = invoke("seed", "add", str(SEEDS / "004_d9dd958d3865a5ec.txt"), "--id", "ARXIV:2211.00593", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["new_seeds"] == 3 and out["by_status"]["resolved"] == 5
    r = invoke("seed", "list", "--json")
    listing = json.loads(r.output)
    assert {s["arxiv"] for s in listing["seeds"]} == {"2203.15556", "2001.08361", "2211.00593"}
    odd = tmp_path / "brackets.txt"
    odd.write_text("[quote] See the post Deep Deceptiveness [/] for more.\n")
    assert invoke("seed", "add", str(odd)).exit_code == 0
    r = invoke("seed", "list", env={"COLUMNS": "400"})
    assert r.exit_code == 0, r.output
    assert "Compute-Optimal" in r.output and "[/]" in r.output and "Deep Deceptiveness" in r.output
    r = invoke("seed", "rm", "ARXIV:2211.00593", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["paper"]
    r = invoke("seed", "rm", "ARXIV:2211.00593")
    assert r.exit_code == 4 and "kb: error" in r.output
    r = invoke("seed", "add")
    assert r.exit_code == 2
    r = invoke("seed", "resolve", "no such mention", "--id", "ARXIV:2211.00593")
    assert r.exit_code == 4
    r = invoke("seed", "add", "--id", "not-an-id")
    assert r.exit_code == 2


def test_models_mirror_the_seed_tables(store):
    from kb.store import models

    for cls in (models.Document, models.Mention, models.ResolutionCache, models.Seed):
        table = cls.__table__
        cols = {r[1]: r for r in store.conn.execute(f"PRAGMA table_info({table.name})")}
        assert set(cols) == {c.name for c in table.columns}, table.name
        for c in table.columns:
            assert bool(cols[c.name][3]) == (not c.nullable and not c.primary_key) or c.primary_key, (table.name, c.name)


def test_an_alias_whose_id_answers_another_paper_is_looked_up_by_its_title(store, standin, tmp_path):
    # a hand-kept table with a mistyped id: the id is Kaplan et al.'s, the title Chinchilla's
    table = tmp_path / "aliases.toml"
    table.write_text('[[alias]]\nnames = ["Hoffmann-2022"]\nid = "ARXIV:2001.08361"\n'
                     'title = "Training Compute-Optimal Large Language Models"\nyear = 2022\n')
    doc = tmp_path / "doc.txt"
    doc.write_text("The Hoffmann-2022 paper changed how labs spend compute.\n")
    report = add_docs(store, standin, [doc], AliasTable.load(shipped=table, user=NO_USER_ALIASES))
    row = store.conn.execute("SELECT m.status, p.title, p.arxiv_id FROM mention m "
                             "LEFT JOIN paper p ON p.id = m.paper WHERE m.surface LIKE 'Hoffmann-2022%'").fetchone()
    assert (row["status"], row["title"]) == ("resolved", "Training Compute-Optimal Large Language Models")
    assert any("ARXIV:2001.08361" in w and "Scaling Laws for Neural Language Models" in w for w in report.warnings)
    # a right id costs no title lookup and says nothing
    table.write_text('[[alias]]\nnames = ["Hoffmann-2022"]\nid = "ARXIV:2203.15556"\n'
                     'title = "Training Compute-Optimal Large Language Models"\nyear = 2022\n')
    with Store(tmp_path / "other.sqlite") as fresh:
        before = len(standin.log)
        report = add_docs(fresh, standin, [doc], AliasTable.load(shipped=table, user=NO_USER_ALIASES))
        assert report.warnings == [] and report.by_status == {"resolved": 1}
        assert [r.path for r in standin.log[before:]] == ["/graph/v1/paper/batch"]


def _paper(pid: str, title: str, year: int, authors: list[str], abstract: str = "") -> dict:
    return {"paperId": pid, "title": title, "year": year, "abstract": abstract,
            "authors": [{"name": n} for n in authors]}


def test_the_sentences_other_names_are_evidence_for_the_paper_they_wrote():
    """"Ada Roe, Bo Fenn and Cy Quill (2021)" read as "Quill (2021)": the other names the sentence
    writes are the co-authors of the paper it cites, evidence like the words of its title."""
    paper = _paper("p1", "Quiet drift in small agents", 2021, ["Ada Roe", "Bo Fenn", "Cy Quill"])
    assert seeds._evidence(["roe", "fenn"], paper)[1] == 2
    assert seeds._evidence(["roe", "fenn"], _paper("p2", "Quiet drift", 2021, ["Cy Quill"]))[1] == 0


def test_the_cited_years_paper_wins_a_tie_the_year_either_side_would_make():
    """Two of an author's papers as much about the sentence, one of the very year cited and one a
    year off (allowed for a preprint and its venue): the cited year's; not where the evidence is
    only two words an abstract shares with any sentence."""
    from kb.grounding.mentions import Mention

    m = Mention(None, "Quill (2021)", 0, 12, "author-ref", "Quill (2021) studied reward drift in agents.",
                authors=["Quill"], years=[2021])
    words = ["reward", "drift", "agents"]
    a = _paper("a", "Reward drift in small agents", 2021, ["Cy Quill"])
    b = _paper("b", "Reward drift in large agents", 2022, ["Cy Quill"])
    fits = {p["paperId"]: (*seeds._evidence(words, p), p) for p in (b, a)}
    got = seeds.Resolver._pick_authors_paper(m, fits, alone_ok=False, everyone=False)
    assert got.status == "resolved" and got.paper["paperId"] == "a"
    weak = ["reward", "agents"]
    c = _paper("c", "Graph kernels", 2021, ["Cy Quill"], "We train agents with a reward.")
    d = _paper("d", "Tree search", 2022, ["Cy Quill"], "Agents and their reward.")
    fits = {p["paperId"]: (*seeds._evidence(weak, p), p) for p in (d, c)}
    assert seeds.Resolver._pick_authors_paper(m, fits, alone_ok=False, everyone=False).status == "ambiguous"


class _Authors:
    """A client that knows only people and their papers (``/author/search``, ``/author/{id}/papers``)."""

    def __init__(self, people: list[tuple[str, list[dict]]]):
        self.people = people
        self.read: list[str] = []

    async def search_authors(self, name: str, *, limit: int = 10) -> list[dict]:
        return [{"authorId": str(i), "name": n} for i, (n, _) in enumerate(self.people)][:limit]

    async def author_papers(self, author_id: str) -> list[dict]:
        self.read.append(author_id)
        return self.people[int(author_id)][1]


def _ref(surface: str, sentence: str, authors: list[str], years: list[int] = ()):
    from kb.grounding.mentions import Mention

    at = sentence.find(surface)
    return Mention(None, surface, at, at + len(surface), "author-ref", sentence, authors=authors, years=list(years))


def test_the_sentences_rare_words_pick_one_of_an_authors_papers():
    """Two of an author's papers of the cited year as much about the sentence by the words they
    share: one shares "training", "language" and "grows", which every abstract of theirs says, in
    its title; the other "overoptimization", "proxy" and "reward", which only it says: the rare
    words name it. One rare word alone is coincidence; where namesakes went unread it takes a
    third."""
    m = _ref("Quill et al. (2022)", "Quill et al. (2022) found that overoptimization of a proxy reward "
             "grows with training of language models.", ["Quill"], [2022])
    common = "We study training of large language models; accuracy grows."
    right = _paper("r", "Scaling laws", 2022, ["Cy Quill"], common + " Overoptimization of a proxy reward.")
    rival = _paper("o", "Training language models that grow", 2022, ["Cy Quill"], common)
    pool = [right, rival] + [_paper(f"x{i}", "Notes", 2020, ["Cy Quill"], common) for i in range(8)]
    words = seeds._topic_words(m)
    fits = {p["paperId"]: (*seeds._evidence(words, p), p) for p in (rival, right)}
    assert fits["r"][0] == fits["o"][0]           # raw overlap: a tie
    assert seeds.Resolver._pick_authors_paper(m, fits, alone_ok=False, everyone=True).status == "ambiguous"
    got = seeds.Resolver._pick_authors_paper(m, fits, alone_ok=False, everyone=True, pool=pool)
    assert got.status == "resolved" and got.paper["paperId"] == "r"
    # one rare word shared is not enough
    one = _ref("Quill et al. (2022)", "Quill et al. (2022) studied overoptimization in language models.",
               ["Quill"], [2022])
    assert seeds._rare_word_pick(one, [right, rival], pool) is None
    # two words, but people of the surname went unread: a third is needed
    two = _ref("Quill et al. (2022)", "Quill et al. (2022) studied overoptimization of a proxy.", ["Quill"], [2022])
    assert seeds._rare_word_pick(two, [right, rival], pool) is right
    assert seeds._rare_word_pick(two, [right, rival], pool, min_words=3) is None


def test_a_sentences_other_citations_say_nothing_of_this_one():
    """"(Ouyang et al., 2022; Bai et al., 2022a)": the claim before the group is both works', and
    the other citation's surname and a year's letter are no topic; a bracketed citation's claim is
    before it, not the next citation's."""
    m = _ref("Bai et al., 2022a", "Finetuning with RLHF improves outputs rated by human evaluators "
             "(Ouyang et al., 2022; Bai et al., 2022a).", ["Bai"], [2022])
    words = seeds._context_words(m)
    assert "rlhf" in words and "evaluators" in words
    assert "ouyang" not in words and "2022a" not in words and "bai" not in words
    m = _ref("Roe, 2019", "Agents may learn to subvert evaluations without being good (Roe, 2019), e.g., "
             "by obfuscating their actions that we would dislike (Fenn and Quill, 2023).", ["Roe"], [2019])
    words = seeds._context_words(m)
    assert "subvert" in words and "obfuscating" not in words and "fenn" not in words


def test_a_year_off_paper_needs_twice_the_evidence_of_one_of_the_cited_year():
    """The year either side of the cited one is allowed (a preprint and its venue version), the
    very year preferred: as much evidence in a paper a year off loses to the cited year's; much
    more wins (a preprint cited by its venue's year)."""
    m = _ref("Quill (2021)", "Quill (2021) showed that gradient hacking and mesa optimizers arise in agents.",
             ["Quill"], [2021])
    exact = _paper("e", "Gradient hacking in agents", 2021, ["Cy Quill"], "Mesa optimizers arise.")
    off = _paper("f", "Gradient hacking in agents, revisited", 2022, ["Cy Quill"], "Mesa optimizers arise.")
    pool = [exact, off] + [_paper(f"x{i}", "Notes on tables", 2019, ["Cy Quill"], "Tables.") for i in range(6)]
    assert seeds._rare_word_pick(m, [off, exact], pool) is exact
    weak = _paper("w", "Tables of agents", 2021, ["Cy Quill"], "Notes.")
    assert seeds._rare_word_pick(m, [off, weak], pool) is off


def test_the_author_route_keeps_the_papers_the_second_named_author_shares():
    """"Roe and Fenn (2021)": of Roe's two papers of 2021 on the same words, the one Fenn wrote too."""
    solo = _paper("s", "Reward drift in agents", 2021, ["Ada Roe"])
    joint = _paper("j", "Reward drift in agents at scale", 2021, ["Ada Roe", "Bo Fenn"])
    client = _Authors([("Ada Roe", [solo, joint])])
    m = _ref("Roe and Fenn (2021)", "Roe and Fenn (2021) measured reward drift in agents.", ["Roe", "Fenn"], [2021])
    got = asyncio.run(seeds.Resolver(client)._by_author_papers(m, seeds._topic_words(m)))
    assert got.status == "resolved" and got.paper["paperId"] == "j"


def test_a_year_off_pick_reads_the_next_people_for_one_of_the_very_year():
    """The first people of a surname give a paper a year off the cited one, as much about the
    sentence as the very year's paper of a person read next: the route reads on and takes that
    one; with nobody left to read, the year-off paper stands."""
    words_title = "Is power-seeking AI an existential risk"
    draft = _paper("d", "Draft report on existential risk from power-seeking AI", 2021, ["J. Roe"])
    final = _paper("f", words_title, 2022, ["Joe Roe"])
    filler = [(f"{g} Roe", [_paper(f"n{g}", "Crystal growth", 2022, [f"{g} Roe"])]) for g in ("Ann", "Bea", "Cal")]
    m = _ref("Roe 2022", "Agents seek power, an existential risk (Roe 2022).", ["Roe"], [2022])
    client = _Authors([("J. Roe", [draft]), *filler[:2], ("Joe Roe", [final]), filler[2]])
    got = asyncio.run(seeds.Resolver(client)._by_author_papers(m, seeds._topic_words(m)))
    assert got.status == "resolved" and got.paper["paperId"] == "f"
    client = _Authors([("J. Roe", [draft]), *filler[:2]])
    got = asyncio.run(seeds.Resolver(client)._by_author_papers(m, seeds._topic_words(m)))
    assert got.status == "resolved" and got.paper["paperId"] == "d" and client.read == ["0", "1", "2"]


def test_which_papers_a_page_names_by_title_an_author_reference_fits():
    """The document route (``_fits_reference``): the named authors wrote it, a citation's first
    author leads it, and it is of the year given; one year either side only when the named first
    author leads it (a preprint and its venue), not for a reference read from a later name or a
    possessive, which may name any paper of that person's."""
    listed = _paper("a", "Quiet drift in small agents", 2020, ["Ada Roe", "Cy Quill"])
    assert seeds._fits_reference(_ref("Roe et al., 2020", "Agents drift (Roe et al., 2020).", ["Roe"], [2020]), listed)
    assert seeds._fits_reference(_ref("Roe et al., 2021", "Agents drift (Roe et al., 2021).", ["Roe"], [2021]), listed)
    assert not seeds._fits_reference(_ref("Roe et al., 2022", "Agents drift (Roe et al., 2022).", ["Roe"], [2022]), listed)
    # Quill is no first author of it; the pair's paper needs both names
    assert not seeds._fits_reference(_ref("Quill et al., 2020", "Agents drift (Quill et al., 2020).", ["Quill"], [2020]),
                                     listed)
    assert not seeds._fits_reference(_ref("Roe and Fenn, 2020", "Agents drift (Roe and Fenn, 2020).", ["Roe", "Fenn"],
                                          [2020]), listed)
    # read from its second name: any paper of Quill's, of the very year only
    later = "Ada Roe and Cy Quill, 2021"
    assert not seeds._fits_reference(_ref("Cy Quill, 2021", f"See {later}.", ["Quill"], [2021]), listed)
    assert seeds._fits_reference(_ref("Cy Quill, 2020", "See Ada Roe and Cy Quill, 2020.", ["Quill"], [2020]), listed)


def test_two_references_of_a_page_that_write_different_years_name_two_works():
    """``named_in_documents(..., refs=True)``: "Wei et al., 2022b" resolved is evidence for "Wei
    et al." on the same page, not for "Wei et al., 2022a" (another work of that year) nor for one
    on another page."""
    from kb.grounding.mentions import Mention

    def ref(surface, file="a.md"):
        return Mention(file, surface, 0, len(surface), "author-ref", f"As {surface} showed.", authors=["Wei"])

    paper = _paper("p", "Chain of drift", 2022, ["Jo Wei"])
    done, other_year, bare, elsewhere = ref("Wei et al., 2022b"), ref("Wei et al., 2022a"), ref("Wei et al."), \
        ref("Wei et al.", file="b.md")
    outcomes = {seeds.mention_key(done): seeds.Outcome("resolved", paper, "p")}
    keys = {seeds.mention_key(m) for m in (other_year, bare)}
    got = seeds.named_in_documents([done, other_year, bare], outcomes, keys, refs=True)
    assert got[seeds.mention_key(bare)] == [paper]
    assert got[seeds.mention_key(other_year)] == []
    assert seeds.named_in_documents([done, elsewhere], outcomes, {seeds.mention_key(elsewhere)}, refs=True) == \
        {seeds.mention_key(elsewhere): []}
