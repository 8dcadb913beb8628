"""What a first-time user meets: help that reads right, output a script can parse, clear
refusals instead of silent surprises, and figures that agree between commands."""

from __future__ import annotations

import json

import pytest

from kb.output.entries import ExportEntry
from kb.output.formats.bibtex import entry_fields
from kb.store import Store
from tests.use_fixtures import add_seeds, build_store, sha


@pytest.fixture()
def db(tmp_path):
    build_store(tmp_path / "kb.sqlite").close()
    return tmp_path / "kb.sqlite"


# -- help and output ---------------------------------------------------------------------------

def help_text(kb_cli, *command) -> str:
    """The help as one line of words, without rich's box drawing."""
    out = kb_cli(*command, "--help")
    assert out.exit_code == 0
    return " ".join(out.stdout.replace("│", " ").split())


def test_tag_auto_help_keeps_the_tagging_table_name(kb_cli):
    assert "from the [tagging] table" in help_text(kb_cli, "tag", "auto")


def test_job_add_help_says_theme_only_filters_the_digest(kb_cli):
    assert "in the digest (the crawl itself follows every theme)" in help_text(kb_cli, "job", "add")


def test_piped_listing_prints_plain_numbers(kb_cli, db):
    kb_cli("rank", db=db)
    out = kb_cli("top", "--by", "citations", "--limit", "3", db=db)
    assert out.exit_code == 0, out.stderr
    first = out.stdout.splitlines()[0].split("\t")
    assert first[0] == sha(6) and first[2] == "5000"  # not "5,000"


# -- refusals instead of surprises -------------------------------------------------------------

def test_db_pointing_at_a_directory_says_so(kb_cli, tmp_path):
    out = kb_cli("status", db=tmp_path)
    assert out.exit_code == 5 and "is a directory" in out.stderr and "disk I/O" not in out.stderr
    out = kb_cli("seed", "add", "--id", "ARXIV:1706.03741", db=tmp_path)
    assert out.exit_code == 5 and "is a directory" in out.stderr


def test_export_to_an_unknown_extension_is_refused(kb_cli, db, tmp_path):
    out = kb_cli("export", "-o", str(tmp_path / "x.docx"), db=db)
    assert out.exit_code == 2 and ".docx" in out.stderr
    assert not (tmp_path / "x.docx").exists()
    assert kb_cli("export", "-o", str(tmp_path / "x.docx"), "--format", "md", db=db).exit_code == 0


