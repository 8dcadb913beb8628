"""Named reading lists: the library functions, the schema, and `kb list ...`."""

from __future__ import annotations

import json
import re

import pytest
from tests.cli_runner import invoke

try:  # tests/ as a package, or as a plain directory on sys.path
    from tests.export_fixtures import build_store, sha
except ModuleNotFoundError:
    from export_fixtures import build_store, sha
from kb.errors import NotFoundError, UsageError
from kb.output.reading_lists import (add_papers, all_lists, create_list, delete_list, export_list,
                              get_list, list_items, mark, remove_papers, show_list)


@pytest.fixture
def store(store_target):
    s = build_store(store_target)
    yield s
    s.close()


def test_create_and_list(store):
    info = create_list(store, "  To read ", "first batch")
    assert info.name == "To read" and info.papers == 0 and info.unread == 0
    create_list(store, "Done")
    assert [l.name for l in all_lists(store)] == ["Done", "To read"]
    with pytest.raises(UsageError, match="already exists"):
        create_list(store, "To read")
    for bad in ("", "   ", "x" * 101, "tab\there"):
        with pytest.raises(UsageError):
            create_list(store, bad)
    with pytest.raises(NotFoundError, match="lists: Done, To read"):
        get_list(store, "Missing")


def test_add_remove_keeps_order_and_is_idempotent(store):
    ids = store.ids
    create_list(store, "L")
    assert add_papers(store, "L", [ids[3], ids[1]]) == {"list": "L", "added": 2, "already": 0}
    assert add_papers(store, "L", [ids[1], ids[2]], note="skim") == {
        "list": "L", "added": 1, "already": 1}
    order, items = list_items(store, "L")
    assert order == [ids[3], ids[1], ids[2]]
    assert items[ids[1]]["note"] == "skim"  # a note updates papers already on the list
    assert remove_papers(store, "L", [ids[1], ids[4]]) == {"list": "L", "removed": 1,
                                                           "not_on_list": 1}
    assert list_items(store, "L")[0] == [ids[3], ids[2]]
    add_papers(store, "L", [ids[1]])
    assert list_items(store, "L")[0] == [ids[3], ids[2], ids[1]]  # re-added at the end


def test_marks(store):
    ids = store.ids
    create_list(store, "L")
    add_papers(store, "L", [ids[1], ids[2], ids[3]])
    assert mark(store, "L", [ids[2]], read=True)["changed"] == 1
    first = list_items(store, "L")[1][ids[2]]["read_at"]
    assert first and re.match(r"\d{4}-\d\d-\d\dT", first)
    assert mark(store, "L", [ids[2]], read=True)["changed"] == 0  # keeps its first date
    assert list_items(store, "L")[1][ids[2]]["read_at"] == first
    assert get_list(store, "L").read == 1
    assert list_items(store, "L", unread_only=True)[0] == [ids[1], ids[3]]
    assert list_items(store, "L", read_only=True)[0] == [ids[2]]
    with pytest.raises(UsageError, match="not on the list"):
        mark(store, "L", [ids[5]], read=True)
    assert mark(store, "L", None, read=True)["changed"] == 2
    assert get_list(store, "L").unread == 0
    assert mark(store, "L", [ids[1]], read=False)["changed"] == 1
    assert list_items(store, "L", unread_only=True)[0] == [ids[1]]


def test_show_and_export(store):
    ids = store.ids
    create_list(store, "Reading <group>")
    add_papers(store, "Reading <group>", [ids[3], ids[1], ids[6]])
    mark(store, "Reading <group>", [ids[1]], read=True)
    info = show_list(store, "Reading <group>")
    assert [i["paper_id"] for i in info["items"]] == [sha(3), sha(1), sha(6)]
    assert [i["read"] for i in info["items"]] == [False, True, False]
    assert info["items"][1]["links"]["arxiv"] == "https://arxiv.org/abs/1706.03741"
    text, count = export_list(store, "Reading <group>", "md")
    assert count == 3
    assert text.startswith("# Reading \\<group\\>\n")
    assert "_3 papers, 1 read" in text
    assert "- [x] **Deep Reinforcement Learning from Human Preferences**" in text
    assert "- [ ] **Über die Sicherheit" in text
    import bibtexparser

    bib, _ = export_list(store, "Reading <group>", "bib")
    assert len(bibtexparser.parse_string(bib).entries) == 3
    records = json.loads(export_list(store, "Reading <group>", "json")[0])
    assert [r["read"] for r in records] == [False, True, False]
    ranked = json.loads(export_list(store, "Reading <group>", "json", sort="rank")[0])
    assert [r["paper_id"] for r in ranked] == [sha(1), sha(3), sha(6)]
    unread = json.loads(export_list(store, "Reading <group>", "csv", unread_only=True)[0]
                        and export_list(store, "Reading <group>", "json", unread_only=True)[0])
    assert [r["paper_id"] for r in unread] == [sha(3), sha(6)]
    csv_text = export_list(store, "Reading <group>", "csv")[0]
    assert csv_text.splitlines()[0].endswith(",read,read_at,note")


