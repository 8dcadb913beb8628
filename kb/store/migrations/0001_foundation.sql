-- Papers, authors, citation edges, the full-text index and crawl bookkeeping.
-- Papers get an integer surrogate key so that the edge table (the big one) stays narrow;
-- the Semantic Scholar paperId is the public key.

CREATE TABLE paper (
    id INTEGER PRIMARY KEY,
    paper_id TEXT NOT NULL UNIQUE,
    corpus_id INTEGER,
    doi TEXT,
    arxiv_id TEXT,
    external_ids TEXT,               -- JSON object as the API gives it
    title TEXT,
    abstract TEXT,
    tldr TEXT,
    year INTEGER,
    publication_date TEXT,
    venue TEXT,
    authors TEXT,                    -- JSON list of {"authorId", "name"} in author order
    citation_count INTEGER,
    reference_count INTEGER,
    influential_citation_count INTEGER,
    open_access_pdf TEXT,
    bibtex TEXT,
    fields_of_study TEXT,            -- JSON list
    publication_types TEXT,          -- JSON list
    url TEXT,
    detail_level INTEGER NOT NULL DEFAULT 0,  -- 0 id only, 1 fields nested in an edge list, 2 full record
    fetched_at TEXT,
    refs_truncated INTEGER NOT NULL DEFAULT 0,
    cits_truncated INTEGER NOT NULL DEFAULT 0,
    refs_without_id INTEGER NOT NULL DEFAULT 0,
    cits_without_id INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    added_by_run INTEGER
);
CREATE INDEX paper_corpus_id ON paper(corpus_id);
CREATE INDEX paper_doi ON paper(doi COLLATE NOCASE);
CREATE INDEX paper_arxiv_id ON paper(arxiv_id);
CREATE INDEX paper_year ON paper(year);

CREATE TABLE author (
    id INTEGER PRIMARY KEY,
    author_id TEXT NOT NULL UNIQUE,
    name TEXT
);

CREATE TABLE paper_author (
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    author INTEGER REFERENCES author(id),
    name TEXT,
    PRIMARY KEY (paper, position)
) WITHOUT ROWID;
CREATE INDEX paper_author_author ON paper_author(author);

CREATE TABLE citation (
    citing INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    cited INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    is_influential INTEGER,
    intents TEXT,                    -- JSON list
    contexts TEXT,                   -- JSON list
    PRIMARY KEY (citing, cited)
) WITHOUT ROWID;
CREATE INDEX citation_cited ON citation(cited, citing);

CREATE VIRTUAL TABLE paper_fts USING fts5(
    title, abstract, tldr,
    content='paper', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER paper_fts_insert AFTER INSERT ON paper BEGIN
    INSERT INTO paper_fts(rowid, title, abstract, tldr) VALUES (new.id, new.title, new.abstract, new.tldr);
END;
CREATE TRIGGER paper_fts_delete AFTER DELETE ON paper BEGIN
    INSERT INTO paper_fts(paper_fts, rowid, title, abstract, tldr) VALUES ('delete', old.id, old.title, old.abstract, old.tldr);
END;
CREATE TRIGGER paper_fts_update AFTER UPDATE OF title, abstract, tldr ON paper
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract OR old.tldr IS NOT new.tldr
BEGIN
    INSERT INTO paper_fts(paper_fts, rowid, title, abstract, tldr) VALUES ('delete', old.id, old.title, old.abstract, old.tldr);
    INSERT INTO paper_fts(rowid, title, abstract, tldr) VALUES (new.id, new.title, new.abstract, new.tldr);
END;

-- The crawl frontier and what has been fetched for each paper. One row per paper the crawler
-- has reached; a row is the unit of resumption.
CREATE TABLE crawl_state (
    paper INTEGER PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    depth INTEGER NOT NULL,
    priority REAL NOT NULL DEFAULT 0,
    links INTEGER NOT NULL DEFAULT 0,           -- edges to expanded papers: relevance to the crawl
    status TEXT NOT NULL DEFAULT 'pending',     -- pending (lists not all fetched) | done
    reached_from INTEGER REFERENCES paper(id),  -- the paper whose edge list found it (NULL for seeds)
    reached_via TEXT,                           -- 'refs' | 'cits' | 'seed'
    seeds TEXT,                                 -- JSON list of seed paper ids it descends from
    refs_next_offset INTEGER NOT NULL DEFAULT 0,  -- -1 when the list is complete
    cits_next_offset INTEGER NOT NULL DEFAULT 0,
    details_fetched INTEGER NOT NULL DEFAULT 0, -- full record asked for (batch), found or not
    updated_at TEXT
);
CREATE INDEX crawl_state_queue ON crawl_state(status, priority DESC);

CREATE TABLE crawl_run (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'crawl',         -- crawl | refresh | seed | job
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',     -- running | completed | partial | failed | interrupted
    params TEXT,                                -- JSON
    requests INTEGER NOT NULL DEFAULT 0,
    new_papers INTEGER NOT NULL DEFAULT 0,
    new_edges INTEGER NOT NULL DEFAULT 0,
    truncated_lists INTEGER NOT NULL DEFAULT 0,
    edges_without_id INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    message TEXT
);
