-- Relevance (kb.knowledge.relevance): the default order of every listing, one figure per paper
-- next to the other rank figures, with its stored prefix position like seed_order (0008) so
-- `kb top` walks it and stops early.
ALTER TABLE paper_rank ADD COLUMN relevance REAL;            -- NULL until the next rank run
ALTER TABLE paper_rank ADD COLUMN relevance_order INTEGER;   -- 0 = best by relevance, seed_pagerank, id
CREATE INDEX paper_rank_relevance_order ON paper_rank(relevance_order) WHERE relevance_order IS NOT NULL;

-- Semantic Scholar's SPECTER v2 embedding of a paper, fetched in the detail batches the crawler
-- sends anyway. 768 float16 values, little-endian (1,536 bytes; float32 would double it for
-- no gain in a cosine).
CREATE TABLE paper_embedding (
    paper INTEGER PRIMARY KEY REFERENCES paper(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL
);

-- Nearest-neighbour sketch of every stored embedding, rebuilt with the ranks: papers in blocks
-- of up to 65,536, each block one row with the store ids (int64) and a 64-dimensional random
-- projection of each unit vector (float16), so a query reads a million papers in a few dozen
-- rows instead of a million, and re-scores its best candidates with the full vectors.
CREATE TABLE embedding_sketch (
    block INTEGER PRIMARY KEY,
    ids BLOB NOT NULL,
    sketch BLOB NOT NULL
);