def test_delete_list_and_cascade(store):
    ids = store.ids
    create_list(store, "L")
    add_papers(store, "L", [ids[1], ids[4]])
    with store.transaction() as conn:  # paper 4 is a leaf: nothing was reached from it
        conn.execute("DELETE FROM paper WHERE id = ?", (ids[4],))
    assert list_items(store, "L")[0] == [ids[1]]  # a paper gone from the store leaves lists
    assert delete_list(store, "L").papers == 1
    assert store.conn.execute("SELECT count(*) FROM reading_list_item").fetchone()[0] == 0


def test_models_mirror_the_migration(store):
    from kb.store.models import ReadingList, ReadingListItem

    for model in (ReadingList, ReadingListItem):
        table = model.__table__
        info = {r["name"]: r for r in store.conn.execute(f"PRAGMA table_info({table.name})")}
        assert set(info) == {c.name for c in table.columns}
        for column in table.columns:
            assert bool(info[column.name]["pk"]) == column.primary_key, column.name


# -- the command line --------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path, store, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: invoke(*args, db=store.path, catch_exceptions=False)


def test_cli_list_workflow(cli, tmp_path):
    assert cli("list", "create", "Queue", "-d", "papers to read").exit_code == 0
    result = cli("list", "add", "Queue", "ARXIV:1706.03741", "Concrete Problems",
                 "CorpusId:103", f"https://www.semanticscholar.org/paper/{sha(6)}", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 4
    result = cli("list", "add", "Queue", "--from-search", "preferences", "--json")
    assert json.loads(result.stdout) == {"list": "Queue", "added": 1, "already": 1,
                                          "limit_reached": False}
    result = cli("list", "add", "Queue", "--seed-distance", "0", "--json")
    assert json.loads(result.stdout)["already"] == 2
    assert cli("list", "mark", "Queue", "1706.03741").exit_code == 0
    result = cli("list", "show", "Queue", "--json")
    info = json.loads(result.stdout)
    assert info["papers"] == 5 and info["read"] == 1
    assert [i["read"] for i in info["items"]][:2] == [True, False]
    plain = cli("list", "show", "Queue").stdout.splitlines()
    assert plain[0].startswith("[x] Deep Reinforcement Learning from Human Preferences (2017)")
    assert plain[1].startswith("[ ] Concrete Problems in AI Safety")
    unread = json.loads(cli("list", "show", "Queue", "--unread", "--json").stdout)
    assert len(unread["items"]) == 4
    lists = json.loads(cli("list", "show", "--json").stdout)
    assert lists[0]["name"] == "Queue" and lists[0]["unread"] == 4
    assert cli("list", "rm", "Queue", "CorpusId:103").exit_code == 0
    assert json.loads(cli("list", "mark", "Queue", "--all", "--json").stdout)["changed"] == 3
    assert json.loads(cli("list", "mark", "Queue", "--all", "--unread", "--json").stdout)[
        "changed"] == 4
    out = tmp_path / "queue.bib"
    result = cli("list", "export", "Queue", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().count("\n@") == 4
    md = cli("list", "export", "Queue", "--order", "rank").stdout
    assert md.startswith("# Queue\n") and md.count("- [ ] ") == 4
    assert cli("list", "delete", "Queue").exit_code == 0
    assert json.loads(cli("list", "show", "--json").stdout) == []


def test_cli_list_errors(cli):
    result = cli("list", "show", "Nope")
    assert result.exit_code == 4 and result.stderr.startswith("kb: error: no reading list")
    cli("list", "create", "L")
    result = cli("list", "add", "L")
    assert result.exit_code == 2 and "name papers to add" in result.stderr
    result = cli("list", "add", "L", "10.9999/not-stored")
    assert result.exit_code == 4 and "no paper with DOI" in result.stderr
    result = cli("list", "mark", "L")
    assert result.exit_code == 2 and "--all" in result.stderr
    result = cli("list", "create", "L")
    assert result.exit_code == 2 and "already exists" in result.stderr
    result = cli("list", "export", "L", "--format", "odt")
    assert result.exit_code == 2
