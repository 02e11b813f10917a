-- Every generated task the loop did not keep, and every generation request that produced nothing
-- usable (failed or declined), with the reason: nothing the model wrote disappears silently.
CREATE TABLE IF NOT EXISTS synth.rejected (
    record_id       VARCHAR NOT NULL,   -- sx_ + hash of the request and the task's position in its reply
    instruction     VARCHAR NOT NULL,
    input           VARCHAR NOT NULL,
    response        VARCHAR NOT NULL,
    task_type       VARCHAR,
    domain          VARCHAR,
    reason          VARCHAR NOT NULL,   -- empty_output | too_short | too_long | unsupported_modality | input_equals_output |
                                        -- contaminates_eval (see dedup.contamination) | not_novel | near_duplicate_of_curated | pii | target_reached |
                                        -- failed_request | declined_request
    detail          VARCHAR,
    max_rouge_l     DOUBLE,
    raw_reply       VARCHAR,            -- the model's raw text, for a reply that failed validation
    seed_ids        VARCHAR[],
    provider        VARCHAR,
    model           VARCHAR,
    prompt_version  VARCHAR NOT NULL,
    request_hash    VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);
