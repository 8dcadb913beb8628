-- PostgreSQL spelling of ../0007_refresh_resume.sql.
ALTER TABLE crawl_state ADD COLUMN recheck_open BIGINT NOT NULL DEFAULT 0;
CREATE INDEX crawl_state_recheck_open ON crawl_state(recheck_open) WHERE recheck_open = 1;
