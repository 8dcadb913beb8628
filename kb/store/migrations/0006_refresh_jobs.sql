-- Periodic refresh and named jobs: when a paper's citers were last re-checked, and which job
-- a run belonged to.
ALTER TABLE crawl_state ADD COLUMN checked_at TEXT;
ALTER TABLE crawl_run ADD COLUMN job TEXT;
CREATE INDEX crawl_run_job ON crawl_run(job, status, id);
