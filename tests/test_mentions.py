"""Offline extraction of work mentions (kb/grounding/mentions.py) and the alias table (kb/grounding/aliases.py)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from tests.cli_runner import invoke

from kb.grounding.aliases import AliasTable, add_user_alias, normalise_id
from kb.errors import ConfigError, UsageError
from kb.grounding.mentions import QUERY_SCORE, extract, normalise, sentence_spans
from kb.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "data" / "seeds"
TRUTH = PROJECT_ROOT / "tests" / "data" / "seed_truth.json"
UNSEEN = PROJECT_ROOT / "tests" / "data" / "unseen_docs"
WORKS = PROJECT_ROOT / "kb" / "standin" / "works" / "seed_works.jsonl"


def _load_truth(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _extraction_recall(doc_dir: Path, truth: dict, aliases: AliasTable) -> tuple[float, list]:
    found = {}
    for f in sorted({m["file"] for m in truth["mentions"]}):
        found[f] = [m for m in extract((doc_dir / f).read_text(encoding="utf-8"), file=f, aliases=aliases)
                    if m.kind != "title" or m.score >= QUERY_SCORE]
    required = [t for t in truth["mentions"] if not t.get("optional")]
    missed = [t for t in required
              if not any(m.start < t["end"] and t["start"] < m.end for m in found[t["file"]])]
    return 1 - len(missed) / len(required), missed


def test_extraction_finds_the_seed_documents_mentions(aliases):
    recall, missed = _extraction_recall(SEEDS, _load_truth(TRUTH), aliases)
    assert recall >= 0.95, [m["surface"] for m in missed]


def test_extraction_generalises_to_unseen_documents(aliases):
    recall, missed = _extraction_recall(UNSEEN, _load_truth(UNSEEN / "truth.json"), aliases)
    assert recall >= 0.9, [m["surface"] for m in missed]


def test_no_seed_titles_in_code():
    """Titles are found from their shape: the extractor's source names none of them."""
    source = (PROJECT_ROOT / "kb" / "grounding" / "mentions.py").read_text(encoding="utf-8").lower()
    for t in _load_truth(TRUTH)["mentions"]:
        if t["style"] in ("exact-title", "near-title", "cut-off-title"):
            assert t["surface"].lower() not in source, t["surface"]


def test_title_shapes_in_prose(aliases):
    text = ("E.g. follow the citation trail of An Explanation of In-context Learning as Implicit Bayesian "
            "Inference. Also see Path dependence in ML inductive biases and How likely is deceptive "
            "alignment?): Linear Connectivity Reveals Generalization Strategies - on fine-tuning, and "
            "Eureka: Human-Level Reward Design via Coding Large Language Models is neat.")
    got = [m.surface for m in extract(text, aliases=aliases) if m.score >= QUERY_SCORE]
    assert "An Explanation of In-context Learning as Implicit Bayesian Inference" in got
    assert "Path dependence in ML inductive biases" in got
    assert "How likely is deceptive alignment?" in got
    assert "Linear Connectivity Reveals Generalization Strategies" in got
    assert "Eureka: Human-Level Reward Design via Coding Large Language Models" in got


def test_names_and_headings_score_low(aliases):
    text = ("The following is a discussion between Charbel-Raphaël Segerie and Lucius Bushnaq.\n"
            "Charbel: Let's take the example.\nNeel Nanda would say so. Sorted by New\n")
    strong = [m.surface for m in extract(text, aliases=aliases) if m.score >= QUERY_SCORE]
    assert strong == []


def test_cut_off_title(aliases):
    text = "Let's Agree to Agree: Neural Networks Share Classification Order on Real Datas..."
    (m,) = [m for m in extract(text, aliases=aliases) if m.kind == "title"]
    assert m.truncated and m.surface.endswith("Real Datas") and m.start == 0


def test_ids_in_text(aliases):
    text = ("See arXiv:2211.00593v2 and doi:10.48550/arXiv.1706.03741, https://arxiv.org/abs/2001.08361, "
            "10.1038/nature14236 and https://www.lesswrong.com/posts/abc/some-post.")
    got = {(m.kind, m.id) for m in extract(text, aliases=aliases)}
    assert ("arxiv", "ARXIV:2211.00593") in got
    assert ("doi", "ARXIV:1706.03741") in got
    assert ("url", "ARXIV:2001.08361") in got
    assert ("doi", "DOI:10.1038/nature14236") in got
    (forum,) = [m for m in extract(text, aliases=aliases) if "lesswrong" in m.surface]
    assert forum.id is None and forum.alias_kind == "post"


