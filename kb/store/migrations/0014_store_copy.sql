-- Where a store's rows came from when `kb db copy` wrote them: a copy continues only into its
-- own unfinished copy of the same source, never into some other store. Each backend's own
-- bookkeeping: `kb db copy` neither copies this table nor counts it in the digest.
CREATE TABLE store_copy (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,            -- the source store as `kb db copy` named it (no password)
    started_at TEXT NOT NULL,
    finished_at TEXT                 -- set when counts and digest matched
);
