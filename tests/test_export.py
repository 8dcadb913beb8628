"""Reading-list exports: every format, its escaping, the filters, atomic writes and the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess

import pytest
from tests.cli_runner import invoke

try:  # tests/ as a package, or as a plain directory on sys.path
    from tests.export_fixtures import FORMULA_TITLE, NASTY_TITLE, SEED_SENTENCE, XSS_TITLE, build_store, sha
except ModuleNotFoundError:
    from export_fixtures import FORMULA_TITLE, NASTY_TITLE, SEED_SENTENCE, XSS_TITLE, build_store, sha
from kb.output.atomic_write import atomic_write
from kb.errors import UsageError
from kb.output.export import (ExportEntry, collect_entries, export_papers, normalise_format, safe_url,
                       select_ids)
from kb.output.formats.bibtex import assign_keys, base_key, latex_escape, parse_entry
from kb.output.formats.csv import guard
from kb.output.formats.markdown import md_escape
from kb.output.formats.names import split_name
from kb.knowledge.query import PaperFilter


@pytest.fixture
def store(store_target):
    s = build_store(store_target)
    yield s
    s.close()


def entries_of(store, f=None):
    ids = select_ids(store, f or PaperFilter())
    return collect_entries(store, ids)


# -- BibTeX ------------------------------------------------------------------------------------

_UNESCAPE = [(r"\textbackslash{}", "\\"), (r"\textbraceleft{}", "{"), (r"\textbraceright{}", "}"),
             (r"\textasciitilde{}", "~"), (r"\textasciicircum{}", "^"), (r"\&", "&"), (r"\%", "%"),
             (r"\$", "$"), (r"\#", "#"), (r"\_", "_")]


def latex_unescape(value: str) -> str:
    """Inverse of kb's escaping, plus removal of case-protecting braces."""
    out, i = [], 0
    while i < len(value):
        for escaped, plain in _UNESCAPE:
            if value.startswith(escaped, i):
                out.append("\x00" + plain)
                i += len(escaped)
                break
        else:
            out.append(value[i] if value[i] not in "{}" else "")
            i += 1
    return "".join(out).replace("\x00", "")


def parse_bib(text: str):
    import bibtexparser

    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def test_bibtex_round_trips_through_bibtexparser(store):
    text, count = export_papers(store, PaperFilter(), "bib")
    library = parse_bib(text)
    assert len(library.entries) == count == 8
    keys = [e.key for e in library.entries]
    assert len(set(keys)) == len(keys)
    by_key = {e.key: {f.key: f.value for f in e.fields} for e in library.entries}
    titles = {latex_unescape(v["title"]) for v in by_key.values() if "title" in v}
    # Special characters come back exactly as stored (after LaTeX decoding).
    assert NASTY_TITLE in titles
    assert FORMULA_TITLE in titles
    assert "Über die Sicherheit: ünïcödé and RLHF" in titles
    nasty = by_key["hernandezorallo2020script"]
    assert nasty["doi"] == "10.1016/S0004-3702(99)00052-1"  # verbatim field: not escaped
    assert "50\\%" in nasty["title"] and "\\$x\\_i\\$" in nasty["title"]
    assert "José Hernández-Orallo" in nasty["author"]


def test_bibtex_uses_stored_bibtex_with_our_key(store):
    library = parse_bib(export_papers(store, PaperFilter(), "bib")[0])
    by_key = {e.key: e for e in library.entries}
    # Paper 1 has Semantic Scholar's BibTeX: its pages survive, its raw "&" is escaped,
    # its key is replaced by ours, and kb adds the arXiv eprint.
    entry = by_key["christiano2017deepa"]
    fields = {f.key: f.value for f in entry.fields}
    assert entry.entry_type == "article"
    assert fields["pages"] == "4299-4307"
    assert fields["title"].endswith("Preferences \\& Friends")
    assert fields["eprint"] == "1706.03741" and fields["archiveprefix"] == "arXiv"
    assert "Christiano2017DeepRL" not in by_key


