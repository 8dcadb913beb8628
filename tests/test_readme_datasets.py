"""The README's bulk-datasets section ("Beyond the API") runs as written, against a store of its
own: see tests/test_readme.py, which runs the sections before it."""

from __future__ import annotations

import pytest

from tests.test_readme import README, readme_parts, readme_world, run_as_written


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    with readme_world(tmp_path_factory.mktemp("readme-datasets"), build=False) as world:
        yield world


def test_every_readme_datasets_command_runs_as_written(empty_store, kb_cli, monkeypatch):
    _, datasets = readme_parts(README.read_text(encoding="utf-8"))
    failures = run_as_written(datasets, empty_store, kb_cli, monkeypatch)
    assert not failures, "README commands that fail:\n" + "\n".join(failures)
    db = empty_store[0]
    from kb.store import Store

    with Store(db) as store:  # the extraction stored the seeds' neighbourhood
        assert store.conn.execute("SELECT count(*) FROM paper").fetchone()[0] > 100
