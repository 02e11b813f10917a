-- Train and seed records removed because they overlap an eval record; one row per removed record,
-- with its strongest match. Each has a `contaminates_eval` lineage edge to that eval record.
CREATE TABLE IF NOT EXISTS dedup.contamination (
    record_id       VARCHAR NOT NULL,
    eval_record_id  VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,   -- train | seed
    method          VARCHAR NOT NULL,   -- exact | prompt (same instruction + input) | minhash | ngram
    similarity      DOUBLE  NOT NULL,   -- true shingle Jaccard to the eval record
    span_words      BIGINT,             -- longest shared word span (whole text when exact; NULL if under the n-gram length)
    eval_matches    BIGINT  NOT NULL    -- how many eval records it matches by any method
);