def test_bibtex_builds_entries_by_type(store):
    library = parse_bib(export_papers(store, PaperFilter(), "bib")[0])
    by_key = {e.key: e for e in library.entries}
    preprint = by_key["amodei2016concrete"]  # arXiv only: @misc with eprint
    fields = {f.key: f.value for f in preprint.fields}
    assert preprint.entry_type == "misc"
    assert fields["eprint"] == "1606.06565" and fields["archiveprefix"] == "arXiv"
    assert fields["title"] == "Concrete Problems in {AI} Safety"  # acronym case protected
    conference = by_key["christiano2017deepb"]
    assert conference.entry_type == "inproceedings"
    assert {f.key: f.value for f in conference.fields}["booktitle"] == "ICML"
    org = {f.key: f.value for f in by_key["openai2021hyperlink"].fields}
    assert org["author"] == "{OpenAI}"  # one-word author kept whole


def test_bibtex_keys_are_unique_stable_and_ascii(store):
    by_rank = {e.paper_id: e.key for e in entries_with_keys(store, PaperFilter(sort="rank"))}
    by_year = {e.paper_id: e.key for e in entries_with_keys(store, PaperFilter(sort="oldest"))}
    assert by_rank == by_year
    assert by_rank[sha(1)] == "christiano2017deepa" and by_rank[sha(5)] == "christiano2017deepb"
    assert by_rank[sha(6)] == "scholkopf2019uber"
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in by_rank.values())


def entries_with_keys(store, f):
    entries = entries_of(store, f)
    assign_keys(entries)
    return entries


def test_key_suffixes_never_collide_with_other_keys():
    def entry(n, title, authors=("Ann Smith",), year=2020):
        return ExportEntry(id=n, paper_id=sha(n), title=title, authors=list(authors), year=year)

    entries = [entry(1, "Deep A"), entry(2, "Deep B"), entry(3, "Deepa thing"),
               entry(4, "Deep C")]
    assign_keys(entries)
    keys = [e.key for e in entries]
    # "Deepa thing" owns smith2020deepa, so the three "Deep ..." papers skip that suffix.
    assert keys == ["smith2020deepb", "smith2020deepc", "smith2020deepa", "smith2020deepd"]
    assert base_key(ExportEntry(id=9, paper_id=sha(9))) == "s200000000nd"


def test_latex_escape_covers_every_special_character():
    assert latex_escape("& % $ # _ { } ~ ^ \\") == (
        r"\& \% \$ \# \_ \textbraceleft{} \textbraceright{} \textasciitilde{} "
        r"\textasciicircum{} \textbackslash{}")
    assert latex_escape("a\nb\x00c") == "a b c"
    assert latex_escape("naïve") == "naïve"


def test_malformed_stored_bibtex_falls_back_to_a_built_entry(store):
    store.conn.execute("UPDATE paper SET bibtex = ? WHERE paper_id = ?",
                       ("@Article{X, title = {unbalanced", sha(3)))
    assert parse_entry("@Article{X, title = {unbalanced") is None
    library = parse_bib(export_papers(store, PaperFilter(), "bib")[0])
    assert "hernandezorallo2020script" in {e.key for e in library.entries}


# -- CSL-JSON ----------------------------------------------------------------------------------

CSL_TYPES = {"article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
             "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
             "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
             "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
             "musical_score", "pamphlet", "paper-conference", "patent", "performance",
             "periodical", "personal_communication", "post", "post-weblog", "regulation",
             "report", "review", "review-book", "software", "song", "speech", "standard",
             "thesis", "treaty", "webpage"}
CSL_STRING_FIELDS = {"id", "citation-key", "type", "title", "container-title", "DOI", "URL",
                     "abstract", "note", "keyword", "publisher", "number", "genre"}
CSL_NAME_KEYS = {"family", "given", "literal", "non-dropping-particle", "dropping-particle",
                 "suffix"}


def check_csl_item(item: dict) -> None:
    """The shape the CSL-JSON schema (csl-data.json) requires of what kb writes."""
    assert isinstance(item["id"], str) and item["id"]
    assert item["type"] in CSL_TYPES
    for key, value in item.items():
        if key in CSL_STRING_FIELDS:
            assert isinstance(value, str) and value, key
    for name in item.get("author", []):
        assert set(name) <= CSL_NAME_KEYS and name
        assert ("literal" in name) != ("family" in name)
        assert all(isinstance(v, str) and v for v in name.values())
    if "issued" in item:
        parts = item["issued"]["date-parts"]
        assert isinstance(parts, list) and len(parts) == 1 and 1 <= len(parts[0]) <= 3
        assert all(isinstance(p, int) for p in parts[0])


