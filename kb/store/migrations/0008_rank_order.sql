-- `kb top` lists a short page of the best papers, often of one theme. Sorting every candidate
-- took 0.6 s on a million-paper store. kb.ranking now also stores each paper's position in the
-- two rank orders for the first TOP_ORDER_SLICE papers of each (NULL beyond), and these small
-- partial indexes let a query walk that prefix in order and stop after the first matches. A
-- full index over the million rows would cost seconds to rebuild at every rank run; these cost
-- a tenth of a second.
ALTER TABLE paper_rank ADD COLUMN seed_order INTEGER;      -- 0 = best by seed_pagerank, pagerank, id
ALTER TABLE paper_rank ADD COLUMN pagerank_order INTEGER;  -- 0 = best by pagerank, id
CREATE INDEX paper_rank_seed_order ON paper_rank(seed_order) WHERE seed_order IS NOT NULL;
CREATE INDEX paper_rank_pagerank_order ON paper_rank(pagerank_order) WHERE pagerank_order IS NOT NULL;
