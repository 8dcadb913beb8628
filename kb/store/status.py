"""A summary of what a store holds, for ``kb status``."""

from __future__ import annotations

from kb.store import Store


def store_status(store: Store) -> dict:
    info: dict = {"store": str(store.path), "schema_version": store.schema_version()}
    info.update(store.counts())
    for name, sql in (
        ("forum_posts", "SELECT count(*) FROM post"),
        ("seeds", "SELECT count(*) FROM seed"),
        ("unresolved_mentions", "SELECT count(*) FROM mention WHERE status != 'resolved'"),
        ("tags", "SELECT count(*) FROM paper_theme"),
        ("not_yet_expanded", "SELECT count(*) FROM crawl_state WHERE status = 'pending'"),
        ("expanded", "SELECT count(*) FROM crawl_state WHERE status = 'done'"),
        # Lists longer than the API's 10,000-entry window: the store holds only their start.
        ("truncated_lists", "SELECT coalesce(sum(refs_truncated + cits_truncated), 0) FROM paper"),
        ("lists_set_aside", "SELECT count(*) FROM failed_list"),
        ("papers_from_bulk_data", "SELECT count(*) FROM paper WHERE bulk_release IS NOT NULL"),
        ("papers_from_the_api", "SELECT count(*) FROM paper WHERE bulk_release IS NULL AND detail_level >= 1"),
        # One work under two paperIds (an arXiv preprint and its venue version are two records
        # on S2, each with its own citers): papers sharing a title with another paper.
        ("same_title_papers", "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM paper "
                              "WHERE title IS NOT NULL GROUP BY lower(title) HAVING count(*) > 1) AS t"),
    ):
        info[name] = store.conn.execute(sql).fetchone()[0]
    releases = [r[0] for r in store.conn.execute(
        "SELECT DISTINCT bulk_release FROM paper WHERE bulk_release IS NOT NULL ORDER BY 1")]
    if releases:
        info["bulk_releases"] = ", ".join(releases)
    row = store.conn.execute("SELECT * FROM crawl_run ORDER BY id DESC LIMIT 1").fetchone()
    info["last_run"] = dict(row) if row else None
    return info
