"""Writing the post-only columns of forum posts, merged like papers (an answer that did not say
keeps what the store knew)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from kb.store.records import PaperRecord, PostRecord

POST_UPSERT = """
INSERT INTO post (paper, forum_id, slug, karma, vote_count, comment_count, word_count, af, tags)
VALUES ((SELECT id FROM paper WHERE paper_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(paper) DO UPDATE SET
    slug = COALESCE(excluded.slug, post.slug),
    karma = COALESCE(excluded.karma, post.karma),
    vote_count = COALESCE(excluded.vote_count, post.vote_count),
    comment_count = COALESCE(excluded.comment_count, post.comment_count),
    word_count = COALESCE(excluded.word_count, post.word_count),
    af = COALESCE(excluded.af, post.af),
    tags = COALESCE(excluded.tags, post.tags)
"""


def upsert_posts(conn: sqlite3.Connection, papers: Sequence[PaperRecord]) -> None:
    posts = [p for p in papers if isinstance(p, PostRecord)]
    if not posts:
        return
    conn.executemany("UPDATE paper SET kind = 'post' WHERE paper_id = ? AND kind != 'post'",
                     ((p.paper_id,) for p in posts))
    conn.executemany(POST_UPSERT, (
        (p.paper_id, p.forum_id, p.slug, p.karma, p.vote_count, p.comment_count, p.word_count,
         None if p.af is None else int(p.af), None if p.tags is None else json.dumps(p.tags, ensure_ascii=False))
        for p in posts))
