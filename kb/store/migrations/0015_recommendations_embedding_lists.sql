-- Semantic Scholar's recommendations for the seeds (`kb crawl --recommended`): which paper the
-- API recommended for which seed, and how high, so that `kb show` can say so and relevance can
-- count it. A seed's rows are replaced each time its recommendations are fetched again; rows of
-- the recommendations for all the seeds together (one POST) have no seed.
CREATE TABLE recommendation (
    id INTEGER PRIMARY KEY,
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,  -- the recommended paper
    seed INTEGER REFERENCES paper(id) ON DELETE CASCADE,            -- NULL: for all the seeds
    position INTEGER NOT NULL,          -- 1 = the API's first recommendation
    run INTEGER REFERENCES crawl_run(id) ON DELETE SET NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX recommendation_paper ON recommendation(paper);
CREATE INDEX recommendation_seed ON recommendation(seed);

-- The nearest-neighbour index of every stored embedding, rebuilt with the ranks
-- (kb.knowledge.embeddings): an inverted file of about 1,000 papers a list, clustered by
-- k-means. A list row holds its centroid first (so reading every centroid does not read the
-- lists), its papers' ids and their unit vectors quantised to int8, so a query reads the few
-- lists it needs in a few rows. It replaces the 0012 sketch, whose 64-dimensional projection
-- was too coarse to tell a topic's papers apart.
DROP TABLE embedding_sketch;
CREATE TABLE embedding_list (
    list INTEGER PRIMARY KEY,
    centroid BLOB NOT NULL,   -- 64 float32: unit centroid in the random-projection space
    size INTEGER NOT NULL,    -- papers in the list
    ids BLOB NOT NULL,        -- int64 store ids
    scales BLOB NOT NULL,     -- float32 per paper: unit vector ~= codes * scale
    codes BLOB NOT NULL       -- int8, 768 per paper
);
