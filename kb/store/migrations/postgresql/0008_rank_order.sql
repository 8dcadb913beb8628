-- PostgreSQL spelling of ../0008_rank_order.sql.
ALTER TABLE paper_rank ADD COLUMN seed_order BIGINT;
ALTER TABLE paper_rank ADD COLUMN pagerank_order BIGINT;
CREATE INDEX paper_rank_seed_order ON paper_rank(seed_order) WHERE seed_order IS NOT NULL;
CREATE INDEX paper_rank_pagerank_order ON paper_rank(pagerank_order) WHERE pagerank_order IS NOT NULL;