def test_crawl_without_seeds_is_an_error(kb_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_S2_API_URL", "http://127.0.0.1:9")  # never reached
    Store(tmp_path / "empty.sqlite").close()
    out = kb_cli("crawl", db=tmp_path / "empty.sqlite")
    assert out.exit_code == 4 and "has no seeds" in out.stderr


def test_list_add_from_search_says_when_the_limit_stopped_it(kb_cli, db):
    assert kb_cli("list", "create", "r", db=db).exit_code == 0
    out = kb_cli("list", "add", "r", "--from-search", "reward OR learning", "--limit", "2", db=db)
    assert out.exit_code == 0 and "--limit 2" in out.stderr
    out = kb_cli("list", "add", "r", "--from-search", "protein", db=db)
    assert out.exit_code == 0 and "limit" not in out.stderr


# -- figures that agree ------------------------------------------------------------------------

def test_show_and_trail_agree_on_hops_after_a_seed_is_added(kb_cli, db):
    store = Store(db)
    add_seeds(store, [5])  # P9 cites P5: one hop now, three by the crawl's old depth
    store.close()
    shown = json.loads(kb_cli("show", "#9", "--json", db=db).stdout)
    trail = json.loads(kb_cli("trail", "#9", "--json", db=db).stdout)
    assert shown["seed_distance"] == trail["distance"] == 1
    text = " ".join(kb_cli("show", "#9", db=db).stdout.split())
    assert "1 citation hop from the nearest seed" in text and "via cits" not in text


def test_new_since_last_skips_runs_that_added_nothing(kb_cli, db):
    store = Store(db)
    with store.transaction() as conn:
        conn.execute("INSERT INTO crawl_run (id, kind, started_at, finished_at, status, new_papers) "
                     "VALUES (1, 'crawl', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', 'completed', 2)")
        conn.execute("INSERT INTO crawl_run (id, kind, started_at, finished_at, status, new_papers) "
                     "VALUES (2, 'refresh', '2026-01-02T00:00:00Z', '2026-01-02T01:00:00Z', 'completed', 0)")
        conn.execute("UPDATE paper SET added_by_run = 1 WHERE id IN (5, 9)")
        conn.execute("INSERT INTO theme (slug, name) VALUES ('goal-misgen', 'Goal misgeneralization') "
                     "ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO paper_theme (paper, theme, source, score) VALUES (5, 'goal-misgen', 'manual', 1)")
    store.close()
    rows = json.loads(kb_cli("new", "--json", db=db).stdout)
    assert sorted(r["id"] for r in rows) == [5, 9]
    table = kb_cli("new", db=db, terminal_width=200).stdout
    assert "Goal misgeneralization (1)" in table and "Untagged (1)" in table
    assert len(json.loads(kb_cli("new", "--json", "--limit", "1", db=db).stdout)) == 1


# -- exports -----------------------------------------------------------------------------------

def test_bibtex_article_gets_a_journal_and_no_booktitle():
    entry = ExportEntry(id=1, paper_id=sha(1), title="T", venue="NeurIPS", year=2020,
                        publication_types=["Conference"],
                        bibtex="@Article{x, title={T}, journal={ArXiv}, year={2020}}")
    kind, fields = entry_fields(entry)
    assert kind == "article" and fields["journal"] == "ArXiv" and "booktitle" not in fields


def test_markdown_why_quotes_the_document_not_the_command_line(kb_cli, db):
    store = Store(db)
    with store.transaction() as conn:
        conn.execute("INSERT INTO document (id, path, sha256, kind) VALUES (1, '(command line)', '', 'manual'), "
                     "(2, '/notes/post.md', 'x', 'text')")
        conn.execute("INSERT INTO mention (document, surface, start, \"end\", kind, sentence, norm_text, status, paper) "
                     "VALUES (1, '1706.03741', 0, 10, 'arxiv', 'kb seed add --id 1706.03741', 'a', 'resolved', 1), "
                     "(1, '1606.06565', 11, 21, 'arxiv', 'kb seed add --id 1606.06565', 'b', 'resolved', 2), "
                     "(2, 'Deep RL from human preferences', 0, 30, 'title', "
                     "'We start from Deep RL from human preferences.', 'c', 'resolved', 1)")
    store.close()
    text = kb_cli("export", "--format", "md", db=db).stdout
    assert "We start from Deep RL from human preferences." in text
    assert "kb seed add" not in text


# -- jobs belong to their store ----------------------------------------------------------------

def test_jobs_belong_to_their_store_and_a_job_that_cannot_run_fails(kb_cli, db, tmp_path, monkeypatch):
    monkeypatch.delenv("KB_JOBS", raising=False)
    monkeypatch.setenv("KB_S2_API_URL", "http://127.0.0.1:9")  # never reached
    assert kb_cli("job", "add", "nightly", db=db).exit_code == 0
    assert (tmp_path / "kb.jobs.toml").exists()
    other = tmp_path / "other.sqlite"
    Store(other).close()
    assert json.loads(kb_cli("job", "list", "--json", db=other).stdout) == []
    due = kb_cli("job", "run", "--due", db=other)
    assert due.exit_code == 0 and "no job is due" in due.stdout  # the other store's jobs stay put
    (tmp_path / "gone.jobs.toml").write_text((tmp_path / "kb.jobs.toml").read_text())
    gone = kb_cli("job", "run", "nightly", "--json", db=tmp_path / "gone.sqlite")
    assert gone.exit_code == 11 and json.loads(gone.stdout)[0]["status"] == "failed"
    assert not (tmp_path / "gone.sqlite").exists()
    (tmp_path / "other.jobs.toml").write_text((tmp_path / "kb.jobs.toml").read_text())
    unseeded = kb_cli("job", "run", "nightly", "--json", db=other)  # a store without seeds
    assert unseeded.exit_code == 11 and "no seeds" in json.loads(unseeded.stdout)[0]["message"]


def test_a_directory_jobs_file_from_before_moves_to_the_store_it_is_used_with(kb_cli, db, tmp_path, monkeypatch):
    monkeypatch.delenv("KB_JOBS", raising=False)
    (tmp_path / "jobs.toml").write_text('[job."nightly"]\nevery = "1d"\n')
    (tmp_path / "jobs.log").write_text('{"job": "nightly"}\n')
    listed = kb_cli("job", "list", "--json", db=db)
    assert listed.exit_code == 0 and [job["name"] for job in json.loads(listed.stdout)] == ["nightly"]
    assert "kb.jobs.toml" in listed.stderr
    assert not (tmp_path / "jobs.toml").exists() and (tmp_path / "kb.jobs.log").read_text() == '{"job": "nightly"}\n'
    (tmp_path / "jobs.toml").write_text('[job."stale"]\n')  # the store has its own file now: left alone
    assert [job["name"] for job in json.loads(kb_cli("job", "list", "--json", db=db).stdout)] == ["nightly"]


def test_postgresql_stores_keep_their_jobs_apart():
    from kb.crawl.jobs import jobs_path

    one = jobs_path("postgresql://kb@db.lab/alignment", env={})
    two = jobs_path("postgresql://kb@db.lab/interp", env={})
    assert one != two and one.name == "db.lab-alignment.jobs.toml"


def test_a_report_of_names_and_values_has_no_empty_header_row():
    """The crawl and bulk reports are two unnamed columns: a header row of blanks over them is
    noise on every terminal run."""
    from rich.console import Console

    import cli

    console = Console(width=60, record=True, force_terminal=False)
    console.print(cli.table("crawl run #1", ["", ""], [["status", "partial"], ["requests", 300]]))
    lines = [line for line in console.export_text().splitlines() if line.strip()]
    assert "status" in lines[2], lines  # title, top border, then the first row
    console.print(cli.table("papers", ["id", "title"], [["1", "x"]]))
    assert "title" in console.export_text()
