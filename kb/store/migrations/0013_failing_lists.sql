-- A citation or reference list whose every request fails (a real Semantic Scholar failure mode:
-- one paper's citations endpoint errors every time) is set aside after its bounded tries, so it
-- no longer stops every crawl; a later `kb crawl --retry-failed` tries it again, and a page of
-- it that finally arrives removes the row.
CREATE TABLE failed_list (
    paper INTEGER NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('refs', 'cits')),
    tries INTEGER NOT NULL,          -- requests sent for it in vain, over all runs
    error TEXT NOT NULL,             -- the last failure, one line
    run INTEGER REFERENCES crawl_run(id) ON DELETE SET NULL,  -- the run that last set it aside
    failed_at TEXT NOT NULL,
    PRIMARY KEY (paper, direction)
);
-- The lists a run set aside, as a JSON array of {"paper", "list", "error"} (for `kb runs`).
ALTER TABLE crawl_run ADD COLUMN failed_lists TEXT;