def test_nicknames_and_author_references(aliases):
    text = ("Let's take the IOI (indirect object identification) paper. With Chinchilla, it fixes a "
            "mistake in the Kaplan paper. The one example is Neel Nanda's modular addition transformer. "
            "See also Buck's quick take about regimes. We used GPT-3 a lot, unlike the GPT-3 paper.")
    ms = {m.surface: m for m in extract(text, aliases=aliases)}
    assert ms["IOI"].id == "ARXIV:2211.00593" and ms["IOI"].kind == "alias"
    assert ms["Chinchilla"].id == "ARXIV:2203.15556"
    assert ms["the Kaplan paper"].kind == "author-ref" and ms["the Kaplan paper"].id == "ARXIV:2001.08361"
    nanda = ms["Neel Nanda's modular addition transformer"]
    assert nanda.kind == "author-ref" and nanda.id == "ARXIV:2301.05217" and nanda.authors[0] == "Nanda"
    assert ms["Buck's quick take"].kind == "author-ref" and ms["Buck's quick take"].id is None
    gpt3 = [m for m in ms.values() if m.id == "ARXIV:2005.14165"]
    # the bare model name is not a citation: listed as "maybe" only
    assert [(m.surface, m.confidence) for m in gpt3] == [("GPT-3", "maybe"), ("GPT-3 paper", "work")]


def test_sentence_and_offsets(aliases):
    text = "First one. Then e.g. the ROME paper was good. Last."
    (m,) = [m for m in extract(text, aliases=aliases) if m.id]
    assert text[m.start:m.end] == m.surface == "ROME paper"
    assert m.sentence == "Then e.g. the ROME paper was good."
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Then e.g. the ROME paper was good.", "Last."]


def test_year_and_author_hints(aliases):
    text = "Sparse Autoencoders Find Highly Interpretable Features in Language Models (Cunningham et al. 2023) is good."
    (m,) = [m for m in extract(text, aliases=aliases) if m.kind == "title"]
    assert 2023 in m.years and "Cunningham" in m.authors


def test_normalise():
    assert normalise("In-context  Learning") == normalise("in context learning")
    assert normalise("perception\u2013action") == "perception action"
    assert normalise("Let\u2019s Agree") == normalise("Let's agree")


# -- alias table -------------------------------------------------------------------------------

