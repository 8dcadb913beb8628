"""Links are citations: a crawl from forum posts follows their body links to papers (resolved by
id, one Semantic Scholar batch per post) and to other posts, reads their pingbacks, goes on
through Semantic Scholar from the papers it reached, within one request budget; `kb trail`
passes through posts; a forum that stops answering fails the run with one clear line."""

from __future__ import annotations

from kb.crawl.crawler import CrawlBudget, crawl
from kb.settings import Settings
from kb.sources.forum.parse import parse_post
from kb.store import Store

SEED_POSTS = ["LNA8mubrByG7SFacm", "bxkWd6WdkPqGmdHEk"]   # Against Almost Every ToI; Path dependence


def settings(db, s2, forum, **extra) -> Settings:
    values = dict(db_path=db, api_url=s2.url, forum_api_url=forum.url, requests_per_second=1000.0,
                  forum_requests_per_second=1000.0, timeout_seconds=5.0, max_attempts=3, backoff_base=0.001,
                  backoff_cap=0.01)
    values.update(extra)
    return Settings(**values)


def plant_posts(db, forum_corpus, ids):
    """Seed posts as seed resolution leaves them: a full record, a seed row, depth 0."""
    from kb.grounding.seeds import make_seeds
    from kb.standin.forum.graphql_api import PostView

    with Store(db) as store:
        records = []
        for forum_id in ids:
            view = PostView(forum_corpus, forum_corpus.by_id[forum_id], {})
            obj = {k: getattr(view, k) for k in ("_id", "slug", "title", "pageUrl", "postedAt", "baseScore", "af")}
            obj["user"] = view.user
            records.append(parse_post(obj))
        store.upsert_papers(records)
        make_seeds(store, list(store.internal_ids([r.paper_id for r in records]).values()), "test")


def test_a_crawl_passes_through_posts_both_ways(tmp_path, standin, make_forum, forum_corpus):
    forum = make_forum()
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, SEED_POSTS)
    report = crawl(db, CrawlBudget(depth=2, max_requests=60), settings=settings(db, standin, forum))
    assert report.status in ("completed", "partial") and report.requests <= 60
    with Store(db) as store:
        q = store.conn.execute
        post_to_paper = q("SELECT count(*) FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
                          "WHERE a.kind = 'post' AND b.kind = 'paper'").fetchone()[0]
        post_to_post = q("SELECT count(*) FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
                         "WHERE a.kind = 'post' AND b.kind = 'post'").fetchone()[0]
        paper_to_paper = q("SELECT count(*) FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
                           "WHERE a.kind = 'paper' AND b.kind = 'paper'").fetchone()[0]
        # The seed post links to the IOI paper by arXiv id: one edge, the paper's full record.
        ioi = q("SELECT p.id, p.detail_level FROM paper p WHERE p.arxiv_id = '2211.00593'").fetchone()
        seed = q("SELECT id FROM paper WHERE paper_id = 'FORUM:LNA8mubrByG7SFacm'").fetchone()[0]
        assert q("SELECT 1 FROM citation WHERE citing = ? AND cited = ?", (seed, ioi[0])).fetchone() and ioi[1] == 2
        # A pingback: a later post that links to the path-dependence seed cites it, and is reached
        # only that way (the seed's body cannot link to a post written after it).
        pingback = q("SELECT 1 FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
                     "WHERE a.paper_id = 'FORUM:rYdRiaA3cuioJxmBv' AND b.paper_id = 'FORUM:bxkWd6WdkPqGmdHEk'").fetchone()
    assert post_to_paper >= 3 and post_to_post >= 4 and paper_to_paper > 0 and pingback
    endpoints = forum.counters
    assert endpoints.get("endpoint:graphql", 0) >= 3
    assert standin.counters.get("endpoint:batch", 0) >= 1   # linked papers resolved by id, in a batch
    assert standin.counters.get("endpoint:search", 0) == 0 and standin.counters.get("endpoint:match", 0) == 0


