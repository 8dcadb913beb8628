-- Forum posts (LessWrong / Alignment Forum) are works too. A post is a row of `paper` (so search,
-- tags, ranks, exports, trails and the citation table treat it like any work) with kind 'post'
-- and paper_id 'FORUM:<forum id>', plus a `post` row for what only posts have. Links in a post's
-- body are rows of `citation` (post -> paper, post -> post).
ALTER TABLE paper ADD COLUMN kind TEXT NOT NULL DEFAULT 'paper';   -- 'paper' | 'post'
CREATE INDEX paper_kind ON paper(kind) WHERE kind != 'paper';

CREATE TABLE post (
    paper INTEGER PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    forum_id TEXT NOT NULL UNIQUE,
    slug TEXT,
    karma INTEGER,
    vote_count INTEGER,
    comment_count INTEGER,
    word_count INTEGER,
    af INTEGER,                      -- 1: also on the Alignment Forum
    tags TEXT                        -- JSON list of the forum's tag names
);
