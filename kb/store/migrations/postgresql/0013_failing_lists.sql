-- PostgreSQL spelling of ../0013_failing_lists.sql.
CREATE TABLE failed_list (
    paper BIGINT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('refs', 'cits')),
    tries BIGINT NOT NULL,
    error TEXT NOT NULL,
    run BIGINT REFERENCES crawl_run(id) ON DELETE SET NULL,
    failed_at TEXT NOT NULL,
    PRIMARY KEY (paper, direction)
);
ALTER TABLE crawl_run ADD COLUMN failed_lists TEXT;
