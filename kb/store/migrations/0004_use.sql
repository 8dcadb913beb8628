-- Ranks for search, `kb top` and `kb show`, recomputed as a whole by `kb rank` (and after every
-- crawl). One row per paper; a paper stored after the last computation has no row yet and
-- sorts last. Figures are relative to the store: the citation graph kb has crawled.

CREATE TABLE paper_rank (
    paper INTEGER PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    pagerank REAL NOT NULL,          -- global PageRank in the store's citation graph
    seed_pagerank REAL NOT NULL,     -- PageRank restarting at the seeds, citations followed both
                                     -- ways: relevance to the seeds
    cocitation REAL NOT NULL,        -- sum over seeds of Salton co-citation cosine
    coupling REAL NOT NULL,          -- sum over seeds of Adamic-Adar bibliographic coupling
    in_citations INTEGER NOT NULL,   -- papers in the store that cite it
    in_references INTEGER NOT NULL   -- papers in the store that it cites
);

-- One row per rank computation: when, on what, and how long it took.
CREATE TABLE rank_run (
    id INTEGER PRIMARY KEY,
    computed_at TEXT NOT NULL,
    papers INTEGER NOT NULL,
    edges INTEGER NOT NULL,
    seeds INTEGER NOT NULL,
    iterations INTEGER NOT NULL,         -- global PageRank power iterations
    seed_iterations INTEGER NOT NULL,    -- seed PageRank power iterations
    seconds REAL NOT NULL
);
