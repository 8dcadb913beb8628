"""`kb db copy`: a whole store moves between backends and back with identical content, and a
copy that is stopped half-way continues where it stopped."""

from __future__ import annotations

import json

import pytest

from kb.store import Store
from kb.store.copy import copy_store, store_digest

try:
    from tests.export_fixtures import build_store
except ModuleNotFoundError:
    from export_fixtures import build_store


@pytest.fixture
def source(make_target):
    from kb.knowledge.ranking import compute_ranks
    from kb.output.reading_lists import add_papers, create_list

    target = make_target("sqlite", "source")
    store = build_store(target)
    compute_ranks(store)
    create_list(store, "queue")
    add_papers(store, "queue", [1, 3])
    store.close()
    return target


def test_sqlite_to_postgres_and_back_is_identical(source, make_target):
    pg, back = make_target("postgresql", "copy"), make_target("sqlite", "back")
    there = copy_store(source, pg)
    assert there.identical, there.as_dict()
    assert sum(t.copied for t in there.tables) == sum(t.source_rows for t in there.tables) > 0
    home = copy_store(pg, back)
    assert home.identical and home.source_digest == there.source_digest
    with Store(source, readonly=True) as a, Store(back, readonly=True) as b:
        assert store_digest(a) == store_digest(b)
    with Store(pg) as store:  # the copy is a working store: search, and new rows get new ids
        from kb.knowledge.search import search_papers

        assert search_papers(store, "reward")
        assert store.conn.execute("INSERT INTO reading_list (name) VALUES ('new') RETURNING id"
                                  ).fetchone()[0] > 1


def test_a_stopped_copy_resumes_to_the_same_content(source, make_target):
    pg = make_target("postgresql", "resumed")
    seen = []

    def stop_after_a_few_chunks(table, done, total):
        seen.append(table)
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_store(source, pg, progress=stop_after_a_few_chunks, chunk=2)
    report = copy_store(source, pg, chunk=2)
    assert report.identical
    assert sum(t.copied for t in report.tables) < sum(t.source_rows for t in report.tables)


def test_kb_db_copy_cli(source, make_target, kb_cli):
    pg = make_target("postgresql", "cli")
    result = kb_cli("db", "copy", str(source), pg, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["identical"] and {t["table"] for t in data["tables"]} >= {"paper", "citation", "seed"}
    again = kb_cli("db", "copy", str(source), pg, "--json")
    assert again.exit_code == 0 and sum(t["copied"] for t in json.loads(again.stdout)["tables"]) == 0


def test_a_destination_holding_another_store_is_refused_unless_forced(source, make_target, kb_cli):
    from kb.store.records import PaperRecord

    other = make_target("postgresql", "other")
    with Store(other) as store:
        store.upsert_papers([PaperRecord(paper_id="f" * 40, title="Someone else's paper")])
    refused = kb_cli("db", "copy", str(source), other)
    assert refused.exit_code == 2
    line = refused.output.strip()
    assert line.startswith("kb: error: the destination") and "not empty" in line \
        and "--force" in line and "\n" not in line, line
    with Store(other, readonly=True) as store:  # nothing was written into it
        assert store.counts()["papers"] == 1
    forced = kb_cli("db", "copy", str(source), other, "--force", "--json")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["identical"]

    # A finished copy of one source is another store to a second source.
    second = make_target("sqlite", "second")
    build_store(second).close()
    again = kb_cli("db", "copy", str(second), other)
    assert again.exit_code == 2 and f"a copy of {source}" in again.output
    same = kb_cli("db", "copy", str(source), str(source))
    assert same.exit_code == 2 and "the same store" in same.output
