-- PostgreSQL spelling of ../0006_refresh_jobs.sql.
ALTER TABLE crawl_state ADD COLUMN checked_at TEXT;
ALTER TABLE crawl_run ADD COLUMN job TEXT;
CREATE INDEX crawl_run_job ON crawl_run(job, status, id);
