-- Every row removed anywhere in the pipeline for overlapping an eval record; one row per removed
-- row, with its strongest match. Each has a `contaminates_eval` lineage edge (of its stage) to that
-- eval record. The removed row's text stays where its stage keeps rows: compliance.documents
-- (dedup), augment.rejected and synth.rejected (reason contaminates_eval), prefs.responses (prefs).
CREATE TABLE IF NOT EXISTS dedup.contamination (
    record_id       VARCHAR NOT NULL,   -- the removed row: a record (dedup), an augment.rejected or synth.rejected record, a pair_id (prefs)
    stage           VARCHAR NOT NULL,   -- dedup | augment | synth | prefs: whose row it was and who removed it
    eval_record_id  VARCHAR NOT NULL,   -- an eval-role record of compliance.documents, whatever its status
    role            VARCHAR NOT NULL,   -- train | seed (dedup); augmented | synthetic | preference
    part            VARCHAR,            -- prefs: the pair's side that overlaps (response_a | response_b; the prompt is in both)
    method          VARCHAR NOT NULL,   -- exact | prompt (same instruction + input) | minhash | ngram | semantic (semantic_dedup)
    similarity      DOUBLE  NOT NULL,   -- true shingle Jaccard to the eval record (semantic: embedding cosine)
    span_words      BIGINT,             -- longest shared word span (whole text when exact; NULL if under the n-gram length)
    eval_matches    BIGINT  NOT NULL    -- how many eval records it matches by any method
);
-- Warehouses created before these columns existed get them here (their rows were all the dedup stage's).
ALTER TABLE dedup.contamination ADD COLUMN IF NOT EXISTS stage VARCHAR DEFAULT 'dedup';
ALTER TABLE dedup.contamination ADD COLUMN IF NOT EXISTS part VARCHAR;