def test_csl_json_has_the_fields_zotero_and_pandoc_import(store):
    text, count = export_papers(store, PaperFilter(), "csl-json")
    items = json.loads(text)
    assert len(items) == count
    for item in items:
        check_csl_item(item)
    by_id = {i["id"]: i for i in items}
    bib_keys = {e.key for e in entries_with_keys(store, PaperFilter())}
    assert set(by_id) == bib_keys  # the same keys as the BibTeX export
    first = by_id["christiano2017deepa"]
    assert first["type"] == "paper-conference"
    assert first["author"][0] == {"family": "Christiano", "given": "Paul F."}
    assert first["issued"] == {"date-parts": [[2017, 6, 12]]}
    assert first["container-title"] == "Neural Information Processing Systems"
    assert first["URL"] == "https://arxiv.org/abs/1706.03741"
    preprint = by_id["amodei2016concrete"]
    assert preprint["type"] == "article" and preprint["number"] == "arXiv:1606.06565"
    nasty = by_id["hernandezorallo2020script"]
    assert nasty["title"] == NASTY_TITLE and nasty["DOI"] == "10.1016/S0004-3702(99)00052-1"
    assert nasty["author"][1] == {"family": "Hasselt", "given": "Hado",
                                  "non-dropping-particle": "van"}
    assert by_id["openai2021hyperlink"]["author"] == [{"literal": "OpenAI"}]


