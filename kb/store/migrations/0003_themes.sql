-- Alignment themes and which papers carry them.
-- The taxonomy lives in data/themes.toml (the user edits it); `theme` mirrors it so that SQL
-- can join on themes and so that tags of a theme removed from the file are not lost at once:
-- a removed theme keeps its row with retired = 1 while manual tags still point at it.

CREATE TABLE theme (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    parent TEXT,                     -- slug of the parent theme (NULL for a top-level theme)
    keywords TEXT,                   -- JSON list of rule phrases
    retired INTEGER NOT NULL DEFAULT 0,  -- 1 when gone from the taxonomy file but manual tags remain
    updated_at TEXT
);
CREATE INDEX theme_parent ON theme(parent);

-- One row per (paper, theme, source). Automatic rows (rule | model | graph) exist only for the
-- tags their source accepted at the thresholds of the last `kb tag auto`; `score` is that
-- source's confidence. A manual row is the user's word: negative = 1 means "not this theme"
-- and suppresses every automatic row of the same (paper, theme).
CREATE TABLE paper_theme (
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('manual', 'rule', 'model', 'graph')),
    score REAL NOT NULL DEFAULT 1.0,
    negative INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (paper, theme, source)
) WITHOUT ROWID;
CREATE INDEX paper_theme_theme ON paper_theme(theme, paper);

-- The tags a reader sees: a manual tag wins (positive or negative); otherwise the best
-- automatic tag. SQLite returns `source` from the row holding MAX(score).
CREATE VIEW paper_theme_effective AS
SELECT pt.paper AS paper, pt.theme AS theme, MAX(pt.score) AS score, pt.source AS source
FROM paper_theme pt
WHERE pt.negative = 0
  AND (pt.source = 'manual' OR NOT EXISTS (
        SELECT 1 FROM paper_theme m
        WHERE m.paper = pt.paper AND m.theme = pt.theme AND m.source = 'manual'))
GROUP BY pt.paper, pt.theme;

-- One row per `kb tag auto` run that wrote, for "when were tags last computed, with what".
CREATE TABLE tag_run (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    params TEXT,                     -- JSON: thresholds, sources, training sizes
    added INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0
);
