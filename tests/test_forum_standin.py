"""The forum stand-in answers as the real LessWrong / Alignment Forum API does: the recorded
post shape and slug-selector error, the documented post views and limits, the search endpoint
built from ForumMagnum's SearchResult schema, and the same fault and rate-limit knobs as the
Semantic Scholar stand-in."""

from __future__ import annotations

import csv
import gzip
import json

import httpx
import pytest

from kb.standin.forum.corpus import POSTS_FILE
from kb.standin.forum.server import RECORDED_DIR

RECORDED = json.loads((RECORDED_DIR / "graphql_raw_response.json").read_text())
SLUG_TEST = json.loads((RECORDED_DIR / "graphql_slug_test.json").read_text())
POST_QUERY = """query GetPost($id: String!) {
  post(input: {selector: {_id: $id}}) {
    result {
      _id slug title pageUrl postedAt baseScore voteCount commentCount htmlBody
      contents { html wordCount plaintextDescription }
      user { username displayName slug }
    }
  }
}"""


def gql(server, query, variables=None):
    return httpx.post(server.url + "/graphql", json={"query": query, "variables": variables or {}}, timeout=10)


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__ if value is not None else "null"


def test_post_by_id_has_the_recorded_shape_and_body(make_forum):
    forum = make_forum()
    r = gql(forum, POST_QUERY, {"id": "uMQ3cqWDPHhjtiesc"})
    assert r.status_code == 200
    got = r.json()
    want = RECORDED["data"]["post"]["result"]
    result = got["data"]["post"]["result"]
    recorded_shape = shape(want)
    assert shape(result) == recorded_shape
    for key in ("_id", "slug", "title", "pageUrl", "postedAt", "baseScore", "voteCount", "commentCount", "htmlBody"):
        assert result[key] == want[key]


def test_slug_selector_is_refused_with_the_recorded_error(make_forum):
    forum = make_forum()
    # The recorder stripped the query's first line; the real request began with a newline.
    r = gql(forum, "\n" + SLUG_TEST["graphql_query"], SLUG_TEST["graphql_variables"])
    assert r.status_code == SLUG_TEST["http_status"] == 400
    want = SLUG_TEST["full_response"]["errors"][0]
    got = r.json()["errors"][0]
    assert got["message"] == want["message"]
    assert got["locations"] == want["locations"]
    assert got["extensions"]["code"] == want["extensions"]["code"]


def test_every_recorded_post_is_served(forum_corpus):
    with gzip.open(POSTS_FILE, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4274
    for row in rows:
        post = forum_corpus.by_id[row["_id"]]
        assert (post.title, post.author, post.karma) == (" ".join(row["title"].split()), row["author"], int(row["karma"]))


def posts(server, terms, fields="_id title postedAt baseScore af tags { _id name }"):
    r = gql(server, "query Q($terms: JSON) { posts(input: {terms: $terms, enableTotal: true}) "
                    f"{{ totalCount results {{ {fields} }} }} }}", {"terms": terms})
    return r


def test_post_views_order_filter_and_limits(make_forum, forum_corpus):
    forum = make_forum()
    new = posts(forum, {"view": "new", "limit": 50}).json()["data"]["posts"]
    dates = [p["postedAt"] for p in new["results"]]
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)
    top = posts(forum, {"view": "top", "limit": 20, "karmaThreshold": 100}).json()["data"]["posts"]["results"]
    assert [p["baseScore"] for p in top] == sorted((p["baseScore"] for p in top), reverse=True)
    window = posts(forum, {"view": "new", "after": "2022-09-01", "before": "2022-09-03", "limit": 100}).json()
    titles = {p["title"] for p in window["data"]["posts"]["results"]}
    assert "Simulators" in titles and all("2022-09-0" in p["postedAt"] for p in window["data"]["posts"]["results"])
    tag = forum_corpus.tag_ids["Simulator Theory"]
    tagged = posts(forum, {"view": "tagRelevance", "tagId": tag, "limit": 100}).json()["data"]["posts"]["results"]
    assert tagged and all(any(t["_id"] == tag for t in p["tags"]) for p in tagged)
    too_many = posts(forum, {"view": "new", "limit": 1001}).json()
    assert too_many["data"]["posts"] is None and "limit" in too_many["errors"][0]["message"]
    too_far = posts(forum, {"view": "new", "limit": 10, "offset": 5000}).json()
    assert "offset" in too_far["errors"][0]["message"]


def test_pingbacks_are_the_posts_that_link_here(make_forum, forum_corpus):
    forum = make_forum()
    target = "vJFdjigzmcXMhNTsx"  # Simulators
    got = posts(forum, {"view": "pingbackPosts", "postId": target, "limit": 100},
                fields="_id htmlBody").json()["data"]["posts"]["results"]
    assert got
    for p in got:
        assert f"/posts/{target}/" in p["htmlBody"]


def search(server, query, index="test_posts", **params):
    body = {"options": {"emptyStringSearchResults": "empty"},
            "queries": [{"indexName": index, "params": {"query": query, "hitsPerPage": 5, **params}}]}
    return httpx.post(server.url + "/api/search", json=body, timeout=10)


def test_search_answers_in_the_searchresult_schema(make_forum):
    forum = make_forum()
    r = search(forum, "Path dependence in ML inductive biases")
    assert r.status_code == 200
    [result] = r.json()
    assert set(result) >= {"hits", "nbHits", "page", "nbPages", "hitsPerPage", "exhaustiveNbHits", "exhaustiveType",
                           "exhaustive", "query", "params", "index", "processingTimeMS", "processingTimingsMS",
                           "serverTimeMS"}
    assert result["hits"][0]["title"] == "Path dependence in ML inductive biases"
    assert result["hits"][0]["objectID"] == result["hits"][0]["_id"] == "bxkWd6WdkPqGmdHEk"
    assert search(forum, "anything", index="test_users").json()[0]["hits"] == []
    assert search(forum, "x", index="nonsense").status_code == 400
    assert httpx.post(forum.url + "/api/search", content=b"{", timeout=10).status_code == 400


def test_faults_and_rate_limits_like_the_other_stand_in(make_forum):
    forum = make_forum()
    forum.fail_next(1, 502)
    r = gql(forum, POST_QUERY, {"id": "uMQ3cqWDPHhjtiesc"})
    assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
    forum.fail_next(1, "malformed")
    r = gql(forum, POST_QUERY, {"id": "uMQ3cqWDPHhjtiesc"})
    with pytest.raises(ValueError):
        r.json()
    forum.set_rate_limit(1, burst=1)
    statuses = [gql(forum, "{ posts(input: {terms: {limit: 1}}) { results { _id } } }").status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    assert forum.counters["endpoint:graphql"] == 5
