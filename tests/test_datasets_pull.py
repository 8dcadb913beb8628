"""``kb datasets pull``: downloads against the stand-in, resumed, checked, re-linked."""

from __future__ import annotations

import gzip
import json

import pytest

from kb.settings import Settings
from kb.sources.datasets.local import LocalDatasets
from kb.sources.datasets.pull import pull
from kb.standin.generate import generate_corpus
from kb.standin.datasets.bulk import LATEST_RELEASE, PREVIOUS_RELEASE
from kb.standin.datasets.service import DatasetsService
from kb.standin.server import StandIn
from reliability_helpers import kb_env, run_kb


@pytest.fixture(scope="module")
def served():
    corpus = generate_corpus(400, seed=5)
    service = DatasetsService(corpus, api_key="dkey")
    with StandIn(corpus, datasets=service) as standin:
        yield standin, service
    service.close()


def _settings(standin, tmp_path, key="dkey") -> Settings:
    return Settings(db_path=tmp_path / "kb.sqlite", api_url=standin.url, api_key=key,
                    requests_per_second=1000, backoff_base=0.001, backoff_cap=0.01,
                    datasets_dir=tmp_path / "datasets")


def _lines(paths) -> list[str]:
    return [line for p in paths for line in gzip.decompress(p.read_bytes()).decode().splitlines()]


def test_pull_downloads_every_file_checked_and_records_it(served, tmp_path):
    standin, service = served
    report = pull(_settings(standin, tmp_path), ["papers", "citations"])
    assert report.release == LATEST_RELEASE
    local = LocalDatasets(tmp_path / "datasets")
    for name in ("papers", "citations"):
        state = local.state[name]
        assert state.complete and state.release == LATEST_RELEASE
        files = local.raw_files(name)
        assert all(f.name.endswith(".gz") and f.stat().st_size == state.files[f.name] for f in files)
        served_files = sorted((service.root / "staging" / LATEST_RELEASE / name).iterdir())
        assert _lines(files) == _lines(served_files)
    again = pull(_settings(standin, tmp_path), ["papers", "citations"])
    assert again.files_downloaded == 0 and again.files_skipped == report.files_downloaded


def test_a_cut_download_resumes_with_a_range_request(served, tmp_path):
    standin, service = served
    service.cut_downloads(after_bytes=3000, times=2)
    report = pull(_settings(standin, tmp_path), ["papers"])
    assert report.ranged_requests >= 2 and report.retries >= 2
    local = LocalDatasets(tmp_path / "datasets")
    served_files = sorted((service.root / "staging" / LATEST_RELEASE / "papers").iterdir())
    assert _lines(local.raw_files("papers")) == _lines(served_files)


def test_a_partial_file_from_an_interrupted_pull_is_continued(served, tmp_path):
    standin, service = served
    pull(_settings(standin, tmp_path), ["tldrs"])
    local = LocalDatasets(tmp_path / "datasets")
    (whole,) = local.raw_files("tldrs")
    data = whole.read_bytes()
    whole.with_name(whole.name + ".part").write_bytes(data[: len(data) // 2])
    whole.unlink()
    report = pull(_settings(standin, tmp_path), ["tldrs"])
    assert report.ranged_requests == 1 and whole.read_bytes() == data


def test_expired_links_are_asked_for_again(served, tmp_path):
    standin, service = served
    expired = []

    def expire_after_first_file(progress):
        if progress.files_done == 1 and not expired:
            expired.append(True)
            service.expire_links()

    report = pull(_settings(standin, tmp_path), ["citations"], progress=expire_after_first_file)
    assert report.relinks >= 1
    assert LocalDatasets(tmp_path / "datasets").state["citations"].complete


def test_an_older_release_can_be_pulled(served, tmp_path):
    standin, _ = served
    report = pull(_settings(standin, tmp_path), ["papers"], release=PREVIOUS_RELEASE)
    assert report.release == PREVIOUS_RELEASE


def test_missing_or_refused_key_is_one_line(served, tmp_path):
    standin, _ = served
    env = kb_env(tmp_path / "kb.sqlite", standin.url, KB_DATASETS_DIR=str(tmp_path / "d"))
    result = run_kb("datasets", "pull", "papers", env=env)
    assert result.returncode == 8
    assert result.stderr.decode().strip().count("\n") == 0
    assert "S2_API_KEY" in result.stderr.decode()
    result = run_kb("datasets", "pull", "papers", "--json", env={**env, "S2_API_KEY": "wrong"})
    assert result.returncode == 8 and b"Traceback" not in result.stderr
    result = run_kb("datasets", "pull", "papers", "--json", env={**env, "S2_API_KEY": "dkey"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["datasets"]["papers"]["files"] == 3
