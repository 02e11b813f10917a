-- Every record whose task is at least the borderline cosine from an eval item, with what became of it.
-- Removed training and seed records are also in dedup.contamination (method semantic); removed
-- generated records stay in augment.documents / synth.pairs and are left out of the SFT export.
CREATE TABLE IF NOT EXISTS semantic.paraphrase_pairs (
    record_id       VARCHAR NOT NULL,
    eval_record_id  VARCHAR NOT NULL,   -- its most similar eval item
    role            VARCHAR NOT NULL,   -- train | seed | augmented | synthetic
    similarity      DOUBLE  NOT NULL,   -- cosine of the task embeddings
    band            VARCHAR NOT NULL,   -- above (>= remove_at) | borderline
    eval_matches    BIGINT  NOT NULL,   -- eval items it matches at >= borderline_from
    decision        VARCHAR NOT NULL,   -- removed | flagged (borderline, no verdict: kept for review) | kept (judged a different task)
    judge           VARCHAR,            -- provider:model of the verdict, NULL without one
    judge_reason    VARCHAR,
    request_hash    VARCHAR,            -- the judge call in llm.calls
    model           VARCHAR NOT NULL,   -- the embedding model
    run_id          VARCHAR NOT NULL
);
