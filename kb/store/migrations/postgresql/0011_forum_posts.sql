-- PostgreSQL spelling of ../0011_forum_posts.sql.
ALTER TABLE paper ADD COLUMN kind TEXT NOT NULL DEFAULT 'paper';
CREATE INDEX paper_kind ON paper(kind) WHERE kind != 'paper';

CREATE TABLE post (
    paper BIGINT PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    forum_id TEXT NOT NULL UNIQUE,
    slug TEXT,
    karma BIGINT,
    vote_count BIGINT,
    comment_count BIGINT,
    word_count BIGINT,
    af BIGINT,
    tags TEXT
);
