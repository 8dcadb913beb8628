-- PostgreSQL spelling of ../0015_recommendations_embedding_lists.sql.
CREATE TABLE recommendation (
    paper BIGINT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    seed BIGINT REFERENCES paper(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    run BIGINT REFERENCES crawl_run(id) ON DELETE SET NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX recommendation_paper ON recommendation(paper);
CREATE INDEX recommendation_seed ON recommendation(seed);

DROP TABLE embedding_sketch;
CREATE TABLE embedding_list (
    list BIGINT PRIMARY KEY,
    centroid BYTEA NOT NULL,
    size BIGINT NOT NULL,
    ids BYTEA NOT NULL,
    scales BYTEA NOT NULL,
    codes BYTEA NOT NULL
);
