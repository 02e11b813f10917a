-- Planned augmentations that produced no record, with the reason: the model declined or failed,
-- a placeholder was lost, the rewrite was a near-copy of its parent, PII, or a near-duplicate of
-- another augmented record.
CREATE TABLE IF NOT EXISTS augment.rejected (
    record_id       VARCHAR NOT NULL,
    parent_id       VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,
    gap             VARCHAR NOT NULL,
    language        VARCHAR,
    instruction     VARCHAR NOT NULL,   -- the rewrite, '' when there was none
    input           VARCHAR NOT NULL,
    response        VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,   -- declined | not_sent | failed_request | empty_output | placeholder_changed |
                                        -- near_copy_of_parent | pii | contaminates_eval (see dedup.contamination) | near_duplicate_of_augmented
    detail          VARCHAR,
    raw_reply       VARCHAR,
    provider        VARCHAR,
    model           VARCHAR,
    prompt_version  VARCHAR,
    request_hash    VARCHAR,
    run_id          VARCHAR NOT NULL
);
