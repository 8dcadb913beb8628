"""The small typed tables (reading lists, runs) go through SQLModel on both backends, and the
command line's --json for them is the models' model_dump()."""

from __future__ import annotations

import json

from sqlmodel import select

from kb.crawl.runs import list_runs, open_run
from kb.output.reading_lists import all_lists, create_list
from kb.store import Store
from kb.store.models import CrawlRun, ReadingList
from kb.store.typed import compiled, fetch


def test_statements_compile_to_kb_sql():
    sql, params = compiled(select(ReadingList).where(ReadingList.name == "x").limit(3))
    assert "WHERE reading_list.name = ?" in sql and params[:2] == ["x", 3]


def test_runs_and_lists_through_the_models(store_target, kb_cli):
    with Store(store_target) as store:
        with store.transaction():
            first = open_run(store, "crawl", '{"depth": 1}')
        with store.transaction() as conn:
            conn.execute(
                "UPDATE crawl_run SET status = 'done', finished_at = ?, failed_lists = ? WHERE id = ?",
                ("2099-01-01T00:00:00.000000Z", json.dumps([{"paper": "p", "list": "refs",
                                                             "error": "HTTP 500"}]), first))
            conn.execute("UPDATE crawl_run SET started_at = ? WHERE id = ?",
                         ("2098-12-31T23:59:00.000000Z", first))
        with store.transaction():
            second = open_run(store, "refresh", "{}", job="weekly")
        create_list(store, "Queue", "to read")
        runs = list_runs(store)
        assert [r.id for r in runs] == [second, first]
        assert isinstance(runs[0], CrawlRun) and runs[0].job == "weekly"
        assert runs[1].duration_s == 60.0
        assert runs[1].model_dump()["failed_lists"] == [{"paper": "p", "list": "refs",
                                                         "error": "HTTP 500"}]
        lists = all_lists(store)
        by_model = fetch(store.conn, select(ReadingList), ReadingList)
        assert [l.name for l in by_model] == ["Queue"] and by_model[0].id == lists[0].id
        expected_runs = [r.model_dump() for r in runs]
        expected_lists = [l.model_dump() for l in lists]
    assert expected_lists[0] | {"id": 0, "created_at": ""} == {
        "id": 0, "name": "Queue", "description": "to read", "created_at": "", "papers": 0,
        "read": 0, "unread": 0}
    out = kb_cli("runs", "--json", db=store_target)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == expected_runs
    out = kb_cli("list", "show", "--json", db=store_target)
    assert json.loads(out.stdout) == expected_lists
