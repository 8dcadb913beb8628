-- PostgreSQL spelling of ../0009_bulk_provenance.sql.
ALTER TABLE paper ADD COLUMN bulk_release TEXT;
CREATE INDEX paper_bulk_release ON paper(bulk_release) WHERE bulk_release IS NOT NULL;
