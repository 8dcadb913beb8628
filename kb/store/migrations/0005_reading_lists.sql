-- Named, saved reading lists with read/unread marks.
-- A list keeps the order papers were added in (position), so that `kb list show` is stable;
-- removing a paper from the store removes it from every list.

CREATE TABLE reading_list (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE reading_list_item (
    list INTEGER NOT NULL REFERENCES reading_list(id) ON DELETE CASCADE,
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    read_at TEXT,                    -- NULL while unread
    note TEXT,
    PRIMARY KEY (list, paper)
) WITHOUT ROWID;
CREATE INDEX reading_list_item_paper ON reading_list_item(paper);
