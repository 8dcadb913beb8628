-- Which signals gave each automatic tag. `kb tag auto` weighs several signals (the learned
-- model, keyword rules, citation-graph neighbours, forum tags); a tag row now keeps them as a
-- JSON object, e.g. {"model": 0.42, "threshold": 0.1, "rule": ["grokk*"], "graph": [4, 6]},
-- so that `kb show` can say why a paper carries a theme. NULL for manual tags and for rows
-- written before this migration.
ALTER TABLE paper_theme ADD COLUMN signals TEXT;
