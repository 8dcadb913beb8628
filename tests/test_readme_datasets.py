"""The README's bulk-datasets section ("Beyond the API") runs as written, against a store of its
own: see tests/test_readme.py, which runs the sections before it."""

from __future__ import annotations

import pytest

from tests.test_readme import assert_part_runs_as_written, readme_world


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    with readme_world(tmp_path_factory.mktemp("readme-datasets"), build=False) as world:
        yield world


def test_every_readme_datasets_command_runs_as_written(empty_store, kb_cli, monkeypatch):
    assert_part_runs_as_written(1, empty_store, kb_cli, monkeypatch)
    db = empty_store[0]
    from kb.store import Store

    with Store(db) as store:  # the extraction stored the seeds' neighbourhood
        assert store.conn.execute("SELECT count(*) FROM paper").fetchone()[0] > 100
