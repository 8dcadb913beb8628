-- A refresh that reopened a paper's citation list and was stopped before reading it to the end
-- (kill, outage) has already stored the paper's new citation count, so the next refresh would
-- see no change and never read those new citers. The mark survives until the list is read.
ALTER TABLE crawl_state ADD COLUMN recheck_open INTEGER NOT NULL DEFAULT 0;
CREATE INDEX crawl_state_recheck_open ON crawl_state(recheck_open) WHERE recheck_open = 1;