def test_alias_table_is_large_and_every_work_is_real(aliases):
    assert len(aliases) >= 100
    with_id = [a for a in aliases.aliases if a.id]
    assert len(with_id) >= 100
    works = [json.loads(line) for f in sorted(WORKS.parent.glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    known = {("ARXIV:" + w["arxiv"]) for w in works if w["arxiv"]} | {("DOI:" + w["doi"]) for w in works if w["doi"]}
    titles = {normalise(w["title"]) for w in works}
    # a coined name's work (data/aliases_curated.toml, matched by its exact title, no year) is a title
    # of a curated list the gazetteer reads, not a work the stand-in serves (it has no date to place it)
    listed = {normalise(line) for f in (PROJECT_ROOT / "data" / "known_titles" / "sources").glob("*.txt")
              for line in f.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}
    for a in aliases.aliases:
        if a.source == "curated" and a.match == "title" and a.year is None:
            assert normalise(a.title) in listed, a.names
            continue
        assert a.id in known if a.id else (normalise(a.title) in titles if a.title else a.kind == "post"), a.names
    for name in ("IOI", "ROME", "Chinchilla", "Kaplan scaling laws", "induction heads paper", "Towards Monosemanticity",
                 "Scaling Monosemanticity", "Toy Models of Superposition", "RLHF", "Constitutional AI", "Sleeper Agents"):
        assert aliases.lookup(name) is not None, name


def test_alias_case_and_cue_rules(aliases):
    assert not [h for h in aliases.find("an egregious emergent misalignment") if h.alias.id]
    assert [h.name for h in aliases.find("see Emergent Misalignment for this")] == ["Emergent Misalignment"]
    assert [h.name for h in aliases.find("AlphaZero plays chess")] == []
    assert [h.name for h in aliases.find("the AlphaZero paper")] == ["AlphaZero paper"]


def test_user_aliases(tmp_path):
    path = tmp_path / "mine.toml"
    alias = add_user_alias(["FooNet", "the FooNet paper"], id="arXiv:2211.00593", year=2022, path=path)
    assert alias.id == "ARXIV:2211.00593"
    table = AliasTable.load(user=path)
    assert table.lookup("FooNet").id == "ARXIV:2211.00593"
    ms = extract("We liked FooNet a lot.", aliases=table)
    assert [(m.surface, m.id) for m in ms] == [("FooNet", "ARXIV:2211.00593")]
    with pytest.raises(UsageError):
        add_user_alias(["Bad"], id="not an id", path=path)
    path.write_text("[[alias]]\nnames = 3\n")
    with pytest.raises(ConfigError):
        AliasTable.load(user=path)


def test_normalise_id():
    assert normalise_id("2211.00593") == "ARXIV:2211.00593"
    assert normalise_id("https://doi.org/10.1038/nature14236") == "DOI:10.1038/nature14236"
    assert normalise_id("doi:10.48550/arXiv.1706.03741") == "ARXIV:1706.03741"
    with pytest.raises(UsageError):
        normalise_id("nonsense")


# -- CLI -----------------------------------------------------------------------------------------

def test_mentions_cli_is_offline(monkeypatch, tmp_path):
    def no_network(*a, **k):
        raise AssertionError("kb mentions touched the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("KB_USER_ALIASES", str(tmp_path / "none.toml"))
    files = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    result = invoke("mentions", *files, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"file", "surface", "start", "end", "kind", "sentence", "id"} <= set(rows[0])
    assert {r["kind"] for r in rows} <= {"title", "alias", "author-ref", "doi", "arxiv", "url"}
    text = (SEEDS / Path(rows[0]["file"]).name).read_text(encoding="utf-8")
    assert text[rows[0]["start"]:rows[0]["end"]] == rows[0]["surface"]
    assert any(r["id"] == "ARXIV:2211.00593" for r in rows)
    plain = invoke("mentions", files[4])
    assert plain.exit_code == 0 and "Chinchilla" in plain.output
    missing = invoke("mentions", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_alias_cli(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_USER_ALIASES", str(tmp_path / "user.toml"))
    r = invoke("alias", "add", "BarNet", "--id", "ARXIV:2203.15556", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["id"] == "ARXIV:2203.15556"
    r = invoke("alias", "list", "barnet", "--json")
    assert [a["names"] for a in json.loads(r.output)] == [["BarNet"]]
    r = invoke("alias", "add", "Book Thing", "--kind", "book", "--title", "A Book")
    assert r.exit_code == 0
    r = invoke("alias", "add", "NoId")
    assert r.exit_code == 2 and "kb: error" in r.output
    assert re.search(r"BarNet", (tmp_path / "user.toml").read_text())


def test_kb_mentions_says_the_same_whatever_the_hash_seed(tmp_path):
    """Python salts string hashes per process, so a choice left to a set's order differs from one
    run to the next (a listings rule once picked a page's items that way). The whole command, on
    the seed documents, the unseen ones, two development parts of listings and informal references
    and an invented page whose blocks repeat a link's label as often as their titles, must print
    the same under three seeds."""
    import os
    import subprocess
    import sys

    from tests.test_grounding_listings import _LINKED_POSTS

    listing = tmp_path / "listing.txt"
    listing.write_text(_LINKED_POSTS, encoding="utf-8")
    evaluation = PROJECT_ROOT / "tests" / "data" / "grounding_eval"
    files = [*sorted(SEEDS.glob("*.txt")), *sorted(UNSEEN.glob("*.txt")), *sorted((evaluation / "dev9").glob("*.txt")),
             *sorted((evaluation / "dev10").glob("*.txt")), listing]
    outputs = {subprocess.run([sys.executable, str(PROJECT_ROOT / "cli.py"), "mentions", "--json", "--all", *map(str, files)],
                              capture_output=True, text=True, check=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3")}
    assert len(outputs) == 1
