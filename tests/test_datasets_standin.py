"""The stand-in's Datasets API against the recorded real answers, and its files against the
Graph API stand-in serving the same corpus."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from kb.standin.generate import generate_corpus
from kb.standin.datasets.bulk import LATEST_RELEASE, PREVIOUS_RELEASE
from kb.standin.datasets.service import DatasetsService
from kb.standin.server import StandIn

RECORDED = Path("/work/shared/s2-recorded/semanticscholar-tests-data")
KEY = {"x-api-key": "test-key"}


@pytest.fixture(scope="module")
def served():
    corpus = generate_corpus(300, seed=3)
    service = DatasetsService(corpus, link_ttl=600)
    with StandIn(corpus, datasets=service) as standin:
        yield standin, service, corpus
    service.close()


def _recorded(name: str):
    yaml = pytest.importorskip("yaml")
    path = RECORDED / name
    if not path.exists():
        pytest.skip("recorded answers are not present")
    interaction = yaml.safe_load(path.read_text())["interactions"][0]
    return json.loads(interaction["response"]["body"]["string"])


def _shape(value):
    """Keys and value types, recursively; lists by the shape of their first item."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _get(standin, path, **kw):
    return httpx.get(standin.url + "/datasets/v1" + path, timeout=30, **kw)


def test_release_list_release_and_links_have_the_recorded_shapes(served):
    standin, _, _ = served
    releases = _get(standin, "/release/").json()
    assert _shape(releases) == _shape(_recorded("test_get_available_releases.yaml"))
    assert releases == sorted(releases) and releases[-1] == LATEST_RELEASE
    release = _get(standin, f"/release/{LATEST_RELEASE}").json()
    assert _shape(release) == _shape(_recorded("test_get_release.yaml"))
    recorded_names = {d["name"] for d in _recorded("test_get_release.yaml")["datasets"]}
    assert {"papers", "citations", "abstracts", "tldrs", "embeddings-specter_v2"} <= recorded_names
    assert {d["name"] for d in release["datasets"]} <= recorded_names
    links = _get(standin, f"/release/{LATEST_RELEASE}/dataset/papers", headers=KEY).json()
    assert _shape(links) == _shape(_recorded("test_get_dataset_download_links.yaml"))
    diffs = _get(standin, f"/diffs/{PREVIOUS_RELEASE}/to/latest/papers", headers=KEY).json()
    assert _shape(diffs) == _shape(_recorded("test_get_dataset_diffs.yaml"))
    assert diffs["end_release"] == LATEST_RELEASE


def test_links_and_diffs_need_a_key_and_links_expire(served):
    standin, service, _ = served
    for path in (f"/release/{LATEST_RELEASE}/dataset/papers", f"/diffs/{PREVIOUS_RELEASE}/to/latest/papers"):
        answer = _get(standin, path)
        assert answer.status_code == 403 and answer.json() == {"message": "Forbidden"}
    link = _get(standin, "/release/latest/dataset/tldrs", headers=KEY).json()["files"][0]
    assert httpx.get(link).status_code == 200
    assert httpx.get(link.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403
    service.expire_links()
    expired = httpx.get(link)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_ranges_are_honoured(served):
    standin, _, _ = served
    link = _get(standin, "/release/latest/dataset/papers", headers=KEY).json()["files"][0]
    whole = httpx.get(link).content
    part = httpx.get(link, headers={"Range": "bytes=10-"})
    assert part.status_code == 206 and part.content == whole[10:]
    assert part.headers["content-range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"
    assert httpx.get(link, headers={"Range": f"bytes={len(whole)}-"}).status_code == 416


def _records(standin, release, name):
    links = _get(standin, f"/release/{release}/dataset/{name}", headers=KEY).json()["files"]
    return [json.loads(line) for link in links
            for line in gzip.decompress(httpx.get(link).content).decode().splitlines()]


def test_files_are_the_corpus_the_graph_api_serves(served):
    standin, _, corpus = served
    papers = _records(standin, LATEST_RELEASE, "papers")
    assert len(papers) == len(corpus)
    first = papers[0]
    assert list(first) == ["corpusid", "externalids", "url", "title", "authors", "venue",
                           "publicationvenueid", "year", "referencecount", "citationcount",
                           "influentialcitationcount", "isopenaccess", "s2fieldsofstudy",
                           "publicationtypes", "publicationdate", "journal", "updated"]
    assert isinstance(first["externalids"]["CorpusId"], str)
    for paper in papers[:50]:
        api = corpus.record(paper["url"].rsplit("/", 1)[1])
        assert (paper["corpusid"], paper["title"], paper["year"], paper["citationcount"]) == \
            (api["corpusId"], api["title"], api["year"], api["citationCount"])
    citations = _records(standin, LATEST_RELEASE, "citations")
    resolved = {(c["citingcorpusid"], c["citedcorpusid"]) for c in citations if c["citedcorpusid"]}
    by_sha = {p["url"].rsplit("/", 1)[1]: p["corpusid"] for p in papers}
    assert resolved == {(by_sha[a], by_sha[b]) for a, b in corpus.edges()}
    assert any(c["citedcorpusid"] is None for c in citations)  # unmatched bibliography entries
    assert set(citations[0]) == {"citationid", "citingcorpusid", "citedcorpusid", "isinfluential",
                                 "contexts", "intents", "updated"}
    tldr = _records(standin, LATEST_RELEASE, "tldrs")[0]
    assert set(tldr) == {"corpusid", "model", "text"}
    abstract = _records(standin, LATEST_RELEASE, "abstracts")[0]
    assert set(abstract) == {"corpusid", "openaccessinfo", "abstract", "updated"}


def test_the_diff_turns_the_previous_release_into_the_latest(served):
    standin, _, _ = served
    for name, key in (("papers", "corpusid"), ("citations", "citationid")):
        old = {r[key]: r for r in _records(standin, PREVIOUS_RELEASE, name)}
        new = {r[key]: r for r in _records(standin, LATEST_RELEASE, name)}
        diff = _get(standin, f"/diffs/{PREVIOUS_RELEASE}/to/{LATEST_RELEASE}/{name}", headers=KEY).json()
        (step,) = diff["diffs"]
        for link in step["update_files"]:
            for line in gzip.decompress(httpx.get(link).content).decode().splitlines():
                record = json.loads(line)
                old[record[key]] = record
        deleted = 0
        for link in step["delete_files"]:
            for line in gzip.decompress(httpx.get(link).content).decode().splitlines():
                old.pop(json.loads(line)[key])
                deleted += 1
        assert deleted > 0
        strip = lambda rows: {k: {f: v for f, v in r.items() if f != "updated"} for k, r in rows.items()}  # noqa: E731
        assert strip(old) == strip(new)
