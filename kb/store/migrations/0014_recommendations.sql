-- Semantic Scholar's recommendations for the seeds (`kb crawl --recommended`): which paper the
-- API recommended for which seed, and how high, so that `kb show` can say so and relevance can
-- count it. A seed's rows are replaced each time its recommendations are fetched again; rows of
-- the recommendations for all the seeds together (one POST) have no seed.
CREATE TABLE recommendation (
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,  -- the recommended paper
    seed INTEGER REFERENCES paper(id) ON DELETE CASCADE,            -- NULL: for all the seeds
    position INTEGER NOT NULL,          -- 1 = the API's first recommendation
    run INTEGER REFERENCES crawl_run(id) ON DELETE SET NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX recommendation_paper ON recommendation(paper);
CREATE INDEX recommendation_seed ON recommendation(seed);
