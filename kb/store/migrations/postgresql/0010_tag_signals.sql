-- PostgreSQL spelling of ../0010_tag_signals.sql.
ALTER TABLE paper_theme ADD COLUMN signals TEXT;
