-- Where a paper's record came from: the bulk datasets release it was last loaded from (NULL when
-- it never came from bulk data), so that kb show and kb status can tell bulk papers from papers
-- the Graph API gave. The release a bulk load used is also in its crawl_run row (kind 'bulk').
ALTER TABLE paper ADD COLUMN bulk_release TEXT;
CREATE INDEX paper_bulk_release ON paper(bulk_release) WHERE bulk_release IS NOT NULL;
