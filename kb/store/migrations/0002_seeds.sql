-- Seed documents, the mentions of works found in them, how each mention was resolved, and
-- the seed papers the crawler starts from. A seed paper keeps its provenance through the
-- mentions that point at it (which document, which sentence).

CREATE TABLE document (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,               -- as given (resolved to an absolute path)
    sha256 TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    kind TEXT NOT NULL DEFAULT 'text'        -- text | bib | manual (kb seed add --id/--title)
);

CREATE TABLE mention (
    id INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    surface TEXT NOT NULL,                   -- the exact text
    start INTEGER NOT NULL,                  -- character offsets in the document
    "end" INTEGER NOT NULL,
    kind TEXT NOT NULL,                      -- title | alias | author-ref | doi | arxiv | url | id
    sentence TEXT,                           -- the sentence that names the work
    norm_text TEXT NOT NULL,                 -- key into resolution_cache
    status TEXT NOT NULL DEFAULT 'unresolved',   -- resolved | ambiguous | unresolved | not-in-s2 | rejected
    paper INTEGER REFERENCES paper(id) ON DELETE SET NULL,
    candidates TEXT,                         -- JSON list of {paperId, title, year, score}
    resolved_by TEXT,                        -- id | alias | match | search | hand
    score REAL,                              -- how title-like the extractor found it
    note TEXT,
    UNIQUE (document, start, "end")
);
CREATE INDEX mention_paper ON mention(paper);
CREATE INDEX mention_status ON mention(status);
CREATE INDEX mention_norm ON mention(norm_text);

-- One answer per distinct normalised mention, across documents and runs: the same mention
-- costs one resolution however often it appears.
CREATE TABLE resolution_cache (
    norm_text TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    paper_id TEXT,                           -- Semantic Scholar paperId when resolved
    status TEXT NOT NULL,
    candidates TEXT,
    resolved_by TEXT,
    fetched_at TEXT NOT NULL
);

CREATE TABLE seed (
    paper INTEGER PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    source TEXT NOT NULL                     -- document | id | title | bib | hand
);