def test_split_name():
    assert split_name("Martin Luther King Jr.") == {"family": "King", "given": "Martin Luther",
                                                   "suffix": "Jr."}
    assert split_name("Smith, Ann") == {"family": "Smith", "given": "Ann"}
    assert split_name("DeepMind") == {"literal": "DeepMind"}
    assert split_name("  ") == {}


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_csl_json_is_read_by_pandoc_citeproc(store, tmp_path):
    text, _ = export_papers(store, PaperFilter(), "csl-json")
    refs = tmp_path / "refs.json"
    refs.write_text(text, encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text("---\nnocite: '@*'\n---\n\nSee [@christiano2017deepa; @amodei2016concrete].\n",
                   encoding="utf-8")
    result = subprocess.run(
        ["pandoc", "--citeproc", f"--bibliography={refs}", "-t", "plain", str(doc)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Deep Reinforcement Learning from Human Preferences" in out
    assert "Concrete Problems in AI Safety" in out
    assert "Hernández-Orallo" in out
    # Two Christianos in the bibliography: citeproc adds initials to tell them apart.
    assert re.search(r"\((P\. F\. )?Christiano et al\. 2017; Amodei and Olah 2016\)", out), out
    assert "[WARNING]" not in result.stderr


# -- RIS, CSV, JSON ----------------------------------------------------------------------------

def test_ris_records_are_well_formed(store):
    text, count = export_papers(store, PaperFilter(), "ris")
    records = [r for r in text.split("\n\n") if r.strip()]
    assert len(records) == count
    for record in records:
        lines = record.split("\n")
        assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
        for line in lines:
            assert re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line), line
    # An abstract containing "ER  -" and "TY  -" stays on its one AB line.
    assert text.count("\nER  - ") + text.startswith("ER  - ") == count
    first = records[0].split("\n")
    assert "TY  - CPAPER" in first and "AU  - Christiano, Paul F." in first
    assert "PY  - 2017" in first and "DA  - 2017/06/12/" in first
    assert "L1  - https://arxiv.org/pdf/1706.03741" in first
    assert any(line == "TY  - UNPB" for line in records[1].split("\n"))
    nasty = next(r for r in records if "hernandezorallo" in r)
    assert "DO  - 10.1016/S0004-3702(99)00052-1" in nasty.split("\n")
    assert "AU  - van Hasselt, Hado" in nasty.split("\n")


def test_csv_is_quoted_and_defuses_formulas(store):
    text, count = export_papers(store, PaperFilter(), "csv")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert len(body) == count
    assert all(len(r) == len(header) for r in body)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    titles = {r[header.index("title")] for r in body}
    assert "'" + FORMULA_TITLE in titles
    assert NASTY_TITLE in titles
    venue = next(r for r in body if r[header.index("paper_id")] == sha(3))[header.index("venue")]
    assert venue == "'=cmd|' /C calc'!A0"
    assert guard("-1+1") == "'-1+1" and guard(-3) == "-3" and guard("ok") == "ok"
    assert guard("\tx") == "'\tx" and guard("＝1") == "'＝1" and guard(None) == ""


def test_json_has_full_records(store):
    records = json.loads(export_papers(store, PaperFilter(), "json")[0])
    assert len(records) == 8
    first = records[0]
    for key in ("paper_id", "title", "authors", "year", "venue", "abstract", "tldr", "doi",
                "arxiv_id", "themes", "theme_names", "seed_pagerank", "seed_distance", "why",
                "links", "key", "bibtex"):
        assert key in first
    assert first["paper_id"] == sha(1) and first["is_seed"] is True
    assert first["links"]["arxiv"] == "https://arxiv.org/abs/1706.03741"
    xss = next(r for r in records if r["paper_id"] == sha(7))
    assert xss["title"] == XSS_TITLE
    assert "pdf" not in xss["links"]  # a javascript: URL is never offered as a link


# -- Markdown ----------------------------------------------------------------------------------

def test_markdown_groups_by_theme_and_orders_by_rank(store):
    text, _ = export_papers(store, PaperFilter(), "md", title="Alignment *reading*")
    assert text.startswith("# Alignment \\*reading\\*\n")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Reward learning", "Robustness \\& \\<safety\\>", "Untagged"]
    reward = text.split("## Reward learning")[1].split("## ")[0]
    assert reward.index("Deep Reinforcement Learning") < reward.index("Deep learning of preferences")
    block = reward.split("\n\n")[1]
    assert "Paul F. Christiano, Jan Leike, Tom B. Brown et al. (2017)" in block
    assert "*Neural Information Processing Systems*" in block
    assert "[Semantic Scholar](<https://www.semanticscholar.org/paper/" + sha(1) + ">)" in block
    assert "[arXiv](<https://arxiv.org/abs/1706.03741>)" in block
    assert "[PDF](<https://arxiv.org/pdf/1706.03741>)" in block
    assert "*TL;DR:* Learning reward functions" in block
    assert "*Why it is here:* Seed" in block
    if store.seed_sentence_stored:  # the seeds part of kb stores mentions with sentences
        assert md_escape(SEED_SENTENCE)[:40] in block
    robust = text.split("## Robustness")[1].split("## ")[0]
    assert "[DOI](<https://doi.org/10.1016/S0004-3702%2899%2900052-1>)" in robust
    assert "*Why it is here:* Cites “Deep Reinforcement Learning from Human Preferences”" in robust
    second_hop = reward.split("\n\n")[2]
    assert "2 hops from the seed “Deep Reinforcement Learning from Human Preferences”" in second_hop


def test_markdown_escapes_titles(store):
    text, _ = export_papers(store, PaperFilter(), "md")
    without_links = re.sub(r"\]\(<https://[^>\s]+>\)", "]()", text)
    assert not re.search(r"(?<!\\)[<>]", without_links)  # every < and > is escaped
    assert "\\<script\\>alert(1)\\</script\\> \\& 50% of \\$x\\_i\\$" in text
    assert "**\\=HYPERLINK(" in text
    assert "](<javascript" not in text  # the javascript: PDF "link" is dropped
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_escape("1. not a list") == "1\\. not a list"
    assert md_escape("a\nb") == "a b"


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_markdown_renders_without_raw_html(store, tmp_path):
    text, _ = export_papers(store, PaperFilter(), "md")
    result = subprocess.run(["pandoc", "-f", "gfm", "-t", "html"], input=text,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    html = result.stdout
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50% of $x_i$" in html
    assert html.count("<h2") == 3
    assert 'href="https://arxiv.org/abs/1706.03741"' in html


def test_markdown_without_themes_has_one_untagged_group(store):
    store.conn.execute("DELETE FROM paper_theme")
    text, _ = export_papers(store, PaperFilter(), "md")
    assert re.findall(r"^## (.+)$", text, re.M) == ["Untagged"]


# -- selection and formats -----------------------------------------------------------------------

def test_export_filters_and_sort(store, tmp_path, monkeypatch):
    ids = store.ids
    seeds = entries_of(store, PaperFilter(seed_distance=0))
    assert [e.id for e in seeds] == [ids[1], ids[2]]
    assert [e.id for e in entries_of(store, PaperFilter(limit=3))] == [ids[1], ids[2], ids[3]]
    by_year = entries_of(store, PaperFilter(sort="year", year_from=2019))
    assert [e.year for e in by_year] == [2022, 2021, 2020, 2019]
    cited = entries_of(store, PaperFilter(min_citations=100))
    assert {e.id for e in cited} == {ids[1], ids[2]}
    themes = tmp_path / "themes.toml"
    themes.write_text('[theme.reward-learning]\nname = "Reward learning"\n\n'
                      '[theme.robustness]\nname = "Robustness"\n', encoding="utf-8")
    monkeypatch.setenv("KB_THEMES", str(themes))
    tagged = entries_of(store, PaperFilter(theme="reward-learning"))
    assert {e.id for e in tagged} == {ids[1], ids[2], ids[5]}


def test_export_with_a_query(store):
    ids = select_ids(store, PaperFilter(), query="preferences")
    assert set(ids) == {store.ids[1], store.ids[5]}


def test_format_names():
    assert normalise_format("markdown") == "md" and normalise_format("BibTeX") == "bib"
    assert normalise_format("csl") == "csl-json"
    with pytest.raises(UsageError):
        normalise_format("docx")


def test_safe_url():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("file:///etc/passwd") is None
    assert safe_url("https://x.org/a b(c)") == "https://x.org/a%20b%28c%29"
    assert safe_url("https://x.org/\n") == "https://x.org/"
    assert safe_url("https://x.org/a\x00") is None


# -- atomic writes -----------------------------------------------------------------------------

def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "refs.bib"
    atomic_write(target, "first\n")
    assert target.read_text() == "first\n"
    os.chmod(target, 0o640)
    atomic_write(target, "second\n")
    assert target.read_text() == "second\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "refs.bib"
    target.write_text("good old content\n")

    def killed(fd):
        raise KeyboardInterrupt  # as if the user pressed ^C during the write

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "half a new fi")
    monkeypatch.undo()
    assert target.read_text() == "good old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]  # no temp file left behind


def test_atomic_write_follows_symlinks(tmp_path):
    real = tmp_path / "library.bib"
    real.write_text("old\n")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    atomic_write(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_atomic_write_writes_only_where_asked(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "out.md", "x")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(UsageError, match="is a directory"):
        atomic_write(tmp_path, "x")


# -- the command line --------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path, store, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: invoke(*args, db=store.path, catch_exceptions=False)


def test_cli_export_to_stdout_and_files(cli, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("export", "--format", "bib", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert len(parse_bib(result.stdout).entries) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # stdout only: no file
    out = tmp_path / "reading.ris"
    result = cli("export", "-o", str(out), "--seed-distance", "0")
    assert result.exit_code == 0, result.output
    assert out.read_text().count("ER  - ") == 2  # format taken from the extension
    for fmt, check in (("csl-json", json.loads), ("json", json.loads),
                       ("csv", lambda t: list(csv.reader(io.StringIO(t)))),
                       ("md", lambda t: t.startswith("# "))):
        result = cli("export", "--format", fmt, "-o", "-", "--limit", "0")
        assert result.exit_code == 0, result.output
        assert check(result.stdout)
    result = cli("export", "preferences", "--format", "json")
    assert {r["paper_id"] for r in json.loads(result.stdout)} == {sha(1), sha(5)}


def test_cli_export_errors_are_one_line(cli, tmp_path):
    result = cli("export", "--format", "docx")
    assert result.exit_code == 2 and "kb: error: unknown export format" in result.stderr
    result = cli("export", "-o", str(tmp_path / "nowhere" / "x.md"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()
    result = cli("export", "--sort", "relevance")
    assert result.exit_code == 2 and "needs a search query" in result.stderr
