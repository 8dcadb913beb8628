-- `kb top` lists a short page of the best papers, often of one theme. Walking these indexes in
-- rank order lets SQLite stop after the first matches instead of sorting every candidate
-- (0.6 s -> milliseconds on a million-paper store). kb.ranking rebuilds them after each rank
-- run, which is faster than updating them row by row.
CREATE INDEX paper_rank_by_seed ON paper_rank(seed_pagerank DESC, pagerank DESC);
CREATE INDEX paper_rank_by_pagerank ON paper_rank(pagerank DESC);
