-- PostgreSQL spelling of ../0012_relevance.sql.
ALTER TABLE paper_rank ADD COLUMN relevance DOUBLE PRECISION;
ALTER TABLE paper_rank ADD COLUMN relevance_order BIGINT;
CREATE INDEX paper_rank_relevance_order ON paper_rank(relevance_order) WHERE relevance_order IS NOT NULL;

CREATE TABLE paper_embedding (
    paper BIGINT PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BYTEA NOT NULL
);

CREATE TABLE embedding_sketch (
    block BIGINT PRIMARY KEY,
    ids BYTEA NOT NULL,
    sketch BYTEA NOT NULL
);