def test_posts_known_from_a_link_get_their_record(tmp_path, standin, make_forum, forum_corpus):
    forum = make_forum()
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, ["LNA8mubrByG7SFacm"])
    report = crawl(db, CrawlBudget(depth=1, max_requests=None, direction="refs"), settings=settings(db, standin, forum))
    assert report.status == "completed" and report.forum_requests >= 2
    with Store(db) as store:
        rows = store.conn.execute("SELECT title, year, detail_level, authors FROM paper WHERE kind = 'post'").fetchall()
    assert len(rows) >= 5 and all(r["detail_level"] == 2 and r["year"] and r["authors"] for r in rows)


def test_trail_passes_through_posts(tmp_path, standin, make_forum, forum_corpus):
    from kb.knowledge.trail import find_trail

    forum = make_forum()
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, ["LNA8mubrByG7SFacm"])
    crawl(db, CrawlBudget(depth=2, max_requests=40), settings=settings(db, standin, forum))
    with Store(db) as store:
        # "Risks from Learned Optimization" is linked from "Deep Deceptiveness", a post the seed post links to.
        target = store.conn.execute("SELECT id FROM paper WHERE arxiv_id = '1906.01820'").fetchone()[0]
        result = find_trail(store, target, max_paths=20).as_dict()
    assert result["distance"] == 2
    middles = {path["hops"][0]["to"]["paper_id"] for path in result["paths"]}
    assert "FORUM:XWwvwytieLtEWaFJX" in middles, middles
    assert result["paths"][0]["seed"]["paper_id"] == "FORUM:LNA8mubrByG7SFacm"


def test_a_forum_that_stops_answering_fails_the_run_in_one_line(tmp_path, standin, make_forum, forum_corpus):
    forum = make_forum()
    forum.fail_next(50, 503)
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, ["LNA8mubrByG7SFacm"])
    report = crawl(db, CrawlBudget(depth=1, max_requests=30), settings=settings(db, standin, forum))
    assert report.status == "failed" and report.error_code == 9
    assert "the forum did not answer" in report.message and "\n" not in report.message
    with Store(db) as store:
        assert store.conn.execute("SELECT count(*) FROM paper WHERE kind = 'post'").fetchone()[0] == 1


def test_refresh_rereads_a_post_seeds_pingbacks_and_never_asks_s2_about_posts(tmp_path, standin, make_forum, forum_corpus):
    from kb.crawl.refresh import RefreshOptions, refresh

    forum = make_forum()
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, ["bxkWd6WdkPqGmdHEk"])
    crawl(db, CrawlBudget(depth=1, max_requests=None, direction="refs"), settings=settings(db, standin, forum))
    standin.reset()
    forum.reset()
    report = refresh(db, CrawlBudget(depth=1, max_requests=50), RefreshOptions(top=0, older_than_seconds=0),
                     settings=settings(db, standin, forum))
    assert report.status in ("completed", "partial")
    for rec in standin.log:
        assert b"FORUM:" not in rec.body and "FORUM:" not in rec.path
    with Store(db) as store:
        pingback = store.conn.execute(
            "SELECT 1 FROM citation c JOIN paper a ON a.id = c.citing JOIN paper b ON b.id = c.cited "
            "WHERE a.paper_id = 'FORUM:rYdRiaA3cuioJxmBv' AND b.paper_id = 'FORUM:bxkWd6WdkPqGmdHEk'").fetchone()
    assert pingback and forum.counters.get("endpoint:graphql", 0) >= 1


def test_one_request_budget_covers_forum_retries_too(tmp_path, standin, make_forum, forum_corpus):
    forum = make_forum()
    forum.fail_next(2, 503)   # the first post lookup needs three attempts
    db = tmp_path / "kb.sqlite"
    plant_posts(db, forum_corpus, ["LNA8mubrByG7SFacm"])
    report = crawl(db, CrawlBudget(depth=1, max_requests=2), settings=settings(db, standin, forum))
    assert report.requests == 2 and report.forum_requests == 2
    assert report.status == "partial" and report.stopped_by == "max-requests"
